/* age_identities.c - where age identities come from, as in sops 3.13
 * (age/keysource.go loadIdentities, sops-format.md 5.1), and the store that
 * keeps them in locked memory.
 *
 * Every source is read and the identities combined: SSH key file and
 * command, ~/.ssh/id_ed25519 and ~/.ssh/id_rsa, SOPS_AGE_KEY (several keys
 * per line), SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD and the user config
 * keys.txt. Load errors and unused locations are kept to build sops'
 * failure texts. Differences from sops (documented in age_provider.h):
 * post-quantum and plugin identities are skipped, passphrase-protected SSH
 * keys and age-encrypted identity files are refused (a note goes to the
 * load errors), the readers are read in a fixed order (sops iterates a Go
 * map), and the identities are loaded once and cached.
 */
#include "age_provider.h"
#include "../../common/secure_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_UNUSED 16
#define MAX_READERS 4

/* Unwraps hold it for reading (in parallel: the identities are read-only
 * while loaded); loading and forgetting hold it for writing. */
static pthread_rwlock_t store_lock = PTHREAD_RWLOCK_INITIALIZER;

static struct {
	int loaded;
	struct age_identity **ids;
	size_t n;
	struct buf errs;               /* load errors joined with "; " */
	char *unused[MAX_UNUSED];      /* locations without keys */
	size_t nunused;
} store;

struct reader {
	char *location;                /* env var name or file path */
	struct buf data;               /* secure */
	int multi;                     /* several keys per line (SOPS_AGE_KEY) */
};

/* ---- store helpers ---------------------------------------------------- */

static int add_id(struct age_identity *id)
{
	struct age_identity **n = realloc(store.ids, (store.n + 1) * sizeof(*n));

	if (n == NULL) {
		age_identity_free(id);
		return -1;
	}
	store.ids = n;
	store.ids[store.n++] = id;
	return 0;
}

static void add_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (store.errs.len > 0)
		buf_adds(&store.errs, "; ");
	buf_adds(&store.errs, msg);
}

static void add_unused(const char *location)
{
	if (store.nunused < MAX_UNUSED && (store.unused[store.nunused] = strdup(location)) != NULL)
		store.nunused++;
}

static void store_clear(void)
{
	for (size_t i = 0; i < store.n; i++)
		age_identity_free(store.ids[i]);
	free(store.ids);
	store.ids = NULL;
	store.n = 0;
	buf_free(&store.errs);
	for (size_t i = 0; i < store.nunused; i++)
		free(store.unused[i]);
	store.nunused = 0;
	store.loaded = 0;
}

/* ---- files and paths -------------------------------------------------- */

/* Go's lowercase error text for errno ("no such file or directory"). */
static const char *go_strerror(int e, char *out, size_t cap)
{
	snprintf(out, cap, "%s", strerror(e));
	if (out[0] >= 'A' && out[0] <= 'Z')
		out[0] = (char)(out[0] - 'A' + 'a');
	return out;
}

/* Read a whole file into a secure buffer; -1 with errno set. */
static int read_file(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r;

		if (buf_reserve(out, 4096) != 0) {
			close(fd);
			errno = ENOMEM;
			return -1;
		}
		r = read(fd, out->data + out->len, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = errno;

			close(fd);
			errno = e;
			return r == 0 ? 0 : -1;
		}
		out->len += (size_t)r;
		out->data[out->len] = '\0';
	}
}

/* filepath.Join(base, rel) for the simple cases sops has. */
static char *path_join(const char *base, const char *rel)
{
	size_t bl = strlen(base);
	char *p;

	while (bl > 1 && base[bl - 1] == '/')
		bl--;
	p = malloc(bl + 1 + strlen(rel) + 1);
	if (p != NULL)
		sprintf(p, "%.*s/%s", (int)bl, base, rel);
	return p;
}

static void quoted(const char *s, char *out, size_t cap)
{
	struct buf q = BUF_INIT;

	age_goquote(&q, s, strlen(s));
	snprintf(out, cap, "%s", q.data ? (char *)q.data : "\"\"");
	buf_free(&q);
}

/* ---- SSH sources ------------------------------------------------------ */

