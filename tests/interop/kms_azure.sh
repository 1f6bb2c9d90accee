#!/usr/bin/env bash
# kms_azure.sh - the azure_kv provider against tests/keyservices/
# azure_kv_server.py: encrypt with --azure-kv, SOPS_AZURE_KEYVAULT_URLS and
# .sops.yaml rules (flat and key_groups), metadata as sops 3.13.2 writes it
# (version resolved when the URL has none, enc = unpadded base64url),
# decrypt, the mount, a wrong key, every credential source of the
# DefaultAzureCredential-like chain (client secret, client certificate PEM
# and PKCS#12, workload identity, managed identity through
# IDENTITY_ENDPOINT and IMDS, the Azure CLI), no credentials, vault URLs off
# Azure's domains refused with no connection, and no secret in any output.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/keyservices/kms2_lib.sh"
. "$ROOT/tests/mount/lib/mount.sh"

SECRET=azSecret-kms2-$RANDOM$RANDOM
FED=eyJfederated.kms2.$RANDOM$RANDOM
IDH=idh-kms2-$RANDOM
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/client.key" -out "$TMP/client.crt" \
	-days 2 -subj /CN=sopsfs-client >/dev/null 2>&1
cat "$TMP/client.crt" "$TMP/client.key" >"$TMP/client.pem"
openssl pkcs12 -export -in "$TMP/client.crt" -inkey "$TMP/client.key" -out "$TMP/client.pfx" \
	-passout pass:pfxpass >/dev/null 2>&1
stand az azure_kv_server.py --tenant tid --client-id cid --client-secret "$SECRET" \
	--client-cert "$TMP/client.crt" --federated-token "$FED" --identity-header "$IDH" ||
	{ fail azure_stand "the Azure stand-in did not start"; exit 1; }
P=$(stand_port az); HP=$(stand_port az http_port)
VAULT=https://127.0.0.1:$P
CA=$TMP/az/tls/ca.crt
VER=$(awk '$1 == "sops-key" { print $2 }' "$TMP/az/versions")
listener trap
LP=$(stand_port trap)
# Common: trust the test CA, allow the loopback vault, IMDS probe at a dead end.
BASE=(SSL_CERT_FILE="$CA" SOPSFS_AZURE_KV_ALLOW=127.0.0.1 AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:$LP)
SP=(AZURE_TENANT_ID=tid AZURE_CLIENT_ID=cid AZURE_CLIENT_SECRET="$SECRET" AZURE_AUTHORITY_HOST="$VAULT")
printf 'db:\n    user: alice\n    password: azure-plain-pw\n' >"$TMP/plain.yaml"

# --- encrypt (version resolved), metadata ---
svc "${BASE[@]}" "${SP[@]}" -- encrypt --azure-kv "$VAULT/keys/sops-key" "$TMP/plain.yaml"
cp "$OUT" "$TMP/flag.yaml"
expect azure_encrypt_flag 0 ""
fields=$(meta_fields "$TMP/flag.yaml" azure_kv)
[ "$fields" = "created_at enc name vault_url version" ] && ok azure_meta_fields || fail azure_meta_fields "fields: $fields"
b=$(meta_block "$TMP/flag.yaml" azure_kv)
if grep -qE '^created_at: "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"$' <<<"$b" &&
	grep -qE '^enc: [A-Za-z0-9_-]{342}$' <<<"$b" && grep -qx 'name: sops-key' <<<"$b" &&
	grep -qx "vault_url: $VAULT" <<<"$b" && grep -qx "version: $VER" <<<"$b"; then
	ok azure_meta_values
else
	fail azure_meta_values "$(tr '\n' '|' <<<"$b")"
fi
grep -q "GET /keys/sops-key/ 200" "$TMP/az/requests.log" && grep -q "POST /keys/sops-key/$VER/encrypt 200" "$TMP/az/requests.log" &&
	ok azure_wire_getkey_encrypt || fail azure_wire_getkey_encrypt "$(tr '\n' '|' <"$TMP/az/requests.log")"

