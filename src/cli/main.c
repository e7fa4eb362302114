/*
 * main.c - vigil's entry point: finds the command in the table and runs it.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct vg_command *const commands[] = {
    &vg_cmd_read,  &vg_cmd_watch, &vg_cmd_import, &vg_cmd_report,
    &vg_cmd_prune, &vg_cmd_geo,   &vg_cmd_intel,  &vg_cmd_version,
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: vigil COMMAND [OPTIONS] [ARGS]\n\n"
		    "vigil turns packet captures into flows and attack events.\n\n"
		    "Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(fp, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(fp, "\n'vigil COMMAND --help' describes a command.\n\n"
		    "Exit codes: 0 success, 1 runtime error (an input or output failed),\n"
		    "2 usage error (bad option, argument or configuration).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return VG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return VG_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return vg_cmd_version.run(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->run(argc - 1, argv + 1);
	fprintf(stderr, "vigil: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return VG_EXIT_USAGE;
}
