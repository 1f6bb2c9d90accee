/* test_config.c - .sops.yaml finding, loading and rule matching (codec/sops_config). */
#include "check.h"
#include "../../codec/core/sops_config.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[PATH_MAX];

/* CHECK_STR with bounded output (the compared buffers are large). */
#define CHECK_S(a, b) do { const char *ga_ = (a), *wa_ = (b); \
	CHECKF(ga_ != NULL && strcmp(ga_, wa_) == 0, "expected \"%.200s\", got \"%.200s\"", \
	       wa_, ga_ ? ga_ : "(null)"); } while (0)

static const char AGE1[] = "age18dhr4vedz97q2wu02jw7zuhn9v0q8w9965x5gnk5a7m6tc29furqagjzrk";
static const char AGE2[] = "age13k6z8xdnfsau9a89c2jr3dqazeeglja47xwlalzystl3h9985sqq803px3";
static const char PGP1[] = "AAE451E6C7EA211A7B2A2F33F02D9D9F5E10EFBF";
static const char FBC7[] = "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4";
static const char D722[] = "D7229043384BCC60326C6FB9D8720D957C3D3074";

/* ---- helpers ---- */

static void write_file(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	CHECKF(f != NULL, "cannot write %s", rel);
	fputs(text, f);
	fclose(f);
}

static void make_dir(const char *rel)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	CHECK(mkdir(path, 0700) == 0 || errno == EEXIST);
}

static struct sops_config *load_tmp(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	struct sops_err err = { 0, "" };
	struct sops_config *cfg;

	write_file(rel, text);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	cfg = sops_config_load(path, &err);
	CHECKF(cfg != NULL, "load %s: %.300s", rel, err.msg);
	return cfg;
}

/* The error of loading text as a config (must fail). */
static void load_fails(const char *text, struct sops_err *err)
{
	char path[PATH_MAX + 64];
	struct sops_config *cfg;

	write_file("bad.sops.yaml", text);
	snprintf(path, sizeof(path), "%s/bad.sops.yaml", tmpdir);
	memset(err, 0, sizeof(*err));
	cfg = sops_config_load(path, err);
	if (cfg != NULL)
		sops_config_free(cfg);
	CHECKF(cfg == NULL, "config loaded: %s", text);
	CHECK(err->code == EX_ERROR);
}

static const struct creation_rule *match_tmp(const struct sops_config *cfg, const char *rel)
{
	char path[PATH_MAX + 64];
	struct sops_err err = { 0, "" };
	const struct creation_rule *r = NULL;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	CHECKF(sops_config_match(cfg, path, &r, &err) == 0, "match %s: %.300s", rel, err.msg);
	CHECKF(r != NULL, "no rule for %s", rel);
	return r;
}

static void check_key(const struct cfg_group *g, size_t i, const char *type, const char *value)
{
	CHECKF(i < g->nkeys, "group has %zu keys, wanted key %zu", g->nkeys, i);
	CHECK_S(g->keys[i].type, type);
	CHECK_S(g->keys[i].value, value);
}

static const char *attr(const struct cfg_key *k, const char *name)
{
	for (size_t i = 0; i < k->nattrs; i++)
		if (strcmp(k->attrs[i].name, name) == 0)
			return k->attrs[i].value;
	return NULL;
}

static const char *shared_path(const char *rel, char *buf, size_t n)
{
	const char *dir = check_shared_dir();

	if (dir == NULL)
		SKIP("../shared not found");
	snprintf(buf, n, "%s/interop/%s", dir, rel);
	return buf;
}

/* "recipient: X" / "fp: X" values of a sops-written YAML file, in order,
 * joined with spaces. */
static void file_key_order(const char *path, char *out, size_t n)
{
	char *text = check_read_file(path, NULL), *p;

	CHECKF(text != NULL, "cannot read %.200s", path);
	out[0] = '\0';
	for (p = text; (p = strpbrk(p, "rf")) != NULL; p++) {
		size_t skip = strncmp(p, "recipient: ", 11) == 0 ? 11 :
			      strncmp(p, "fp: ", 4) == 0 ? 4 : 0;
		size_t len;

		if (skip == 0 || (p != text && p[-1] != ' '))
			continue;
		len = strcspn(p + skip, "\n");
		snprintf(out + strlen(out), n - strlen(out), "%s%.*s", out[0] ? " " : "",
			 (int)len, p + skip);
	}
	free(text);
}

