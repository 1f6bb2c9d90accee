/* ini_parse.c - INI text to a sops tree, as gopkg.in/ini.v1 reads it.
 *
 * Written by hand: no C INI library reproduces ini.v1's rules, which decide
 * what sops encrypts (ini.v1 parser.go, as sops 3.13.2 uses it):
 *  - keys before the first header are in section DEFAULT; every header
 *    starts a new section, repeated names included;
 *  - `key = value` or `key: value`; ';' or '#' anywhere in a plain value
 *    starts an inline comment, quotes do not protect it; "value" and 'value'
 *    lose their surrounding quotes; `...` and """...""" protect everything
 *    and may span lines; a trailing '\' joins the next line;
 *  - comment lines before a key or header, plus an inline comment, form that
 *    key's or section's comment (text without its leading ;/# and spaces);
 *  - a repeated key keeps its first place with the last value.
 * The tree: one branch of sections (DEFAULT first), each a map of str
 * values; a section comment is its first item, a key's comment follows it.
 * Key names and values are read in ini_value.c.
 */
#include "ini_parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ini_oom(struct iparse *p)
{
	return err_set(p->err, EX_ERROR, "out of memory");
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if ((nv = realloc(*v, ncap * size)) == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

int ini_bad_line(struct iparse *p, const char *what, const struct iline *l, size_t from)
{
	size_t line = 1;

	/* the line itself is not quoted: it may hold a secret */
	for (size_t i = 0; i < from; i++)
		line += p->t[i] == '\n';
	(void)l;
	return err_set(p->err, EX_COULD_NOT_READ, "%s: line %zu (its content is not shown)",
		       what, line);
}

int ini_read_line(struct iparse *p, struct iline *l)
{
	const char *nl;

	if (p->pos >= p->len)
		return 0;
	nl = memchr(p->t + p->pos, '\n', p->len - p->pos);
	l->start = p->pos;
	l->end = nl ? (size_t)(nl - p->t) : p->len;
	l->next = nl ? l->end + 1 : p->len;
	p->pos = l->next;
	p->line++;
	return 1;
}

int ini_add_piece(struct iparse *p, size_t marker, size_t raw_end, const struct iline *l,
		  int is_inline)
{
	struct ini_piece *pc;

	if (grow((void **)&p->pend, &p->cappend, p->npend, sizeof(*p->pend)) != 0 ||
	    buf_add(&p->ctext, p->t + marker, raw_end - marker) != 0)
		return ini_oom(p);
	pc = &p->pend[p->npend++];
	pc->marker = marker;
	pc->end = ini_trim_right(p->t, marker, raw_end);
	pc->line_start = l->start;
	pc->line_next = l->next;
	pc->is_inline = is_inline;
	return 0;
}

static void clear_pending(struct iparse *p)
{
	p->npend = 0;
	buf_truncate(&p->ctext, 0);
}

/* The gathered comment as a node (NULL and 0 when there is none). */
static int take_comment(struct iparse *p, size_t owner_line, int of_section, struct node **out)
{
	const char *c = (const char *)p->ctext.data;
	size_t a, b = p->ctext.len, k;
	struct ini_comment *ic;
	struct node *n;

	*out = NULL;
	b = ini_trim_right(c, 0, b);
	a = ini_trim_left(c, 0, b);
	if (a >= b) {
		clear_pending(p);
		return 0;
	}
	k = a;
	if (c[a] == ';' || c[a] == '#') {
		const char *set = c[a] == ';' ? "; " : "# ";

		while (k < b && (c[k] == set[0] || c[k] == set[1]))
			k++;
	}
	if ((n = node_new(p->doc, NK_COMMENT)) == NULL ||
	    tvalue_set(p->doc, &n->val, VT_STR, c + k, b - k) != 0 ||
	    grow((void **)&p->id->comments, &p->id->capcomments, p->id->ncomments,
		 sizeof(*p->id->comments)) != 0)
		return ini_oom(p);
	ic = &p->id->comments[p->id->ncomments];
	ic->pieces = pool_alloc(p->doc->pool, p->npend * sizeof(*ic->pieces));
	if (ic->pieces == NULL)
		return ini_oom(p);
	memcpy(ic->pieces, p->pend, p->npend * sizeof(*ic->pieces));
	ic->npieces = p->npend;
	ic->owner_line = owner_line;
	ic->of_section = of_section;
	n->aux = (int)p->id->ncomments++;
	n->start = p->pend[0].marker + (k - a);
	n->end = p->pend[0].end;
	if (n->start > n->end)
		n->start = n->end;
	n->line = p->line;
	clear_pending(p);
	*out = n;
	return 0;
}

static int add_dropped(struct iparse *p, size_t start, size_t end)
{
	struct ini_doc *id = p->id;

	if (grow((void **)&id->dropped, &id->capdropped, id->ndropped, sizeof(*id->dropped)))
		return ini_oom(p);
	id->dropped[id->ndropped].start = start;
	id->dropped[id->ndropped].end = end;
	id->ndropped++;
	return 0;
}

static int end_section(struct iparse *p)
{
	struct ini_doc *id = p->id;

	if (!p->sec_sops)
		return 0;
	if (grow((void **)&id->sops_cuts, &id->capsops, id->nsops, sizeof(*id->sops_cuts)))
		return ini_oom(p);
	id->sops_cuts[id->nsops].start = p->prev_body_end;
	id->sops_cuts[id->nsops].end = p->body_end;
	id->nsops++;
	if (p->sec_meta) {
		id->meta_text.start = p->sec_header;
		id->meta_text.end = p->body_end;
	}
	return 0;
}

static int section_header(struct iparse *p, const struct iline *l, size_t a)
{
	const char *close = NULL;
	struct node *comment, *sec = NULL;
	size_t name, namelen;

	for (size_t i = l->next; i-- > a && close == NULL;)
		if (p->t[i] == ']')
			close = p->t + i;
	if (close == NULL)
		return ini_bad_line(p, "unclosed section", l, a);
	name = a + 1;
	namelen = (size_t)(close - p->t) - name;
	if (namelen == 0)
		return err_set(p->err, EX_COULD_NOT_READ, "empty section name");
	for (size_t i = (size_t)(close - p->t) + 1; i < l->next; i++)
		if (p->t[i] == ';' || p->t[i] == '#') {
			if (ini_add_piece(p, i, l->next, l, 1) != 0)
				return -1;
			break;
		}
	if (end_section(p) != 0)
		return -1;
	p->prev_body_end = p->body_end;
	p->sec_sops = namelen == 4 && memcmp(p->t + name, "sops", 4) == 0;
	p->sec_meta = p->sec_sops && p->doc->meta == NULL && p->id->nsops == 0;
	if (p->sec_sops && !p->sec_meta)
		p->doc->meta_dup++;
	p->sec_header = l->start;
	p->body_end = l->next;
	p->count = 1;
	p->nkeys = 0;
	if (take_comment(p, l->start, 1, &comment) != 0)
		return -1;
	if (!p->sec_sops) {
		if ((sec = node_new(p->doc, NK_MAP)) == NULL ||
		    (sec->key = pool_strndup(p->doc->pool, p->t + name, namelen)) == NULL ||
		    node_add_kid(p->doc, p->root, sec) != 0 ||
		    (comment != NULL && node_add_kid(p->doc, sec, comment) != 0))
			return ini_oom(p);
		sec->keylen = namelen;
		sec->start = l->start;
		sec->line = p->line;
	}
	p->sec = sec;
	return 0;
}

/* ini.v1 keeps one key per name: the earlier copy is dropped. */
static int drop_older(struct iparse *p, const struct node *key)
{
	for (size_t i = 0; i < p->nkeys; i++) {
		struct ikey *k = &p->keys[i];

		if (k->key->keylen != key->keylen || memcmp(k->key->key, key->key, key->keylen))
			continue;
		if (add_dropped(p, k->region_start, k->region_end) != 0)
			return -1;
		if (p->sec != NULL) {
			size_t w = 0;

			for (size_t j = 0; j < p->sec->nkids; j++)
				if (p->sec->kids[j] != k->key && p->sec->kids[j] != k->comment)
					p->sec->kids[w++] = p->sec->kids[j];
			p->sec->nkids = w;
		} else {
			for (size_t j = 0; j < p->nitems; j++)
				if (p->items[j].val == k->key)
					p->items[j] = p->items[--p->nitems];
		}
		memmove(k, k + 1, (p->nkeys - i - 1) * sizeof(*k));
		p->nkeys--;
		return 0;
	}
	return 0;
}

static int add_item(struct iparse *p, struct node *n)
{
	if (grow((void **)&p->items, &p->capitems, p->nitems, sizeof(*p->items)) != 0)
		return ini_oom(p);
	p->items[p->nitems].key = n->key;
	p->items[p->nitems].keylen = n->keylen;
	p->items[p->nitems].val = n;
	p->nitems++;
	return 0;
}

static int key_line(struct iparse *p, const struct iline *l, size_t a)
{
	size_t ka, kb, off, region = p->npend ? p->pend[0].line_start : l->start;
	struct node *n, *comment;
	struct ival v;
	char auto_name[32];
	int line = p->line;

	if (ini_key_name(p, l, a, &ka, &kb, &off) != 0 || ini_read_value(p, l, off, &v) != 0)
		return -1;
	if (p->sec_meta)
		ini_unescape_tmp(p);
	if ((n = node_new(p->doc, NK_SCALAR)) == NULL ||
	    tvalue_set(p->doc, &n->val, VT_STR, p->tmp.len ? (char *)p->tmp.data : "",
		       p->tmp.len) != 0)
		return ini_oom(p);
	if (kb - ka == 1 && p->t[ka] == '-') {
		snprintf(auto_name, sizeof(auto_name), "#%d", p->count++);
		n->keylen = strlen(auto_name);
		n->key = pool_strdup(p->doc->pool, auto_name);
	} else {
		n->keylen = kb - ka;
		n->key = pool_strndup(p->doc->pool, p->t + ka, kb - ka);
	}
	if (n->key == NULL)
		return ini_oom(p);
	if (n->keylen == 0)
		return err_set(p->err, EX_COULD_NOT_READ, "error creating new key: empty key name");
	n->start = v.vs;
	n->end = v.ve;
	n->line = line;
	if (drop_older(p, n) != 0 || take_comment(p, l->start, 0, &comment) != 0)
		return -1;
	if (p->sec != NULL) {
		if (node_add_kid(p->doc, p->sec, n) != 0 ||
		    (comment != NULL && node_add_kid(p->doc, p->sec, comment) != 0))
			return ini_oom(p);
	} else if (p->sec_meta && add_item(p, n) != 0) {
		return -1;
	}
	if (grow((void **)&p->keys, &p->capkeys, p->nkeys, sizeof(*p->keys)) != 0)
		return ini_oom(p);
	p->keys[p->nkeys].key = n;
	p->keys[p->nkeys].comment = comment;
	p->keys[p->nkeys].region_start = region;
	p->keys[p->nkeys].region_end = v.last_next;
	p->nkeys++;
	p->body_end = v.last_next;
	return 0;
}

static int parse_lines(struct iparse *p)
{
	struct iline l;

	while (ini_read_line(p, &l)) {
		size_t a = ini_trim_left(p->t, l.start, l.next);
		int rc;

		if (a >= l.next)
			continue;
		if (p->t[a] == '#' || p->t[a] == ';')
			rc = ini_add_piece(p, a, l.next, &l, 0);
		else if (p->t[a] == '[')
			rc = section_header(p, &l, a);
		else
			rc = key_line(p, &l, a);
		if (rc != 0)
			return -1;
	}
	if (end_section(p) != 0)
		return -1;
	/* a last [sops] section takes the blank lines after it along (files of
	 * old ini.v1 versions end with one) */
	if (p->sec_sops && p->npend == 0 &&
	    ini_trim_left(p->t, p->body_end, p->len) == p->len)
		p->id->sops_cuts[p->id->nsops - 1].end = p->len;
	/* comment lines after the last key belong to nothing: sops drops them */
	if (p->npend > 0 &&
	    add_dropped(p, p->pend[0].line_start, p->pend[p->npend - 1].line_next) != 0)
		return -1;
	return 0;
}

static int start(struct iparse *p)
{
	struct sdoc *doc = p->doc;
	struct node *def;

	p->id = pool_alloc(doc->pool, sizeof(*p->id));
	p->root = node_new(doc, NK_MAP);
	def = node_new(doc, NK_MAP);
	doc->branches = pool_alloc(doc->pool, sizeof(*doc->branches));
	if (p->id == NULL || p->root == NULL || def == NULL || doc->branches == NULL ||
	    node_add_kid(doc, p->root, def) != 0)
		return ini_oom(p);
	def->key = "DEFAULT";
	def->keylen = 7;
	def->flags |= NODE_SYNTH;
	doc->priv = p->id;
	doc->branches[0] = p->root;
	doc->nbranches = 1;
	p->sec = def;
	/* ini.v1 skips a byte order mark */
	if (p->len >= 3 && memcmp(p->t, "\xef\xbb\xbf", 3) == 0)
		p->pos = 3;
	else if (p->len >= 2 && (memcmp(p->t, "\xfe\xff", 2) == 0 || memcmp(p->t, "\xff\xfe", 2) == 0))
		p->pos = 2;
	return 0;
}

static int finish(struct iparse *p)
{
	struct sdoc *doc = p->doc;

	if (p->id->nsops > 0 && flat_unflatten(doc, p->items, p->nitems, &doc->meta, p->err) != 0) {
		/* New plaintext with a [sops] section: the codec refuses it. */
		if (p->mode != PARSE_PLAIN || (doc->meta = node_new(doc, NK_MAP)) == NULL)
			return -1;
	}
	return sdoc_index_leaves(doc) == 0 ? 0 : ini_oom(p);
}

void ini_free_priv(struct sdoc *doc)
{
	struct ini_doc *id = doc->priv;

	if (id == NULL)
		return;
	free(id->comments);
	free(id->sops_cuts);
	free(id->dropped);
	memset(id, 0, sizeof(*id));
}

/* The arrays of struct ini_doc are on the heap (offsets, no secrets);
 * ini_free_priv releases them. */
int ini_parse(struct sdoc *doc, enum parse_mode mode, struct sops_err *err)
{
	struct iparse p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.doc = doc;
	p.err = err;
	p.mode = mode;
	p.t = doc->text;
	p.len = doc->len;
	buf_init(&p.ctext, 1);
	buf_init(&p.tmp, 1);
	rc = start(&p);
	if (rc == 0 && parse_lines(&p) != 0) {
		err_prefix(err, "Could not unmarshal input data: ");
		rc = -1;
	}
	if (rc == 0)
		rc = finish(&p);
	free(p.keys);
	free(p.pend);
	free(p.items);
	buf_free(&p.ctext);
	buf_free(&p.tmp);
	return rc;
}
