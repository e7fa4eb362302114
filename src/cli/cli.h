/*
 * cli.h - vigil's commands: a table of descriptors (main.c) and what they
 * share.
 *
 * Exit codes, the same for every command: 0 success, 1 runtime error (an
 * input could not be read completely, an output could not be written), 2
 * usage error (bad option, bad configuration).
 */
#ifndef VG_CLI_H
#define VG_CLI_H

enum { VG_EXIT_OK = 0, VG_EXIT_RUNTIME = 1, VG_EXIT_USAGE = 2 };

struct vg_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

extern const struct vg_command vg_cmd_read;
extern const struct vg_command vg_cmd_watch;
extern const struct vg_command vg_cmd_geo;
extern const struct vg_command vg_cmd_version;
extern const struct vg_command vg_cmd_report;
extern const struct vg_command vg_cmd_prune;
extern const struct vg_command vg_cmd_import;

#define VG_VERSION "0.1.0"

#endif
