/*
 * intel.c - `vigil intel stats` and `vigil intel check VALUE...`: what
 * threat intelligence is loaded and why a value matches; also the loading
 * that `vigil read --intel` shares (vg_cli_intel_load, vg_cli_intel_summary).
 *
 * Uses the intel stage (src/intel/intel.h) exactly as the pipeline does, so
 * a `check` answer is what the malware.c2 detector would see.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/settings.h"
#include "common/vg.h"
#include "intel/intel.h"

enum { EXIT_NOMATCH = 3 };

static void usage(FILE *fp)
{
	fprintf(fp, "usage: vigil intel stats [OPTIONS]\n"
		    "       vigil intel check [OPTIONS] VALUE...\n"
		    "\n"
		    "Loads threat intelligence files and shows what is loaded (stats) or\n"
		    "whether each VALUE, an IPv4 or IPv6 address, a domain name or a JA3 md5,\n"
		    "is listed and why (check): the indicator that matched (the most specific\n"
		    "prefix; the name itself or its nearest listed parent domain), its type,\n"
		    "malware family, feed, file and line, first and last seen (UTC).\n"
		    "\n"
		    "Formats, found from the content (a .json name is STIX):\n"
		    "  plain lists      one IP address, CIDR prefix or domain name a line,\n"
		    "                   '#' and ';' comments\n"
		    "  abuse.ch CSVs    Feodo Tracker IP blocklist, URLhaus (the URL's host),\n"
		    "                   SSLBL JA3 fingerprints, as downloaded (banner, header)\n"
		    "  STIX 2.1 JSON    indicators [ipv4-addr:value = '...'], ipv6-addr,\n"
		    "                   domain-name, url; other patterns counted as unsupported\n"
		    "A malformed line is reported as FILE:LINE: FIELD: why (the first 10 per\n"
		    "file), counted and skipped; the rest of the file loads. An indicator\n"
		    "listed twice is kept once, the first loaded (a folder loads in name order).\n"
		    "\n"
		    "Options:\n"
		    "  --intel PATH        a file or a folder of files (every regular file not\n"
		    "                      starting with '.'); repeatable; default: the config\n"
		    "                      key intel.path\n"
		    "  --config FILE       read settings from FILE (intel.* keys, docs/CONFIG.md)\n"
		    "  --set KEY=VALUE     set one configuration key (repeatable), e.g.\n"
		    "                      intel.max_indicators=1000000\n"
		    "  -q, --quiet         check: print nothing, only set the exit code;\n"
		    "                      stats: no warnings about malformed lines\n"
		    "  -h, --help          this help\n"
		    "\n"
		    "Exit codes: 0 success (check: every VALUE is listed), 1 an intel file or\n"
		    "folder could not be read, 2 usage error (bad option, no intel given, a\n"
		    "VALUE that is not an address, name or md5), 3 check: at least one VALUE\n"
		    "is not listed.\n");
}

/* arg: the program name, a string literal. */
static void warn(void *arg, const char *msg)
{
	fprintf(stderr, "%s: %s\n", (const char *)arg, msg);
}

int vg_cli_intel_load(struct vg_intel **out, const struct vg_intel_config *cfg, char **paths,
		      int npaths, const char *prog, bool quiet, char *err, size_t errlen)
{
	struct vg_intel *in;
	const char *one = cfg->path;
	int rc;

	*out = NULL;
	if ((rc = vg_intel_new(&in, cfg, 0)) < 0) {
		snprintf(err, errlen, "intel: %s", vg_strerror(rc));
		return rc;
	}
	if (!quiet)
		vg_intel_set_warn(in, warn, (void *)prog);
	for (int i = 0; i < (npaths ? npaths : one[0] ? 1 : 0); i++) {
		if ((rc = vg_intel_load(in, npaths ? paths[i] : one, err, errlen)) < 0) {
			vg_intel_free(in);
			return rc;
		}
	}
	*out = in;
	return VG_OK;
}

void vg_cli_intel_summary(const struct vg_intel *in, FILE *fp)
{
	struct vg_intel_source t;

	vg_intel_totals(in, &t);
	fprintf(fp, "intel: %zu indicators from %zu files\n", vg_intel_count(in),
		vg_intel_nsources(in));
	for (int k = 0; k < VG_INTEL_NTYPES; k++)
		fprintf(fp, "  intel.%s: %" PRIu64 "\n", vg_intel_type_name(k), t.loaded[k]);
	fprintf(fp,
		"  intel.duplicates: %" PRIu64 "\n  intel.malformed: %" PRIu64
		"\n  intel.unsupported: %" PRIu64 "\n  intel.capped: %" PRIu64 "\n",
		t.duplicates, t.malformed, t.unsupported, t.capped);
}

/* ---- stats ---- */

struct famcount {
	size_t src;
	const char *family; /* interned: equal names are equal pointers */
};

/* Groups a source's records by family: interned names compare as
 * pointers (families() then orders the totals by count and name). A
 * string compare made this sort most of `intel stats` on a big list. */