svc "${BASE[@]}" "${SP[@]}" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok azure_decrypt_client_secret || fail azure_decrypt_client_secret "rc $RC: $(head -c 300 "$ERR")"

# --- env list, .sops.yaml flat rule and key_groups with version ---
svc "${BASE[@]}" "${SP[@]}" SOPS_AZURE_KEYVAULT_URLS="$VAULT/keys/sops-key/$VER" -- encrypt "$TMP/plain.yaml"
cp "$OUT" "$TMP/env.yaml"
svc "${BASE[@]}" "${SP[@]}" -- decrypt "$TMP/env.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && grep -qx "version: $VER" <(meta_block "$TMP/env.yaml" azure_kv) &&
	ok azure_env_urls || fail azure_env_urls "rc $RC: $(head -c 300 "$ERR")"
mkdir -p "$TMP/rule" "$TMP/groups"
printf 'creation_rules:\n  - azure_keyvault: %s/keys/sops-key\n' "$VAULT" >"$TMP/rule/.sops.yaml"
cp "$TMP/plain.yaml" "$TMP/rule/a.yaml"
(cd "$TMP/rule" && svc "${BASE[@]}" "${SP[@]}" -- encrypt a.yaml)
cp "$OUT" "$TMP/rule.yaml"
svc "${BASE[@]}" "${SP[@]}" -- decrypt "$TMP/rule.yaml"
[ "$(meta_fields "$TMP/rule.yaml" azure_kv)" = "$fields" ] && cmp -s "$OUT" "$TMP/plain.yaml" &&
	ok azure_sops_yaml_rule || fail azure_sops_yaml_rule "rc $RC: $(head -c 300 "$ERR")"
cat >"$TMP/groups/.sops.yaml" <<EOF
creation_rules:
  - key_groups:
      - azure_keyvault:
          - vaultUrl: $VAULT/
            key: sops-key
            version: $VER
EOF
cp "$TMP/plain.yaml" "$TMP/groups/g.yaml"
(cd "$TMP/groups" && svc "${BASE[@]}" "${SP[@]}" -- encrypt g.yaml)
cp "$OUT" "$TMP/groups.yaml"
svc "${BASE[@]}" "${SP[@]}" -- decrypt "$TMP/groups.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && grep -qx "vault_url: $VAULT/" <(meta_block "$TMP/groups.yaml" azure_kv) &&
	ok azure_key_groups_rule || fail azure_key_groups_rule "rc $RC: $(head -c 300 "$ERR")"

# --- wrong key: an enc made by another key under this entry ---
svc "${BASE[@]}" "${SP[@]}" -- encrypt --azure-kv "$VAULT/keys/other" "$TMP/plain.yaml"
other_enc=$(meta_block "$OUT" azure_kv | sed -n 's/^enc: //p')
good_enc=$(meta_block "$TMP/flag.yaml" azure_kv | sed -n 's/^enc: //p')
sed "s|$good_enc|$other_enc|" "$TMP/flag.yaml" >"$TMP/wrong.yaml"
svc "${BASE[@]}" "${SP[@]}" -- decrypt "$TMP/wrong.yaml"
expect azure_wrong_key 128 "failed to decrypt sops data key with Azure Key Vault key .*BadParameter"

