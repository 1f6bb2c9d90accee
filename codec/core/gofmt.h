/* gofmt.h - Go-compatible text for numbers, booleans and times.
 *
 * sops is written in Go; the bytes it encrypts, hashes and prints come from
 * Go's strconv and time packages. These functions reproduce them exactly
 * (sops-format.md 1.3, 7.2-7.4). All output functions append to a buf and
 * return 0, or -1 on OOM.
 */
#ifndef SOPSFS_GOFMT_H
#define SOPSFS_GOFMT_H

#include <stddef.h>
#include <stdint.h>
#include "../../common/buf.h"

/* strconv.FormatFloat(v, fmt, -1, 64) for fmt in 'f', 'g', 'G', 'e', 'E':
 * shortest digits that round-trip. 'f' never uses an exponent; 'g'/'G' use the
 * exponent form when exp < -4 || exp >= 6 (Go uses eprec = 6 for shortest),
 * e.g. 1e+20, 1.234568e+09, 0.0001, 1e-05; exponent has at least 2 digits.
 * Infinities/NaN give "+Inf", "-Inf", "NaN". */
int go_format_float(struct buf *out, double v, char fmt);

/* encoding/json float64 text (Go 1.8+ rules: 'f' unless |v| < 1e-6 or
 * |v| >= 1e21 (and v != 0), then 'e' with "e-07" cleaned to "e-7").
 * NaN/Inf: returns -1 (json cannot encode them). */
int go_format_json_float(struct buf *out, double v);

/* sops stores.ValToString for float64 (dotenv output): 'G' shortest, and
 * when that has neither '.' nor 'E' (an integral value), FormatFloat 'f' with
 * one decimal: 5 -> "5.0", -0 -> "-0.0", 1e21 -> "1E+21"; Inf/NaN as 'G'. */
int go_format_float_dotenv(struct buf *out, double v);

/* sops' plaintext for a bool value: "True" / "False". */
int go_format_bool_title(struct buf *out, int v);

/* strconv.Itoa */
int go_format_int(struct buf *out, int64_t v);

/* strconv.Atoi semantics: optional sign, decimal digits (leading zeros ok),
 * no spaces/underscores, range of int64. Returns 0 or -1. */
int go_parse_int(const char *s, size_t n, int64_t *out);

/* strconv.ParseFloat(s, 64): decimal and hex float syntax ("0x1p-2", hex
 * needs the 'p' exponent), optional sign, ".5", "5.", "inf", "+Inf",
 * "infinity", "nan" (case-insensitive; no sign on nan). Underscores exactly
 * as Go's underscoreOK allows them: only between digits (also in decimal
 * numbers: "1_000.5" is accepted) or right after a base prefix.
 * Returns 0, or -1 on syntax error. Out-of-range values give +-Inf and
 * return -1 (Go returns ErrRange; sops then fails); underflow gives 0 or a
 * subnormal and succeeds (as in Go). Independent of the C locale. */
int go_parse_float(const char *s, size_t n, double *out);

/* strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False. */
int go_parse_bool(const char *s, size_t n, int *out);

/* A point in time with a fixed UTC offset (what Go's time.Time holds for
 * values parsed from text). */
struct gotime {
	int64_t sec;      /* seconds since 1970-01-01T00:00:00Z (UTC instant) */
	int32_t nsec;     /* 0..999999999 */
	int32_t off;      /* offset east of UTC in seconds (0 = UTC, printed "Z") */
};

/* time.Time.UnmarshalText / time.Parse(time.RFC3339, s) (identical since
 * Go's strict RFC 3339 check is disabled): "2006-01-02T15:04:05" + optional
 * fraction + "Z" or +hh:mm. Like Go it also accepts what its general layout
 * parser takes when the fast path fails: a one-digit hour ("T1:04:05"), ','
 * before the fraction, zone offsets up to +24:00 / minutes up to 60.
 * Fraction digits past the ninth are ignored. Ranges are checked (month,
 * day of month incl. leap years, hour < 24, min/sec < 60; years 0000-9999).
 * Returns 0 or -1. */
int go_parse_rfc3339(const char *s, size_t n, struct gotime *out);

/* time.Time.MarshalText == Format(RFC3339Nano): fraction trimmed of
 * trailing zeros, "Z" when off == 0. Returns -1 (nothing appended) where
 * MarshalText errors: local year outside 0..9999 or zone hour >= 24. */
int go_format_rfc3339nano(struct buf *out, const struct gotime *t);
/* Format(RFC3339): seconds precision, "Z" when off == 0. */
int go_format_rfc3339(struct buf *out, const struct gotime *t);

/* Proleptic Gregorian calendar helpers (days since 1970-01-01). */
int go_days_in_month(int m, int64_t y);
int64_t go_days_from_civil(int64_t y, int m, int d);
void go_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/* Current time in UTC, seconds precision (for lastmodified). */
void go_now_utc(struct gotime *out);

#endif
