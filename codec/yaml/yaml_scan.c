/* yaml_scan.c - libyaml's scanner run over a document: every token with its
 * marks converted to byte offsets, values copied into the document pool.
 *
 * libyaml's buffers hold plaintext; they are wiped before being released.
 * Errors are worded like go.yaml.in/yaml v3 (decode.go fail()):
 * "yaml: line N: <problem>". Nesting deeper than YAML_MAX_DEPTH is refused
 * here, before anything recurses.
 */
#include "yaml_int.h"

#include <stdlib.h>
#include <string.h>

size_t yaml_utf8_width(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return 4;
	return 1;
}

/* Is s[0..n) all ASCII (eight bytes at a time)? */
static int all_ascii(const char *s, size_t n)
{
	uint64_t acc = 0, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	return (acc & 0x8080808080808080ULL) == 0;
}

/* Character index -> byte offset, counting characters as libyaml does.
 * An ASCII text needs no table (c2b stays NULL): offset = base + index. */
static int build_c2b(struct yscan *S)
{
	size_t n = 0, b = S->base;

	if (S->len >= UINT32_MAX)
		return -1;
	if (all_ascii(S->text + S->base, S->len - S->base)) {
		S->c2b = NULL;
		S->nchars = S->len - S->base;
		return 0;
	}
	S->c2b = malloc((S->len - S->base + 2) * sizeof(*S->c2b));
	if (S->c2b == NULL)
		return -1;
	while (b < S->len) {
		size_t w = yaml_utf8_width((unsigned char)S->text[b]);

		S->c2b[n++] = (uint32_t)b;
		b += w;
		if (b > S->len)
			b = S->len;
	}
	S->c2b[n] = (uint32_t)S->len;
	S->nchars = n;
	return 0;
}

static struct ymark mark_of(const struct yscan *S, const yaml_mark_t *m)
{
	struct ymark r;
	size_t i = m->index;

	if (i > S->nchars)
		i = S->nchars;
	r.idx = (long long)m->index;
	r.byte = S->c2b != NULL ? S->c2b[i] : (uint32_t)(S->base + i);
	r.line = (int)m->line;
	r.col = (int)m->column;
	return r;
}

static char *dup_wipe(struct pool *p, yaml_char_t *s, size_t n)
{
	char *c = pool_strndup(p, s ? (const char *)s : "", s ? n : 0);

	if (s != NULL)
		explicit_bzero(s, n);
	return c;
}

static size_t ustrlen(const yaml_char_t *s)
{
	return s ? strlen((const char *)s) : 0;
}

/* Copy the token's data into t (pool) and wipe libyaml's copy. */
static int copy_token(struct yscan *S, yaml_token_t *tk, struct ytok *t)
{
	size_t n;

	memset(t, 0, sizeof(*t));
	t->type = tk->type;
	t->s = mark_of(S, &tk->start_mark);
	t->e = mark_of(S, &tk->end_mark);
	t->owner_value = -1;
	t->value_bms = -1;
	switch (tk->type) {
	case YAML_SCALAR_TOKEN:
		t->vlen = tk->data.scalar.length;
		t->val = dup_wipe(S->pool, tk->data.scalar.value, t->vlen);
		t->style = tk->data.scalar.style;
		return t->val ? 0 : -1;
	case YAML_ANCHOR_TOKEN:
	case YAML_ALIAS_TOKEN:
		n = ustrlen(tk->data.anchor.value);
		t->vlen = n;
		t->val = dup_wipe(S->pool, tk->data.anchor.value, n);
		return t->val ? 0 : -1;
	case YAML_TAG_TOKEN:
		t->vlen = ustrlen(tk->data.tag.handle);
		t->val = dup_wipe(S->pool, tk->data.tag.handle, t->vlen);
		t->v2len = ustrlen(tk->data.tag.suffix);
		t->val2 = dup_wipe(S->pool, tk->data.tag.suffix, t->v2len);
		return t->val && t->val2 ? 0 : -1;
	case YAML_TAG_DIRECTIVE_TOKEN:
		t->vlen = ustrlen(tk->data.tag_directive.handle);
		t->val = dup_wipe(S->pool, tk->data.tag_directive.handle, t->vlen);
		t->v2len = ustrlen(tk->data.tag_directive.prefix);
		t->val2 = dup_wipe(S->pool, tk->data.tag_directive.prefix, t->v2len);
		return t->val && t->val2 ? 0 : -1;
	case YAML_VERSION_DIRECTIVE_TOKEN:
		t->major = tk->data.version_directive.major;
		t->minor = tk->data.version_directive.minor;
		return 0;
	default:
		return 0;
	}
}

