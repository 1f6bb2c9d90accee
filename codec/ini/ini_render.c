/* ini_render.c - the INI store: render by token replacement, metadata.
 *
 * Values are written as ini.v1 writes them (sops' INI output), comments as
 * `; text`; the [sops] section is cut from the view. Encrypting appends the
 * [sops] section after a blank line, as the last section, like sops.
 */
#include "ini_doc.h"
#include "../core/flatten.h"
#include "../core/text_edits.h"

#include <stdlib.h>
#include <string.h>

static int oom(struct sops_err *err)
{
	return err_set(err, EX_ERROR, "out of memory");
}

/* A comment whose text can simply replace the old text after "; ". */
static int simple_comment(const char *s, size_t n)
{
	return n > 0 && memchr(s, '\n', n) == NULL && s[0] != ';' && s[0] != '#' &&
	       ini_trim_left(s, 0, n) == 0 && ini_trim_right(s, 0, n) == n;
}

/* ini.v1 writeToBuffer's comment lines (without the final LF). */
static int put_comment_lines(struct buf *b, const char *s, size_t n, int of_section)
{
	size_t a = 0;
	int rc = 0;

	while (rc == 0) {
		const char *nl = memchr(s + a, '\n', n - a);
		size_t e = nl ? (size_t)(nl - s) : n;

		if (a > 0 && buf_addc(b, '\n') != 0)
			return -1;
		if (e == a) {
			rc = buf_addc(b, ';');     /* ini.v1 would panic here */
		} else if (s[a] != '#' && s[a] != ';') {
			size_t x = of_section ? a : ini_trim_left(s, a, e);
			size_t y = of_section ? e : ini_trim_right(s, x, e);

			rc = buf_add(b, "; ", 2) || buf_add(b, s + x, y - x);
		} else {
			size_t x = ini_trim_left(s, a + 1, e), y = ini_trim_right(s, x, e);

			rc = buf_addc(b, s[a]) || buf_addc(b, ' ') || buf_add(b, s + x, y - x);
		}
		if (nl == NULL)
			break;
		a = e + 1;
	}
	return rc;
}

static int cut_piece(struct text_edits *ed, const char *t, const struct ini_piece *pc)
{
	size_t s = pc->marker;

	if (!pc->is_inline)
		return tedits_cut(ed, pc->line_start, pc->line_next);
	while (s > pc->line_start && (t[s - 1] == ' ' || t[s - 1] == '\t'))
		s--;
	return tedits_cut(ed, s, pc->end);
}

static int put_comment(const struct sdoc *doc, const struct node *n, const struct rep *r,
		       struct text_edits *ed)
{
	const struct ini_doc *id = doc->priv;
	const struct ini_comment *ic = &id->comments[n->aux];
	const struct ini_piece *first = &ic->pieces[0];
	const char *s = r->val.s;
	size_t len = r->val.len;
	struct buf *b;

	for (size_t k = 1; k < ic->npieces; k++)
		if (cut_piece(ed, doc->text, &ic->pieces[k]) != 0)
			return -1;
	if (r->kind == REP_ENC)
		return tedits_put(ed, n->start, n->end, r->enc, r->enc_len);
	if (simple_comment(s, len))
		return tedits_put(ed, n->start, n->end, s, len);
	if (!first->is_inline) {
		b = tedits_begin(ed, first->marker, first->end);
		if (put_comment_lines(b, s, len, ic->of_section) != 0)
			return -1;
		return tedits_end(ed);
	}
	/* an inline comment that needs lines of its own goes before its owner */
	if (cut_piece(ed, doc->text, first) != 0)
		return -1;
	b = tedits_begin(ed, ic->owner_line, ic->owner_line);
	if (put_comment_lines(b, s, len, ic->of_section) != 0 || buf_addc(b, '\n') != 0)
		return -1;
	return tedits_end(ed);
}

