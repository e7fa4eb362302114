/*
 * common_test.c - unit tests of src/common/: the config loader, address
 * prefix sets, seeded hashing and error words.
 *
 * The config loader is tested with a small row table of this file's own
 * (one row of each type) and then with vigil's real table
 * (cli/settings.c); the expected messages are the forms docs/CONFIG.md
 * lists. Config files are written into a temporary directory.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/settings.h"
#include "common/cidr.h"
#include "common/config.h"
#include "common/hash.h"
#include "common/vg.h"

/* ---- fixture: a temporary directory for config files --------------------- */

struct fx {
	char dir[64], path[128];
	char err[1024];
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof *x);
	const char *tmp = getenv("TMPDIR");

	if (!x)
		return -1;
	snprintf(x->dir, sizeof x->dir, "%s/vg_common_test_XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(x->dir)) {
		snprintf(x->dir, sizeof x->dir, "/tmp/vg_common_test_XXXXXX");
		if (!mkdtemp(x->dir)) {
			free(x);
			return -1;
		}
	}
	snprintf(x->path, sizeof x->path, "%s/test.conf", x->dir);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	unlink(x->path);
	rmdir(x->dir);
	free(x);
	return 0;
}

static void write_file(const struct fx *x, const char *text)
{
	FILE *fp = fopen(x->path, "wb");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static bool has(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

/* ---- config: a table of our own ----------------------------------------- */

struct conf {
	uint32_t count;
	uint64_t big;
	uint64_t size;
	char name[16];
	char checked[16];
};

/* A check that accepts only lowercase letters (as home_net's checks
 * prefixes). */
static int check_lower(const char *value, char *err, size_t errlen)
{
	for (const char *s = value; *s; s++) {
		if (*s < 'a' || *s > 'z') {
			snprintf(err, errlen, "\"%s\" has a character other than a-z", value);
			return VG_EINVAL;
		}
	}
	return 0;
}

static const struct vg_cfg_row rows[] = {
    {.key = "a.count",
     .type = VG_CFG_U32,
     .offset = offsetof(struct conf, count),
     .def = 5,
     .min = 1,
     .max = 100,
     .help = "a u32"},
    {.key = "a.big",
     .type = VG_CFG_U64,
     .offset = offsetof(struct conf, big),
     .def = 7,
     .min = 0,
     .max = UINT64_MAX,
     .help = "a u64"},
    {.key = "a.size",
     .type = VG_CFG_SIZE,
     .offset = offsetof(struct conf, size),
     .def = 1024,
     .min = 512,
     .max = 1ull << 40,
     .help = "a size"},
    {.key = "a.name",
     .type = VG_CFG_STR,
     .offset = offsetof(struct conf, name),
     .size = sizeof(((struct conf *)0)->name),
     .def_str = "dflt",
     .help = "a string"},
    {.key = "a.checked",
     .type = VG_CFG_STR,
     .offset = offsetof(struct conf, checked),
     .size = sizeof(((struct conf *)0)->checked),
     .def_str = NULL,
     .check = check_lower,
     .help = "a checked string"},
};
#define NROWS VG_ARRAY_LEN(rows)

static struct conf conf_defaults(void)
{
	struct conf c;

	memset(&c, 0xa5, sizeof c); /* defaults must overwrite everything */
	vg_config_defaults(rows, NROWS, &c);
	return c;
}

static int set(struct conf *c, const char *key, const char *value, char *err, size_t errlen)
{
	err[0] = '\0';
	return vg_config_set(rows, NROWS, c, key, value, err, errlen);
}

static void test_config_defaults(void **state)
{
	struct conf c = conf_defaults();

	(void)state;
	assert_int_equal(c.count, 5);
	assert_int_equal(c.big, 7);
	assert_int_equal(c.size, 1024);
	assert_string_equal(c.name, "dflt");
	assert_string_equal(c.checked, ""); /* no def_str: empty */
}

static void test_config_numbers(void **state)
{
	struct fx *x = *state;
	struct conf c = conf_defaults();

	assert_int_equal(set(&c, "a.count", "42", x->err, sizeof x->err), 0);
	assert_int_equal(c.count, 42);
	assert_int_equal(set(&c, "a.count", "1", x->err, sizeof x->err), 0);
	assert_int_equal(c.count, 1);
	assert_int_equal(set(&c, "a.count", "100", x->err, sizeof x->err), 0);
	assert_int_equal(c.count, 100);
	assert_int_equal(set(&c, "a.count", "007", x->err, sizeof x->err), 0);
	assert_int_equal(c.count, 7);
	assert_int_equal(set(&c, "a.big", "18446744073709551615", x->err, sizeof x->err), 0);
	assert_true(c.big == UINT64_MAX);
	assert_int_equal(set(&c, "a.big", "0", x->err, sizeof x->err), 0);
	assert_int_equal(c.big, 0);
	/* The U32 store writes 4 bytes only: the neighbour is untouched. */
	c.big = 0x1122334455667788ull;
	assert_int_equal(set(&c, "a.count", "9", x->err, sizeof x->err), 0);
	assert_true(c.big == 0x1122334455667788ull);
}

static void test_config_bad_numbers(void **state)
{
	static const char *bad[] = {
	    "",
	    "x",
	    "-1",
	    "+5",
	    " 5",
	    "5 ",
	    "0x10",
	    "1e3",
	    "12Q",
	    "5K",
	    "5k",
	    "1.5",
	    "18446744073709551616",
	    "99999999999999999999999",
	};
	struct fx *x = *state;
	struct conf c = conf_defaults();
	char want[256];

	for (size_t i = 0; i < VG_ARRAY_LEN(bad); i++) {
		assert_int_equal(set(&c, "a.count", bad[i], x->err, sizeof x->err), VG_EINVAL);
		snprintf(want, sizeof want, "a.count: \"%s\" is not a whole number", bad[i]);
		assert_string_equal(x->err, want);
		assert_int_equal(c.count, 5); /* unchanged */
	}
	assert_int_equal(set(&c, "a.big", "18446744073709551616", x->err, sizeof x->err),
			 VG_EINVAL);
	assert_string_equal(x->err, "a.big: \"18446744073709551616\" is not a whole number");
	assert_int_equal(c.big, 7);
}

static void test_config_out_of_range(void **state)
{
	struct fx *x = *state;
	struct conf c = conf_defaults();

	assert_int_equal(set(&c, "a.count", "0", x->err, sizeof x->err), VG_EINVAL);
	assert_string_equal(x->err, "a.count: 0 is out of range [1, 100]");
	assert_int_equal(set(&c, "a.count", "101", x->err, sizeof x->err), VG_EINVAL);
	assert_string_equal(x->err, "a.count: 101 is out of range [1, 100]");
	/* Past 32 bits: out of range, not silently truncated (4294967297 = 1). */
	assert_int_equal(set(&c, "a.count", "4294967297", x->err, sizeof x->err), VG_EINVAL);
	assert_string_equal(x->err, "a.count: 4294967297 is out of range [1, 100]");
	assert_int_equal(c.count, 5);
	assert_int_equal(set(&c, "a.size", "511", x->err, sizeof x->err), VG_EINVAL);
	assert_string_equal(x->err, "a.size: 511 is out of range [512, 1099511627776]");
	/* The message repeats the value as written. */
	assert_int_equal(set(&c, "a.size", "2048G", x->err, sizeof x->err), VG_EINVAL);
	assert_string_equal(x->err, "a.size: 2048G is out of range [512, 1099511627776]");
	assert_int_equal(c.size, 1024);
}

static void test_config_sizes(void **state)
{
	static const struct {
		const char *text;
		uint64_t v;
	} ok[] = {
	    {"512", 512},
	    {"4K", 4096},
	    {"4k", 4096},
	    {"4KB", 4096},
	    {"4kb", 4096},
	    {"4KiB", 4096},
	    {"4kib", 4096},
	    {"4Ki", 4096},
	    {"64M", 64ull << 20},
	    {"64MB", 64ull << 20},
	    {"64MiB", 64ull << 20},
	    {"67108864", 64ull << 20},
	    {"2G", 2ull << 30},
	    {"1024G", 1ull << 40},
	    {"0K", 0}, /* parses; then the range check applies (below) */
	};
	static const char *bad[] = {
	    "",
	    "K",
	    "4T",
	    "4KK",
	    "4 K",
	    "4KBi",
	    "-4K",
	    "4.5M",
	    "0x100",
	    "4Q",
	    "4B",
	    "4iB",
	    /* 2^34 G is 2^64: does not fit */
	    "17179869184G",
	};
	struct fx *x = *state;
	struct conf c = conf_defaults();
	char want[256];

	for (size_t i = 0; i < VG_ARRAY_LEN(ok); i++) {
		int rc = set(&c, "a.size", ok[i].text, x->err, sizeof x->err);
		if (ok[i].v < 512) {
			assert_int_equal(rc, VG_EINVAL);
			assert_true(has(x->err, "is out of range"));
			continue;
		}
		if (rc != 0)
			print_error("%s: %s\n", ok[i].text, x->err);
		assert_int_equal(rc, 0);
		assert_true(c.size == ok[i].v);
	}
	c.size = 1024;
	for (size_t i = 0; i < VG_ARRAY_LEN(bad); i++) {
		assert_int_equal(set(&c, "a.size", bad[i], x->err, sizeof x->err), VG_EINVAL);
		snprintf(want, sizeof want, "a.size: \"%s\" is not a size (e.g. 128M)", bad[i]);
		assert_string_equal(x->err, want);
		assert_int_equal(c.size, 1024);
	}
}

/* docs/CONFIG.md: a size is digits, optionally K, M or G, "optionally
 * followed by B, iB or i". Nothing else may follow. */
static void test_config_size_suffix_junk(void **state)
{
	static const char *bad[] = {"4KBB", "4MBB", "4GBB", "4kbb"};
	struct fx *x = *state;
	struct conf c = conf_defaults();

	for (size_t i = 0; i < VG_ARRAY_LEN(bad); i++) {
		int rc = set(&c, "a.size", bad[i], x->err, sizeof x->err);
		if (rc == 0)
			print_error("\"%s\" was accepted as %llu\n", bad[i],
				    (unsigned long long)c.size);
		assert_int_equal(rc, VG_EINVAL);
	}
}

static void test_config_strings(void **state)
{
	struct fx *x = *state;
	struct conf c = conf_defaults();

	assert_int_equal(set(&c, "a.name", "hello world", x->err, sizeof x->err), 0);
	assert_string_equal(c.name, "hello world");
	assert_int_equal(set(&c, "a.name", "", x->err, sizeof x->err), 0);
	assert_string_equal(c.name, "");
	/* 15 characters fit a 16-byte field; 16 do not. */
	assert_int_equal(set(&c, "a.name", "123456789012345", x->err, sizeof x->err), 0);
	assert_string_equal(c.name, "123456789012345");
	assert_int_equal(set(&c, "a.name", "1234567890123456", x->err, sizeof x->err), VG_EINVAL);
	assert_string_equal(x->err, "a.name: value longer than 15 characters");
	assert_string_equal(c.name, "123456789012345");
	/* A row's check runs before the value is stored. */
	assert_int_equal(set(&c, "a.checked", "abc", x->err, sizeof x->err), 0);
	assert_string_equal(c.checked, "abc");
	assert_int_equal(set(&c, "a.checked", "ab1", x->err, sizeof x->err), VG_EINVAL);
	assert_string_equal(x->err, "a.checked: \"ab1\" has a character other than a-z");
	assert_string_equal(c.checked, "abc");
	/* The length limit comes first. */
	assert_int_equal(set(&c, "a.checked", "abcdefghijklmnopq", x->err, sizeof x->err),
			 VG_EINVAL);
	assert_string_equal(x->err, "a.checked: value longer than 15 characters");
}

static void test_config_unknown_key(void **state)
{
	struct fx *x = *state;
	struct conf c = conf_defaults();
	struct conf before = c;

	assert_int_equal(set(&c, "a.nope", "1", x->err, sizeof x->err), VG_ENOENT);
	assert_string_equal(x->err, "a.nope: unknown key");
	/* Keys are case-sensitive and exact: no prefix match. */
	assert_int_equal(set(&c, "A.count", "1", x->err, sizeof x->err), VG_ENOENT);
	assert_int_equal(set(&c, "a.coun", "1", x->err, sizeof x->err), VG_ENOENT);
	assert_int_equal(set(&c, "a.count ", "1", x->err, sizeof x->err), VG_ENOENT);
	assert_int_equal(set(&c, "", "1", x->err, sizeof x->err), VG_ENOENT);
	assert_string_equal(x->err, ": unknown key");
	assert_memory_equal(&c, &before, sizeof c);
	/* A tiny error buffer is cut, not overrun. */
	{
		char small[8];
		memset(small, 'z', sizeof small);
		assert_int_equal(vg_config_set(rows, NROWS, &c, "a.nope", "1", small, 5),
				 VG_ENOENT);
		assert_string_equal(small, "a.no");
		assert_int_equal(small[5], 'z');
	}
}

static void test_config_load_file(void **state)
{
	struct fx *x = *state;
	struct conf c = conf_defaults();

	write_file(x, "# a comment line\n"
		      "\n"
		      "   \t  \n"
		      "a.count = 42   # the answer\n"
		      "\t a.size=2M\t\n"
		      "a.name =  hello world  \n"
		      "# a.count = 99 (commented out)\n"
		      "a.big = 1\n"
		      "a.big = 2\n"         /* the later wins */
		      "a.checked = abc\r\n" /* CRLF line end */
		      "a.count = 43");      /* no newline at the end */
	x->err[0] = '\0';
	assert_int_equal(vg_config_load(rows, NROWS, &c, x->path, x->err, sizeof x->err), 0);
	assert_string_equal(x->err, "");
	assert_int_equal(c.count, 43);
	assert_int_equal(c.size, 2u << 20);
	assert_string_equal(c.name, "hello world");
	assert_int_equal(c.big, 2);
	assert_string_equal(c.checked, "abc");

	/* The value is everything after the first '='. */
	write_file(x, "a.name = x=y\n");
	assert_int_equal(vg_config_load(rows, NROWS, &c, x->path, x->err, sizeof x->err), 0);
	assert_string_equal(c.name, "x=y");

	/* An empty file changes nothing. */
	c = conf_defaults();
	write_file(x, "");
	assert_int_equal(vg_config_load(rows, NROWS, &c, x->path, x->err, sizeof x->err), 0);
	assert_int_equal(c.count, 5);
}

/* Every error names the file and the line, then the key and why. */
static void test_config_load_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg; /* after "PATH:" */
	} cases[] = {
	    {"a.count = 1\na.nope = 2\n", "2: a.nope: unknown key"},
	    {"# c\n\na.count = x\n", "3: a.count: \"x\" is not a whole number"},
	    {"a.count=1\n\n\n\na.size = 12Q # why\n",
	     "5: a.size: \"12Q\" is not a size (e.g. 128M)"},
	    {"a.count = 1000\n", "1: a.count: 1000 is out of range [1, 100]"},
	    {"\ngarbage\n", "2: expected `key = value`, got \"garbage\""},
	    {"a.name = 1234567890123456\n", "1: a.name: value longer than 15 characters"},
	    {"a.checked = A\n", "1: a.checked: \"A\" has a character other than a-z"},
	    {"a.count =\n", "1: a.count: \"\" is not a whole number"},
	    {" = 5\n", "1: : unknown key"},
	};
	struct fx *x = *state;
	char want[512];

	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
		struct conf c = conf_defaults();
		int rc;

		write_file(x, cases[i].text);
		rc = vg_config_load(rows, NROWS, &c, x->path, x->err, sizeof x->err);
		assert_true(rc < 0);
		snprintf(want, sizeof want, "%s:%s", x->path, cases[i].msg);
		assert_string_equal(x->err, want);
	}
}