static void rule_key_order(const struct creation_rule *r, char *out, size_t n)
{
	out[0] = '\0';
	for (size_t g = 0; g < r->ngroups; g++)
		for (size_t i = 0; i < r->groups[g].nkeys; i++)
			snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? " " : "",
				 r->groups[g].keys[i].value);
}

static const struct creation_rule *match_shared(const struct sops_config *cfg, const char *file)
{
	char path[PATH_MAX + 64];
	struct sops_err err = { 0, "" };
	const struct creation_rule *r = NULL;

	snprintf(path, sizeof(path), "%s/%s", cfg->dir, file);
	CHECKF(sops_config_match(cfg, path, &r, &err) == 0, "match %s: %.300s", file, err.msg);
	CHECK(r != NULL);
	return r;
}

static struct sops_config *load_shared(const char *rel)
{
	char path[PATH_MAX];
	struct sops_err err = { 0, "" };
	struct sops_config *cfg = sops_config_load(shared_path(rel, path, sizeof(path)), &err);

	CHECKF(cfg != NULL, "load %s: %.300s", rel, err.msg);
	return cfg;
}

/* ---- configs from the sops repository and the vectors ---- */

static void test_pr1031_folded_strings(void)
{
	struct sops_config *cfg = load_shared("sops/_history/pr1031-0b07dfbc5/.sops.yaml");
	const struct creation_rule *r = match_shared(cfg, "example.yaml");

	CHECK(cfg->has_creation_rules && cfg->nrules == 1);
	CHECK(r->ngroups == 1 && r->groups[0].nkeys == 4);
	/* sops order: age before pgp, file order inside each */
	check_key(&r->groups[0], 0, "age", "age1tmaae3ld5vpevmsh5yacsauzx8jetg300mpvc4ugp5zr5l6ssq9sla97ep");
	check_key(&r->groups[0], 1, "age", "age1yt3tfqlfrwdwx0z0ynwplcr6qxcxfaqycuprpmy89nr83ltx74tqdpszlw");
	check_key(&r->groups[0], 2, "pgp", FBC7);
	check_key(&r->groups[0], 3, "pgp", D722);
	CHECK(r->shamir_threshold == 0 && r->mac_only_encrypted == 0);
	CHECK(r->unencrypted_suffix == NULL && r->encrypted_regex == NULL);
	CHECK_S(r->path_regex, "");
	CHECK(cfg->yaml_indent == 0 && cfg->json_indent == -1 && cfg->json_binary_indent == -1);
	sops_config_free(cfg);
}

static void test_repo_root_config(void)
{
	struct sops_config *cfg = load_shared("sops/.sops.yaml");
	const struct creation_rule *r = match_shared(cfg, "anything/at/all.json");

	CHECK(r->ngroups == 1 && r->groups[0].nkeys == 2);
	check_key(&r->groups[0], 0, "pgp", FBC7);
	check_key(&r->groups[0], 1, "pgp", D722);
	sops_config_free(cfg);
}

static void test_functional_tests_config(void)
{
	struct sops_config *cfg = load_shared("sops/functional-tests/.sops.yaml");
	const struct creation_rule *r;
	struct sops_err err = { 0, "" };

	CHECK(cfg->nrules == 6);
	r = match_shared(cfg, "test_roundtrip_keygroups.yaml");
	CHECK(r == &cfg->rules[0] && r->ngroups == 2);
	check_key(&r->groups[0], 0, "pgp", FBC7);
	check_key(&r->groups[1], 0, "pgp", D722);
	CHECK(creation_rule_check_groups(r, &err) == 0);
	/* first match wins: the first regex does not match this longer name */
	r = match_shared(cfg, "test_roundtrip_keygroups_missing_decryption_key.yaml");
	CHECK(r == &cfg->rules[1] && r->ngroups == 2);
	check_key(&r->groups[1], 0, "pgp", "B611A2F9F11D0FF82568805119F9B5DAEA91FF86");
	/* sops: "Could not generate data key: [empty key group provided]" for all three */
	r = match_shared(cfg, "test_no_keygroups.yaml");
	CHECK(r == &cfg->rules[2] && r->ngroups == 1 && r->groups[0].nkeys == 0);
	CHECK(creation_rule_check_groups(r, &err) == -1);
	CHECK_S(err.msg, "empty key group provided");
	r = match_shared(cfg, "test_zero_keygroups.yaml");
	CHECK(r == &cfg->rules[3] && r->ngroups == 1 && r->groups[0].nkeys == 0);
	CHECK(creation_rule_check_groups(r, &err) == -1);
	r = match_shared(cfg, "test_empty_keygroup.yaml");
	CHECK(r == &cfg->rules[4] && r->ngroups == 1 && r->groups[0].nkeys == 0);
	CHECK(creation_rule_check_groups(r, &err) == -1);
	r = match_shared(cfg, "res/other.yaml");
	CHECK(r == &cfg->rules[5] && r->ngroups == 1 && r->groups[0].nkeys == 1);
	check_key(&r->groups[0], 0, "pgp", FBC7);
	sops_config_free(cfg);
}

