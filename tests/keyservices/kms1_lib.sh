# shellcheck shell=bash
# kms1_lib.sh - start/stop the AWS KMS and GCP KMS stand-ins and set a clean
# environment for them (sourced after tests/lib.sh).
#
#   aws_start DIR      config + server in DIR; sets AWS_PORT, AWS_META_PORT
#   aws_env            clean AWS_* variables, endpoints and CA for the stand-in
#   gcp_start DIR      sets GCP_PORT, GCP_META_PORT, GCP_SA_JSON, ...
#   gcp_env            clean Google variables, endpoint and CA
#   knobs DIR JSON     set the stand-in's latency/throttle/500/hang knobs
#
# Test secrets all contain "TESTSECRET" so logs can be searched for leaks.

KS_DIR=$ROOT/tests/keyservices
KS_PY=${KS_PY:-$(command -v /usr/bin/python3 || command -v python3)}

AWS_ENV_AKID=AKIAENVUSER0000001
AWS_ENV_SECRET=envsecret-TESTSECRET-1
AWS_PROF_AKID=AKIAPROFUSER000001
AWS_PROF_SECRET=profsecret-TESTSECRET-2
AWS_SRC_AKID=AKIASRCUSER0000001
AWS_SRC_SECRET=srcsecret-TESTSECRET-3
AWS_PROC_AKID=AKIAPROCUSER000001
AWS_PROC_SECRET=procsecret-TESTSECRET-4
AWS_KEY1=arn:aws:kms:us-east-1:111122223333:key/1111-aaaa
AWS_KEY2=arn:aws:kms:us-east-1:111122223333:key/2222-bbbb
AWS_ROLE=arn:aws:iam::111122223333:role/sops-reader
AWS_WEB_TOKEN=webidentity-TESTSECRET-5
AWS_CONTAINER_TOKEN=container-TESTSECRET-6

# ks_wait_port FILE: wait (max 10 s) for a server to write its port.
ks_wait_port() {
	local i
	for i in $(seq 1 100); do
		[ -s "$1" ] && { cat "$1"; return 0; }
		sleep 0.1
	done
	return 1
}

# ks_run NAME DIR SCRIPT: start a stand-in, stopped at exit.
ks_run() {
	"$KS_PY" "$KS_DIR/$3" "$2" >"$2/server.log" 2>&1 &
	local pid=$!
	cleanup_hooks+=("kill $pid 2>/dev/null; wait $pid 2>/dev/null")
	echo "$pid" >"$2/pid"
}

knobs() {   # DIR JSON
	printf '%s\n' "$2" >"$1/knobs.json.tmp" && mv "$1/knobs.json.tmp" "$1/knobs.json"
}

aws_start() {   # DIR
	local d=$1 all
	mkdir -p "$d"
	all='"env-user","profile-user","src-user","process-user","role:'$AWS_ROLE'","webid:'$AWS_ROLE'","container","imds"'
	cat >"$d/config.json" <<JSON
{"users": {"$AWS_ENV_AKID": {"secret": "$AWS_ENV_SECRET", "name": "env-user"},
           "$AWS_PROF_AKID": {"secret": "$AWS_PROF_SECRET", "name": "profile-user"},
           "$AWS_SRC_AKID": {"secret": "$AWS_SRC_SECRET", "name": "src-user"},
           "$AWS_PROC_AKID": {"secret": "$AWS_PROC_SECRET", "name": "process-user"}},
 "keys": {"$AWS_KEY1": {"allow": [$all]},
          "$AWS_KEY2": {"allow": [$all]}},
 "roles": ["$AWS_ROLE"],
 "web_token": "$AWS_WEB_TOKEN", "container_token": "$AWS_CONTAINER_TOKEN"}
JSON
	ks_run aws "$d" aws_kms_server.py
	AWS_PORT=$(ks_wait_port "$d/port") && AWS_META_PORT=$(ks_wait_port "$d/http_port")
	AWS_STATE=$d
	[ -n "$AWS_PORT" ] && [ -n "$AWS_META_PORT" ]
}

# No AWS variable of the caller leaks in; the stand-in is the endpoint.
aws_env() {
	local v
	for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
	export AWS_ENDPOINT_URL=https://127.0.0.1:$AWS_PORT
	export AWS_CA_BUNDLE=$AWS_STATE/tls/ca.crt CURL_CA_BUNDLE=$AWS_STATE/tls/ca.crt
	export SSL_CERT_FILE=$AWS_STATE/tls/ca.crt
	export AWS_EC2_METADATA_DISABLED=true
	export HOME=$TMP/home
	mkdir -p "$HOME"
}

