/* store_sniff.h - the store a file's content shows, for names that imply
 * none (no known extension: sops' binary store) - e.g. a JSON SOPS file
 * named `hidden-json`, which the binary store cannot render ("no binary
 * data found in tree"). */
#ifndef SOPSFS_STORE_SNIFF_H
#define SOPSFS_STORE_SNIFF_H

#include "store.h"

/* store_for_path(path), except that for the binary store an encrypted
 * text that is a JSON object without a top-level "data" key gives the JSON
 * store, and a text with a YAML `sops:` block, dotenv `sops_version=` line
 * or INI `[sops]` section gives that store. */
const struct store_ops *store_for_content(const char *path, const char *text, size_t len);

#endif
