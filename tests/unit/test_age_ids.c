/* test_age_ids.c - age provider failures and identities: tampering, sops'
 * error texts, identity sources, encrypted ssh keys, bad recipients,
 * SOPS_AGE_SSH_PRIVATE_KEY_CMD splitting, unwraps in parallel with the
 * identities forgotten under them. */
#include "age_util.h"

#include <pthread.h>
#include <stdatomic.h>

/* ---- failures --------------------------------------------------------- */

static void test_tamper(void)
{
	struct age_identity *id, *other, *other2, *ids[2];
	struct age_recipient r;
	struct buf rs = BUF_INIT, ct = BUF_INIT, out = BUF_INIT_SECURE;
	enum age_decrypt_stage stage;
	struct sops_err err;
	uint8_t key[32] = { 9 };
	char *mac, saved;

	CHECK(age_x25519_identity_generate(&id) == 0);
	CHECK(age_x25519_identity_generate(&other) == 0);
	CHECK(age_x25519_identity_generate(&other2) == 0);
	CHECK(age_x25519_recipient_string(id->pub, &rs) == 0);
	CHECK(age_recipient_parse((char *)rs.data, &r, &err) == 0);
	CHECK(age_encrypt(&r, key, 32, 0, &ct, &err) == 0);
	/* wrong identities */
	CHECK(age_decrypt(ct.data, ct.len, &other, 1, &out, &stage, &err) != 0);
	CHECK(stage == AGE_STAGE_HEADER);
	CHECK_MSG(err, "identity did not match any of the recipients: incorrect identity for "
		  "recipient block");
	ids[0] = other;
	ids[1] = other2;
	CHECK(age_decrypt(ct.data, ct.len, ids, 2, &out, &stage, &err) != 0);
	CHECK_MSG(err, "no identity matched any of the recipients");
	/* a changed MAC */
	mac = strstr((char *)ct.data, "\n--- ");
	CHECK(mac != NULL);
	saved = mac[5];
	mac[5] = saved == 'A' ? 'B' : 'A';
	CHECK(age_decrypt(ct.data, ct.len, &id, 1, &out, &stage, &err) != 0);
	CHECK_MSG(err, "bad header MAC");
	mac[5] = saved;
	CHECKF(age_decrypt(ct.data, ct.len, &id, 1, &out, &stage, &err) == 0, "%.200s", err.msg);
	CHECK_MEM(out.data, out.len, key, 32);
	/* a changed payload */
	ct.data[ct.len - 3] ^= 0x40;
	buf_truncate(&out, 0);
	CHECK(age_decrypt(ct.data, ct.len, &id, 1, &out, &stage, &err) != 0);
	CHECK(stage == AGE_STAGE_PAYLOAD);
	CHECK(out.len == 0);
	/* trailing data after the last chunk */
	ct.data[ct.len - 3] ^= 0x40;
	buf_addc(&ct, 'x');
	CHECK(age_decrypt(ct.data, ct.len, &id, 1, &out, &stage, &err) != 0);
	/* garbage that is neither binary nor armored */
	CHECK(age_decrypt((const uint8_t *)"hello", 5, &id, 1, &out, &stage, &err) != 0);
	CHECK_MSG(err, "failed to read header: parsing age header: failed to read intro: "
		  "invalid armor: invalid first line: \"hello\"");
	age_recipient_free(&r);
	age_identity_free(id);
	age_identity_free(other);
	age_identity_free(other2);
	buf_free(&rs);
	buf_free(&ct);
	buf_free(&out);
}

