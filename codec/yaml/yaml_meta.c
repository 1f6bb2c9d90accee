/* yaml_meta.c - the `sops:` entry as text (store.h meta_extract/meta_emit).
 *
 * meta_extract copies document 1's entry from the file (patched scalars
 * rewritten in place), so everything else stays byte-identical.
 * meta_emit writes a metadata tree the way sops 3.13.2's yaml.v3 encoder
 * does with indent 4: keys in the given order, a sequence under a key
 * indented to the next multiple of 4, a mapping in a sequence item on the
 * dash line, multi-line strings as literal blocks, timestamps quoted.
 */
#include "yaml_int.h"
#include "../core/text_edits.h"

#include <string.h>

#define META_INDENT 4

/* ---- extract ------------------------------------------------------------------ */

static int dedent(struct buf *out, const char *t, size_t n, int col)
{
	int bol = 1, skipped = 0;

	for (size_t i = 0; i < n; i++) {
		if (bol && skipped < col && t[i] == ' ') {
			skipped++;
			continue;
		}
		if (buf_addc(out, t[i]) != 0)
			return -1;
		bol = t[i] == '\n';
		if (bol)
			skipped = 0;
		else
			skipped = col;
	}
	return 0;
}

int ymeta_extract(const struct sdoc *doc, const struct meta_patch *patches,
		  size_t npatches, struct buf *out, struct sops_err *err)
{
	const struct ypriv *P = doc->priv;
	const struct ydoc *d;
	struct text_edits ed;
	struct buf tmp = BUF_INIT;
	int rc = 0;

	if (P == NULL || P->ndocs == 0 || P->docs[0].ncut == 0 || doc->meta == NULL)
		return err_set(err, EX_ERROR, "sops metadata not found");
	d = &P->docs[0];
	if (d->root_flow)
		return err_set(err, EX_ERROR,
			       "sopsfs: cannot copy sops metadata written in a flow mapping");
	tedits_init(&ed);
	for (size_t i = 0; i < npatches && rc == 0; i++) {
		const struct node *n = patches[i].n;
		struct tvalue v;

		if (n == NULL || n->kind != NK_SCALAR || n->aux < 0 || (size_t)n->aux >= P->nscal) {
			rc = err_set(err, EX_ERROR, "internal error: bad metadata patch");
			break;
		}
		memset(&v, 0, sizeof(v));
		v.type = VT_STR;
		v.s = patches[i].value;
		v.len = patches[i].len;
		rc = yrender_value(&ed, doc, P->scal[n->aux], n->start, &v, P->indent, err);
	}
	if (rc == 0)
		rc = tedits_apply(&ed, doc->text, d->cut_s[0], d->cut_e[0], &tmp, err);
	tedits_free(&ed);
	if (rc == 0 && (dedent(out, (const char *)tmp.data, tmp.len, d->root_col) != 0 ||
			(out->len > 0 && out->data[out->len - 1] != '\n' && buf_addc(out, '\n') != 0)))
		rc = err_set(err, EX_ERROR, "out of memory");
	buf_free(&tmp);
	return rc;
}

/* ---- emit ----------------------------------------------------------------------- */

struct emitter {
	struct buf *out;
	struct sops_err *err;
	int depth;
};

static int pad(struct buf *b, int n)
{
	for (int i = 0; i < n; i++)
		if (buf_addc(b, ' ') != 0)
			return -1;
	return 0;
}

static int next_level(int col)
{
	return META_INDENT * (1 + col / META_INDENT);
}

static int emit_key(struct emitter *E, const struct node *k)
{
	struct tvalue v;
	struct yspot sp = { 0, 0, -1, 0, "\n" };

	memset(&v, 0, sizeof(v));
	v.type = VT_STR;
	v.s = k->key ? k->key : "";
	v.len = k->key ? k->keylen : 0;
	if (memchr(v.s, '\n', v.len) != NULL)
		sp.prefer = YS_DOUBLE;
	return yscalar_write(&v, &sp, E->out, NULL, E->err) | buf_addc(E->out, ':');
}

/* A scalar after "key:" or "- ", ending its line. */
static int emit_scalar(struct emitter *E, const struct node *v, int indent, int block_indent)
{
	struct yspot sp = { 0, indent, block_indent, 0, "\n" };
	struct buf body = BUF_INIT_SECURE;
	int rc = buf_addc(E->out, ' ') | yscalar_write(&v->val, &sp, E->out, &body, E->err);

	if (rc == 0 && body.len > 0)
		rc = buf_add(E->out, body.data, body.len);
	if (rc == 0 && (body.len == 0 || body.data[body.len - 1] != '\n'))
		rc = buf_addc(E->out, '\n');
	buf_free(&body);
	return rc;
}

static int emit_value(struct emitter *E, const struct node *v, int col, int in_seq);

static int emit_map(struct emitter *E, const struct node *m, int col, int first_inline)
{
	int first = 1;

	for (size_t i = 0; i < m->nkids; i++) {
		const struct node *k = m->kids[i];

		if (k->kind == NK_COMMENT)
			continue;
		if ((!first || !first_inline) && pad(E->out, col) != 0)
			return -1;
		first = 0;
		if (emit_key(E, k) != 0 || emit_value(E, k, col, 0) != 0)
			return -1;
	}
	return 0;
}

static int emit_seq(struct emitter *E, const struct node *l, int dash, int first_inline)
{
	int first = 1;

	for (size_t i = 0; i < l->nkids; i++) {
		const struct node *it = l->kids[i];

		if (it->kind == NK_COMMENT)
			continue;
		if ((!first || !first_inline) && pad(E->out, dash) != 0)
			return -1;
		first = 0;
		if (buf_addc(E->out, '-') != 0 || emit_value(E, it, dash, 1) != 0)
			return -1;
	}
	return 0;
}

/* The value of a key of the mapping at column col, or of a sequence item
 * whose dash is at col (in_seq). */
static int emit_value(struct emitter *E, const struct node *v, int col, int in_seq)
{
	int rc;

	if (++E->depth > YAML_MAX_DEPTH)
		return err_set(E->err, EX_ERROR, "sopsfs: metadata nested too deeply");
	if (v->kind == NK_SCALAR) {
		rc = emit_scalar(E, v, in_seq ? col + 2 : next_level(col), col);
	} else if (v->nkids == 0) {
		rc = buf_adds(E->out, v->kind == NK_MAP ? " {}\n" : " []\n");
	} else if (in_seq) {
		rc = buf_addc(E->out, ' ');
		rc |= v->kind == NK_MAP ? emit_map(E, v, col + 2, 1) : emit_seq(E, v, col + 2, 1);
	} else {
		rc = buf_addc(E->out, '\n');
		rc |= v->kind == NK_MAP ? emit_map(E, v, next_level(col), 0)
					: emit_seq(E, v, next_level(col), 0);
	}
	E->depth--;
	return rc;
}

int ymeta_emit(const struct node *meta, struct buf *out, struct sops_err *err)
{
	struct emitter E = { out, err, 0 };

	if (meta == NULL || meta->kind != NK_MAP)
		return err_set(err, EX_ERROR, "internal error: metadata is not a mapping");
	if (buf_adds(out, "sops:") != 0 || emit_value(&E, meta, 0, 0) != 0)
		return err->code ? -1 : err_set(err, EX_ERROR, "out of memory");
	return 0;
}