/* parseSSHIdentityFromPrivateKeyFile */
static void load_ssh_file(const char *path)
{
	struct buf data = BUF_INIT_SECURE;
	struct age_identity *id = NULL;
	struct sops_err e;
	char q[1200], t[128];
	int encrypted = 0;

	if (read_file(path, &data) != 0) {
		add_err("failed to open file: open %s: %s", path, go_strerror(errno, t, sizeof(t)));
		goto out;
	}
	quoted(path, q, sizeof(q));
	if (age_ssh_identity_parse(data.data, data.len, &id, &encrypted, &e) != 0) {
		if (encrypted)
			add_err("SSH key %s is passphrase protected, which sopsfs does not support", q);
		else
			add_err("malformed SSH identity in %s: %s", q, e.msg);
		goto out;
	}
	add_id(id);
out:
	buf_free(&data);
}

/* parseSSHIdentityFromPrivateKeyCmdOutput */
static void load_ssh_cmd(const char *cmd, const char *recipient)
{
	struct buf data = BUF_INIT_SECURE;
	struct age_identity *id = NULL;
	struct sops_err e;
	char q[1200];
	int encrypted = 0;

	if (age_run_key_cmd(cmd, recipient, &data, &e) != 0) {
		add_err("%s", e.msg);
		goto out;
	}
	if (age_ssh_identity_parse(data.data, data.len, &id, &encrypted, &e) != 0) {
		quoted(e.msg, q, sizeof(q));
		if (encrypted)
			add_err("the SSH key returned by running SOPS_AGE_SSH_PRIVATE_KEY_CMD is password "
				"protected, which is unsupported. (%s)", q);
		else
			add_err("malformed SSH identity returned by running "
				"SOPS_AGE_SSH_PRIVATE_KEY_CMD: %s", q);
		goto out;
	}
	add_id(id);
out:
	buf_free(&data);
}

static void load_home_ssh(const char *home, const char *rel)
{
	char *path = path_join(home, rel);
	struct stat st;

	if (path == NULL)
		return;
	if (stat(path, &st) == 0)
		load_ssh_file(path);
	else
		add_unused(path);
	free(path);
}

/* loadAgeSSHIdentities */
static void load_ssh_sources(const char *recipient)
{
	const char *v, *home;

	if ((v = getenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE")) != NULL)
		load_ssh_file(v);
	else
		add_unused("SOPS_AGE_SSH_PRIVATE_KEY_FILE");
	if ((v = getenv("SOPS_AGE_SSH_PRIVATE_KEY_CMD")) != NULL)
		load_ssh_cmd(v, recipient);
	else
		add_unused("SOPS_AGE_SSH_PRIVATE_KEY_CMD");
	home = getenv("HOME");
	if (home == NULL || home[0] == '\0') {
		add_err("$HOME is not defined");
		return;
	}
	load_home_ssh(home, ".ssh/id_ed25519");
	load_home_ssh(home, ".ssh/id_rsa");
}

/* ---- identity text ---------------------------------------------------- */

struct parsed {
	struct age_identity **ids;
	size_t n;
	size_t skipped;                /* post-quantum / plugin identities */
};

static void parsed_free(struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++)
		age_identity_free(p->ids[i]);
	free(p->ids);
	memset(p, 0, sizeof(*p));
}

/* parseIdentity for one token; -1 with e set on a bad identity. */
static int parse_token(const char *s, size_t n, struct parsed *p, struct sops_err *e)
{
	struct age_identity *id = NULL, **ni;

	if ((n >= 11 && memcmp(s, "AGE-PLUGIN-", 11) == 0) ||
	    (n >= 19 && memcmp(s, "AGE-SECRET-KEY-PQ-1", 19) == 0)) {
		p->skipped++;
		return 0;
	}
	if (n < 16 || memcmp(s, "AGE-SECRET-KEY-1", 16) != 0)
		return err_set(e, EX_ERROR, "unknown identity type");
	if (age_x25519_identity_parse(s, n, &id, e) != 0)
		return -1;
	ni = realloc(p->ids, (p->n + 1) * sizeof(*ni));
	if (ni == NULL) {
		age_identity_free(id);
		return err_set(e, EX_ERROR, "out of memory");
	}
	p->ids = ni;
	p->ids[p->n++] = id;
	return 0;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int parse_line(const char *line, size_t len, int multi, struct parsed *p,
		      struct sops_err *e)
{
	size_t i = 0;

	if (!multi)
		return parse_token(line, len, p, e);
	while (i < len) {
		size_t start;

		while (i < len && is_ws(line[i]))
			i++;
		start = i;
		while (i < len && !is_ws(line[i]))
			i++;
		if (i > start && parse_token(line + start, i - start, p, e) != 0)
			return -1;
	}
	return 0;
}

/* parseIdentities: lines as bufio.Scanner gives them (a final CR dropped),
 * empty and '#' lines skipped. */
static int parse_identities(const char *s, size_t n, int multi, struct parsed *p,
			    struct sops_err *e)
{
	size_t pos = 0;

	while (pos < n) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - (s + pos)) : n - pos, l = len;

		if (l > 0 && s[pos + l - 1] == '\r')
			l--;
		if (l > 0 && s[pos] != '#' && parse_line(s + pos, l, multi, p, e) != 0)
			return -1;
		pos += len + (nl ? 1 : 0);
	}
	return 0;
}

