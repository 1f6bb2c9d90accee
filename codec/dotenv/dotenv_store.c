/* dotenv_store.c - the dotenv store (stores/dotenv/store.go).
 *
 * Lines split on LF only; `#...` is a comment (text after the '#'); other
 * non-empty lines are KEY=VALUE split at the first '=', nothing trimmed, no
 * quotes, no `export`, the two characters `\n` in a value mean LF. Keys
 * starting with `sops_` are the flattened metadata. Blank lines are no tree
 * items but stay in the text (rendering replaces tokens only).
 */
#include "../core/store.h"
#include "../core/flatten.h"
#include "../core/text_edits.h"

#include <stdlib.h>
#include <string.h>


struct dotenv_line {
	size_t start, next;      /* the line, and where the next one starts */
};

struct dotenv_doc {
	struct dotenv_line *meta;      /* the sops_ lines, in file order */
	size_t nmeta;
};

static int oom(struct sops_err *err)
{
	return err_set(err, EX_ERROR, "out of memory");
}

/* A value as sops loads it: every `\n` (two bytes) becomes LF. */
static int set_value(struct sdoc *doc, struct node *n, const char *s, size_t len,
		     struct buf *tmp)
{
	buf_truncate(tmp, 0);
	for (size_t i = 0; i < len; i++) {
		int rc;

		if (s[i] == '\\' && i + 1 < len && s[i + 1] == 'n') {
			rc = buf_addc(tmp, '\n');
			i++;
		} else {
			rc = buf_addc(tmp, s[i]);
		}
		if (rc != 0)
			return -1;
	}
	return tvalue_set(doc, &n->val, VT_STR, tmp->len ? (char *)tmp->data : "", tmp->len);
}

/* sops quotes the whole line; a line without '=' may be a pasted secret,
 * so we name its number only. */
static int bad_line(const char *text, const char *s, struct sops_err *err)
{
	size_t line = 1;

	for (const char *p = text; p < s; p++)
		line += *p == '\n';
	return err_set(err, EX_COULD_NOT_READ, "invalid dotenv input line: line %zu has no "
		       "'=' (its content is not shown)", line);
}

struct dparse {
	struct sdoc *doc;
	struct node *root;
	struct dotenv_doc *dd;
	struct flat_item *items;
	size_t nitems, capitems;
	struct buf tmp;
	struct sops_err *err;
};

static int add_meta(struct dparse *p, struct node *n, size_t ls, size_t next)
{
	struct dotenv_doc *dd = p->dd;

	if (p->nitems == p->capitems) {
		size_t ncap = p->capitems ? p->capitems * 2 : 16;
		struct flat_item *ni = realloc(p->items, ncap * sizeof(*ni));
		struct dotenv_line *nl;

		if (ni == NULL)
			return oom(p->err);
		p->items = ni;
		if ((nl = pool_alloc(p->doc->pool, ncap * sizeof(*nl))) == NULL)
			return oom(p->err);
		if (dd->nmeta)
			memcpy(nl, dd->meta, dd->nmeta * sizeof(*nl));
		dd->meta = nl;
		p->capitems = ncap;
	}
	p->items[p->nitems].key = n->key + 5;
	p->items[p->nitems].keylen = n->keylen - 5;
	p->items[p->nitems].val = n;
	p->nitems++;
	dd->meta[dd->nmeta].start = ls;
	dd->meta[dd->nmeta].next = next;
	dd->nmeta++;
	return 0;
}

static int parse_line(struct dparse *p, size_t ls, size_t le, size_t next, int line)
{
	const char *t = p->doc->text;
	const char *eq;
	struct node *n;

	if (t[ls] == '#') {
		if ((n = node_new(p->doc, NK_COMMENT)) == NULL ||
		    tvalue_set(p->doc, &n->val, VT_STR, t + ls + 1, le - ls - 1) != 0)
			return oom(p->err);
		n->start = ls + 1;
	} else {
		if ((eq = memchr(t + ls, '=', le - ls)) == NULL)
			return bad_line(t, t + ls, p->err);
		if ((n = node_new(p->doc, NK_SCALAR)) == NULL ||
		    (n->key = pool_strndup(p->doc->pool, t + ls, (size_t)(eq - t) - ls)) == NULL ||
		    set_value(p->doc, n, eq + 1, (size_t)(t + le - eq - 1), &p->tmp) != 0)
			return oom(p->err);
		n->keylen = (size_t)(eq - t) - ls;
		n->start = (size_t)(eq - t) + 1;
	}
	n->end = le;
	n->line = line;
	if (n->kind == NK_SCALAR && n->keylen >= 5 && memcmp(n->key, "sops_", 5) == 0)
		return add_meta(p, n, ls, next);
	return node_add_kid(p->doc, p->root, n) == 0 ? 0 : oom(p->err);
}

static int parse_lines(struct dparse *p)
{
	const char *t = p->doc->text;
	size_t len = p->doc->len, ls = 0;
	int line = 1;

	while (ls < len) {
		const char *nl = memchr(t + ls, '\n', len - ls);
		size_t le = nl ? (size_t)(nl - t) : len;
		size_t next = nl ? le + 1 : len;

		if (le > ls && parse_line(p, ls, le, next, line) != 0)
			return -1;
		ls = next;
		line++;
	}
	return 0;
}

