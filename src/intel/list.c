/*
 * list.c - plain indicator lists: one IPv4 or IPv6 address, CIDR prefix or
 * domain name per line, decided per line (feed "list").
 *
 * `#` starts a comment anywhere on a line, and so does `;` (Spamhaus DROP
 * writes "192.0.2.0/24 ; SBL123"); blank lines are skipped; "*.evil.com" is
 * evil.com (parents match anyway). A line that is none of these is reported
 * as malformed with file:line and skipped. Lists carry no family or dates.
 * THREAT: the file may be anything; every byte is checked before use.
 */
#include <string.h>

#include "intel/intel_int.h"

int vg_intel_load_list(struct vg_intel_file *f, const char *buf, size_t len)
{
	struct vg_intel_source *s = vg_intel_file_source(f);
	const char *line;
	size_t pos = 0, n;
	uint32_t lineno = 0;

	vg_intel_file_feed(f, "list");
	while ((line = vg_intel_next_line(buf, len, &pos, &n))) {
		const char *c;
		int rc;

		lineno++;
		s->lines++;
		if ((c = memchr(line, '#', n)))
			n = (size_t)(c - line);
		if ((c = memchr(line, ';', n)))
			n = (size_t)(c - line);
		while (n && (*line == ' ' || *line == '\t'))
			line++, n--;
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (!n)
			continue;
		if ((rc = vg_intel_add_host(f, lineno, "value", line, n, NULL)) < 0)
			return rc;
	}
	return 0;
}
