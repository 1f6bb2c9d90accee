/* cli_set.c - `sopsfs set [--value-file|--value-stdin] [--idempotent] FILE
 * INDEX VALUE` and `sopsfs unset [--idempotent] FILE INDEX` with sops'
 * index syntax (["a"]["b"][0]) and JSON values. The edit is made in the
 * decrypted text and re-encrypted with the file's own data key, so only
 * the touched value (plus lastmodified and mac) changes. */
#include "cli.h"
#include "../common/atomic_write.h"
#include "../codec/core/sops_file.h"
#include "../codec/core/tree_path.h"

#include <stdio.h>
#include <string.h>

static const char set_usage[] =
"usage: sopsfs set [--value-file|--value-stdin] [--idempotent] [--ignore-mac] FILE INDEX VALUE\n"
"  Set the value at INDEX (sops syntax: '[\"key\"][\"sub\"][0]') to VALUE, a JSON\n"
"  value ('\"text\"', 42, true, null). --value-file: VALUE names a file holding\n"
"  the JSON; --value-stdin: read it from stdin. Nothing is written when the\n"
"  value is already equal.\n";

static const char unset_usage[] =
"usage: sopsfs unset [--idempotent] [--ignore-mac] FILE INDEX\n"
"  Remove the entry at INDEX. --idempotent: a missing INDEX is not an error.\n";

struct set_args {
	int value_file, value_stdin, idempotent;
	struct sops_opts opts;
	const char *pos[3];
	int npos;
};

static int parse(int argc, char **argv, const char *cmd, const char *usage, int want,
		 struct set_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (a->npos == 0 && o[0] == '-' && o[1] != '\0') {
			if (!strcmp(o, "--idempotent"))
				a->idempotent = 1;
			else if (!strcmp(o, "--ignore-mac"))
				a->opts.ignore_mac = 1;
			else if (want == 3 && !strcmp(o, "--value-file"))
				a->value_file = 1;
			else if (want == 3 && !strcmp(o, "--value-stdin"))
				a->value_stdin = 1;
			else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
				fputs(usage, stdout);
				return -1;
			} else {
				fprintf(stderr, "sopsfs %s: unknown option %s\n%s", cmd, o, usage);
				return EX_INVALID_ARGS;
			}
		} else if (a->npos < 3) {
			a->pos[a->npos++] = o;
		} else {
			a->npos = 99;
		}
	}
	if (a->value_stdin)
		want--;
	if (a->npos != want) {
		fputs(usage, stderr);
		return EX_INVALID_ARGS;
	}
	return 0;
}

static int open_file(const char *path, const struct set_args *a, struct buf *text,
		     struct sops_file **f, struct sops_err *err)
{
	if (cli_read_file(path, text, err) != 0)
		return -1;
	return sops_file_open(path, (char *)text->data, text->len, &a->opts, f, err);
}

/* Re-encrypt plain into path (nothing written if nothing changes). */
static int commit(const char *path, const struct sops_file *f, const struct buf *plain,
		  struct sops_err *err)
{
	struct buf out = BUF_INIT;
	struct sops_file *nf = NULL;
	int rc = sops_file_reencrypt(f, (char *)plain->data, plain->len, &out, &nf, err);

	if (rc == 0 && nf != NULL)
		rc = atomic_replace_path(path, out.data, out.len, err);
	sops_file_free(nf);
	buf_free(&out);
	return rc;
}

int cli_set(int argc, char **argv)
{
	struct set_args a;
	struct tree_path p;
	struct buf text = BUF_INIT, value = BUF_INIT_SECURE, plain = BUF_INIT_SECURE;
	struct sops_file *f = NULL;
	struct sops_err err;
	int rc = parse(argc, argv, "set", set_usage, 3, &a), changed = 0;

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	err_clear(&err);
	if (tree_path_parse(a.pos[1], &p) != 0) {
		fprintf(stderr, "Invalid set index format\n");
		return EX_INVALID_ARGS;
	}
	if (a.value_stdin || a.value_file)
		rc = cli_read_file(a.value_stdin ? "-" : a.pos[2], &value, &err);
	else
		rc = buf_adds(&value, a.pos[2]) == 0 ? 0 : err_set(&err, EX_ERROR, "out of memory");
	if (rc == 0 && open_file(a.pos[0], &a, &text, &f, &err) == 0 &&
	    tree_set(f->store, (char *)f->view.data, f->view.len, &p, (char *)value.data,
		     value.len, &plain, &changed, &err) == 0 &&
	    (!changed || commit(a.pos[0], f, &plain, &err) == 0))
		rc = 0;
	else
		rc = cli_fail(&err);
	tree_path_free(&p);
	sops_file_free(f);
	buf_free(&text);
	buf_free(&value);
	buf_free(&plain);
	return rc;
}

int cli_unset(int argc, char **argv)
{
	struct set_args a;
	struct tree_path p;
	struct buf text = BUF_INIT, plain = BUF_INIT_SECURE;
	struct sops_file *f = NULL;
	struct sops_err err;
	int rc = parse(argc, argv, "unset", unset_usage, 2, &a), r;

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	err_clear(&err);
	if (tree_path_parse(a.pos[1], &p) != 0) {
		fprintf(stderr, "Invalid unset index format\n");
		return EX_INVALID_ARGS;
	}
	if (open_file(a.pos[0], &a, &text, &f, &err) != 0 ||
	    (r = tree_unset(f->store, (char *)f->view.data, f->view.len, &p, &plain, &err)) < 0 ||
	    (r == 1 && commit(a.pos[0], f, &plain, &err) != 0)) {
		rc = cli_fail(&err);
	} else if (r == 0 && !a.idempotent) {
		fprintf(stderr, "component %s not found\n", a.pos[1]);
		rc = EX_ERROR;
	}
	tree_path_free(&p);
	sops_file_free(f);
	buf_free(&text);
	buf_free(&plain);
	return rc;
}
