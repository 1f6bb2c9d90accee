/* mount.c - `sopsfs SRC MNT [-f] [-d] [-o OPTS]`: options, checks, the
 * daemon's life (hardening, identities, key cache, housekeeping, signals)
 * and a clean unmount that wipes every key and view. */
#include "sopsfs.h"
#include "ops.h"
#include "loop.h"               /* speed */
#include "../entries/names.h"
#include "../prefetch/kms_opts.h"
#include "../guard/guard.h"
#include "../audit/audit.h"
#include "../control/control.h"
#include "../cache/kinval.h"          /* speed */
#include "../cache/watch.h"
#include "../entries/links.h"
#include "../entries/ahead.h"       /* speed */
#include "../entries/plain.h"
#include "../conflict/conflict.h"
#include "../../common/secure_mem.h"
#include "../../providers/age/age_provider.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <syslog.h>
#include <unistd.h>

struct sopsfs *sopsfs_g;
static int log_to_stderr = 1;

void sopsfs_log(const char *fmt, ...)
{
	va_list ap;
	char line[1024];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);     /* recent lines: sopsfs status */
	va_end(ap);
	control_note(line);
	va_start(ap, fmt);
	if (log_to_stderr) {
		fputs("sopsfs: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(LOG_NOTICE, fmt, ap);
	}
	va_end(ap);
}

struct cli_opts {
	char *view_mode;
	int ignore_mac;
	unsigned key_ttl, key_max_ttl, cache_mb, max_file_mb;
	char *scratch, *age_key_file, *gnupghome;
	int allow_other;
	int read_only;
	unsigned kms_parallel;          /* kms1: key services */
	char *kms_timeout, *prefetch;
	char *leak_guard;
	char *audit;
	int audit_required;
	char *cache_timeout;            /* speed: kernel cache */
	char *ahead;                    /* speed: decrypt-ahead workers */
	unsigned ahead_window;          /* ... files queued per window */
};

#define OPT(t, p) { t, offsetof(struct cli_opts, p), 1 }
static const struct fuse_opt opt_spec[] = {
	OPT("view_mode=%s", view_mode),
	OPT("ignore_mac", ignore_mac),
	OPT("key_ttl=%u", key_ttl),
	OPT("key_max_ttl=%u", key_max_ttl),
	OPT("cache_mb=%u", cache_mb),
	OPT("max_file_mb=%u", max_file_mb),
	OPT("scratch=%s", scratch),
	OPT("age_key_file=%s", age_key_file),
	OPT("gnupghome=%s", gnupghome),
	OPT("kms_parallel=%u", kms_parallel),
	OPT("kms_timeout=%s", kms_timeout),
	OPT("prefetch=%s", prefetch),
	OPT("leak_guard=%s", leak_guard),
	OPT("audit=%s", audit),
	OPT("audit_required", audit_required),
	OPT("cache_timeout=%s", cache_timeout),
	OPT("ahead=%s", ahead),
	OPT("ahead_window=%u", ahead_window),
	FUSE_OPT_KEY("allow_other", 1),
	FUSE_OPT_KEY("ro", 2),
	FUSE_OPT_END
};

static char *src_arg;

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct cli_opts *o = data;

	(void)out;
	if (key == 1) {
		o->allow_other = 1;
		return 1;           /* pass allow_other on to libfuse */
	}
	if (key == 2) {
		o->read_only = 1;
		return 1;           /* and ro (the kernel refuses every change) */
	}
	if (key == FUSE_OPT_KEY_NONOPT && src_arg == NULL) {
		src_arg = strdup(arg);
		return 0;
	}
	return 1;
}