static int by_src_family(const void *a, const void *b)
{
	const struct famcount *x = a, *y = b;
	uintptr_t fx = (uintptr_t)x->family, fy = (uintptr_t)y->family;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return fx < fy ? -1 : fx > fy;
}

struct famtotal {
	const char *family;
	uint64_t n;
};

static int by_count(const void *a, const void *b)
{
	const struct famtotal *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->family, y->family);
}

static int by_name(const void *a, const void *b)
{
	const struct famtotal *x = a, *y = b;

	return strcmp(x->family, y->family);
}

/* Families of the records of source src (or all sources: src == SIZE_MAX),
 * counted and sorted by count; returns the number of distinct families. */
static size_t families(const struct vg_intel *in, struct famcount *fc, size_t nfc, size_t src,
		       struct famtotal *out)
{
	size_t n = 0;

	for (size_t i = 0; i < nfc; i++) {
		if (src != SIZE_MAX && fc[i].src != src)
			continue;
		if (!fc[i].family[0])
			continue;
		if (n && out[n - 1].family == fc[i].family)
			out[n - 1].n++;
		else
			out[n++] = (struct famtotal){fc[i].family, 1};
	}
	if (src == SIZE_MAX) { /* merge equal names from different sources */
		size_t m = 0;
		qsort(out, n, sizeof *out, by_name);
		for (size_t i = 0; i < n; i++) {
			if (m && !strcmp(out[m - 1].family, out[i].family))
				out[m - 1].n += out[i].n;
			else
				out[m++] = out[i];
		}
		n = m;
	}
	(void)in;
	qsort(out, n, sizeof *out, by_count);
	return n;
}

static void print_counts(FILE *fp, const struct vg_intel_source *s)
{
	for (int k = 0; k < VG_INTEL_NTYPES; k++)
		fprintf(fp, "  %s: %" PRIu64 "\n", vg_intel_type_name(k), s->loaded[k]);
	fprintf(fp,
		"  duplicates: %" PRIu64 "\n  malformed: %" PRIu64 "\n  unsupported: %" PRIu64
		"\n  capped: %" PRIu64 "\n",
		s->duplicates, s->malformed, s->unsupported, s->capped);
}

static int stats(const struct vg_intel *in)
{
	size_t n = vg_intel_count(in), nf;
	struct famcount *fc = malloc((n ? n : 1) * sizeof *fc);
	struct famtotal *ft = malloc((n ? n : 1) * sizeof *ft);
	struct vg_intel_source t;

	if (!fc || !ft) {
		free(fc);
		free(ft);
		fprintf(stderr, "vigil intel: out of memory\n");
		return VG_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < n; i++) {
		struct vg_intel_hit h;
		vg_intel_get(in, i, &h);
		fc[i].family = h.family;
		fc[i].src = SIZE_MAX;
		/* sources are few: find the index by path pointer */
		for (size_t s = 0; s < vg_intel_nsources(in); s++)
			if (vg_intel_source_at(in, s)->path == h.source) {
				fc[i].src = s;
				break;
			}
	}
	qsort(fc, n, sizeof *fc, by_src_family);
	for (size_t s = 0; s < vg_intel_nsources(in); s++) {
		const struct vg_intel_source *src = vg_intel_source_at(in, s);
		printf("source: %s\n  feed: %s\n  lines: %" PRIu64 "\n", src->path, src->feed,
		       src->lines);
		print_counts(stdout, src);
		nf = families(in, fc, n, s, ft);
		printf("  families:");
		for (size_t i = 0; i < nf && i < 10; i++)
			printf("%s %s (%" PRIu64 ")", i ? "," : "", ft[i].family, ft[i].n);
		if (nf > 10)
			printf(", and %zu more", nf - 10);
		printf("%s\n", nf ? "" : " -");
	}
	vg_intel_totals(in, &t);
	printf("total:\n  files: %zu\n  indicators: %zu\n", vg_intel_nsources(in), n);
	print_counts(stdout, &t);
	printf("  address_segments_ipv4: %zu\n  address_segments_ipv6: %zu\n  memory_bytes: %zu\n",
	       vg_intel_segments(in, 4), vg_intel_segments(in, 6), vg_intel_bytes(in));
	nf = families(in, fc, n, SIZE_MAX, ft);
	printf("families: %zu\n", nf);
	for (size_t i = 0; i < nf; i++)
		printf("  %s: %" PRIu64 "\n", ft[i].family, ft[i].n);
	free(fc);
	free(ft);
	return VG_EXIT_OK;
}

/* ---- check ---- */