aws_env_keys() {
	export AWS_ACCESS_KEY_ID=$AWS_ENV_AKID AWS_SECRET_ACCESS_KEY=$AWS_ENV_SECRET
}

# Last principal the stand-in saw for a KMS call.
aws_last_principal() {
	grep -E '^(Decrypt|Encrypt) ' "$AWS_STATE/calls.log" 2>/dev/null | tail -1 | sed -n 's/.*principal=\([^ ]*\).*/\1/p'
}

GCP_KEY1=projects/sops-test/locations/global/keyRings/ring/cryptoKeys/key1
GCP_KEY2=projects/sops-test/locations/global/keyRings/ring/cryptoKeys/key2
GCP_SA_EMAIL=sopsfs-test@sops-test.iam.gserviceaccount.com
GCP_CLIENT_ID=client-123.apps.googleusercontent.com
GCP_CLIENT_SECRET=clientsecret-TESTSECRET-7
GCP_REFRESH=refresh-TESTSECRET-8
GCP_STATIC=ya29.static-TESTSECRET-9

# gcp_start DIR: service-account key pair, config, server; writes
# DIR/sa.json (service_account), DIR/user.json (authorized_user) and
# DIR/sa-wrong.json (same account, another key).
gcp_start() {
	local d=$1 all
	mkdir -p "$d"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/sa.pem" 2>/dev/null &&
		openssl pkey -in "$d/sa.pem" -pubout -out "$d/sa.pub" 2>/dev/null &&
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/wrong.pem" 2>/dev/null || return 1
	all='"sa:'$GCP_SA_EMAIL'","user:'$GCP_CLIENT_ID'","static","gce"'
	cat >"$d/config.json" <<JSON
{"sa_email": "$GCP_SA_EMAIL", "sa_pub": "$d/sa.pub",
 "client_id": "$GCP_CLIENT_ID", "client_secret": "$GCP_CLIENT_SECRET",
 "refresh_token": "$GCP_REFRESH", "static_token": "$GCP_STATIC",
 "keys": {"$GCP_KEY1": {"allow": [$all]}, "$GCP_KEY2": {"allow": [$all]}}}
JSON
	ks_run gcp "$d" gcp_kms_server.py
	GCP_PORT=$(ks_wait_port "$d/port") && GCP_META_PORT=$(ks_wait_port "$d/http_port") || return 1
	GCP_STATE=$d
	"$KS_PY" - "$d" "$GCP_PORT" "$GCP_SA_EMAIL" "$GCP_CLIENT_ID" "$GCP_CLIENT_SECRET" "$GCP_REFRESH" <<'PY'
import json, sys
d, port, email, cid, csec, rt = sys.argv[1:]
uri = "https://127.0.0.1:%s/token" % port
for name, pem in (("sa.json", "sa.pem"), ("sa-wrong.json", "wrong.pem")):
    json.dump({"type": "service_account", "project_id": "sops-test", "private_key_id": "kid-1",
               "private_key": open("%s/%s" % (d, pem)).read(), "client_email": email,
               "client_id": "1", "token_uri": uri}, open("%s/%s" % (d, name), "w"), indent=2)
json.dump({"type": "authorized_user", "client_id": cid, "client_secret": csec,
           "refresh_token": rt, "token_uri": uri}, open("%s/user.json" % d, "w"), indent=2)
PY
}

gcp_env() {
	local v
	for v in GOOGLE_CREDENTIALS GOOGLE_OAUTH_ACCESS_TOKEN GOOGLE_APPLICATION_CREDENTIALS \
		CLOUDSDK_CONFIG SOPS_GCP_KMS_UNIVERSE_DOMAIN SOPS_GCP_KMS_CLIENT_TYPE; do
		unset "$v"
	done
	export SOPS_GCP_KMS_ENDPOINT=https://127.0.0.1:$GCP_PORT
	export CURL_CA_BUNDLE=$GCP_STATE/tls/ca.crt SSL_CERT_FILE=$GCP_STATE/tls/ca.crt
	export GCE_METADATA_HOST=127.0.0.1:1      # closed: no metadata server unless a test sets it
	export HOME=$TMP/ghome
	mkdir -p "$HOME"
}

gcp_last_principal() {
	grep -E '^(decrypt|encrypt) ' "$GCP_STATE/calls.log" 2>/dev/null | tail -1 | sed -n 's/.*principal=\([^ ]*\).*/\1/p'
}
