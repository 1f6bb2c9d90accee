/* age.h - the age v1 file format (age-encryption.org/v1, C2SP spec), in C.
 *
 * What sops needs from filippo.io/age: encrypt a short message (the data key)
 * to one recipient and write it ASCII-armored; decrypt an armored or binary
 * age file with a list of identities. Recipient/identity types supported:
 * X25519 ("age1...", "AGE-SECRET-KEY-1..."), ssh-ed25519 and ssh-rsa.
 * Not supported: scrypt (passphrase) stanzas, plugins, post-quantum hybrid
 * keys ("age1pq1...", "AGE-SECRET-KEY-PQ-1...").
 *
 * Pieces (one file each): age_bech32.c (bech32), age_prim.c (HKDF, HMAC,
 * ChaCha20-Poly1305, X25519, Go-style quoting), age_header.c (header
 * parse/marshal/MAC), age_stream.c (STREAM payload), age_armor.c (armor),
 * age_x25519.c (X25519 keys and stanzas), age_ssh_wire.c (SSH wire format),
 * age_ssh_keys.c (authorized_keys recipients), age_ssh_priv.c (SSH private
 * keys), age_ssh.c (ssh-ed25519 / ssh-rsa stanzas), age_file.c
 * (age_encrypt / age_decrypt).
 *
 * Error messages use age's own wording (sops embeds them in its reports).
 * Identities hold secret keys and live in locked memory (sm_alloc).
 */
#ifndef SOPSFS_AGE_H
#define SOPSFS_AGE_H

#include <stddef.h>
#include <stdint.h>
#include "../../common/buf.h"
#include "../../common/err.h"
#include <openssl/bn.h>

#define AGE_FILE_KEY_LEN 16
#define AGE_MAC_LEN 32
#define AGE_X25519_LEN 32
#define AGE_SSH_TAG_LEN 6          /* base64 (raw) of 4 bytes */

/* ---- bech32 (age_bech32.c) ------------------------------------------- */

/* Encode data under hrp; the output is uppercase iff hrp is uppercase.
 * Appends to out. Returns 0, or -1 (bad hrp, OOM). */
int age_bech32_encode(const char *hrp, const uint8_t *data, size_t len, struct buf *out);
/* Decode s[0..n). hrp receives the human-readable part as written (upper
 * case if the string is), data the bytes (use a secure buf for secret keys).
 * On failure returns -1 and sets *why to age's reason ("invalid checksum",
 * ...; a static string). */
int age_bech32_decode(const char *s, size_t n, struct buf *hrp, struct buf *data,
		      const char **why);

/* ---- primitives (age_prim.c) ----------------------------------------- */

int age_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
		    const char *info, uint8_t *out, size_t out_len);
int age_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t n,
		    uint8_t out[32]);
/* ChaCha20-Poly1305 (IETF, 12-byte nonce, no AD). seal writes n+16 bytes;
 * open writes n-16 bytes and returns -1 on authentication failure. */
int age_aead_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *pt, size_t n,
		  uint8_t *out);
int age_aead_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *ct, size_t n,
		  uint8_t *out);
/* X25519(scalar, point); -1 if the result is all zeros (low-order point). */
int age_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32]);
int age_x25519_base(uint8_t out[32], const uint8_t scalar[32]);
int age_random(uint8_t *p, size_t n);
/* Append s[0..n) quoted like Go's %q (strconv.Quote). */
int age_goquote(struct buf *out, const char *s, size_t n);

/* ---- header (age_header.c) ------------------------------------------- */

struct age_stanza {
	char **args;         /* args[0] is the stanza type */
	size_t nargs;        /* >= 1 */
	uint8_t *body;       /* heap (ciphertext only) */
	size_t body_len;
};

struct age_header {
	struct age_stanza *stanzas;
	size_t nstanzas;
	uint8_t mac[AGE_MAC_LEN];
};

/* Parse the header at in[0..n); *payload_off = offset of the payload (the
 * byte after the MAC line). Errors: age's text without the "failed to read
 * header: " prefix (e.g. "parsing age header: unexpected intro: ..."). */
int age_header_parse(const uint8_t *in, size_t n, struct age_header *h, size_t *payload_off,
		     struct sops_err *err);
/* Append a new stanza with the given args (copied) and body (copied). */
int age_header_add_stanza(struct age_header *h, const char *const *args, size_t nargs,
			  const uint8_t *body, size_t body_len);