static bool is_md5(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		      (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

static bool name_like(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 254)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == '/' || *s == '\\' || *s == '"' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void print_hit(const char *value, const struct vg_intel_hit *h, const char *how)
{
	char first[32], last[32];

	vg_intel_format_time(first, sizeof first, h->first_seen);
	vg_intel_format_time(last, sizeof last, h->last_seen);
	printf("%s: match %s indicator=%s type=%s family=\"%s\" feed=%s source=%s:%u "
	       "first_seen=\"%s\" last_seen=\"%s\"\n",
	       value, how, h->indicator, vg_intel_type_name(h->type), h->family, h->feed, h->source,
	       h->line, first, last);
}

static int check(const struct vg_intel *in, char **values, int n, bool quiet)
{
	int rc = VG_EXIT_OK;

	for (int i = 0; i < n; i++) {
		const char *v = values[i];
		struct vg_intel_hit h;
		uint8_t addr[16] = {0};
		const char *how = "exact";
		bool hit;

		if (inet_pton(AF_INET, v, addr) == 1) {
			hit = vg_intel_match_addr(in, 4, addr, &h);
			if (hit && strchr(h.indicator, '/'))
				how = "prefix";
		} else if (inet_pton(AF_INET6, v, addr) == 1) {
			static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
							   0, 0, 0, 0, 0xff, 0xff};
			if (!memcmp(addr, mapped, 12)) {
				memmove(addr, addr + 12, 4);
				hit = vg_intel_match_addr(in, 4, addr, &h);
			} else {
				hit = vg_intel_match_addr(in, 6, addr, &h);
			}
			if (hit && strchr(h.indicator, '/'))
				how = "prefix";
		} else if (is_md5(v)) {
			hit = vg_intel_match_ja3(in, v, &h);
		} else if (name_like(v)) {
			size_t len = strlen(v);
			hit = vg_intel_match_domain(in, v, len, &h);
			if (len && v[len - 1] == '.')
				len--;
			if (hit && strlen(h.indicator) < len)
				how = "parent";
		} else {
			fprintf(
			    stderr,
			    "vigil intel check: \"%s\" is not an IP address, domain name or JA3 "
			    "md5\n",
			    v);
			return VG_EXIT_USAGE;
		}
		if (!hit) {
			if (!quiet)
				printf("%s: no match\n", v);
			rc = EXIT_NOMATCH;
		} else if (!quiet) {
			print_hit(v, &h, how);
		}
	}
	return rc;
}

enum { OPT_INTEL = 256, OPT_CONFIG, OPT_SET };

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"intel", required_argument, NULL, OPT_INTEL},
	    {"config", required_argument, NULL, OPT_CONFIG},
	    {"set", required_argument, NULL, OPT_SET},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char **paths = calloc((size_t)argc, sizeof *paths);
	char **sets = calloc((size_t)argc, sizeof *sets);
	char **configs = calloc((size_t)argc, sizeof *configs);
	int npaths = 0, nsets = 0, nconfigs = 0, c, rc = VG_EXIT_OK;
	struct vg_settings set;
	struct vg_intel *in = NULL;
	const char *sub;
	bool quiet = false;
	char err[1024];

	if (!paths || !sets || !configs) {
		fprintf(stderr, "vigil intel: out of memory\n");
		rc = VG_EXIT_RUNTIME;
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_INTEL: paths[npaths++] = optarg; break;
		case OPT_CONFIG: configs[nconfigs++] = optarg; break;
		case OPT_SET: sets[nsets++] = optarg; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); goto out;
		default:
			fprintf(stderr, "Try 'vigil intel --help'.\n");
			rc = VG_EXIT_USAGE;
			goto out;
		}
	}
	sub = optind < argc ? argv[optind++] : NULL;
	if (!sub || (strcmp(sub, "stats") && strcmp(sub, "check"))) {
		fprintf(stderr, "vigil intel: %s%s%s\nTry 'vigil intel --help'.\n",
			sub ? "unknown subcommand '" : "expected stats or check", sub ? sub : "",
			sub ? "'" : "");
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (!strcmp(sub, "check") && optind >= argc) {
		fprintf(stderr, "vigil intel check: no VALUE given\nTry 'vigil intel --help'.\n");
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (!strcmp(sub, "stats") && optind < argc) {
		fprintf(stderr, "vigil intel stats: unexpected argument '%s'\n", argv[optind]);
		rc = VG_EXIT_USAGE;
		goto out;
	}
	vg_settings_default(&set);
	if (vg_settings_apply_args(&set, "vigil intel", configs, nconfigs, sets, nsets) < 0) {
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (!npaths && !set.intel.path[0]) {
		fprintf(stderr, "vigil intel: no intel given (--intel PATH or intel.path)\n"
				"Try 'vigil intel --help'.\n");
		rc = VG_EXIT_USAGE;
		goto out;
	}
	if (vg_cli_intel_load(&in, &set.intel, paths, npaths, "vigil intel", quiet, err,
			      sizeof err) < 0) {
		fprintf(stderr, "vigil intel: %s\n", err);
		rc = VG_EXIT_RUNTIME;
		goto out;
	}
	if (!strcmp(sub, "stats"))
		rc = stats(in);
	else
		rc = check(in, argv + optind, argc - optind, quiet);
	if (fflush(stdout) != 0) {
		perror("vigil intel: stdout");
		rc = VG_EXIT_RUNTIME;
	}
out:
	vg_intel_free(in);
	free(paths);
	free(sets);
	free(configs);
	return rc;
}

const struct vg_command vg_cmd_intel = {
    .name = "intel",
    .summary = "load threat intelligence files: stats, check a value",
    .run = run,
};
