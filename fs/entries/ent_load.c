/* ent_load.c - detect SOPS files in SRC, decrypt them into views, and load
 * identities; data keys come from the key cache (unwrapped once). */
#include "ent.h"
#include "ahead.h"
#include "../conflict/conflict.h"
#include "../../codec/core/sops_file.h"
#include "../../codec/core/datakey.h"
#include "../../common/secure_mem.h"
#include "../prefetch/prefetch.h"
#include "../prefetch/unwrap.h"
#include "../guard/guard.h"
#include "../audit/audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The file being opened by this thread (for the audit line of an unwrap). */
static __thread const char *opening;

/* Are all of the file's master keys age keys (decrypting it ahead needs no
 * round trip and no prompt)? */
static int age_only(const struct sops_meta *m)
{
	for (size_t g = 0; g < m->ngroups; g++)
		for (size_t k = 0; k < m->groups[g].nkeys; k++)
			if (strcmp(m->groups[g].keys[k].type, "age") != 0)
				return 0;
	return m->ngroups > 0;
}

int sopsfs_get_key(void *arg, const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN],
		   struct sops_err *err)
{
	if (ahead_in_worker() && !age_only(m))
		return err_set(err, EX_ERROR, "left to the reader");
	/* kms1: one unwrap per key at a time, different keys in parallel;
	 * the unwrap is labelled for status and audited (guard) there */
	return pf_get_key(arg, m, key, opening, err);
}

/* Cheap test before parsing: every sops file mentions "sops" and has an
 * ENC value or a mac. */
static int may_be_sops(const char *t, size_t n)
{
	return memmem(t, n, "sops", 4) != NULL &&
	       (memmem(t, n, "ENC[AES256_GCM", 14) != NULL || memmem(t, n, "mac", 3) != NULL);
}

/* Try the store the name and content point to (store_for_content: a JSON
 * SOPS file named `hidden-json` is JSON, not binary), then the others, JSON
 * before YAML (JSON parses as YAML), until one finds sops metadata. */
static int open_any(struct sopsfs *fs, const char *path, const char *text, size_t len,
		    struct sops_file **sf, int *found, struct sops_err *err)
{
	const struct store_ops *first = store_for_content(path, text, len);
	const struct store_ops *all[] = { first, &json_store, &yaml_store, &dotenv_store, &ini_store };
	struct sops_opts o = { .ignore_mac = fs->o.ignore_mac, .get_key = sopsfs_get_key,
			       .get_key_arg = fs, .found_meta = found };
	int rc = -1;

	opening = path;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (i > 0 && all[i] == first)
			continue;
		err_clear(err);
		if (sops_file_open_as(all[i], text, len, NULL, &o, sf, err) == 0) {
			rc = 0;
			break;
		}
		if (*found)
			break;
	}
	opening = NULL;
	return rc;
}

void ent_set_error(struct ent *e, const char *why)
{
	/* one log line (the first line of sops' message) per change of reason */
	if (e->err != NULL && strcmp(e->err, why) == 0)
		return;
	sopsfs_log("%s: %.*s", e->path, (int)strcspn(why, "\n"), why);
	free(e->err);
	e->err = strdup(why);
}

void ent_clear_error(struct ent *e)
{
	free(e->err);
	e->err = NULL;
}

void ent_refresh(struct sopsfs *fs, struct ent *e, const struct stat *st)
{
	struct bident now;
	struct sops_file *sf = NULL;
	struct sops_err err;
	char *text = NULL;
	size_t len = 0;
	int found = 0, sops;

	bident_from_stat(&now, st);
	/* merge conflicts (#12): entering or leaving a merge reloads the view */
	if (e->kind != VF_UNKNOWN && conflict_changed(fs, e))
		e->kind = VF_UNKNOWN;
	if (e->kind != VF_UNKNOWN && bident_eq(&now, &e->bid) &&
	    (e->kind != VF_SOPS || e->view != NULL)) {
		e->view_used = time(NULL);
		if (e->ahead_made && !ahead_in_worker()) {
			e->ahead_made = 0;
			ahead_reached(fs->ahead, e->path);  /* speed: the next window */
		}
		return;
	}
	ent_drop_view(fs, e);
	e->bid = now;
	e->kind = VF_PLAIN;
	if (!S_ISREG(st->st_mode) || (size_t)st->st_size > fs->o.max_file)
		return;
	if (backing_read_file(&fs->b, e->path, fs->o.max_file, (size_t)st->st_size,
			      &text, &len) != 0)
		return;
	/* merge conflicts (#12): a file git is merging shows the merge */
	if (conflict_view_load(fs, e, text, len)) {
		free(text);
		return;
	}
	sops = may_be_sops(text, len);
	if (sops) {
		prefetch_parent(fs->pf, e->path);   /* kms1: the siblings' keys too */
		/* speed: a decryption may wait (fs/fuse/loop.c). A read of SRC
		 * is left to the loop's monitor: from the page cache it takes
		 * microseconds, and handing the reader's role on for it cost a
		 * thread wake-up per file of a cold pass. */
		may_block();
	}
	if (sops && open_any(fs, e->path, text, len, &sf, &found, &err) == 0) {
		atomic_fetch_add(&fs->decrypts, 1);
		guard_note_file(fs, e->path, sf);       /* leak guard: index its values */
		ahead_note(fs->ahead, e->path);         /* speed: its neighbours next */
		if (ent_set_view(fs, e, sf->view.data, sf->view.len) == 0) {
			e->kind = VF_SOPS;
			e->ahead_made = ahead_in_worker() ? 1 : 0;
			ent_clear_error(e);
		} else {
			e->kind = VF_ERROR;
			ent_set_error(e, "out of memory");
		}
		/* keep the identity only while it is small; it is reloaded for writes */
		ident_unref(e->id);
		e->id = NULL;
		sops_file_free(sf);
		ent_evict(fs);
	} else if (found && ahead_in_worker()) {
		e->kind = VF_UNKNOWN;                   /* the reader will try and say why */
		memset(&e->bid, 0, sizeof(e->bid));
	} else if (found) {
		e->kind = VF_ERROR;
		ent_set_error(e, err.msg);
	}
	free(text);
}

int ent_load_ident(struct sopsfs *fs, struct ent *e)
{
	struct sops_file *sf = NULL;
	struct sops_err err;
	char *text = NULL;
	size_t len = 0;
	int found = 0, rc;

	if (e->id != NULL)
		return 0;
	/* merge conflicts (#12): a resolution is encrypted with ours' identity */
	if (conflict_ident_load(fs, e))
		return 0;
	rc = backing_read_all(&fs->b, e->path, fs->o.max_file, &text, &len);
	if (rc != 0)
		return rc;
	if (open_any(fs, e->path, text, len, &sf, &found, &err) != 0) {
		ent_set_error(e, found ? err.msg : "not a SOPS file any more");
		free(text);
		return -EIO;
	}
	free(text);
	e->id = ident_from_file(sf);
	ent_overlay(fs, e);             /* so housekeeping expires the identity */
	return e->id ? 0 : -ENOMEM;
}
