#!/usr/bin/env bash
# kms_vault.sh - the hc_vault provider (HashiCorp Vault / OpenBao transit)
# against tests/keyservices/vault_server.py: encrypt with the sops flag,
# SOPS_VAULT_URIS and .sops.yaml rules, metadata as sops 3.13.2 writes it,
# decrypt, read through the mount, wrong key, tokens (VAULT_TOKEN,
# ~/.vault-token, none), namespace, TLS (VAULT_CACERT, VAULT_SKIP_VERIFY
# ignored), the address allowlist (refusals make no connection), retries
# on throttling and 500s, and no secret in any output.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/keyservices/kms2_lib.sh"
. "$ROOT/tests/mount/lib/mount.sh"

TOKEN=s.kms2VaultTokenValue$RANDOM
stand vault vault_server.py --token "$TOKEN" --namespace team1 ||
	{ fail vault_stand "the Vault stand-in did not start"; exit 1; }
P=$(stand_port vault)
ADDR=https://127.0.0.1:$P
CA=$TMP/vault/tls/ca.crt
URI=$ADDR/v1/transit/keys/sops
V=(VAULT_ADDR="$ADDR" VAULT_TOKEN="$TOKEN" VAULT_NAMESPACE=team1 VAULT_CACERT="$CA")
printf 'user: alice\npassword: hunter2-plain\nport: 5432\n' >"$TMP/plain.yaml"

# --- encrypt with the flag; metadata as sops writes it ---
svc "${V[@]}" -- encrypt --hc-vault-transit "$URI" "$TMP/plain.yaml"
cp "$OUT" "$TMP/flag.yaml"
expect vault_encrypt_flag 0 ""
fields=$(meta_fields "$TMP/flag.yaml" hc_vault)
[ "$fields" = "created_at enc engine_path key_name vault_address" ] && ok vault_meta_fields ||
	fail vault_meta_fields "fields: $fields"
b=$(meta_block "$TMP/flag.yaml" hc_vault)
if grep -qE '^created_at: "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"$' <<<"$b" &&
	grep -qE '^enc: vault:v1:[A-Za-z0-9+/=]+$' <<<"$b" && grep -qx 'engine_path: transit' <<<"$b" &&
	grep -qx 'key_name: sops' <<<"$b" && grep -qx "vault_address: $ADDR" <<<"$b"; then
	ok vault_meta_values
else
	fail vault_meta_values "$(tr '\n' '|' <<<"$b")"
fi
grep -q '^    hc_vault:$' "$TMP/flag.yaml" && ! grep -q 'key_groups' "$TMP/flag.yaml" &&
	ok vault_flat_layout || fail vault_flat_layout "not a flat hc_vault list"

svc "${V[@]}" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok vault_decrypt || fail vault_decrypt "rc $RC: $(head -c 300 "$ERR")"
grep -q 'PUT /v1/transit/decrypt/sops 200' "$TMP/vault/requests.log" && ok vault_wire_put ||
	fail vault_wire_put "no PUT .../decrypt/sops in the server log"

# --- SOPS_VAULT_URIS, .sops.yaml flat rule and key_groups ---
svc "${V[@]}" SOPS_VAULT_URIS="$URI" -- encrypt "$TMP/plain.yaml"
cp "$OUT" "$TMP/env.yaml"
svc "${V[@]}" -- decrypt "$TMP/env.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok vault_env_uris || fail vault_env_uris "rc $RC: $(head -c 300 "$ERR")"

mkdir -p "$TMP/rule/sub" "$TMP/groups"
printf 'creation_rules:\n  - path_regex: \\.yaml$\n    hc_vault_transit_uri: %s\n' "$URI" >"$TMP/rule/.sops.yaml"
cp "$TMP/plain.yaml" "$TMP/rule/sub/s.yaml"
(cd "$TMP/rule/sub" && svc "${V[@]}" -- encrypt s.yaml)
cp "$OUT" "$TMP/rule.yaml"
[ "$(meta_fields "$TMP/rule.yaml" hc_vault)" = "$fields" ] && svc "${V[@]}" -- decrypt "$TMP/rule.yaml" &&
	cmp -s "$OUT" "$TMP/plain.yaml" && ok vault_sops_yaml_rule || fail vault_sops_yaml_rule "rc $RC: $(head -c 300 "$ERR")"

