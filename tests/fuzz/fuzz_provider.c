/* fuzz_provider.c - libFuzzer harness of what key services and their
 * credential sources answer, and of the key-service fields a repository
 * file holds.
 *
 * Input: one selector byte, then the bytes.
 *   0  a JSON body through the in-place scanner (providers/net/json.c) at
 *      the paths the providers read; for a body jansson reads as an object
 *      without duplicate keys, every top-level string member must come out
 *      of the scanner with the same bytes (differential check);
 *   1  an STS XML body: every tag the provider reads, and its times;
 *   2  credentials JSON (IMDS, container, credential_process);
 *   3  the credential cache's serialised form (aws_creds_parse);
 *   4  a Vault transit key URI from a file (vault_uri_parse);
 *   5  a KMS ARN / recipient string (aws_target_from_recipient);
 *   6  an Azure Key Vault URL from a file (azkv_vault_scope).
 * Any crash, leak or sanitizer report, or a differential mismatch (abort),
 * is a finding; parse errors are normal.
 */
#include "fuzz_common.h"
#include "../../providers/net/json.h"
#include "../../providers/aws_kms/aws_creds.h"
#include "../../providers/aws_kms/aws_kms_int.h"
#include "../../providers/hc_vault/vault_addr.h"
#include "../../providers/azure_kv/azkv.h"

#include <jansson.h>

static const char *const json_paths[] = {
	"Plaintext", "CiphertextBlob", "KeyId", "plaintext", "ciphertext", "access_token",
	"expires_in", "value", "kid", "data.plaintext", "data.ciphertext", "plain_text",
	"cipher_text", "token.expires_at", "credential.access", "credential.secret",
	"credential.securitytoken", "error.message", "__type", "message", "a.b.c.d",
};

/* How often needle occurs in hay. */
static size_t count(const char *hay, size_t n, const char *needle, size_t nl)
{
	size_t c = 0;

	for (const char *p = hay; n >= nl && (p = memmem(p, n - (size_t)(p - hay), needle, nl));
	     p++)
		c++;
	return c;
}

/* A top-level string member k of a jansson object: the scanner must find
 * it with the same bytes, when its name occurs once in the text and holds
 * nothing the scanner's dotted paths would read differently. */
static void check_member(const uint8_t *data, size_t size, const char *k, json_t *v)
{
	size_t kl = strlen(k), n;
	char *quoted;
	struct buf out;

	if (!json_is_string(v) || kl == 0 || strpbrk(k, ".\\\"") != NULL)
		return;
	for (size_t i = 0; i < kl; i++)
		if ((unsigned char)k[i] < 0x20 || (unsigned char)k[i] >= 0x7f)
			return;
	quoted = malloc(kl + 3);
	if (quoted == NULL)
		abort();
	quoted[0] = '"';
	memcpy(quoted + 1, k, kl);
	quoted[kl + 1] = '"';
	quoted[kl + 2] = '\0';
	n = count((const char *)data, size, quoted, kl + 2);
	free(quoted);
	if (n != 1)
		return;
	buf_init(&out, 0);
	if (njson_get(data, size, k, &out) != 0 || out.len != json_string_length(v) ||
	    (out.len > 0 && memcmp(out.data, json_string_value(v), out.len) != 0))
		abort();
	buf_free(&out);
}

static void json_body(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *k;
	long long ll;

	for (size_t i = 0; i < sizeof(json_paths) / sizeof(*json_paths); i++) {
		struct buf out;

		buf_init(&out, 1);
		if (njson_get(data, size, json_paths[i], &out) == 0 && out.len > size)
			abort();     /* unescaping never grows the text */
		buf_free(&out);
		(void)njson_get_ll(data, size, json_paths[i], &ll);
	}
	/* a raw NUL byte is not JSON (RFC 8259); jansson reads past one */
	if (memchr(data, '\0', size) != NULL)
		return;
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return;
	if (json_is_object(root))
		json_object_foreach(root, k, v)
			check_member(data, size, k, v);
	json_decref(root);
}

/* b = a copy of the input (secure: in locked memory, as the providers keep
 * answers that carry secrets). */
static void buf_of(struct buf *b, int secure, const uint8_t *data, size_t size)
{
	buf_init(b, secure);
	if (buf_add(b, data, size) != 0)
		abort();
}

static void xml_body(const uint8_t *data, size_t size)
{
	static const char *const tags[] = { "AccessKeyId", "SecretAccessKey", "SessionToken",
					    "Expiration", "Code", "Message" };
	struct buf xml;

	buf_of(&xml, 0, data, size);
	for (size_t i = 0; i < sizeof(tags) / sizeof(*tags); i++) {
		struct buf out;

		buf_init(&out, 1);
		if (aws_xml_get(&xml, tags[i], &out) == 0) {
			if (buf_addc(&out, '\0') != 0)
				abort();
			(void)aws_parse_time((const char *)out.data);
		}
		buf_free(&out);
	}
	buf_free(&xml);
}

static void creds_json(const uint8_t *data, size_t size)
{
	struct buf js, out;
	struct aws_creds c = { 0 };
	time_t exp = 0;

	buf_of(&js, 1, data, size);
	buf_init(&out, 1);
	if (aws_creds_from_json(&js, size > 0 && data[0] == '{' ? "Token" : "SessionToken", &out,
				&exp) == 0) {
		if (aws_creds_parse(&out, &c) != 0)
			abort();     /* what we serialised must parse */
		aws_creds_free(&c);
	}
	buf_free(&js);
	buf_free(&out);
}

static void creds_cache(const uint8_t *data, size_t size)
{
	struct buf in;
	struct aws_creds c = { 0 };

	buf_of(&in, 1, data, size);
	if (aws_creds_parse(&in, &c) == 0)
		aws_creds_free(&c);
	buf_free(&in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sops_err err = { 0 };
	char *s;

	if (size == 0)
		return 0;
	s = fuzz_str(data + 1, size - 1);
	switch (data[0] % 7) {
	case 0:
		json_body(data + 1, size - 1);
		break;
	case 1:
		xml_body(data + 1, size - 1);
		break;
	case 2:
		creds_json(data + 1, size - 1);
		break;
	case 3:
		creds_cache(data + 1, size - 1);
		break;
	case 4: {
		struct vault_key k = { 0 };

		if (vault_uri_parse(s, &k, &err) == 0)
			vault_key_free(&k);
		break;
	}
	case 5: {
		struct aws_target t = { 0 };
		char region[64];

		(void)aws_arn_region(s, region, sizeof(region), &err);
		if (aws_target_from_recipient(s, &t, &err) == 0)
			aws_target_free(&t);
		break;
	}
	default: {
		const char *scope = NULL;

		(void)azkv_vault_scope(s, &scope, &err);
		break;
	}
	}
	free(s);
	return 0;
}
