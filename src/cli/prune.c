/*
 * prune.c - `vigil prune --before DATE`: deletes the stored attacks that
 * started before DATE and takes them out of every rollup.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/vg.h"
#include "store/store.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: vigil prune --before DATE [--store URL]\n"
		"\n"
		"Deletes the stored attacks that started before DATE (YYYY-MM-DD, UTC; the\n"
		"day itself is kept) and subtracts them from the rollups the reports read, in\n"
		"one transaction: a report sees all of them or none gone. Runs and captures\n"
		"stay recorded, so reading an old capture again stores its attacks again.\n"
		"\n"
		"Options:\n"
		"  --before DATE       the first day to keep\n"
		"  --store URL         the store (default %s; VIGIL_STORE)\n"
		"  -h, --help          this help\n"
		"\n"
		"Exit codes: 0 success, 1 the store could not be opened or written,\n"
		"2 usage error.\n",
		VG_STORE_URL_DEFAULT);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"before", required_argument, NULL, 'b'},
	    {"store", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *url = getenv("VIGIL_STORE"), *before = NULL;
	struct vg_store *s = NULL;
	uint64_t deleted = 0;
	int64_t day;
	char err[1024];
	int c, rc = VG_EXIT_OK;

	if (!url || !url[0] || !strcmp(url, "none"))
		url = VG_STORE_URL_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': before = optarg; break;
		case 's': url = optarg; break;
		case 'h': usage(stdout); return VG_EXIT_OK;
		default: fprintf(stderr, "Try 'vigil prune --help'.\n"); return VG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vigil prune: unexpected argument '%s'\n", argv[optind]);
		return VG_EXIT_USAGE;
	}
	if (!before) {
		fprintf(stderr,
			"vigil prune: --before DATE is required\nTry 'vigil prune --help'.\n");
		return VG_EXIT_USAGE;
	}
	if (vg_store_parse_day(before, &day) < 0) {
		fprintf(stderr, "vigil prune: --before %s: expected a date YYYY-MM-DD\n", before);
		return VG_EXIT_USAGE;
	}
	/* Pruning a store that does not exist is an error, not a new file. */
	if (vg_store_open(&s, url, true, err, sizeof err) == VG_ENOENT) {
		fprintf(stderr, "vigil prune: store: %s\n", err);
		return VG_EXIT_RUNTIME;
	}
	vg_store_close(s, err, sizeof err);
	s = NULL;
	if (vg_store_open(&s, url, false, err, sizeof err) < 0 ||
	    vg_store_prune(s, day, &deleted, err, sizeof err) < 0) {
		fprintf(stderr, "vigil prune: store: %s\n", err);
		rc = VG_EXIT_RUNTIME;
		goto out;
	}
	printf("pruned: %" PRIu64 " attacks before %s\n", deleted, before);
out:
	if (vg_store_close(s, err, sizeof err) < 0) {
		fprintf(stderr, "vigil prune: store: %s\n", err);
		rc = VG_EXIT_RUNTIME;
	}
	return rc;
}

const struct vg_command vg_cmd_prune = {
    .name = "prune",
    .summary = "delete stored attacks older than a date",
    .run = run,
};
