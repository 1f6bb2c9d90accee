/* fuzz_config.c - libFuzzer harness of .sops.yaml: load the input as a
 * config file (written to a private temporary file, since the loader reads
 * a path), choose the creation rule for a few paths, build the new-file
 * settings from the chosen rule.
 */
#include "fuzz_common.h"
#include "../../codec/core/sops_config.h"
#include "../../codec/core/new_spec.h"

#include <stdio.h>
#include <unistd.h>

static char path[64];

static void cleanup(void)
{
	unlink(path);
	path[0] = '\0';
}

static int write_input(const uint8_t *data, size_t size)
{
	FILE *f;

	if (path[0] == '\0') {
		int fd;

		snprintf(path, sizeof(path), "/tmp/sopsfs-fuzz-config-XXXXXX");
		fd = mkstemp(path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(cleanup);
	}
	f = fopen(path, "wb");
	if (f == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	return fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *files[] = { "/tmp/a.yaml", "/tmp/dir/secret.enc.json", "x.env", "" };
	struct sops_err err = { 0 };
	struct sops_config *cfg;

	if (write_input(data, size) != 0)
		abort();
	cfg = sops_config_load(path, &err);
	if (cfg == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const struct creation_rule *rule = NULL;
		struct new_file_spec spec;

		if (sops_config_match(cfg, files[i], &rule, &err) != 0 || rule == NULL)
			continue;
		(void)creation_rule_check_groups(rule, &err);
		memset(&spec, 0, sizeof(spec));
		(void)spec_from_rule(rule, &spec, &err);
		spec_free(&spec);
	}
	sops_config_free(cfg);
	return 0;
}
