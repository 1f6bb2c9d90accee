# shellcheck shell=bash
# lib/repo.sh - a small test repository of SOPS files for the mount tests
# (sourced after tests/lib.sh).
#
#   REPO_FORMATS, REPO_FILE[fmt]   the four formats and their paths in the repo
#   REPO_SECRETS                   file listing every plaintext secret used (one a line)
#   repo_token                     print a new secret value (tk + 16 hex) and record it
#   repo_plaintexts DIR            write the plaintexts (and a plain README.md) into DIR
#   repo_build SRC PLAINDIR        age key, .sops.yaml, SOPS files encrypted from
#                                  PLAINDIR with `sopsfs encrypt --age`, git init;
#                                  sets REPO_KEY and exports SOPS_AGE_KEY_FILE
#
# Every secret value is a token "tk" + 16 hex digits (comments carry "cm"
# tokens), so the tests can find a value by its token and grep for leaks.

REPO_FORMATS=(yaml json dotenv ini)
declare -A REPO_FILE=([yaml]=secrets/db.yaml [json]=app.json [dotenv]=.env [ini]=config.ini)
REPO_SECRETS=$TMP/secrets.txt
: >"$REPO_SECRETS"

repo_hex() {   # n bytes -> 2n hex digits
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

repo_token() {   # [prefix]
	local t
	t=${1:-tk}$(repo_hex 8)
	echo "$t" >>"$REPO_SECRETS"
	printf '%s' "$t"
}

repo_plaintexts() {   # dir
	local d=$1
	mkdir -p "$d/secrets"
	cat >"$d/secrets/db.yaml" <<-EOF
	# Production database, rotated by team-db ($(repo_token cm))
	database:
	    host: db-prod.internal.example.org
	    user: app_rw
	    password: $(repo_token)
	    # read replica, same rotation
	    replica:
	        password: $(repo_token)
	        port: 5433
	api_tokens:
	    - $(repo_token)
	    - $(repo_token)
	smtp:
	    user: mailer
	    pass: $(repo_token)
	    tls: true
	enabled: true
	EOF
	cat >"$d/app.json" <<-EOF
	{
	    "service": "billing",
	    "stripe": {
	        "secret_key": "$(repo_token)",
	        "webhook_secret": "$(repo_token)"
	    },
	    "admins": [
	        "$(repo_token)",
	        "$(repo_token)"
	    ],
	    "retries": 3,
	    "debug": false
	}
	EOF
	cat >"$d/.env" <<-EOF
	# production environment ($(repo_token cm))
	DATABASE_URL=postgres://app:$(repo_token)@db-prod:5432/app
	API_KEY=$(repo_token)
	SESSION_SECRET=$(repo_token)
	LOG_LEVEL=info
	EOF
	cat >"$d/config.ini" <<-EOF
	; service configuration ($(repo_token cm))
	[database]
	host = db-prod.internal
	password = $(repo_token)

	[oauth]
	client_id = web-frontend
	client_secret = $(repo_token)
	EOF
	printf '# Secrets of the billing service\n\nEdit them through the sopsfs mount.\n' >"$d/README.md"
}

repo_build() {   # src plaindir
	local src=$1 plain=$2 fmt rel
	mkdir -p "$src/secrets" || return 1
	age-keygen -o "$TMP/age.key" 2>/dev/null || { echo "age-keygen failed" >&2; return 1; }
	REPO_KEY=$TMP/age.key
	grep '^AGE-SECRET-KEY-' "$REPO_KEY" >>"$REPO_SECRETS"
	export SOPS_AGE_KEY_FILE=$REPO_KEY
	local r
	r=$(age-keygen -y "$REPO_KEY")
	printf 'creation_rules:\n  - path_regex: \\.(yaml|json|env|ini)$\n    age: %s\n' "$r" >"$src/.sops.yaml"
	cp "$plain/README.md" "$src/README.md"
	for fmt in "${REPO_FORMATS[@]}"; do
		rel=${REPO_FILE[$fmt]}
		if ! (cd "$src" && "$REPO_CLI" encrypt --age "$r" "$plain/$rel" >"$src/$rel.new" 2>"$TMP/encrypt.err"); then
			echo "sopsfs encrypt $rel: $(head -c 300 "$TMP/encrypt.err")" >&2
			rm -f "$src/$rel.new"
			return 1
		fi
		mv "$src/$rel.new" "$src/$rel"
	done
	git -C "$src" init -q && git -C "$src" add -A &&
		git -C "$src" -c user.name=test -c user.email=test@example.org commit -qm "encrypted secrets" ||
		{ echo "git init of the test repo failed" >&2; return 1; }
}
