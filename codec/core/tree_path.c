/* tree_path.c - sops' index syntax and one-value edits of a plaintext
 * document (set / unset), made in the document's own text so the rest of
 * the file keeps its bytes. See tree_path.h. */
#include "tree_path.h"
#include "../../common/secure_mem.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tree_path_parse(const char *arg, struct tree_path *p)
{
	const char *s = arg;

	memset(p, 0, sizeof(*p));
	while (*s != '\0') {
		const char *end;
		size_t len;

		if (*s++ != '[' || p->n >= TREE_PATH_MAX)
			goto bad;
		end = strchr(s, ']');
		if (*s == '"' || *s == '\'') {
			const char *q = strchr(s + 1, *s);

			if (q == NULL || q[1] != ']')
				goto bad;
			end = q + 1;
			len = (size_t)(q - s - 1);
			p->c[p->n].key = strndup(s + 1, len);
			if (p->c[p->n].key == NULL)
				goto bad;
		} else {
			char *e;

			if (end == NULL || end == s)
				goto bad;
			p->c[p->n].index = strtol(s, &e, 10);
			if (e != end)
				goto bad;
		}
		p->n++;
		s = end + 1;
	}
	return p->n > 0 ? 0 : -1;
bad:
	tree_path_free(p);
	return -1;
}

void tree_path_free(struct tree_path *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->c[i].key);
	p->n = 0;
}

static struct node *child(const struct node *n, const struct tree_path *p, size_t i)
{
	long idx = 0;

	for (size_t k = 0; k < n->nkids; k++) {
		struct node *kid = n->kids[k];

		if (kid->kind == NK_COMMENT || (kid->flags & NODE_SEQ_COMMENT))
			continue;
		if (n->kind == NK_MAP && p->c[i].key != NULL && kid->key != NULL &&
		    kid->keylen == strlen(p->c[i].key) &&
		    memcmp(kid->key, p->c[i].key, kid->keylen) == 0)
			return kid;
		if (n->kind == NK_LIST && p->c[i].key == NULL && idx++ == p->c[i].index)
			return kid;
	}
	return NULL;
}

struct node *tree_path_find(const struct sdoc *doc, const struct tree_path *p)
{
	struct node *n = doc->nbranches > 0 ? doc->branches[0] : NULL;

	for (size_t i = 0; i < p->n && n != NULL; i++)
		n = child(n, p, i);
	return n;
}

int tree_value_parse(struct sdoc *doc, const char *json, size_t len, struct tvalue *v,
		     int *is_container)
{
	json_error_t e;
	json_t *j = json_loadb(json, len, JSON_DECODE_ANY, &e);
	int rc = -1;

	*is_container = 0;
	if (j == NULL)
		return -1;
	if (json_is_string(j))
		rc = tvalue_set(doc, v, VT_STR, json_string_value(j), json_string_length(j));
	else if (json_is_number(j))
		rc = tvalue_float(doc, v, json_number_value(j));
	else if (json_is_boolean(j))
		rc = tvalue_bool(doc, v, json_is_true(j));
	else if (json_is_null(j))
		rc = tvalue_set(doc, v, VT_NULL, "", 0);
	else
		*is_container = 1;
	json_decref(j);
	return rc;
}

static int render_one(const struct sdoc *doc, const struct node *n, const struct tvalue *v,
		      struct buf *out, struct sops_err *err)
{
	struct rep *reps = sm_alloc((doc->nleaves + 1) * sizeof(*reps));
	int rc;

	if (reps == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	reps[n->id].kind = REP_PLAIN;
	reps[n->id].val = *v;
	rc = doc->store->render(doc, reps, NULL, 0, out, err);
	sm_free(reps);
	return rc;
}

static size_t line_start(const char *t, size_t pos)
{
	while (pos > 0 && t[pos - 1] != '\n')
		pos--;
	return pos;
}

static size_t line_end(const char *t, size_t len, size_t pos)
{
	while (pos < len && t[pos] != '\n')
		pos++;
	return pos;
}

/* The last scalar kid of map m (where a new entry goes after), or NULL. */
static const struct node *last_scalar(const struct node *m)
{
	for (size_t k = m->nkids; k > 0; k--) {
		const struct node *kid = m->kids[k - 1];

		if (kid->kind == NK_COMMENT)
			continue;
		return kid->kind == NK_SCALAR && !(kid->flags & NODE_SYNTH) ? kid : NULL;
	}
	return NULL;
}

static size_t json_size(json_t *j)
{
	return json_is_object(j) ? json_object_size(j) : json_array_size(j);
}

static int buf_addf(struct buf *b, const char *fmt, ...)
{
	char tmp[256], *p = tmp;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(tmp)) {
		p = malloc((size_t)n + 1);
		if (p == NULL)
			return -1;
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rc = buf_add(b, p, (size_t)n);
	if (p != tmp)
		free(p);
	return rc;
}

/* A YAML plain scalar that reads back as the same string. */
static int yaml_plain_ok(const char *s)
{
	static const char *const words[] = { "true", "false", "null", "yes", "no", "on", "off",
					     "y", "n", "~" };

	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
			return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i]) == 0)
			return 0;
	return 1;
}