/* docs/CONFIG.md: "A line may hold at most 1022 characters, comments included." */
static void test_config_long_lines(void **state)
{
	struct fx *x = *state;
	char text[4096], want[256];
	struct conf c = conf_defaults();
	size_t n;

	/* line 2: "a.count = 3" padded with spaces to exactly 1022 characters */
	n = (size_t)snprintf(text, 4096, "a.count = 2\n");
	memset(text + n, ' ', 1022);
	memcpy(text + n, "a.count = 3", 11);
	n += 1022;
	text[n++] = '\n';
	text[n] = '\0';
	write_file(x, text);
	assert_int_equal(vg_config_load(rows, NROWS, &c, x->path, x->err, sizeof x->err), 0);
	assert_int_equal(c.count, 3);

	/* a 1023-character comment on line 3 */
	text[n] = '#';
	memset(text + n + 1, 'c', 1022);
	n += 1023;
	text[n++] = '\n';
	text[n] = '\0';
	write_file(x, text);
	c = conf_defaults();
	assert_int_equal(vg_config_load(rows, NROWS, &c, x->path, x->err, sizeof x->err),
			 VG_EINVAL);
	snprintf(want, sizeof want, "%s:3: line longer than 1022 characters", x->path);
	assert_string_equal(x->err, want);
}