static int dotenv_parse(struct sdoc *doc, enum parse_mode mode, struct sops_err *err)
{
	struct dparse p = { doc, NULL, NULL, NULL, 0, 0, BUF_INIT_SECURE, err };
	int rc = -1;

	p.root = node_new(doc, NK_MAP);
	p.dd = pool_alloc(doc->pool, sizeof(*p.dd));
	doc->branches = pool_alloc(doc->pool, sizeof(*doc->branches));
	if (p.root == NULL || p.dd == NULL || doc->branches == NULL) {
		oom(err);
		goto out;
	}
	doc->priv = p.dd;
	doc->branches[0] = p.root;
	doc->nbranches = 1;
	if (parse_lines(&p) != 0)
		goto out;
	if (p.nitems > 0 && flat_unflatten(doc, p.items, p.nitems, &doc->meta, err) != 0) {
		/* New plaintext with sops_ keys: the codec refuses it anyway. */
		if (mode != PARSE_PLAIN || (doc->meta = node_new(doc, NK_MAP)) == NULL)
			goto out;
	}
	if (sdoc_index_leaves(doc) != 0) {
		oom(err);
		goto out;
	}
	rc = 0;
out:
	free(p.items);
	buf_free(&p.tmp);
	return rc;
}

/* A value as dotenv_store.EmitPlainFile writes it. */
static int put_value(struct buf *b, const struct tvalue *v)
{
	if (v->type != VT_STR)
		return flat_val_to_string(b, v);
	for (size_t i = 0; i < v->len; i++)
		if (v->s[i] == '\n' ? buf_add(b, "\\n", 2) : buf_addc(b, v->s[i]))
			return -1;
	return 0;
}

static int put_leaves(const struct sdoc *doc, const struct rep *reps, struct text_edits *ed)
{
	for (size_t i = 0; i < doc->nleaves; i++) {
		const struct node *n = doc->leaves[i];
		const struct rep *r = &reps[i];
		struct buf *b;
		int rc;

		if (r->kind == REP_KEEP || (n->flags & NODE_VIA_ALIAS))
			continue;
		b = tedits_begin(ed, n->start, n->end);
		if (r->kind == REP_ENC)
			rc = buf_add(b, r->enc, r->enc_len);
		else if (n->kind == NK_COMMENT)
			rc = buf_add(b, r->val.s, r->val.len);   /* raw, like sops */
		else
			rc = put_value(b, &r->val);
		if (rc != 0 || tedits_end(ed) != 0)
			return -1;
	}
	return 0;
}

static int dotenv_render(const struct sdoc *doc, const struct rep *reps, const char *meta,
			 size_t meta_len, struct buf *out, struct sops_err *err)
{
	const struct dotenv_doc *dd = doc->priv;
	struct text_edits ed;
	int rc = -1;

	tedits_init(&ed);
	if (put_leaves(doc, reps, &ed) != 0) {
		oom(err);
		goto out;
	}
	for (size_t i = 0; i < dd->nmeta; i++)
		if (tedits_cut(&ed, dd->meta[i].start, dd->meta[i].next) != 0) {
			oom(err);
			goto out;
		}
	if (tedits_apply(&ed, doc->text, 0, doc->len, out, err) != 0)
		goto out;
	rc = 0;
	if (meta != NULL) {
		if (out->len > 0 && out->data[out->len - 1] != '\n' && buf_addc(out, '\n') != 0)
			rc = oom(err);
		if (rc == 0 && buf_add(out, meta, meta_len) != 0)
			rc = oom(err);
	}
out:
	tedits_free(&ed);
	return rc;
}

static int dotenv_meta_extract(const struct sdoc *doc, const struct meta_patch *patches,
			       size_t npatches, struct buf *out, struct sops_err *err)
{
	const struct dotenv_doc *dd = doc->priv;
	struct text_edits ed;
	int rc = 0;

	if (doc->meta == NULL || dd->nmeta == 0)
		return err_set(err, EX_ERROR, "sops metadata not found");
	tedits_init(&ed);
	for (size_t i = 0; i < npatches && rc == 0; i++) {
		const struct node *n = patches[i].n;
		struct tvalue v = { .type = VT_STR, .s = patches[i].value, .len = patches[i].len };
		struct buf *b = tedits_begin(&ed, n->start, n->end);

		if (put_value(b, &v) != 0 || tedits_end(&ed) != 0)
			rc = oom(err);
	}
	for (size_t i = 0; i < dd->nmeta && rc == 0; i++) {
		const struct dotenv_line *l = &dd->meta[i];

		rc = tedits_apply(&ed, doc->text, l->start, l->next, out, err);
		if (rc == 0 && (out->len == 0 || out->data[out->len - 1] != '\n') &&
		    buf_addc(out, '\n') != 0)
			rc = oom(err);
	}
	tedits_free(&ed);
	return rc;
}

static int emit_line(void *arg, const char *key, size_t keylen, const struct node *val,
		     struct sops_err *err)
{
	struct buf *out = arg;

	if (buf_add(out, key, keylen) != 0 || buf_addc(out, '=') != 0 ||
	    put_value(out, &val->val) != 0 || buf_addc(out, '\n') != 0)
		return oom(err);
	return 0;
}

static int dotenv_meta_emit(const struct node *meta, struct buf *out, struct sops_err *err)
{
	return flat_flatten(meta, "sops_", emit_line, out, err);
}

const struct store_ops dotenv_store = {
	.name = "dotenv",
	.parse = dotenv_parse,
	.render = dotenv_render,
	.meta_extract = dotenv_meta_extract,
	.meta_emit = dotenv_meta_emit,
	.free_priv = NULL,
};
