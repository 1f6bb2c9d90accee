/* main.c - the sopsfs binary: subcommand dispatch and --help. */
#include "cli.h"
#include "exec_run.h"
#include "../fs/fuse/sopsfs.h"
#include "../crypto/gcm_oneshot.h"

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#define SOPSFS_VERSION "0.1.0"
#ifndef SOPSFS_COMMIT           /* the Makefile passes the git commit */
#define SOPSFS_COMMIT "unknown"
#endif

static const char usage[] =
"sopsfs - show a directory of SOPS-encrypted files decrypted, edit them in place\n"
"\n"
"USAGE\n"
"  sopsfs decrypt [--ignore-mac] FILE\n"
"      Print the plaintext of a SOPS file on stdout (what `sops decrypt` prints).\n"
"  sopsfs encrypt [--age R,...] [--pgp FP,...] [RULES] [--filename-override NAME] FILE|-\n"
"      Print FILE encrypted with a new data key on stdout (like `sops encrypt`).\n"
"      Recipients come from the flags (or SOPS_AGE_RECIPIENTS / SOPS_PGP_FP), else\n"
"      from the first matching creation rule of the nearest .sops.yaml (searched\n"
"      upwards from the current directory), with its key_groups and threshold.\n"
"      RULES: --encrypted-regex RE, --unencrypted-regex RE, --encrypted-suffix S,\n"
"      --unencrypted-suffix S, --encrypted-comment-regex RE,\n"
"      --unencrypted-comment-regex RE, --mac-only-encrypted,\n"
"      --shamir-secret-sharing-threshold N.\n"
"  sopsfs replace [--ignore-mac] FILE [PLAINFILE|-]\n"
"      Re-encrypt new plaintext (from PLAINFILE or stdin) into FILE with FILE's own\n"
"      data key, key groups and rules. Unchanged values keep their exact ciphertext;\n"
"      the diff is the changed values plus lastmodified and mac. Identical plaintext\n"
"      writes nothing. The write is atomic (temp file, fsync, rename).\n"
"  sopsfs merge BASE OURS THEIRS [-o OUT]\n"
"      Three-way merge of a SOPS file's values (keys changed on one side only are\n"
"      taken from that side), re-encrypted with OURS' data key; exit 1 and the\n"
"      conflicting key paths (never values) on stderr when both sides changed a value.\n"
"  sopsfs merge-driver %O %A %B %P\n"
"      The same as a git merge driver (see README, \"Merging SOPS files\").\n"
"\n"
"  sopsfs updatekeys [-y] [-r] PATH...     key groups from .sops.yaml (same data key)\n"
"  sopsfs rotate [-r] [-i] [--add-TYPE R] [--rm-TYPE R] PATH...   new data key\n"
"  sopsfs set [--value-file|--value-stdin] [--idempotent] FILE INDEX VALUE\n"
"  sopsfs unset [--idempotent] FILE INDEX\n"
"  sopsfs check [-r] [--staged] [--no-decrypt] [PATH...]   CI / pre-commit guard\n"
"  sopsfs filestatus [--input-type T] FILE\n"
"  sopsfs exec-env FILE CMD | exec-file [--no-fifo] [--filename N] FILE CMD\n"
"  sopsfs exec [-o OPTS] SRC -- CMD ARGS...   mount SRC for one command\n"
"      Each has --help. decrypt also takes --input-type, --output-type json|dotenv,\n"
"      --indent N, --extract INDEX, -i/--in-place, --output FILE and - (stdin).\n"
"\n"
"The file format (YAML, JSON, dotenv, INI, binary) is chosen from the file name\n"
"like sops does. Keys: age identities from SOPS_AGE_KEY, SOPS_AGE_KEY_FILE,\n"
"SOPS_AGE_KEY_CMD, SOPS_AGE_SSH_PRIVATE_KEY_FILE, ~/.ssh/id_ed25519, ~/.ssh/id_rsa and\n"
"~/.config/sops/age/keys.txt; PGP keys through gpg-agent ($GNUPGHOME).\n"
"Exit codes are sops' (1 no metadata, 51 MAC mismatch, 128 no data key, 25 bad value).\n"
"\n"
"  sopsfs exec-env [--pristine] [--user U] [--background] [--same-process] FILE CMD\n"
"      Run CMD (/bin/sh -c) with FILE's top-level values in its environment.\n"
"  sopsfs exec-file [--no-fifo] [--filename NAME] [--user U] FILE CMD\n"
"      Run CMD with every {} replaced by the path of FILE's plaintext (a FIFO, or\n"
"      with --no-fifo a memory-backed file), removed when CMD exits.\n"
"  sopsfs exec [-o OPTIONS] SRC -- CMD [ARGS...]\n"
"      Mount SRC privately, run CMD inside the mount, unmount when it exits.\n"
"      All three exit with CMD's status.\n"
"\n"
"  sopsfs SRC MNT [-f] [-d] [-o OPTIONS]   (also: sopsfs mount SRC MNT ...)\n"
"      Mount SRC at MNT with every SOPS file shown decrypted and editable; see\n"
"      `sopsfs mount --help` for the options. Only the mounting user can access\n"
"      MNT unless -o allow_other (which implies default_permissions).\n"
"\n"
"  sopsfs status MNT\n"
"      What the mount's daemon holds: source, cached keys with their remaining TTL\n"
"      and the master key that unwrapped them, views and drafts, locked memory,\n"
"      leak guard, audit log, recent log lines (docs/control.md).\n"
"  sopsfs lock MNT\n"
"      Wipe every cached key, view and clean draft of the mount now (like\n"
"      SIGUSR1); dirty drafts stay. Only the mounting user and root can use\n"
"      status and lock.\n"
"\n"
"  sopsfs --help | --version\n";

