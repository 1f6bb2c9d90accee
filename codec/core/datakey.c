/* datakey.c - data key recovery over key groups and wrapping for new files. */
#include "datakey.h"
#include "../../crypto/shamir.h"
#include "../../common/secure_mem.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define MAX_GROUPS 255

/* Rank of a key type in the decryption order (lower first). */
static int type_rank(const char *type)
{
	const char *order = getenv("SOPS_DECRYPTION_ORDER");
	int rank = 0;

	if (order != NULL && order[0] != '\0') {
		const char *p = order;

		while (*p != '\0') {
			size_t n = strcspn(p, ",");

			while (n > 0 && p[0] == ' ') {
				p++;
				n--;
			}
			if (n == strlen(type) && strncmp(p, type, n) == 0)
				return rank;
			rank++;
			p += n;
			if (*p == ',')
				p++;
		}
		return 1000;
	}
	if (strcmp(type, "age") == 0)
		return 0;
	if (strcmp(type, "pgp") == 0)
		return 1;
	return 1000;
}

/* Stable order of the group's keys by decryption rank. */
static void sort_indices(const struct key_group *g, size_t *idx)
{
	for (size_t i = 0; i < g->nkeys; i++)
		idx[i] = i;
	for (size_t i = 1; i < g->nkeys; i++) {
		size_t v = idx[i], j = i;

		while (j > 0 && type_rank(g->keys[idx[j - 1]].type) > type_rank(g->keys[v].type)) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

static const char *key_name(const struct master_key *mk)
{
	const struct provider *p = provider_for(mk->type);

	if (p != NULL && p->describe != NULL)
		return p->describe(mk);
	return mk->type;
}

/* Append "  - | line\n  | line" for one key failure (usererrors.go). */
static int report_key(struct buf *rep, const char *name, const char *why)
{
	struct buf w = BUF_INIT;
	int rc = 0;
	const char *p;

	rc |= buf_printf(rep, "\n  %s: FAILED\n", name);
	rc |= wordwrap(why, 60, &w);
	p = w.data ? (const char *)w.data : "";
	for (int first = 1; rc == 0; first = 0) {
		size_t n = strcspn(p, "\n");

		rc |= buf_printf(rep, "    %s | %.*s", first ? "-" : " ", (int)n, p);
		p += n;
		if (*p == '\0')
			break;
		p++;
		rc |= buf_addc(rep, '\n');
	}
	buf_free(&w);
	return rc;
}

/* Try the keys of one group; 0 with part filled, or -1 with the report. */
static int unwrap_group(const struct key_group *g, struct buf *part, struct buf *rep,
			struct buf *by)
{
	size_t idx[64];
	size_t n = g->nkeys < 64 ? g->nkeys : 64;
	struct buf fails = BUF_INIT;

	sort_indices(g, idx);
	for (size_t i = 0; i < n; i++) {
		const struct master_key *mk = &g->keys[idx[i]];
		const struct provider *p = provider_for(mk->type);
		struct sops_err kerr;

		err_clear(&kerr);
		buf_truncate(part, 0);
		if (p == NULL)
			err_set(&kerr, EX_NO_DATA_KEY, "sopsfs does not support %s keys yet", mk->type);
		else if (p->unwrap(mk, part, &kerr) == 0 && part->len > 0) {
			if (by != NULL)         /* which key did it (status, audit) */
				buf_printf(by, "%s%s %s", by->len ? ", " : "", mk->type,
					   key_name(mk));
			buf_free(&fails);
			return 0;
		}
		if (fails.len > 0)
			buf_addc(&fails, '\n');
		report_key(&fails, key_name(mk), kerr.msg[0] ? kerr.msg : "unknown error");
	}
	buf_add(rep, fails.data, fails.len);
	buf_free(&fails);
	return -1;
}

static const char report_head[] =
	"Failed to get the data key required to decrypt the SOPS file.\n\n";

/* A report longer than an error holds (dozens of keys) is cut after its
 * last whole key, so that the closing paragraph is always printed. */
static void fit_report(struct buf *rep, size_t trailer_len)
{
	static const char more[] = "\n  (further keys failed too)";
	/* the message: report_head, the report, "\n\n", the trailer, NUL */
	size_t room = SOPS_ERR_MSG_MAX - (sizeof(report_head) - 1) - 2 - trailer_len - 1;
	size_t cut;

	if (rep->data == NULL || rep->len <= room)
		return;
	for (cut = room - sizeof(more); cut > 0; cut--)
		if (memcmp(rep->data + cut, "\n  ", 3) == 0 && rep->data[cut + 3] != ' ')
			break;
	buf_truncate(rep, cut);
	buf_adds(rep, more);
}

static void finish_report(struct buf *rep, int threshold, int ok, struct sops_err *err)
{
	struct buf trailer = BUF_INIT, text = BUF_INIT;
	char msg[700];

	if (threshold == 0)
		snprintf(msg, sizeof(msg), "Recovery failed because no master key was able to "
			 "decrypt the file. In order for SOPS to recover the file, at least one "
			 "key has to be successful, but none were.");
	else
		snprintf(msg, sizeof(msg), "Recovery failed because the file was encrypted with "
			 "a Shamir threshold of %d, but only %d part(s) were successfully recovered, "
			 "one for each successful key group. In order for SOPS to recover the file, "
			 "at least %d groups have to be successful. In order for a group to be "
			 "successful, decryption has to succeed with any of the keys in that key group.",
			 threshold, ok, threshold);
	wordwrap(msg, 75, &trailer);
	fit_report(rep, trailer.len);
	buf_printf(&text, "%s%s\n\n%s", report_head,
		   rep->data ? (const char *)rep->data : "",
		   trailer.data ? (const char *)trailer.data : "");
	err_set(err, EX_NO_DATA_KEY, "%s", text.data ? (const char *)text.data : "");
	buf_free(&trailer);
	buf_free(&text);
}

static int combine(uint8_t **parts, size_t nparts, size_t len, uint8_t *key,
		   struct sops_err *err)
{
	uint8_t secret[64];

	if (len < 2 || len - 1 != SOPS_DATA_KEY_LEN)
		return err_set(err, EX_NO_DATA_KEY, "could not get data key from shamir parts: "
			       "unexpected share length %zu", len);
	if (shamir_combine((const uint8_t *const *)parts, nparts, len, secret, err) != 0)
		return err_prefix(err, "could not get data key from shamir parts: ");
	memcpy(key, secret, SOPS_DATA_KEY_LEN);
	sm_wipe(secret, sizeof(secret));
	return 0;
}

static int report_group(struct buf *rep, size_t g, const struct key_group *kg,
			struct buf *part, struct buf *by)
{
	struct buf fails = BUF_INIT;
	int ok = unwrap_group(kg, part, &fails, by) == 0;

	if (g > 0)
		buf_adds(rep, "\n\n");
	buf_printf(rep, "Group %zu: %s%s", g, ok ? "SUCCESS" : "FAILED",
		   ok || fails.data == NULL ? "" : (const char *)fails.data);
	buf_free(&fails);
	return ok;
}

int datakey_get(const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN], struct sops_err *err)
{
	return datakey_get_by(m, key, NULL, err);
}

int datakey_get_by(const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN], struct buf *by,
		   struct sops_err *err)
{
	struct buf rep = BUF_INIT;
	uint8_t *parts[MAX_GROUPS];
	size_t nparts = 0, plen = 0;
	int rc = 0;

