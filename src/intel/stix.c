/*
 * stix.c - STIX 2.1 bundles (JSON, parsed with jansson; feed "stix").
 *
 * Reads a bundle ({"type": "bundle", "objects": [...]}), a bare array of
 * objects, or one object. Indicators whose pattern is one comparison of a
 * value, the form feeds and CERT advisories use:
 *     [ipv4-addr:value = '198.51.100.7']     [ipv4-addr:value = '198.51.100.0/24']
 *     [ipv6-addr:value = '2001:db8::1']      [domain-name:value = 'evil.example']
 *     [url:value = 'http://evil.example/x']  (the URL's host)
 * become indicators; any other pattern (file hashes, OR/AND, other object
 * paths, pattern_type other than stix) is counted as unsupported with the
 * reason. STIX 2.1 section 9 (patterning) defines the grammar; this reads
 * only the subset above.
 *
 * Family: the name of a malware object the indicator "indicates" (a
 * relationship object), else the first of the indicator's labels that is
 * not a generic STIX 2.0 label, else its malware_types, else its name.
 * Dates: first_seen from valid_from (else created), last_seen from
 * modified. The "line" of an indicator is its object's 1-based index.
 * THREAT: the JSON comes from others; jansson bounds nesting depth, and
 * every member is type-checked before use.
 */
#include <jansson.h>
#include <string.h>

#include "common/vg.h"
#include "intel/intel_int.h"
#include "intel/names.h"

static const char *str_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool generic_label(const char *s)
{
	static const char *const generic[] = {
	    "malicious-activity", "anomalous-activity", "benign", "compromised", "unknown",
	    "attribution"};

	for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
		if (!strcmp(s, generic[i]))
			return true;
	return false;
}

static const char *first_str(json_t *arr, bool skip_generic)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return NULL;
	json_array_foreach(arr, i, v)
	{
		if (json_is_string(v) && json_string_length(v) &&
		    !(skip_generic && generic_label(json_string_value(v))))
			return json_string_value(v);
	}
	return NULL;
}

/* Parses "[type:value = 'v']"; fills type and value (pointers into p). */
static bool simple_pattern(const char *p, const char **type, size_t *tn, const char **val,
			   size_t *vn)
{
	const char *s = p, *colon, *q;

	while (*s == ' ')
		s++;
	if (*s++ != '[')
		return false;
	while (*s == ' ')
		s++;
	if (!(colon = strchr(s, ':')))
		return false;
	*type = s;
	*tn = (size_t)(colon - s);
	s = colon + 1;
	if (strncmp(s, "value", 5))
		return false;
	s += 5;
	while (*s == ' ')
		s++;
	if (*s++ != '=')
		return false;
	while (*s == ' ')
		s++;
	if (*s++ != '\'')
		return false;
	if (!(q = strchr(s, '\'')) || memchr(s, '\\', (size_t)(q - s)))
		return false;
	*val = s;
	*vn = (size_t)(q - s);
	s = q + 1;
	while (*s == ' ')
		s++;
	if (*s++ != ']')
		return false;
	while (*s == ' ')
		s++;
	return *s == '\0';
}

static bool type_is(const char *t, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(t, want, n);
}

static int indicator(struct vg_intel_file *f, uint32_t idx, json_t *o, const char *family)
{
	const char *pattern = str_of(o, "pattern"), *ptype = str_of(o, "pattern_type");
	const char *t, *v, *date, *h;
	size_t tn, vn, hn;
	struct vg_intel_meta m = {0};

	if (!pattern) {
		vg_intel_malformed(f, idx, "pattern", "indicator without a pattern string");
		return 0;
	}
	if (ptype && strcmp(ptype, "stix")) {
		vg_intel_unsupported(f, idx, "pattern_type \"%.40s\" not supported (only stix)",
				     ptype);
		return 0;
	}
	if (!simple_pattern(pattern, &t, &tn, &v, &vn)) {
		vg_intel_unsupported(
		    f, idx, "pattern %.80s not supported (only [TYPE:value = '...'])", pattern);
		return 0;
	}
	if ((date = str_of(o, "valid_from")) || (date = str_of(o, "created"))) {
		if (vg_intel_parse_time(date, strlen(date), &m.first_seen) < 0) {
			vg_intel_malformed(f, idx, "valid_from", "\"%.40s\" is not a date", date);
			return 0;
		}
	}
	if ((date = str_of(o, "modified")) &&
	    vg_intel_parse_time(date, strlen(date), &m.last_seen) < 0) {
		vg_intel_malformed(f, idx, "modified", "\"%.40s\" is not a date", date);
		return 0;
	}
	if (!family && !(family = first_str(json_object_get(o, "labels"), true)) &&
	    !(family = first_str(json_object_get(o, "malware_types"), false)))
		family = str_of(o, "name");
	if (family) {
		m.family = family;
		m.family_len = strlen(family);
	}
	if (type_is(t, tn, "ipv4-addr") || type_is(t, tn, "ipv6-addr"))
		return vg_intel_add_addr(f, idx, "pattern", v, vn, &m);
	if (type_is(t, tn, "domain-name"))
		return vg_intel_add_domain(f, idx, "pattern", v, vn, &m);
	if (type_is(t, tn, "url")) {
		if (!vg_intel_url_host(v, vn, &h, &hn)) {
			vg_intel_malformed(f, idx, "pattern", "no host in url \"%.*s\"",
					   (int)(vn > 80 ? 80 : vn), v);
			return 0;
		}
		return vg_intel_add_host(f, idx, "pattern", h, hn, &m);
	}
	vg_intel_unsupported(f, idx,
			     "pattern type %.*s not supported (only ipv4-addr, ipv6-addr, "
			     "domain-name, url)",
			     (int)(tn > 40 ? 40 : tn), t);
	return 0;
}