static void test_vector_configs_match_sops_output(void)
{
	char want[1024], got[1024], path[PATH_MAX];
	struct sops_config *cfg;
	const struct creation_rule *r;

	/* shamir: three groups, threshold 2 */
	cfg = load_shared("sops-vectors/groups/shamir.sops.yaml");
	r = match_shared(cfg, "groups/shamir_yaml.in.yaml");
	CHECK(r->shamir_threshold == 2 && r->ngroups == 3);
	check_key(&r->groups[0], 0, "age", AGE1);
	check_key(&r->groups[1], 0, "age", AGE2);
	check_key(&r->groups[2], 0, "pgp", PGP1);
	rule_key_order(r, got, sizeof(got));
	file_key_order(shared_path("sops-vectors/groups/shamir_yaml.enc.yaml", path, sizeof(path)),
		       want, sizeof(want));
	CHECK_S(got, want);
	sops_config_free(cfg);

	/* updatekeys: flat "a,b" age string plus pgp -> one group in sops' order */
	cfg = load_shared("sops-vectors/edit/updatekeys.after.sops.yaml");
	r = match_shared(cfg, "edit/updatekeys.after.yaml");
	CHECK(r->ngroups == 1 && r->groups[0].nkeys == 3);
	check_key(&r->groups[0], 0, "age", AGE1);
	check_key(&r->groups[0], 1, "age", AGE2);
	check_key(&r->groups[0], 2, "pgp", PGP1);
	rule_key_order(r, got, sizeof(got));
	file_key_order(shared_path("sops-vectors/edit/updatekeys.after.yaml", path, sizeof(path)),
		       want, sizeof(want));
	CHECK_S(got, want);
	sops_config_free(cfg);

	cfg = load_shared("sops-vectors/edit/updatekeys_shamir.after.sops.yaml");
	r = match_shared(cfg, "edit/updatekeys_shamir.after.yaml");
	CHECK(r->ngroups == 3 && r->shamir_threshold == 2);
	rule_key_order(r, got, sizeof(got));
	file_key_order(shared_path("sops-vectors/edit/updatekeys_shamir.after.yaml", path, sizeof(path)),
		       want, sizeof(want));
	CHECK_S(got, want);
	sops_config_free(cfg);

	cfg = load_shared("sops-vectors/edit/updatekeys.before.sops.yaml");
	r = match_shared(cfg, "edit/updatekeys.before.yaml");
	CHECK(r->ngroups == 1 && r->groups[0].nkeys == 1);
	check_key(&r->groups[0], 0, "age", AGE1);
	sops_config_free(cfg);
}

/* ---- own configs ---- */

