/* flatten.c - sops' Flatten/Unflatten of the metadata tree (flatten.h). */
#include "flatten.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLAT_MAX_TOKENS 64      /* nesting of one key (sops needs 5) */
#define FLAT_MAX_ITEMS 4096     /* metadata entries of one file */

static const char map_sep[] = "__map_";
static const char list_sep[] = "__list_";

struct ftok {
	int is_list;
	const char *s;          /* map key */
	size_t len;
	long long pos;          /* list index */
};

/* A trie of the flattened keys (stores/flatten.go `node`). */
struct uf {
	struct node *value;
	struct ufkid *kids;
	size_t nkids, cap;
	int nmap, nlist;
};

struct ufkid {
	struct ftok t;
	struct uf *child;
};

/* strconv.Atoi as flatten.go uses it: errors give 0, overflow saturates. */
static long long go_atoi(const char *s, size_t n)
{
	size_t i = 0;
	int neg = 0;
	long long v = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == n)
		return 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (v > (0x7fffffffffffffffLL - (s[i] - '0')) / 10)
			return neg ? -0x7fffffffffffffffLL : 0x7fffffffffffffffLL;
		v = v * 10 + (s[i] - '0');
	}
	return neg ? -v : v;
}

static int has(const char *s, size_t n, const char *sep, size_t seplen)
{
	return n >= seplen && memcmp(s, sep, seplen) == 0;
}

/* flatten.go tokenize. Returns the number of tokens or -1 (too many). */
static int tokenize(const char *k, size_t n, struct ftok *toks)
{
	size_t i = 0, last = 0, skip = 0;
	int nt = 0, list = 0;

	for (;;) {
		int at_end = i >= n;
		int m = !at_end && has(k + i, n - i, map_sep, 6);
		int l = !at_end && !m && has(k + i, n - i, list_sep, 7);

		if (!at_end && !m && !l) {
			i++;
			continue;
		}
		if (nt == FLAT_MAX_TOKENS)
			return -1;
		toks[nt].is_list = list;
		toks[nt].s = k + last + skip;
		toks[nt].len = i - last - skip;
		toks[nt].pos = list ? go_atoi(toks[nt].s, toks[nt].len) : 0;
		nt++;
		if (at_end)
			return nt;
		last = i;
		list = l;
		skip = m ? 6 : 7;
		i += skip;
	}
}

static void uf_free(struct uf *u)
{
	if (u == NULL)
		return;
	for (size_t i = 0; i < u->nkids; i++)
		uf_free(u->kids[i].child);
	free(u->kids);
	free(u);
}

static struct uf *uf_child(struct uf *u, const struct ftok *t)
{
	struct ufkid *k;

	for (size_t i = 0; i < u->nkids; i++) {
		k = &u->kids[i];
		if (k->t.is_list != t->is_list)
			continue;
		if (t->is_list ? k->t.pos == t->pos
			       : (k->t.len == t->len && memcmp(k->t.s, t->s, t->len) == 0))
			return k->child;
	}
	if (u->nkids == u->cap) {
		size_t ncap = u->cap ? u->cap * 2 : 4;
		struct ufkid *nk = realloc(u->kids, ncap * sizeof(*nk));

		if (nk == NULL)
			return NULL;
		u->kids = nk;
		u->cap = ncap;
	}
	k = &u->kids[u->nkids];
	k->t = *t;
	k->child = calloc(1, sizeof(struct uf));
	if (k->child == NULL)
		return NULL;
	u->nkids++;
	if (t->is_list)
		u->nlist++;
	else
		u->nmap++;
	return k->child;
}

