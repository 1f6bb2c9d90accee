/* cli_decrypt.c - `sopsfs decrypt` and `sopsfs replace`. */
#include "cli.h"
#include "../common/atomic_write.h"
#include "../codec/core/sops_file.h"

#include <stdio.h>
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

int cli_decrypt(int argc, char **argv)
{
	struct sops_opts opts = { 0 };
	struct sops_err err;
	struct buf text = BUF_INIT;
	struct sops_file *f = NULL;
	const char *path = NULL;
	int rc;

	err_clear(&err);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ignore-mac") == 0)
			opts.ignore_mac = 1;
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "sopsfs decrypt: unknown option %s\n", argv[i]);
			return EX_INVALID_ARGS;
		} else if (path == NULL)
			path = argv[i];
		else {
			fprintf(stderr, "sopsfs decrypt: only one file can be given\n");
			return EX_INVALID_ARGS;
		}
	}
	if (path == NULL) {
		fprintf(stderr, "usage: sopsfs decrypt [--ignore-mac] FILE\n");
		return EX_INVALID_ARGS;
	}
	if (cli_read_file(path, &text, &err) != 0)
		return cli_fail(&err);
	if (sops_file_open(path, (char *)text.data, text.len, &opts, &f, &err) != 0) {
		buf_free(&text);
		return cli_fail(&err);
	}
	rc = write_stdout(f->view.data, f->view.len) == 0 ? 0 : EX_COULD_NOT_WRITE;
	sops_file_free(f);
	buf_free(&text);
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
