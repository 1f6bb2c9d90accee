#!/usr/bin/env bash
# kms_hckms.sh - the hckms provider (HuaweiCloud KMS) against
# tests/keyservices/hckms_server.py, which recomputes every AK/SK signature:
# encrypt with --hckms, SOPS_HUAWEICLOUD_KMS_IDS and .sops.yaml rules (flat
# and key_groups), metadata as sops 3.13.2 writes it, decrypt, the mount, a
# wrong key, credentials (environment, ~/.huaweicloud/credentials,
# HUAWEICLOUD_SDK_CREDENTIALS_FILE, temporary keys with a security token,
# project id through IAM, none, a wrong SK), a region that would name
# another host, retries, and no secret in any output.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/keyservices/kms2_lib.sh"
. "$ROOT/tests/mount/lib/mount.sh"

KEY=0f3c6a52-5d1e-4b7a-9a55-6c1f0e2d3b4a
OTHER=7b2e1d90-3c4f-4e8a-b1a2-9d8c7e6f5a4b
AK=HCAKKMS2TEST$RANDOM
SK=hcSecretKms2-$RANDOM$RANDOM
TAK=HCTEMPAK$RANDOM
TSK=hcTempSecret-$RANDOM$RANDOM
STOKEN=hcSecurityToken-$RANDOM$RANDOM
stand hc hckms_server.py --ak "$AK" --sk "$SK" --project-id proj42 --region tr-west-1 \
	--temp-ak "$TAK" --temp-sk "$TSK" --security-token "$STOKEN" --keys "$KEY,$OTHER" ||
	{ fail hckms_stand "the HuaweiCloud stand-in did not start"; exit 1; }
P=$(stand_port hc)
EP=https://127.0.0.1:$P
CA=$TMP/hc/tls/ca.crt
BASE=(SSL_CERT_FILE="$CA" HUAWEICLOUD_SDK_REGION_KMS_TR_WEST_1="$EP" HUAWEICLOUD_SDK_IAM_ENDPOINT="$EP")
C=(HUAWEICLOUD_SDK_AK="$AK" HUAWEICLOUD_SDK_SK="$SK" HUAWEICLOUD_SDK_PROJECT_ID=proj42)
printf '{\n\t"api_key": "hc-plain-api-key",\n\t"n": 3\n}\n' >"$TMP/plain.json"

# --- encrypt with the flag; metadata ---
svc "${BASE[@]}" "${C[@]}" -- encrypt --hckms "tr-west-1:$KEY" "$TMP/plain.json"
cp "$OUT" "$TMP/flag.json"
expect hckms_encrypt_flag 0 ""
printf 'x: 1\n' >"$TMP/p.yaml"
svc "${BASE[@]}" "${C[@]}" -- encrypt --hckms "tr-west-1:$KEY" "$TMP/p.yaml"
cp "$OUT" "$TMP/flag.yaml"
fields=$(meta_fields "$TMP/flag.yaml" hckms)
[ "$fields" = "created_at enc key_id" ] && ok hckms_meta_fields || fail hckms_meta_fields "fields: $fields"
b=$(meta_block "$TMP/flag.yaml" hckms)
grep -qE '^created_at: "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"$' <<<"$b" &&
	grep -qE '^enc: [A-Za-z0-9+/=]+$' <<<"$b" && grep -qx "key_id: tr-west-1:$KEY" <<<"$b" &&
	ok hckms_meta_values || fail hckms_meta_values "$(tr '\n' '|' <<<"$b")"
grep -q '"hckms": \[' "$TMP/flag.json" && ok hckms_json_store || fail hckms_json_store "no hckms list in JSON"
svc "${BASE[@]}" "${C[@]}" -- decrypt "$TMP/flag.json"
cmp -s "$OUT" "$TMP/plain.json" && ok hckms_decrypt || fail hckms_decrypt "rc $RC: $(head -c 300 "$ERR")"
grep -q 'POST /v1.0/proj42/kms/decrypt-data 200' "$TMP/hc/requests.log" && ok hckms_wire ||
	fail hckms_wire "no decrypt-data call in the server log"

