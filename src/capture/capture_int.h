/*
 * capture_int.h - what capture.c shares with the format readers pcap.c and
 * pcapng.c: the input window and the reader state. Not for other stages.
 */
#ifndef VG_CAPTURE_INT_H
#define VG_CAPTURE_INT_H

#include <stdbool.h>

#include "capture/capture.h"

/* Returned by a format's next() when the record is not wholly in the
 * window and refilling now would move records already handed out. */
#define VG_CAP_AGAIN 0x7fff

#define PCAPNG_MAX_IFACES 256

struct pcapng_iface {
	uint32_t linktype;
	uint32_t snaplen;
	uint64_t ts_mul; /* ts_ns = units * ts_mul / ts_div (exact or shift) */
	uint64_t ts_div;
	uint8_t ts_shift; /* for 2^-n resolutions: ns = units * 1e9 >> shift */
	bool ts_pow2;
	int64_t ts_offset_s;
};

struct vg_capture {
	char name[256];
	int fd;             /* -1 for memory captures */
	uint8_t *mem;       /* owned buffer (file mode) */
	size_t cap;         /* size of mem */
	const uint8_t *win; /* window of valid bytes */
	size_t win_len;
	size_t pos;    /* parse position in the window */
	uint64_t base; /* file offset of win[0] */
	uint64_t size; /* file size, 0 if unknown */
	bool eof;      /* nothing more to read into the window */
	bool failed;
	uint64_t records;
	enum vg_capture_format fmt;
	int (*next)(struct vg_capture *c, struct vg_pkt_rec *rec, bool may_refill);
	/* Optional fast path: fills records wholly inside the window, without
	 * refills or error handling; next() takes over where it stops. */
	unsigned (*next_batch)(struct vg_capture *c, struct vg_pkt_rec *recs, unsigned max);
	void *map;       /* the whole file, when mapped */
	size_t unmapped; /* bytes at the start of map already dropped */

	/* classic pcap */
	bool swap; /* file byte order differs from ours */
	bool nsec;
	uint32_t linktype;
	uint32_t snaplen;

	/* pcapng */
	bool ng_be;          /* current section is big-endian */
	uint64_t ng_last_ts; /* time of the last packet, for SPBs */
	unsigned n_ifaces;
	struct pcapng_iface ifaces[PCAPNG_MAX_IFACES];

	struct vg_live *live; /* interfaces (live.c), or NULL for a file */

	char err[768];
};

/* Makes n bytes available at c->win + c->pos. Returns 1 if they are,
 * 0 if the input ends first (c->win_len - c->pos bytes remain), VG_CAP_AGAIN
 * if a refill would be needed but may_refill is false, <0 on read error. */
int vg_capture_ensure(struct vg_capture *c, size_t n, bool may_refill);

/* Records an error "name: what" with the offset of the current position. */
int vg_capture_fail(struct vg_capture *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int vg_pcap_start(struct vg_capture *c);

/* live.c */
struct vg_live;
int vg_live_open(struct vg_live **out, const struct vg_live_config *cfg, char *errbuf,
		 size_t errlen);
int vg_live_next(struct vg_live *l, struct vg_pkt_rec *recs, unsigned max);
int vg_live_wait(struct vg_live *l, int timeout_ms);
void vg_live_stats(struct vg_live *l, struct vg_capture_stats *st);
void vg_live_free(struct vg_live *l);
int vg_pcapng_start(struct vg_capture *c);

#endif