static void test_config_missing_file(void **state)
{
	struct fx *x = *state;
	struct conf c = conf_defaults();
	char path[256], want[512];

	snprintf(path, sizeof path, "%s/does-not-exist.conf", x->dir);
	assert_int_equal(vg_config_load(rows, NROWS, &c, path, x->err, sizeof x->err), VG_ENOENT);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	assert_string_equal(x->err, want);
	/* A directory is not a config file: an error, not an empty config. */
	assert_true(vg_config_load(rows, NROWS, &c, x->dir, x->err, sizeof x->err) < 0);
	assert_true(has(x->err, x->dir));
	assert_int_equal(c.count, 5);
}

/* ---- config: vigil's own table ------------------------------------------ */

static void test_settings_table(void **state)
{
	struct fx *x = *state;
	struct vg_settings s;
	char buf[64];

	vg_settings_default(&s);
	assert_string_equal(s.home_net, VG_HOME_NET_DEFAULT);
	assert_int_equal(s.flow.memcap, 128u << 20);
	assert_int_equal(s.flow.hash_seed, 0);
	assert_int_equal(s.flow.sweep_period_s, 10);
	assert_int_equal(s.flow.sweep_max, 256);
	assert_int_equal(s.flow.timeout.tcp_new, 60);
	assert_int_equal(s.flow.timeout.tcp_established, 600);
	assert_int_equal(s.flow.timeout.tcp_closed, 60);
	assert_int_equal(s.flow.timeout.udp_new, 30);
	assert_int_equal(s.flow.timeout.udp_established, 300);
	assert_int_equal(s.flow.timeout.icmp_new, 30);
	assert_int_equal(s.flow.timeout.icmp_established, 300);
	assert_int_equal(s.flow.timeout.other_new, 30);
	assert_int_equal(s.flow.timeout.other_established, 300);
	for (size_t i = 0; i < vg_settings_nrows; i++) {
		const struct vg_cfg_row *r = &vg_settings_rows[i];
		/* every default is inside its own range and reads back */
		if (r->type != VG_CFG_STR) {
			assert_true(r->min <= r->def && r->def <= r->max);
			snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->def);
			assert_int_equal(vg_config_set(vg_settings_rows, vg_settings_nrows, &s,
						       r->key, buf, x->err, sizeof x->err),
					 0);
		}
		assert_non_null(r->help);
		/* keys are unique */
		for (size_t j = i + 1; j < vg_settings_nrows; j++)
			assert_true(strcmp(r->key, vg_settings_rows[j].key) != 0);
	}
	/* docs/CONFIG.md examples */
	assert_int_equal(vg_config_set(vg_settings_rows, vg_settings_nrows, &s, "flow.memcap", "1K",
				       x->err, sizeof x->err),
			 VG_EINVAL);
	assert_string_equal(x->err, "flow.memcap: 1K is out of range [2048, 1099511627776]");
	assert_int_equal(vg_config_set(vg_settings_rows, vg_settings_nrows, &s,
				       "flow.timeout.udp.new", "5m", x->err, sizeof x->err),
			 VG_EINVAL);
	assert_string_equal(x->err, "flow.timeout.udp.new: \"5m\" is not a whole number");
	assert_int_equal(vg_config_set(vg_settings_rows, vg_settings_nrows, &s, "home_net",
				       "10.0.0.0/40", x->err, sizeof x->err),
			 VG_EINVAL);
	assert_string_equal(x->err, "home_net: \"10.0.0.0/40\": prefix length must be 0 to 32");
	assert_string_equal(s.home_net, VG_HOME_NET_DEFAULT);
	assert_int_equal(vg_config_set(vg_settings_rows, vg_settings_nrows, &s, "home_net",
				       "192.0.2.0/24, 2001:db8::/32", x->err, sizeof x->err),
			 0);
	assert_string_equal(s.home_net, "192.0.2.0/24, 2001:db8::/32");
	assert_int_equal(vg_config_set(vg_settings_rows, vg_settings_nrows, &s, "flow.memcap", "1G",
				       x->err, sizeof x->err),
			 0);
	assert_int_equal(s.flow.memcap, 1u << 30);
	assert_int_equal(vg_config_set(vg_settings_rows, vg_settings_nrows, &s,
				       "flow.timeout.tcp.closed", "0", x->err, sizeof x->err),
			 0);
	assert_int_equal(s.flow.timeout.tcp_closed, 0);
}

