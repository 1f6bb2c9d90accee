/* cli_encrypt.c - `sopsfs encrypt`: a new data key, recipients from flags or
 * .sops.yaml, output on stdout (like `sops encrypt`). */
#include "cli.h"
#include "../codec/core/new_spec.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* sops codes.ErrorInvalidKMSEncryptionContextFormat */
#define EX_INVALID_KMS_CONTEXT 6

/* Network key services: flag, environment variable, metadata list. */
#define NSVC 5
static const char *const svc_flag[NSVC] = {
	"--kms", "--gcp-kms", "--azure-kv", "--hc-vault-transit", "--hckms",
};
static const char *const svc_env[NSVC] = {
	"SOPS_KMS_ARN", "SOPS_GCP_KMS_IDS", "SOPS_AZURE_KEYVAULT_URLS", "SOPS_VAULT_URIS",
	"SOPS_HUAWEICLOUD_KMS_IDS",
};
static const char *const svc_type[NSVC] = { "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms" };

struct enc_args {
	struct buf age, pgp;            /* comma lists from --age / --pgp */
	struct buf svc[NSVC];           /* comma lists from the service flags */
	const char *aws_profile;        /* --aws-profile */
	const char *context;            /* --encryption-context k:v,k2:v2 */
	const char *rules[RULE_COUNT];
	int mac_only;
	int threshold;
	const char *file;
	const char *name;               /* --filename-override */
};

static const char *const rule_flags[RULE_COUNT] = {
	"--unencrypted-suffix", "--encrypted-suffix", "--unencrypted-regex",
	"--encrypted-regex", "--unencrypted-comment-regex", "--encrypted-comment-regex",
};

static int add_list(struct buf *b, const char *v)
{
	if (b->len > 0 && buf_addc(b, ',') != 0)
		return -1;
	return buf_adds(b, v);
}

static int svc_index(const char *flag)
{
	for (int k = 0; k < NSVC; k++)
		if (strcmp(flag, svc_flag[k]) == 0)
			return k;
	return -1;
}

/* sops kms.ParseKMSContext on a string: "k:v,k2:v2", each item exactly
 * one ':'. */
static int context_ok(const char *c)
{
	for (const char *p = c; *p != '\0';) {
		size_t n = strcspn(p, ","), colons = 0;

		for (size_t i = 0; i < n; i++)
			colons += p[i] == ':';
		if (colons != 1)
			return 0;
		p += n + (p[n] == ',');
	}
	return 1;
}

/* Returns 0, or an exit code. */
static int parse_args(int argc, char **argv, struct enc_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int k, used = 1;

		if (strcmp(o, "--mac-only-encrypted") == 0) {
			a->mac_only = 1;
			continue;
		}
		if (o[0] != '-' || strcmp(o, "-") == 0) {
			if (a->file != NULL) {
				fprintf(stderr, "sopsfs encrypt: only one file can be given\n");
				return EX_INVALID_ARGS;
			}
			a->file = o;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "sopsfs encrypt: %s needs a value\n", o);
			return EX_INVALID_ARGS;
		}
		for (k = 0; k < RULE_COUNT && strcmp(o, rule_flags[k]) != 0; k++)
			;
		if (k < RULE_COUNT)
			a->rules[k] = v;
		else if (strcmp(o, "--age") == 0 || strcmp(o, "-a") == 0)
			used = add_list(&a->age, v) == 0;
		else if (strcmp(o, "--pgp") == 0 || strcmp(o, "-p") == 0)
			used = add_list(&a->pgp, v) == 0;
		else if (strcmp(o, "-k") == 0)
			used = add_list(&a->svc[0], v) == 0;
		else if ((k = svc_index(o)) >= 0)
			used = add_list(&a->svc[k], v) == 0;
		else if (strcmp(o, "--aws-profile") == 0)
			a->aws_profile = v;
		else if (strcmp(o, "--encryption-context") == 0)
			a->context = v;
		else if (strcmp(o, "--shamir-secret-sharing-threshold") == 0)
			a->threshold = atoi(v);
		else if (strcmp(o, "--filename-override") == 0)
			a->name = v;
		else {
			fprintf(stderr, "sopsfs encrypt: unknown option %s\n", o);
			return EX_INVALID_ARGS;
		}
		if (!used)
			return EX_ERROR;
		i++;
	}
	if (a->context != NULL && !context_ok(a->context)) {
		fprintf(stderr, "Invalid KMS encryption context format\n");
		return EX_INVALID_KMS_CONTEXT;
	}
	if (a->file == NULL) {
		fprintf(stderr, "usage: sopsfs encrypt [--age R,...] [--pgp FP,...] [--kms ARN,...] "
			"[--aws-profile P] [--encryption-context k:v,...] [--gcp-kms ID,...] "
			"[--azure-kv URL,...] [--hc-vault-transit URI,...] [--hckms REGION:UUID,...] "
			"[RULES] FILE\n");
		return EX_INVALID_ARGS;
	}
	if (strcmp(a->file, "-") == 0 && a->name == NULL) {
		fprintf(stderr, "sopsfs encrypt: reading stdin needs --filename-override NAME "
			"(the name picks the format and the creation rule)\n");
		return EX_INVALID_ARGS;
	}
	if (a->name == NULL)
		a->name = a->file;
	return 0;
}