static void test_first_match_relative_path(void)
{
	struct sops_config *cfg;
	const struct creation_rule *r;
	struct sops_err err = { 0, "" };

	make_dir("proj");
	cfg = load_tmp("proj/.sops.yaml",
		       "creation_rules:\n"
		       "  - path_regex: ^secrets/.*\\.yaml$\n"
		       "    age: A1\n"
		       "  - path_regex: prod\n"
		       "    age: B2\n"
		       "    encrypted_regex: ^(data|stringData)$\n"
		       "  - pgp: C3\n");
	r = match_tmp(cfg, "proj/secrets/a.yaml");
	CHECK(r == &cfg->rules[0]);
	check_key(&r->groups[0], 0, "age", "A1");
	r = match_tmp(cfg, "proj/secrets/prod.json");
	CHECK(r == &cfg->rules[1]);
	CHECK_S(r->encrypted_regex, "^(data|stringData)$");
	r = match_tmp(cfg, "proj/./sub/../secrets/x.yaml");   /* cleaned like filepath.Abs */
	CHECK(r == &cfg->rules[0]);
	r = match_tmp(cfg, "proj/other.txt");
	CHECK(r == &cfg->rules[2]);
	check_key(&r->groups[0], 0, "pgp", "C3");
	/* outside the config dir the path stays absolute: ^secrets/ cannot match */
	r = match_tmp(cfg, "secrets/a.yaml");
	CHECK(r == &cfg->rules[2]);
	sops_config_free(cfg);

	/* a relative path is taken from the current directory */
	cfg = load_tmp("proj/.sops.yaml", "creation_rules:\n  - path_regex: ^x\\.yaml$\n    age: A\n");
	CHECK(sops_config_match(cfg, "x.yaml", &r, &err) == -1);   /* cwd is the repo root */
	CHECK_S(err.msg, "error loading config: no matching creation rules found");
	CHECK(err.code == EX_ERROR);
	r = match_tmp(cfg, "proj/x.yaml");
	CHECK(r == &cfg->rules[0]);
	sops_config_free(cfg);
}

static void test_no_rules(void)
{
	struct sops_config *cfg;
	const struct creation_rule *r = (const struct creation_rule *)1;
	struct sops_err err = { 0, "" };
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/f.yaml", tmpdir);
	cfg = load_tmp("c1.yaml", "{}\n");
	CHECK(sops_config_match(cfg, path, &r, &err) == 0 && r == NULL && err.code == 0);
	sops_config_free(cfg);
	cfg = load_tmp("c1.yaml", "");
	CHECK(sops_config_match(cfg, path, &r, &err) == 0 && r == NULL);
	sops_config_free(cfg);
	cfg = load_tmp("c1.yaml", "creation_rules:\nstores:\n  yaml:\n    indent: 2\n  json:\n    indent: 3\n");
	CHECK(sops_config_match(cfg, path, &r, &err) == 0 && r == NULL);
	CHECK(cfg->yaml_indent == 2 && cfg->json_indent == 3 && cfg->json_binary_indent == -1);
	sops_config_free(cfg);
	/* an empty list is a list: nothing matches */
	cfg = load_tmp("c1.yaml", "creation_rules: []\n");
	CHECK(sops_config_match(cfg, path, &r, &err) == -1);
	CHECK_S(err.msg, "error loading config: no matching creation rules found");
	sops_config_free(cfg);
}

static void test_conflicting_rules(void)
{
	struct sops_config *cfg;
	const struct creation_rule *r;
	struct sops_err err = { 0, "" };
	char path[PATH_MAX + 64];

	cfg = load_tmp("c2.yaml",
		       "creation_rules:\n"
		       "  - path_regex: \\.json$\n"
		       "    age: A\n"
		       "    encrypted_regex: a\n"
		       "    unencrypted_suffix: _x\n"
		       "  - age: B\n"
		       "    encrypted_comment_regex: sops:enc\n"
		       "    mac_only_encrypted: true\n");
	snprintf(path, sizeof(path), "%s/f.json", tmpdir);
	CHECK(sops_config_match(cfg, path, &r, &err) == -1);
	CHECK(err.code == EX_ERROR);
	CHECK_S(err.msg, "error loading config: cannot use more than one of encrypted_suffix, "
		  "unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, "
		  "or unencrypted_comment_regex for the same rule");
	/* the conflicting rule is only an error when it is chosen */
	r = match_tmp(cfg, "f.yaml");
	CHECK(r == &cfg->rules[1]);
	CHECK_S(r->encrypted_comment_regex, "sops:enc");
	CHECK(r->mac_only_encrypted == 1);
	sops_config_free(cfg);
}