static void harden(void)
{
	struct rlimit rl = { 0, 0 };

	/* Keys and plaintext must not end up in a core dump. */
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		fputs(usage, stderr);
		return EX_INVALID_ARGS;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("sopsfs %s (commit %s; sops file format 3.13.2)\n", SOPSFS_VERSION, SOPSFS_COMMIT);
		return 0;
	}
	if (strcmp(cmd, "decrypt") == 0 || strcmp(cmd, "encrypt") == 0 || strcmp(cmd, "replace") == 0 ||
	    strcmp(cmd, "updatekeys") == 0 || strcmp(cmd, "rotate") == 0 ||
	    strcmp(cmd, "set") == 0 || strcmp(cmd, "unset") == 0 || strcmp(cmd, "check") == 0 ||
	    strcmp(cmd, "exec-env") == 0 || strcmp(cmd, "exec-file") == 0 ||
	    strcmp(cmd, "merge") == 0 || strcmp(cmd, "merge-driver") == 0) {
		harden();
		gcm_oneshot_enable();      /* one-shot: no EVP start-up (gcm_oneshot.c) */
	}
	if (strcmp(cmd, "decrypt") == 0)
		return cli_decrypt(argc - 1, argv + 1);
	if (strcmp(cmd, "encrypt") == 0 && argc == 3 &&
	    (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		fputs("usage: sopsfs encrypt [--age R,...] [--pgp FP,...] [RULES] "
		      "[--filename-override NAME] FILE|-\n  (see sopsfs --help)\n", stdout);
		return 0;
	}
	if (strcmp(cmd, "encrypt") == 0)
		return cli_encrypt(argc - 1, argv + 1);
	if (strcmp(cmd, "replace") == 0)
		return cli_replace(argc - 1, argv + 1);
	if (strcmp(cmd, "merge") == 0)                /* merge (#12) */
		return cli_merge(argc - 1, argv + 1);
	if (strcmp(cmd, "merge-driver") == 0)
		return cli_merge_driver(argc - 1, argv + 1);
	if (strcmp(cmd, "updatekeys") == 0)
		return cli_updatekeys(argc - 1, argv + 1);
	if (strcmp(cmd, "rotate") == 0)
		return cli_rotate(argc - 1, argv + 1);
	/* exec-env, exec-file, exec (#13 item 5, 7) */
	if (strcmp(cmd, "exec-env") == 0)
		return cli_exec_env(argc - 1, argv + 1);
	if (strcmp(cmd, "exec-file") == 0)
		return cli_exec_file(argc - 1, argv + 1);
	if (strcmp(cmd, "exec") == 0)
		return cli_exec(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cli_check(argc - 1, argv + 1);
	if (strcmp(cmd, "filestatus") == 0)
		return cli_filestatus(argc - 1, argv + 1);
	if (strcmp(cmd, "set") == 0)
		return cli_set(argc - 1, argv + 1);
	if (strcmp(cmd, "unset") == 0)
		return cli_unset(argc - 1, argv + 1);
	if (strcmp(cmd, "mount") == 0)
		return sopsfs_mount_main(argc - 1, argv + 1);
	if (strcmp(cmd, "status") == 0)
		return cli_status(argc - 1, argv + 1);
	if (strcmp(cmd, "lock") == 0)
		return cli_lock(argc - 1, argv + 1);
	if (cmd[0] != '-' && argc >= 3)
		return sopsfs_mount_main(argc, argv);
	fprintf(stderr, "sopsfs: unknown command or option '%s' (see sopsfs --help)\n", cmd);
	return EX_INVALID_ARGS;
}