# --- credential sources ---
svc "${BASE[@]}" AZURE_TENANT_ID=tid AZURE_CLIENT_ID=cid AZURE_CLIENT_SECRET=wrong AZURE_AUTHORITY_HOST="$VAULT" -- decrypt "$TMP/flag.yaml"
expect azure_wrong_client_secret 128 "EnvironmentCredential: authentication failed: HTTP 401"
CERT=(AZURE_TENANT_ID=tid AZURE_CLIENT_ID=cid AZURE_AUTHORITY_HOST="$VAULT")
svc "${BASE[@]}" "${CERT[@]}" AZURE_CLIENT_CERTIFICATE_PATH="$TMP/client.pem" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok azure_client_certificate_pem || fail azure_client_certificate_pem "rc $RC: $(head -c 400 "$ERR")"
svc "${BASE[@]}" "${CERT[@]}" AZURE_CLIENT_CERTIFICATE_PATH="$TMP/client.pfx" AZURE_CLIENT_CERTIFICATE_PASSWORD=pfxpass -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok azure_client_certificate_pfx || fail azure_client_certificate_pfx "rc $RC: $(head -c 400 "$ERR")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/rogue.key" -out "$TMP/rogue.crt" -days 2 -subj /CN=rogue >/dev/null 2>&1
cat "$TMP/rogue.crt" "$TMP/rogue.key" >"$TMP/rogue.pem"
svc "${BASE[@]}" "${CERT[@]}" AZURE_CLIENT_CERTIFICATE_PATH="$TMP/rogue.pem" -- decrypt "$TMP/flag.yaml"
expect azure_unknown_certificate_refused 128 "HTTP 401"
printf '%s\n' "$FED" >"$TMP/fed.token"
svc "${BASE[@]}" "${CERT[@]}" AZURE_FEDERATED_TOKEN_FILE="$TMP/fed.token" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok azure_workload_identity || fail azure_workload_identity "rc $RC: $(head -c 400 "$ERR")"
svc "${BASE[@]}" IDENTITY_ENDPOINT="http://127.0.0.1:$HP/msi/token" IDENTITY_HEADER="$IDH" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok azure_managed_identity_endpoint || fail azure_managed_identity_endpoint "rc $RC: $(head -c 400 "$ERR")"
svc SSL_CERT_FILE="$CA" SOPSFS_AZURE_KV_ALLOW=127.0.0.1 AZURE_POD_IDENTITY_AUTHORITY_HOST="http://127.0.0.1:$HP" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok azure_managed_identity_imds || fail azure_managed_identity_imds "rc $RC: $(head -c 400 "$ERR")"
mkdir -p "$TMP/bin"
cat >"$TMP/bin/az" <<EOF
#!/bin/sh
echo "\$*" >"$TMP/az.args"
printf '{"accessToken": "%s", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4070908800, "tokenType": "Bearer"}\n' "\$(cat "$TMP/az/cli_token")"
EOF
chmod +x "$TMP/bin/az"
SVC_PATH=$TMP/bin:/usr/bin:/bin svc "${BASE[@]}" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && grep -qx 'account get-access-token --output json --resource https://vault.azure.net' "$TMP/az.args" &&
	ok azure_cli_credential || fail azure_cli_credential "rc $RC: $(head -c 400 "$ERR") args: $(cat "$TMP/az.args" 2>/dev/null)"
svc "${BASE[@]}" -- decrypt "$TMP/flag.yaml"
expect azure_no_credentials 128 "EnvironmentCredential: missing environment variable AZURE_TENANT_ID; WorkloadIdentityCredential: missing environment variable AZURE_FEDERATED_TOKEN_FILE; ManagedIdentityCredential: no response from the IMDS endpoint; AzureCLICredential: Azure CLI not found on path"

# --- vault URLs off Azure's domains: refused, no connection (the IMDS
# probes above reached the listener on purpose: start counting afresh) ---
rm -f "$TMP/trap/connections"
sed "s|vault_url: $VAULT|vault_url: https://127.0.0.1:$LP|" "$TMP/flag.yaml" >"$TMP/evil.yaml"
tokens_before=$(grep -c 'oauth2/v2.0/token' "$TMP/az/requests.log")
svc SSL_CERT_FILE="$CA" "${SP[@]}" -- decrypt "$TMP/evil.yaml"
[ "$(grep -c 'oauth2/v2.0/token' "$TMP/az/requests.log")" = "$tokens_before" ] && ok azure_refused_asks_no_token ||
	fail azure_refused_asks_no_token "a token was requested for a refused vault URL"
