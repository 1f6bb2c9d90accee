#!/usr/bin/env bash
# startup.sh - what a one-file CLI decrypt loads: libcurl and libgit2 (and
# the forty libraries behind them) are opened only by the commands that use
# them (common/lazy/), so an age decrypt loads neither; a key-service or git
# command still finds them.
. "$(dirname "$0")/../lib.sh"
BIN=$ROOT/build/sopsfs
cd "$TMP" || exit 1
libs=$(ldd "$BIN" | awk '{print $1}')
if grep -Eq 'libcurl|libgit2' <<<"$libs"; then
	fail "binary does not link libcurl or libgit2" "$(grep -E 'libcurl|libgit2' <<<"$libs" | tr '\n' ' ')"
else
	ok "binary does not link libcurl or libgit2 ($(wc -l <<<"$libs") libraries)"
fi
age-keygen -o key.txt 2>/dev/null
R=$(sed -n 's/# public key: //p' key.txt)
printf 'password: hunter2hunter2\n' >s.yaml
SOPS_AGE_RECIPIENTS=$R "$BIN" encrypt s.yaml >s.enc.yaml
out=$(LD_DEBUG=files SOPS_AGE_KEY_FILE=$PWD/key.txt "$BIN" decrypt s.enc.yaml 2>ld.log)
if [ "$out" = "password: hunter2hunter2" ] && ! grep -Eq 'libcurl|libgit2' ld.log; then
	ok "an age decrypt loads neither libcurl nor libgit2"
else
	fail "an age decrypt loads neither libcurl nor libgit2" "out: $out; $(grep -Eo 'libcurl[^ ]*|libgit2[^ ]*' ld.log | sort -u | tr '\n' ' ')"
fi
# git is loaded on demand: check --staged in a fresh repository reads the index
git init -q repo && cd repo && git config user.email t@t && git config user.name t
printf 'creation_rules:\n  - path_regex: \\.yaml$\n    age: %s\n' "$R" >.sops.yaml
printf 'password: hunter2hunter2\n' >leak.yaml && git add .sops.yaml leak.yaml
LD_DEBUG=files "$BIN" check --staged >out.txt 2>ld.log; rc=$?
if [ $rc = 1 ] && grep -q 'leak.yaml' out.txt && grep -q 'libgit2' ld.log; then
	ok "check --staged loads libgit2 on demand and reads the index"
else
	fail "check --staged loads libgit2 on demand" "rc $rc: $(head -c 200 out.txt)"
fi