/* Go's %q for a key (keys are not secret). */
static void quote_key(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < n && o + 6 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static int place(struct uf *root, const struct flat_item *it, struct sops_err *err)
{
	struct ftok toks[FLAT_MAX_TOKENS];
	int nt = tokenize(it->key, it->keylen, toks);
	char q[256];

	quote_key(it->key, it->keylen, q, sizeof(q));
	if (nt < 0)
		return err_set(err, EX_ERROR, "Error while unflattening %s: key nested too deeply", q);
	for (int i = 0; i < nt; i++)
		if ((root = uf_child(root, &toks[i])) == NULL)
			return err_set(err, EX_ERROR, "out of memory");
	if (root->value != NULL)
		return err_set(err, EX_ERROR, "Error while unflattening %s: Duplicate value", q);
	root->value = it->val;
	return 0;
}

static int cmp_kid(const void *a, const void *b)
{
	const struct ufkid *x = a, *y = b;
	size_t n = x->t.len < y->t.len ? x->t.len : y->t.len;
	int c;

	if (x->t.is_list)
		return x->t.pos < y->t.pos ? -1 : (x->t.pos > y->t.pos);
	c = memcmp(x->t.s, y->t.s, n);
	if (c != 0)
		return c;
	return x->t.len < y->t.len ? -1 : (x->t.len > y->t.len);
}

static struct node *convert(struct sdoc *doc, struct uf *u, struct sops_err *err)
{
	struct node *n;

	if ((u->value != NULL) + (u->nmap > 0) + (u->nlist > 0) > 1) {
		err_set(err, EX_ERROR, "Error while unflattening: Type mismatch");
		return NULL;
	}
	if (u->value != NULL)
		return u->value;
	if (u->nkids > 1)   /* kids is NULL when empty: qsort needs a pointer */
		qsort(u->kids, u->nkids, sizeof(*u->kids), cmp_kid);
	if (u->nlist > 0 && (u->kids[0].t.pos != 0 ||
			     u->kids[u->nkids - 1].t.pos != (long long)u->nkids - 1)) {
		err_set(err, EX_ERROR, "Error while unflattening: Incomplete list");
		return NULL;
	}
	if ((n = node_new(doc, u->nlist > 0 ? NK_LIST : NK_MAP)) == NULL)
		goto oom;
	n->flags |= NODE_SYNTH;
	for (size_t i = 0; i < u->nkids; i++) {
		struct node *c = convert(doc, u->kids[i].child, err);

		if (c == NULL)
			return NULL;
		if (u->nmap > 0) {
			c->key = pool_strndup(doc->pool, u->kids[i].t.s, u->kids[i].t.len);
			c->keylen = u->kids[i].t.len;
			if (c->key == NULL)
				goto oom;
		} else {
			c->key = NULL;
			c->keylen = 0;
		}
		if (node_add_kid(doc, n, c) != 0)
			goto oom;
	}
	return n;
oom:
	err_set(err, EX_ERROR, "out of memory");
	return NULL;
}

int flat_unflatten(struct sdoc *doc, const struct flat_item *items, size_t n,
		   struct node **out, struct sops_err *err)
{
	struct uf *root = calloc(1, sizeof(*root));
	int rc = -1;

	*out = NULL;
	if (root == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	if (n > FLAT_MAX_ITEMS) {
		err_set(err, EX_ERROR, "Error while unflattening: too many metadata entries");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (place(root, &items[i], err) != 0)
			goto done;
	/* The root is a mapping even when a key tokenizes to a bare list. */
	if (root->value != NULL || root->nlist > 0) {
		err_set(err, EX_ERROR, "Internal error: cannot find root");
		goto done;
	}
	if ((*out = convert(doc, root, err)) != NULL)
		rc = 0;
done:
	uf_free(root);
	return rc;
}

struct flatten {
	struct buf key;
	char **seen;
	size_t nseen;
	flat_fn fn;
	void *arg;
	struct sops_err *err;
};

static int emit(struct flatten *f, const struct node *v)
{
	char **ns;
	char q[256];

	for (size_t i = 0; i < f->nseen; i++)
		if (strcmp(f->seen[i], (char *)f->key.data) == 0) {
			quote_key((char *)f->key.data, f->key.len, q, sizeof(q));
			return err_set(f->err, EX_ERROR, "Error while flattening metadata: "
				       "Found key collision %s while flattening", q);
		}
	ns = realloc(f->seen, (f->nseen + 1) * sizeof(*ns));
	if (ns == NULL)
		return err_set(f->err, EX_ERROR, "out of memory");
	f->seen = ns;
	if ((f->seen[f->nseen] = strdup((char *)f->key.data)) == NULL)
		return err_set(f->err, EX_ERROR, "out of memory");
	f->nseen++;
	return f->fn(f->arg, (char *)f->key.data, f->key.len, v, f->err);
}

static int descend(struct flatten *f, const struct node *v, int depth)
{
	size_t base = f->key.len;
	long idx = 0;

	if (v->kind == NK_SCALAR)
		return emit(f, v);
	if (depth > FLAT_MAX_TOKENS)
		return err_set(f->err, EX_ERROR, "metadata nested too deeply");
	for (size_t i = 0; i < v->nkids; i++) {
		const struct node *k = v->kids[i];
		int rc;

		if (k->kind == NK_COMMENT || (k->kind == NK_SCALAR && k->val.type == VT_COMMENT))
			continue;
		if (v->kind == NK_MAP)
			rc = buf_add(&f->key, k->key ? k->key : "", k->keylen);
		else
			rc = buf_printf(&f->key, "%ld", idx++);
		if (rc != 0)
			return err_set(f->err, EX_ERROR, "out of memory");
		if (k->kind != NK_SCALAR &&
		    buf_adds(&f->key, k->kind == NK_MAP ? map_sep : list_sep) != 0)
			return err_set(f->err, EX_ERROR, "out of memory");
		if (descend(f, k, depth + 1) != 0)
			return -1;
		buf_truncate(&f->key, base);
	}
	return 0;
}

int flat_flatten(const struct node *meta, const char *prefix, flat_fn fn, void *arg,
		 struct sops_err *err)
{
	struct flatten f = { BUF_INIT, NULL, 0, fn, arg, err };
	int rc;

	if (buf_adds(&f.key, prefix ? prefix : "") != 0)
		return err_set(err, EX_ERROR, "out of memory");
	rc = descend(&f, meta, 0);
	for (size_t i = 0; i < f.nseen; i++)
		free(f.seen[i]);
	free(f.seen);
	buf_free(&f.key);
	return rc;
}

static int put_bytes_go(struct buf *out, const struct tvalue *v)
{
	int rc = buf_addc(out, '[');

	for (size_t i = 0; i < v->len && rc == 0; i++)
		rc = buf_printf(out, i ? " %u" : "%u", (unsigned char)v->s[i]);
	return rc == 0 ? buf_addc(out, ']') : -1;
}

int flat_val_to_string(struct buf *out, const struct tvalue *v)
{
	switch (v->type) {
	case VT_INT:
	case VT_STR:
	case VT_COMMENT:
		return buf_add(out, v->s, v->len);
	case VT_FLOAT:
		return go_format_float_dotenv(out, v->f);
	case VT_BOOL:
		return buf_adds(out, v->b ? "true" : "false");
	case VT_TIME:
		return go_format_rfc3339(out, &v->t);
	case VT_NULL:
		return buf_adds(out, "<nil>");
	case VT_BYTES:
		return put_bytes_go(out, v);
	default:
		return buf_add(out, v->s, v->len);
	}
}