static void test_settings_file_from_docs(void **state)
{
	struct fx *x = *state;
	struct vg_settings s;

	/* The example of docs/CONFIG.md "File format". */
	write_file(x, "# /etc/vigil/site.conf - the protected network and flow settings\n"
		      "home_net = 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32\n"
		      "\n"
		      "flow.memcap = 1G                      # about 10.7 million flows\n"
		      "flow.timeout.tcp.established = 3600   # keep idle SSH sessions as one flow\n"
		      "flow.timeout.udp.new = 10\n");
	vg_settings_default(&s);
	assert_int_equal(
	    vg_config_load(vg_settings_rows, vg_settings_nrows, &s, x->path, x->err, sizeof x->err),
	    0);
	assert_string_equal(s.home_net, "192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32");
	assert_int_equal(s.flow.memcap, 1u << 30);
	assert_int_equal(s.flow.timeout.tcp_established, 3600);
	assert_int_equal(s.flow.timeout.udp_new, 10);
	assert_int_equal(s.flow.timeout.udp_established, 300);

	/* The error example: line 2, "5m". */
	write_file(x, "flow.memcap = 64M\nflow.timeout.udp.new = 5m\n");
	assert_int_equal(
	    vg_config_load(vg_settings_rows, vg_settings_nrows, &s, x->path, x->err, sizeof x->err),
	    VG_EINVAL);
	{
		char want[512];
		snprintf(want, sizeof want,
			 "%s:2: flow.timeout.udp.new: \"5m\" is not a whole number", x->path);
		assert_string_equal(x->err, want);
	}
}