/* unwrapIdentities for one reader; adds the identities to the store. */
static void read_identities(struct reader *r)
{
	struct parsed p = { NULL, 0, 0 };
	struct sops_err e;
	const char *s = (const char *)r->data.data;
	size_t n = r->data.len;

	if ((n >= 14 && memcmp(s, "age-encryption", 14) == 0) ||
	    (n >= 14 && memcmp(s, "-----BEGIN AGE", 14) == 0)) {
		add_err("failed to read '%s': passphrase-encrypted age identity files are not "
			"supported by sopsfs", r->location);
		return;
	}
	if (parse_identities(s, n, r->multi, &p, &e) != 0) {
		add_err("failed to parse '%s' age identities: %s", r->location, e.msg);
		parsed_free(&p);
		return;
	}
	if (p.skipped > 0)
		add_err("skipped %zu post-quantum or plugin age identities in '%s' (not supported "
			"by sopsfs)", p.skipped, r->location);
	if (p.n == 0)
		add_unused(r->location);
	for (size_t i = 0; i < p.n; i++)
		add_id(p.ids[i]);
	free(p.ids);
}

/* ---- the readers ------------------------------------------------------ */

static struct reader *new_reader(struct reader *rs, size_t *nr, const char *location, int multi)
{
	struct reader *r = &rs[*nr];

	r->location = strdup(location);
	if (r->location == NULL)
		return NULL;
	buf_init(&r->data, 1);
	r->multi = multi;
	(*nr)++;
	return r;
}

/* os.UserConfigDir on Linux; NULL with *why when it cannot be determined. */
static char *user_config_dir(const char **why)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home;

	if (x != NULL && x[0] != '\0') {
		if (x[0] != '/') {
			*why = "path in $XDG_CONFIG_HOME is relative";
			return NULL;
		}
		return strdup(x);
	}
	home = getenv("HOME");
	if (home == NULL || home[0] == '\0') {
		*why = "neither $XDG_CONFIG_HOME nor $HOME are defined";
		return NULL;
	}
	return path_join(home, ".config");
}

static void open_config_reader(struct reader *rs, size_t *nr)
{
	const char *why = "out of memory";
	char *dir = user_config_dir(&why), *path;
	struct reader *r;
	char t[128];

	if (dir == NULL) {
		if (*nr == 0 && store.n == 0)
			add_err("user config directory could not be determined: %s", why);
		return;
	}
	path = path_join(dir, "sops/age/keys.txt");
	free(dir);
	if (path == NULL || (r = new_reader(rs, nr, path, 0)) == NULL) {
		free(path);
		return;
	}
	if (read_file(path, &r->data) != 0) {
		int e = errno;

		(*nr)--;
		buf_free(&r->data);
		free(r->location);
		if (e != ENOENT)
			add_err("failed to open file: open %s: %s", path, go_strerror(e, t, sizeof(t)));
		else if (*nr == 0 && store.n == 0)
			add_unused(path);
	}
	free(path);
}