cat >"$TMP/groups/.sops.yaml" <<EOF
creation_rules:
  - key_groups:
      - hc_vault:
          - $URI
      - hc_vault:
          - $ADDR/v1/transit/keys/other
    shamir_threshold: 2
EOF
cp "$TMP/plain.yaml" "$TMP/groups/g.yaml"
(cd "$TMP/groups" && svc "${V[@]}" -- encrypt g.yaml)
cp "$OUT" "$TMP/groups.yaml"
n=$(grep -c 'key_name:' "$TMP/groups.yaml")
svc "${V[@]}" -- decrypt "$TMP/groups.yaml"
[ "$n" = 2 ] && grep -q 'shamir_threshold: 2' "$TMP/groups.yaml" && cmp -s "$OUT" "$TMP/plain.yaml" &&
	ok vault_key_groups_shamir || fail vault_key_groups_shamir "entries $n, rc $RC: $(head -c 300 "$ERR")"

# --- wrong key: the entry names a key that did not make its enc ---
sed 's/^          key_name: sops$/          key_name: other/' "$TMP/flag.yaml" >"$TMP/wrong.yaml"
svc "${V[@]}" -- decrypt "$TMP/wrong.yaml"
expect vault_wrong_key 128 "cipher: message authentication failed"

# --- tokens ---
svc VAULT_ADDR="$ADDR" VAULT_NAMESPACE=team1 VAULT_CACERT="$CA" -- decrypt "$TMP/flag.yaml"
expect vault_no_token 128 "tried the VAULT_TOKEN variable and ~/.vault-token"
printf '%s\n' "$TOKEN" >"$TMP/home/.vault-token"
svc VAULT_ADDR="$ADDR" VAULT_NAMESPACE=team1 VAULT_CACERT="$CA" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok vault_token_file || fail vault_token_file "rc $RC: $(head -c 300 "$ERR")"
rm -f "$TMP/home/.vault-token"
svc VAULT_ADDR="$ADDR" VAULT_TOKEN=s.wrong VAULT_NAMESPACE=team1 VAULT_CACERT="$CA" -- decrypt "$TMP/flag.yaml"
expect vault_wrong_token 128 "Code: 403.*permission denied"
svc VAULT_ADDR="$ADDR" VAULT_TOKEN="$TOKEN" VAULT_CACERT="$CA" -- decrypt "$TMP/flag.yaml"
expect vault_namespace_needed 128 "Code: 403"

# --- TLS: verified always; VAULT_SKIP_VERIFY does not turn it off ---
svc VAULT_ADDR="$ADDR" VAULT_TOKEN="$TOKEN" VAULT_NAMESPACE=team1 VAULT_SKIP_VERIFY=true -- decrypt "$TMP/flag.yaml"
expect vault_tls_verified 128 "Vault transit backend"
mkdir -p "$TMP/capath" && cp "$CA" "$TMP/capath/" && openssl rehash "$TMP/capath" 2>/dev/null
svc VAULT_ADDR="$ADDR" VAULT_TOKEN="$TOKEN" VAULT_NAMESPACE=team1 VAULT_CAPATH="$TMP/capath" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok vault_capath || fail vault_capath "rc $RC: $(head -c 300 "$ERR")"

# --- plain http: loopback dev servers only ---
stand dev vault_server.py --token "$TOKEN" --plain
DEV=http://127.0.0.1:$(stand_port dev)
svc VAULT_ADDR="$DEV" VAULT_TOKEN="$TOKEN" -- encrypt --hc-vault-transit "$DEV/v1/transit/keys/sops" "$TMP/plain.yaml"
cp "$OUT" "$TMP/dev.yaml"
svc VAULT_ADDR="$DEV" VAULT_TOKEN="$TOKEN" -- decrypt "$TMP/dev.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok vault_http_loopback_dev || fail vault_http_loopback_dev "rc $RC: $(head -c 300 "$ERR")"
sed "s|vault_address: $DEV|vault_address: http://192.0.2.7:8200|" "$TMP/dev.yaml" >"$TMP/http.yaml"
svc VAULT_ADDR="$DEV" VAULT_TOKEN="$TOKEN" SOPS_HC_VAULT_ALLOWLIST=all -- decrypt "$TMP/http.yaml"
expect vault_http_remote_refused 128 "refusing to send a Vault token over plain http to http://192.0.2.7:8200"

