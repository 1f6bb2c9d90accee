/* test_age_sops.c - the age provider against sops: keysource vectors,
 * sops-made files, round trips with x25519 and ssh keys, the age CLI. */
#include "age_util.h"

/* ---- decryption of real vectors --------------------------------------- */

static void test_keysource_vectors(void)
{
	NEED_SHARED(path, "interop/sops/derived/age_keysource_test_vectors.txt");
	char *all = check_read_file(path, NULL);
	char *ident, *enc, *ssh_id, *ssh_enc, *ssh_rcpt, *rcpt;
	struct age_identity *id, *sid = NULL, *ids[2];
	struct age_recipient r;
	struct buf out = BUF_INIT_SECURE, rs = BUF_INIT;
	enum age_decrypt_stage stage;
	struct sops_err err;
	int enc_flag;

	CHECK(all != NULL);
	ident = vector(all, "mockIdentity");
	enc = vector(all, "mockEncryptedKey");
	ssh_id = vector(all, "mockSshIdentity");
	ssh_enc = vector(all, "mockEncryptedSshKey");
	ssh_rcpt = vector(all, "mockSshRecipient");
	rcpt = vector(all, "mockRecipient");
	CHECK(ident && enc && ssh_id && ssh_enc && ssh_rcpt && rcpt);
	ident[strlen(ident) - 1] = '\0';
	ssh_rcpt[strlen(ssh_rcpt) - 1] = '\0';
	rcpt[strlen(rcpt) - 1] = '\0';
	id = x25519_id(ident);
	CHECK(age_x25519_recipient_string(id->pub, &rs) == 0);
	CHECK_STR((char *)rs.data, rcpt);
	CHECK(age_decrypt((uint8_t *)enc, strlen(enc), &id, 1, &out, &stage, &err) == 0);
	CHECK_MEM(out.data, out.len, "data", 4);
	CHECKF(age_ssh_identity_parse((uint8_t *)ssh_id, strlen(ssh_id), &sid, &enc_flag, &err) == 0,
	       "%.200s", err.msg);
	CHECK(sid->type == AGE_KEY_SSH_ED25519);
	/* the identity's tag matches the recipient's and the stanza's */
	CHECKF(age_ssh_recipient_parse(ssh_rcpt, &r, &err) == 0, "%.200s", err.msg);
	CHECK_STR(r.ssh_tag, sid->ssh_tag);
	CHECK_STR(sid->ssh_tag, "2cwDxw");
	CHECK(memcmp(r.pub, sid->pub, 32) == 0);
	ids[0] = sid;
	ids[1] = id;   /* X25519 is tried first, then the ssh key */
	buf_truncate(&out, 0);
	CHECKF(age_decrypt((uint8_t *)ssh_enc, strlen(ssh_enc), ids, 2, &out, &stage, &err) == 0,
	       "%.200s", err.msg);
	CHECK_MEM(out.data, out.len, "data", 4);
	age_recipient_free(&r);
	age_identity_free(id);
	age_identity_free(sid);
	buf_free(&out);
	buf_free(&rs);
	free(all); free(ident); free(enc); free(ssh_id); free(ssh_enc); free(ssh_rcpt); free(rcpt);
}

static void test_pr1031_example(void)
{
	NEED_SHARED(path, "interop/sops/_history/pr1031-0b07dfbc5/example.yaml");
	const char *keys = shared_sub("interop/sops/_history/7ebee3dc7/age/keys.txt");
	char *yaml = check_read_file(path, NULL), *encs[4], hex[80];
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	size_t n;

	CHECK(yaml != NULL);
	n = yaml_encs(yaml, encs, 4);
	CHECK(n == 2);
	reset_env("/nonexistent-home");
	setenv("SOPS_AGE_KEY_FILE", keys, 1);
	for (size_t i = 0; i < n; i++) {
		CHECKF(unwrap_enc(encs[i], "", &out, &err) == 0, "%.200s", err.msg);
		CHECK(out.len == 32);
		to_hex(out.data, out.len, hex);
		CHECK_STR(hex, "9ac088cf7029981341457c39dd56dde54600dfbce9b5ede23aa65c418900ab67");
		free(encs[i]);
	}
	CHECK(age_identities_count() == 2);
	age_identities_forget();
	CHECK(age_identities_count() == 0);
	buf_free(&out);
	free(yaml);
}

static int is_enc_yaml(const char *name)
{
	size_t n = strlen(name);

	return n > 9 && strcmp(name + n - 9, ".enc.yaml") == 0;
}

