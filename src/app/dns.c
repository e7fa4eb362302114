/*
 * dns.c - one DNS message: the header, the first question, and the A,
 * AAAA and CNAME answers (RFC 1035 section 4.1).
 *
 * Part of the app stage (app.h). Names are decoded to dotted text with
 * compression pointers (section 4.1.4) followed at most MAX_HOPS times and
 * only inside the message; a name longer than 255 characters is cut and
 * counted. Other record types are skipped by their rdlength. Limits: only
 * the first question is kept; answers beyond VG_APP_DNS_ANSWERS are counted,
 * not kept; EDNS and authority/additional sections are not read.
 *
 * THREAT: every byte comes from the wire (either side of the flow): counts,
 * label lengths, pointers and rdlengths are all checked against len.
 */
#include <string.h>

#include "app/app.h"
#include "common/bytes.h"
#include "common/vg.h"

#define MAX_HOPS 32 /* compression pointers followed per name */

/* Decodes the name at *off into out (dotted, NUL-terminated, at most
 * VG_APP_NAME_MAX - 1 characters, *olen of them); *off moves past the
 * name as stored (the first pointer ends it). Returns 0 or a problem
 * counter; with dns_name_too_long the name is kept cut. Each run of
 * labels (up to the name's end or a pointer) is checked first, then
 * copied with one memcpy, its length bytes becoming the dots: the text is
 * the run's bytes shifted by one (with a dot first after an earlier run).
 * On an error out holds no name (the callers drop it). */
static int read_name(const uint8_t *msg, size_t len, size_t *off, char *out, bool *cut,
		     size_t *olen)
{
	size_t pos = *off, o = 0, end = 0;
	int hops = 0;
	bool jumped = false;

	*cut = false;
	for (;;) {
		size_t run = pos, ptr;
		uint8_t l;

		for (;;) {
			if (pos >= len)
				return VG_APPC_dns_truncated;
			l = msg[pos];
			if (l == 0 || l >= 0x40)
				break;
			if (pos + 1 + l > len)
				return VG_APPC_dns_truncated;
			pos += 1 + (size_t)l;
		}
		if (pos > run) {
			size_t skip = o == 0, k = pos - run - skip, lim, q;
			if (k > VG_APP_NAME_MAX - 1 - o) {
				k = VG_APP_NAME_MAX - 1 - o;
				*cut = true;
			}
			memcpy(out + o, msg + run + skip, k);
			/* The dots: where each length byte after the first landed,
			 * and after an earlier run the first too. */
			lim = o + k;
			q = skip ? run + 1 + msg[run] : run;
			for (; q < pos && o + (q - run) - skip < lim; q += 1 + (size_t)msg[q])
				out[o + (q - run) - skip] = '.';
			o = lim;
		}
		if (l == 0) {
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (l < 0xc0)
			return VG_APPC_dns_bad_label;
		if (pos + 1 >= len)
			return VG_APPC_dns_truncated;
		ptr = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
		if (!jumped)
			end = pos + 2;
		jumped = true;
		if (++hops > MAX_HOPS || ptr >= len)
			return VG_APPC_dns_bad_pointer;
		pos = ptr;
	}
	if (o == 0) {
		memcpy(out, "<root>", 7); /* Suricata's spelling of the root */
		o = 6;
	}
	out[o] = '\0';
	*olen = o;
	*off = end;
	return *cut ? VG_APPC_dns_name_too_long : 0;
}

/* Skips a name without decoding it (answers' owner names). */
static int skip_name(const uint8_t *msg, size_t len, size_t *off)
{
	size_t pos = *off;

	for (;;) {
		if (pos >= len)
			return VG_APPC_dns_truncated;
		if (msg[pos] == 0) {
			*off = pos + 1;
			return 0;
		}
		if ((msg[pos] & 0xc0) == 0xc0) {
			if (pos + 2 > len)
				return VG_APPC_dns_truncated;
			*off = pos + 2;
			return 0;
		}
		if (msg[pos] & 0xc0)
			return VG_APPC_dns_bad_label;
		pos += 1 + (size_t)msg[pos];
	}
}

static int read_answers(const uint8_t *msg, size_t len, size_t off, unsigned ancount,
			struct vg_app_dns *out)
{
	for (unsigned i = 0; i < ancount; i++) {
		uint16_t type, rdlen;
		uint32_t ttl;
		int rc = skip_name(msg, len, &off);

		if (rc)
			return rc;
		if (off + 10 > len)
			return VG_APPC_dns_truncated;
		type = vg_load_be16(msg + off);
		ttl = vg_load_be32(msg + off + 4);
		rdlen = vg_load_be16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			return VG_APPC_dns_truncated;
		if (out->n_kept < VG_APP_DNS_ANSWERS) {
			struct vg_app_dns_answer *a = &out->answers[out->n_kept];
			if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16)) {
				memset(&a->addr, 0, sizeof a->addr);
				/* Constant sizes: moves, not a call. */
				if (rdlen == 4)
					memcpy(a->addr.b, msg + off, 4);
				else
					memcpy(a->addr.b, msg + off, 16);
				a->rrtype = type;
				a->ttl = ttl;
				a->cname_off = 0;
				out->n_kept++;
			} else if (type == 1 || type == 28) {
				return VG_APPC_dns_bad_length;
			} else if (type == 5) {
				char name[VG_APP_NAME_MAX];
				size_t noff = off;
				bool cut;
				size_t nl;
				rc = read_name(msg, off + rdlen, &noff, name, &cut, &nl);
				if (rc && rc != VG_APPC_dns_name_too_long)
					return rc;
				nl++; /* the NUL */
				if (out->cnames_len + nl <= sizeof out->cnames) {
					memcpy(out->cnames + out->cnames_len, name, nl);
					a->rrtype = type;
					a->ttl = ttl;
					a->cname_off = out->cnames_len;
					out->cnames_len = (uint16_t)(out->cnames_len + nl);
					out->n_kept++;
				}
			}
		}
		off += rdlen;
	}
	return 0;
}

