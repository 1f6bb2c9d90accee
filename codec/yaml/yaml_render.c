/* yaml_render.c - produce text by replacing tokens of the parsed text
 * (store.h render): decrypted values written as yaml.v3 writes them in that
 * spot, ENC[...] strings written where plaintext was, the `sops` entries cut
 * out (view) or the metadata appended to every document (encryption).
 */
#include "yaml_int.h"
#include "../core/text_edits.h"

#include <string.h>

static const char *line_break_at(const char *x, size_t len, size_t eol)
{
	return eol + 1 < len && x[eol] == '\r' && x[eol + 1] == '\n' ? "\r\n" : "\n";
}

/* Column of the lines of a block scalar (and continuation of a quoted one)
 * that yaml.v3's emitter would use there: dash + 2 in a sequence item, else
 * the next multiple of the indent width above the mapping's column. */
static int value_indent(const struct yscal *sc, int w)
{
	if (sc->in_seq && !sc->flow && sc->coll_col >= 0)
		return sc->coll_col + 2;
	if (sc->coll_col >= 0)
		return w * (1 + sc->coll_col / w);
	return w;
}

static int is_block(const struct yscal *sc)
{
	return sc->style == YAML_LITERAL_SCALAR_STYLE || sc->style == YAML_FOLDED_SCALAR_STYLE;
}

/* Comment lines right after a block body must stay out of it: the body is
 * indented deeper than any of them (line_start: the first following line). */
static int safe_indent(const char *x, size_t len, size_t p, int indent)
{
	while (p < len) {
		size_t e = ytext_line_end(x, len, p), q = p, next;

		while (q < e && x[q] == ' ')
			q++;
		if (q < e && x[q] != '#')
			break;
		if (q < e && (int)(q - p) + 1 > indent)
			indent = (int)(q - p) + 1;
		next = ytext_after_break(x, len, e);
		if (next == e)
			break;
		p = next;
	}
	return indent;
}

/* A value alone on its line at its key's column (only a block scalar may
 * sit there): spaces that move what we write under the key. */
static int indent_fix(const char *x, size_t len, const struct yscal *sc, size_t start)
{
	size_t ls = ytext_line_start(x, len, start);
	int col;

	if (sc->in_seq || sc->flow || sc->coll_col < 0)
		return 0;
	for (size_t k = ls; k < start; k++)
		if (x[k] != ' ' && x[k] != '\t')
			return 0;
	col = ytext_col(x, len, start);
	return col <= sc->coll_col ? sc->coll_col + 1 - col : 0;
}

/* After the token: a '#' right behind it must stay a comment. */
static int needs_space_after(const char *x, size_t len, size_t end)
{
	return end < len && x[end] == '#';
}

/* Replace the scalar y (whose token spans [start, y->sc->node_end)) by the
 * value v written as yaml.v3 would write it there. */