/* Every age enc in sops-vectors/ decrypts to what `age -d` prints. */
static void test_sops_vectors(void)
{
	NEED_SHARED(dir, "interop/sops-vectors");
	const char *k1 = shared_sub("interop/sops-vectors/keys/age.txt");
	const char *k2 = shared_sub("interop/sops-vectors/keys/age2.txt");
	static const char *subs[] = { "errors", "groups", "rules", "yaml", "edit", NULL };
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	int checked = 0;

	if (!have_tool("age"))
		SKIP("age CLI not installed");
	reset_env("/nonexistent-home");
	setenv("SOPS_AGE_KEY_FILE", k1, 1);
	{
		struct buf both = BUF_INIT;
		char *a = check_read_file(k1, NULL), *b = check_read_file(k2, NULL);

		buf_adds(&both, a);
		buf_adds(&both, b);
		setenv("SOPS_AGE_KEY", (char *)both.data, 1);   /* several per line: fine too */
		free(a);
		free(b);
		buf_free(&both);
	}
	for (int s = 0; subs[s] != NULL; s++) {
		char cmd[1024], sub[600];
		struct buf list = BUF_INIT;

		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[s]);
		snprintf(cmd, sizeof(cmd), "ls '%s' 2>/dev/null", sub);
		run_capture(cmd, &list);
		for (char *save = NULL, *f = strtok_r((char *)list.data, "\n", &save); f;
		     f = strtok_r(NULL, "\n", &save)) {
			char path[1200], *yaml, *encs[8];
			size_t n;

			if (!is_enc_yaml(f))
				continue;
			snprintf(path, sizeof(path), "%s/%s", sub, f);
			yaml = check_read_file(path, NULL);
			n = yaml ? yaml_encs(yaml, encs, 8) : 0;
			for (size_t i = 0; i < n; i++) {
				struct buf want = BUF_INIT;

				write_file(tmp_path("enc.age"), encs[i], strlen(encs[i]));
				snprintf(cmd, sizeof(cmd), "age -d -i '%s' -i '%s' '%s'", k1, k2,
					 tmp_path("enc.age"));
				CHECKF(run_capture(cmd, &want) == 0, "age -d failed on %.200s", path);
				CHECKF(unwrap_enc(encs[i], "", &out, &err) == 0, "%.200s: %.200s", path, err.msg);
				CHECK_MEM(out.data, out.len, want.data, want.len);
				CHECK(out.len == 32 || out.len == 33);
				checked++;
				buf_free(&want);
				free(encs[i]);
			}
			free(yaml);
		}
		buf_free(&list);
	}
	CHECKF(checked >= 40, "only %d enc blocks checked", checked);
	buf_free(&out);
	age_identities_forget();
}

/* ---- provider round trips --------------------------------------------- */

static void roundtrip(const char *recipient, const uint8_t *key, size_t n)
{
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	char *enc = wrap_enc(recipient, key, n);

	CHECK(strncmp(enc, "-----BEGIN AGE ENCRYPTED FILE-----\n", 35) == 0);
	CHECK(strcmp(enc + strlen(enc) - 33, "-----END AGE ENCRYPTED FILE-----\n") == 0);
	CHECKF(unwrap_enc(enc, recipient, &out, &err) == 0, "%.200s", err.msg);
	CHECK_MEM(out.data, out.len, key, n);
	buf_free(&out);
	free(enc);
}

static void test_roundtrip_x25519(void)
{
	struct age_identity *id;
	struct buf r = BUF_INIT, s = BUF_INIT_SECURE, pad = BUF_INIT;
	uint8_t key[33];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xA0 + i);
	CHECK(age_x25519_identity_generate(&id) == 0);
	CHECK(age_x25519_recipient_string(id->pub, &r) == 0);
	CHECK(age_x25519_identity_string(id, &s) == 0);
	reset_env("/nonexistent-home");
	setenv("SOPS_AGE_KEY", (char *)s.data, 1);
	roundtrip((char *)r.data, key, 32);
	roundtrip((char *)r.data, key, 33);
	/* sops trims the recipient and stores it trimmed */
	buf_printf(&pad, "  %s \n", (char *)r.data);
	{
		struct mk_new mk = { 0 };
		struct sops_err err;

		CHECKF(age_provider.wrap((char *)pad.data, key, 32, &mk, &err) == 0, "%.200s", err.msg);
		CHECK_STR(mk.values[1], (char *)r.data);
		mk_new_free(&mk);
	}
	age_identity_free(id);
	buf_free(&r);
	buf_free(&s);
	buf_free(&pad);
	age_identities_forget();
}

static void test_roundtrip_ssh_mock(void)
{
	NEED_SHARED(path, "interop/sops/derived/age_keysource_test_vectors.txt");
	char *all = check_read_file(path, NULL), *id, *rcpt;
	uint8_t key[32] = { 1, 2, 3 };

	CHECK(all != NULL);
	id = vector(all, "mockSshIdentity");
	rcpt = vector(all, "mockSshRecipient");
	rcpt[strlen(rcpt) - 1] = '\0';
	write_file(tmp_path("mock_ed25519"), id, strlen(id));
	reset_env("/nonexistent-home");
	setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", tmp_path("mock_ed25519"), 1);
	roundtrip(rcpt, key, 32);
	CHECK(age_identities_count() == 1);
	age_identities_forget();
	free(all);
	free(id);
	free(rcpt);
}