int vg_dns_parse(const uint8_t *msg, size_t len, struct vg_app_dns *out)
{
	uint16_t id, flags, qdcount, ancount;
	size_t off = 12, nl = 0;
	bool cut, qr, first;
	int rc;

	if (len < 12)
		return VG_APPC_dns_truncated;
	id = vg_load_be16(msg);
	flags = vg_load_be16(msg + 2);
	qdcount = vg_load_be16(msg + 4);
	ancount = vg_load_be16(msg + 6);
	qr = flags & 0x8000;
	if (qr ? out->has_response : out->has_query)
		return 0; /* the flow's first query and first response are kept */
	if (!out->has_query && !out->has_response)
		out->id = id;
	if (qdcount == 0)
		return VG_APPC_dns_no_question;
	first = !out->has_query && !out->has_response;
	if (!first) {
		/* The flow's name is known: the reply's question is skipped. */
		cut = false;
		rc = skip_name(msg, len, &off);
		if (rc)
			return rc;
	} else {
		/* Decoded in place; rrname stays "" if the question is cut. */
		rc = read_name(msg, len, &off, out->rrname, &cut, &nl);
		if (rc && rc != VG_APPC_dns_name_too_long) {
			out->rrname[0] = '\0';
			return rc;
		}
	}
	if (off + 4 > len) {
		if (first)
			out->rrname[0] = '\0';
		return VG_APPC_dns_truncated;
	}
	if (first) {
		out->rrname_len = (uint8_t)nl;
		out->rrname_truncated = cut;
		out->rrtype = vg_load_be16(msg + off);
	}
	off += 4;
	if (!qr) {
		out->has_query = true;
		return rc;
	}
	out->has_response = true;
	out->rcode = flags & 0x0f;
	out->n_answers = ancount;
	for (unsigned q = 1; q < qdcount; q++) { /* further questions: skipped */
		int r = skip_name(msg, len, &off);
		if (r)
			return r;
		if (off + 4 > len)
			return VG_APPC_dns_truncated;
		off += 4;
	}
	{
		int r = read_answers(msg, len, off, ancount, out);
		return r ? r : rc;
	}
}

const char *vg_dns_rrtype_name(uint16_t t)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 35: return "NAPTR";
	case 41: return "OPT";
	case 43: return "DS";
	case 46: return "RRSIG";
	case 47: return "NSEC";
	case 48: return "DNSKEY";
	case 64: return "SVCB";
	case 65: return "HTTPS";
	case 99: return "SPF";
	case 255: return "ANY";
	case 257: return "CAA";
	case 10: return "NULL";
	default: return NULL;
	}
}

const char *vg_dns_rcode_name(uint8_t rcode)
{
	static const char *const names[] = {
	    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
	};
	return rcode < VG_ARRAY_LEN(names) ? names[rcode] : NULL;
}
