/* cli_decrypt.c - `sopsfs decrypt` (with sops' --input-type, --output-type,
 * --indent, --extract, --in-place, --output, stdin) and `sopsfs replace`. */
#include "cli.h"
#include "../common/atomic_write.h"
#include "../codec/core/sops_file.h"
#include "../codec/core/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_stdout(const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, c, n);

		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char dec_usage[] =
"usage: sopsfs decrypt [--ignore-mac] [--input-type T] [--output-type T] [--indent N]\n"
"                      [--extract INDEX] [-i|--in-place | --output FILE]\n"
"                      [--filename-override NAME] FILE|-\n"
"  Print the plaintext of a SOPS file (from stdin with -). Types: yaml, json,\n"
"  dotenv, ini, binary; --output-type json|dotenv converts; --extract prints\n"
"  one value (sops index syntax, e.g. '[\"db\"][\"password\"]').\n";

struct dec_args {
	struct sops_opts opts;
	const char *path, *in_type, *out_type, *extract, *output, *name;
	int in_place, indent;
};

static int dec_parse(int argc, char **argv, struct dec_args *a)
{
	memset(a, 0, sizeof(*a));
	a->indent = -1;
	a->opts.keep_values = 1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = NULL;

		if (!strcmp(o, "--ignore-mac"))
			a->opts.ignore_mac = 1;
		else if (!strcmp(o, "-i") || !strcmp(o, "--in-place"))
			a->in_place = 1;
		else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			fputs(dec_usage, stdout);
			return -1;
		} else if (!strcmp(o, "--input-type"))
			slot = &a->in_type;
		else if (!strcmp(o, "--output-type"))
			slot = &a->out_type;
		else if (!strcmp(o, "--extract"))
			slot = &a->extract;
		else if (!strcmp(o, "--output"))
			slot = &a->output;
		else if (!strcmp(o, "--filename-override"))
			slot = &a->name;
		else if (!strcmp(o, "--indent") && v != NULL) {
			a->indent = atoi(v);
			i++;
		} else if (o[0] == '-' && o[1] != '\0') {
			fprintf(stderr, "sopsfs decrypt: unknown option %s\n%s", o, dec_usage);
			return EX_INVALID_ARGS;
		} else if (a->path == NULL) {
			a->path = o;
		} else {
			fprintf(stderr, "sopsfs decrypt: only one file can be given\n");
			return EX_INVALID_ARGS;
		}
		if (slot != NULL) {
			if (v == NULL) {
				fprintf(stderr, "sopsfs decrypt: %s needs a value\n", o);
				return EX_INVALID_ARGS;
			}
			*slot = v;
			i++;
		}
	}
	if (a->path == NULL || (a->in_place && (a->output || !strcmp(a->path, "-")))) {
		fputs(dec_usage, stderr);
		return EX_INVALID_ARGS;
	}
	if ((a->in_type && !store_by_name(a->in_type)) || (a->out_type && !store_by_name(a->out_type))) {
		fprintf(stderr, "sopsfs decrypt: unknown type (use yaml, json, dotenv, ini, binary)\n");
		return EX_INVALID_ARGS;
	}
	return 0;
}

/* The store of the encrypted input: --input-type, else the name (the
 * override for stdin) as sops decides it: a name without a known suffix is
 * the binary store, like `sops decrypt` (its "Error dumping file" for a JSON
 * file named `hidden-json`; the mount decides such names by content).
 * Standard input without a name has nothing to go by but its content. */
static const struct store_ops *dec_store(const struct dec_args *a, const struct buf *text)
{
	const char *name = a->name ? a->name : a->path;

	if (a->in_type != NULL)
		return store_by_name(a->in_type);
	if (strcmp(name, "-") == 0)
		return store_for_content("", (char *)text->data, text->len);
	return store_for_path(name);
}

/* The view, converted / extracted when asked. */
static int dec_output(const struct dec_args *a, const struct sops_file *f, struct buf *out,
		      struct sops_err *err)
{
	const struct store_ops *to = a->out_type ? store_by_name(a->out_type) : f->store;
	struct tree_path p;
	const struct sdoc *doc;
	int rc;

	if (!a->extract && (to == f->store && (a->indent < 0 || to != &json_store)))
		return buf_add(out, f->view.data, f->view.len) ? err_set(err, EX_ERROR, "oom") : 0;
	if (a->extract && tree_path_parse(a->extract, &p) != 0)
		return err_set(err, 91, "error parsing --extract path: bad index %s", a->extract);
	doc = f->doc;          /* its leaves hold the decrypted values (keep_values) */
	if (a->extract)
		rc = convert_extract(doc, &p, to, a->indent, out, err);
	else
		rc = convert_doc(doc, to, a->indent, out, err);
	if (a->extract)
		tree_path_free(&p);
	return rc;
}

int cli_decrypt(int argc, char **argv)
{
	struct dec_args a;
	struct sops_err err;
	struct buf text = BUF_INIT, out = BUF_INIT_SECURE;
	struct sops_file *f = NULL;
	int rc = dec_parse(argc, argv, &a);

	if (rc != 0)
		return rc < 0 ? 0 : rc;
	err_clear(&err);
	if (cli_read_file(a.path, &text, &err) != 0 ||
	    sops_file_open_as(dec_store(&a, &text), (char *)text.data, text.len, NULL, &a.opts, &f,
			      &err) != 0 ||
	    dec_output(&a, f, &out, &err) != 0)
		rc = cli_fail(&err);
	else if (a.in_place || a.output)
		rc = atomic_replace_path(a.in_place ? a.path : a.output, out.data, out.len, &err) == 0
			     ? 0 : cli_fail(&err);
	else
		rc = write_stdout(out.data, out.len) == 0 ? 0 : EX_COULD_NOT_WRITE;
	sops_file_free(f);
	buf_free(&text);
	buf_free(&out);
	return rc;
}

int cli_replace(int argc, char **argv)
{
	struct sops_opts opts = { 0 };
	struct sops_err err;
	struct buf text = BUF_INIT, plain = BUF_INIT_SECURE, out = BUF_INIT;
	struct sops_file *f = NULL, *nf = NULL;
	const char *args[2] = { NULL, "-" };
	int nargs = 0, rc = 0;

	err_clear(&err);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ignore-mac") == 0)
			opts.ignore_mac = 1;
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "sopsfs replace: unknown option %s\n", argv[i]);
			return EX_INVALID_ARGS;
		} else if (nargs < 2)
			args[nargs++] = argv[i];
		else {
			fprintf(stderr, "usage: sopsfs replace FILE [PLAINFILE|-]\n");
			return EX_INVALID_ARGS;
		}
	}
	if (nargs == 0) {
		fprintf(stderr, "usage: sopsfs replace FILE [PLAINFILE|-]\n");
		return EX_INVALID_ARGS;
	}
	if (cli_read_file(args[0], &text, &err) != 0 ||
	    cli_read_file(args[1], &plain, &err) != 0 ||
	    sops_file_open(args[0], (char *)text.data, text.len, &opts, &f, &err) != 0 ||
	    sops_file_reencrypt(f, (char *)plain.data, plain.len, &out, &nf, &err) != 0 ||
	    (nf != NULL && atomic_replace_path(args[0], out.data, out.len, &err) != 0))
		rc = cli_fail(&err);
	sops_file_free(nf);
	sops_file_free(f);
	buf_free(&text);
	buf_free(&plain);
	buf_free(&out);
	return rc;
}
