/* status.c - what the daemon holds, for `sopsfs status`: one "name: value"
 * line per fact (docs/control.md lists them; a stable interface), then one
 * "key:" line per cached data key and one "log:" line per recent line of
 * the daemon's log (errors, refusals, wipes). Never a value or a key: keys are named by their key-group id (a
 * hash of the encrypted blobs) and the master key that unwrapped them. */
#include "status.h"
#include "control.h"
#include "../fuse/sopsfs.h"
#include "../entries/ent.h"
#include "../guard/guard.h"
#include "../audit/audit.h"
#include "../../common/secure_mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RECENT 10
#define MAX_KEYS 4096

static pthread_mutex_t recent_mu = PTHREAD_MUTEX_INITIALIZER;
static char *recent[RECENT];
static time_t recent_at[RECENT];
static unsigned recent_next;

void control_note(const char *line)
{
	char *copy = strdup(line);

	if (copy == NULL)
		return;
	pthread_mutex_lock(&recent_mu);
	free(recent[recent_next % RECENT]);
	recent[recent_next % RECENT] = copy;
	recent_at[recent_next % RECENT] = time(NULL);
	recent_next++;
	pthread_mutex_unlock(&recent_mu);
}

static void write_keys(struct sopsfs *fs, struct buf *out, time_t now)
{
	struct keycache_info *k = calloc(MAX_KEYS, sizeof(*k));
	unsigned idle, hard;
	size_t n;

	if (k == NULL)
		return;
	keycache_ttls(fs->keys, &idle, &hard);
	n = keycache_list(fs->keys, k, MAX_KEYS);
	buf_printf(out, "keys: %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		long left_idle = (long)idle - (long)(now - k[i].used);
		long left_hard = (long)hard - (long)(now - k[i].created);
		long left = left_idle < left_hard ? left_idle : left_hard;

		buf_adds(out, "key: ");
		for (int b = 0; b < 8; b++)
			buf_printf(out, "%02x", k[i].id[b]);
		buf_printf(out, " ttl=%lds unwrapped_by=%s\n", left < 0 ? 0 : left,
			   k[i].label[0] ? k[i].label : "?");
	}
	explicit_bzero(k, MAX_KEYS * sizeof(*k));
	free(k);
}

static void write_recent(struct buf *out)
{
	char t[32];

	pthread_mutex_lock(&recent_mu);
	for (unsigned i = recent_next > RECENT ? recent_next - RECENT : 0; i < recent_next; i++) {
		struct tm tm;

		gmtime_r(&recent_at[i % RECENT], &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
		buf_printf(out, "log: %s %s\n", t, recent[i % RECENT]);
	}
	pthread_mutex_unlock(&recent_mu);
}

void status_write(struct sopsfs *fs, struct buf *out)
{
	static const char *modes[] = { "deny", "warn", "off" };
	struct ent_counts c;
	struct guard_stats g;
	struct sm_stats sm;
	time_t now = time(NULL);
	int broken = 0;

	ent_count(fs, &c);
	guard_stats(fs, &g);
	sm_stats(&sm);
	buf_printf(out, "source: %s\nmountpoint: %s\npid: %d\n", fs->b.root, fs->o.mnt, (int)getpid());
	buf_printf(out, "key_ttl: %us\nkey_max_ttl: %us\n", fs->o.key_ttl, fs->o.key_max_ttl);
	write_keys(fs, out, now);
	buf_printf(out, "views: %zu (%zu bytes)\n", c.views, c.view_bytes);
	buf_printf(out, "drafts: %zu (%zu dirty)\n", c.drafts, c.dirty);
	buf_printf(out, "memory_files: %zu (%zu bytes)\n", c.memfiles, c.mem_bytes);
	buf_printf(out, "memory_locked: %zu bytes (%zu in use)%s\n", sm.bytes_locked,
		   sm.bytes_in_use, sm.mlock_failed ? " mlock failed" : "");
	buf_printf(out, "unwraps: %lu\ndecrypts: %lu\n", atomic_load(&fs->unwraps),
		   atomic_load(&fs->decrypts));
	buf_printf(out, "leak_guard: %s (%zu values from %zu files; %lu refused, %lu warned)\n",
		   modes[g.mode], g.values, g.sources, g.refused, g.warned);
	if (fs->audit != NULL) {
		const char *where = audit_target(fs->audit, &broken);

		buf_printf(out, "audit: %s%s\n", where, broken ? " (cannot be written)" : "");
	} else {
		buf_adds(out, "audit: off\n");
	}
	write_recent(out);
}
