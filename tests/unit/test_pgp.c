/* test_pgp.c - the pgp provider (providers/pgp) unwrapping real sops
 * fixtures and vectors. */
#include "pgp_util.h"

static void test_fixture_yaml(void)
{
	static const char *const files[] = {
		"example.yaml",
		"functional-tests/res/comments.enc.yaml",
		"functional-tests/res/comments_unencrypted_comments.yaml",
		"functional-tests/res/format.enc.yaml",
		"functional-tests/res/multiple_keys.yaml",
		"functional-tests/res/no_mac.yaml",
	};
	char path[PATH_MAX], *armors[4];
	uint8_t want[64];
	size_t total = 0;

	need_keys();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t wlen = expected_key(files[i], want);
		size_t n = file_armors(fixture(files[i], path, sizeof(path)), armors, 4);

		CHECKF(wlen == 32 && n >= 1, "%s: key %zu bytes, %zu armors", files[i], wlen, n);
		for (size_t j = 0; j < n; j++)
			check_unwrap(armors[j], want, wlen, files[i]);
		total += n;
		free_armors(armors, n);
	}
	CHECK(total == 8);   /* example.yaml and multiple_keys.yaml have FBC7 and D722 */
}

static void json_pgp_armors(const char *file, json_t *root)
{
	json_t *list = json_object_get(json_object_get(root, "sops"), "pgp");
	uint8_t want[64];
	size_t wlen = expected_key(file, want), i;
	json_t *e;

	CHECKF(json_array_size(list) >= 1, "%s: no pgp entries", file);
	json_array_foreach(list, i, e)
		check_unwrap(json_string_value(json_object_get(e, "enc")), want, wlen, file);
}

static void test_fixture_json(void)
{
	static const char *const files[] = {
		"example.json",
		"example.txt",
		"examples/all_in_one/config/secret.enc.json",
		"examples/per_file/config.enc/static_github.json",
		"functional-tests/res/format.enc.json",
	};
	char path[PATH_MAX];

	need_keys();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		json_error_t je;
		json_t *root = json_load_file(fixture(files[i], path, sizeof(path)), 0, &je);

		CHECKF(root != NULL, "%s: %s", files[i], je.text);
		json_pgp_armors(files[i], root);
		json_decref(root);
	}
}

static void test_fixture_dotenv(void)
{
	char path[PATH_MAX], *text, *p, *enc, *w;
	uint8_t want[64];
	size_t wlen;

	need_keys();
	text = check_read_file(shared("sops/functional-tests/res/format.enc.env", path, sizeof(path)), NULL);
	CHECK(text != NULL);
	wlen = expected_key("functional-tests/res/format.enc.env", want);
	p = strstr(text, "sops_pgp__list_0__map_enc=");
	CHECK(p != NULL);
	p += strlen("sops_pgp__list_0__map_enc=");
	enc = w = malloc(strlen(p) + 1);
	CHECK(enc != NULL);
	for (; *p != '\0' && *p != '\n'; p++) {   /* "\n" (two characters) is a newline */
		if (p[0] == '\\' && p[1] == 'n') {
			*w++ = '\n';
			p++;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	check_unwrap(enc, want, wlen, "format.enc.env");
	free(enc);
	free(text);
}

/* The synthetic Shamir file: the pgp group wraps a 33-byte share. */
static void test_shamir_share(void)
{
	char path[PATH_MAX], *hex, *line;
	json_error_t je;
	json_t *root;
	uint8_t want[64];
	size_t wlen;

	need_keys();
	root = json_load_file(shared("sops/synthetic/shamir_3groups_t2.json", path, sizeof(path)), 0, &je);
	CHECK(root != NULL);
	hex = check_read_file(shared("sops/synthetic/shamir_3groups_t2.datakey.hex", path, sizeof(path)),
			      NULL);
	CHECK(hex != NULL);
	line = hex;
	for (int i = 0; i < 3 && line != NULL; i++) {   /* line 4: the third group's share */
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	CHECK(line != NULL);
	wlen = unhex(line, want, sizeof(want));
	CHECK(wlen == 33 && want[32] == 3);
	check_unwrap(json_string_value(json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(json_object_get(root, "sops"), "key_groups"), 2),
		"pgp"), 0), "enc")), want, wlen, "shamir_3groups_t2.json");
	free(hex);
	json_decref(root);
}

/* A sops file whose key is not in the keyring: fails cleanly, gpg's words. */
static void test_unknown_key_fails(void)
{
	char path[PATH_MAX], *armors[2];
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	size_t n;

	need_keys();
	n = file_armors(shared("sops/config/test_resources/example.yaml", path, sizeof(path)), armors, 2);
	CHECK(n == 1);
	CHECK(strstr(armors[0], "Version: GnuPG v1\n") != NULL);
	CHECK(buf_add(&out, "kept", 4) == 0);
	CHECK(unwrap_enc(armors[0], &out, &err) == -1);
	CHECK_MEM(out.data, out.len, "kept", 4);        /* nothing appended */
	CHECKF(STARTS(err.msg, "could not decrypt data key with PGP key: GnuPG binary error: "
		      "failed to decrypt sops data key with pgp: gpg: encrypted with "),
	       "%.300s", err.msg);
	CHECKF(strstr(err.msg, "gpg: decryption failed: No secret key") != NULL, "%.300s", err.msg);
	CHECK(err.code == EX_NO_DATA_KEY);
	/* garbage is an error too */
	CHECK(unwrap_enc("not a pgp message", &out, &err) == -1);
	CHECK(out.len == 4);
	buf_free(&out);
	free_armors(armors, n);
}

/* ---- the vectors' key (keys/pgp.asc, ed25519 + cv25519) ---- */

static void test_vector_files(void)
{
	static const char *const files[] = {
		"sops-vectors/groups/pgp_only.enc.yaml",
		"sops-vectors/groups/two_recipients.enc.yaml",
		"sops-vectors/groups/shamir_yaml.enc.yaml",
	};
	char path[PATH_MAX], *armors[2];
	uint8_t want[PGP_MAX_KEY_LEN];

	need_keys();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t n = file_armors(shared(files[i], path, sizeof(path)), armors, 2), wlen;

		CHECKF(n == 1, "%s: %zu armors", files[i], n);
		wlen = gpg_decrypt(armors[0], want, sizeof(want));
		CHECKF(wlen == (i == 2 ? 33u : 32u), "%s: gpg gave %zu bytes", files[i], wlen);
		if (i == 2)
			CHECK(want[32] == 3);   /* x of the third group's share */
		check_unwrap(armors[0], want, wlen, files[i]);
		free_armors(armors, n);
	}
}

static void test_describe(void)
{
	struct master_key mk = { .type = "pgp", .nfields = 1 };

	mk.fields[0].name = "fp";
	mk.fields[0].value = FBC7;
	mk.fields[0].len = strlen(FBC7);
	CHECK_STR(pgp_provider.describe(&mk), FBC7);
	CHECK(provider_for("pgp") == &pgp_provider);
}

int main(void)
{
	setup();
	RUN(test_describe);
	RUN(test_fixture_yaml);
	RUN(test_fixture_json);
	RUN(test_fixture_dotenv);
	RUN(test_shamir_share);
	RUN(test_unknown_key_fails);
	RUN(test_vector_files);
	teardown();
	return CHECK_DONE();
}