static const char mount_usage[] =
"usage: sopsfs SRC MNT [-f] [-d] [-o OPTION[,OPTION...]]\n"
"       sopsfs mount SRC MNT ...     (the same)\n"
"\n"
"Mount the directory SRC at MNT with every SOPS file shown decrypted. Writes\n"
"are re-encrypted with the file's own data key and key groups; editor side\n"
"files (swap, backup, undo, lock, temp files) stay in memory.\n"
"\n"
"  -f                   stay in the foreground (default: daemonise)\n"
"  -d                   log every request (implies -f)\n"
"  -o view_mode=0600    permissions shown on decrypted files (default 0600)\n"
"  -o ignore_mac        show files whose MAC does not verify\n"
"  -o key_ttl=600       seconds a data key and its views stay cached when idle\n"
"  -o key_max_ttl=7200  seconds after which they are wiped in any case\n"
"  -o cache_mb=256      memory cap for cached plaintext views\n"
"  -o scratch=P1:P2     more file-name globs kept in memory only\n"
"  -o age_key_file=F    age identities (instead of SOPS_AGE_KEY_FILE)\n"
"  -o gnupghome=DIR     GnuPG home (instead of GNUPGHOME)\n"
"  -o kms_parallel=16   key-service unwraps run in parallel (prefetch workers)\n"
"  -o kms_timeout=10    seconds per key-service request (then EIO)\n"
"  -o prefetch=on       unwrap a directory's data keys when it is listed or\n"
"                       its first SOPS file is read (off: only on demand)\n"
"  -o cache_timeout=3600 seconds the kernel caches entries, attributes and\n"
"                       pages (changes in SRC are pushed to it at once)\n"
"  -o ahead=N           threads decrypting age-only SOPS files near the ones\n"
"                       being read (default: one per CPU, at most 4; none on\n"
"                       one CPU, with 0 or off, or when audit= is set)\n"
"  -o ahead_window=4096 files they queue at a time on a pass through many\n"
"                       directories (the next window when the reader is\n"
"                       halfway through)\n"
"  -o allow_other       let other users in (implies default_permissions; what\n"
"                       they create is theirs when the daemon runs as root);\n"
"                       without it only the mounting user can access MNT\n"
"  -o leak_guard=deny   refuse writes that would store a decrypted secret value\n"
"                       unencrypted in SRC (warn: allow and log; off)\n"
"  -o audit=PATH        append one JSON line per decrypting open, commit,\n"
"                       refused commit or leak, key unwrap and wipe to PATH\n"
"                       (audit=syslog: to syslog, LOG_AUTHPRIV)\n"
"  -o audit_required    refuse decrypting opens while the audit log fails\n"
"  -o ro                read-only: every change is refused (EROFS), and the\n"
"                       kernel opens files without asking the daemon, so warm\n"
"                       reads are answered from its caches alone\n"
"\n"
"Unmount with `fusermount3 -u MNT` (or SIGINT/SIGTERM/SIGHUP to the daemon);\n"
"SIGUSR1 (or `sopsfs lock MNT`) wipes every cached key and view; `sopsfs status\n"
"MNT` shows what the daemon holds. Identities are read at mount time\n"
"from the same places as `sopsfs decrypt`. In /etc/fstab:\n"
"  /srv/repo  /mnt/repo  fuse.sopsfs  age_key_file=/root/keys.txt  0 0\n";

/* Show SRC as the mount's source in /proc/mounts (df, mount). */
static void add_fsname(struct fuse_args *args, const char *src)
{
	char opt[PATH_MAX + 16], abs[PATH_MAX];

	if (realpath(src, abs) == NULL || strpbrk(abs, ",\\") != NULL)
		return;
	snprintf(opt, sizeof(opt), "-ofsname=%s", abs);
	fuse_opt_add_arg(args, opt);
}