# --- env list, .sops.yaml flat rule, key_groups ---
svc "${BASE[@]}" "${C[@]}" SOPS_HUAWEICLOUD_KMS_IDS="tr-west-1:$KEY" -- encrypt "$TMP/p.yaml"
cp "$OUT" "$TMP/env.yaml"
svc "${BASE[@]}" "${C[@]}" -- decrypt "$TMP/env.yaml"
cmp -s "$OUT" "$TMP/p.yaml" && ok hckms_env_ids || fail hckms_env_ids "rc $RC: $(head -c 300 "$ERR")"
mkdir -p "$TMP/rule" "$TMP/groups"
printf 'creation_rules:\n  - hckms:\n      - tr-west-1:%s\n' "$KEY" >"$TMP/rule/.sops.yaml"
cp "$TMP/p.yaml" "$TMP/rule/r.yaml"
(cd "$TMP/rule" && svc "${BASE[@]}" "${C[@]}" -- encrypt r.yaml)
cp "$OUT" "$TMP/rule.yaml"
svc "${BASE[@]}" "${C[@]}" -- decrypt "$TMP/rule.yaml"
[ "$(meta_fields "$TMP/rule.yaml" hckms)" = "$fields" ] && cmp -s "$OUT" "$TMP/p.yaml" &&
	ok hckms_sops_yaml_rule || fail hckms_sops_yaml_rule "rc $RC: $(head -c 300 "$ERR")"
printf 'creation_rules:\n  - key_groups:\n      - hckms:\n          - key_id: tr-west-1:%s\n' "$KEY" >"$TMP/groups/.sops.yaml"
cp "$TMP/p.yaml" "$TMP/groups/g.yaml"
(cd "$TMP/groups" && svc "${BASE[@]}" "${C[@]}" -- encrypt g.yaml)
cp "$OUT" "$TMP/groups.yaml"
svc "${BASE[@]}" "${C[@]}" -- decrypt "$TMP/groups.yaml"
cmp -s "$OUT" "$TMP/p.yaml" && ok hckms_key_groups_rule || fail hckms_key_groups_rule "rc $RC: $(head -c 300 "$ERR")"

# --- sopsfs replace keeps the entry byte for byte ---
cp "$TMP/flag.yaml" "$TMP/repl.yaml"
printf 'x: 7\n' >"$TMP/p7.yaml"
svc "${BASE[@]}" "${C[@]}" -- replace "$TMP/repl.yaml" "$TMP/p7.yaml"
svc2_rc=$RC
svc "${BASE[@]}" "${C[@]}" -- decrypt "$TMP/repl.yaml"
[ "$svc2_rc" = 0 ] && cmp -s "$OUT" "$TMP/p7.yaml" &&
	[ "$(meta_block "$TMP/repl.yaml" hckms)" = "$(meta_block "$TMP/flag.yaml" hckms)" ] &&
	ok hckms_replace_keeps_entry || fail hckms_replace_keeps_entry "rc $svc2_rc/$RC: $(head -c 300 "$ERR")"

# --- wrong key ---
sed "s|key_id: tr-west-1:$KEY|key_id: tr-west-1:$OTHER|" "$TMP/flag.yaml" >"$TMP/wrong.yaml"
svc "${BASE[@]}" "${C[@]}" -- decrypt "$TMP/wrong.yaml"
expect hckms_wrong_key 128 "failed to decrypt sops data key with HuaweiCloud KMS: .*KMS.0207"

# --- credentials ---
svc "${BASE[@]}" HUAWEICLOUD_SDK_AK="$AK" HUAWEICLOUD_SDK_SK=wrong-sk HUAWEICLOUD_SDK_PROJECT_ID=proj42 -- decrypt "$TMP/flag.yaml"
expect hckms_wrong_sk 128 "APIGW.0301.*verify aksk signature fail"
svc "${BASE[@]}" HUAWEICLOUD_SDK_AK="$AK" HUAWEICLOUD_SDK_SK="$SK" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/p.yaml" && grep -q 'GET /v3/projects 200' "$TMP/hc/requests.log" &&
	ok hckms_project_from_iam || fail hckms_project_from_iam "rc $RC: $(head -c 300 "$ERR")"