	for (size_t g = 0; g < m->ngroups && g < MAX_GROUPS; g++) {
		struct buf part = BUF_INIT_SECURE;

		if (report_group(&rep, g, &m->groups[g], &part, by) &&
		    (plen == 0 || part.len == plen)) {
			plen = part.len;
			parts[nparts++] = buf_steal(&part, NULL);
		}
		buf_free(&part);
	}
	if (m->ngroups > 1 && (int)nparts >= m->shamir_threshold && nparts > 0) {
		rc = combine(parts, nparts, plen, key, err);
	} else if (m->ngroups == 1 && nparts == 1 && plen == SOPS_DATA_KEY_LEN) {
		memcpy(key, parts[0], SOPS_DATA_KEY_LEN);
	} else {
		finish_report(&rep, m->ngroups > 1 ? m->shamir_threshold : 0, (int)nparts, err);
		rc = -1;
	}
	for (size_t i = 0; i < nparts; i++)
		sm_free(parts[i]);
	buf_free(&rep);
	return rc;
}

/* ---- wrapping a new data key ---- */

static int wrap_one(const char *type, const char *recipient, const uint8_t *secret,
		    size_t len, struct new_group *g, struct sops_err *err)
{
	const struct provider *p = provider_for(type);
	struct mk_new *k = &g->keys[g->nkeys];

	memset(k, 0, sizeof(*k));
	if (p == NULL || p->wrap == NULL)
		return err_set(err, EX_ERROR, "sopsfs cannot encrypt to %s keys", type);
	if (p->wrap(recipient, secret, len, k, err) != 0) {
		mk_new_free(k);
		return err_prefix(err, "could not encrypt the data key with %s key %s: ",
				  type, recipient);
	}
	k->type = p->type;
	g->nkeys++;
	return 0;
}