/* JSON text of j, or the plain YAML form of a simple string. */
static char *yaml_scalar(json_t *j)
{
	if (json_is_string(j) && yaml_plain_ok(json_string_value(j)))
		return strdup(json_string_value(j));
	return json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* YAML block text of a JSON container (keys and strings JSON-quoted, which
 * YAML reads as double-quoted scalars; containers inside lists in flow
 * style), each line starting with "\n" and indent spaces. */
static int yaml_block(json_t *j, int indent, struct buf *out)
{
	const char *k;
	json_t *v;
	size_t i;
	int rc = 0;

	if (json_is_object(j)) {
		json_object_foreach(j, k, v) {
			json_t *ks = json_string(k);
			char *q = ks ? yaml_scalar(ks) : NULL;

			rc |= q == NULL || buf_addc(out, '\n') || buf_addf(out, "%*s%s:", indent, "", q);
			if (q != NULL && (json_is_object(v) || json_is_array(v)) && json_size(v) > 0)
				rc |= yaml_block(v, indent + 4, out);
			else if (q != NULL) {
				char *d = yaml_scalar(v);

				rc |= d == NULL || buf_addf(out, " %s", d);
				free(d);
			}
			free(q);
			json_decref(ks);
		}
		return rc;
	}
	json_array_foreach(j, i, v) {
		char *d = yaml_scalar(v);

		rc |= d == NULL || buf_addc(out, '\n') || buf_addf(out, "%*s- %s", indent, "", d);
		free(d);
	}
	return rc;
}

/* The text of a new entry's value: "" (a placeholder to replace) for
 * scalars; for containers YAML block text or compact JSON. */
static int value_text(const char *store, json_t *j, int indent, struct buf *out)
{
	if (j == NULL)
		return buf_adds(out, !strcmp(store, "ini") ? "" : " \"\"");
	if (!strcmp(store, "json")) {
		char *d = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		int rc = d == NULL || buf_addf(out, " %s", d);

		free(d);
		return rc;
	}
	if (json_size(j) == 0) {
		char *d = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		int rc = d == NULL || buf_addf(out, " %s", d);

		free(d);
		return rc;
	}
	return yaml_block(j, indent + 4, out);
}

/* Text with a new entry `key` added to map m: a placeholder (empty string)
 * when container is NULL, else the container written out. */
static int add_placeholder(const struct sdoc *doc, const struct node *m, const char *key,
			   json_t *container, struct buf *out, struct sops_err *err)
{
	const struct node *last = last_scalar(m);
	const char *t = doc->text, *name = doc->store->name;
	json_t *js = json_string(key);
	char *qkey = js ? (!strcmp(name, "yaml") ? yaml_scalar(js)
					       : json_dumps(js, JSON_ENCODE_ANY)) : NULL;
	size_t at, ls;
	int rc = 0;

	json_decref(js);
	if (qkey == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	if (container != NULL && strcmp(name, "yaml") && strcmp(name, "json")) {
		rc = err_set(err, EX_ERROR, "sopsfs set: a %s file holds only scalar values", name);
	} else if (!strcmp(name, "dotenv") && m->parent == NULL) {
		at = doc->len;
		rc = buf_add(out, t, at) || (at > 0 && t[at - 1] != '\n' && buf_addc(out, '\n')) ||
		     buf_adds(out, key) || buf_adds(out, "=\n");
	} else if (!strcmp(name, "json") && m->parent == NULL && (last == NULL || last != m->kids[m->nkids - 1])) {
		at = doc->len;
		while (at > 0 && t[at - 1] != '}')
			at--;
		ls = at > 0 ? at - 1 : 0;
		while (ls > 0 && (t[ls - 1] == ' ' || t[ls - 1] == '\t' || t[ls - 1] == '\n' ||
				  t[ls - 1] == '\r'))
			ls--;
		rc = at == 0 || buf_add(out, t, ls) ||
		     buf_adds(out, ls > 0 && t[ls - 1] == '{' ? "\n\t" : ",\n\t") ||
		     buf_adds(out, qkey) || buf_addc(out, ':') ||
		     value_text(name, container, 0, out) || buf_add(out, t + ls, doc->len - ls);
	} else if (last == NULL) {
		rc = err_set(err, EX_ERROR, "sopsfs set: cannot add a key here (the mapping is "
			     "empty or ends with a nested value); edit the file instead");
	} else if (!strcmp(name, "json")) {
		ls = line_start(t, last->start);
		at = last->end;
		rc = buf_add(out, t, at) || buf_adds(out, ",\n") ||
		     buf_add(out, t + ls, strspn(t + ls, " \t")) || buf_adds(out, qkey) ||
		     buf_addc(out, ':') || value_text(name, container, 0, out) ||
		     buf_add(out, t + at, doc->len - at);
	} else if (!strcmp(name, "yaml") || !strcmp(name, "ini")) {
		ls = line_start(t, last->start);
		at = line_end(t, doc->len, last->end);
		rc = buf_add(out, t, at) || buf_addc(out, '\n') ||
		     buf_add(out, t + ls, strspn(t + ls, " \t")) ||
		     buf_adds(out, !strcmp(name, "yaml") ? qkey : key) ||
		     buf_adds(out, !strcmp(name, "yaml") ? ":" : " =") ||
		     value_text(name, container, (int)strspn(t + ls, " \t"), out) ||
		     buf_add(out, t + at, doc->len - at);
	} else {
		rc = err_set(err, EX_ERROR, "sopsfs set: cannot add a key to a %s file", name);
	}
	free(qkey);
	if (rc > 0)
		return err_set(err, EX_ERROR, "out of memory");
	return rc;
}

/* The parent mapping of p (for a new key), or NULL with err set. */
static const struct node *parent_map(const struct sdoc *doc, const struct tree_path *p,
				     struct sops_err *err)
{
	struct tree_path parent = *p;
	const struct node *m;

	parent.n = p->n - 1;
	m = tree_path_find(doc, &parent);
	if (m == NULL || m->kind != NK_MAP || p->c[p->n - 1].key == NULL) {
		err_set(err, EX_ERROR, "sopsfs set: the parent of the index does not exist or is "
			"not a mapping");
		return NULL;
	}
	return m;
}

/* A new key holding a mapping or list; the result must parse and have it. */
static int set_container(const struct sdoc *doc, const struct tree_path *p, const char *json,
			 size_t jlen, struct buf *out, struct sops_err *err)
{
	json_t *j = json_loadb(json, jlen, JSON_DECODE_ANY, NULL);
	const struct node *m = j != NULL ? parent_map(doc, p, err) : NULL;
	struct sdoc *check = NULL;
	int rc = -1;

	if (j == NULL)
		err_set(err, EX_ERROR, "Error unmarshalling input json: invalid JSON value");
	if (m != NULL && add_placeholder(doc, m, p->c[p->n - 1].key, j, out, err) == 0) {
		check = sdoc_parse(doc->store, (char *)out->data, out->len, PARSE_PLAIN, err);
		if (check != NULL && tree_path_find(check, p) != NULL)
			rc = 0;
		else if (check != NULL)
			err_set(err, EX_ERROR, "sopsfs set: could not add the key in place");
	}
	sdoc_free(check);
	json_decref(j);
	return rc;
}

static int same_value(const struct tvalue *a, const struct tvalue *b)
{
	return a->type == b->type && a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

int tree_set(const struct store_ops *store, const char *plain, size_t len,
	     const struct tree_path *p, const char *json, size_t jlen, struct buf *out,
	     int *changed, struct sops_err *err)
{
	struct sdoc *doc = sdoc_parse(store, plain, len, PARSE_PLAIN, err), *doc2 = NULL;
	struct buf tmp = BUF_INIT_SECURE;
	struct tvalue v;
	struct node *n;
	int container, rc = -1;

	*changed = 0;
	if (doc == NULL)
		return -1;
	if (tree_value_parse(doc, json, jlen, &v, &container) != 0 && !container) {
		err_set(err, EX_ERROR, "Error unmarshalling input json: invalid JSON value");
		goto done;
	}
	n = tree_path_find(doc, p);
	if (container && n != NULL) {
		err_set(err, EX_ERROR, "sopsfs set: a mapping or list can only be set as a new key");
		goto done;
	}
	if (container) {
		rc = set_container(doc, p, json, jlen, out, err);
		*changed = rc == 0;
		goto done;
	}
	if (n != NULL && n->kind != NK_SCALAR) {
		err_set(err, EX_ERROR, "sopsfs set: the index points to a mapping or list");
		goto done;
	}
	if (n != NULL) {
		*changed = !same_value(&n->val, &v);
		rc = *changed ? render_one(doc, n, &v, out, err) : 0;
		goto done;
	}
	{
		struct tree_path parent = *p;
		struct node *m;

		parent.n = p->n - 1;
		m = tree_path_find(doc, &parent);
		if (m == NULL || m->kind != NK_MAP || p->c[p->n - 1].key == NULL) {
			err_set(err, EX_ERROR, "sopsfs set: the parent of the index does not exist "
				"or is not a mapping");
			goto done;
		}
		if (add_placeholder(doc, m, p->c[p->n - 1].key, NULL, &tmp, err) != 0)
			goto done;
	}
	doc2 = sdoc_parse(store, (char *)tmp.data, tmp.len, PARSE_PLAIN, err);
	if (doc2 == NULL || (n = tree_path_find(doc2, p)) == NULL || n->kind != NK_SCALAR) {
		if (doc2 != NULL)
			err_set(err, EX_ERROR, "sopsfs set: could not add the key in place");
		goto done;
	}
	*changed = 1;
	rc = render_one(doc2, n, &v, out, err);
done:
	sdoc_free(doc2);
	sdoc_free(doc);
	buf_free(&tmp);
	return rc;
}

/* Remove scalar n's entry: its whole line for YAML/dotenv/INI (the line
 * must hold nothing else), `"key": value` and one comma for JSON. */
static int cut_entry(const struct sdoc *doc, const struct node *n, struct buf *out)
{
	const char *t = doc->text;
	size_t a = line_start(t, n->start), b = line_end(t, doc->len, n->end);

	if (!strcmp(doc->store->name, "json")) {
		size_t k = n->start, e = n->end;

		while (k > 0 && t[k - 1] != ',' && t[k - 1] != '{')
			k--;
		while (e < doc->len && (t[e] == ' ' || t[e] == '\t' || t[e] == '\r' || t[e] == '\n'))
			e++;
		if (e < doc->len && t[e] == ',')
			a = k, b = e + 1;            /* "k": v,  -> drop through the comma */
		else if (k > 0 && t[k - 1] == ',')
			a = k - 1, b = n->end;       /* , "k": v (last) */
		else
			a = k, b = n->end;           /* the only member */
		return buf_add(out, t, a) || buf_add(out, t + b, doc->len - b);
	}
	if (b < doc->len)
		b++;
	return buf_add(out, t, a) || buf_add(out, t + b, doc->len - b);
}

int tree_unset(const struct store_ops *store, const char *plain, size_t len,
	       const struct tree_path *p, struct buf *out, struct sops_err *err)
{
	struct sdoc *doc = sdoc_parse(store, plain, len, PARSE_PLAIN, err), *doc2 = NULL;
	struct node *n;
	int rc = -1;

	if (doc == NULL)
		return -1;
	n = tree_path_find(doc, p);
	if (n == NULL) {
		rc = 0;
		goto done;
	}
	if (n->kind != NK_SCALAR || n->key == NULL) {
		err_set(err, EX_ERROR, "sopsfs unset: only a scalar entry of a mapping can be "
			"removed yet");
		goto done;
	}
	if (cut_entry(doc, n, out) != 0) {
		err_set(err, EX_ERROR, "out of memory");
		goto done;
	}
	/* Check: the result parses, the entry is gone, one leaf less. */
	doc2 = sdoc_parse(store, (char *)out->data, out->len, PARSE_PLAIN, err);
	if (doc2 == NULL || tree_path_find(doc2, p) != NULL) {
		err_set(err, EX_ERROR, "sopsfs unset: could not remove the entry in place");
		goto done;
	}
	rc = 1;
done:
	sdoc_free(doc2);
	sdoc_free(doc);
	return rc;
}
