/*
 * eve_alert.h - one Suricata EVE `alert` line, read (eve_alert.c), for
 * `vigil import`.
 */
#ifndef VG_EVE_ALERT_H
#define VG_EVE_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vg.h"

enum { VG_EVE_BAD = -1, VG_EVE_NOT_ALERT = 0, VG_EVE_ALERT = 1 };

struct vg_eve_alert {
	uint64_t ts_ns;
	struct vg_addr src, dst;
	uint8_t family, proto; /* proto 0 when Suricata named another */
	uint16_t sport, dport; /* 0 when absent */
	uint32_t gid, sid, rev;
	uint8_t severity;   /* Suricata's 1 (high) .. 3 or more */
	char signature[96]; /* printable ASCII, no quotes or backslashes */
	char category[64];  /* the same */
	char why[200];      /* VG_EVE_BAD: what is wrong with the line */
};

/* VG_EVE_ALERT with out filled, VG_EVE_NOT_ALERT for other events, or
 * VG_EVE_BAD (not JSON, or an alert without the fields it needs) with
 * out->why saying what. */
int vg_eve_alert_parse(const char *line, size_t len, struct vg_eve_alert *out);
/* Suricata's timestamp layout to ns since the epoch. */
bool vg_eve_parse_time(const char *s, uint64_t *ns);
/* vigil's attack kind for a Suricata alert category: malware.c2,
 * exploit.alert, scan.alert, flood.alert, else alert. */
const char *vg_eve_alert_kind(const char *category);

#endif
