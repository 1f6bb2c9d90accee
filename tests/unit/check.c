/* check.c - helpers for the unit-test harness (see check.h). */
#include "check.h"

#include <sys/stat.h>

CHECK_MAIN_DEFINE;

const char *check_shared_dir(void)
{
	static const char *cands[] = { "../shared", "../../shared", NULL };
	const char *env = getenv("SOPSFS_SHARED");
	struct stat st;

	if (env != NULL && stat(env, &st) == 0 && S_ISDIR(st.st_mode))
		return env;
	for (int i = 0; cands[i] != NULL; i++)
		if (stat(cands[i], &st) == 0 && S_ISDIR(st.st_mode))
			return cands[i];
	return NULL;
}

char *check_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nd;
			cap = cap ? cap * 2 : 8192;
			nd = realloc(data, cap);
			if (nd == NULL) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = nd;
		}
		size_t r = fread(data + n, 1, 4096, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	data[n] = '\0';
	if (len != NULL)
		*len = n;
	return data;
}
