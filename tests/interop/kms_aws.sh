#!/usr/bin/env bash
# kms_aws.sh - AWS KMS through the CLI against the local stand-in
# (tests/keyservices/aws_kms_server.py): encrypt with --kms and with
# .sops.yaml rules, metadata as sops 3.13 writes it, every credential
# source, role assumption, wrong key/context, no credentials, mixed and
# Shamir groups with age, throttling, 5xx and timeouts, no secret in output.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/keyservices/kms1_lib.sh"

if ! aws_start "$TMP/aws"; then
	fail "kms_aws: stand-in" "did not start: $(head -c 400 "$TMP/aws/server.log" | tr '\n' '|')"
	exit 0
fi
W=$TMP/w
mkdir -p "$W"
printf 'password: hunter2-plain\nport: 5432\n' >"$W/plain.yaml"
printf '{"password": "hunter2-plain", "port": 5432}\n' >"$W/plain.json"
ALLOUT=$TMP/all-output.txt
: >"$ALLOUT"

# has FILE TEXT: TEXT is in FILE once sops' word wrapping ("\n      | ") is undone.
has() {
	tr '\n' ' ' <"$1" | sed 's/ *| */ /g; s/  */ /g' | grep -qF -- "$2"
}

run() {   # OUT ERR CMD...: run, keep stdout/stderr, remember the stderr for the leak check
	local out=$1 err=$2; shift 2
	"$@" >"$out" 2>"$err"
	local rc=$?
	cat "$err" >>"$ALLOUT"
	return $rc
}

# ---- encrypt with the flag, decrypt, metadata fields and order ----
(
	aws_env; aws_env_keys
	if ! run "$W/enc.yaml" "$W/e1" "$SOPSFS" encrypt --kms "$AWS_KEY1" \
		--encryption-context 'Env:prod,App:web' "$W/plain.yaml"; then
		fail "kms_aws: encrypt --kms" "$(head -c 400 "$W/e1")"; exit 0
	fi
	# sops 3.13: entry keys sorted: arn, aws_profile (always), context (sorted), created_at, enc
	got=$(sed -n '/^    kms:/,/^    [a-z]/p' "$W/enc.yaml" | sed 's/: .*//' | tr -d ' ' | tr '\n' ' ')
	want="kms: -arn aws_profile context: App Env created_at enc lastmodified "
	[ "$got" = "$want" ] && ok "kms_aws: metadata fields in sops order" ||
		fail "kms_aws: metadata fields in sops order" "got '$got'"
	grep -q '^          aws_profile: ""$' "$W/enc.yaml" &&
		grep -Eq '^          created_at: "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"$' "$W/enc.yaml" &&
		grep -q "^        - arn: $AWS_KEY1\$" "$W/enc.yaml" &&
		grep -q '^            App: web$' "$W/enc.yaml" &&
		grep -Eq '^          enc: [A-Za-z0-9+/]+=*$' "$W/enc.yaml" &&
		ok "kms_aws: metadata values (RFC 3339 created_at, std base64 enc, context map)" ||
		fail "kms_aws: metadata values" "$(sed -n '/kms:/,/lastmod/p' "$W/enc.yaml" | tr '\n' '|')"
	run "$W/dec.yaml" "$W/e2" "$SOPSFS" decrypt "$W/enc.yaml"
	same_bytes "kms_aws: decrypt gives the plaintext" "$W/plain.yaml" "$W/dec.yaml"
	[ "$(aws_last_principal)" = env-user ] && ok "kms_aws: environment keys used" ||
		fail "kms_aws: environment keys used" "principal $(aws_last_principal)"
	# JSON: context as an object in the entry
	run "$W/enc.json" "$W/e3" "$SOPSFS" encrypt --kms "$AWS_KEY1" --encryption-context 'Env:prod' \
		"$W/plain.json" &&
		grep -q '"context": {' "$W/enc.json" &&
		run "$W/dec.json" "$W/e4" "$SOPSFS" decrypt "$W/enc.json" && grep -q hunter2-plain "$W/dec.json" &&
		ok "kms_aws: JSON store round trip with context" ||
		fail "kms_aws: JSON store round trip with context" "$(head -c 300 "$W/e3" "$W/e4" 2>/dev/null)"
)

