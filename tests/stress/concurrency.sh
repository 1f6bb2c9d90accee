#!/usr/bin/env bash
# concurrency.sh - concurrency stress of the daemon (make stress).
#
# 8 writers save 8 SOPS files in a loop through the mount while `git
# checkout -f` switches SRC between two commits, a reader reads every file,
# SIGUSR1 wipes the keys and key_ttl=1 expires them. At the end: the daemon
# never crashed, every backing file decrypts (valid MAC) to a version a
# writer wrote or git put there, no temp file remains in SRC, the daemon's
# RSS is back near its start, and (TSan build) no ThreadSanitizer report.
# STRESS_SECONDS (default 30); SOPSFS_MOUNT_BIN picks the daemon
# (make stress uses build/sopsfs-tsan).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../mount/lib/mount.sh"
. "$(dirname "$0")/lib.sh"
need_fuse "concurrency" || exit 0
CLI=$ROOT/build/sopsfs
secs=${STRESS_SECONDS:-30}
stress_setup
export TSAN_OPTIONS="log_path=$TMP/tsan halt_on_error=0 ${TSAN_OPTIONS:-}"
g() { git -C "$SRC" -c user.email=t@t -c user.name=t "$@"; }
for k in 0 1 2 3 4 5 6 7; do
	printf 'writer: git\nseq: A%d\n' "$k" | (cd "$SRC" && "$CLI" encrypt --filename-override "w$k.yaml" - >"w$k.yaml")
done
g add . && g commit -qm A && g tag A
for k in 0 1 2 3 4 5 6 7; do
	printf 'writer: git\nseq: B%d\n' "$k" | (cd "$SRC" && "$CLI" encrypt --filename-override "w$k.yaml" - >"w$k.yaml")
done
g add . && g commit -qm B && g tag B
mount_sopsfs "$SRC" "$MNT" -o key_ttl=1 || { fail "concurrency mount" "$(cat "$TMP/mount.log")"; exit 0; }
cat "$MNT"/w*.yaml >/dev/null
sleep 1
rss() { awk '/^VmRSS/ {print $2}' "/proc/$MOUNT_PID/status"; }
rss0=$(rss)
stop=$TMP/stop
for k in 0 1 2 3 4 5 6 7; do
	python3 "$ROOT/tests/stress/writer.py" "$MNT/w$k.yaml" "$k" "$stop" >"$TMP/writer$k.out" 2>&1 &
done
( n=0; while [ ! -e "$stop" ]; do cat "$MNT"/*.yaml >/dev/null 2>&1; n=$((n+1)); done; echo "reads=$n" >"$TMP/reader.out" ) &
( n=0; while [ ! -e "$stop" ]; do g checkout -q -f A 2>/dev/null; sleep 0.2; g checkout -q -f B 2>/dev/null; sleep 0.2; n=$((n+2)); done; echo "checkouts=$n" >"$TMP/git.out" ) &
( n=0; while [ ! -e "$stop" ]; do kill -USR1 "$MOUNT_PID" 2>/dev/null; n=$((n+1)); sleep 0.5; done; echo "usr1=$n" >"$TMP/usr1.out" ) &
sleep "$secs"
touch "$stop"
wait_jobs() { for j in $(jobs -p); do [ "$j" = "$MOUNT_PID" ] || wait "$j"; done; }
wait_jobs
if kill -0 "$MOUNT_PID" 2>/dev/null; then
	ok "the daemon survived ${secs}s of writers, git checkouts, readers, SIGUSR1 and key_ttl=1 ($(cat "$TMP"/writer*.out | awk -F'[= ]' '{s+=$2; f+=$4} END {print s " saves, " f " failed saves"}'), $(cat "$TMP/reader.out" "$TMP/git.out" "$TMP/usr1.out" | tr '\n' ' '))"
else
	fail "the daemon survived" "it exited: $(tail -5 "$TMP/mount.log")"
fi
sleep 2    # pending work settles; keys expire
kill -USR1 "$MOUNT_PID" 2>/dev/null; sleep 1
rss1=$(rss)
bad=0
for k in 0 1 2 3 4 5 6 7; do
	out=$(SOPS_AGE_KEY_FILE=$KEYS "$CLI" decrypt "$SRC/w$k.yaml" 2>&1)
	if ! printf '%s\n' "$out" | head -2 | tr '\n' ' ' | grep -Eq "^(writer: $k seq: [0-9]+ |writer: git seq: [AB]$k )$"; then
		bad=$((bad + 1)); echo "# w$k.yaml: $(printf '%s' "$out" | head -c 200)"
	fi
done
[ "$bad" = 0 ] && ok "every backing file decrypts (valid MAC) to a version a writer or git wrote" \
	|| fail "every backing file decrypts to a written version" "$bad of 8 do not"
extra=$(cd "$SRC" && find . -path ./.git -prune -o -type f -print | grep -Ev '^\./(w[0-7]\.yaml|\.sops\.yaml)$')
[ -z "$extra" ] && ok "no temp file remains in SRC" || fail "no temp file remains in SRC" "$(echo "$extra" | head -5 | tr '\n' ' ')"
if [[ "$SOPSFS_MOUNT_BIN" == *san* ]]; then
	# sanitizer runtimes keep freed memory in quarantine / shadow: no bound
	skip "daemon RSS back near its start" "sanitizer build (${rss0} kB -> ${rss1} kB); checked with build/sopsfs"
elif [ -n "$rss0" ] && [ -n "$rss1" ] && [ "$rss1" -le $((rss0 + rss0 / 2 + 20480)) ]; then
	ok "daemon RSS back near its start (${rss0} kB -> ${rss1} kB)"
else
	fail "daemon RSS back near its start" "${rss0} kB -> ${rss1} kB"
fi
unmount_sopsfs "$MNT" || fail "concurrency unmount" "the daemon did not exit"
races=$(cat "$TMP"/tsan* 2>/dev/null | grep -c 'WARNING: ThreadSanitizer')
if [ -n "$(ls "$TMP"/tsan* 2>/dev/null)" ] || [[ "$SOPSFS_MOUNT_BIN" == *tsan* ]]; then
	mkdir -p "$ROOT/build/stress"
	cat "$TMP"/tsan* >"$ROOT/build/stress/tsan.log" 2>/dev/null
	[ "$races" = 0 ] && ok "ThreadSanitizer: 0 reports" || fail "ThreadSanitizer" "$races reports (build/stress/tsan.log): $(grep -A2 'WARNING: ThreadSanitizer' "$ROOT/build/stress/tsan.log" | grep -o '#0 [a-z_0-9]* [^ ]*' | sed 's|.*/||' | sort | uniq -c | tr '\n' ' ')"
fi
