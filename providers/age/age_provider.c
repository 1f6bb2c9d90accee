/* age_provider.c - the "age" master-key provider (sops age/keysource.go).
 *
 * unwrap: decrypt the entry's `enc` (armored as sops writes it; binary age
 * accepted too) with the loaded identities, into a secure buffer.
 * wrap: encrypt a data key (or Shamir share) to one recipient as sops does
 * (ASCII armor with the final newline) and produce the entry's fields in
 * sops 3.13's sorted order: enc, recipient.
 * Recipients are parsed as sops parseRecipient does: age1pq1... (hybrid,
 * refused: not supported), age1<plugin>1... (plugin, refused), age1...
 * (X25519), ssh-... (ssh-ed25519 / ssh-rsa), anything else unknown.
 */
#include "age_provider.h"

#include <stdlib.h>
#include <string.h>

static int count_char(const char *s, char c)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

static int quoted_err(struct sops_err *err, const char *prefix, const char *s)
{
	struct buf q = BUF_INIT;

	age_goquote(&q, s, strlen(s));
	err_set(err, EX_ERROR, "%s%s", prefix, q.data ? (char *)q.data : "\"\"");
	buf_free(&q);
	return -1;
}

/* sops parseRecipient with its error texts. */
static int parse_recipient(const char *s, struct age_recipient *r, struct sops_err *err)
{
	memset(r, 0, sizeof(*r));
	if (strncmp(s, "age1pq1", 7) == 0)
		return err_set(err, EX_ERROR, "failed to parse input as Bech32-encoded age public "
			       "key: post-quantum (age1pq1...) recipients are not supported by sopsfs");
	if (strncmp(s, "age1", 4) == 0 && count_char(s, '1') > 1)
		return err_set(err, EX_ERROR, "failed to parse input as age key from age plugin: "
			       "age plugins are not supported by sopsfs");
	if (strncmp(s, "age1", 4) == 0) {
		if (age_x25519_recipient_parse(s, r, err) != 0)
			return err_prefix(err, "failed to parse input as Bech32-encoded age public key: ");
		return 0;
	}
	if (strncmp(s, "ssh-", 4) == 0) {
		if (age_ssh_recipient_parse(s, r, err) != 0)
			return err_prefix(err, "failed to parse input as age-ssh public key: ");
		return 0;
	}
	return quoted_err(err, "failed to parse input, unknown recipient type: ", s);
}

/* strings.TrimSpace for ASCII whitespace, into a new heap string. */
static char *trim(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
			 s[n - 1] == '\r' || s[n - 1] == '\v' || s[n - 1] == '\f'))
		n--;
	return strndup(s, n);
}

static int age_wrap(const char *recipient, const uint8_t *key, size_t len, struct mk_new *out,
		    struct sops_err *err)
{
	struct age_recipient r;
	struct buf enc = BUF_INIT;
	char *rcpt = trim(recipient);
	int rc = -1;

	if (rcpt == NULL)
		return err_set(err, EX_ERROR, "out of memory");
	if (parse_recipient(rcpt, &r, err) != 0)
		goto out;
	if (age_encrypt(&r, key, len, 1, &enc, err) != 0) {
		err_prefix(err, "failed to encrypt sops data key with age: ");
		goto out;
	}
	out->type = "age";
	if (mk_new_add(out, "enc", (const char *)enc.data, enc.len) != 0 ||
	    mk_new_add(out, "recipient", rcpt, strlen(rcpt)) != 0) {
		mk_new_free(out);
		err_set(err, EX_ERROR, "out of memory");
		goto out;
	}
	rc = 0;
out:
	age_recipient_free(&r);
	buf_free(&enc);
	free(rcpt);
	return rc;
}

static int age_unwrap(const struct master_key *mk, struct buf *out, struct sops_err *err)
{
	const struct mk_field *enc = mk_get(mk, "enc"), *rcpt = mk_get(mk, "recipient");
	struct age_identity *const *ids;
	enum age_decrypt_stage stage;
	struct sops_err why;
	size_t n;
	int rc = 0;

	ids = age_identities_acquire(rcpt ? rcpt->value : "", &n);
	if (n == 0) {
		rc = age_identities_error(err, "failed to load age identities", NULL);
	} else if (enc == NULL) {
		rc = err_set(err, EX_NO_DATA_KEY, "age master key has no enc field");
	} else if (age_decrypt((const uint8_t *)enc->value, enc->len, ids, n, out, &stage,
			       &why) != 0) {
		if (stage == AGE_STAGE_HEADER)
			rc = age_identities_error(err, "failed to create reader for decrypting sops "
						  "data key with age", why.msg);
		else
			rc = err_set(err, EX_NO_DATA_KEY, "failed to copy age decrypted data into "
				     "bytes.Buffer: %s", why.msg);
	}
	age_identities_release();
	return rc;
}

static const char *age_describe(const struct master_key *mk)
{
	const struct mk_field *r = mk_get(mk, "recipient");

	return r != NULL ? r->value : "age";
}

const struct provider age_provider = {
	.type = "age",
	.unwrap = age_unwrap,
	.wrap = age_wrap,
	.describe = age_describe,
};