# ---- wrong key, wrong context, bad secret: provider error, exit 128 ----
(
	aws_env; aws_env_keys
	sed "s#arn: $AWS_KEY1#arn: $AWS_KEY2#" "$W/enc.yaml" >"$W/wrongkey.yaml"
	run /dev/null "$W/e5" "$SOPSFS" decrypt "$W/wrongkey.yaml"; rc=$?
	[ $rc -eq 128 ] && has "$W/e5" "failed to decrypt sops data key with AWS KMS: operation error KMS: Decrypt, https response error StatusCode: 400, api error IncorrectKeyException" &&
		grep -q "Failed to get the data key required to decrypt the SOPS file" "$W/e5" &&
		ok "kms_aws: wrong key -> IncorrectKeyException, exit 128" ||
		fail "kms_aws: wrong key" "rc=$rc $(head -c 500 "$W/e5" | tr '\n' '|')"
	sed 's/^            Env: prod$/            Env: staging/' "$W/enc.yaml" >"$W/wrongctx.yaml"
	run /dev/null "$W/e6" "$SOPSFS" decrypt "$W/wrongctx.yaml"; rc=$?
	[ $rc -eq 128 ] && grep -q "InvalidCiphertextException" "$W/e6" &&
		ok "kms_aws: wrong encryption context -> InvalidCiphertextException, exit 128" ||
		fail "kms_aws: wrong encryption context" "rc=$rc $(head -c 500 "$W/e6" | tr '\n' '|')"
	export AWS_SECRET_ACCESS_KEY=wrong-TESTSECRET-x
	run /dev/null "$W/e7" "$SOPSFS" decrypt "$W/enc.yaml"; rc=$?
	[ $rc -eq 128 ] && grep -q "InvalidSignatureException" "$W/e7" &&
		ok "kms_aws: wrong secret key -> signature rejected, exit 128" ||
		fail "kms_aws: wrong secret key" "rc=$rc $(head -c 500 "$W/e7" | tr '\n' '|')"
)

# ---- no credentials: the error names what was tried ----
(
	aws_env
	run /dev/null "$W/e8" "$SOPSFS" decrypt "$W/enc.yaml"; rc=$?
	if [ $rc -eq 128 ] && has "$W/e8" "get credentials: no valid credential sources found" &&
		has "$W/e8" "AWS_ACCESS_KEY_ID" && has "$W/e8" "AWS_WEB_IDENTITY_TOKEN_FILE" &&
		has "$W/e8" 'shared config profile "default"' &&
		has "$W/e8" "AWS_CONTAINER_CREDENTIALS_FULL_URI" && has "$W/e8" "IMDSv2"; then
		ok "kms_aws: no credentials -> error names every source tried"
	else
		fail "kms_aws: no credentials" "rc=$rc $(head -c 700 "$W/e8" | tr '\n' '|')"
	fi
)

# ---- each credential source ----
cred_case() {   # NAME PRINCIPAL SETUP...
	local name=$1 want=$2 tag; shift 2
	tag=$(printf '%s' "$want" | tr -c 'a-zA-Z0-9-' _)
	(
		aws_env
		eval "$*"
		if run "$W/dec-$tag.yaml" "$W/e-$tag" "$SOPSFS" decrypt "$W/enc.yaml" &&
			cmp -s "$W/plain.yaml" "$W/dec-$tag.yaml" && [ "$(aws_last_principal)" = "$want" ]; then
			ok "kms_aws: credentials from $name"
		else
			fail "kms_aws: credentials from $name" "principal=$(aws_last_principal) $(head -c 500 "$W/e-$tag" | tr '\n' '|')"
		fi
	)
}
mkdir -p "$TMP/aws/files"
cat >"$TMP/aws/files/credentials" <<EOF2
[default]
aws_access_key_id = AKIA-not-used
aws_secret_access_key = not-used

[team]
aws_access_key_id = $AWS_PROF_AKID
aws_secret_access_key = $AWS_PROF_SECRET

[src]
aws_access_key_id=$AWS_SRC_AKID
aws_secret_access_key=$AWS_SRC_SECRET
EOF2
cat >"$TMP/aws/files/config" <<EOF2
[default]
region = us-east-1

[profile assumer]
role_arn = $AWS_ROLE
source_profile = src

[profile proc]
credential_process = printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}' $AWS_PROC_AKID $AWS_PROC_SECRET
EOF2
printf '%s\n' "$AWS_WEB_TOKEN" >"$TMP/aws/files/web-token"
printf '%s' "$AWS_CONTAINER_TOKEN" >"$TMP/aws/files/container-token"
F=$TMP/aws/files
cred_case "a profile (AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE)" profile-user \
	"export AWS_SHARED_CREDENTIALS_FILE=$F/credentials AWS_CONFIG_FILE=$F/config AWS_PROFILE=team"
cred_case "~/.aws/credentials" profile-user \
	"export HOME=$TMP/home2; mkdir -p \$HOME/.aws && cp $F/credentials $F/config \$HOME/.aws/ && export AWS_PROFILE=team"
