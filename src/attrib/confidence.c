/*
 * confidence.c - how sure vigil is that an attack's source address is the
 * attacker's (vg_attrib_confidence; classes in attrib.h, docs/EVENTS.md).
 *
 * A source address is proven only by a reply reaching it: a completed TCP
 * handshake means the attacker received our SYN-ACK (RFC 9293 section 3.5;
 * blind forgery needs the 32-bit sequence number). SYN-only probes, UDP,
 * ICMP and ARP prove nothing (RFC 4987 on forged SYN floods). Order of the
 * tests, first match wins:
 *   1. bogon: a source from special-purpose space (bogon.c) arriving from
 *      outside (direction inbound or transit) cannot be real, whatever the
 *      traffic; an outbound attacker in the home network is not a bogon.
 *   2. reflector: in a reflection flood the source is a server that
 *      answered requests forged with the victim's address (US-CERT TA14-017A).
 *   3. verified: the detector saw the source complete a handshake.
 *   4. unverified: everything else, with the kind of traffic as reason.
 */
#include <stdio.h>
#include <string.h>

#include "attrib/attrib.h"
#include "attrib/bogon.h"

const char *vg_confidence_name(enum vg_confidence c)
{
	switch (c) {
	case VG_CONF_VERIFIED: return "verified";
	case VG_CONF_UNVERIFIED: return "unverified";
	case VG_CONF_BOGON: return "bogon";
	case VG_CONF_REFLECTOR: return "reflector";
	case VG_CONF_COUNT: break;
	}
	return "?";
}

/* Why an unverified source may be forged, by technique or kind. */
static const struct {
	const char *technique; /* or NULL: match kind */
	const char *kind;
	const char *reason;
} unverified[] = {
    {"syn", NULL, "SYN-only probes: address may be forged"},
    {"fin", NULL, "FIN probes without a handshake: address may be forged"},
    {"null", NULL, "NULL probes without a handshake: address may be forged"},
    {"xmas", NULL, "Xmas probes without a handshake: address may be forged"},
    {"ack", NULL, "ACK probes without a handshake: address may be forged"},
    {"maimon", NULL, "FIN/ACK probes without a handshake: address may be forged"},
    {"window", NULL, "ACK probes without a handshake: address may be forged"},
    {"udp", NULL, "UDP probes only: address may be forged"},
    {"icmp_echo", NULL, "ICMP echo requests only: address may be forged"},
    {"arp", NULL, "ARP requests only: sender address is not checked"},
    {NULL, "flood.syn", "half-open connections only (SYN flood): address may be forged"},
    {NULL, "flood.udp", "unanswered UDP only: address may be forged"},
    {NULL, "flood.icmp", "ICMP only: address may be forged"},
};

enum vg_confidence vg_attrib_confidence(const struct vg_attack *a, char *reason, size_t len)
{
	bool from_outside =
	    a->direction && (!strcmp(a->direction, "inbound") || !strcmp(a->direction, "transit"));
	const char *bogon = vg_bogon_reason(&a->src, a->family);

	if (bogon && from_outside) {
		snprintf(reason, len, "%s arriving from outside", bogon);
		return VG_CONF_BOGON;
	}
	if (a->kind && !strcmp(a->kind, "flood.reflection")) {
		snprintf(reason, len,
			 "reflector in a reflection flood: it answered requests "
			 "forged with the victim's address");
		return VG_CONF_REFLECTOR;
	}
	/* A generated-name walk: the home terminal's own lookups, answered
	 * (a forged source gets no answer); src_ip is the address its
	 * resolver gave a generated name, or unspecified: none yet. */
	if (a->direction && !strcmp(a->direction, "outbound") && a->kind &&
	    !strcmp(a->kind, "malware.dga")) {
		snprintf(reason, len, "%s",
			 vg_addr_unspecified(&a->src)
			     ? "no controller known: the home terminal's own lookups, answered"
			     : "the address a home terminal's generated name resolved to");
		return VG_CONF_VERIFIED;
	}
	/* A terminal's own connections out (beacons, C&C, exfiltration):
	 * src_ip is the address the terminal chose to contact, which no one
	 * can forge at it - whether or not that server answered. */
	if (a->direction && !strcmp(a->direction, "outbound") && a->kind &&
	    (!strncmp(a->kind, "malware.", 8) || !strncmp(a->kind, "exfil.", 6))) {
		snprintf(reason, len, "contacted by a home terminal");
		return VG_CONF_VERIFIED;
	}
	if (a->src_verified) {
		snprintf(reason, len, "completed a TCP handshake");
		return VG_CONF_VERIFIED;
	}
	for (size_t i = 0; i < VG_ARRAY_LEN(unverified); i++) {
		if (unverified[i].technique
			? a->technique && !strcmp(a->technique, unverified[i].technique)
			: a->kind && !strcmp(a->kind, unverified[i].kind)) {
			snprintf(reason, len, "%s", unverified[i].reason);
			return VG_CONF_UNVERIFIED;
		}
	}
	snprintf(reason, len, "no completed TCP handshake: address may be forged");
	return VG_CONF_UNVERIFIED;
}
