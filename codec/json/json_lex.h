/* json_lex.h - a JSON tokenizer that keeps byte spans, and Go's string rules.
 *
 * Written by hand because jansson (the JSON library we link) cannot give the
 * position of a token, and loses key order when keys repeat; sops keeps both
 * (stores/json/store.go reads token by token). The messages follow Go's
 * encoding/json scanner so errors read like sops'.
 *
 * Also here: Go's decoding of a string token (encoding/json unquote: escapes,
 * surrogate pairs, invalid UTF-8 and lone surrogates become U+FFFD) and Go's
 * UTF-8 decoding rules, which the encoders in json_write.c share.
 */
#ifndef SOPSFS_JSON_LEX_H
#define SOPSFS_JSON_LEX_H

#include <stddef.h>
#include <stdint.h>
#include "../../common/buf.h"
#include "../../common/err.h"

enum jtok {
	JT_EOF = 0,
	JT_LBRACE, JT_RBRACE, JT_LBRACK, JT_RBRACK, JT_COLON, JT_COMMA,
	JT_STRING, JT_NUMBER, JT_TRUE, JT_FALSE, JT_NULL,
	JT_OTHER,        /* a byte that starts no token (c holds it) */
};

struct jlex {
	const char *s;
	size_t len;
	size_t pos;          /* next byte to read */
	enum jtok tok;       /* current token */
	size_t start, end;   /* its span */
	unsigned char c;     /* JT_OTHER: the byte */
	int is_int;          /* JT_NUMBER: no fraction and no exponent */
};

void jlex_init(struct jlex *lx, const char *s, size_t len);
/* Read the next token. Returns -1 (message like Go's, code 2) when a string,
 * number or literal is malformed or cut short. */
int jlex_next(struct jlex *lx, struct sops_err *err);

/* Go's quoteChar: how encoding/json names a byte in messages ('x', '\n'). */
void json_quote_char(unsigned char c, char out[16]);

/* Decode a string token s[0..n) (quotes included, already validated by the
 * lexer) the way encoding/json does. Appends to out. */
int json_unquote(const char *s, size_t n, struct buf *out);

/* Go's utf8.DecodeRune: returns the length of the valid sequence at s (1..4)
 * and stores the rune, or 0 when the bytes are not valid UTF-8 (Go then
 * reports RuneError with size 1). n > 0. */
size_t go_utf8_decode(const unsigned char *s, size_t n, uint32_t *rune);
/* utf8.EncodeRune for a valid rune (not a surrogate). Appends 1-4 bytes. */
int go_utf8_encode(struct buf *out, uint32_t r);

#endif