static void absolute_env(const char *name)
{
	const char *v = getenv(name);
	char cwd[PATH_MAX], abs[PATH_MAX * 2];

	if (v == NULL || v[0] == '\0' || v[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return;
	snprintf(abs, sizeof(abs), "%s/%s", cwd, v);
	setenv(name, abs, 1);
}

/* -o ahead=N|off (frees v). */
static int parse_ahead(struct sopsfs *fs, char *v)
{
	char *end = NULL;
	long n = v == NULL ? ahead_default_threads()
		 : strcmp(v, "off") == 0 ? 0 : strtol(v, &end, 10);
	int bad = v != NULL && strcmp(v, "off") != 0 && (*v == '\0' || *end != '\0' ||
							   n < 0 || n > 64);

	if (bad)
		fprintf(stderr, "sopsfs: ahead=%s: expected a number of threads (0-64) or off\n", v);
	free(v);
	fs->o.ahead = (int)n;
	return bad ? -1 : 0;
}

static int parse(int argc, char **argv, struct sopsfs *fs, struct fuse_args *args,
		 struct fuse_cmdline_opts *cmd)
{
	struct cli_opts o;

	memset(&o, 0, sizeof(o));
	*args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);
	if (fuse_opt_parse(args, &o, opt_spec, opt_proc) != 0)
		return -1;
	if (fuse_parse_cmdline(args, cmd) != 0)
		return -1;
	if (cmd->show_help || src_arg == NULL || cmd->mountpoint == NULL) {
		fputs(mount_usage, cmd->show_help ? stdout : stderr);
		return cmd->show_help ? 1 : -1;
	}
	fs->o.src = src_arg;
	fs->o.mnt = cmd->mountpoint;
	fs->o.view_mode = o.view_mode ? (mode_t)strtoul(o.view_mode, NULL, 8) & 0777 : 0600;
	fs->o.ignore_mac = o.ignore_mac;
	fs->o.key_ttl = o.key_ttl ? o.key_ttl : 600;
	fs->o.key_max_ttl = o.key_max_ttl ? o.key_max_ttl : 7200;
	fs->o.cache_bytes = (size_t)(o.cache_mb ? o.cache_mb : 256) << 20;
	fs->o.max_file = (size_t)(o.max_file_mb ? o.max_file_mb : 64) << 20;
	fs->o.foreground = cmd->foreground || cmd->debug;
	fs->o.debug = cmd->debug;
	fs->o.allow_other = o.allow_other;
	fs->o.read_only = o.read_only;
	fs->o.scratch = o.scratch;
	fs->o.leak_guard = guard_parse_mode(o.leak_guard);
	free(o.leak_guard);
	if (fs->o.leak_guard < 0) {
		fprintf(stderr, "sopsfs: leak_guard must be deny, warn or off\n");
		return -1;
	}
	fs->o.audit_required = o.audit_required;
	if (o.audit != NULL && strcmp(o.audit, "syslog") != 0 && o.audit[0] != '/') {
		char cwd[PATH_MAX], *abs = NULL;

		/* the daemon runs in / : the path is taken from where we started */
		if (getcwd(cwd, sizeof(cwd)) == NULL || asprintf(&abs, "%s/%s", cwd, o.audit) < 0) {
			free(o.audit);
			return -1;
		}
		free(o.audit);
		o.audit = abs;
	}
	fs->o.audit = o.audit;
	fs->o.cache_timeout = o.cache_timeout ? strtod(o.cache_timeout, NULL)
					      : KINVAL_DEFAULT_TIMEOUT;
	free(o.cache_timeout);
	if (parse_ahead(fs, o.ahead) != 0)
		return -1;
	fs->o.ahead_window = o.ahead_window ? o.ahead_window : AHEAD_MAX_FILES;
	if (fs->o.ahead_window > AHEAD_MAX_WINDOW) {
		fprintf(stderr, "sopsfs: ahead_window must be at most %d\n", AHEAD_MAX_WINDOW);
		return -1;
	}
	if (o.allow_other)
		fuse_opt_add_arg(args, "-odefault_permissions");
	add_fsname(args, src_arg);
	if (o.age_key_file)
		setenv("SOPS_AGE_KEY_FILE", o.age_key_file, 1);
	if (o.gnupghome)
		setenv("GNUPGHOME", o.gnupghome, 1);
	/* the daemon runs in / : key paths are taken from where we started */
	absolute_env("SOPS_AGE_KEY_FILE");
	absolute_env("SOPS_AGE_SSH_PRIVATE_KEY_FILE");
	absolute_env("GNUPGHOME");
	/* key-service files named by the environment (Vault, Azure, HuaweiCloud, TLS) */
	static const char *const svc_files[] = {
		"VAULT_CACERT", "VAULT_CAPATH", "AZURE_CLIENT_CERTIFICATE_PATH",
		"AZURE_FEDERATED_TOKEN_FILE", "HUAWEICLOUD_SDK_CREDENTIALS_FILE", "SSL_CERT_FILE",
		"SSL_CERT_DIR", "CURL_CA_BUNDLE",
	};
	for (size_t i = 0; i < sizeof(svc_files) / sizeof(svc_files[0]); i++)
		absolute_env(svc_files[i]);
	free(o.view_mode);
	free(o.age_key_file);
	free(o.gnupghome);
	int bad = kms_opts_apply(fs, o.kms_parallel, o.kms_timeout, o.prefetch);
	free(o.kms_timeout);
	free(o.prefetch);
	return bad;
}

/* Refuse MNT inside SRC or SRC inside MNT (the mount would see itself). */
static int check_dirs(struct sopsfs *fs)
{
	char mnt[PATH_MAX];
	size_t ls, lm;

	if (realpath(fs->o.mnt, mnt) == NULL) {
		fprintf(stderr, "sopsfs: mount point %s: %s\n", fs->o.mnt, strerror(errno));
		return -1;
	}
	ls = strlen(fs->b.root);
	lm = strlen(mnt);
	if ((lm >= ls && strncmp(mnt, fs->b.root, ls) == 0 && (mnt[ls] == '/' || mnt[ls] == '\0')) ||
	    (ls >= lm && strncmp(fs->b.root, mnt, lm) == 0 && (fs->b.root[lm] == '/' || lm == 1))) {
		fprintf(stderr, "sopsfs: refusing to mount %s at %s: the mount point must not be "
			"inside the source directory, nor the source inside the mount point\n",
			fs->b.root, mnt);
		return -1;
	}
	return 0;
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (sopsfs_g != NULL) {
		atomic_store(&sopsfs_g->wipe_pid, si ? si->si_pid : 0);
		atomic_store(&sopsfs_g->wipe_uid, si ? si->si_uid : 0);
		atomic_store(&sopsfs_g->wipe_requested, 1);
	}
}

/* Plaintext pages the kernel cached for wiped views are dropped too. */
static void drop_kernel_pages(struct sopsfs *fs)
{
	size_t n;
	char **w = ent_take_wiped(fs, &n);

	for (size_t i = 0; i < n; i++) {
		fuse_invalidate_path(fs->fuse, w[i]);
		free(w[i]);
	}
	free(w);
}

void sopsfs_wipe(struct sopsfs *fs, pid_t pid, uid_t uid, const char *why)
{
	ahead_cancel(fs->ahead);        /* nothing decrypted ahead after a wipe */
	keycache_wipe(fs->keys);
	guard_wipe(fs);                 /* leak guard: values go with keys */
	WRLOCK(fs);
	ent_sweep(fs, time(NULL), 1, 1);
	UNLOCK(fs);
	drop_kernel_pages(fs);
	audit_event_from(fs, pid, uid, "key-wipe", NULL, "reason", why);
	sopsfs_log("%s: every cached key and view wiped", why);
}

static void *housekeeping(void *arg)
{
	struct sopsfs *fs = arg;

	for (unsigned tick = 1; !atomic_load(&fs->stopping); tick++) {
		time_t now;
		int all = 0;

		for (int i = 0; i < 10 && !atomic_load(&fs->stopping); i++)
			usleep(100 * 1000);
		if (atomic_load(&fs->stopping))
			break;
		now = time(NULL);
		if (atomic_exchange(&fs->wipe_requested, 0)) {
			sopsfs_wipe(fs, atomic_load(&fs->wipe_pid), atomic_load(&fs->wipe_uid),
				    "SIGUSR1");
			all = 1;
		} else if (keycache_expire(fs->keys, now) > 0) {
			guard_expire(fs);
			audit_event_from(fs, getpid(), getuid(), "key-wipe", NULL, "reason", "expired");
		} else if (tick % 30 == 0) {
			guard_expire(fs);       /* keys dropped when they were looked up */
		}
		audit_sync(fs);
		WRLOCK(fs);
		ent_sweep(fs, now, all, tick % 30 == 0);
		ent_flush_pending(fs, now);
		UNLOCK(fs);
		drop_kernel_pages(fs);
	}
	return NULL;
}

static void harden(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int start(struct sopsfs *fs)
{
	struct sops_err err;
	struct sm_stats st;

	harden();
#ifdef M_ARENA_MAX
	/* memory: glibc gives each of up to 8 x CPUs threads its own heap; the
	 * request threads' small allocations fit in two per CPU (N = 10,000:
	 * RSS 71.5 -> 69.7 MB) */
	mallopt(M_ARENA_MAX, 2 * (int)sysconf(_SC_NPROCESSORS_ONLN));
#endif
	/* modes of new files come from the caller (the kernel applied its
	 * umask): the daemon's own umask must not take more bits away */
	umask(0);
	fs->keys = keycache_new(fs->o.key_ttl, fs->o.key_max_ttl);
	fs->ents = etable_new();
	fs->plain = plainset_new();
	fs->guard = guard_new(fs->o.leak_guard);
	if (fs->o.audit != NULL && (fs->audit = audit_open(fs->o.audit, fs->o.audit_required)) == NULL)
		return -1;
	if (fs->keys == NULL || fs->ents == NULL || fs->plain == NULL || fs->guard == NULL ||
	    links_init() != 0)
		return -1;
	if (age_identities_load(&err) != 0)
		sopsfs_log("no age identity loaded (%.*s); SOPS files that need one will fail "
			   "with \"Failed to get the data key\"", (int)strcspn(err.msg, "\n"), err.msg);
	sm_stats(&st);
	if (st.mlock_failed)
		sopsfs_log("warning: mlock failed (RLIMIT_MEMLOCK too low?): keys and plaintext "
			   "may be swapped out");
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_usr1;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
	}
	if (kms_start(fs) != 0)
		return -1;
	/* speed: decrypt ahead, unless every decryption must name its reader */
	if (fs->o.ahead > 0 && fs->audit == NULL && (fs->ahead = ahead_new(fs, fs->o.ahead)) == NULL)
		sopsfs_log("decrypt-ahead workers could not be started (reads are not affected)");
	watch_start(fs);                 /* speed: invalidation on SRC changes */
	return pthread_create(&fs->housekeeper, NULL, housekeeping, fs) == 0 ? 0 : -1;
}

int sopsfs_mount_main(int argc, char **argv)
{
	static struct sopsfs fs;
	struct fuse_operations ops;
	struct fuse_args args;
	struct fuse_cmdline_opts cmd;
	struct control *ctl;
	int rc;

	memset(&cmd, 0, sizeof(cmd));
	rc = parse(argc, argv, &fs, &args, &cmd);
	if (rc != 0)
		return rc > 0 ? 0 : 7;
	if (backing_open(&fs.b, fs.o.src) != 0) {
		fprintf(stderr, "sopsfs: source directory %s: %s\n", fs.o.src, strerror(errno));
		return 1;
	}
	if (check_dirs(&fs) != 0 || names_init(fs.o.scratch) != 0)
		return 1;
	pthread_rwlock_init(&fs.ns, NULL);
	sopsfs_g = &fs;
	ops_fill(&ops);
	fs.fuse = fuse_new(&args, &ops, sizeof(ops), &fs);
	if (fs.fuse == NULL || fuse_mount(fs.fuse, fs.o.mnt) != 0)
		return 1;
	log_to_stderr = fs.o.foreground;
	if (!log_to_stderr)
		openlog("sopsfs", LOG_PID, LOG_DAEMON);
	if (fuse_daemonize(fs.o.foreground) != 0 ||
	    fuse_set_signal_handlers(fuse_get_session(fs.fuse)) != 0 || start(&fs) != 0) {
		fuse_unmount(fs.fuse);
		return 1;
	}
	ctl = control_start(&fs);      /* sopsfs status / lock */
	rc = fs_loop_run(fs.fuse, 16);   /* speed: one reader while none waits */
	if (rc != 0)
		sopsfs_log("the request loop ended: %s", strerror(-rc));
	fuse_remove_signal_handlers(fuse_get_session(fs.fuse));
	control_stop(ctl);
	atomic_store(&fs.stopping, 1);
	pthread_join(fs.housekeeper, NULL);
	ahead_free(fs.ahead);
	fs.ahead = NULL;
	kms_stop(&fs);
	watch_stop();                    /* speed */
	fuse_unmount(fs.fuse);
	WRLOCK(&fs);
	ent_flush_pending(&fs, 0);     /* new files are never lost at unmount */
	UNLOCK(&fs);
	fuse_destroy(fs.fuse);
	/* wipe everything secret before leaving */
	audit_event_from(&fs, getpid(), getuid(), "key-wipe", NULL, "reason", "unmount");
	WRLOCK(&fs);
	keycache_free(fs.keys);
	etable_free(fs.ents);
	plainset_free(fs.plain);
	guard_free(fs.guard);
	fs.guard = NULL;
	audit_close(fs.audit);
	fs.audit = NULL;
	free(fs.o.audit);
	fs.ents = NULL;
	fs.keys = NULL;
	UNLOCK(&fs);
	age_identities_forget();
	names_free();
	links_free();
	cgit_close();
	backing_close(&fs.b);
	fuse_opt_free_args(&args);
	free(cmd.mountpoint);
	free(src_arg);
	return rc == 0 ? 0 : 1;
}
