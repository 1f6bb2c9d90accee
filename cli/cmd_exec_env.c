/* cmd_exec_env.c - `sopsfs exec-env FILE CMD` (sops exec-env): run CMD with
 * `/bin/sh -c` and the file's top-level values added to its environment.
 *
 * Values are rendered as sops' ValToString does (strings as they are,
 * numbers, true/false, RFC 3339 times); lists, maps, non-string keys and
 * keys with '=' are refused like sops does. Flags: --pristine (only the
 * values, no inherited environment), --user NAME, --background (start CMD,
 * do not wait; deprecated in sops), --same-process (exec CMD in place),
 * --ignore-mac, --input-type TYPE. Exit status: CMD's.
 *
 * The environment strings are built in ordinary heap memory just before the
 * fork (secure memory is wiped in a forked child) and wiped right after.
 */
#include "exec_run.h"
#include "cli.h"
#include "../codec/core/sops_file.h"
#include "../codec/core/gofmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

struct env_args {
	const char *file, *cmd, *user, *type;
	int pristine, background, same_process;
	struct sops_opts opts;
};

static const char env_usage[] =
	"usage: sopsfs exec-env [--pristine] [--user NAME] [--background] [--same-process]\n"
	"                       [--ignore-mac] [--input-type TYPE] FILE COMMAND\n"
	"Run COMMAND with /bin/sh -c, with the top-level values of the decrypted FILE\n"
	"in its environment; exit with COMMAND's status.\n";

static int parse_args(int argc, char **argv, struct env_args *a)
{
	int npos = 0;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			fputs(env_usage, stdout);
			return -1;
		} else if (strcmp(o, "--pristine") == 0) {
			a->pristine = 1;
		} else if (strcmp(o, "--background") == 0) {
			a->background = 1;
		} else if (strcmp(o, "--same-process") == 0) {
			a->same_process = 1;
		} else if (strcmp(o, "--ignore-mac") == 0) {
			a->opts.ignore_mac = 1;
		} else if ((strcmp(o, "--user") == 0 || strcmp(o, "--input-type") == 0) &&
			   i + 1 < argc) {
			*(o[2] == 'u' ? &a->user : &a->type) = argv[++i];
		} else if (o[0] == '-' && o[1] != '\0' && npos < 2) {
			fprintf(stderr, "sopsfs exec-env: unknown option %s\n%s", o, env_usage);
			return EX_INVALID_ARGS;
		} else if (npos < 2) {
			*(npos++ == 0 ? &a->file : &a->cmd) = o;
		} else {
			npos++;
		}
	}
	if (npos != 2) {
		fprintf(stderr, "error: missing file to decrypt\n");
		return EX_ERROR;
	}
	if (a->background && a->same_process) {
		fprintf(stderr, "Error: The --same-process flag cannot be used with --background\n");
		return 16;   /* sops codes.ErrorConflictingParameters */
	}
	return 0;
}

/* sops stores.ValToString */
static int value_string(const struct tvalue *v, struct buf *out)
{
	switch (v->type) {
	case VT_INT:
		return go_format_int(out, v->i);
	case VT_FLOAT:
		return go_format_float_dotenv(out, v->f);
	case VT_BOOL:
		return buf_adds(out, v->b ? "true" : "false");
	case VT_TIME:
		return go_format_rfc3339(out, &v->t);
	case VT_NULL:
		return buf_adds(out, "<nil>");
	default:
		return buf_add(out, v->s, v->len);
	}
}

/* A float the view renders without a fraction ("2.0" shows as 2) parses
 * back as an int: the ENC tag of the file's own item says float. */
static int was_float(const struct sops_file *f, const struct node *n)
{
	const struct node *root = f->doc->nbranches > 0 ? f->doc->branches[0] : NULL;

	for (size_t i = 0; root != NULL && i < root->nkids; i++) {
		const struct node *e = root->kids[i];

		if (e->kind == NK_SCALAR && e->key != NULL && e->keylen == n->keylen &&
		    memcmp(e->key, n->key, n->keylen) == 0 && e->val.type == VT_STR)
			return strstr(e->val.s, ",type:float]") != NULL;
	}
	return 0;
}

/* "KEY=VALUE\0" for each top-level item of the view into out (secure). */
static int collect(const struct sops_file *f, struct buf *out, size_t *count,
		   struct sops_err *err)
{
	struct sdoc *doc = sdoc_parse(f->store, (const char *)f->view.data, f->view.len,
				      PARSE_PLAIN, err);
	const struct node *root;
	int rc = 0;