/* ---- cidr ----------------------------------------------------------------- */

static struct vg_addr a4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct vg_addr r = {{0}};

	r.b[0] = a, r.b[1] = b, r.b[2] = c, r.b[3] = d;
	return r;
}

static struct vg_addr a6(const char *text)
{
	struct vg_addr r = {{0}};
	struct vg_cidr_set set;
	char err[256];

	/* parse through the module itself only to build test inputs */
	assert_int_equal(vg_cidr_parse(&set, text, err, sizeof err), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(set.item[0].family, 6);
	r = set.item[0].addr;
	return r;
}

static void test_cidr_parse(void **state)
{
	struct fx *x = *state;
	struct vg_cidr_set set;

	assert_int_equal(vg_cidr_parse(&set,
				       "10.0.0.0/8,fd00::/8,192.0.2.1, 2001:db8::1\t0.0.0.0/0,"
				       "::/0,198.51.100.7/32,2001:db8::2/128",
				       x->err, sizeof x->err),
			 0);
	assert_int_equal(set.n, 8);
	assert_int_equal(set.item[0].family, 4);
	assert_int_equal(set.item[0].bits, 8);
	assert_memory_equal(set.item[0].addr.b, "\x0a\0\0\0", 4);
	assert_int_equal(set.item[1].family, 6);
	assert_int_equal(set.item[1].bits, 8);
	assert_int_equal(set.item[1].addr.b[0], 0xfd);
	assert_int_equal(set.item[2].family, 4);
	assert_int_equal(set.item[2].bits, 32); /* a bare address */
	assert_int_equal(set.item[3].family, 6);
	assert_int_equal(set.item[3].bits, 128);
	assert_int_equal(set.item[4].bits, 0);
	assert_int_equal(set.item[5].bits, 0);
	assert_int_equal(set.item[5].family, 6);
	assert_int_equal(set.item[6].bits, 32);
	assert_int_equal(set.item[7].bits, 128);
	/* The default home network parses: 4 prefixes. */
	assert_int_equal(vg_cidr_parse(&set, VG_HOME_NET_DEFAULT, x->err, sizeof x->err), 0);
	assert_int_equal(set.n, 4);
}

static void test_cidr_bad(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"10.0.0.0/33", "\"10.0.0.0/33\": prefix length must be 0 to 32"},
	    {"10.0.0.0/40", "\"10.0.0.0/40\": prefix length must be 0 to 32"},
	    {"fe80::/129", "\"fe80::/129\": prefix length must be 0 to 128"},
	    {"10.0.0.0/-1", "\"10.0.0.0/-1\": prefix length must be 0 to 32"},
	    {"10.0.0.0/", "\"10.0.0.0/\": prefix length must be 0 to 32"},
	    {"10.0.0.0/8x", "\"10.0.0.0/8x\": prefix length must be 0 to 32"},
	    {"10.0.0.0/99999999999999999999",
	     "\"10.0.0.0/99999999999999999999\": prefix length must be 0 to 32"},
	    {"banana", "\"banana\" is not an IPv4 or IPv6 address"},
	    {"10.0.0.0/8,banana", "\"banana\" is not an IPv4 or IPv6 address"},
	    {"10.0.0/8", "\"10.0.0\" is not an IPv4 or IPv6 address"},
	    {"256.0.0.0/8", "\"256.0.0.0\" is not an IPv4 or IPv6 address"},
	    {"/8", "\"\" is not an IPv4 or IPv6 address"},
	    {"fe80:::1", "\"fe80:::1\" is not an IPv4 or IPv6 address"},
	    {"10.0.0.0/8/8", "\"10.0.0.0/8/8\": prefix length must be 0 to 32"},
	};
	struct fx *x = *state;
	struct vg_cidr_set set;

	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
		x->err[0] = '\0';
		assert_int_equal(vg_cidr_parse(&set, cases[i].text, x->err, sizeof x->err),
				 VG_EINVAL);
		assert_string_equal(x->err, cases[i].msg);
	}
	/* An item of 128 characters or more. */
	{
		char item[200];
		memset(item, '1', sizeof item - 1);
		item[sizeof item - 1] = '\0';
		assert_int_equal(vg_cidr_parse(&set, item, x->err, sizeof x->err), VG_EINVAL);
		assert_true(has(x->err, "is not an address or prefix"));
	}
}

