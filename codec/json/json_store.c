/* json_store.c - the JSON store: render by token replacement, metadata.
 *
 * The decrypted view is the file's own text with each value token replaced
 * by its plaintext written like Go's json.Marshal and the top-level "sops"
 * member cut out (with the comma before it). Encrypting puts ENC[...] strings
 * in place and the "sops" member back as the last member, indented like the
 * file's other members (sops writes TABs).
 */
#include "json_doc.h"
#include "json_write.h"
#include "../core/text_edits.h"

#include <stdlib.h>
#include <string.h>

static int oom(struct sops_err *err)
{
	return err_set(err, EX_ERROR, "out of memory");
}

/* A list element sops would skip: a decrypted comment (only YAML makes them). */
static int dropped(const struct node *n, const struct rep *reps)
{
	return n->kind == NK_SCALAR && n->id >= 0 && !(n->flags & NODE_VIA_ALIAS) &&
	       reps[n->id].kind == REP_PLAIN && reps[n->id].val.type == VT_COMMENT &&
	       n->parent != NULL && n->parent->kind == NK_LIST;
}

/* Cut list element n together with the comma that separates it. */
static int drop_element(const struct node *n, const struct rep *reps, struct text_edits *ed)
{
	const struct node *list = n->parent, *prev = NULL, *next = NULL;
	size_t i = 0;

	while (i < list->nkids && list->kids[i] != n)
		i++;
	for (size_t j = i; j-- > 0 && prev == NULL;)
		if (!dropped(list->kids[j], reps))
			prev = list->kids[j];
	for (size_t j = i + 1; j < list->nkids && next == NULL; j++)
		if (!dropped(list->kids[j], reps))
			next = list->kids[j];
	if (prev != NULL)
		return tedits_cut(ed, prev->end, n->end);
	if (next != NULL)
		return tedits_cut(ed, n->start, next->start);
	return tedits_cut(ed, list->kids[0]->start, list->kids[list->nkids - 1]->end);
}

static int put_leaves(const struct sdoc *doc, const struct rep *reps, struct text_edits *ed,
		      struct sops_err *err)
{
	for (size_t i = 0; i < doc->nleaves; i++) {
		const struct node *n = doc->leaves[i];
		const struct rep *r = &reps[i];
		struct buf *b;

		if ((n->flags & NODE_VIA_ALIAS) || n->kind != NK_SCALAR || r->kind == REP_KEEP)
			continue;
		if (dropped(n, reps)) {
			if (drop_element(n, reps, ed) != 0)
				return oom(err);
			continue;
		}
		b = tedits_begin(ed, n->start, n->end);
		if (r->kind == REP_ENC) {
			if (json_put_string(b, r->enc, r->enc_len) != 0)
				return oom(err);
		} else if (json_put_value(b, &r->val, err) != 0) {
			return -1;
		}
		if (tedits_end(ed) != 0)
			return oom(err);
	}
	return 0;
}

void json_meta_unit(const char *meta, size_t len, const char **unit, size_t *ulen)
{
	if (json_detect_unit(meta, len, 2, unit, ulen) != 0) {
		*unit = "\t";
		*ulen = 1;
	}
}

/* Indentation of the top object's members: the whitespace before the first
 * key when it starts a line. Returns 0 (found) or -1 (compact object). */
static int member_indent(const struct sdoc *doc, const struct json_doc *jd,
			 size_t *from, size_t *to)
{
	size_t k = jd->members[0]->key_start, s = k;

	while (s > jd->open + 1 && (doc->text[s - 1] == ' ' || doc->text[s - 1] == '\t'))
		s--;
	if (s <= jd->open + 1 || doc->text[s - 1] != '\n')
		return -1;
	*from = s;
	*to = k;
	return 0;
}

static int insert_meta(const struct sdoc *doc, const struct json_doc *jd, size_t at,
		       const char *meta, size_t meta_len, struct text_edits *ed,
		       struct sops_err *err)
{
	const char *unit, *mu;
	size_t ulen, mulen, from, to;
	struct buf *b = tedits_begin(ed, at, at);
	int rc;

	json_meta_unit(meta, meta_len, &mu, &mulen);
	if (member_indent(doc, jd, &from, &to) == 0) {
		unit = doc->text + from;
		ulen = to - from;
		if (buf_add(b, ",\n", 2) || buf_add(b, unit, ulen))
			return oom(err);
		if (ulen == mulen && memcmp(unit, mu, ulen) == 0)
			rc = buf_add(b, meta, meta_len) == 0 ? 0 : oom(err);
		else
			rc = json_reindent(b, meta, meta_len, 1, unit, ulen, err);
	} else {
		size_t k = at;

		while (k < jd->close && (doc->text[k] == ' ' || doc->text[k] == '\t'))
			k++;
		rc = buf_add(b, ",\n", 2) || buf_add(b, mu, mulen) || buf_add(b, meta, meta_len);
		if (rc == 0 && doc->text[k] != '\n')
			rc = buf_addc(b, '\n');
		rc = rc == 0 ? 0 : oom(err);
	}
	if (rc == 0 && tedits_end(ed) != 0)
		rc = oom(err);
	return rc;
}

