/* cmd_lock.c - `sopsfs lock MNT`: make a mount's daemon wipe every cached
 * data key, view and clean draft now (like SIGUSR1, but answered), through
 * its control socket (docs/control.md). Dirty drafts stay. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int cli_lock(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		fputs("usage: sopsfs lock MNT\n", stderr);
		return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : EX_INVALID_ARGS;
	}
	return cli_ctl_request(argv[1], "lock");
}