svc "${BASE[@]}" HUAWEICLOUD_SDK_AK="$TAK" HUAWEICLOUD_SDK_SK="$TSK" HUAWEICLOUD_SDK_SECURITY_TOKEN="$STOKEN" HUAWEICLOUD_SDK_PROJECT_ID=proj42 -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/p.yaml" && ok hckms_temporary_keys || fail hckms_temporary_keys "rc $RC: $(head -c 300 "$ERR")"
svc "${BASE[@]}" HUAWEICLOUD_SDK_AK="$TAK" HUAWEICLOUD_SDK_SK="$TSK" HUAWEICLOUD_SDK_PROJECT_ID=proj42 -- decrypt "$TMP/flag.yaml"
expect hckms_temporary_needs_token 128 "security token missing"
mkdir -p "$TMP/home/.huaweicloud"
printf '[basic]\nak = %s\nsk = %s\nproject_id = proj42\n' "$AK" "$SK" >"$TMP/home/.huaweicloud/credentials"
svc "${BASE[@]}" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/p.yaml" && ok hckms_credentials_file || fail hckms_credentials_file "rc $RC: $(head -c 300 "$ERR")"
mv "$TMP/home/.huaweicloud/credentials" "$TMP/hc-creds.ini"
svc "${BASE[@]}" HUAWEICLOUD_SDK_CREDENTIALS_FILE="$TMP/hc-creds.ini" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/p.yaml" && ok hckms_credentials_file_env || fail hckms_credentials_file_env "rc $RC: $(head -c 300 "$ERR")"
svc "${BASE[@]}" HUAWEICLOUD_SDK_PROJECT_ID=proj42 SOPSFS_HUAWEICLOUD_METADATA_ENDPOINT="http://127.0.0.1:$(stand_port hc http_port)" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/p.yaml" && ok hckms_ecs_metadata || fail hckms_ecs_metadata "rc $RC: $(head -c 300 "$ERR")"
listener deadend
svc "${BASE[@]}" SOPSFS_HUAWEICLOUD_METADATA_ENDPOINT="http://127.0.0.1:$(stand_port deadend)" -- decrypt "$TMP/flag.yaml"
expect hckms_no_credentials 128 "no AK/SK found \(tried HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, then ak/sk in the \[basic\] section of ~/.huaweicloud/credentials, then the ECS metadata service\)"

# --- the region never names another host ---
listener trap
LP=$(stand_port trap)
sed "s|key_id: tr-west-1:$KEY|key_id: 127.0.0.1:$LP/x:$KEY|" "$TMP/flag.yaml" >"$TMP/evil.yaml"
svc "${BASE[@]}" "${C[@]}" -- decrypt "$TMP/evil.yaml"
expect hckms_bad_region_refused 128 "invalid region"
[ ! -e "$TMP/trap/connections" ] && ok hckms_refused_no_connection || fail hckms_refused_no_connection "contacted"

# --- throttling and 500 are retried ---
knobs hc '{"throttle": 1, "fail500": 1}'
svc "${BASE[@]}" "${C[@]}" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/p.yaml" && ok hckms_retries || fail hckms_retries "rc $RC: $(head -c 300 "$ERR")"
knobs hc '{}'

# --- mount ---
if need_fuse hckms_mount; then
	SRC=$TMP/src; MNT=$(new_mountpoint)
	mkdir -p "$SRC" && cp "$TMP/flag.json" "$SRC/app.json" && cp "$TMP/flag.yaml" "$SRC/x.yaml"
	unset CURL_CA_BUNDLE
	export SSL_CERT_FILE="$CA" HUAWEICLOUD_SDK_REGION_KMS_TR_WEST_1="$EP" HUAWEICLOUD_SDK_AK="$AK" \
		HUAWEICLOUD_SDK_SK="$SK" HUAWEICLOUD_SDK_PROJECT_ID=proj42
	if mount_sopsfs "$SRC" "$MNT"; then
		cmp -s "$MNT/app.json" "$TMP/plain.json" && cmp -s "$MNT/x.yaml" "$TMP/p.yaml" &&
			ok hckms_mount_read || fail hckms_mount_read "plaintext differs"
		printf 'x: 2\n' >"$MNT/x.yaml"
		sync
		for _ in $(seq 1 60); do ! cmp -s "$SRC/x.yaml" "$TMP/flag.yaml" && break; sleep 0.05; done
		! cmp -s "$SRC/x.yaml" "$TMP/flag.yaml" && grep -qx 'x: 2' <(svc "${BASE[@]}" "${C[@]}" -- decrypt "$SRC/x.yaml"; cat "$OUT") &&
			[ "$(meta_block "$SRC/x.yaml" hckms)" = "$(meta_block "$TMP/flag.yaml" hckms)" ] &&
			ok hckms_reencrypt_keeps_entry || fail hckms_reencrypt_keeps_entry "the hckms entry changed"
		unmount_sopsfs "$MNT"
	else
		fail hckms_mount_read "mount failed"
	fi
	unset SSL_CERT_FILE HUAWEICLOUD_SDK_REGION_KMS_TR_WEST_1 HUAWEICLOUD_SDK_AK HUAWEICLOUD_SDK_SK HUAWEICLOUD_SDK_PROJECT_ID
	cat "$TMP/mount.log" >>"$TMP/all.log" 2>/dev/null
fi

check_no_secrets hckms_no_secret_in_output "$SK" "$TSK" "$STOKEN"
