/* merge_sops.c - merge three encrypted versions of a sops file: decrypt
 * each with its own data key, merge the plaintext views (merge_tree.c) and
 * re-encrypt with ours' identity (theirs' when only theirs rotated the data
 * key or changed the key groups), reusing IVs so that values unchanged
 * from ours (and, with the same data key, values taken from theirs) keep
 * their exact ciphertext. */
#include "merge_int.h"
#include "../core/iv_stash.h"
#include "../core/datakey.h"

#include <string.h>

/* Data keys already recovered: a version with the same key groups reuses
 * them instead of asking the master keys again. */
struct known_keys {
	uint8_t id[3][32];
	const uint8_t *key[3];
	int n;
};

static int get_key(void *arg, const struct sops_meta *m, uint8_t key[SOPS_DATA_KEY_LEN],
		   struct sops_err *err)
{
	struct known_keys *k = arg;
	uint8_t id[32];

	if (meta_key_id(m, id) == 0)
		for (int i = 0; i < k->n; i++)
			if (memcmp(k->id[i], id, 32) == 0) {
				memcpy(key, k->key[i], SOPS_DATA_KEY_LEN);
				return 0;
			}
	return datakey_get(m, key, err);
}

static int open_version(const char *path, const struct merge_version *v, struct known_keys *k,
			struct sops_file **out, int *found, struct sops_err *err)
{
	struct sops_opts opts = { 0 };

	*out = NULL;
	if (v == NULL || v->text == NULL || v->len == 0)
		return 0;
	opts.get_key = get_key;
	opts.get_key_arg = k;
	opts.found_meta = found;
	if (sops_file_open(path, v->text, v->len, &opts, out, err) != 0)
		return -1;
	if (k->n < 3 && meta_key_id(&(*out)->meta, k->id[k->n]) == 0)
		k->key[k->n++] = (*out)->key;
	return 0;
}

/* Same data key and key groups. */
static int same_identity(const struct sops_file *a, const struct sops_file *b)
{
	uint8_t ia[32], ib[32];

	if (meta_key_id(&a->meta, ia) != 0 || meta_key_id(&b->meta, ib) != 0)
		return 0;
	return memcmp(ia, ib, 32) == 0 && memcmp(a->key, b->key, SOPS_DATA_KEY_LEN) == 0;
}

/* Whose metadata the result gets: 0 ours, 1 theirs, -1 a conflict. */
static int pick_identity(const struct sops_file *b, const struct sops_file *o,
			 const struct sops_file *t)
{
	if (b == NULL || same_identity(o, t))
		return 0;
	if (same_identity(b, o))
		return 1;
	if (same_identity(b, t))
		return 0;
	return -1;
}

/* One side missing (add/add with an empty base, or a deletion). */
static int one_missing(const struct sops_file *b, const struct merge_version *o,
		       const struct merge_version *t, struct merge_outcome *out, struct sops_err *err)
{
	int ours_missing = o == NULL || o->text == NULL || o->len == 0;
	const struct merge_version *keep = ours_missing ? t : o;

	if (b != NULL && !(ours_missing && (t == NULL || t->len == 0)))
		return merge_paths_add(&out->conflicts, ours_missing ? "(file deleted in ours)"
				       : "(file deleted in theirs)") == 0 ? 0 :
			err_set(err, EX_ERROR, "out of memory");
	out->same_as_ours = !ours_missing;
	if (keep != NULL && keep->text != NULL && buf_add(&out->enc, keep->text, keep->len) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	return 0;
}

static int reencrypt(struct sops_file *target, struct sops_file *other, const struct buf *plain,
		     const struct merge_version *ours, struct merge_outcome *out, struct sops_err *err)
{
	struct sops_file *nf = NULL;

	if (memcmp(target->key, other->key, SOPS_DATA_KEY_LEN) == 0 &&
	    iv_stash_merge(target->stash, other->stash) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	if (sops_file_reencrypt(target, (const char *)plain->data, plain->len, &out->enc, &nf,
				err) != 0)
		return -1;
	if (nf == NULL && buf_add(&out->enc, target->text, target->len) != 0)
		return err_set(err, EX_ERROR, "out of memory");
	sops_file_free(nf);
	out->same_as_ours = out->enc.len == ours->len &&
			    memcmp(out->enc.data, ours->text, ours->len) == 0;
	return 0;
}

int merge_sops(const char *path, const struct merge_version *base,
	       const struct merge_version *ours, const struct merge_version *theirs,
	       int markers, struct merge_outcome *out, struct sops_err *err)
{
	struct known_keys k;
	struct sops_file *bf = NULL, *of = NULL, *tf = NULL;
	struct buf plain = BUF_INIT_SECURE;
	int who, found = 0, rc = -1;

	memset(&k, 0, sizeof(k));
	memset(out, 0, sizeof(*out));
	buf_init(&out->view, 1);
	if (open_version(path, ours, &k, &of, &found, err) != 0) {
		out->not_sops = !found;
		goto done;
	}
	if (open_version(path, theirs, &k, &tf, NULL, err) != 0 ||
	    open_version(path, base, &k, &bf, NULL, err) != 0)
		goto done;
	if (of == NULL || tf == NULL) {
		rc = markers ? err_set(err, EX_ERROR, "merge: a version is missing")
			     : one_missing(bf, ours, theirs, out, err);
		goto done;
	}
	who = pick_identity(bf, of, tf);
	if (who < 0 && merge_paths_add(&out->conflicts, "(sops metadata: data key or key groups)"))
		goto oom;
	if (merge_plain(of->store, bf ? (char *)bf->view.data : NULL, bf ? bf->view.len : 0,
			(char *)of->view.data, of->view.len, (char *)tf->view.data, tf->view.len,
			markers, markers ? &out->view : &plain, &out->conflicts, err) != 0)
		goto done;
	if (markers) {
		out->ours = of;
		of = NULL;
		rc = 0;
		goto done;
	}
	if (out->conflicts.n > 0) {
		rc = 0;
		goto done;
	}
	if (who == 1) {
		out->theirs_identity = 1;
		out->note = "theirs changed the data key or the key groups: "
			    "the merged file is encrypted with theirs' metadata";
	}
	rc = reencrypt(who == 1 ? tf : of, who == 1 ? of : tf, &plain, ours, out, err);
	goto done;
oom:
	rc = err_set(err, EX_ERROR, "out of memory");
done:
	buf_free(&plain);
	sops_file_free(bf);
	sops_file_free(of);
	sops_file_free(tf);
	return rc;
}

void merge_outcome_free(struct merge_outcome *o)
{
	merge_paths_free(&o->conflicts);
	buf_free(&o->enc);
	buf_free(&o->view);
	sops_file_free(o->ours);
	o->ours = NULL;
}
