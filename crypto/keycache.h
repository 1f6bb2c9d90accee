/* keycache.h - the data-key cache of the mount.
 *
 * Maps the identity of a file's key groups (SHA-256 of every master key's
 * enc blob, in order) to its unwrapped data key, so each key is unwrapped
 * once no matter how often the file is read or replaced underneath with
 * the same key groups (git pull, git checkout). Keys live in locked memory
 * (crypto/secure_mem.h arena) and are wiped on expiry: an idle TTL
 * (refreshed on use, default 600 s) and a hard TTL (from insertion, default
 * 7200 s), like gpg-agent's cache. Thread-safe.
 */
#ifndef SOPSFS_KEYCACHE_H
#define SOPSFS_KEYCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define KEYCACHE_ID_LEN 32
#define KEYCACHE_KEY_LEN 32

struct keycache;

struct keycache *keycache_new(unsigned idle_ttl, unsigned hard_ttl);
void keycache_free(struct keycache *c);   /* wipes */

/* Copy the key for id into key; 1 if found (and fresh), 0 if not. */
int keycache_get(struct keycache *c, const uint8_t id[KEYCACHE_ID_LEN],
		 uint8_t key[KEYCACHE_KEY_LEN]);
/* Insert or refresh. 0 or -1 (OOM). */
int keycache_put(struct keycache *c, const uint8_t id[KEYCACHE_ID_LEN],
		 const uint8_t key[KEYCACHE_KEY_LEN]);
/* Drop expired entries (now = time(NULL) normally). Returns how many. */
size_t keycache_expire(struct keycache *c, time_t now);
/* Drop everything (SIGUSR1, unmount). */
void keycache_wipe(struct keycache *c);
size_t keycache_count(struct keycache *c);
/* Is id cached and fresh (without refreshing its idle time)? */
int keycache_has(struct keycache *c, const uint8_t id[KEYCACHE_ID_LEN]);
/* Remember which master key unwrapped id (shown by `sopsfs status`). */
#define KEYCACHE_LABEL_LEN 160
void keycache_set_label(struct keycache *c, const uint8_t id[KEYCACHE_ID_LEN],
			const char *label);
struct keycache_info {
	uint8_t id[KEYCACHE_ID_LEN];
	time_t created, used;
	char label[KEYCACHE_LABEL_LEN];
};
/* Copy the info (never the key) of up to max live entries; their count. */
size_t keycache_list(struct keycache *c, struct keycache_info *out, size_t max);
/* The idle and hard TTLs the cache was made with. */
void keycache_ttls(const struct keycache *c, unsigned *idle, unsigned *hard);

#endif
