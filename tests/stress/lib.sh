# shellcheck shell=bash
# stress/lib.sh - a mounted test repository for the stress tests (sourced
# after tests/lib.sh and tests/mount/lib/mount.sh): an age key, a
# .sops.yaml creation rule for *.yaml, SRC as a git repository.
#   stress_setup   sets KEYS, RCPT, SRC, MNT (not mounted yet)
stress_setup() {
	export HOME=$TMP/home
	mkdir -p "$HOME"
	unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS SOPS_PGP_FP
	KEYS=$TMP/age.txt
	age-keygen -o "$KEYS" 2>/dev/null
	RCPT=$(age-keygen -y "$KEYS")
	export SOPS_AGE_KEY_FILE=$KEYS
	SRC=$TMP/src
	mkdir -p "$SRC"
	printf 'creation_rules:\n    - path_regex: \\.yaml$\n      age: %s\n' "$RCPT" >"$SRC/.sops.yaml"
	git -C "$SRC" init -q
	git -C "$SRC" -c user.email=t@t -c user.name=t add .sops.yaml
	git -C "$SRC" -c user.email=t@t -c user.name=t commit -qm init
	MNT=$(new_mountpoint)
}
