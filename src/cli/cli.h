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

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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

extern const struct vg_command vg_cmd_intel;

/* Threat intelligence for a command (cli/intel.c): loads paths (or, when
 * npaths is 0, cfg->path if set) into a new vg_intel; malformed lines go to
 * stderr as "PROG: intel: FILE:LINE: ..." unless quiet. <0 with err set if a
 * file cannot be read. */
struct vg_intel;
struct vg_intel_config;
int vg_cli_intel_load(struct vg_intel **out, const struct vg_intel_config *cfg, char **paths,
		      int npaths, const char *prog, bool quiet, char *err, size_t errlen);
/* `intel: N indicators from M files` and `  intel.KEY: N` lines. */
void vg_cli_intel_summary(const struct vg_intel *in, FILE *fp);

#define VG_VERSION "0.1.0"

#endif