/* The header up to and including "---" (what the MAC covers). */
int age_header_marshal_nomac(const struct age_header *h, struct buf *out);
/* The whole header: "--- <mac>\n" included. */
int age_header_marshal(const struct age_header *h, struct buf *out);
/* HMAC-SHA-256 over marshal_nomac with key HKDF(file key, "", "header"). */
int age_header_mac(const uint8_t *file_key, size_t key_len, const struct age_header *h,
		   uint8_t mac[AGE_MAC_LEN]);
void age_header_free(struct age_header *h);

/* ---- payload (age_stream.c) ------------------------------------------ */

#define AGE_STREAM_NONCE_LEN 16
#define AGE_CHUNK_SIZE 65536

/* STREAM with ChaCha20-Poly1305, 64 KiB chunks, last-chunk flag. key is the
 * payload key (HKDF(nonce, file key, "payload")). */
int age_stream_seal(const uint8_t key[32], const uint8_t *pt, size_t n, struct buf *out);
/* Appends the plaintext to out (make it secure). Error texts as age. */
int age_stream_open(const uint8_t key[32], const uint8_t *ct, size_t n, struct buf *out,
		    struct sops_err *err);
/* HKDF-SHA-256(ikm = file key, salt = nonce, info "payload"). */
int age_payload_key(const uint8_t *file_key, size_t key_len,
		    const uint8_t nonce[AGE_STREAM_NONCE_LEN], uint8_t key[32]);

/* ---- armor (age_armor.c) --------------------------------------------- */

#define AGE_ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define AGE_ARMOR_END "-----END AGE ENCRYPTED FILE-----"

/* BEGIN line, std base64 in 64-column lines, END line, final "\n". */
int age_armor_encode(const uint8_t *in, size_t n, struct buf *out);
/* Strict decoding like age's armor reader (leading/trailing whitespace up
 * to 1024 bytes, CRLF accepted, canonical base64). Error text "invalid
 * armor: ...". */
int age_armor_decode(const uint8_t *in, size_t n, struct buf *out, struct sops_err *err);
/* 1 if in (after leading whitespace) starts with the armor BEGIN line. */
int age_is_armored(const uint8_t *in, size_t n);

/* ---- keys ------------------------------------------------------------- */

enum age_key_type {
	AGE_KEY_X25519 = 1,
	AGE_KEY_SSH_ED25519,
	AGE_KEY_SSH_RSA,
};

/* A secret key. Always allocated in locked memory (sm_alloc) by the parse
 * functions below; free with age_identity_free (wipes). */
struct age_identity {
	enum age_key_type type;
	uint8_t secret[32];          /* X25519 scalar (ssh-ed25519: derived) */
	uint8_t pub[32];             /* X25519 public key (ssh-ed25519: Montgomery) */
	uint8_t ed_pub[32];          /* ssh-ed25519: Edwards public key */
	char ssh_tag[AGE_SSH_TAG_LEN + 1];   /* ssh-*: stanza tag */
	uint8_t *rsa_der;            /* ssh-rsa: DER private key (sm_alloc) */
	size_t rsa_der_len;
};

/* A public key to encrypt to (no secrets). Free with age_recipient_free. */
struct age_recipient {
	enum age_key_type type;
	uint8_t pub[32];             /* X25519 / ssh-ed25519 as Montgomery */
	uint8_t *ssh_wire;           /* ssh-*: SSH wire-format public key (heap) */
	size_t ssh_wire_len;
	char ssh_tag[AGE_SSH_TAG_LEN + 1];
};

void age_identity_free(struct age_identity *id);
void age_recipient_free(struct age_recipient *r);

/* age_x25519.c */
/* "AGE-SECRET-KEY-1..." (exact, no whitespace). Errors as age:
 * "malformed secret key: ...". */
int age_x25519_identity_parse(const char *s, size_t n, struct age_identity **out,
			      struct sops_err *err);
/* "age1..." Errors as age: "malformed recipient \"...\": ...". */
int age_x25519_recipient_parse(const char *s, struct age_recipient *r, struct sops_err *err);
/* Bech32 strings of a key ("age1...", "AGE-SECRET-KEY-1..."; the latter into
 * a secure buf). */
int age_x25519_recipient_string(const uint8_t pub[32], struct buf *out);
int age_x25519_identity_string(const struct age_identity *id, struct buf *out);
/* Generate a fresh X25519 identity. */
int age_x25519_identity_generate(struct age_identity **out);
int age_x25519_wrap(const struct age_recipient *r, const uint8_t *file_key, size_t key_len,
		    struct age_header *h);

