/* index.h - the leak guard's set of secret values and its scan.
 *
 * The mount adds every value it decrypts (grouped by the SOPS file it came
 * from and that file's key identity); writes that would reach SRC in clear
 * are scanned for them. Only values that look like secrets are kept
 * (gindex_looks_secret): at least 12 bytes, or at least 8 bytes with two
 * character classes (lower case, upper case, digits, others). Each line of
 * a multi-line value that qualifies is kept too (a YAML literal block shows
 * the lines indented).
 *
 * Scan: every value is at least 8 bytes long, so each occurrence covers a
 * text position that is a multiple of 5 within its last 8 bytes, where a
 * 4-byte gram starts that is one of the 5 grams indexed for the value (at
 * offsets len-8 .. len-4: tails of secrets are the distinctive part). Only
 * every 5th position of the text is looked at: a blocked Bloom filter of
 * the grams (one load, almost always a miss); on a hit, the 8 bytes that
 * would be a value's last 8 for each of the 5 offsets are looked up in a
 * hash table of the values by their last 8 bytes (values alike at the end,
 * URLs ending in ".local/app00001" say, share grams but rarely all 8
 * bytes), then the value's first 8 bytes and a keyed hash (SipHash-2-4, a
 * random key per mount) of the whole candidate confirm it. The values themselves are not kept: a value is its length,
 * its first and last 8 bytes and that hash (a false match needs a 64-bit
 * collision under a key no one sees). Everything (entries, tables, bitmaps,
 * the key) lives in locked memory (common/secure_mem.h) and is wiped when
 * dropped.
 * Not thread-safe: the caller (guard.c) locks.
 */
#ifndef SOPSFS_GUARD_INDEX_H
#define SOPSFS_GUARD_INDEX_H

#include <stddef.h>
#include <stdint.h>

#define GINDEX_ID_LEN 32

enum gpub { GPUB_UNKNOWN = 0, GPUB_PUBLIC, GPUB_SECRET };

struct gval {
	uint64_t h;              /* keyed hash of the whole value */
	uint8_t head[8], tail[8]; /* its first and last 8 bytes */
	uint32_t len : 30;       /* at most GINDEX_MAX_LEN */
	uint32_t pub : 2;        /* enum gpub: seen in a plain file of SRC?
				    (decided for every value at once) */
	uint32_t src;            /* index of its source */
};
#define GINDEX_MAX_LEN ((1u << 30) - 1)

struct gsrc {
	char *path;              /* SOPS file (mount path) */
	uint8_t id[GINDEX_ID_LEN]; /* its key identity (meta_key_id) */
	int live;
};

struct gindex;

struct gindex *gindex_new(void);
void gindex_free(struct gindex *g);          /* wipes */
void gindex_clear(struct gindex *g);         /* wipes every value */

/* Does this value look like a secret (see above)? */
int gindex_looks_secret(const uint8_t *p, size_t len);

/* The source index of path (created; id replaces the old one). -1 on OOM. */
int gindex_source(struct gindex *g, const char *path, const uint8_t id[GINDEX_ID_LEN]);
/* Add a value of source src (and its qualifying lines); values that do not
 * look secret or are already known are skipped. 0 or -1 (OOM). */
int gindex_add(struct gindex *g, int src, const uint8_t *p, size_t len);
/* Drop every source for which keep(arg, id) is 0, with its values. */
void gindex_drop_sources(struct gindex *g, int (*keep)(void *arg, const uint8_t *id), void *arg);

/* Set every value's pub to pub. */
void gindex_mark_all(struct gindex *g, unsigned pub);
size_t gindex_count(const struct gindex *g);
size_t gindex_sources(const struct gindex *g);
size_t gindex_bytes(const struct gindex *g);
size_t gindex_maxlen(const struct gindex *g);
const struct gsrc *gindex_src(const struct gindex *g, uint32_t i);

/* Occurrences of values in d[0..n) that overlap the new bytes [lo, hi): for
 * each, hit(arg, value, at) is called with at = where in d it occurs (len
 * bytes); it returns 1 to stop (a refusal), 0 to go on (e.g. the value is
 * public). Returns the value that stopped the scan, or NULL. */
typedef int (*gindex_hit)(void *arg, struct gval *v, const uint8_t *at);
struct gval *gindex_scan(struct gindex *g, const uint8_t *d, size_t n, size_t lo, size_t hi,
			 gindex_hit hit, void *arg);

/* Where the end of d[0..n) may begin a value that the next write would
 * complete: the smallest p >= from such that d[p..n) is a prefix (at least
 * 4 bytes) of some value; n when none. */
size_t gindex_tail(const struct gindex *g, const uint8_t *d, size_t n, size_t from);

#endif
