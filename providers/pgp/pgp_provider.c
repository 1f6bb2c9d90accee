/* pgp_provider.c - the "pgp" master-key provider (sops pgp/keysource.go).
 *
 * Everything goes through gpgme, which runs gpg with gpg-agent and
 * $GNUPGHOME like sops' gpg fallback does.
 * unwrap: decrypt the armored `enc` with any secret key gpg has. The
 *   plaintext is written by gpgme straight into our locked buffer through
 *   data callbacks, so no gpgme heap buffer ever holds it.
 * wrap: encrypt to one fingerprint like `gpg --no-default-recipient --yes
 *   --encrypt -a -r FP --trusted-key <last16> --no-encrypt-to`: armored,
 *   the key trusted for this operation, no encrypt-to keys; the armor is
 *   trimmed of surrounding whitespace (no final newline, as sops writes
 *   it) and any armor header lines (Version:, Comment:) are dropped, as
 *   sops' own OpenPGP library path writes none.
 * One gpgme context per call, so the provider is thread-safe once
 * pgp_init has run (it runs itself, once, on first use).
 */
#include "pgp_provider.h"
#include "../../common/secure_mem.h"
#include "../../common/may_block.h"

#include <errno.h>
#include <gpgme.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static char init_error[256];

static void init_gpgme(void)
{
	gpgme_error_t e;

	if (gpgme_check_version(NULL) == NULL) {
		snprintf(init_error, sizeof(init_error), "gpgme is not usable");
		return;
	}
	e = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
	if (e != 0)
		snprintf(init_error, sizeof(init_error), "no usable GnuPG engine: %s",
			 gpgme_strerror(e));
}

int pgp_init(struct sops_err *err)
{
	pthread_once(&init_once, init_gpgme);
	if (init_error[0] != '\0')
		return err_set(err, EX_NO_DATA_KEY, "%s", init_error);
	return 0;
}

static gpgme_error_t new_context(gpgme_ctx_t *ctx)
{
	gpgme_error_t e = gpgme_new(ctx);

	if (e == 0 && (e = gpgme_set_protocol(*ctx, GPGME_PROTOCOL_OpenPGP)) != 0) {
		gpgme_release(*ctx);
		*ctx = NULL;
	}
	return e;
}

/* ---- unwrap ---- */

/* gpgme data sink that appends to a secure struct buf. */
static ssize_t sink_write(void *handle, const void *p, size_t n)
{
	struct buf *b = handle;

	if (b->len + n > PGP_MAX_KEY_LEN) {
		errno = ENOSPC;
		return -1;
	}
	if (buf_add(b, p, n) != 0) {
		errno = ENOMEM;
		return -1;
	}
	return (ssize_t)n;
}

static off_t sink_seek(void *handle, off_t off, int whence)
{
	(void)handle;
	(void)off;
	(void)whence;
	errno = ESPIPE;
	return -1;
}

static struct gpgme_data_cbs sink_cbs = {
	.read = NULL,
	.write = sink_write,
	.seek = sink_seek,
	.release = NULL,
};

/* What gpg prints for a failed decryption: one "encrypted with" line per
 * recipient, then "decryption failed: <why>". */
static int decrypt_failed(gpgme_ctx_t ctx, gpgme_error_t e, struct sops_err *err)
{
	gpgme_decrypt_result_t res = gpgme_op_decrypt_result(ctx);
	char lines[1024] = "";
	size_t used = 0;
	const char *why = gpgme_strerror(e);

	for (gpgme_recipient_t r = res ? res->recipients : NULL; r != NULL; r = r->next) {
		const char *algo = gpgme_pubkey_algo_name(r->pubkey_algo);
		int n = snprintf(lines + used, sizeof(lines) - used, "gpg: encrypted with %s key, ID %s\n",
				 algo ? algo : "unknown", r->keyid ? r->keyid : "?");

		if (n < 0 || (size_t)n >= sizeof(lines) - used)
			break;
		used += (size_t)n;
		if (gpgme_err_code(r->status) == GPG_ERR_NO_SECKEY)
			why = gpgme_strerror(r->status);
	}
	return err_set(err, EX_NO_DATA_KEY, "could not decrypt data key with PGP key: GnuPG binary "
		       "error: failed to decrypt sops data key with pgp: %sgpg: decryption failed: %s",
		       lines, why);
}

static int pgp_unwrap(const struct master_key *mk, struct buf *out, struct sops_err *err)
{
	const struct mk_field *enc = mk_get(mk, "enc");
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t cipher = NULL, plain = NULL;
	gpgme_error_t e;
	size_t start = out->len;
	int rc = -1;

	if (pgp_init(err) != 0)
		return -1;
	if (enc == NULL || enc->len == 0)
		return err_set(err, EX_NO_DATA_KEY, "pgp master key has no enc field");
	if (!out->secure)
		return err_set(err, EX_NO_DATA_KEY, "pgp unwrap needs a secure buffer");
	if ((e = new_context(&ctx)) != 0 ||
	    (e = gpgme_data_new_from_mem(&cipher, enc->value, enc->len, 0)) != 0 ||
	    (e = gpgme_data_new_from_cbs(&plain, &sink_cbs, out)) != 0) {
		err_set(err, EX_NO_DATA_KEY, "could not decrypt data key with PGP key: GnuPG binary "
			"error: %s", gpgme_strerror(e));
		goto done;
	}
	may_block();                    /* gpg-agent may ask for a passphrase */
	e = gpgme_op_decrypt(ctx, cipher, plain);
	if (e != 0) {
		decrypt_failed(ctx, e, err);
		buf_truncate(out, start);
		goto done;
	}
	if (out->len == start) {
		err_set(err, EX_NO_DATA_KEY, "could not decrypt data key with PGP key: GnuPG binary "
			"error: failed to decrypt sops data key with pgp: zero bytes returned");
		goto done;
	}
	rc = 0;
done:
	gpgme_data_release(plain);
	gpgme_data_release(cipher);
	gpgme_release(ctx);
	return rc;
}

