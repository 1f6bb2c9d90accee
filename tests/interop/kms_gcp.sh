#!/usr/bin/env bash
# kms_gcp.sh - GCP KMS through the CLI against the local stand-in
# (tests/keyservices/gcp_kms_server.py): --gcp-kms and .sops.yaml rules,
# metadata as sops 3.13 writes it, every credential source (static token,
# GOOGLE_CREDENTIALS as a path and as JSON, GOOGLE_APPLICATION_CREDENTIALS,
# gcloud's application-default file, the metadata server), JWT signature
# checked, wrong key, no credentials, Shamir across AWS and GCP, no secret
# in any output.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/keyservices/kms1_lib.sh"

if ! gcp_start "$TMP/gcp"; then
	fail "kms_gcp: stand-in" "did not start: $(head -c 400 "$TMP/gcp/server.log" 2>/dev/null)"
	exit 0
fi
W=$TMP/w
mkdir -p "$W"
printf 'db_password: swordfish-plain\nreplicas: 3\n' >"$W/plain.yaml"
ALLOUT=$TMP/all-output.txt
: >"$ALLOUT"
has() { tr '\n' ' ' <"$1" | sed 's/ *| */ /g; s/  */ /g' | grep -qF -- "$2"; }
run() {
	local out=$1 err=$2; shift 2
	"$@" >"$out" 2>"$err"
	local rc=$?
	cat "$err" >>"$ALLOUT"
	return $rc
}

# ---- encrypt with the flag (static token), metadata, decrypt ----
(
	gcp_env; export GOOGLE_OAUTH_ACCESS_TOKEN=$GCP_STATIC
	if ! run "$W/enc.yaml" "$W/e1" "$SOPSFS" encrypt --gcp-kms "$GCP_KEY1" "$W/plain.yaml"; then
		fail "kms_gcp: encrypt --gcp-kms" "$(head -c 400 "$W/e1")"; exit 0
	fi
	got=$(sed -n '/^    gcp_kms:/,/^    [a-z]/p' "$W/enc.yaml" | sed 's/: .*//' | tr -d ' ' | tr '\n' ' ')
	[ "$got" = "gcp_kms: -created_at enc resource_id lastmodified " ] &&
		grep -Eq '^        - created_at: "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"$' "$W/enc.yaml" &&
		grep -Eq '^          enc: [A-Za-z0-9+/]+=*$' "$W/enc.yaml" &&
		grep -q "^          resource_id: $GCP_KEY1\$" "$W/enc.yaml" &&
		ok "kms_gcp: metadata fields and order as sops 3.13 writes them" ||
		fail "kms_gcp: metadata" "got '$got' $(sed -n '/gcp_kms:/,/lastmod/p' "$W/enc.yaml" | tr '\n' '|')"
	run "$W/dec.yaml" "$W/e2" "$SOPSFS" decrypt "$W/enc.yaml"
	same_bytes "kms_gcp: decrypt gives the plaintext" "$W/plain.yaml" "$W/dec.yaml"
	[ "$(gcp_last_principal)" = static ] && ok "kms_gcp: GOOGLE_OAUTH_ACCESS_TOKEN used" ||
		fail "kms_gcp: GOOGLE_OAUTH_ACCESS_TOKEN" "principal $(gcp_last_principal)"
	# wrong key: the ciphertext is not key2's
	sed "s#resource_id: $GCP_KEY1#resource_id: $GCP_KEY2#" "$W/enc.yaml" >"$W/wrong.yaml"
	run /dev/null "$W/e3" "$SOPSFS" decrypt "$W/wrong.yaml"; rc=$?
	[ $rc -eq 128 ] && has "$W/e3" "failed to decrypt sops data key with GCP KMS key: rpc error: code = InvalidArgument desc = Decryption failed: the ciphertext is invalid." &&
		ok "kms_gcp: wrong key -> InvalidArgument, exit 128" ||
		fail "kms_gcp: wrong key" "rc=$rc $(head -c 500 "$W/e3" | tr '\n' '|')"
	export GOOGLE_OAUTH_ACCESS_TOKEN=ya29.bogus-TESTSECRET-x
	run /dev/null "$W/e4" "$SOPSFS" decrypt "$W/enc.yaml"; rc=$?
	[ $rc -eq 128 ] && has "$W/e4" "code = Unauthenticated" &&
		ok "kms_gcp: unknown bearer token -> Unauthenticated, exit 128" ||
		fail "kms_gcp: bad token" "rc=$rc $(head -c 500 "$W/e4" | tr '\n' '|')"
)

