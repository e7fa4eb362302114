/*
 * config.h - configuration as data: rows of {key, type, offset, default,
 * min, max} read by one generic loader.
 *
 * File format (docs/CONFIG.md): one `key = value` per line, `#` starts a
 * comment, blank lines ignored. Sizes take K, M, G suffixes (powers of
 * 1024). Errors name the file, the line and the key:
 * `vigil.conf:12: flow.memcap: "12Q" is not a size (e.g. 128M)`.
 */
#ifndef VG_CONFIG_H
#define VG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum vg_cfg_type {
	VG_CFG_U32,  /* uint32_t */
	VG_CFG_U64,  /* uint64_t */
	VG_CFG_SIZE, /* uint64_t bytes, with K/M/G suffix */
	VG_CFG_STR,  /* char[size] */
};

struct vg_cfg_row {
	const char *key;
	enum vg_cfg_type type;
	size_t offset;
	size_t size; /* VG_CFG_STR: buffer size */
	uint64_t def, min, max;
	const char *def_str; /* VG_CFG_STR default */
	const char *help;    /* one line for docs and --help */
	/* VG_CFG_STR: optional check of the value's syntax, so that errors
	 * name the file and line; fills err with why and returns <0. */
	int (*check)(const char *value, char *err, size_t errlen);
};

/* Writes every row's default into base. */
void vg_config_defaults(const struct vg_cfg_row *rows, size_t n, void *base);
/* Sets key to the text value; on error fills errbuf with "key: why". */
int vg_config_set(const struct vg_cfg_row *rows, size_t n, void *base, const char *key,
		  const char *value, char *errbuf, size_t errlen);
/* Reads a config file; on error errbuf says "path:line: key: why". */
int vg_config_load(const struct vg_cfg_row *rows, size_t n, void *base, const char *path,
		   char *errbuf, size_t errlen);

#endif