static int wrap_group(const struct recipient_group *rg, const uint8_t *secret, size_t len,
		      struct new_group *g, struct sops_err *err)
{
	size_t n = rg->nage + rg->npgp + rg->nother;

	g->nkeys = 0;
	g->keys = calloc(n ? n : 1, sizeof(*g->keys));
	if (g->keys == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	if (n == 0)
		return err_set(err, EX_ERROR, "empty key group provided");
	for (size_t i = 0; i < rg->nage; i++)
		if (wrap_one("age", rg->age[i], secret, len, g, err) != 0)
			return -1;
	for (size_t i = 0; i < rg->npgp; i++)
		if (wrap_one("pgp", rg->pgp[i], secret, len, g, err) != 0)
			return -1;
	for (size_t i = 0; i < rg->nother; i++)
		if (wrap_one(rg->other[i].type, rg->other[i].value, secret, len, g, err) != 0)
			return -1;
	return 0;
}

void datakey_groups_free(struct new_group *g, size_t n)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < g[i].nkeys; k++)
			mk_new_free(&g[i].keys[k]);
		free(g[i].keys);
	}
	free(g);
}

int datakey_wrap(const uint8_t key[SOPS_DATA_KEY_LEN], const struct recipient_group *groups,
		 size_t ngroups, int threshold, struct new_group **out, struct sops_err *err)
{
	struct new_group *g;
	uint8_t *shares[MAX_GROUPS];
	int rc = 0;

	*out = NULL;
	if (ngroups == 0)
		return err_set(err, EX_ERROR, "no master keys were provided: use --age, --pgp, --kms, --gcp-kms, "
			       "--azure-kv, --hc-vault-transit or --hckms, "
			       "or a .sops.yaml creation rule");
	if (ngroups > MAX_GROUPS)
		return err_set(err, EX_ERROR, "too many key groups");
	g = calloc(ngroups, sizeof(*g));
	if (g == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	if (ngroups == 1) {
		rc = wrap_group(&groups[0], key, SOPS_DATA_KEY_LEN, &g[0], err);
	} else {
		for (size_t i = 0; i < ngroups; i++)
			shares[i] = sm_alloc(SOPS_DATA_KEY_LEN + 1);
		for (size_t i = 0; i < ngroups; i++)
			if (shares[i] == NULL)
				rc = err_set(err, EX_ERROR, "out of memory");
		if (rc == 0)
			rc = shamir_split(key, SOPS_DATA_KEY_LEN, (int)ngroups,
					  threshold ? threshold : (int)ngroups, shares, err);
		for (size_t i = 0; i < ngroups && rc == 0; i++)
			rc = wrap_group(&groups[i], shares[i], SOPS_DATA_KEY_LEN + 1, &g[i], err);
		for (size_t i = 0; i < ngroups; i++)
			sm_free(shares[i]);
	}
	if (rc != 0) {
		datakey_groups_free(g, ngroups);
		return -1;
	}
	*out = g;
	return 0;
}

/* ---- go-wordwrap ---- */

int wordwrap(const char *s, size_t lim, struct buf *out)
{
	size_t current = 0;
	int rc = 0;

	while (*s != '\0' && rc == 0) {
		size_t sp = 0, wl;

		if (*s == '\n') {
			rc |= buf_addc(out, '\n');
			current = 0;
			s++;
			continue;
		}
		while (s[sp] == ' ' || s[sp] == '\t')
			sp++;
		wl = strcspn(s + sp, " \t\n");
		if (wl == 0) {          /* trailing spaces before a newline or end */
			if (current + sp <= lim)
				rc |= buf_add(out, s, sp);
			current += sp;
			s += sp;
			continue;
		}
		if (current > 0 && current + sp + wl > lim && wl < lim) {
			rc |= buf_addc(out, '\n');
			current = 0;
		} else {
			rc |= buf_add(out, s, sp);
			current += sp;
		}
		rc |= buf_add(out, s + sp, wl);
		current += wl;
		s += sp + wl;
	}
	return rc;
}