cred_case "source_profile + role_arn (STS AssumeRole; AWS_ENDPOINT_URL_KMS/_STS)" "role:$AWS_ROLE" \
	"export AWS_SHARED_CREDENTIALS_FILE=$F/credentials AWS_CONFIG_FILE=$F/config AWS_PROFILE=assumer;" \
	"unset AWS_ENDPOINT_URL; export AWS_ENDPOINT_URL_KMS=https://127.0.0.1:$AWS_PORT AWS_ENDPOINT_URL_STS=https://127.0.0.1:$AWS_PORT/"
cred_case "credential_process" process-user \
	"export AWS_SHARED_CREDENTIALS_FILE=$F/credentials AWS_CONFIG_FILE=$F/config AWS_PROFILE=proc"
cred_case "web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN)" "webid:$AWS_ROLE" \
	"export AWS_WEB_IDENTITY_TOKEN_FILE=$F/web-token AWS_ROLE_ARN=$AWS_ROLE"
cred_case "container credentials (FULL_URI + token file)" container \
	"export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$AWS_META_PORT/container/creds AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$F/container-token"
cred_case "EC2 IMDSv2" imds \
	"unset AWS_EC2_METADATA_DISABLED; export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$AWS_META_PORT"
cred_case "the environment before a profile" env-user \
	"export AWS_SHARED_CREDENTIALS_FILE=$F/credentials AWS_PROFILE=team; aws_env_keys"

# ---- entry's aws_profile and role, from the command line ----
(
	aws_env
	export AWS_SHARED_CREDENTIALS_FILE=$F/credentials AWS_CONFIG_FILE=$F/config
	if run "$W/prof.yaml" "$W/e9" "$SOPSFS" encrypt --kms "$AWS_KEY1+$AWS_ROLE" --aws-profile src "$W/plain.yaml" &&
		grep -q '^          aws_profile: src$' "$W/prof.yaml" && grep -q "^          role: $AWS_ROLE\$" "$W/prof.yaml" &&
		run "$W/prof.dec" "$W/e10" "$SOPSFS" decrypt "$W/prof.yaml" && cmp -s "$W/plain.yaml" "$W/prof.dec"; then
		host=$(hostname | tr -cd 'a-zA-Z0-9=,.@-_' )
		sess=$(grep '^AssumeRole principal=src-user' "$AWS_STATE/calls.log" | tail -1 | sed 's/.*session=//')
		[ "$sess" = "sops@${host:0:59}" ] && ok "kms_aws: --kms ARN+ROLE --aws-profile: role assumed from the profile, session sops@host" ||
			fail "kms_aws: role session name" "got '$sess'"
	else
		fail "kms_aws: --kms ARN+ROLE --aws-profile" "$(cat "$W/e9" "$W/e10" 2>/dev/null | head -c 500 | tr '\n' '|')"
	fi
)