static int put_scalar(const struct node *n, const struct rep *r, struct text_edits *ed)
{
	struct buf *b;
	int rc;

	if (r->kind == REP_ENC)
		return tedits_put(ed, n->start, n->end, r->enc, r->enc_len);
	b = tedits_begin(ed, n->start, n->end);
	if (r->val.type == VT_STR) {
		rc = ini_put_value(b, r->val.s, r->val.len);
	} else {
		struct buf s = BUF_INIT_SECURE;

		rc = flat_val_to_string(&s, &r->val);
		if (rc == 0)
			rc = ini_put_value(b, s.len ? (char *)s.data : "", s.len);
		buf_free(&s);
	}
	return rc == 0 ? tedits_end(ed) : -1;
}

static int put_leaves(const struct sdoc *doc, const struct rep *reps, struct text_edits *ed)
{
	for (size_t i = 0; i < doc->nleaves; i++) {
		const struct node *n = doc->leaves[i];
		const struct rep *r = &reps[i];
		int rc;

		if (r->kind == REP_KEEP || (n->flags & NODE_VIA_ALIAS))
			continue;
		if (n->kind == NK_COMMENT)
			rc = put_comment(doc, n, r, ed);
		else
			rc = put_scalar(n, r, ed);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* sops writes a blank line between sections; [sops] is the last one. */
static int append_meta(struct buf *out, const char *meta, size_t meta_len)
{
	size_t k = 0;

	while (k < out->len && strchr(" \t\r\n", out->data[k]) != NULL && out->data[k] != 0)
		k++;
	if (k == out->len) {
		buf_truncate(out, 0);
	} else {
		if (out->data[out->len - 1] != '\n' && buf_addc(out, '\n') != 0)
			return -1;
		if ((out->len < 2 || out->data[out->len - 2] != '\n') && buf_addc(out, '\n') != 0)
			return -1;
	}
	return buf_add(out, meta, meta_len);
}

static int ini_render(const struct sdoc *doc, const struct rep *reps, const char *meta,
		      size_t meta_len, struct buf *out, struct sops_err *err)
{
	const struct ini_doc *id = doc->priv;
	struct text_edits ed;
	int rc = -1;

	tedits_init(&ed);
	if (put_leaves(doc, reps, &ed) != 0) {
		oom(err);
		goto out;
	}
	for (size_t i = 0; i < id->nsops; i++)
		if (tedits_cut(&ed, id->sops_cuts[i].start, id->sops_cuts[i].end) != 0) {
			oom(err);
			goto out;
		}
	/* text sops does not load must not stay behind in clear */
	for (size_t i = 0; meta != NULL && i < id->ndropped; i++)
		if (tedits_cut(&ed, id->dropped[i].start, id->dropped[i].end) != 0) {
			oom(err);
			goto out;
		}
	if (tedits_apply(&ed, doc->text, 0, doc->len, out, err) != 0)
		goto out;
	rc = 0;
	if (meta != NULL && append_meta(out, meta, meta_len) != 0)
		rc = oom(err);
out:
	tedits_free(&ed);
	return rc;
}

/* A metadata string as the [sops] section holds it: LF as `\n`, quoted. */
static int put_meta_value(struct buf *out, const struct tvalue *v)
{
	struct buf s = BUF_INIT;
	int rc = flat_val_to_string(&s, v);

	for (size_t i = 0; rc == 0 && v->type == VT_STR && i < s.len; i++)
		if (s.data[i] == '\n') {
			struct buf e = BUF_INIT;

			for (size_t k = 0; rc == 0 && k < s.len; k++)
				rc = s.data[k] == '\n' ? buf_add(&e, "\\n", 2) : buf_addc(&e, s.data[k]);
			buf_free(&s);
			s = e;
			break;
		}
	if (rc == 0)
		rc = ini_put_value(out, s.len ? (char *)s.data : "", s.len);
	buf_free(&s);
	return rc;
}

static int ini_meta_extract(const struct sdoc *doc, const struct meta_patch *patches,
			    size_t npatches, struct buf *out, struct sops_err *err)
{
	const struct ini_doc *id = doc->priv;
	struct text_edits ed;
	int rc = 0;

	if (doc->meta == NULL || id->nsops == 0)
		return err_set(err, EX_ERROR, "sops metadata not found");
	tedits_init(&ed);
	for (size_t i = 0; i < npatches && rc == 0; i++) {
		struct tvalue v = { .type = VT_STR, .s = patches[i].value, .len = patches[i].len };
		struct buf *b = tedits_begin(&ed, patches[i].n->start, patches[i].n->end);

		if (put_meta_value(b, &v) != 0 || tedits_end(&ed) != 0)
			rc = oom(err);
	}
	if (rc == 0)
		rc = tedits_apply(&ed, doc->text, id->meta_text.start, id->meta_text.end, out, err);
	if (rc == 0 && (out->len == 0 || out->data[out->len - 1] != '\n') && buf_addc(out, '\n'))
		rc = oom(err);
	tedits_free(&ed);
	return rc;
}

struct mline {
	char *key;               /* flattened key (not secret) */
	size_t keylen;
	const struct node *val;
};

struct meta_lines {
	struct mline *v;
	size_t n, cap;
};

static int collect(void *arg, const char *key, size_t keylen, const struct node *val,
		   struct sops_err *err)
{
	struct meta_lines *m = arg;

	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 32;
		struct mline *nv = realloc(m->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return oom(err);
		m->v = nv;
		m->cap = ncap;
	}
	if ((m->v[m->n].key = malloc(keylen + 1)) == NULL)
		return oom(err);
	memcpy(m->v[m->n].key, key, keylen);
	m->v[m->n].key[keylen] = '\0';
	m->v[m->n].keylen = keylen;
	m->v[m->n].val = val;
	m->n++;
	return 0;
}

/* ini.v1 quotes a key holding '"', '=' or ':' in backticks, a key holding
 * a backtick in triple quotes. */
static size_t key_quote(const char *k, size_t n, const char **q)
{
	if (memchr(k, '"', n) || memchr(k, '=', n) || memchr(k, ':', n)) {
		*q = "`";
		return 1;
	}
	*q = memchr(k, '`', n) ? "\"\"\"" : "";
	return strlen(*q);
}

static int write_lines(const struct meta_lines *m, struct buf *out)
{
	size_t align = 0;
	int rc = buf_adds(out, "[sops]\n");

	for (size_t i = 0; i < m->n; i++) {
		const char *q;
		size_t w = m->v[i].keylen + 2 * key_quote(m->v[i].key, m->v[i].keylen, &q);

		if (w > align)
			align = w;
	}
	for (size_t i = 0; i < m->n && rc == 0; i++) {
		const struct mline *l = &m->v[i];
		const char *q;
		size_t ql = key_quote(l->key, l->keylen, &q);

		rc = buf_add(out, q, ql) || buf_add(out, l->key, l->keylen) || buf_add(out, q, ql);
		for (size_t w = l->keylen + 2 * ql; w < align && rc == 0; w++)
			rc = buf_addc(out, ' ');
		if (rc == 0)
			rc = buf_add(out, " = ", 3) || put_meta_value(out, &l->val->val) ||
			     buf_addc(out, '\n');
	}
	return rc;
}

static int ini_meta_emit(const struct node *meta, struct buf *out, struct sops_err *err)
{
	struct meta_lines m = { NULL, 0, 0 };
	int rc = flat_flatten(meta, "", collect, &m, err);

	if (rc == 0 && write_lines(&m, out) != 0)
		rc = oom(err);
	for (size_t i = 0; i < m.n; i++)
		free(m.v[i].key);
	free(m.v);
	return rc;
}

const struct store_ops ini_store = {
	.name = "ini",
	.parse = ini_parse,
	.render = ini_render,
	.meta_extract = ini_meta_extract,
	.meta_emit = ini_meta_emit,
	.free_priv = ini_free_priv,
};