static void test_comma_lists(void)
{
	struct sops_config *cfg;
	const struct creation_rule *r;
	const struct cfg_group *g;

	cfg = load_tmp("c3.yaml",
		       "creation_rules:\n"
		       "  - age: \" a1 , ,a2,\"\n"
		       "    pgp: [\"AAAA BBBB\", \"CC,DD\"]\n"
		       "    kms: arn:aws:kms:us-east-1:1:key/k1+arn:aws:iam::1:role/r, arn:aws:kms:eu-west-1:1:alias/a\n"
		       "    aws_profile: prof\n"
		       "    gcp_kms: projects/p/locations/l/keyRings/r/cryptoKeys/k\n"
		       "    hckms: [\"eu-1:uuid1\"]\n"
		       "    azure_keyvault: https://v.vault.azure.net/keys/k/1\n"
		       "    hc_vault_transit_uri: https://vault:8200/v1/transit/keys/k\n"
		       "    shamir_threshold: 0x2\n");
	r = match_tmp(cfg, "f.yaml");
	g = &r->groups[0];
	CHECK(r->ngroups == 1 && g->nkeys == 11);
	check_key(g, 0, "age", "a1");
	check_key(g, 1, "age", "a2");
	check_key(g, 2, "pgp", "AAAABBBB");
	check_key(g, 3, "pgp", "CC");
	check_key(g, 4, "pgp", "DD");
	check_key(g, 5, "kms", "arn:aws:kms:us-east-1:1:key/k1");
	CHECK_S(attr(&g->keys[5], "role"), "arn:aws:iam::1:role/r");
	CHECK_S(attr(&g->keys[5], "aws_profile"), "prof");
	check_key(g, 6, "kms", "arn:aws:kms:eu-west-1:1:alias/a");
	CHECK(attr(&g->keys[6], "role") == NULL);
	check_key(g, 7, "gcp_kms", "projects/p/locations/l/keyRings/r/cryptoKeys/k");
	check_key(g, 8, "hckms", "eu-1:uuid1");
	check_key(g, 9, "azure_kv", "https://v.vault.azure.net/keys/k/1");
	check_key(g, 10, "hc_vault", "https://vault:8200/v1/transit/keys/k");
	CHECK(r->shamir_threshold == 2);
	sops_config_free(cfg);

	/* folded scalar with a trailing comma and blank items */
	cfg = load_tmp("c3.yaml",
		       "creation_rules:\n"
		       "  - age: >-\n"
		       "      x1,\n"
		       "      x2,\n"
		       "    hc_vault_transit_uri: [https://v:8200/v1/t/keys/a]\n");
	r = match_tmp(cfg, "f.yaml");
	CHECK(r->groups[0].nkeys == 3);
	check_key(&r->groups[0], 0, "age", "x1");
	check_key(&r->groups[0], 1, "age", "x2");
	check_key(&r->groups[0], 2, "hc_vault", "https://v:8200/v1/t/keys/a");
	sops_config_free(cfg);
}

static void test_key_groups_merge(void)
{
	struct sops_config *cfg;
	const struct creation_rule *r;
	const struct cfg_group *g;

	cfg = load_tmp("c4.yaml",
		       "x-common: &common\n"
		       "  age: [A1]\n"
		       "  pgp: [P0]\n"
		       "defaults: &defaults\n"
		       "  encrypted_regex: ^data$\n"
		       "  shamir_threshold: 3\n"
		       "creation_rules:\n"
		       "  - <<: *defaults\n"
		       "    path_regex: \\.yaml$\n"
		       "    age: ignored-because-of-key_groups\n"
		       "    key_groups:\n"
		       "      - merge:\n"
		       "          - *common\n"
		       "        age: [A1, \"A2, A3\"]\n"
		       "        pgp: [\"P 1\", P0]\n"
		       "        kms:\n"
		       "          - arn: arn:aws:kms:us-east-1:1:key/k\n"
		       "            role: arn:aws:iam::1:role/r\n"
		       "            context: {Env: prod, Team: ~}\n"
		       "            aws_profile: p\n"
		       "        gcp_kms: [{resource_id: projects/p/k}]\n"
		       "        hckms: [{key_id: \"r:u\"}]\n"
		       "        azure_keyvault: [{vaultUrl: \"https://v\", key: k, version: \"\"}]\n"
		       "        hc_vault: [https://h/v1/t/keys/k]\n"
		       "      - age: [B1, B1]\n"
		       "      - {}\n");
	r = match_tmp(cfg, "f.yaml");
	CHECK_S(r->encrypted_regex, "^data$");
	CHECK(r->shamir_threshold == 3 && r->ngroups == 3);
	g = &r->groups[0];
	CHECK(g->nkeys == 10);
	check_key(g, 0, "age", "A1");       /* merged group first */
	check_key(g, 1, "pgp", "P0");
	check_key(g, 2, "age", "A2");       /* A1 duplicate dropped */
	check_key(g, 3, "age", "A3");
	check_key(g, 4, "pgp", "P1");       /* P0 duplicate dropped */
	check_key(g, 5, "kms", "arn:aws:kms:us-east-1:1:key/k");
	CHECK_S(attr(&g->keys[5], "role"), "arn:aws:iam::1:role/r");
	CHECK_S(attr(&g->keys[5], "aws_profile"), "p");
	CHECK_S(attr(&g->keys[5], "context.Env"), "prod");
	CHECK_S(attr(&g->keys[5], "context.Team"), "");
	check_key(g, 6, "gcp_kms", "projects/p/k");
	check_key(g, 7, "hckms", "r:u");
	check_key(g, 8, "azure_kv", "https://v/keys/k");
	CHECK_S(attr(&g->keys[8], "vaultUrl"), "https://v");
	check_key(g, 9, "hc_vault", "https://h/v1/t/keys/k");
	CHECK(r->groups[1].nkeys == 1);
	check_key(&r->groups[1], 0, "age", "B1");
	CHECK(r->groups[2].nkeys == 0);
	sops_config_free(cfg);
}

