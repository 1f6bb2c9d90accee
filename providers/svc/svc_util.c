/* svc_util.c - helpers shared by the azure_kv, hc_vault and hckms providers. */
#include "svc_util.h"
#include "../net/secret_file.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void svc_created_now(char out[32])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int svc_read_secret_raw(const char *path, size_t max, struct buf *out)
{
	if (secret_file_read(path, max, 0, out) == 0)
		return 0;
	return errno == ENOENT ? 1 : -1;
}

int svc_read_secret_file(const char *path, size_t max, struct buf *out)
{
	size_t start = out->len, s, e;
	int rc = svc_read_secret_raw(path, max, out);

	if (rc != 0)
		return rc;
	for (s = start; s < out->len && out->data[s] != 0 && strchr(" \t\r\n", out->data[s]); s++)
		;
	for (e = out->len; e > s && out->data[e - 1] != 0 && strchr(" \t\r\n", out->data[e - 1]); e--)
		;
	memmove(out->data + start, out->data + s, e - s);
	buf_truncate(out, start + (e - s));
	return 0;
}

static int add_clean(struct buf *out, const char *s, size_t *budget)
{
	for (; *s != '\0' && *budget > 0; s++, (*budget)--)
		if (buf_addc(out, (unsigned char)*s < 0x20 ? ' ' : *s) != 0)
			return -1;
	return 0;
}

static json_t *walk(json_t *root, const char *path)
{
	char part[64];
	json_t *cur = root;

	while (cur != NULL && *path != '\0') {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		cur = json_is_object(cur) ? json_object_get(cur, part) : NULL;
		path += n + (path[n] == '.');
	}
	return cur;
}

int svc_json_error(const struct buf *body, const char *const *paths, struct buf *out)
{
	json_t *root;
	int rc = 1;

	if (body->len == 0)
		return 1;
	root = json_loadb((const char *)body->data, body->len, 0, NULL);
	for (size_t i = 0; root != NULL && paths[i] != NULL && rc == 1; i++) {
		json_t *v = walk(root, paths[i]);
		size_t budget = 300, k;
		json_t *item;

		if (json_is_string(v) && json_string_length(v) > 0)
			rc = add_clean(out, json_string_value(v), &budget) == 0 ? 0 : 1;
		else if (json_is_array(v) && json_array_size(v) > 0) {
			json_array_foreach(v, k, item) {
				if (!json_is_string(item))
					continue;
				if (rc == 0 && buf_adds(out, "; ") != 0)
					break;
				add_clean(out, json_string_value(item), &budget);
				rc = 0;
			}
		}
	}
	json_decref(root);
	return rc;
}

int svc_home_path(const char *rel, struct buf *out)
{
	return home_path(rel, out);
}