# --- allowlist: refused addresses get no connection ---
listener trap
LP=$(stand_port trap)
sed "s|vault_address: $ADDR|vault_address: https://127.0.0.1:$LP|" "$TMP/flag.yaml" >"$TMP/evil.yaml"
svc "${V[@]}" -- decrypt "$TMP/evil.yaml"
expect vault_allowlist_default_refuses 128 "Allowlist does not allow https://127.0.0.1:$LP"
svc "${V[@]}" SOPS_HC_VAULT_ALLOWLIST="$ADDR/" -- decrypt "$TMP/evil.yaml"
expect vault_allowlist_list_refuses 128 "Allowlist does not allow"
svc "${V[@]}" SOPS_HC_VAULT_ALLOWLIST=none -- decrypt "$TMP/flag.yaml"
expect vault_allowlist_none 128 "Allowlist does not allow $ADDR"
svc "${V[@]}" SOPS_HC_VAULT_ALLOWLIST="https://other.example, $ADDR" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok vault_allowlist_list_allows || fail vault_allowlist_list_allows "rc $RC: $(head -c 300 "$ERR")"
svc VAULT_TOKEN="$TOKEN" VAULT_NAMESPACE=team1 VAULT_CACERT="$CA" -- encrypt --hc-vault-transit "https://127.0.0.1:$LP/v1/transit/keys/sops" "$TMP/plain.yaml"
expect vault_allowlist_encrypt_refuses 1 "Allowlist does not allow"
[ ! -e "$TMP/trap/connections" ] && ok vault_refused_no_connection ||
	fail vault_refused_no_connection "the refused address was contacted: $(cat "$TMP/trap/connections")"

# --- mixed groups: age + Vault in one group (age is tried first, so a hung
# Vault costs nothing); Shamir across age and Vault (both needed) ---
if command -v age-keygen >/dev/null 2>&1; then
	age-keygen -o "$TMP/age.txt" >/dev/null 2>&1
	AGE_R=$(age-keygen -y "$TMP/age.txt")
	svc "${V[@]}" -- encrypt --age "$AGE_R" --hc-vault-transit "$URI" "$TMP/plain.yaml"
	cp "$OUT" "$TMP/mixed.yaml"
	knobs vault '{"hang": true}'
	start=$(date +%s%N)
	svc "${V[@]}" SOPS_AGE_KEY_FILE="$TMP/age.txt" -- decrypt "$TMP/mixed.yaml"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	knobs vault '{}'
	cmp -s "$OUT" "$TMP/plain.yaml" && [ "$ms" -lt 2000 ] && ok vault_mixed_group_age_first ||
		fail vault_mixed_group_age_first "rc $RC in $ms ms: $(head -c 300 "$ERR")"
	mkdir -p "$TMP/shamir"
	printf 'creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n      - age:\n          - %s\n      - hc_vault:\n          - %s\n' \
		"$AGE_R" "$URI" >"$TMP/shamir/.sops.yaml"
	cp "$TMP/plain.yaml" "$TMP/shamir/s.yaml"
	(cd "$TMP/shamir" && svc "${V[@]}" -- encrypt s.yaml)
	cp "$OUT" "$TMP/shamir.yaml"
	svc "${V[@]}" SOPS_AGE_KEY_FILE="$TMP/age.txt" -- decrypt "$TMP/shamir.yaml"
	cmp -s "$OUT" "$TMP/plain.yaml" && ok vault_shamir_age_and_vault || fail vault_shamir_age_and_vault "rc $RC: $(head -c 300 "$ERR")"
	svc VAULT_ADDR="$ADDR" VAULT_CACERT="$CA" SOPS_AGE_KEY_FILE="$TMP/age.txt" -- decrypt "$TMP/shamir.yaml"
	expect vault_shamir_needs_both 128 "Group 1: FAILED"