expect azure_other_domain_refused 128 "refusing Azure Key Vault URL https://127.0.0.1:$LP: the host is not on an Azure Key Vault domain"
svc SSL_CERT_FILE="$CA" "${SP[@]}" -- encrypt --azure-kv "https://127.0.0.1:$LP/keys/sops-key/$VER" "$TMP/plain.yaml"
expect azure_other_domain_encrypt_refused 1 "refusing Azure Key Vault URL"
sed "s|vault_url: $VAULT|vault_url: https://x.vault.azure.net.127.0.0.1.nip.io:$LP|" "$TMP/flag.yaml" >"$TMP/evil2.yaml"
svc SSL_CERT_FILE="$CA" "${SP[@]}" -- decrypt "$TMP/evil2.yaml"
expect azure_suffix_trick_refused 128 "not on an Azure Key Vault domain"
[ ! -e "$TMP/trap/connections" ] && ok azure_refused_no_connection ||
	fail azure_refused_no_connection "the refused address was contacted"
sed "s|vault_url: $VAULT|vault_url: https://sopsfs-none.vault.azure.net|" "$TMP/flag.yaml" >"$TMP/real.yaml"
svc SSL_CERT_FILE="$CA" AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:$LP -- decrypt "$TMP/real.yaml"
expect azure_domain_accepted 128 "DefaultAzureCredential: failed to acquire a token"

# --- throttling is retried ---
knobs az '{"throttle": 2}'
svc "${BASE[@]}" "${SP[@]}" -- decrypt "$TMP/flag.yaml"
cmp -s "$OUT" "$TMP/plain.yaml" && ok azure_throttle_retried || fail azure_throttle_retried "rc $RC: $(head -c 300 "$ERR")"
# a hung vault: the file fails after the timeout with the provider's words
knobs az '{"hang": true}'
start=$(date +%s%N)
svc "${BASE[@]}" "${SP[@]}" SOPSFS_KMS_TIMEOUT=1 -- decrypt "$TMP/flag.yaml"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
knobs az '{}'
if [ "$ms" -lt 4000 ]; then
	expect azure_hang_times_out 128 "failed to decrypt sops data key with Azure Key Vault key .*(timed out|timeout)"
else
	fail azure_hang_times_out "took $ms ms with a 1 s timeout"
fi

# --- mount: read, re-encryption keeps the entry ---
if need_fuse azure_mount; then
	SRC=$TMP/src; MNT=$(new_mountpoint)
	mkdir -p "$SRC" && cp "$TMP/flag.yaml" "$SRC/app.yaml"
	unset CURL_CA_BUNDLE
	export SSL_CERT_FILE="$CA" SOPSFS_AZURE_KV_ALLOW=127.0.0.1 AZURE_TENANT_ID=tid AZURE_CLIENT_ID=cid \
		AZURE_CLIENT_SECRET="$SECRET" AZURE_AUTHORITY_HOST="$VAULT"
	if mount_sopsfs "$SRC" "$MNT"; then
		cmp -s "$MNT/app.yaml" "$TMP/plain.yaml" && ok azure_mount_read || fail azure_mount_read "plaintext differs"
		printf 'db:\n    user: bob\n    password: azure-plain-pw\n' >"$MNT/app.yaml"
		sync
		for _ in $(seq 1 60); do ! cmp -s "$SRC/app.yaml" "$TMP/flag.yaml" && break; sleep 0.05; done
		! cmp -s "$SRC/app.yaml" "$TMP/flag.yaml" && grep -q "user: bob" <(svc "${BASE[@]}" "${SP[@]}" -- decrypt "$SRC/app.yaml"; cat "$OUT") &&
			[ "$(meta_block "$SRC/app.yaml" azure_kv)" = "$(meta_block "$TMP/flag.yaml" azure_kv)" ] &&
			! grep -q 'azure-plain-pw' "$SRC/app.yaml" && ok azure_reencrypt_keeps_entry ||
			fail azure_reencrypt_keeps_entry "the azure_kv entry changed on re-encryption"
		unmount_sopsfs "$MNT"
	else
		fail azure_mount_read "mount failed"
	fi
	unset SSL_CERT_FILE SOPSFS_AZURE_KV_ALLOW AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_AUTHORITY_HOST
	cat "$TMP/mount.log" >>"$TMP/all.log" 2>/dev/null
fi

check_no_secrets azure_no_secret_in_output "$SECRET" "$FED" "$IDH" "$(cat "$TMP/az/cli_token")" \
	"$(sed -n 2p "$TMP/client.key")"