/* ssh-keygen keys: ed25519 and RSA (OpenSSH), RSA (PEM), RSA (PKCS#8). */
static void test_roundtrip_ssh_keygen(void)
{
	static const char *kinds[][2] = {
		{ "ed", "-t ed25519" }, { "rsa", "-t rsa -b 2048" },
		{ "rsapem", "-t rsa -b 2048 -m PEM" }, { "rsap8", "-t rsa -b 2048 -m PKCS8" },
	};
	uint8_t key[32];

	if (!have_tool("ssh-keygen"))
		SKIP("ssh-keygen not installed");
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 3);
	for (size_t k = 0; k < 4; k++) {
		char cmd[512], *pub;
		size_t n;

		snprintf(cmd, sizeof(cmd), "ssh-keygen -q %s -N '' -C test -f '%s' </dev/null >/dev/null",
			 kinds[k][1], tmp_path(kinds[k][0]));
		CHECKF(system(cmd) == 0, "%.200s", cmd);
		snprintf(cmd, sizeof(cmd), "%s.pub", tmp_path(kinds[k][0]));
		pub = check_read_file(cmd, &n);
		CHECK(pub != NULL);
		while (n > 0 && pub[n - 1] == '\n')
			pub[--n] = '\0';
		reset_env("/nonexistent-home");
		setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", tmp_path(kinds[k][0]), 1);
		roundtrip(pub, key, 32);
		free(pub);
	}
	age_identities_forget();
}

/* Our files decrypt with the age CLI and age's files with us. */
static void test_interop_age_cli(void)
{
	struct age_identity *id;
	struct age_recipient r;
	struct buf rs = BUF_INIT, ss = BUF_INIT_SECURE, ct = BUF_INIT, out = BUF_INIT_SECURE;
	enum age_decrypt_stage stage;
	struct sops_err err;
	size_t n = 200000;
	uint8_t *pt = malloc(n);
	char cmd[1024];

	if (!have_tool("age"))
		SKIP("age CLI not installed");
	for (size_t i = 0; i < n; i++)
		pt[i] = (uint8_t)(i * 31 + (i >> 9));
	CHECK(age_x25519_identity_generate(&id) == 0);
	CHECK(age_x25519_recipient_string(id->pub, &rs) == 0);
	CHECK(age_x25519_identity_string(id, &ss) == 0);
	buf_addc(&ss, '\n');
	write_file(tmp_path("id.txt"), ss.data, ss.len);
	write_file(tmp_path("pt.bin"), pt, n);
	CHECK(age_recipient_parse((char *)rs.data, &r, &err) == 0);
	/* binary and armored, ours -> age */
	for (int armored = 0; armored <= 1; armored++) {
		buf_truncate(&ct, 0);
		CHECK(age_encrypt(&r, pt, n, armored, &ct, &err) == 0);
		write_file(tmp_path("ours.age"), ct.data, ct.len);
		snprintf(cmd, sizeof(cmd), "age -d -i '%s' -o '%s' '%s' && cmp -s '%s' '%s'",
			 tmp_path("id.txt"), tmp_path("back.bin"), tmp_path("ours.age"),
			 tmp_path("back.bin"), tmp_path("pt.bin"));
		CHECKF(system(cmd) == 0, "age could not decrypt our file (armored=%d)", armored);
	}
	/* age -> ours */
	for (int armored = 0; armored <= 1; armored++) {
		char *theirs;
		size_t tn;

		snprintf(cmd, sizeof(cmd), "age -e %s -r %s -o '%s' '%s'", armored ? "-a" : "",
			 (char *)rs.data, tmp_path("theirs.age"), tmp_path("pt.bin"));
		CHECK(system(cmd) == 0);
		theirs = check_read_file(tmp_path("theirs.age"), &tn);
		buf_truncate(&out, 0);
		CHECKF(age_decrypt((uint8_t *)theirs, tn, &id, 1, &out, &stage, &err) == 0, "%.200s", err.msg);
		CHECK_MEM(out.data, out.len, pt, n);
		free(theirs);
	}
	age_recipient_free(&r);
	age_identity_free(id);
	buf_free(&rs);
	buf_free(&ss);
	buf_free(&ct);
	buf_free(&out);
	free(pt);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_age.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_keysource_vectors);
	RUN(test_pr1031_example);
	RUN(test_sops_vectors);
	RUN(test_roundtrip_x25519);
	RUN(test_roundtrip_ssh_mock);
	RUN(test_roundtrip_ssh_keygen);
	RUN(test_interop_age_cli);
	age_identities_forget();
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return CHECK_DONE();
}