else
	skip vault_mixed_groups "age-keygen not installed"
fi

# --- throttling and a 500 are retried ---
knobs vault '{"throttle": 2}'
svc "${V[@]}" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok vault_throttle_retried || fail vault_throttle_retried "rc $RC: $(head -c 300 "$ERR")"
knobs vault '{"fail500": 1}'
svc "${V[@]}" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok vault_500_retried || fail vault_500_retried "rc $RC: $(head -c 300 "$ERR")"
knobs vault '{}'

# --- through the mount: read, and a write keeps the hc_vault entry ---
if need_fuse vault_mount; then
	SRC=$TMP/src; MNT=$(new_mountpoint)
	mkdir -p "$SRC/many" && cp "$TMP/flag.yaml" "$SRC/app.yaml" && cp "$TMP/rule/.sops.yaml" "$SRC/"
	FAST=$ROOT/build/sopsfs; [ -x "$FAST" ] || FAST=$SOPSFS   # setup only: no sanitizers
	for i in $(seq 1 12); do   # a directory of Vault files: unwrapped in parallel
		printf 'n: %d\nsecret: many-%d\n' "$i" "$i" >"$TMP/many$i.yaml"
		SOPSFS=$FAST svc "${V[@]}" -- encrypt --hc-vault-transit "$URI" "$TMP/many$i.yaml"
		cp "$OUT" "$SRC/many/f$i.yaml"
	done
	export VAULT_ADDR="$ADDR" VAULT_TOKEN="$TOKEN" VAULT_NAMESPACE=team1 VAULT_CACERT="$CA"
	if mount_sopsfs "$SRC" "$MNT"; then
		cmp -s "$MNT/app.yaml" "$TMP/plain.yaml" && ok vault_mount_read || fail vault_mount_read "plaintext differs"
		bad=0
		ls "$MNT/many" >/dev/null
		for i in $(seq 1 12); do cmp -s "$MNT/many/f$i.yaml" "$TMP/many$i.yaml" || bad=$((bad + 1)); done
		[ "$bad" = 0 ] && ok vault_mount_directory_parallel || fail vault_mount_directory_parallel "$bad of 12 files differ"
		printf 'user: bob\npassword: hunter2-plain\nport: 5432\n' >"$MNT/app.yaml"
		sync
		for _ in $(seq 1 60); do grep -q 'user: ENC' "$SRC/app.yaml" && ! cmp -s "$SRC/app.yaml" "$TMP/flag.yaml" && break; sleep 0.05; done
		! cmp -s "$SRC/app.yaml" "$TMP/flag.yaml" && grep -q "user: bob" <(svc "${V[@]}" -- decrypt "$SRC/app.yaml"; cat "$OUT") &&
			[ "$(meta_block "$SRC/app.yaml" hc_vault)" = "$(meta_block "$TMP/flag.yaml" hc_vault)" ] &&
			! grep -q 'hunter2' "$SRC/app.yaml" && ok vault_reencrypt_keeps_entry ||
			fail vault_reencrypt_keeps_entry "the hc_vault entry changed on re-encryption"
		printf 'token: new-file-secret\n' >"$MNT/new.yaml"
		for _ in $(seq 1 80); do grep -q 'vault_address' "$SRC/new.yaml" 2>/dev/null && break; sleep 0.05; done
		[ "$(meta_fields "$SRC/new.yaml" hc_vault)" = "$fields" ] && ! grep -q 'new-file-secret' "$SRC/new.yaml" &&
			grep -qx 'token: new-file-secret' <(svc "${V[@]}" -- decrypt "$SRC/new.yaml"; cat "$OUT") &&
			ok vault_mount_new_file_rule || fail vault_mount_new_file_rule "new file not encrypted to Vault by the rule"
		unmount_sopsfs "$MNT"
	else
		fail vault_mount_read "mount failed"
	fi
	unset VAULT_ADDR VAULT_TOKEN VAULT_NAMESPACE VAULT_CACERT
	cat "$TMP/mount.log" >>"$TMP/all.log" 2>/dev/null
fi

check_no_secrets vault_no_secret_in_output "$TOKEN"
