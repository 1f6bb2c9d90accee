/* age_ssh_keys.c - SSH public keys as age recipients: authorized_keys lines
 * ("ssh-ed25519 AAAA... comment", "ssh-rsa ...", options allowed).
 *
 * Parsed by hand (no library reads authorized_keys lines); behaviour and
 * error texts follow golang.org/x/crypto/ssh.ParseAuthorizedKey and agessh.
 */
#include "age.h"
#include "../b64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#define NO_KEY "ssh: no key found"
#define TYPE_MAX 64                           /* longest key type name kept */

/* Returns 0, or -3 with *why for a key that parses but cannot be used. */
static int set_ed25519_recipient(struct age_recipient *r, const uint8_t pub[32],
				 const char **why)
{
	uint8_t wire[AGE_SSH_ED25519_WIRE_LEN];

	if (sodium_init() < 0 || crypto_sign_ed25519_pk_to_curve25519(r->pub, pub) != 0) {
		*why = "invalid Ed25519 public key: invalid point";
		return -3;
	}
	age_ssh_ed25519_wire(pub, wire);
	if (age_ssh_tag(wire, sizeof(wire), r->ssh_tag) != 0 ||
	    (r->ssh_wire = malloc(sizeof(wire))) == NULL) {
		*why = "out of memory";
		return -3;
	}
	memcpy(r->ssh_wire, wire, sizeof(wire));
	r->ssh_wire_len = sizeof(wire);
	r->type = AGE_KEY_SSH_ED25519;
	return 0;
}

static int check_rsa_exponent(const BIGNUM *e, const char **why)
{
	if (BN_num_bits(e) > 24) {
		*why = "ssh: exponent too large";
		return -1;
	}
	if (BN_get_word(e) < 3 || !BN_is_odd(e)) {
		*why = "ssh: incorrect exponent";
		return -1;
	}
	return 0;
}

/* Returns 0, -1 (not a valid key) or -3 (*why: valid but unusable). */
static int set_rsa_recipient(struct age_recipient *r, struct age_wire *w, const char **why)
{
	BIGNUM *e = age_wire_mpint(w, 0), *n = age_wire_mpint(w, 0);
	struct buf wire = BUF_INIT;
	int rc = -1;

	*why = NO_KEY;
	if (e == NULL || n == NULL || w->n != 0 || check_rsa_exponent(e, why) != 0)
		goto out;
	rc = -3;
	if (BN_num_bytes(n) < 2048 / 8) {
		*why = "RSA key size is too small";
		goto out;
	}
	*why = "out of memory";
	if (age_ssh_rsa_wire(e, n, &wire) != 0 || age_ssh_tag(wire.data, wire.len, r->ssh_tag) != 0)
		goto out;
	r->ssh_wire = buf_steal(&wire, &r->ssh_wire_len);
	r->type = AGE_KEY_SSH_RSA;
	rc = 0;
out:
	BN_free(e);
	BN_free(n);
	buf_free(&wire);
	return rc;
}

/* Parse a wire public key blob. Returns 0; -1 when it is not a key; -2 for
 * a key of another type (*type_out = its name); -3 when the key is valid
 * but unusable (*why says why). */
static int parse_wire_key(const uint8_t *blob, size_t n, struct age_recipient *r,
			  char type_out[TYPE_MAX], const char **why)
{
	struct age_wire w = { blob, n }, type, key;

	*why = NO_KEY;
	if (age_wire_str(&w, &type) != 0)
		return -1;
	snprintf(type_out, TYPE_MAX, "%.*s", (int)(type.n < TYPE_MAX ? type.n : TYPE_MAX - 1),
		 (const char *)type.p);
	if (age_wire_is(&type, "ssh-ed25519")) {
		if (age_wire_str(&w, &key) != 0 || key.n != 32 || w.n != 0)
			return -1;
		return set_ed25519_recipient(r, key.p, why);
	}
	if (age_wire_is(&type, "ssh-rsa"))
		return set_rsa_recipient(r, &w, why);
	if (age_wire_is(&type, "ssh-dss") || (type.n > 6 && memcmp(type.p, "ecdsa-", 6) == 0) ||
	    (type.n > 3 && memcmp(type.p, "sk-", 3) == 0))
		return -2;
	return -1;
}

/* Try one base64 field of an authorized_keys line. */
static int try_field(const char *f, size_t len, struct age_recipient *r, char type[TYPE_MAX],
		     const char **why)
{
	struct buf blob = BUF_INIT;
	int rc = -1;

	*why = NO_KEY;
	if (b64_decode(B64_STD, f, len, &blob) == 0)
		rc = parse_wire_key(blob.data, blob.len, r, type, why);
	buf_free(&blob);
	return rc;
}

static int ssh_err(struct sops_err *err, const char *prefix, const char *s, const char *why)
{
	struct buf q = BUF_INIT;

	age_goquote(&q, s, strlen(s));
	err_set(err, EX_ERROR, "%s%s%s%s", prefix, q.data ? (char *)q.data : "\"\"",
		why ? ": " : "", why ? why : "");
	buf_free(&q);
	return -1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Fields of a line: the key is the 2nd field, or the 3rd after options. */
static int parse_key_line(const char *line, size_t len, struct age_recipient *r,
			  char type[TYPE_MAX], const char **why)
{
	const char *f[3];
	size_t fl[3], nf = 0, i = 0;
	int rc = -1;

	while (nf < 3) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i >= len)
			break;
		f[nf] = line + i;
		while (i < len && !is_blank(line[i]))
			i++;
		fl[nf] = (size_t)(line + i - f[nf]);
		nf++;
	}
	for (size_t k = 1; k < nf && rc == -1; k++)
		rc = try_field(f[k], fl[k], r, type, why);
	return rc;
}

int age_ssh_recipient_parse(const char *s, struct age_recipient *r, struct sops_err *err)
{
	const char *p = s, *why = NO_KEY;
	char type[TYPE_MAX] = "";
	int rc = -1;

	memset(r, 0, sizeof(*r));
	while (*p != '\0' && rc == -1) {
		size_t len = strcspn(p, "\n"), l = strcspn(p, "\r\n");

		while (l > 0 && is_blank(p[0])) {
			p++;
			l--;
			len--;
		}
		if (l > 0 && p[0] != '#')
			rc = parse_key_line(p, l, r, type, &why);
		p += len + (p[len] == '\n');
	}
	if (rc == -2) {
		age_recipient_free(r);
		return ssh_err(err, "unknown SSH recipient type: ", type, NULL);
	}
	if (rc != 0) {
		age_recipient_free(r);
		return ssh_err(err, "malformed SSH recipient: ", s, why);
	}
	return 0;
}