static void open_readers(const char *recipient, struct reader *rs, size_t *nr)
{
	struct sops_err e;
	struct reader *r;
	const char *v;
	char t[128];

	if ((v = getenv("SOPS_AGE_KEY")) != NULL) {
		if ((r = new_reader(rs, nr, "SOPS_AGE_KEY", 1)) != NULL)
			buf_adds(&r->data, v);
	} else {
		add_unused("SOPS_AGE_KEY");
	}
	if ((v = getenv("SOPS_AGE_KEY_FILE")) != NULL) {
		struct buf data = BUF_INIT_SECURE;

		if (read_file(v, &data) != 0)
			add_err("failed to open SOPS_AGE_KEY_FILE file: open %s: %s", v,
				go_strerror(errno, t, sizeof(t)));
		else if ((r = new_reader(rs, nr, "SOPS_AGE_KEY_FILE", 0)) != NULL)
			buf_add(&r->data, data.data, data.len);
		buf_free(&data);
	} else {
		add_unused("SOPS_AGE_KEY_FILE");
	}
	if ((v = getenv("SOPS_AGE_KEY_CMD")) != NULL) {
		struct buf data = BUF_INIT_SECURE;

		if (age_run_key_cmd(v, recipient, &data, &e) != 0)
			add_err("%s", e.msg);
		else if ((r = new_reader(rs, nr, "SOPS_AGE_KEY_CMD", 0)) != NULL)
			buf_add(&r->data, data.data, data.len);
		buf_free(&data);
	} else {
		add_unused("SOPS_AGE_KEY_CMD");
	}
	open_config_reader(rs, nr);
}

/* loadIdentities */
static void load(const char *recipient)
{
	struct reader rs[MAX_READERS];
	size_t nr = 0;

	store_clear();
	buf_init(&store.errs, 0);
	load_ssh_sources(recipient);
	open_readers(recipient, rs, &nr);
	for (size_t i = 0; i < nr; i++) {
		read_identities(&rs[i]);
		buf_free(&rs[i].data);
		free(rs[i].location);
	}
	store.loaded = 1;
}

/* ---- public ----------------------------------------------------------- */

static int store_ready(void)
{
	return store.loaded && store.n > 0;
}

struct age_identity *const *age_identities_acquire(const char *recipient, size_t *n)
{
	pthread_rwlock_rdlock(&store_lock);
	if (!store_ready()) {
		/* load (again: sops loads on every decrypt) with the store to
		 * ourselves; the write lock is kept until age_identities_release */
		pthread_rwlock_unlock(&store_lock);
		pthread_rwlock_wrlock(&store_lock);
		if (!store_ready())
			load(recipient ? recipient : "");
	}
	*n = store.n;
	return store.ids;
}

void age_identities_release(void)
{
	pthread_rwlock_unlock(&store_lock);
}

int age_identities_error(struct sops_err *err, const char *msg, const char *reason)
{
	struct buf t = BUF_INIT;

	buf_adds(&t, msg);
	if (reason != NULL)
		buf_printf(&t, ": %s", reason);
	if (store.errs.len > 0)
		buf_printf(&t, ". Errors while loading age identities: %s", (char *)store.errs.data);
	if (store.nunused == 1) {
		buf_printf(&t, ". Did not find keys in location '%s'.", store.unused[0]);
	} else if (store.nunused == 2) {
		buf_printf(&t, ". Did not find keys in locations '%s' and '%s'.", store.unused[0],
			   store.unused[1]);
	} else if (store.nunused > 2) {
		buf_adds(&t, ". Did not find keys in locations '");
		for (size_t i = 0; i + 1 < store.nunused; i++)
			buf_printf(&t, "%s%s", i ? "', '" : "", store.unused[i]);
		buf_printf(&t, "', and '%s'.", store.unused[store.nunused - 1]);
	}
	err_set(err, EX_NO_DATA_KEY, "%s", t.data ? (char *)t.data : msg);
	buf_free(&t);
	return -1;
}

int age_identities_load(struct sops_err *err)
{
	size_t n;
	int rc = 0;

	age_identities_acquire("", &n);
	if (n == 0)
		rc = age_identities_error(err, "failed to load age identities", NULL);
	else
		err_clear(err);
	age_identities_release();
	return rc;
}

void age_identities_forget(void)
{
	pthread_rwlock_wrlock(&store_lock);
	store_clear();
	pthread_rwlock_unlock(&store_lock);
}

size_t age_identities_count(void)
{
	size_t n;

	pthread_rwlock_rdlock(&store_lock);
	n = store.n;
	pthread_rwlock_unlock(&store_lock);
	return n;
}
