/* conflict_view.c - the mount's view of a file git is merging: the merge
 * of its decrypted values with conflict markers, resolutions encrypted
 * with ours' identity, saves with markers refused. */
#include "conflict.h"
#include "../../codec/merge/merge.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Paths whose view was loaded while they were in conflict (as the merge
 * with markers or as an already written resolution): leaving the conflict
 * reloads them. */
static pthread_mutex_t shown_mu = PTHREAD_MUTEX_INITIALIZER;
static char **shown;
static size_t nshown;

static long shown_find(const char *path)
{
	for (size_t i = 0; i < nshown; i++)
		if (strcmp(shown[i], path) == 0)
			return (long)i;
	return -1;
}

static void shown_add(const char *path)
{
	char **nv;

	pthread_mutex_lock(&shown_mu);
	if (shown_find(path) < 0 && (nv = realloc(shown, (nshown + 1) * sizeof(*nv))) != NULL) {
		shown = nv;
		if ((shown[nshown] = strdup(path)) != NULL)
			nshown++;
	}
	pthread_mutex_unlock(&shown_mu);
}

int conflict_changed(struct sopsfs *fs, const struct ent *e)
{
	int was, now, rc = 0;
	long i;

	pthread_mutex_lock(&shown_mu);
	was = nshown > 0 && shown_find(e->path) >= 0;
	pthread_mutex_unlock(&shown_mu);
	now = cgit_conflicted(fs->b.root, e->path);
	if (was == now)
		return 0;
	pthread_mutex_lock(&shown_mu);
	if (!now && (i = shown_find(e->path)) >= 0) {
		free(shown[i]);
		shown[i] = shown[--nshown];
		rc = 1;
	} else if (now) {
		rc = 1;
	}
	pthread_mutex_unlock(&shown_mu);
	return rc;
}

/* The work file already holds a resolution: not ours' bytes and not git's
 * own line merge (conflict markers in the ciphertext). */
static int is_resolution(const struct cgit_versions *v, const char *text, size_t len)
{
	if (v->text[1] != NULL && len == v->len[1] && memcmp(text, v->text[1], len) == 0)
		return 0;
	return !merge_has_markers(text, len);
}

static void log_conflicts(const struct ent *e, const struct merge_paths *p)
{
	char list[512];
	size_t n = 0;

	list[0] = '\0';
	for (size_t i = 0; i < p->n && n + 1 < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? " " : "", p->v[i]);
	if (p->n == 0)
		sopsfs_log("%s: merge in progress, no conflicting values: shown merged", e->path);
	else
		sopsfs_log("%s: merge in progress, %zu conflicting key(s) shown with markers: %s",
			   e->path, p->n, list);
}

int conflict_view_load(struct sopsfs *fs, struct ent *e, const char *text, size_t len)
{
	struct cgit_versions v;
	struct merge_version mv[3];
	struct merge_outcome out;
	struct sops_err err;
	int rc;

	if ((rc = cgit_versions(fs->b.root, e->path, &v)) == 0)
		return 0;
	shown_add(e->path);
	if (rc < 0) {
		e->kind = VF_ERROR;
		ent_set_error(e, "merge in progress: cannot read the conflict stages from git");
		return 1;
	}
	if (is_resolution(&v, text, len) || v.text[1] == NULL || v.text[2] == NULL) {
		cgit_versions_free(&v);
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		mv[i].text = v.text[i];
		mv[i].len = v.len[i];
	}
	err_clear(&err);
	if (merge_sops(e->path, &mv[0], &mv[1], &mv[2], 1, &out, &err) != 0) {
		e->kind = VF_ERROR;
		ent_set_error(e, err.msg);
	} else if (ent_set_view(fs, e, out.view.data ? out.view.data : (const uint8_t *)"",
				out.view.len) != 0) {
		e->kind = VF_ERROR;
		ent_set_error(e, "out of memory");
	} else {
		e->kind = VF_SOPS;
		ent_clear_error(e);
		log_conflicts(e, &out.conflicts);
		ident_unref(e->id);
		e->id = ident_from_file(out.ours);     /* resolutions: ours' identity */
		out.ours = NULL;
	}
	merge_outcome_free(&out);
	cgit_versions_free(&v);
	return 1;
}

int conflict_ident_load(struct sopsfs *fs, struct ent *e)
{
	struct cgit_versions v;
	struct sops_opts o = { .ignore_mac = fs->o.ignore_mac, .get_key = sopsfs_get_key,
			       .get_key_arg = fs };
	struct sops_file *sf = NULL;
	struct sops_err err;

	if (cgit_versions(fs->b.root, e->path, &v) != 1)
		return 0;
	if (v.text[1] != NULL && sops_file_open_as(store_for_path(e->path), v.text[1], v.len[1],
						   NULL, &o, &sf, &err) == 0)
		e->id = ident_from_file(sf);
	cgit_versions_free(&v);
	if (e->id == NULL)
		return 0;
	ent_overlay(fs, e);             /* so housekeeping expires the identity */
	return 1;
}

int conflict_draft_check(struct sopsfs *fs, struct ent *e)
{
	char msg[200];

	if (!cgit_conflicted(fs->b.root, e->path))
		return 0;
	if (e->content.len == 0 ||
	    !merge_has_markers((const char *)e->content.data, e->content.len)) {
		/* the work file may be git's line merge of the ciphertext: a save
		 * of the shown merge must be written even if it is unchanged */
		ent_drop_view(fs, e);
		return 0;
	}
	snprintf(msg, sizeof(msg), "the file still has merge conflict markers (<<<<<<< / "
		 "======= / >>>>>>>): keep one side of each conflict and remove the marker lines, "
		 "then save again; nothing was written");
	ent_set_error(e, msg);
	e->commit_failed = 1;
	return -1;
}
