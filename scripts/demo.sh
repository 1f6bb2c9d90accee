#!/usr/bin/env bash
# demo.sh - a short tour of sopsfs (run by `make demo`).
#
# Creates a demo Git repository (a small kustomize tree with SOPS files in
# YAML, JSON, dotenv and INI, encrypted to an age key generated on the spot),
# decrypts them with the CLI, changes one value with `replace` and shows the
# git diff, then mounts the repo, reads it decrypted (kubectl kustomize when
# kubectl exists), edits a value through the mount with `sed -i`, shows the
# diff again and unmounts. No plaintext is written to disk: the demo's
# plaintext goes through pipes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/build/sopsfs
DEMO=$ROOT/build/demo
REPO=$DEMO/repo
MNT=$DEMO/mnt

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

fusermount3 -u -z "$MNT" 2>/dev/null || true
rm -rf "$DEMO"
mkdir -p "$REPO" "$MNT" "$DEMO/keys"
export GNUPGHOME=$DEMO/gnupg SOPS_AGE_KEY_FILE=$DEMO/keys/age.txt
mkdir -m 700 "$GNUPGHOME"

say "A demo age key (kept outside the repository)"
age-keygen -o "$SOPS_AGE_KEY_FILE" 2>/dev/null
R=$(age-keygen -y "$SOPS_AGE_KEY_FILE")
echo "recipient: $R"

say "A kustomize repository with SOPS files (.sops.yaml creation rules)"
cd "$REPO"
git init -q -b main .
git config user.email demo@example.org
git config user.name demo
cat >.sops.yaml <<EOF2
creation_rules:
    - path_regex: \.yaml$
      encrypted_regex: ^(data|stringData)$
      age: $R
    - path_regex: \.(env|json|ini)$
      age: $R
EOF2
cat >kustomization.yaml <<'EOF2'
resources:
    - deployment.yaml
    - db-secret.yaml
EOF2
cat >deployment.yaml <<'EOF2'
apiVersion: apps/v1
kind: Deployment
metadata:
    name: web
spec:
    template:
        spec:
            containers:
                - name: web
                  image: nginx:1.27
                  envFrom:
                      - secretRef:
                            name: db
EOF2
# plaintext only through pipes: sopsfs encrypt reads stdin
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\ntype: Opaque\nstringData:\n    DB_USER: app\n    DB_PASSWORD: s3cr3t-demo-password\n' |
	"$BIN" encrypt --filename-override db-secret.yaml - >db-secret.yaml
printf '# API credentials\nAPI_TOKEN=tok-demo-1234\nAPI_URL=https://api.example.org\n' |
	"$BIN" encrypt --filename-override app.env - >app.env
printf '{\n\t"stripe": {\n\t\t"key": "sk_demo_abcdef"\n\t},\n\t"retries": 3\n}\n' |
	"$BIN" encrypt --filename-override payments.json - >payments.json
printf '[database]\nuser     = app\npassword = ini-demo-secret\n' |
	"$BIN" encrypt --filename-override legacy.ini - >legacy.ini
git add -A && git commit -q -m "demo repository"
run ls -la
run head -n 12 db-secret.yaml

say "The CLI: sopsfs decrypt prints what sops decrypt prints"
for f in db-secret.yaml app.env payments.json legacy.ini; do
	run "$BIN" decrypt "$f"
done

say "Change one value with sopsfs replace (same data key, same IVs for the rest)"
"$BIN" decrypt db-secret.yaml | sed 's/s3cr3t-demo-password/rotated-password-2/' | "$BIN" replace db-secret.yaml -
run git --no-pager diff --stat
git --no-pager diff --color=always | cut -c1-140
git commit -q -am "rotate the db password"

say "Mount the repository: every SOPS file shows decrypted"
run "$BIN" "$REPO" "$MNT"
trap 'fusermount3 -u -z "$MNT" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do mountpoint -q "$MNT" && break; sleep 0.1; done
run ls -la "$MNT"
run cat "$MNT/db-secret.yaml"
run cat "$MNT/app.env"
if command -v kubectl >/dev/null 2>&1; then
	say "kubectl kustomize straight from the mount"
	run kubectl kustomize "$MNT"
else
	echo "(kubectl is not installed: skipping kubectl kustomize)"
fi

say "Edit through the mount with sed -i: the repository gets one changed value"
run sed -i 's/tok-demo-1234/tok-demo-5678/' "$MNT/app.env"
run cat "$MNT/app.env"
git --no-pager diff --color=always | cut -c1-140
echo "(plaintext in the repository? $(grep -rl 'tok-demo' "$REPO" --exclude-dir=.git | wc -l) files)"

say "Unmount"
run fusermount3 -u "$MNT"
trap - EXIT
echo "Done. The demo repository is in $REPO."