/* The exact sops texts of errors/no_identity and errors/wrong_identity. */
static void test_sops_error_texts(void)
{
	NEED_SHARED(dir, "interop/sops-vectors");
	const char *base = shared_sub("interop/sops-vectors/errors/base.enc.yaml");
	const char *k2 = shared_sub("interop/sops-vectors/keys/age2.txt");
	char *yaml = check_read_file(base, NULL), *encs[2], *t1, *t2;
	struct buf want1 = BUF_INIT, want2 = BUF_INIT, out = BUF_INIT_SECURE;
	struct sops_err err;
	char p[700];

	(void)dir;
	CHECK(yaml != NULL && yaml_encs(yaml, encs, 2) == 1);
	snprintf(p, sizeof(p), "%s", shared_sub("interop/sops-vectors/errors/no_identity.err.txt"));
	t1 = check_read_file(p, NULL);
	snprintf(p, sizeof(p), "%s", shared_sub("interop/sops-vectors/errors/wrong_identity.err.txt"));
	t2 = check_read_file(p, NULL);
	CHECK(t1 != NULL && t2 != NULL);
	err_reason(t1, &want1);
	err_reason(t2, &want2);
	/* HOME=home (relative, empty), as the vectors were made */
	reset_env("home");
	CHECK(unwrap_enc(encs[0], "age18dhr4vedz97q2wu02jw7zuhn9v0q8w9965x5gnk5a7m6tc29furqagjzrk",
			 &out, &err) != 0);
	CHECK_MSG(err, (char *)want1.data);
	reset_env("home");
	setenv("SOPS_AGE_KEY_FILE", k2, 1);
	CHECK(unwrap_enc(encs[0], "", &out, &err) != 0);
	CHECK_MSG(err, (char *)want2.data);
	CHECK(out.len == 0);
	/* load errors are listed like sops does */
	reset_env("home");
	setenv("SOPS_AGE_KEY_FILE", "/nonexistent/keys.txt", 1);
	CHECK(age_identities_load(&err) != 0);
	CHECK_MSG(err, "failed to load age identities. Errors while loading age identities: "
		  "failed to open SOPS_AGE_KEY_FILE file: open /nonexistent/keys.txt: no such file or "
		  "directory. Did not find keys in locations 'SOPS_AGE_SSH_PRIVATE_KEY_FILE', "
		  "'SOPS_AGE_SSH_PRIVATE_KEY_CMD', 'home/.ssh/id_ed25519', 'home/.ssh/id_rsa', "
		  "'SOPS_AGE_KEY', 'SOPS_AGE_KEY_CMD', and 'home/.config/sops/age/keys.txt'.");
	age_identities_forget();
	free(encs[0]);
	free(yaml);
	free(t1);
	free(t2);
	buf_free(&want1);
	buf_free(&want2);
	buf_free(&out);
}

static void test_identity_sources(void)
{
	struct age_identity *a, *b, *c;
	struct buf sa = BUF_INIT_SECURE, sb = BUF_INIT_SECURE, sc = BUF_INIT_SECURE, env = BUF_INIT;
	struct buf rc = BUF_INIT;
	struct sops_err err;
	char cmd[512], *enc;
	uint8_t key[32] = { 42 };
	struct buf out = BUF_INIT_SECURE;

	CHECK(age_x25519_identity_generate(&a) == 0 && age_x25519_identity_generate(&b) == 0 &&
	      age_x25519_identity_generate(&c) == 0);
	age_x25519_identity_string(a, &sa);
	age_x25519_identity_string(b, &sb);
	age_x25519_identity_string(c, &sc);
	age_x25519_recipient_string(c->pub, &rc);
	/* SOPS_AGE_KEY: several per line, comments, CRLF, unsupported kinds skipped */
	buf_printf(&env, "# comment\n%s  %s\r\n\nAGE-SECRET-KEY-PQ-1XXXX\nAGE-PLUGIN-YUBIKEY-1XXXX\n",
		   (char *)sa.data, (char *)sb.data);
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY", (char *)env.data, 1);
	CHECKF(age_identities_load(&err) == 0, "%.200s", err.msg);
	CHECK(age_identities_count() == 2);
	CHECK(age_identities_load(&err) == 0 && age_identities_count() == 2);   /* idempotent */
	/* SOPS_AGE_KEY_FILE: one key per line, a final CR without LF dropped */
	buf_truncate(&env, 0);
	buf_printf(&env, "%s\r\n%s\r", (char *)sa.data, (char *)sb.data);
	write_file(tmp_path("ab.txt"), env.data, env.len);
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY_FILE", tmp_path("ab.txt"), 1);
	CHECKF(age_identities_load(&err) == 0, "%.200s", err.msg);
	CHECK(age_identities_count() == 2);
	/* a garbage line fails the whole source, like sops */
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY", "not-a-key", 1);
	CHECK(age_identities_load(&err) != 0);
	CHECKF(strstr(err.msg, "failed to parse 'SOPS_AGE_KEY' age identities: unknown identity "
		      "type") != NULL, "%.200s", err.msg);
	/* SOPS_AGE_KEY_CMD sees SOPS_AGE_RECIPIENT; the default keys.txt is read too */
	write_file(tmp_path("c.txt"), sc.data, sc.len);
	snprintf(cmd, sizeof(cmd), "sh -c 'test \"$SOPS_AGE_RECIPIENT\" = %s && cat \"$0\"' '%s'",
		 (char *)rc.data, tmp_path("c.txt"));
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY_CMD", cmd, 1);
	mkdir(tmp_path("cfg"), 0700);
	mkdir(tmp_path("cfg/sops"), 0700);
	mkdir(tmp_path("cfg/sops/age"), 0700);
	write_file(tmp_path("cfg/sops/age/keys.txt"), sa.data, sa.len);
	setenv("XDG_CONFIG_HOME", tmp_path("cfg"), 1);
	enc = wrap_enc((char *)rc.data, key, 32);
	CHECKF(unwrap_enc(enc, (char *)rc.data, &out, &err) == 0, "%.200s", err.msg);
	CHECK_MEM(out.data, out.len, key, 32);
	CHECK(age_identities_count() == 2);
	/* a failing command is reported with Go's wording */
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY_CMD", "false", 1);
	CHECK(unwrap_enc(enc, (char *)rc.data, &out, &err) != 0);
	CHECKF(strstr(err.msg, "failed to execute command false: exit status 1") != NULL, "%.200s", err.msg);
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY_CMD", "no-such-sopsfs-command x", 1);
	CHECK(age_identities_load(&err) != 0);
	CHECKF(strstr(err.msg, "failed to execute command no-such-sopsfs-command x: exec: "
		      "\"no-such-sopsfs-command\": executable file not found in $PATH") != NULL,
	       "%.200s", err.msg);
	age_identities_forget();
	free(enc);
	age_identity_free(a);
	age_identity_free(b);
	age_identity_free(c);
	buf_free(&sa); buf_free(&sb); buf_free(&sc); buf_free(&env); buf_free(&rc); buf_free(&out);
}