/* age_ssh_keys.c */
/* An authorized_keys line ("ssh-ed25519 AAAA... comment", "ssh-rsa ...").
 * Errors as agessh: "malformed SSH recipient: \"...\": ..." or
 * "unknown SSH recipient type: \"...\"". */
int age_ssh_recipient_parse(const char *s, struct age_recipient *r, struct sops_err *err);

/* age_ssh_priv.c */
/* An unencrypted OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----",
 * ed25519 or RSA) or a PEM RSA / PKCS#8 key. A passphrase-protected key
 * fails with *encrypted = 1 and the text "ssh: this private key is
 * passphrase protected". Other errors in Go's ssh wording. */
int age_ssh_identity_parse(const uint8_t *pem, size_t n, struct age_identity **out,
			   int *encrypted, struct sops_err *err);

/* age_ssh_wire.c: SSH wire format (RFC 4251 uint32 / string / mpint). */
struct age_wire {
	const uint8_t *p;
	size_t n;
};
int age_wire_u32(struct age_wire *w, uint32_t *v);
int age_wire_str(struct age_wire *w, struct age_wire *s);
int age_wire_is(const struct age_wire *s, const char *text);
/* A positive mpint; secret: allocate with BN_secure_new. NULL on error. */
BIGNUM *age_wire_mpint(struct age_wire *w, int secret);
/* Canonical wire blobs of public keys, as Go's ssh Marshal writes them. */
#define AGE_SSH_ED25519_WIRE_LEN 51
void age_ssh_ed25519_wire(const uint8_t pub[32], uint8_t out[AGE_SSH_ED25519_WIRE_LEN]);
int age_ssh_rsa_wire(const BIGNUM *e, const BIGNUM *n, struct buf *out);
/* The stanza tag of a wire key: raw base64 of SHA-256(wire)[0..4). */
int age_ssh_tag(const uint8_t *wire, size_t n, char tag[AGE_SSH_TAG_LEN + 1]);

/* age_ssh.c */
int age_ssh_ed25519_wrap(const struct age_recipient *r, const uint8_t *file_key, size_t key_len,
			 struct age_header *h);
int age_ssh_rsa_wrap(const struct age_recipient *r, const uint8_t *file_key, size_t key_len,
		     struct age_header *h);

/* Unwrap one stanza with one identity (age_x25519.c / age_ssh.c).
 * Returns 0 and appends the file key to key (secure buf) on success,
 * 1 when the stanza is not for this identity (age.ErrIncorrectIdentity),
 * -1 with err set on a fatal error (age stops trying other identities). */
int age_x25519_unwrap(const struct age_identity *id, const struct age_stanza *s,
		      struct buf *key, struct sops_err *err);
int age_ssh_ed25519_unwrap(const struct age_identity *id, const struct age_stanza *s,
			   struct buf *key, struct sops_err *err);
int age_ssh_rsa_unwrap(const struct age_identity *id, const struct age_stanza *s,
		       struct buf *key, struct sops_err *err);

/* ---- whole files (age_file.c) ---------------------------------------- */

/* Parse "age1..." (X25519) or an ssh-ed25519 / ssh-rsa authorized_keys line. */
int age_recipient_parse(const char *s, struct age_recipient *r, struct sops_err *err);

/* Encrypt pt[0..n) to one recipient: a fresh file key, one stanza, header
 * MAC, nonce, STREAM payload. armored: wrap in ASCII armor (with the final
 * newline, as sops writes `enc`). Appends to out. */
int age_encrypt(const struct age_recipient *r, const uint8_t *pt, size_t n, int armored,
		struct buf *out, struct sops_err *err);

enum age_decrypt_stage {
	AGE_STAGE_HEADER = 1,     /* armor/header/identity/MAC: no plaintext yet */
	AGE_STAGE_PAYLOAD = 2,    /* the payload failed to decrypt */
};

/* Decrypt an armored or binary age file with the identities (X25519 ones
 * are tried first, as age does). Appends the plaintext to out (make it
 * secure). On failure returns -1, sets err (age's wording, e.g. "no identity
 * matched any of the recipients", "bad header MAC") and *stage. */
int age_decrypt(const uint8_t *in, size_t n, struct age_identity *const *ids, size_t nids,
		struct buf *out, enum age_decrypt_stage *stage, struct sops_err *err);

#endif
