/* test_config_rules.c - .sops.yaml rule contents: conflicting selection
 * rules, comma lists, key groups and merge keys, load and match errors. */
#include "config_util.h"

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

int main(void)
{
	char cmd[PATH_MAX + 32];
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sopsfs-test-config-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_conflicting_rules);
	RUN(test_comma_lists);
	RUN(test_key_groups_merge);
	RUN(test_load_errors);
	RUN(test_match_time_errors);
	rc = CHECK_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return rc;
}