	if (doc == NULL)
		return -1;
	root = doc->nbranches > 0 ? doc->branches[0] : NULL;
	for (size_t i = 0; root != NULL && i < root->nkids && rc == 0; i++) {
		const struct node *n = root->kids[i];

		if (n->kind == NK_COMMENT)
			continue;
		if (n->kind != NK_SCALAR)
			rc = err_set(err, EX_ERROR, "cannot use complex value in environment; "
				     "offending key %.*s", (int)n->keylen, n->key);
		else if (n->keytype != NULL)
			rc = err_set(err, EX_ERROR, "cannot use non-string keys in environment, "
				     "got %s", n->keytype);
		else if (memchr(n->key, '=', n->keylen) != NULL)
			rc = err_set(err, EX_ERROR, "cannot use keys with '=' in environment: %.*s",
				     (int)n->keylen, n->key);
		else if (buf_add(out, n->key, n->keylen) != 0 || buf_addc(out, '=') != 0 ||
			 (n->val.type == VT_INT && was_float(f, n) ?
			  go_format_float_dotenv(out, (double)n->val.i) :
			  value_string(&n->val, out)) != 0 || buf_addc(out, '\0') != 0)
			rc = err_set(err, EX_ERROR, "out of memory");
		else
			(*count)++;
	}
	sdoc_free(doc);
	return rc;
}

static size_t key_len(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq ? (size_t)(eq - s) : strlen(s);
}

/* Build envp: inherited (unless pristine), then the values, then the user's
 * HOME/USER/LOGNAME; a later entry wins over an earlier one with the same
 * name (Go's exec.Cmd). Strings are copied into one heap block (*block). */
static char **build_env(const struct env_args *a, const struct buf *vals, size_t nvals,
			const struct exec_user *u, char **block, size_t *block_len)
{
	struct buf all = BUF_INIT;
	size_t n = 0, k = 0;
	char **envp = NULL, *p;
	int bad = 0;

	if (!a->pristine)
		for (char **e = environ; *e != NULL; e++, n++)
			bad |= buf_add(&all, *e, strlen(*e) + 1);
	bad |= buf_add(&all, vals->data, vals->len);
	n += nvals;
	if (u->set) {
		bad |= buf_printf(&all, "HOME=%s%cUSER=%s%cLOGNAME=%s%c", u->home, 0, u->name, 0,
				  u->name, 0);
		n += 3;
	}
	if (!bad)
		envp = calloc(n + 1, sizeof(*envp));
	if (envp == NULL || all.data == NULL) {
		free(envp);
		buf_free(&all);
		return NULL;
	}
	p = (char *)all.data;
	for (size_t i = 0; i < n; i++, p += strlen(p) + 1) {
		size_t kl = key_len(p);
		size_t j;

		for (j = 0; j < k && !(key_len(envp[j]) == kl && memcmp(envp[j], p, kl) == 0); j++)
			;
		envp[j] = p;
		if (j == k)
			k++;
	}
	envp[k] = NULL;
	*block = (char *)buf_steal(&all, block_len);
	return envp;
}

static int run(const struct env_args *a, const struct buf *vals, size_t nvals,
	       const struct exec_user *u)
{
	char *sh[] = { "/bin/sh", "-c", (char *)a->cmd, NULL };
	char *block = NULL;
	size_t block_len = 0;
	char **envp = build_env(a, vals, nvals, u, &block, &block_len);
	pid_t pid;

	if (envp == NULL) {
		fprintf(stderr, "sopsfs exec-env: out of memory\n");
		return EX_ERROR;
	}
	if (a->same_process) {
		if (exec_child_prepare(u) != 0)
			return EX_ERROR;
		execve(sh[0], sh, envp);
		perror("sopsfs exec-env: /bin/sh");
		return EX_ERROR;
	}
	pid = exec_spawn(sh, envp, u, NULL);
	explicit_bzero(block, block_len);
	free(block);
	free(envp);
	if (pid < 0)
		return EX_ERROR;
	if (a->background)
		return 0;
	return exec_wait(pid, 0, NULL);
}

int cli_exec_env(int argc, char **argv)
{
	struct env_args a;
	struct exec_user u;
	struct sops_err err;
	struct buf text = BUF_INIT, vals = BUF_INIT_SECURE;
	struct sops_file *f = NULL;
	const struct store_ops *store;
	size_t nvals = 0;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&u, 0, sizeof(u));
	err_clear(&err);
	rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (a.user != NULL && exec_user_lookup(a.user, &u) != 0)
		return EX_ERROR;
	store = a.type ? store_by_name(a.type) : store_for_path(a.file);
	if (store == NULL)
		store = &binary_store;   /* sops: an unknown format is binary */
	if (a.background)
		fprintf(stderr, "exec-env's --background option is deprecated and will be removed "
			"in a future version of sops\n");
	exec_signals_setup();
	if (cli_read_file(a.file, &text, &err) != 0 ||
	    sops_file_open_as(store, (char *)text.data, text.len, NULL, &a.opts, &f, &err) != 0 ||
	    collect(f, &vals, &nvals, &err) != 0)
		rc = cli_fail(&err);
	else
		rc = run(&a, &vals, nvals, &u);
	sops_file_free(f);
	buf_free(&text);
	buf_free(&vals);
	return rc;
}
