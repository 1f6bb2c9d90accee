/* kms_opts.c - key-service mount options and the prefetch pool's life. */
#include "kms_opts.h"
#include "prefetch.h"
#include "../../providers/net/http.h"

#include <stdio.h>
#include <string.h>

int kms_opts_apply(struct sopsfs *fs, unsigned parallel, const char *timeout,
		   const char *prefetch)
{
	int ms;

	if (parallel > 256) {
		fprintf(stderr, "sopsfs: kms_parallel must be between 1 and 256\n");
		return -1;
	}
	fs->o.kms_parallel = parallel ? (int)parallel : 16;
	if (timeout != NULL) {
		if (net_parse_timeout(timeout, &ms) != 0) {
			fprintf(stderr, "sopsfs: kms_timeout=%s: expected seconds (e.g. 10, 2.5, "
				"500ms)\n", timeout);
			return -1;
		}
		net_config.timeout_ms = ms;
		net_config.timeout_set = 1;
	}
	fs->o.prefetch = 1;
	if (prefetch != NULL) {
		if (strcmp(prefetch, "off") == 0 || strcmp(prefetch, "0") == 0 ||
		    strcmp(prefetch, "no") == 0)
			fs->o.prefetch = 0;
		else if (strcmp(prefetch, "on") != 0 && strcmp(prefetch, "1") != 0 &&
			 strcmp(prefetch, "yes") != 0) {
			fprintf(stderr, "sopsfs: prefetch=%s: expected on or off\n", prefetch);
			return -1;
		}
	}
	return 0;
}

int kms_start(struct sopsfs *fs)
{
	if (fs->o.debug)
		net_config.verbose = 1;
	fs->pf = prefetch_new(fs, fs->o.kms_parallel, fs->o.prefetch);
	return fs->pf != NULL ? 0 : -1;
}

void kms_stop(struct sopsfs *fs)
{
	prefetch_free(fs->pf);
	fs->pf = NULL;
}
