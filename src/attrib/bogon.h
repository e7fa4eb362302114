/*
 * bogon.h - addresses that cannot be a real source on the Internet.
 *
 * Part of the attrib stage: an attack whose source is private, reserved,
 * documentation, multicast, loopback, link-local or shared (CGNAT) space and
 * which arrived from outside the home network was forged or leaked through
 * a misconfigured border; its country and network say nothing. The table
 * follows the IANA special-purpose registries (RFC 6890 and its updates)
 * and Team Cymru's classic bogon list; see bogon.c for each entry.
 */
#ifndef VG_BOGON_H
#define VG_BOGON_H

#include "common/vg.h"

/* What the address is if it cannot be a public source ("private address
 * (RFC 1918)"), or NULL for an address that can. family is 4 (address in
 * the first 4 bytes) or 6. The text is a constant. */
const char *vg_bogon_reason(const struct vg_addr *a, int family);

#endif