/* ---- wrap ---- */

/* sops NewMasterKeyFromFingerprint: spaces removed (a final '!' kept). */
static char *clean_fingerprint(const char *s)
{
	char *fp = malloc(strlen(s) + 1), *w = fp;

	if (fp == NULL)
		return NULL;
	for (; *s != '\0'; s++)
		if (*s != ' ')
			*w++ = *s;
	*w = '\0';
	return fp;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Armor as sops stores it: surrounding whitespace trimmed, header lines
 * ("Key: value" between the BEGIN line and the blank line) dropped. */
static int clean_armor(const char *a, size_t n, struct buf *out)
{
	static const char begin[] = "-----BEGIN PGP MESSAGE-----\n";
	const char *p, *end;

	while (n > 0 && is_ws(a[n - 1]))
		n--;
	while (n > 0 && is_ws(a[0]))
		a++, n--;
	end = a + n;
	if (n < sizeof(begin) - 1 || memcmp(a, begin, sizeof(begin) - 1) != 0)
		return buf_add(out, a, n);
	if (buf_add(out, a, sizeof(begin) - 1) != 0)
		return -1;
	p = a + sizeof(begin) - 1;
	while (p < end && *p != '\n') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL || memchr(p, ':', (size_t)(nl - p)) == NULL)
			break;
		p = nl + 1;     /* a header line */
	}
	return buf_add(out, p, (size_t)(end - p));
}

static int encrypt_failed(gpgme_ctx_t ctx, gpgme_error_t e, const char *fp, struct sops_err *err)
{
	gpgme_encrypt_result_t res = gpgme_op_encrypt_result(ctx);
	char skipped[512] = "";

	/* gpg says "<fp>: skipped: No public key", then "encryption failed: No
	 * public key" where gpgme only returns "Unusable public key" */
	if (res != NULL && res->invalid_recipients != NULL) {
		e = res->invalid_recipients->reason;
		snprintf(skipped, sizeof(skipped), "gpg: %s: skipped: %s\n", fp, gpgme_strerror(e));
	}
	return err_set(err, EX_ERROR, "could not encrypt data key with PGP key: GnuPG binary error: "
		       "failed to encrypt sops data key with pgp: %sgpg: [stdin]: encryption "
		       "failed: %s", skipped, gpgme_strerror(e));
}

/* Encrypt key to fp; the cleaned armor goes to armor. */
static int encrypt_to(const char *fp, const uint8_t *key, size_t len, struct buf *armor,
		      struct sops_err *err)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t plain = NULL, cipher = NULL;
	gpgme_error_t e;
	char *mem;
	size_t n = 0;
	int rc = -1;

	if ((e = new_context(&ctx)) != 0 ||
	    (e = gpgme_data_new_from_mem(&plain, (const char *)key, len, 0)) != 0 ||
	    (e = gpgme_data_new(&cipher)) != 0) {
		err_set(err, EX_ERROR, "could not encrypt data key with PGP key: GnuPG binary error: %s",
			gpgme_strerror(e));
		goto done;
	}
	gpgme_set_armor(ctx, 1);
	e = gpgme_op_encrypt_ext(ctx, NULL, fp, GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_NO_ENCRYPT_TO,
				 plain, cipher);
	if (e != 0) {
		encrypt_failed(ctx, e, fp, err);
		goto done;
	}
	mem = gpgme_data_release_and_get_mem(cipher, &n);   /* ciphertext: not secret */
	cipher = NULL;
	if (mem == NULL || clean_armor(mem, n, armor) != 0)
		err_set(err, EX_ERROR, "could not encrypt data key with PGP key: out of memory");
	else
		rc = 0;
	gpgme_free(mem);
done:
	gpgme_data_release(cipher);
	gpgme_data_release(plain);
	gpgme_release(ctx);
	return rc;
}

static int pgp_wrap(const char *recipient, const uint8_t *key, size_t len, struct mk_new *out,
		    struct sops_err *err)
{
	char *fp = clean_fingerprint(recipient), created[32];
	struct buf armor = BUF_INIT;
	time_t now = time(NULL);
	struct tm tm;
	int rc = -1;

	if (pgp_init(err) != 0) {
		free(fp);
		return -1;
	}
	if (fp == NULL) {
		err_set(err, EX_ERROR, "out of memory");
		goto done;
	}
	if (fp[0] == '\0' || fp[0] == '-' || strpbrk(fp, "\n\r") != NULL) {
		err_set(err, EX_ERROR, "could not encrypt data key with PGP key: invalid fingerprint "
			"'%s'", fp);
		goto done;
	}
	if (encrypt_to(fp, key, len, &armor, err) != 0)
		goto done;
	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	out->type = "pgp";
	if (mk_new_add(out, "created_at", created, strlen(created)) != 0 ||
	    mk_new_add(out, "enc", (const char *)armor.data, armor.len) != 0 ||
	    mk_new_add(out, "fp", fp, strlen(fp)) != 0) {
		mk_new_free(out);
		err_set(err, EX_ERROR, "out of memory");
		goto done;
	}
	rc = 0;
done:
	buf_free(&armor);
	free(fp);
	return rc;
}

static const char *pgp_describe(const struct master_key *mk)
{
	const struct mk_field *fp = mk_get(mk, "fp");

	return fp != NULL ? fp->value : "pgp";
}

const struct provider pgp_provider = {
	.type = "pgp",
	.unwrap = pgp_unwrap,
	.wrap = pgp_wrap,
	.describe = pgp_describe,
};