/* CLI rule flags fill the rule's empty fields (sops merges field by field). */
static void merge_rules(struct new_file_spec *spec, const struct enc_args *a)
{
	for (int k = 0; k < RULE_COUNT; k++)
		if (a->rules[k] != NULL && a->rules[k][0] != '\0')
			spec->rule_values[k] = a->rules[k];
	if (a->mac_only)
		spec->mac_only_encrypted = 1;
	if (a->threshold > 0)
		spec->shamir_threshold = a->threshold;
}

/* The keys given on the command line (or their variables) as one group;
 * --encryption-context and --aws-profile go with every --kms ARN in the
 * form aws_kms.h describes: "ARN[+ROLE]|CONTEXT|PROFILE". */
static int add_cli_keys(const struct enc_args *a, const char *age, const char *pgp,
			const char *const svc[NSVC], struct new_file_spec *spec,
			struct sops_err *err)
{
	const char *ctx = a->context ? a->context : "", *prof = a->aws_profile ? a->aws_profile : "";
	struct buf sfx = BUF_INIT;
	int rc = spec_add_group(spec, age, pgp, err);

	if (rc == 0 && (ctx[0] != '\0' || prof[0] != '\0') &&
	    buf_printf(&sfx, prof[0] ? "|%s|%s" : "|%s", ctx, prof) != 0)
		rc = err_set(err, EX_ERROR, "out of memory");
	for (int k = 0; k < NSVC && rc == 0; k++)
		if (svc[k] != NULL)
			rc = spec_add_typed(spec, svc_type[k], svc[k],
					    k == 0 && sfx.len ? (char *)sfx.data : NULL, err);
	buf_free(&sfx);
	return rc;
}

static int build_spec(const struct enc_args *a, struct new_file_spec *spec,
		      struct sops_config **cfg, struct sops_err *err)
{
	const char *env_age = getenv("SOPS_AGE_RECIPIENTS"), *env_pgp = getenv("SOPS_PGP_FP");
	const char *age = a->age.len ? (char *)a->age.data : env_age;
	const char *pgp = a->pgp.len ? (char *)a->pgp.data : env_pgp;
	const char *svc[NSVC];
	const struct creation_rule *rule = NULL;
	char cwd[PATH_MAX], abs[PATH_MAX * 2];
	int any = (age != NULL && age[0]) || (pgp != NULL && pgp[0]);

	for (int k = 0; k < NSVC; k++) {
		svc[k] = a->svc[k].len ? (char *)a->svc[k].data : getenv(svc_env[k]);
		any |= svc[k] != NULL && svc[k][0] != '\0';
	}
	if (any) {
		if (add_cli_keys(a, age, pgp, svc, spec, err) != 0)
			return -1;
		merge_rules(spec, a);
		return 0;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return err_set(err, EX_ERROR, "cannot get the current directory");
	snprintf(abs, sizeof(abs), "%s%s%s", a->name[0] == '/' ? "" : cwd,
		 a->name[0] == '/' ? "" : "/", a->name);
	if (spec_find_rule(cwd, NULL, abs, cfg, &rule, err) != 0)
		return -1;
	if (rule == NULL)
		return err_set(err, EX_ERROR, "config file not found, or has no creation rules, and "
			       "no keys provided through command line options");
	if (spec_from_rule(rule, spec, err) != 0)
		return -1;
	merge_rules(spec, a);
	return 0;
}

int cli_encrypt(int argc, char **argv)
{
	struct enc_args a;
	struct new_file_spec spec;
	struct sops_config *cfg = NULL;
	struct sops_err err;
	struct buf plain = BUF_INIT_SECURE, out = BUF_INIT;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&spec, 0, sizeof(spec));
	err_clear(&err);
	buf_init(&a.age, 0);
	buf_init(&a.pgp, 0);
	for (int k = 0; k < NSVC; k++)
		buf_init(&a.svc[k], 0);
	rc = parse_args(argc, argv, &a);
	if (rc == 0) {
		if (build_spec(&a, &spec, &cfg, &err) != 0 ||
		    cli_read_file(a.file, &plain, &err) != 0 ||
		    sops_encrypt_new(a.name, (char *)plain.data, plain.len, &spec, &out, &err) != 0)
			rc = cli_fail(&err);
		else if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0)
			rc = EX_COULD_NOT_WRITE;
	}
	spec_free(&spec);
	sops_config_free(cfg);
	buf_free(&a.age);
	buf_free(&a.pgp);
	for (int k = 0; k < NSVC; k++)
		buf_free(&a.svc[k]);
	buf_free(&plain);
	buf_free(&out);
	return rc;
}