/* docs/CONFIG.md: prefixes "separated by commas, spaces or tabs"; "empty
 * means no home network". Empty items between separators are skipped. */
static void test_cidr_empty_items(void **state)
{
	struct fx *x = *state;
	struct vg_cidr_set set;

	assert_int_equal(vg_cidr_parse(&set, "", x->err, sizeof x->err), 0);
	assert_int_equal(set.n, 0);
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{10, 0, 0, 1}}, 4));
	assert_int_equal(vg_cidr_parse(&set, " , ,\t", x->err, sizeof x->err), 0);
	assert_int_equal(set.n, 0);
	assert_int_equal(vg_cidr_parse(&set, "10.0.0.0/8,,  ,fd00::/8,", x->err, sizeof x->err), 0);
	assert_int_equal(set.n, 2);
	assert_int_equal(set.item[1].family, 6);
}

static void test_cidr_limit(void **state)
{
	struct fx *x = *state;
	struct vg_cidr_set set;
	char text[2048];
	size_t n = 0;

	for (int i = 0; i < VG_CIDR_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "10.%d.0.0/16,", i);
	assert_int_equal(vg_cidr_parse(&set, text, x->err, sizeof x->err), 0);
	assert_int_equal(set.n, VG_CIDR_MAX);
	snprintf(text + n, sizeof text - n, "192.0.2.0/24");
	assert_int_equal(vg_cidr_parse(&set, text, x->err, sizeof x->err), VG_EINVAL);
	assert_string_equal(x->err, "more than 64 prefixes");
}

static void test_cidr_match(void **state)
{
	struct fx *x = *state;
	struct vg_cidr_set set;

	assert_int_equal(vg_cidr_parse(&set,
				       "10.0.0.0/8,172.16.0.0/12,192.0.2.1,fc00::/7,"
				       "2001:db8:1::10/128",
				       x->err, sizeof x->err),
			 0);
	/* /8 */
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{10, 0, 0, 0}}, 4));
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{10, 255, 255, 255}}, 4));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{11, 0, 0, 0}}, 4));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{9, 255, 255, 255}}, 4));
	/* /12: a boundary inside a byte */
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{172, 16, 0, 1}}, 4));
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{172, 31, 255, 255}}, 4));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{172, 32, 0, 0}}, 4));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{172, 15, 255, 255}}, 4));
	/* /32 */
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{192, 0, 2, 1}}, 4));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{192, 0, 2, 2}}, 4));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{192, 0, 2, 0}}, 4));
	/* /7 IPv6: fc00::/7 holds fd00::/8 too, not fe80:: */
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{0xfc, 0}}, 6));
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{0xfd, 0x12, 0x34}}, 6));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{0xfe, 0x80}}, 6));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{0xfb, 0xff}}, 6));
	/* /128 */
	{
		struct vg_addr a = a6("2001:db8:1::11");
		assert_false(vg_cidr_match(&set, &a, 6));
		a = a6("2001:db8:1::10");
		assert_true(vg_cidr_match(&set, &a, 6));
		a.b[0] ^= 0x80; /* first bit */
		assert_false(vg_cidr_match(&set, &a, 6));
	}
	/* Families never cross: 10.0.0.1 as the IPv6 address 0a00:0001:: */
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{10, 0, 0, 1}}, 6));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{0xfd, 0, 0, 1}}, 4));
	{
		struct vg_addr m = a6("::ffff:10.0.0.1");
		assert_false(vg_cidr_match(&set, &m, 6));
	}
}