static int push_token(struct yscan *S, const struct ytok *t)
{
	if (S->ntoks == S->tcap) {
		size_t ncap = S->tcap ? S->tcap * 2 : 256;
		struct ytok *nv = realloc(S->toks, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		S->toks = nv;
		S->tcap = ncap;
	}
	S->toks[S->ntoks++] = *t;
	return 0;
}

/* yaml.v3 decode.go fail(): scanner errors report line+1. */
static int scanner_error(const yaml_parser_t *p, struct sops_err *err)
{
	size_t line = 0;
	int scan = p->error == YAML_SCANNER_ERROR;

	if (p->context_mark.line != 0)
		line = p->context_mark.line + (scan ? 1 : 0);
	else if (p->problem_mark.line != 0)
		line = p->problem_mark.line + (scan ? 1 : 0);
	if (p->error == YAML_MEMORY_ERROR)
		return err_set(err, EX_ERROR, "out of memory");
	if (line != 0)
		return err_set(err, EX_COULD_NOT_READ, "yaml: line %zu: %s", line,
			       p->problem ? p->problem : "unknown problem parsing YAML content");
	return err_set(err, EX_COULD_NOT_READ, "yaml: %s",
		       p->problem ? p->problem : "unknown problem parsing YAML content");
}

static void wipe_parser(yaml_parser_t *p)
{
	if (p->raw_buffer.start != NULL)
		explicit_bzero(p->raw_buffer.start,
			       (size_t)(p->raw_buffer.end - p->raw_buffer.start));
	if (p->buffer.start != NULL)
		explicit_bzero(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
	for (yaml_token_t *t = p->tokens.head; t != NULL && t < p->tokens.tail; t++)
		if (t->type == YAML_SCALAR_TOKEN && t->data.scalar.value != NULL)
			explicit_bzero(t->data.scalar.value, t->data.scalar.length);
}

/* Track nesting: flow levels and block indentation levels. */
static int depth_step(const struct ytok *t, int *depth)
{
	switch (t->type) {
	case YAML_FLOW_SEQUENCE_START_TOKEN:
	case YAML_FLOW_MAPPING_START_TOKEN:
	case YAML_BLOCK_SEQUENCE_START_TOKEN:
	case YAML_BLOCK_MAPPING_START_TOKEN:
		(*depth)++;
		break;
	case YAML_FLOW_SEQUENCE_END_TOKEN:
	case YAML_FLOW_MAPPING_END_TOKEN:
	case YAML_BLOCK_END_TOKEN:
		(*depth)--;
		break;
	default:
		break;
	}
	return *depth > YAML_MAX_DEPTH ? -1 : 0;
}

static int scan_all(struct yscan *S, yaml_parser_t *p, struct sops_err *err)
{
	int depth = 0;

	for (;;) {
		yaml_token_t tk;
		struct ytok t;
		int end;

		if (!yaml_parser_scan(p, &tk))
			return scanner_error(p, err);
		if (copy_token(S, &tk, &t) != 0 || push_token(S, &t) != 0) {
			yaml_token_delete(&tk);
			return err_set(err, EX_ERROR, "out of memory");
		}
		end = tk.type == YAML_STREAM_END_TOKEN;
		yaml_token_delete(&tk);
		if (depth_step(&t, &depth) != 0)
			return err_set(err, EX_COULD_NOT_READ, "yaml: exceeded max depth of %d",
				       YAML_MAX_DEPTH);
		if (end)
			return 0;
	}
}

int yscan_tokens(struct yscan *S, struct sops_err *err)
{
	yaml_parser_t p;
	int rc;

	if (S->len >= 3 && memcmp(S->text, "\xEF\xBB\xBF", 3) == 0)
		S->base = 3;
	if (build_c2b(S) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	if (!yaml_parser_initialize(&p))
		return err_set(err, EX_ERROR, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)S->text, S->len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	rc = scan_all(S, &p, err);
	wipe_parser(&p);
	yaml_parser_delete(&p);
	return rc;
}

/* Which document (0-based) a byte offset falls in: number of explicit
 * document starts before it, counting an implicit first document. */
int yscan_error_doc(const struct yscan *S, size_t byte)
{
	int docs = -1, content = 0;

	for (size_t i = 0; i < S->ntoks && S->toks[i].s.byte <= byte; i++) {
		yaml_token_type_t ty = S->toks[i].type;

		if (ty == YAML_DOCUMENT_START_TOKEN) {
			docs++;
			content = 1;
		} else if (ty == YAML_DOCUMENT_END_TOKEN) {
			content = 0;
		} else if (ty != YAML_STREAM_START_TOKEN && ty != YAML_STREAM_END_TOKEN &&
			   ty != YAML_VERSION_DIRECTIVE_TOKEN &&
			   ty != YAML_TAG_DIRECTIVE_TOKEN && !content) {
			docs++;
			content = 1;
		}
	}
	return docs < 0 ? 0 : docs;
}

/* Line helpers over raw text (a break is \n, \r\n or \r). */
size_t ytext_line_start(const char *t, size_t len, size_t b)
{
	(void)len;
	while (b > 0 && t[b - 1] != '\n' && t[b - 1] != '\r')
		b--;
	return b;
}

size_t ytext_line_end(const char *t, size_t len, size_t b)
{
	while (b < len && t[b] != '\n' && t[b] != '\r')
		b++;
	return b;
}

/* b at a line end: the offset after its break (b itself at EOF). */
size_t ytext_after_break(const char *t, size_t len, size_t b)
{
	if (b < len && t[b] == '\r') {
		b++;
		if (b < len && t[b] == '\n')
			b++;
	} else if (b < len && t[b] == '\n') {
		b++;
	}
	return b;
}

/* Column (characters) of byte b in its line. */
int ytext_col(const char *t, size_t len, size_t b)
{
	size_t s = ytext_line_start(t, len, b);
	int col = 0;

	while (s < b) {
		s += yaml_utf8_width((unsigned char)t[s]);
		col++;
	}
	return col;
}