int yrender_value(struct text_edits *ed, const struct sdoc *doc, const struct ynode *y,
		  size_t start, const struct tvalue *v, int w, struct sops_err *err)
{
	const struct yscal *sc = y->sc;
	const char *x = doc->text;
	size_t len = doc->len, eol;
	struct yspot sp;
	struct buf body = BUF_INIT_SECURE, *b;
	int rc;

	eol = ytext_line_end(x, len, sc->end);
	sp.flow = sc->flow;
	sp.indent = safe_indent(x, len, is_block(sc) ? sc->body_e : ytext_after_break(x, len, eol),
				value_indent(sc, w));
	sp.block_indent = sc->coll_col;
	/* The ENC token's quotes say how the value was written (put_enc):
	 * double quotes: keep them; single quotes: keep them in block
	 * context, yaml.v3's own style in flow context; plain: yaml.v3's. */
	sp.prefer = 0;
	if (v->type == VT_STR && sc->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
		sp.prefer = YS_DOUBLE;
	else if (v->type == VT_STR && sc->style == YAML_SINGLE_QUOTED_SCALAR_STYLE && !sc->flow)
		sp.prefer = YS_SINGLE;
	sp.nl = line_break_at(x, len, eol);
	b = tedits_begin(ed, start, sc->end);
	for (int k = indent_fix(x, len, sc, start); k > 0; k--)
		buf_addc(b, ' ');
	rc = yscalar_write(v, &sp, b, &body, err);
	if (rc == 0 && needs_space_after(x, len, sc->end))
		rc = buf_addc(b, ' ');
	if (tedits_end(ed) != 0 && rc == 0)
		rc = err_set(err, EX_ERROR, "out of memory");
	if (rc == 0 && is_block(sc)) {
		/* the old block body goes; a new one takes its place */
		if (body.len > 0) {
			size_t nl = strlen(sp.nl);
			const char *p = (const char *)body.data + nl;
			size_t n = body.len - nl;

			rc = tedits_put(ed, sc->body_s, sc->body_e, p, n) |
			     tedits_put(ed, sc->body_e, sc->body_e, sp.nl, nl);
		} else {
			rc = tedits_cut(ed, sc->body_s, sc->body_e);
		}
	} else if (rc == 0 && body.len > 0) {
		size_t n = body.len, nl = strlen(sp.nl);

		/* the line's own break ends the last body line */
		if (eol < len && n >= nl && memcmp(body.data + n - nl, sp.nl, nl) == 0)
			n -= nl;
		rc = tedits_put(ed, eol, eol, body.data, n);
	}
	if (rc != 0 && err->code == 0)
		err_set(err, EX_ERROR, "out of memory");
	buf_free(&body);
	return rc;
}

/* A sops 3.13.2 comment element of a sequence ("- ENC[...,type:comment]")
 * decrypts to a comment line at the dash. */
static int comment_element(struct text_edits *ed, const struct yscal *sc, const struct tvalue *v,
			   struct sops_err *err)
{
	struct buf *b;

	if (!sc->in_seq || sc->flow || sc->dash_s == (size_t)-1)
		return err_set(err, EX_ERROR, "sopsfs: cannot write a comment in place of this YAML value");
	b = tedits_begin(ed, sc->dash_s, sc->node_end);
	if (buf_addc(b, '#') != 0 || buf_add(b, v->s, v->len) != 0 || tedits_end(ed) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	return 0;
}

/* ENC[...] in place of a plaintext scalar, quoted so that the view shows
 * the value the way it was written (yrender_value reads the quotes back):
 * in block context plain, or the source's quotes when they differ from
 * yaml.v3's own style for the value; in flow context (where ENC needs
 * quotes) double quotes for a double-quoted string, else single quotes,
 * meaning "yaml.v3's own style". */
static int put_enc(struct text_edits *ed, const struct sdoc *doc, const struct node *n,
		   const struct ynode *y, const struct rep *r, struct sops_err *err)
{
	const struct yscal *sc = y->sc;
	char q = 0;
	struct buf *b;
	int rc = 0;

	if (sc->flow) {
		q = sc->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE && n->val.type == VT_STR ? '"' : '\'';
	} else if ((sc->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
		    sc->style == YAML_SINGLE_QUOTED_SCALAR_STYLE) && n->val.type == VT_STR) {
		unsigned canon = yscalar_canonical_style(n->val.s, n->val.len, 0);
		unsigned src = sc->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ? YS_DOUBLE : YS_SINGLE;

		if (canon != src)
			q = src == YS_DOUBLE ? '"' : '\'';
	}
	if (sc->tag_s != (size_t)-1) {
		size_t e = sc->tag_e;

		while (e < sc->start && (doc->text[e] == ' ' || doc->text[e] == '\t'))
			e++;
		rc = tedits_cut(ed, sc->tag_s, e);
	}
	b = tedits_begin(ed, sc->start, sc->end);
	for (int k = indent_fix(doc->text, doc->len, sc, sc->start); k > 0; k--)
		rc |= buf_addc(b, ' ');
	if (q)
		rc |= buf_addc(b, q);
	rc |= buf_add(b, r->enc, r->enc_len);
	if (q)
		rc |= buf_addc(b, q);
	if (needs_space_after(doc->text, doc->len, sc->end))
		rc |= buf_addc(b, ' ');
	rc |= tedits_end(ed);
	if (rc == 0 && is_block(sc) && sc->body_e > sc->body_s)
		rc = tedits_cut(ed, sc->body_s, sc->body_e);
	return rc == 0 ? 0 : err_set(err, EX_ERROR, "out of memory");
}

/* ---- metadata ------------------------------------------------------------------ */

static int cut_sops(struct text_edits *ed, const struct sdoc *doc, const struct ydoc *d,
		    int view)
{
	for (int i = 0; i < d->ncut; i++) {
		size_t s = d->cut_s[i], e = d->cut_e[i];

		if (view && i == 0 && !d->has_items && !d->root_flow) {
			/* a mapping left without items is written {} */
			const char *nl = e > s && doc->text[e - 1] == '\n' ?
					 (e - s >= 2 && doc->text[e - 2] == '\r' ? "\r\n" : "\n") : "\n";
			struct buf *b = tedits_begin(ed, s, e);

			if (buf_adds(b, "{}") != 0 || buf_adds(b, nl) != 0 || tedits_end(ed) != 0)
				return -1;
		} else if (tedits_cut(ed, s, e) != 0) {
			return -1;
		}
	}
	return 0;
}

/* meta, indented by col spaces on every non-empty line. */
static int add_indented(struct buf *b, const char *meta, size_t len, int col)
{
	int bol = 1;

	for (size_t i = 0; i < len; i++) {
		if (bol && col > 0 && meta[i] != '\n' && meta[i] != '\r')
			for (int k = 0; k < col; k++)
				if (buf_addc(b, ' ') != 0)
					return -1;
		if (buf_addc(b, meta[i]) != 0)
			return -1;
		bol = meta[i] == '\n';
	}
	return 0;
}

static int add_meta(struct text_edits *ed, const struct sdoc *doc, const struct ydoc *d,
		    const char *meta, size_t mlen, struct sops_err *err)
{
	const char *x = doc->text;
	const struct ynode *c = d->content;
	struct buf *b;
	size_t at = d->ins;

	if (d->root_flow) {
		size_t e;

		if (c->nkids > 0)
			return err_set(err, EX_COULD_NOT_READ,
				       "sopsfs: cannot add sops metadata to a top-level flow mapping; write it in block style");
		e = c->e_byte;
		while (e < doc->len && (x[e] == ' ' || x[e] == '\t'))
			e++;
		e = e < doc->len && (x[e] == '\n' || x[e] == '\r') ? ytext_after_break(x, doc->len, e)
								    : c->e_byte;
		b = tedits_begin(ed, c->s_byte, e);
		if (add_indented(b, meta, mlen, 0) != 0 || tedits_end(ed) != 0)
			return err_set(err, EX_ERROR, "out of memory");
		return 0;
	}
	if (c != NULL && c->kind == YK_SCALAR && c->sc != NULL &&
	    tedits_cut(ed, c->sc->start, c->sc->node_end) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	b = tedits_begin(ed, at, at);
	if ((at > 0 && x[at - 1] != '\n' && x[at - 1] != '\r' && buf_addc(b, '\n') != 0) ||
	    add_indented(b, meta, mlen, c != NULL && c->kind == YK_MAP ? d->root_col : 0) != 0 ||
	    tedits_end(ed) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	return 0;
}

/* ---- render ---------------------------------------------------------------------- */

static int leaf_edit(struct text_edits *ed, const struct sdoc *doc, const struct ypriv *P,
		     const struct node *n, const struct rep *r, struct sops_err *err)
{
	const struct ynode *y;

	if (n->kind == NK_COMMENT) {
		const char *s = r->kind == REP_ENC ? r->enc : r->val.s;
		size_t l = r->kind == REP_ENC ? r->enc_len : r->val.len;

		return tedits_put(ed, n->start, n->end, s, l) == 0 ? 0 :
		       err_set(err, EX_ERROR, "out of memory");
	}
	if (n->aux < 0 || (size_t)n->aux >= P->nscal)
		return err_set(err, EX_ERROR, "sopsfs: cannot replace an empty YAML value (line %d)",
			       n->line);
	y = P->scal[n->aux];
	if (r->kind == REP_ENC)
		return put_enc(ed, doc, n, y, r, err);
	if (r->val.type == VT_COMMENT)
		return comment_element(ed, y->sc, &r->val, err);
	return yrender_value(ed, doc, y, n->start, &r->val, P->indent, err);
}

int yrender(const struct sdoc *doc, const struct rep *reps, const char *meta,
	    size_t meta_len, struct buf *out, struct sops_err *err)
{
	const struct ypriv *P = doc->priv;
	struct text_edits ed;
	int rc = 0;

	if (P == NULL)
		return err_set(err, EX_ERROR, "internal error: YAML document not parsed");
	tedits_init(&ed);
	for (size_t i = 0; i < doc->nleaves && rc == 0; i++) {
		const struct node *n = doc->leaves[i];

		if (reps == NULL || reps[i].kind == REP_KEEP || (n->flags & NODE_VIA_ALIAS))
			continue;
		rc = leaf_edit(&ed, doc, P, n, &reps[i], err);
	}
	for (size_t i = 0; i < P->ndocs && rc == 0; i++) {
		if (cut_sops(&ed, doc, &P->docs[i], meta == NULL) != 0)
			rc = err_set(err, EX_ERROR, "out of memory");
		else if (meta != NULL)
			rc = add_meta(&ed, doc, &P->docs[i], meta, meta_len, err);
	}
	if (rc == 0)
		rc = tedits_apply(&ed, doc->text, 0, doc->len, out, err);
	tedits_free(&ed);
	return rc;
}