/* Cut every "sops" member (and its separator); put meta in when given. */
static int put_members(const struct sdoc *doc, const struct json_doc *jd, const char *meta,
		       size_t meta_len, struct text_edits *ed, struct sops_err *err)
{
	const struct json_member *last = NULL;
	size_t i = 0, end = 0, from, to;

	for (size_t k = 0; k < jd->nmembers; k++)
		if (!jd->members[k]->is_sops)
			last = jd->members[k];
	if (last == NULL) {
		const char *mu;
		size_t mulen;
		struct buf *b;

		if (meta == NULL)
			return jd->nmembers == 0 ? 0 : tedits_cut(ed, jd->open + 1, jd->close);
		json_meta_unit(meta, meta_len, &mu, &mulen);
		b = tedits_begin(ed, jd->open + 1, jd->close);
		if (buf_addc(b, '\n') || buf_add(b, mu, mulen) || buf_add(b, meta, meta_len) ||
		    buf_addc(b, '\n') || tedits_end(ed))
			return oom(err);
		return 0;
	}
	while (i < jd->nmembers) {
		size_t j = i;

		if (!jd->members[i]->is_sops) {
			i++;
			continue;
		}
		while (j < jd->nmembers && jd->members[j]->is_sops)
			j++;
		if (i > 0)
			end = jd->members[j - 1]->val_end;
		/* compact object: the line break insert_meta put before '}' too */
		if (i > 0 && j == jd->nmembers && member_indent(doc, jd, &from, &to) != 0)
			end = jd->close;
		if (i > 0 ? tedits_cut(ed, jd->members[i - 1]->val_end, end)
			  : tedits_cut(ed, jd->members[i]->key_start, jd->members[j]->key_start))
			return oom(err);
		i = j;
	}
	return meta == NULL ? 0 : insert_meta(doc, jd, last->val_end, meta, meta_len, ed, err);
}

/* sops prints exactly one newline after the top object (json.Decoder
 * ignores whatever follows it; files of sops < 3.7 have no final newline). */
static int put_tail(const struct sdoc *doc, const struct json_doc *jd, struct text_edits *ed)
{
	size_t from = jd->close + 1;

	if (doc->len - from == 1 && doc->text[from] == '\n')
		return 0;
	return tedits_put(ed, from, doc->len, "\n", 1);
}

int json_render_doc(const struct sdoc *doc, const struct rep *reps, const char *meta,
		    size_t meta_len, struct buf *out, struct sops_err *err)
{
	const struct json_doc *jd = doc->priv;
	struct text_edits ed;
	int rc = -1;

	tedits_init(&ed);
	if (put_leaves(doc, reps, &ed, err) != 0 ||
	    put_members(doc, jd, meta, meta_len, &ed, err) != 0)
		goto out;
	if (put_tail(doc, jd, &ed) != 0) {
		oom(err);
		goto out;
	}
	rc = tedits_apply(&ed, doc->text, 0, doc->len, out, err);
out:
	tedits_free(&ed);
	return rc;
}

int json_meta_extract(const struct sdoc *doc, const struct meta_patch *patches,
		      size_t npatches, struct buf *out, struct sops_err *err)
{
	const struct json_doc *jd = doc->priv;
	const struct json_member *m = NULL;
	struct text_edits ed;
	int rc = -1;

	for (size_t k = 0; k < jd->nmembers && m == NULL; k++)
		if (jd->members[k]->n == doc->meta)
			m = jd->members[k];
	if (m == NULL)
		return err_set(err, EX_ERROR, "sops metadata not found");
	tedits_init(&ed);
	for (size_t i = 0; i < npatches; i++) {
		const struct node *n = patches[i].n;
		struct buf *b = tedits_begin(&ed, n->start, n->end);

		if (json_put_string(b, patches[i].value, patches[i].len) != 0 || tedits_end(&ed)) {
			oom(err);
			goto out;
		}
	}
	rc = tedits_apply(&ed, doc->text, m->key_start, m->val_end, out, err);
out:
	tedits_free(&ed);
	return rc;
}

int json_meta_emit(const struct node *meta, struct buf *out, struct sops_err *err)
{
	if (buf_adds(out, "\"sops\": ") != 0)
		return oom(err);
	return json_put_tree(out, meta, 1, "\t", 1, err);
}

static int json_parse(struct sdoc *doc, enum parse_mode mode, struct sops_err *err)
{
	(void)mode;
	return json_parse_doc(doc, err);
}

const struct store_ops json_store = {
	.name = "json",
	.parse = json_parse,
	.render = json_render_doc,
	.meta_extract = json_meta_extract,
	.meta_emit = json_meta_emit,
	.free_priv = NULL,
};
