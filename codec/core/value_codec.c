/* value_codec.c - decrypt ENC strings to typed values and back. */
#include "value_codec.h"

#include <string.h>

const char *vtype_go_name(enum vtype t)
{
	switch (t) {
	case VT_STR: return "string";
	case VT_INT: return "int";
	case VT_FLOAT: return "float64";
	case VT_BOOL: return "bool";
	case VT_TIME: return "time.Time";
	case VT_BYTES: return "[]uint8";
	default: return "<nil>";
	}
}

static int typed(struct sdoc *doc, const char *type, const char *p, size_t n,
		 struct tvalue *out, struct sops_err *err)
{
	int64_t i;
	double f;
	int b;
	struct gotime t;

	if (strcmp(type, "str") == 0)
		return tvalue_set(doc, out, VT_STR, p, n);
	if (strcmp(type, "bytes") == 0)
		return tvalue_set(doc, out, VT_BYTES, p, n);
	if (strcmp(type, "comment") == 0)
		return tvalue_set(doc, out, VT_COMMENT, p, n);
	if (strcmp(type, "int") == 0) {
		if (go_parse_int(p, n, &i) != 0)
			return err_set(err, EX_DECRYPT_VALUE,
				       "strconv.Atoi: parsing \"<redacted>\": invalid syntax");
		return tvalue_int(doc, out, i);
	}
	if (strcmp(type, "float") == 0) {
		if (go_parse_float(p, n, &f) != 0)
			return err_set(err, EX_DECRYPT_VALUE,
				       "strconv.ParseFloat: parsing \"<redacted>\": invalid syntax");
		return tvalue_float(doc, out, f);
	}
	if (strcmp(type, "bool") == 0) {
		if (go_parse_bool(p, n, &b) != 0)
			return err_set(err, EX_DECRYPT_VALUE,
				       "strconv.ParseBool: parsing \"<redacted>\": invalid syntax");
		return tvalue_bool(doc, out, b);
	}
	if (strcmp(type, "time") == 0) {
		if (go_parse_rfc3339(p, n, &t) != 0)
			return err_set(err, EX_DECRYPT_VALUE, "parsing time \"<redacted>\": "
				       "cannot parse as RFC 3339");
		return tvalue_time(doc, out, &t);
	}
	return err_set(err, EX_DECRYPT_VALUE, "Unknown datatype: %s", type);
}

int value_decrypt(struct sdoc *doc, const uint8_t *key, struct enc_key *ek,
		  const char *s, size_t n,
		  const char *aad, size_t aad_len, struct iv_stash *stash,
		  struct tvalue *out, struct sops_err *err)
{
	struct buf plain = BUF_INIT_SECURE;
	char type[16];
	uint8_t iv[64];
	size_t iv_len = 0;
	int rc;

	if (n == 0)
		return tvalue_set(doc, out, VT_STR, "", 0);
	rc = ek != NULL ? enc_decrypt_with(ek, s, n, aad, aad_len, &plain, type, iv, &iv_len, err)
			: enc_decrypt(key, s, n, aad, aad_len, &plain, type, iv, &iv_len, err);
	if (rc == 0)
		rc = typed(doc, type, plain.data ? (char *)plain.data : "", plain.len, out, err);
	if (rc == 0 && iv_stash_put(stash, aad, aad_len, type, plain.data, plain.len,
				    iv, iv_len) != 0)
		rc = err_set(err, EX_ERROR, "out of memory");
	buf_free(&plain);
	return rc;
}

int value_encrypt(const uint8_t *key, const struct tvalue *v, const char *type,
		  const char *aad, size_t aad_len, struct iv_stash *stash,
		  struct buf *out, struct sops_err *err)
{
	uint8_t iv[64];
	size_t iv_len = stash ? iv_stash_take(stash, aad, aad_len, type,
					      (const uint8_t *)v->s, v->len, iv) : 0;

	if (iv_len != SOPS_IV_LEN) {
		if (crypto_random(iv, SOPS_IV_LEN) != 0)
			return err_set(err, EX_ERROR, "Could not generate random bytes for IV");
		iv_len = SOPS_IV_LEN;
	}
	return enc_encrypt(key, (const uint8_t *)v->s, v->len, aad, aad_len, type,
			   iv, iv_len, out, err);
}