static void test_load_errors(void)
{
	struct sops_err err;
	char want[PATH_MAX + 512];

	load_fails("creation_rules:\n  - age: a\n   pgp: b\n", &err);
	CHECKF(strncmp(err.msg, "error loading config: Could not unmarshal config file: yaml: line ", 66) == 0,
	       "%.300s", err.msg);
	CHECKF(strstr(err.msg, "bad.sops.yaml)") != NULL, "%.300s", err.msg);

	load_fails("creation_rules:\n  - shamir_threshold: abc\n", &err);
	snprintf(want, sizeof(want), "error loading config: Could not unmarshal config file: yaml: "
		 "unmarshal errors:\n  line 2: cannot unmarshal !!str `abc` into int (%s/bad.sops.yaml)",
		 tmpdir);
	CHECK_S(err.msg, want);

	load_fails("creation_rules: hello\n", &err);
	CHECKF(strstr(err.msg, "line 1: cannot unmarshal !!str `hello` into []config.creationRule") != NULL,
	       "%.300s", err.msg);
	load_fails("creation_rules:\n  - key_groups:\n      - age: abcdefghijkl\n", &err);
	CHECKF(strstr(err.msg, "line 3: cannot unmarshal !!str `abcdefg...` into []string") != NULL,
	       "%.300s", err.msg);
	load_fails("creation_rules:\n  - age: a\n    age: b\n", &err);
	CHECKF(strstr(err.msg, "line 3: mapping key \"age\" already defined at line 2") != NULL,
	       "%.300s", err.msg);
	load_fails("- a\n- b\n", &err);
	CHECKF(strstr(err.msg, "line 1: cannot unmarshal !!seq into config.configFile") != NULL,
	       "%.300s", err.msg);
	load_fails("creation_rules:\n  - mac_only_encrypted: 3\n", &err);
	CHECKF(strstr(err.msg, "cannot unmarshal !!int `3` into bool") != NULL, "%.300s", err.msg);
	load_fails("a: &a\n  <<: *a\ncreation_rules:\n  - <<: *a\n", &err);
	load_fails("creation_rules:\n  - <<: 5\n    age: a\n", &err);
	CHECKF(strstr(err.msg, "map merge requires map or sequence of maps as the value") != NULL,
	       "%.300s", err.msg);

	/* unreadable config */
	{
		struct sops_err e = { 0, "" };
		char path[PATH_MAX + 64];

		snprintf(path, sizeof(path), "%s/missing/.sops.yaml", tmpdir);
		CHECK(sops_config_load(path, &e) == NULL);
		snprintf(want, sizeof(want), "could not read config file: open %s: no such file or directory",
			 path);
		CHECK_S(e.msg, want);
	}
}