static void test_encrypted_ssh_key(void)
{
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;
	char cmd[512];

	if (!have_tool("ssh-keygen"))
		SKIP("ssh-keygen not installed");
	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N secret -f '%s' </dev/null >/dev/null",
		 tmp_path("enc_ed"));
	CHECK(system(cmd) == 0);
	reset_env(tmpdir);
	setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", tmp_path("enc_ed"), 1);
	CHECK(age_identities_load(&err) != 0);
	CHECKF(strstr(err.msg, "is passphrase protected, which sopsfs does not support") != NULL,
	       "%.200s", err.msg);
	/* the same key from SOPS_AGE_SSH_PRIVATE_KEY_CMD: sops' own text */
	reset_env(tmpdir);
	snprintf(cmd, sizeof(cmd), "cat '%s'", tmp_path("enc_ed"));
	setenv("SOPS_AGE_SSH_PRIVATE_KEY_CMD", cmd, 1);
	CHECK(unwrap_enc("x", "", &out, &err) != 0);
	CHECKF(strstr(err.msg, "the SSH key returned by running SOPS_AGE_SSH_PRIVATE_KEY_CMD is "
		      "password protected, which is unsupported. (\"ssh: this private key is "
		      "passphrase protected\")") != NULL, "%.200s", err.msg);
	age_identities_forget();
	buf_free(&out);
}

static void expect_wrap_err(const char *recipient, const char *want)
{
	struct mk_new mk = { 0 };
	struct sops_err err;
	uint8_t key[32] = { 0 };

	CHECKF(age_provider.wrap(recipient, key, 32, &mk, &err) != 0, "accepted %.200s", recipient);
	CHECKF(strstr(err.msg, want) != NULL, "got \"%.200s\", want \"%.200s\"", err.msg, want);
	CHECK(mk.nfields == 0);
}

static void test_recipient_errors(void)
{
	expect_wrap_err("foo", "failed to parse input, unknown recipient type: \"foo\"");
	expect_wrap_err("age1pq1qqqqqqqq", "not supported");
	expect_wrap_err("age1yubikey1qqqqqqq", "failed to parse input as age key from age plugin");
	expect_wrap_err("age1yt3tfqlfrwdwx0z0ynwplcr6qxcxfaqycuprpmy89nr83ltx74tqdpszlx",
			"failed to parse input as Bech32-encoded age public key: malformed recipient "
			"\"age1yt3tfqlfrwdwx0z0ynwplcr6qxcxfaqycuprpmy89nr83ltx74tqdpszlx\": invalid checksum");
	expect_wrap_err("ssh-ed25519 AAAA", "failed to parse input as age-ssh public key: malformed "
			"SSH recipient: \"ssh-ed25519 AAAA\": ssh: no key found");
	expect_wrap_err("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDBkvLK", "malformed SSH recipient");
}

