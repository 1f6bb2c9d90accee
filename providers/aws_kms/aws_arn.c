/* aws_arn.c - KMS key recipients and entries: ARN checks (sops' arnRegex),
 * the recipient string ARN[+ROLE][|CONTEXT[|PROFILE]] and the encryption
 * context. */
#include "aws_kms_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* rest matches [0-9]+:(key|alias)/.+ */
static int tail_ok(const char *r)
{
	const char *p = r;

	while (isdigit((unsigned char)*p))
		p++;
	if (p == r || *p++ != ':')
		return 0;
	if (strncmp(p, "key/", 4) == 0)
		return p[4] != '\0';
	if (strncmp(p, "alias/", 6) == 0)
		return p[6] != '\0';
	return 0;
}

int aws_arn_region(const char *arn, char *region, size_t n, struct sops_err *err)
{
	const char *p = arn, *kms, *best = NULL;

	if (strncmp(p, "arn:aws", 7) != 0)
		goto bad;
	p += 7;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
		p++;
	if (strncmp(p, ":kms:", 5) != 0)
		goto bad;
	kms = p + 5;
	/* (.+) is greedy: the rightmost ':' that leaves a valid tail */
	for (const char *c = kms; *c; c++)     /* kms may be the end */
		if (*c == ':' && tail_ok(c + 1))
			best = c;
	if (best == NULL || best == kms)
		goto bad;
	if ((size_t)(best - kms) >= n)
		goto bad;
	memcpy(region, kms, (size_t)(best - kms));
	region[best - kms] = '\0';
	/* the region names a host: only [a-z0-9-] may reach a URL */
	for (const char *c = region; *c; c++)
		if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '-'))
			return err_set(err, EX_ERROR, "invalid region '%s' in ARN '%s'", region, arn);
	return 0;
bad:
	return err_set(err, EX_ERROR, "no valid ARN found in '%s'", arn);
}

static void strip_spaces(char *s)
{
	char *w = s;

	for (; *s; s++)
		if (*s != ' ')
			*w++ = *s;
	*w = '\0';
}

void aws_target_free(struct aws_target *t)
{
	free(t->arn);
	free(t->role);
	free(t->profile);
	for (size_t i = 0; i < t->nctx; i++) {
		free(t->ctx_k[i]);
		free(t->ctx_v[i]);
	}
	memset(t, 0, sizeof(*t));
}

static int ctx_add(struct aws_target *t, const char *k, size_t kl, const char *v, size_t vl)
{
	size_t i;

	if (t->nctx >= AWS_MAX_CTX)
		return -1;
	t->ctx_k[t->nctx] = strndup(k, kl);
	t->ctx_v[t->nctx] = strndup(v, vl);
	if (t->ctx_k[t->nctx] == NULL || t->ctx_v[t->nctx] == NULL)
		return -1;
	/* keep sorted by key (sops writes the map sorted; duplicates: last wins) */
	for (i = 0; i < t->nctx; i++)
		if (strcmp(t->ctx_k[i], t->ctx_k[t->nctx]) == 0) {
			free(t->ctx_k[i]);
			free(t->ctx_v[i]);
			t->ctx_k[i] = t->ctx_k[t->nctx];
			t->ctx_v[i] = t->ctx_v[t->nctx];
			return 0;
		}
	for (i = t->nctx; i > 0 && strcmp(t->ctx_k[i - 1], t->ctx_k[i]) > 0; i--) {
		char *a = t->ctx_k[i], *b = t->ctx_v[i];

		t->ctx_k[i] = t->ctx_k[i - 1];
		t->ctx_v[i] = t->ctx_v[i - 1];
		t->ctx_k[i - 1] = a;
		t->ctx_v[i - 1] = b;
	}
	t->nctx++;
	return 0;
}

int aws_target_from_recipient(const char *rcp, struct aws_target *t, struct sops_err *err)
{
	const char *bar = strchr(rcp, '|'), *bar2 = NULL;
	char *arn;

	memset(t, 0, sizeof(*t));
	arn = strndup(rcp, bar ? (size_t)(bar - rcp) : strlen(rcp));
	if (arn == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	strip_spaces(arn);
	char *role = strstr(arn, "+arn:");
	if (role != NULL && role > arn) {
		*role = '\0';
		t->role = strdup(role + 1);
	}
	t->arn = arn;
	if (bar != NULL) {
		const char *c = bar + 1;

		bar2 = strchr(c, '|');
		size_t cl = bar2 ? (size_t)(bar2 - c) : strlen(c);
		/* "k1:v1,k2:v2" (ParseKMSContext on a string) */
		while (cl > 0) {
			size_t n = 0;
			const char *colon;

			while (n < cl && c[n] != ',')
				n++;
			colon = memchr(c, ':', n);
			if (colon == NULL || memchr(colon + 1, ':', n - (size_t)(colon + 1 - c)) ||
			    ctx_add(t, c, (size_t)(colon - c), colon + 1,
				    n - (size_t)(colon + 1 - c)) != 0) {
				aws_target_free(t);
				return err_set(err, EX_ERROR, "invalid encryption context in '%s'", rcp);
			}
			c += n;
			cl -= n;
			if (cl > 0) {
				c++;
				cl--;
			}
		}
		if (bar2 != NULL)
			t->profile = strdup(bar2 + 1);
	}
	if (aws_arn_region(t->arn, t->region, sizeof(t->region), err) != 0) {
		aws_target_free(t);
		return -1;
	}
	return 0;
}

int aws_target_from_entry(const struct master_key *mk, struct aws_target *t,
			  struct sops_err *err)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < mk->nfields; i++) {
		const struct mk_field *f = &mk->fields[i];
		char **dst = NULL;

		if (strcmp(f->name, "arn") == 0)
			dst = &t->arn;
		else if (strcmp(f->name, "role") == 0 && f->len > 0)
			dst = &t->role;
		else if (strcmp(f->name, "aws_profile") == 0 && f->len > 0)
			dst = &t->profile;
		else if (strncmp(f->name, "context.", 8) == 0 &&
			 ctx_add(t, f->name + 8, strlen(f->name + 8), f->value, f->len) != 0) {
			aws_target_free(t);
			return err_set(err, EX_ERROR, "out of memory");
		}
		if (dst != NULL && (*dst = strndup(f->value, f->len)) == NULL) {
			aws_target_free(t);
			return err_set(err, EX_ERROR, "out of memory");
		}
	}
	if (t->arn == NULL) {
		aws_target_free(t);
		return err_set(err, EX_ERROR, "no valid ARN found in ''");
	}
	if (aws_arn_region(t->arn, t->region, sizeof(t->region), err) != 0) {
		aws_target_free(t);
		return -1;
	}
	return 0;
}