static void test_cidr_match_zero(void **state)
{
	struct fx *x = *state;
	struct vg_cidr_set set;

	assert_int_equal(vg_cidr_parse(&set, "0.0.0.0/0", x->err, sizeof x->err), 0);
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{255, 255, 255, 255}}, 4));
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{0, 0, 0, 0}}, 4));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{0}}, 6));
	assert_int_equal(vg_cidr_parse(&set, "::/0", x->err, sizeof x->err), 0);
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{0xff, 0xff, 1, 2, 3}}, 6));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{1, 2, 3, 4}}, 4));
	/* /1 splits the space in halves */
	assert_int_equal(vg_cidr_parse(&set, "128.0.0.0/1", x->err, sizeof x->err), 0);
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{128, 0, 0, 0}}, 4));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{127, 255, 255, 255}}, 4));
	/* /31 and /127: the last bit decides */
	assert_int_equal(vg_cidr_parse(&set, "192.0.2.4/31,2001:db8::4/127", x->err, sizeof x->err),
			 0);
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{192, 0, 2, 5}}, 4));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{192, 0, 2, 6}}, 4));
	{
		struct vg_addr a = a6("2001:db8::5"), b = a6("2001:db8::6");
		assert_true(vg_cidr_match(&set, &a, 6));
		assert_false(vg_cidr_match(&set, &b, 6));
	}
	/* A prefix written with host bits set matches its network. */
	assert_int_equal(vg_cidr_parse(&set, "198.51.100.77/24", x->err, sizeof x->err), 0);
	assert_true(vg_cidr_match(&set, &(struct vg_addr){{198, 51, 100, 200}}, 4));
	assert_false(vg_cidr_match(&set, &(struct vg_addr){{198, 51, 101, 77}}, 4));
	/* IPv4 matching looks at the first 4 bytes only (vg_addr's IPv4 form). */
	assert_int_equal(vg_cidr_parse(&set, "192.0.2.4/31", x->err, sizeof x->err), 0);
	{
		struct vg_addr a = a4(192, 0, 2, 4);
		assert_true(vg_cidr_match(&set, &a, 4));
	}
}

/* ---- hash ----------------------------------------------------------------- */

static void test_hash_key40_matches_words(void **state)
{
	uint64_t k[5];
	uint8_t bytes[40];
	uint64_t seeds[] = {0, 1, 0x5eed5eed12345678ull, UINT64_MAX};

	(void)state;
	for (unsigned t = 0; t < 200; t++) {
		for (unsigned i = 0; i < 40; i++)
			bytes[i] = (uint8_t)(t * 131 + i * 7 + (t >> 3) * i);
		memcpy(k, bytes, 40);
		for (size_t s = 0; s < VG_ARRAY_LEN(seeds); s++)
			assert_true(vg_hash_key40(k, seeds[s]) ==
				    vg_hash_words(bytes, 40, seeds[s]));
	}
}

static void test_hash_properties(void **state)
{
	uint8_t key[40] = {0};
	uint64_t base, hs[320];

	(void)state;
	for (unsigned i = 0; i < 40; i++)
		key[i] = (uint8_t)(i * 37 + 11);
	base = vg_hash_words(key, 40, 42);
	/* deterministic */
	assert_true(vg_hash_words(key, 40, 42) == base);
	/* another seed, another hash (for a few seeds) */
	for (uint64_t s = 0; s < 64; s++)
		if (s != 42)
			assert_true(vg_hash_words(key, 40, s) != base);
	assert_true(vg_hash_words(key, 40, 42ull | 1ull << 63) != base);
	/* every single-bit change of the key changes the hash, to distinct values */
	for (unsigned bit = 0; bit < 320; bit++) {
		key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		hs[bit] = vg_hash_words(key, 40, 42);
		key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_true(hs[bit] != base);
	}
	for (unsigned i = 0; i < 320; i++)
		for (unsigned j = i + 1; j < 320; j++)
			assert_true(hs[i] != hs[j]);
	/* the length is part of the hash: 32 bytes differ from the same 32 + 8 zero bytes */
	{
		uint8_t z[40] = {0};
		memcpy(z, key, 32);
		uint8_t zz[16] = {0};
		assert_true(vg_hash_words(z, 32, 42) != vg_hash_words(z, 40, 42));
		assert_true(vg_hash_words(zz, 8, 42) != vg_hash_words(zz, 16, 42));
	}
	/* the mixer: low ^ high half of the 128-bit product */
	assert_true(vg_hash_mix(3, 5) == 15);
	assert_true(vg_hash_mix(1ull << 32, 1ull << 32) == 1);
	assert_true(vg_hash_mix(1ull << 63, 2) == 1);
	assert_true(vg_hash_mix(0, UINT64_MAX) == 0);
	assert_true(vg_hash_mix(UINT64_MAX, UINT64_MAX) == (1ull ^ (UINT64_MAX - 1)));
}

