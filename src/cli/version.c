/*
 * version.c - `vigil version`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int run(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: vigil version\n\nPrints vigil's version.\n\n"
		       "Exit codes: 0 success, 2 usage error.\n");
		return VG_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "vigil version: unexpected argument '%s'\n", argv[1]);
		return VG_EXIT_USAGE;
	}
	printf("vigil %s\n", VG_VERSION);
	return VG_EXIT_OK;
}

const struct vg_command vg_cmd_version = {
    .name = "version",
    .summary = "print the version",
    .run = run,
};