# ---- credential sources ----
cred_case() {   # NAME PRINCIPAL SETUP
	local name=$1 want=$2 tag; shift 2
	tag=$(printf '%s' "$want" | tr -c 'a-zA-Z0-9-' _)
	(
		gcp_env
		eval "$*"
		if run "$W/dec-$tag.yaml" "$W/e-$tag" "$SOPSFS" decrypt "$W/enc.yaml" &&
			cmp -s "$W/plain.yaml" "$W/dec-$tag.yaml" && [ "$(gcp_last_principal)" = "$want" ]; then
			ok "kms_gcp: credentials from $name"
		else
			fail "kms_gcp: credentials from $name" "principal=$(gcp_last_principal) $(head -c 500 "$W/e-$tag" | tr '\n' '|')"
		fi
	)
}
G=$TMP/gcp
cred_case "GOOGLE_CREDENTIALS (path, service account JWT)" "sa:$GCP_SA_EMAIL" \
	"export GOOGLE_CREDENTIALS=$G/sa.json"
cred_case "GOOGLE_CREDENTIALS (JSON content)" "sa:$GCP_SA_EMAIL" \
	"export GOOGLE_CREDENTIALS=\"\$(cat $G/sa.json)\""
cred_case "GOOGLE_APPLICATION_CREDENTIALS (authorized_user refresh token)" "user:$GCP_CLIENT_ID" \
	"export GOOGLE_APPLICATION_CREDENTIALS=$G/user.json"
cred_case "gcloud application_default_credentials.json" "user:$GCP_CLIENT_ID" \
	"export HOME=$TMP/ghome-gcloud; mkdir -p \$HOME/.config/gcloud && cp $G/user.json \$HOME/.config/gcloud/application_default_credentials.json"
cred_case "the metadata server (GCE_METADATA_HOST)" gce \
	"export GCE_METADATA_HOST=127.0.0.1:$GCP_META_PORT"
cred_case "GOOGLE_CREDENTIALS before GOOGLE_OAUTH_ACCESS_TOKEN" "sa:$GCP_SA_EMAIL" \
	"export GOOGLE_CREDENTIALS=$G/sa.json GOOGLE_OAUTH_ACCESS_TOKEN=$GCP_STATIC"

(
	gcp_env; export GOOGLE_APPLICATION_CREDENTIALS=$G/sa-wrong.json
	run /dev/null "$W/e5" "$SOPSFS" decrypt "$W/enc.yaml"; rc=$?
	[ $rc -eq 128 ] && has "$W/e5" "Invalid JWT Signature" &&
		ok "kms_gcp: JWT signed with another key is refused by the token endpoint" ||
		fail "kms_gcp: wrong JWT key" "rc=$rc $(head -c 500 "$W/e5" | tr '\n' '|')"
	gcp_env
	run /dev/null "$W/e6" "$SOPSFS" decrypt "$W/enc.yaml"; rc=$?
	[ $rc -eq 128 ] && has "$W/e6" "could not find default credentials (tried GOOGLE_CREDENTIALS, GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_APPLICATION_CREDENTIALS" &&
		has "$W/e6" "the metadata server" &&
		ok "kms_gcp: no credentials -> error names every source tried, exit 128" ||
		fail "kms_gcp: no credentials" "rc=$rc $(head -c 600 "$W/e6" | tr '\n' '|')"
	gcp_env; export GOOGLE_OAUTH_ACCESS_TOKEN=$GCP_STATIC
	knobs "$G" '{"throttle": 2}'
	run "$W/t.yaml" "$W/e7" "$SOPSFS" decrypt "$W/enc.yaml" && cmp -s "$W/plain.yaml" "$W/t.yaml" &&
		[ "$(grep -c ' 429$' "$G/requests.log")" -eq 2 ] &&
		ok "kms_gcp: 429 RESOURCE_EXHAUSTED retried" || fail "kms_gcp: 429 retried" "$(tr '\n' ' ' <"$W/e7" | head -c 700)"
	knobs "$G" '{}'
)