# ---- .sops.yaml: flat rule and key_groups with context, mixed with age ----
AGE_KEYS=$TMP/age.txt
age-keygen -o "$AGE_KEYS" 2>/dev/null
(
	aws_env; aws_env_keys
	mkdir -p "$W/rules"
	cd "$W/rules" || exit 0
	AGE_R=$(age-keygen -y "$AGE_KEYS" 2>/dev/null)
	cat >.sops.yaml <<EOF2
creation_rules:
  - path_regex: flat\.yaml$
    kms: "$AWS_KEY1"
  - path_regex: groups\.yaml$
    key_groups:
      - kms:
          - arn: $AWS_KEY1
            context:
              Team: core
        age:
          - $AGE_R
  - path_regex: shamir\.yaml$
    shamir_threshold: 2
    key_groups:
      - kms:
          - arn: $AWS_KEY2
      - age:
          - $AGE_R
EOF2
	cp "$W/plain.yaml" flat.yaml; cp "$W/plain.yaml" groups.yaml; cp "$W/plain.yaml" shamir.yaml
	run flat.enc.yaml "$W/e11" "$SOPSFS" encrypt flat.yaml && grep -q "arn: $AWS_KEY1" flat.enc.yaml &&
		run flat.dec "$W/e12" "$SOPSFS" decrypt flat.enc.yaml && cmp -s flat.yaml flat.dec &&
		ok "kms_aws: .sops.yaml kms rule" || fail "kms_aws: .sops.yaml kms rule" "$(cat "$W/e11" "$W/e12" | head -c 400)"
	if [ -z "$AGE_R" ]; then skip "kms_aws: mixed groups" "no age test key"; exit 0; fi
	export SOPS_AGE_KEY_FILE=$AGE_KEYS
	run groups.enc.yaml "$W/e13" "$SOPSFS" encrypt groups.yaml && grep -q '^            Team: core$' groups.enc.yaml &&
		grep -q "^          recipient: age1" groups.enc.yaml || { fail "kms_aws: key_groups kms+age" "$(head -c 400 "$W/e13")"; exit 0; }
	n0=$(grep -c '^Decrypt ' "$AWS_STATE/calls.log")
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	run groups.dec "$W/e14" "$SOPSFS" decrypt groups.enc.yaml
	n1=$(grep -c '^Decrypt ' "$AWS_STATE/calls.log")
	cmp -s groups.yaml groups.dec && [ "$n0" = "$n1" ] &&
		ok "kms_aws: age + KMS in one group: age used first, no KMS call" ||
		fail "kms_aws: age + KMS in one group" "calls $n0->$n1 $(head -c 300 "$W/e14")"
	aws_env_keys
	run shamir.enc.yaml "$W/e15" "$SOPSFS" encrypt shamir.yaml && grep -q 'shamir_threshold: 2' shamir.enc.yaml &&
		run shamir.dec "$W/e16" "$SOPSFS" decrypt shamir.enc.yaml && cmp -s shamir.yaml shamir.dec &&
		ok "kms_aws: Shamir 2-of-2 across KMS and age" ||
		fail "kms_aws: Shamir across KMS and age" "$(cat "$W/e15" "$W/e16" | head -c 400)"
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	run /dev/null "$W/e17" "$SOPSFS" decrypt shamir.enc.yaml; rc=$?
	[ $rc -eq 128 ] && has "$W/e17" "Shamir threshold of 2, but only 1 part(s) were successfully recovered" &&
		ok "kms_aws: Shamir with the KMS group failing -> exit 128" ||
		fail "kms_aws: Shamir with the KMS group failing" "rc=$rc $(head -c 400 "$W/e17")"
)

# ---- throttling, 5xx, timeout ----
(
	aws_env; aws_env_keys
	knobs "$AWS_STATE" '{"throttle": 2}'
	n0=$(grep -c ' 400$' "$AWS_STATE/requests.log")
	run "$W/t.dec" "$W/e18" "$SOPSFS" decrypt "$W/enc.yaml" && cmp -s "$W/plain.yaml" "$W/t.dec" &&
		[ $(( $(grep -c ' 400$' "$AWS_STATE/requests.log") - n0 )) -eq 2 ] &&
		ok "kms_aws: ThrottlingException retried with backoff" ||
		fail "kms_aws: throttling" "$(head -c 400 "$W/e18")"
	knobs "$AWS_STATE" '{"fail500": 1}'
	run "$W/t.dec" "$W/e19" "$SOPSFS" decrypt "$W/enc.yaml" && cmp -s "$W/plain.yaml" "$W/t.dec" &&
		ok "kms_aws: HTTP 500 retried" || fail "kms_aws: 500 retried" "$(head -c 400 "$W/e19")"
	knobs "$AWS_STATE" '{"throttle": 50}'
	run /dev/null "$W/e20" "$SOPSFS" decrypt "$W/enc.yaml"; rc=$?
	[ $rc -eq 128 ] && has "$W/e20" "(throttled) (4 attempts)" &&
		ok "kms_aws: persistent throttling -> bounded retries, exit 128" ||
		fail "kms_aws: persistent throttling" "rc=$rc $(head -c 400 "$W/e20")"
	knobs "$AWS_STATE" '{"hang": true}'
	t0=$(date +%s%N)
	export SOPSFS_KMS_TIMEOUT=1
	run /dev/null "$W/e21" "$SOPSFS" decrypt "$W/enc.yaml"; rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	knobs "$AWS_STATE" '{}'
	[ $rc -eq 128 ] && has "$W/e21" "request timed out after 1000 ms" && [ $ms -lt 5000 ] &&
		ok "kms_aws: hung service -> timeout after kms_timeout (${ms} ms), exit 128" ||
		fail "kms_aws: hung service timeout" "rc=$rc ms=$ms $(head -c 400 "$W/e21")"
)

# ---- no secret ever printed ----
if grep -q "TESTSECRET" "$ALLOUT" "$AWS_STATE/requests.log" "$AWS_STATE/calls.log"; then
	fail "kms_aws: no secret in output" "$(grep -o '.\{40\}TESTSECRET.\{20\}' "$ALLOUT" | head -3)"
else
	ok "kms_aws: no secret, token or key in any output"
fi