static void test_hash_bucket_spread(void **state)
{
	/* 65536 keys that differ in one 16-bit field (ports) into 256 buckets:
	 * each bucket gets 256 on average; a seeded mixer stays within a few
	 * standard deviations (16) of it. */
	unsigned counts[256] = {0};
	uint64_t k[5] = {0, 0xffff0000ull | 0x0a0200c0ull << 32, 0, 0x356433c6ffff0000ull, 0};

	(void)state;
	for (uint32_t port = 0; port < 65536; port++) {
		k[4] = (uint64_t)6 << 32 | (uint64_t)80 << 16 | port;
		counts[vg_hash_key40(k, 0x1234) & 255]++;
	}
	for (unsigned b = 0; b < 256; b++)
		assert_true(counts[b] > 256 - 100 && counts[b] < 256 + 100);
}

/* The IPv4 flow hash (two words: addresses, ports/protocol/VLAN): every
 * single-bit change gives a distinct hash, another seed another hash, and
 * keys that differ in the port or in the low address byte spread over
 * buckets as the 40-byte hash does. */
static void test_hash_2words(void **state)
{
	uint64_t a = 0x356433c60a0200c0ull, b = (uint64_t)6 << 32 | (uint64_t)80 << 16 | 40000;
	uint64_t base = vg_hash_2words(a, b, 42), hs[128];
	unsigned counts[256] = {0}, counts_addr[256] = {0};

	(void)state;
	assert_true(vg_hash_2words(a, b, 42) == base);
	for (uint64_t s = 0; s < 64; s++)
		if (s != 42)
			assert_true(vg_hash_2words(a, b, s) != base);
	for (unsigned bit = 0; bit < 128; bit++) {
		hs[bit] = bit < 64 ? vg_hash_2words(a ^ 1ull << bit, b, 42)
				   : vg_hash_2words(a, b ^ 1ull << (bit - 64), 42);
		assert_true(hs[bit] != base);
	}
	for (unsigned i = 0; i < 128; i++)
		for (unsigned j = i + 1; j < 128; j++)
			assert_true(hs[i] != hs[j]);
	for (uint32_t x = 0; x < 65536; x++) {
		counts[vg_hash_2words(a, (b & ~0xffffull) | x, 0x1234) & 255]++;
		counts_addr[vg_hash_2words((a & ~0xffffull) | x, b, 0x1234) & 255]++;
	}
	for (unsigned k = 0; k < 256; k++) {
		assert_true(counts[k] > 256 - 100 && counts[k] < 256 + 100);
		assert_true(counts_addr[k] > 256 - 100 && counts_addr[k] < 256 + 100);
	}
}

static void test_hash_seed_random(void **state)
{
	uint64_t a = vg_hash_seed_random(), b = vg_hash_seed_random(), c = vg_hash_seed_random();

	(void)state;
	/* 2^-64 odds of a false failure per pair */
	assert_true(a != b && b != c && a != c);
}

/* ---- errors ---------------------------------------------------------------- */

static void test_strerror(void **state)
{
	static const struct {
		int code;
		const char *text;
	} cases[] = {
	    {VG_OK, "success"},
	    {VG_ENOMEM, "out of memory"},
	    {VG_EIO, "input/output error"},
	    {VG_EFORMAT, "bad format"},
	    {VG_ETRUNC, "truncated input"},
	    {VG_EINVAL, "invalid argument"},
	    {VG_ENOTSUP, "not supported"},
	    {VG_ENOENT, "not found"},
	};
	static const int unknown[] = {1, 2, -8, -100, INT_MIN, INT_MAX};

	(void)state;
	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
		assert_string_equal(vg_strerror(cases[i].code), cases[i].text);
		for (size_t j = 0; j < i; j++)
			assert_true(
			    strcmp(vg_strerror(cases[i].code), vg_strerror(cases[j].code)) != 0);
	}
	/* The codes are the documented negative numbers, contiguous from -1 to -7. */
	assert_int_equal(VG_ENOMEM, -1);
	assert_int_equal(VG_ENOENT, -7);
	for (size_t i = 0; i < VG_ARRAY_LEN(unknown); i++)
		assert_string_equal(vg_strerror(unknown[i]), "unknown error");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* An optional argument runs only the tests matching it ("test_cidr*"). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(test_config_defaults),
	    T(test_config_numbers),
	    T(test_config_bad_numbers),
	    T(test_config_out_of_range),
	    T(test_config_sizes),
	    T(test_config_size_suffix_junk),
	    T(test_config_strings),
	    T(test_config_unknown_key),
	    T(test_config_load_file),
	    T(test_config_load_errors),
	    T(test_config_long_lines),
	    T(test_config_missing_file),
	    T(test_settings_table),
	    T(test_settings_file_from_docs),
	    T(test_cidr_parse),
	    T(test_cidr_bad),
	    T(test_cidr_empty_items),
	    T(test_cidr_limit),
	    T(test_cidr_match),
	    T(test_cidr_match_zero),
	    T(test_hash_key40_matches_words),
	    T(test_hash_properties),
	    T(test_hash_2words),
	    T(test_hash_bucket_spread),
	    T(test_hash_seed_random),
	    T(test_strerror),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