# ---- .sops.yaml rule; Shamir across AWS KMS and GCP KMS ----
AWS_OK=1
aws_start "$TMP/aws" || AWS_OK=0      # at top level: its stop hook must reach the EXIT trap
(
	if [ $AWS_OK = 0 ]; then skip "kms_gcp: Shamir across services" "AWS stand-in"; exit 0; fi
	gcp_env; export GOOGLE_OAUTH_ACCESS_TOKEN=$GCP_STATIC
	gca=$CURL_CA_BUNDLE
	aws_env; aws_env_keys
	# one CA bundle trusted by both stand-ins
	cat "$gca" "$AWS_STATE/tls/ca.crt" >"$TMP/both.crt"
	export CURL_CA_BUNDLE=$TMP/both.crt SSL_CERT_FILE=$TMP/both.crt HOME=$TMP/ghome
	mkdir -p "$W/r" && cd "$W/r" || exit 0
	cat >.sops.yaml <<EOF2
creation_rules:
  - path_regex: gcp\.yaml$
    gcp_kms: "$GCP_KEY1"
  - path_regex: shamir\.yaml$
    shamir_threshold: 2
    key_groups:
      - gcp_kms:
          - resource_id: $GCP_KEY2
      - kms:
          - arn: $AWS_KEY1
EOF2
	cp "$W/plain.yaml" gcp.yaml; cp "$W/plain.yaml" shamir.yaml
	run gcp.enc.yaml "$W/e8" "$SOPSFS" encrypt gcp.yaml && grep -q "resource_id: $GCP_KEY1" gcp.enc.yaml &&
		run gcp.dec "$W/e9" "$SOPSFS" decrypt gcp.enc.yaml && cmp -s gcp.yaml gcp.dec &&
		ok "kms_gcp: .sops.yaml gcp_kms rule" || fail "kms_gcp: .sops.yaml rule" "$(cat "$W/e8" "$W/e9" | head -c 400)"
	run shamir.enc.yaml "$W/e10" "$SOPSFS" encrypt shamir.yaml && grep -q 'shamir_threshold: 2' shamir.enc.yaml &&
		grep -q "resource_id: $GCP_KEY2" shamir.enc.yaml && grep -q "arn: $AWS_KEY1" shamir.enc.yaml &&
		run shamir.dec "$W/e11" "$SOPSFS" decrypt shamir.enc.yaml && cmp -s shamir.yaml shamir.dec &&
		ok "kms_gcp: Shamir 2-of-2 across GCP KMS and AWS KMS" ||
		fail "kms_gcp: Shamir across services" "$(cat "$W/e10" "$W/e11" | head -c 400)"
	unset GOOGLE_OAUTH_ACCESS_TOKEN
	run /dev/null "$W/e12" "$SOPSFS" decrypt shamir.enc.yaml; rc=$?
	[ $rc -eq 128 ] && has "$W/e12" "Group 0: FAILED" && has "$W/e12" "Group 1: SUCCESS" &&
		ok "kms_gcp: Shamir with GCP unavailable -> per-group report, exit 128" ||
		fail "kms_gcp: Shamir with one service failing" "rc=$rc $(head -c 500 "$W/e12" | tr '\n' '|')"
)

# ---- read through the mount ----
. "$ROOT/tests/mount/lib/mount.sh"
if need_fuse "kms_gcp: mount"; then
	(
		gcp_env; export GOOGLE_APPLICATION_CREDENTIALS=$G/sa.json
		mkdir -p "$TMP/msrc/app" && cp "$W/enc.yaml" "$TMP/msrc/app/db.yaml"
		MNT=$(new_mountpoint)
		if mount_sopsfs "$TMP/msrc" "$MNT" -o kms_timeout=5; then
			cat "$MNT/app/db.yaml" >"$W/mnt.yaml" 2>"$W/e13"
			same_bytes "kms_gcp: read through the mount (service account credentials)" "$W/plain.yaml" "$W/mnt.yaml"
			unmount_sopsfs "$MNT"
			cat "$TMP/mount.log" >>"$ALLOUT"
		else
			fail "kms_gcp: mount" "$(tail -3 "$TMP/mount.log")"
		fi
	)
fi

if grep -q "TESTSECRET" "$ALLOUT" "$TMP/gcp/requests.log" "$TMP/gcp/calls.log"; then
	fail "kms_gcp: no secret in output" "$(grep -o '.\{40\}TESTSECRET.\{20\}' "$ALLOUT" | head -3)"
else
	ok "kms_gcp: no secret, token or key in any output"
fi
