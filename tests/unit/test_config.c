/* test_config.c - .sops.yaml finding, loading and rule matching
 * (codec/core/sops_config) against sops' own configs and outputs. */
#include "config_util.h"

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
	RUN(test_find);
	rc = CHECK_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return rc;
}
