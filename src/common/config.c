/*
 * config.c - the generic loader for vg_cfg_row tables (see config.h).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/vg.h"

void vg_config_defaults(const struct vg_cfg_row *rows, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		char *dst = (char *)base + rows[i].offset;
		switch (rows[i].type) {
		case VG_CFG_U32: {
			uint32_t v = (uint32_t)rows[i].def;
			memcpy(dst, &v, sizeof v);
			break;
		}
		case VG_CFG_U64:
		case VG_CFG_SIZE: memcpy(dst, &rows[i].def, sizeof rows[i].def); break;
		case VG_CFG_STR:
			snprintf(dst, rows[i].size, "%s", rows[i].def_str ? rows[i].def_str : "");
			break;
		}
	}
}

static int parse_number(const char *s, bool size, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!isdigit((unsigned char)*s))
		return VG_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return VG_EINVAL;
	if (size && *end) {
		switch (toupper((unsigned char)*end)) {
		case 'K': mul = 1ull << 10; break;
		case 'M': mul = 1ull << 20; break;
		case 'G': mul = 1ull << 30; break;
		default: return VG_EINVAL;
		}
		end++;
		/* K, KB, KiB and Ki are the same. */
		if (toupper((unsigned char)*end) == 'I')
			end++;
		if (toupper((unsigned char)*end) == 'B')
			end++;
	}
	if (*end)
		return VG_EINVAL;
	if (v > UINT64_MAX / mul)
		return VG_EINVAL;
	*out = v * mul;
	return 0;
}

int vg_config_set(const struct vg_cfg_row *rows, size_t n, void *base, const char *key,
		  const char *value, char *errbuf, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const struct vg_cfg_row *r = &rows[i];
		char *dst = (char *)base + r->offset;
		uint64_t v;

		if (strcmp(r->key, key) != 0)
			continue;
		if (r->type == VG_CFG_STR) {
			if (strlen(value) >= r->size) {
				snprintf(errbuf, errlen, "%s: value longer than %zu characters",
					 key, r->size - 1);
				return VG_EINVAL;
			}
			if (r->check) {
				char why[256];
				if (r->check(value, why, sizeof why) < 0) {
					snprintf(errbuf, errlen, "%s: %s", key, why);
					return VG_EINVAL;
				}
			}
			snprintf(dst, r->size, "%s", value);
			return 0;
		}
		if (parse_number(value, r->type == VG_CFG_SIZE, &v) < 0) {
			snprintf(errbuf, errlen, "%s: \"%s\" is not %s", key, value,
				 r->type == VG_CFG_SIZE ? "a size (e.g. 128M)" : "a whole number");
			return VG_EINVAL;
		}
		if (v < r->min || v > r->max) {
			snprintf(errbuf, errlen,
				 "%s: %s is out of range [%" PRIu64 ", %" PRIu64 "]", key, value,
				 r->min, r->max);
			return VG_EINVAL;
		}
		if (r->type == VG_CFG_U32) {
			uint32_t v32 = (uint32_t)v;
			memcpy(dst, &v32, sizeof v32);
		} else {
			memcpy(dst, &v, sizeof v);
		}
		return 0;
	}
	snprintf(errbuf, errlen, "%s: unknown key", key);
	return VG_ENOENT;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int vg_config_load(const struct vg_cfg_row *rows, size_t n, void *base, const char *path,
		   char *errbuf, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char line[1024], why[512];
	unsigned lineno = 0;
	int rc = 0;

	if (!fp) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? VG_ENOENT : VG_EIO;
	}
	while (fgets(line, sizeof line, fp)) {
		char *s, *eq, *hash;

		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			snprintf(errbuf, errlen, "%s:%u: line longer than %zu characters", path,
				 lineno, sizeof line - 2);
			rc = VG_EINVAL;
			goto out;
		}
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		s = trim(line);
		if (!*s)
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(errbuf, errlen, "%s:%u: expected `key = value`, got \"%s\"", path,
				 lineno, s);
			rc = VG_EINVAL;
			goto out;
		}
		*eq = '\0';
		rc = vg_config_set(rows, n, base, trim(s), trim(eq + 1), why, sizeof why);
		if (rc < 0) {
			snprintf(errbuf, errlen, "%s:%u: %s", path, lineno, why);
			goto out;
		}
	}
	if (ferror(fp)) {
		snprintf(errbuf, errlen, "%s: read error", path);
		rc = VG_EIO;
	}
out:
	fclose(fp);
	return rc;
}