static void test_match_time_errors(void)
{
	struct sops_config *cfg;
	const struct creation_rule *r;
	struct sops_err err = { 0, "" };
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/f.yaml", tmpdir);
	cfg = load_tmp("c5.yaml", "creation_rules:\n  - age: 5\n");
	CHECK(sops_config_match(cfg, path, &r, &err) == -1);
	CHECK_S(err.msg, "invalid age key configuration: invalid age key configuration: "
		  "expected string, []string, or nil, got int");
	sops_config_free(cfg);
	cfg = load_tmp("c5.yaml", "creation_rules:\n  - pgp: [a, true]\n");
	CHECK(sops_config_match(cfg, path, &r, &err) == -1);
	CHECK_S(err.msg, "invalid pgp key configuration: invalid pgp key configuration: "
		  "expected string in list, got bool");
	sops_config_free(cfg);
	/* a bad flat field is ignored when key_groups is used */
	cfg = load_tmp("c5.yaml", "creation_rules:\n  - age: 5\n    key_groups: [{age: [x]}]\n");
	CHECK(sops_config_match(cfg, path, &r, &err) == 0 && r != NULL);
	sops_config_free(cfg);
	cfg = load_tmp("c5.yaml", "creation_rules:\n  - path_regex: (\n    age: a\n");
	CHECK(sops_config_match(cfg, path, &r, &err) == -1);
	CHECK_S(err.msg, "can not compile regexp: error parsing regexp: missing closing ): `(`");
	sops_config_free(cfg);
	/* rules before the bad regex still win */
	cfg = load_tmp("c5.yaml", "creation_rules:\n  - path_regex: f\\.yaml\n    age: a\n"
		       "  - path_regex: (\n    age: b\n");
	CHECK(sops_config_match(cfg, path, &r, &err) == 0 && r == &cfg->rules[0]);
	sops_config_free(cfg);
}

static void test_find(void)
{
	char out[PATH_MAX + 64], start[PATH_MAX + 64], stop[PATH_MAX + 64], want[PATH_MAX + 64];

	make_dir("w");
	make_dir("w/a");
	make_dir("w/a/b");
	make_dir("w/a/b/c");
	write_file("w/a/.sops.yaml", "creation_rules: []\n");
	write_file("w/a/b/.sops.yml", "creation_rules: []\n");   /* never used */
	snprintf(start, sizeof(start), "%s/w/a/b/c", tmpdir);
	snprintf(want, sizeof(want), "%s/w/a/.sops.yaml", tmpdir);

	snprintf(stop, sizeof(stop), "%s/w", tmpdir);
	CHECK(sops_config_find(start, stop, out, sizeof(out)) == 1);
	CHECK_S(out, want);
	CHECK(sops_config_find(start, NULL, out, sizeof(out)) == 1);
	CHECK_S(out, want);
	snprintf(stop, sizeof(stop), "%s/w/a", tmpdir);
	CHECK(sops_config_find(start, stop, out, sizeof(out)) == 1);     /* stop dir itself is checked */
	CHECK_S(out, want);
	snprintf(stop, sizeof(stop), "%s/w/a/b", tmpdir);
	CHECK(sops_config_find(start, stop, out, sizeof(out)) == 0);     /* not above stop_dir */
	snprintf(stop, sizeof(stop), "%s/w/a/b/c/../..//a/b", tmpdir);   /* same dir, spelled oddly */
	CHECK(sops_config_find(start, stop, out, sizeof(out)) == 0);
	snprintf(stop, sizeof(stop), "%s/w/a/b/c/d", tmpdir);            /* start outside stop */
	CHECK(sops_config_find(start, stop, out, sizeof(out)) == 0);
	snprintf(start, sizeof(start), "%s/w/a", tmpdir);
	CHECK(sops_config_find(start, NULL, out, 8) == -1);              /* too small */
	snprintf(start, sizeof(start), "%s/w/a/b/../b/c", tmpdir);
	CHECK(sops_config_find(start, NULL, out, sizeof(out)) == 1);
	CHECK_S(out, want);
	/* the found file loads and its dir is the config's dir */
	{
		struct sops_err err = { 0, "" };
		struct sops_config *cfg = sops_config_load(out, &err);

		CHECK(cfg != NULL);
		snprintf(want, sizeof(want), "%s/w/a", tmpdir);
		CHECK_S(cfg->dir, want);
		sops_config_free(cfg);
	}
}

int main(void)
{
	char cmd[PATH_MAX + 32];
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sopsfs-test-config-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_pr1031_folded_strings);
	RUN(test_repo_root_config);
	RUN(test_functional_tests_config);
	RUN(test_vector_configs_match_sops_output);
	RUN(test_first_match_relative_path);
	RUN(test_no_rules);
	RUN(test_conflicting_rules);
	RUN(test_comma_lists);
	RUN(test_key_groups_merge);
	RUN(test_load_errors);
	RUN(test_match_time_errors);
	RUN(test_find);
	rc = CHECK_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return rc;
}
