/*
 * capture.h - sources of packets: capture files read in batches.
 *
 * First stage of the pipeline. A vg_capture hands out batches of records
 * (timestamp, lengths, link type, pointer to the bytes); decode reads them.
 * Records point into the capture's buffer and stay valid until the next call
 * to vg_capture_next(). Regular files are mapped whole (no copy; measured
 * faster than read() here, see docs/PERFORMANCE.md); pipes are read with
 * large read() calls into one buffer; a memory buffer can be read the
 * same way (tests, fuzzers).
 *
 * Formats: classic pcap (both byte orders, micro- and nanosecond) and pcapng
 * (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html):
 * sections in either byte order, interface description blocks with their
 * link type, if_tsresol and if_tsoffset, enhanced, simple and obsolete packet
 * blocks. Other blocks are skipped.
 *
 * Live: vg_capture_open_live() reads network interfaces instead (live.c,
 * AF_PACKET with a TPACKET_V3 ring); the same vg_capture_next() hands out
 * their packets, returning 0 when none is waiting (a live capture has no
 * end); vg_capture_wait() sleeps until packets come or a timeout passes.
 *
 * Errors: a corrupt or truncated record ends the file with an error naming
 * the file, the record number and the byte offset; records before it were
 * already handed out and stay counted.
 */
#ifndef VG_CAPTURE_H
#define VG_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* Link types (LINKTYPE_* values as they appear in files). */
enum {
	VG_LINK_NULL = 0,
	VG_LINK_ETHERNET = 1,
	VG_LINK_RAW_12 = 12, /* DLT_RAW on most BSDs */
	VG_LINK_RAW_14 = 14, /* DLT_RAW on OpenBSD */
	VG_LINK_RAW = 101,
	VG_LINK_LOOP = 108,
	VG_LINK_SLL = 113,
	VG_LINK_IPV4 = 228,
	VG_LINK_IPV6 = 229,
	VG_LINK_SLL2 = 276,
};

/* Largest record we accept: far above any real snaplen (262144), small
 * enough that a corrupt length cannot make us allocate gigabytes. */
#define VG_CAPTURE_MAX_RECORD (16u << 20)

struct vg_pkt_rec {
	const uint8_t *data;
	uint32_t caplen;   /* bytes present at data */
	uint32_t origlen;  /* bytes on the wire (>= caplen) */
	uint64_t ts_ns;    /* nanoseconds since the Unix epoch */
	uint32_t linktype; /* VG_LINK_* or any other LINKTYPE value */
	uint32_t ifindex;  /* pcapng interface id; 0 for pcap */
};

enum vg_capture_format { VG_FMT_PCAP = 1, VG_FMT_PCAPNG = 2 };

struct vg_capture;

/* Opens a capture file; on failure errbuf says why, naming the file. */
int vg_capture_open(struct vg_capture **out, const char *path, char *errbuf, size_t errlen);

/* Reads a capture held in memory; buf must outlive the capture. */
int vg_capture_open_mem(struct vg_capture **out, const uint8_t *buf, size_t len, const char *name,
			char *errbuf, size_t errlen);

/* Fills up to max (> 0) records; returns their number, 0 at the end, <0 on
 * error (then vg_capture_error() says what and where). Records read before
 * an error in the same call are returned first; the error comes on the
 * next call. */
int vg_capture_next(struct vg_capture *c, struct vg_pkt_rec *recs, unsigned max);

const char *vg_capture_error(const struct vg_capture *c);
enum vg_capture_format vg_capture_format(const struct vg_capture *c);
/* Bytes of the file consumed so far, and its size (0 if unknown). */
uint64_t vg_capture_offset(const struct vg_capture *c);
uint64_t vg_capture_size(const struct vg_capture *c);
/* Records handed out so far. */
uint64_t vg_capture_records(const struct vg_capture *c);

void vg_capture_free(struct vg_capture *c);

/* Live capture (live.c). */
struct vg_live_config {
	const char *ifaces;        /* comma-separated interface names */
	const char *filter;        /* BPF filter expression (pcap syntax) or NULL */
	uint32_t block_size;       /* bytes per ring block: power of two, page multiple */
	uint32_t blocks;           /* blocks per ring (one ring per interface) */
	uint32_t block_timeout_ms; /* a block is handed over at the latest after this */
	int promisc;               /* put the interfaces in promiscuous mode */
	/* vigil watch --workers (cli/workers.c): each worker opens its own
	 * capture; its socket on interface i joins PACKET_FANOUT group
	 * fanout_ids[i] (0: a new group, the kernel picks a free id; read it
	 * back with vg_capture_live_fanout_ids), in worker order, and a
	 * classic BPF program picks the member: a symmetric function of the
	 * address pair (live.c). Such a socket receives nothing until
	 * vg_capture_live_arm() (every member joined). */
	int fanout;
	uint16_t fanout_ids[16];
};

/* Kernel counters of a live capture, summed over its interfaces. */
struct vg_capture_stats {
	uint64_t kernel_packets; /* packets the kernel saw for our sockets (drops included) */
	uint64_t kernel_drops;   /* packets it dropped: the ring was full */
	uint64_t vlan_restored;  /* offloaded VLAN tags put back into frames */
	uint64_t vlan_lost;      /* offloaded tags that could not be put back */
	unsigned interfaces;
};

int vg_capture_open_live(struct vg_capture **out, const struct vg_live_config *cfg, char *errbuf,
			 size_t errlen);
/* True for a capture opened with vg_capture_open_live(). */
int vg_capture_is_live(const struct vg_capture *c);
/* Live: waits up to timeout_ms for packets; 1 when some are waiting, 0 on
 * timeout or signal, <0 on a socket error (vg_capture_error). Files: 1. */
int vg_capture_wait(struct vg_capture *c, int timeout_ms);
/* Fanout: the group of each interface (ids[i]); returns their number. */
unsigned vg_capture_live_fanout_ids(const struct vg_capture *c, uint16_t *ids, unsigned max);
/* Fanout (cfg->fanout): once every worker's sockets joined their
 * groups, lets packets in (the --filter, or none). */
int vg_capture_live_arm(struct vg_capture *c, const struct vg_live_config *cfg, char *errbuf,
			size_t errlen);
/* Live: fills st with the kernel's counters so far; files: zeros. */
void vg_capture_stats(struct vg_capture *c, struct vg_capture_stats *st);

#endif