static void test_shlex(void)
{
	char **argv;
	size_t argc;
	const char *why;

	CHECK(age_shlex_split("a 'b c' \"d \\\"e\\\\\" f\\ g#h # comment\nnext", &argv, &argc, &why) == 0);
	CHECK(argc == 5);
	CHECK_STR(argv[0], "a");
	CHECK_STR(argv[1], "b c");
	CHECK_STR(argv[2], "d \"e\\");
	CHECK_STR(argv[3], "f g#h");
	CHECK_STR(argv[4], "next");
	age_shlex_free(argv);
	CHECK(age_shlex_split("x \"\" ''", &argv, &argc, &why) == 0);
	CHECK(argc == 3 && argv[1][0] == '\0' && argv[2][0] == '\0');
	age_shlex_free(argv);
	CHECK(age_shlex_split("a 'b", &argv, &argc, &why) != 0);
	CHECK_STR(why, "EOF found when expecting closing quote");
}

/* ---- unwraps in parallel ------------------------------------------------ */

#define PAR_THREADS 4
#define PAR_ROUNDS 60

static const char *par_enc;
static uint8_t par_key[32];
static atomic_int par_ok, par_bad, par_stop;

static void *par_unwrap(void *arg)
{
	struct buf out = BUF_INIT_SECURE;
	struct sops_err err;

	(void)arg;
	for (int i = 0; i < PAR_ROUNDS; i++) {
		if (unwrap_enc(par_enc, "", &out, &err) == 0 && out.len == 32 &&
		    memcmp(out.data, par_key, 32) == 0)
			atomic_fetch_add(&par_ok, 1);
		else
			atomic_fetch_add(&par_bad, 1);
	}
	buf_free(&out);
	return NULL;
}

static void *par_forget(void *arg)
{
	(void)arg;
	while (!atomic_load(&par_stop)) {
		age_identities_forget();        /* the next unwrap loads again */
		usleep(200);
	}
	return NULL;
}

/* Unwraps share the identities (a read lock) while a SIGUSR1-like forget
 * drops them between unwraps: every unwrap gets the key, none sees freed
 * identities (ASan). */
static void test_parallel_unwraps(void)
{
	struct age_identity *id;
	struct buf sid = BUF_INIT_SECURE, rcpt = BUF_INIT;
	pthread_t th[PAR_THREADS], fg;
	char *enc;

	for (int i = 0; i < 32; i++)
		par_key[i] = (uint8_t)(i * 7 + 1);
	CHECK(age_x25519_identity_generate(&id) == 0);
	age_x25519_identity_string(id, &sid);
	age_x25519_recipient_string(id->pub, &rcpt);
	reset_env(tmpdir);
	setenv("SOPS_AGE_KEY", (char *)sid.data, 1);
	enc = wrap_enc((char *)rcpt.data, par_key, 32);
	CHECK(enc != NULL);
	par_enc = enc;
	CHECK(pthread_create(&fg, NULL, par_forget, NULL) == 0);
	for (int i = 0; i < PAR_THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, par_unwrap, NULL) == 0);
	for (int i = 0; i < PAR_THREADS; i++)
		pthread_join(th[i], NULL);
	atomic_store(&par_stop, 1);
	pthread_join(fg, NULL);
	CHECKF(atomic_load(&par_ok) == PAR_THREADS * PAR_ROUNDS && atomic_load(&par_bad) == 0,
	       "%d unwraps right, %d wrong", atomic_load(&par_ok), atomic_load(&par_bad));
	reset_env(tmpdir);
	free(enc);
	buf_free(&sid);
	buf_free(&rcpt);
	age_identity_free(id);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_age.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_tamper);
	RUN(test_sops_error_texts);
	RUN(test_identity_sources);
	RUN(test_encrypted_ssh_key);
	RUN(test_recipient_errors);
	RUN(test_shlex);
	RUN(test_parallel_unwraps);
	age_identities_forget();
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return CHECK_DONE();
}
