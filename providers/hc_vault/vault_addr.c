/* vault_addr.c - Vault transit key URIs and the address allowlist.
 *
 * URI parsing follows sops hcvault NewMasterKeyFromURI /
 * engineAndKeyFromPath. The allowlist follows sops getAllowlist when
 * SOPS_HC_VAULT_ALLOWLIST is set ("all", "none", or a comma list of URL
 * prefixes, each given a trailing "/", an address is allowed when
 * "<address>/" starts with one). Where it is unset or empty sopsfs differs
 * from sops (whose default is "all"): only the origin of VAULT_ADDR is
 * allowed, so a file pulled into the repository cannot send the Vault
 * token to a server of its choosing.
 */
#include "vault_addr.h"
#include "../net/http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* scheme://host[:port] and nothing else (no user info, path, query). */
int vault_addr_is_origin(const char *a)
{
	const char *p;

	if (strncmp(a, "https://", 8) == 0)
		p = a + 8;
	else if (strncmp(a, "http://", 7) == 0)
		p = a + 7;
	else
		return 0;
	if (*p == '[') {                       /* IPv6 literal */
		p++;
		while (isxdigit((unsigned char)*p) || *p == ':' || *p == '.')
			p++;
		if (*p++ != ']')
			return 0;
	} else {
		const char *h = p;

		while (isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_')
			p++;
		if (p == h)
			return 0;
	}
	if (*p == ':') {
		const char *d = ++p;

		while (isdigit((unsigned char)*p))
			p++;
		if (p == d || p - d > 5)
			return 0;
	}
	return *p == '\0';
}

static int same_origin(const char *a, const char *b)
{
	struct buf oa = BUF_INIT, ob = BUF_INIT;
	int same = net_url_origin(a, &oa) == 0 && net_url_origin(b, &ob) == 0 &&
		   oa.len == ob.len && strcasecmp((char *)oa.data, (char *)ob.data) == 0;

	buf_free(&oa);
	buf_free(&ob);
	return same;
}

/* One comma-list entry of SOPS_HC_VAULT_ALLOWLIST against addr/. */
static int prefix_allows(const char *entry, size_t n, const char *addr)
{
	size_t alen = strlen(addr);
	int slash = n > 0 && entry[n - 1] == '/';

	/* "<addr>/" must start with "<entry>[/]" */
	if (n + !slash > alen + 1)
		return 0;
	if (strncmp(addr, entry, n < alen ? n : alen) != 0)
		return 0;
	if (n <= alen) {
		if (slash)
			return 1;
		return n == alen || addr[n] == '/';
	}
	return n == alen + 1 && slash;   /* entry == addr + "/" */
}

int vault_allowed(const char *addr, struct sops_err *err)
{
	const char *al = getenv("SOPS_HC_VAULT_ALLOWLIST");
	const char *va = getenv("VAULT_ADDR");

	if (!vault_addr_is_origin(addr))
		return err_set(err, EX_ERROR, "Allowlist does not allow %.200s (not a plain "
			       "scheme://host[:port] Vault address)", addr);
	if (al == NULL || al[0] == '\0') {
		if (va != NULL && va[0] != '\0' && same_origin(addr, va))
			return 0;
		return err_set(err, EX_ERROR, "Allowlist does not allow %.200s (SOPS_HC_VAULT_ALLOWLIST "
			       "is unset: sopsfs then allows only VAULT_ADDR%s)", addr,
			       va != NULL && va[0] != '\0' ? "" : ", which is unset too");
	}
	if (strcmp(al, "all") == 0)
		return 0;
	if (strcmp(al, "none") != 0) {
		const char *p = al;
		int idx = 1, match = 0;

		/* the whole list is parsed first, as sops does */
		for (;; idx++) {
			size_t n = strcspn(p, ",");
			const char *s = p, *e = p + n;

			while (s < e && *s == ' ')
				s++;
			while (e > s && e[-1] == ' ')
				e--;
			if (e == s)
				return err_set(err, EX_ERROR, "SOPS_HC_VAULT_ALLOWLIST's entry %d is empty",
					       idx);
			match |= prefix_allows(s, (size_t)(e - s), addr);
			if (p[n] == '\0')
				break;
			p += n + 1;
		}
		if (match)
			return 0;
	}
	return err_set(err, EX_ERROR, "Allowlist does not allow %.200s", addr);
}

/* Does s match `/v[0-9]+/[^/]+/[^/]+/[^/]+` anywhere (Go regexp search)?
 * With lead: `/[^/]+` before it (the "prefixed URL" pattern). */
static int match_vpath(const char *s, int lead)
{
	for (const char *p = s; *p != '\0'; p++) {
		const char *q = p;

		if (lead) {
			if (*q != '/' || q[1] == '/' || q[1] == '\0')
				continue;
			q++;
			while (*q != '\0' && *q != '/')
				q++;
			/* any later '/' inside this run also starts a match */
		}
		if (*q != '/' || q[1] != 'v' || !isdigit((unsigned char)q[2]))
			continue;
		q += 2;
		while (isdigit((unsigned char)*q))
			q++;
		int segs = 0;

		while (segs < 3 && *q == '/' && q[1] != '/' && q[1] != '\0') {
			q++;
			while (*q != '\0' && *q != '/')
				q++;
			segs++;
		}
		if (segs == 3)
			return 1;
	}
	return 0;
}

int vault_uri_parse(const char *uri, struct vault_key *k, struct sops_err *err)
{
	const char *sep = strstr(uri, "://"), *path;
	char *p, *dirs[64];
	size_t nd = 0;

	memset(k, 0, sizeof(*k));
	if (sep == NULL || sep == uri)
		return err_set(err, EX_ERROR, "missing scheme in Vault URL (should be like this: "
			       "https://vault.example.com:8200/v1/transit/keys/keyName), got: %s", uri);
	path = strchr(sep + 3, '/');
	if (path == NULL)
		path = "/";
	if (match_vpath(path, 1))
		return err_set(err, EX_ERROR, "running Vault with a prefixed URL is not supported! "
			       "(Format has to be like https://vault.example.com:8200/v1/transit/keys/keyName)");
	if (!match_vpath(path, 0))
		return err_set(err, EX_ERROR, "vault path does not seem to be formatted correctly: "
			       "(eg. https://vault.example.com:8200/v1/transit/keys/keyName)");
	k->address = strndup(uri, (size_t)(path - uri));
	p = strdup(path);
	if (k->address == NULL || p == NULL) {
		free(p);
		vault_key_free(k);
		return err_set(err, EX_ERROR, "out of memory");
	}
	p[strcspn(p, "?#")] = '\0';
	char *sv = NULL;

	for (char *t = strtok_r(p, "/", &sv); t != NULL; t = strtok_r(NULL, "/", &sv)) {
		if (nd == sizeof(dirs) / sizeof(*dirs)) {
			nd = 0;        /* more segments than any engine path has */
			break;
		}
		dirs[nd++] = t;
	}
	if (nd < 4) {       /* v1, engine, "keys", name at least */
		free(p);
		vault_key_free(k);
		return err_set(err, EX_ERROR, "vault path does not seem to be formatted correctly: "
			       "(eg. https://vault.example.com:8200/v1/transit/keys/keyName)");
	}
	k->key_name = strdup(dirs[nd - 1]);
	struct buf eng = BUF_INIT;

	for (size_t i = 1; i + 2 < nd; i++)
		if ((eng.len > 0 && buf_addc(&eng, '/') != 0) || buf_adds(&eng, dirs[i]) != 0)
			break;
	k->engine_path = strdup(eng.len ? (char *)eng.data : "");
	buf_free(&eng);
	free(p);
	if (k->key_name == NULL || k->engine_path == NULL) {
		vault_key_free(k);
		return err_set(err, EX_ERROR, "out of memory");
	}
	return 0;
}

void vault_key_free(struct vault_key *k)
{
	free(k->address);
	free(k->engine_path);
	free(k->key_name);
	memset(k, 0, sizeof(*k));
}
