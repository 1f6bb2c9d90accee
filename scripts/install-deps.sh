#!/usr/bin/env bash
# install-deps.sh - install the Debian packages sopsfs needs to build, test,
# run the demo and the benchmarks. Idempotent; prints nothing when all are
# present. Uses sudo when not root.
#   install-deps.sh --deb   only what `make deb` needs to build a package
set -eu

PKGS=(
	build-essential pkg-config
	libfuse3-dev fuse3 libyaml-dev libjansson-dev libssl-dev libsodium-dev
	libgpgme-dev libcurl4-openssl-dev libpcre2-dev libgit2-dev
	age gnupg
	# tests
	attr acl rsync tmux vim neovim nano emacs-nox git python3 perl procps psmisc
	openssl   # key-service stand-ins: test CA, RSA-OAEP, JWT checks
	# benchmarks
	bindfs hyperfine
	# man page check
	groff-base man-db
)
[ "${1:-}" = "--deb" ] && PKGS=(build-essential dpkg-dev debhelper fakeroot)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# Node.js may come from elsewhere (NodeSource bundles npm): only ask Debian
# for it when the commands are missing.
if [ "${1:-}" != "--deb" ]; then
	command -v node >/dev/null 2>&1 || missing+=(nodejs)
	command -v npm >/dev/null 2>&1 || missing+=(npm)
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if [ "${#missing[@]}" -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq >/dev/null
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" = "--deb" ] && exit 0

# kubectl is optional (tests and demo skip it when absent); Debian ships it as
# kubernetes-client. Try it quietly when kubectl is missing.
if ! command -v kubectl >/dev/null 2>&1; then
	$SUDO apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null 2>&1 || true
fi

# npm: sops-age, an independent SOPS decoder used to cross-check our files.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$here/build/npm/node_modules/sops-age" ] && command -v npm >/dev/null 2>&1; then
	mkdir -p "$here/build/npm"
	( cd "$here/build/npm" && [ -f package.json ] || echo '{"name":"sopsfs-tests","private":true}' > package.json
	  npm install --silent --no-audit --no-fund sops-age@4 >/dev/null 2>&1 ) \
		|| echo "install-deps: npm install sops-age failed; its cross-checks will be skipped"
fi
exit 0