int vg_intel_load_stix(struct vg_intel_file *f, const char *buf, size_t len)
{
	struct vg_intel_source *s = vg_intel_file_source(f);
	struct vg_names *malware = NULL, *indicates = NULL;
	json_error_t jerr;
	json_t *root, *objs, *o;
	size_t i;
	int rc = 0;

	vg_intel_file_feed(f, "stix");
	root = json_loadb(buf, len, 0, &jerr);
	if (!root) {
		s->lines = 1;
		vg_intel_malformed(f, (uint32_t)(jerr.line > 0 ? jerr.line : 1), "json", "%s",
				   jerr.text);
		return 0;
	}
	if (json_is_array(root))
		objs = root;
	else if (json_is_object(root) && json_is_array(json_object_get(root, "objects")))
		objs = json_object_get(root, "objects");
	else if (json_is_object(root) && str_of(root, "pattern"))
		objs = NULL; /* one indicator */
	else {
		s->lines = 1;
		vg_intel_malformed(f, 1, "objects", "not a STIX bundle, object list or indicator");
		goto out;
	}
	if (!objs) {
		s->lines = 1;
		rc = indicator(f, 1, root, NULL);
		goto out;
	}
	/* Malware objects by id, and which malware each indicator indicates. */
	if (vg_names_new(&malware, 1) < 0 || vg_names_new(&indicates, 2) < 0) {
		rc = VG_ENOMEM;
		goto out;
	}
	json_array_foreach(objs, i, o)
	{
		const char *type = str_of(o, "type"), *id = str_of(o, "id");
		if (!type)
			continue;
		if (!strcmp(type, "malware") && id && str_of(o, "name") &&
		    vg_names_put(malware, id, strlen(id), (uint32_t)i, NULL) == VG_ENOMEM) {
			rc = VG_ENOMEM;
			goto out;
		}
		if (!strcmp(type, "relationship")) {
			const char *rt = str_of(o, "relationship_type"),
				   *src = str_of(o, "source_ref");
			const char *dst = str_of(o, "target_ref");
			if (rt && src && dst && !strcmp(rt, "indicates") &&
			    vg_names_put(indicates, src, strlen(src), (uint32_t)i, NULL) ==
				VG_ENOMEM) {
				rc = VG_ENOMEM;
				goto out;
			}
		}
	}
	json_array_foreach(objs, i, o)
	{
		const char *type = str_of(o, "type"), *id = str_of(o, "id"), *family = NULL;
		uint32_t rel, mw;
		s->lines++;
		if (!json_is_object(o)) {
			vg_intel_malformed(f, (uint32_t)i + 1, "objects", "not a JSON object");
			continue;
		}
		if (!type || strcmp(type, "indicator"))
			continue;
		if (id && vg_names_get(indicates, id, strlen(id), &rel)) {
			const char *dst = str_of(json_array_get(objs, rel), "target_ref");
			if (dst && vg_names_get(malware, dst, strlen(dst), &mw))
				family = str_of(json_array_get(objs, mw), "name");
		}
		if ((rc = indicator(f, (uint32_t)i + 1, o, family)) < 0)
			goto out;
	}
	rc = 0;
out:
	vg_names_free(malware);
	vg_names_free(indicates);
	json_decref(root);
	return rc < 0 ? rc : 0;
}
