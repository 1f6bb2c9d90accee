#!/usr/bin/env bash
# cli_set.sh - `sopsfs set` / `unset` against sops 3.13.2's set vectors
# (edit/set_*): the decrypted result equals sops' (our view keeps an inline
# YAML comment inline where sops moves it to its own line: normalised), the
# file diff is the value plus lastmodified and mac; --idempotent and
# equal values write nothing; unset removes one entry; bad input fails
# cleanly with the file untouched.
. "$(dirname "$0")/../lib.sh"
require_shared set || exit 0
V=$SHARED/interop/sops-vectors
export HOME=$TMP/home GNUPGHOME=$TMP/gnupg SOPS_AGE_KEY_FILE=$V/keys/age.txt
mkdir -p "$HOME"; new_gnupghome "$GNUPGHOME"
cd "$TMP" || exit 1
norm() { sed 's/^user: admin # inline comment$/# inline comment\nuser: admin/'; }

cases=(
	"set_string|yaml|[\"password\"]|\"newvalue\"|3"
	"set_number|yaml|[\"port\"]|6543|3"
	"set_list_item|yaml|[\"list\"][2]|\"changed\"|3"
	"set_new_subtree|yaml|[\"nested\"][\"new\"]|{\"a\": 1, \"b\": [true, \"x\"]}|7"
	"set_idempotent|yaml|[\"user\"]|\"admin\"|0"
	"set_json|json|[\"password\"]|\"newvalue\"|3"
	"set_dotenv|env|[\"PASSWORD\"]|\"newvalue\"|3"
	"set_ini|ini|[\"db\"][\"password\"]|\"newvalue\"|3"
)
for c in "${cases[@]}"; do
	IFS='|' read -r n ext idx val nplus <<<"$c"
	cp "$V/edit/$n.before.$ext" f.$ext; touch -d 2001-01-01 f.$ext
	if ! "$SOPSFS" set f.$ext "$idx" "$val" 2>err; then fail "set $n" "$(head -c 300 err)"; continue; fi
	"$SOPSFS" decrypt f.$ext | norm >got 2>err
	plus=$(diff "$V/edit/$n.before.$ext" f.$ext | grep -c '^>')
	if cmp -s got "$V/edit/$n.after.dec.$ext" && [ "$plus" = "$nplus" ]; then
		ok "set $n: sops' plaintext, $plus new lines in the file"
	else
		fail "set $n" "plus=$plus (want $nplus) $(diff got "$V/edit/$n.after.dec.$ext" | head -c 300 | tr '\n' '|')"
	fi
done
[ "$(stat -c %Y f.ini)" != "$(date -d 2001-01-01 +%s)" ] || fail "set writes" "mtime unchanged"
cp "$V/edit/set_idempotent.before.yaml" i.yaml; touch -d 2001-01-01 i.yaml
"$SOPSFS" set --idempotent i.yaml '["user"]' '"admin"'
[ "$(stat -c %Y i.yaml)" = "$(date -d 2001-01-01 +%s)" ] && ok "set --idempotent with an equal value writes nothing" || fail "set --idempotent" "file written"
printf '"from-stdin"' | "$SOPSFS" set --value-stdin i.yaml '["password"]' && "$SOPSFS" decrypt i.yaml | grep -q '^password: from-stdin$' &&
	ok "set --value-stdin" || fail "set --value-stdin" "value not set"
printf '42' >v.json; "$SOPSFS" set --value-file i.yaml '["port"]' v.json && "$SOPSFS" decrypt i.yaml | grep -q '^port: 42$' &&
	ok "set --value-file" || fail "set --value-file" "value not set"

# unset: one entry gone, nothing else changes in the plaintext
for f in set_string.before.yaml set_json.before.json set_dotenv.before.env set_ini.before.ini; do
	ext=${f##*.}; cp "$V/edit/$f" u.$ext
	case $ext in ini) idx='["db"]["password"]';; env) idx='["PASSWORD"]';; *) idx='["password"]';; esac
	"$SOPSFS" decrypt u.$ext >before.txt
	if "$SOPSFS" unset u.$ext "$idx" 2>err && "$SOPSFS" decrypt u.$ext >after.txt &&
	   [ "$(diff before.txt after.txt | grep -c '^<')" = 1 ] && [ "$(diff before.txt after.txt | grep -c '^>')" = 0 ] &&
	   ! grep -qi 'password' after.txt; then
		ok "unset $ext: the entry is removed, the rest unchanged"
	else
		fail "unset $ext" "$(head -c 200 err) $(diff before.txt after.txt | head -c 200 | tr '\n' '|')"
	fi
done
cp u.yaml u.orig
"$SOPSFS" unset u.yaml '["password"]' 2>err; rc=$?
[ $rc = 1 ] && grep -q 'not found' err && cmp -s u.yaml u.orig && ok "unset of a missing key: exit 1, untouched" || fail "unset missing" "rc=$rc"
"$SOPSFS" unset --idempotent u.yaml '["password"]'; rc=$?
[ $rc = 0 ] && cmp -s u.yaml u.orig && ok "unset --idempotent of a missing key: exit 0" || fail "unset --idempotent" "rc=$rc"

# bad input: clean error, file untouched
cp "$V/edit/set_string.before.yaml" b.yaml; cp b.yaml b.orig
bad_set() {   # want-rc args...
	local want=$1; shift
	"$SOPSFS" set "$@" 2>err; rc=$?
	if [ $rc = "$want" ] && cmp -s b.yaml b.orig && [ -s err ] && ! grep -q 'AddressSanitizer\|runtime error' err; then
		ok "set $*: exit $rc, file untouched"
	else
		fail "set $*" "rc=$rc $(head -c 200 err)"
	fi
}
bad_set 7 b.yaml '["a"' 1
bad_set 1 b.yaml '["password"]' '{bad'
bad_set 1 b.yaml '["list"][0]["x"]' 1
bad_set 7 --nope b.yaml '["a"]' 1
bad_set 7 b.yaml '["a"]'
for cw in tampered_mac:51 no_metadata:1 tampered_value:25; do
	c=${cw%:*}; want=${cw#*:}
	cp "$V/errors/$c.enc.yaml" c.yaml; cp c.yaml c.orig
	"$SOPSFS" set c.yaml '["a"]' '"b"' 2>err; rc=$?
	[ $rc = "$want" ] && cmp -s c.yaml c.orig && ! grep -q AddressSanitizer err && ok "set on $c: exit $rc, untouched" || fail "set on $c" "rc=$rc"
done

# No write when no value changed (the view renders `<a>` as \u003ca\u003e,
# YAML 0x1F as 31): replace with the original plaintext writes nothing.
A1=$(cat "$V/keys/age.recipient")
printf '{\n\t"k": "<a>"\n}\n' >orig.json; printf 'n: 0x1F\ns: x\n' >orig.yaml
for ext in json yaml; do
	"$SOPSFS" encrypt --age "$A1" orig.$ext >e.$ext 2>err && cp e.$ext e0.$ext && touch -d 2001-01-01 e.$ext
	"$SOPSFS" decrypt e.$ext | cmp -s - orig.$ext && { fail "no-op replace $ext" "the view equals the input: test does not probe"; continue; }
	if "$SOPSFS" replace e.$ext orig.$ext 2>err && cmp -s e.$ext e0.$ext && [ "$(stat -c %Y e.$ext)" = "$(date -d 2001-01-01 +%s)" ]; then
		ok "replace with a differently written but equal $ext plaintext writes nothing"
	else
		fail "no-op replace $ext" "file rewritten $(head -c 200 err)"
	fi
done
