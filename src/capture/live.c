/*
 * live.c - packets from network interfaces: AF_PACKET sockets with a
 * TPACKET_V3 receive ring (one per interface), behind the same batch
 * interface as capture files (vg_capture_next).
 *
 * The kernel fills blocks of the memory-mapped ring (capture.block_size
 * bytes each, capture.blocks of them) with packets and hands a block to us
 * when it is full or when capture.block_timeout ms have passed since its
 * first packet. Records point into the block we hold; a block goes back to
 * the kernel on the vg_capture_next() call after its last record was
 * handed out, so records stay valid until the next call, as for files.
 * Nothing is copied and there is no system call per packet: one poll()
 * when every ring is empty, none while blocks are waiting.
 *
 * Timestamps are the ring's (tp_sec, tp_nsec): the kernel's receive time.
 * VLAN tags the NIC or the kernel took off the frame (TP_STATUS_VLAN_VALID)
 * are put back in place (PACKET_RESERVE leaves 4 bytes of room before
 * each frame), so decode sees the frame as a capture file would hold it.
 *
 * The socket is created with protocol 0 (it receives nothing), gets its
 * BPF filter and ring, and only then is bound to its interface: no packet
 * arrives unfiltered. Filters are compiled by libpcap (pcap_compile on a
 * dead handle of the interface's link type) and attached with
 * SO_ATTACH_FILTER. Limit: a filter on `vlan` does not match tags the
 * kernel took off (they are not in the bytes the filter reads).
 *
 * On a loopback interface every packet is seen twice (leaving and
 * arriving); the leaving copy is skipped, as libpcap does.
 *
 * Workers (vigil watch --workers N): each worker opens its own capture,
 * and the N sockets of one interface join one PACKET_FANOUT group
 * (PACKET_FANOUT_CBPF): the kernel hands each packet to one member, the
 * one the classic BPF program below names. The program returns a
 * symmetric function of the packet's two addresses (they are xor-ed, so
 * both directions of a flow go alike; the kernel takes the result modulo
 * the members), for an ICMP or ICMPv6 error the addresses of the header it
 * quotes (the flow it is about), and 0 for anything not IP: so a flow,
 * its fragments (they carry the same addresses) and the errors about it
 * reach one worker. PACKET_FANOUT_FLAG_DEFRAG is not set: it would hand
 * over reassembled datagrams instead of the fragments, unlike a capture
 * file, and the address-only hash needs no port. Loads are relative to
 * the network header (SKF_NET_OFF), which the kernel sets on both
 * directions; a load past the linear part of the packet ends the program
 * with 0 (worker 0). Until every member joined, a socket's filter drops
 * all (so no worker sees packets meant for another while the group is
 * forming); vg_capture_live_arm() then attaches the real filter.
 *
 * Drops: PACKET_STATISTICS (packets the kernel saw for the socket, and
 * those it dropped because the ring was full); the kernel resets them at
 * each read, vg_capture_live_stats() adds them up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/capture_int.h"
#include "common/vg.h"

#define LIVE_MAX_IFACES 16
#define VLAN_ROOM       4 /* PACKET_RESERVE: room to put a VLAN tag back */

struct ring {
	int fd;
	uint8_t *map;
	uint32_t block_size, blocks;
	uint32_t cur;                    /* next block to look at */
	struct tpacket_block_desc *held; /* block we are reading, or NULL */
	uint32_t left;                   /* records of it not handed out */
	uint8_t *next;                   /* next record in it */
	uint32_t linktype, ifindex;
	uint16_t fanout_id;                    /* its PACKET_FANOUT group, if any */
	bool loopback;                         /* skip the outgoing copy of each packet */
	uint64_t kernel_packets, kernel_drops; /* sums of PACKET_STATISTICS */
	char name[IF_NAMESIZE];
};

struct vg_live {
	unsigned n, rr; /* rings, and the one read next (round robin) */
	bool fanout;    /* rings wait for vg_capture_live_arm() */
	struct ring rings[LIVE_MAX_IFACES];
	uint64_t vlan_restored, vlan_lost;
};

static struct tpacket_block_desc *block_at(struct ring *r, uint32_t i)
{
	return (struct tpacket_block_desc *)(r->map + (size_t)i * r->block_size);
}

static int attach_filter(int fd, const char *expr, uint32_t linktype, const char *iface,
			 char *errbuf, size_t errlen)
{
	pcap_t *p = pcap_open_dead(linktype == VG_LINK_RAW ? DLT_RAW : DLT_EN10MB, 262144);
	struct bpf_program prog;
	struct sock_fprog fprog;
	int rc = 0;

	if (!p) {
		snprintf(errbuf, errlen, "%s: --filter: pcap_open_dead failed", iface);
		return VG_ENOMEM;
	}
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(errbuf, errlen, "--filter '%s': %s", expr, pcap_geterr(p));
		pcap_close(p);
		return VG_EINVAL;
	}
	/* struct bpf_insn and struct sock_filter have the same layout. */
	fprog.len = (unsigned short)prog.bf_len;
	fprog.filter = (struct sock_filter *)prog.bf_insns;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) < 0) {
		snprintf(errbuf, errlen, "%s: SO_ATTACH_FILTER: %s", iface, strerror(errno));
		rc = VG_EIO;
	}
	pcap_freecode(&prog);
	pcap_close(p);
	return rc;
}

#define NET(k) ((uint32_t)(SKF_NET_OFF + (k)))

/* Builds the fanout program (see the top). Jumps name labels (their
 * targets' index + 1 in jt, jf; for BPF_JA in k), resolved at the end. */
enum { L_V4, L_V6, L_NONIP, L_V4Q, L_V4PLAIN, L_XOR4, L_V6PLAIN, L_MIX, L_COUNT };

#define PROG_MAX 128 /* the program has 98 */

struct bld {
	struct sock_filter ins[PROG_MAX];
	unsigned n;
	int at[L_COUNT];
};

static void jmp(struct bld *b, uint16_t code, uint32_t k, unsigned jt, unsigned jf)
{
	if (b->n < PROG_MAX) /* the program is fixed: it fits (checked by the tests) */
		b->ins[b->n++] = (struct sock_filter){code, (uint8_t)jt, (uint8_t)jf, k};
}

static void op(struct bld *b, uint16_t code, uint32_t k)
{
	jmp(b, code, k, 0, 0);
}

static void label(struct bld *b, unsigned l)
{
	b->at[l] = (int)b->n;
}

/* A = xor of the 8 words of the IPv6 address pair at network offset
 * base + 8 (scratch M[0]). */
static void xor_v6(struct bld *b, uint32_t base)
{
	op(b, BPF_LD | BPF_W | BPF_ABS, NET(base + 8));
	op(b, BPF_ST, 0);
	for (uint32_t k = 12; k < 40; k += 4) {
		op(b, BPF_LD | BPF_W | BPF_ABS, NET(base + k));
		op(b, BPF_LDX | BPF_MEM, 0);
		op(b, BPF_ALU | BPF_XOR | BPF_X, 0);
		op(b, BPF_ST, 0);
	}
}

/* The fanout program into out (PROG_MAX instructions); returns its length. */
static unsigned fanout_program(struct sock_filter *out)
{
	static const uint8_t v4_errors[] = {3, 4, 5, 11, 12};
	struct bld b = {.n = 0};

	op(&b, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL));
	jmp(&b, BPF_JMP | BPF_JEQ | BPF_K, 0x0800, L_V4 + 1, 0);
	jmp(&b, BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, L_V6 + 1, L_NONIP + 1);
	label(&b, L_NONIP);
	op(&b, BPF_RET | BPF_K, 0);
	/* IPv4: an ICMP error (not a later fragment) by the header it quotes */
	label(&b, L_V4);
	op(&b, BPF_LD | BPF_B | BPF_ABS, NET(9));
	jmp(&b, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, L_V4PLAIN + 1);
	op(&b, BPF_LD | BPF_H | BPF_ABS, NET(6));
	jmp(&b, BPF_JMP | BPF_JSET | BPF_K, 0x1fff, L_V4PLAIN + 1, 0);
	op(&b, BPF_LD | BPF_B | BPF_ABS, NET(0));
	op(&b, BPF_ALU | BPF_AND | BPF_K, 0xf);
	op(&b, BPF_ALU | BPF_LSH | BPF_K, 2);
	op(&b, BPF_MISC | BPF_TAX, 0); /* X: the IPv4 header's length */
	op(&b, BPF_LD | BPF_B | BPF_IND, NET(0));
	for (size_t i = 0; i < sizeof v4_errors; i++)
		jmp(&b, BPF_JMP | BPF_JEQ | BPF_K, v4_errors[i], L_V4Q + 1, 0);
	op(&b, BPF_JMP | BPF_JA, L_V4PLAIN);
	label(&b, L_V4Q); /* the quoted header at X + 8 */
	op(&b, BPF_LD | BPF_W | BPF_IND, NET(8 + 12));
	op(&b, BPF_ST, 0);
	op(&b, BPF_LD | BPF_W | BPF_IND, NET(8 + 16));
	op(&b, BPF_JMP | BPF_JA, L_XOR4);
	label(&b, L_V4PLAIN);
	op(&b, BPF_LD | BPF_W | BPF_ABS, NET(12));
	op(&b, BPF_ST, 0);
	op(&b, BPF_LD | BPF_W | BPF_ABS, NET(16));
	label(&b, L_XOR4);
	op(&b, BPF_LDX | BPF_MEM, 0);
	op(&b, BPF_ALU | BPF_XOR | BPF_X, 0);
	op(&b, BPF_JMP | BPF_JA, L_MIX);
	/* IPv6: an ICMPv6 error (type below 128) right after the fixed
	 * header, by the header it quotes; extension headers are not walked */
	label(&b, L_V6);
	op(&b, BPF_LD | BPF_B | BPF_ABS, NET(6));
	jmp(&b, BPF_JMP | BPF_JEQ | BPF_K, 58, 0, L_V6PLAIN + 1);
	op(&b, BPF_LD | BPF_B | BPF_ABS, NET(40));
	jmp(&b, BPF_JMP | BPF_JGE | BPF_K, 128, L_V6PLAIN + 1, 0);
	xor_v6(&b, 48);
	op(&b, BPF_JMP | BPF_JA, L_MIX);
	label(&b, L_V6PLAIN);
	xor_v6(&b, 0);
	/* Mixes the 32 bits: the kernel takes the result modulo the members. */
	label(&b, L_MIX);
	op(&b, BPF_MISC | BPF_TAX, 0);
	op(&b, BPF_ALU | BPF_RSH | BPF_K, 16);
	op(&b, BPF_ALU | BPF_XOR | BPF_X, 0);
	op(&b, BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1u);
	op(&b, BPF_ALU | BPF_RSH | BPF_K, 16);
	op(&b, BPF_RET | BPF_A, 0);
	for (unsigned i = 0; i < b.n; i++) {
		struct sock_filter *f = &b.ins[i];
		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		if (BPF_OP(f->code) == BPF_JA) {
			f->k = (uint32_t)(b.at[f->k] - (int)i - 1);
			continue;
		}
		if (f->jt)
			f->jt = (uint8_t)(b.at[f->jt - 1] - (int)i - 1);
		if (f->jf)
			f->jf = (uint8_t)(b.at[f->jf - 1] - (int)i - 1);
	}
	memcpy(out, b.ins, b.n * sizeof *out);
	return b.n;
}

/* Joins the ring to its fanout group and (again) sets the group's program. */
static int join_fanout(struct ring *r, const struct vg_live_config *cfg, unsigned index,
		       char *errbuf, size_t errlen)
{
	struct sock_filter prog[PROG_MAX];
	struct sock_fprog fp = {.len = (unsigned short)fanout_program(prog), .filter = prog};
	uint32_t id = cfg->fanout_ids[index];
	int arg = (int)(id | (uint32_t)PACKET_FANOUT_CBPF << 16);
	socklen_t len = sizeof arg;

	if (!id) /* the first member: a new group, its id the kernel's choice */
		arg |= PACKET_FANOUT_FLAG_UNIQUEID << 16;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0) {
		snprintf(errbuf, errlen, "%s: PACKET_FANOUT group %u: %s", r->name, id,
			 strerror(errno));
		return VG_EIO;
	}
	if (getsockopt(r->fd, SOL_PACKET, PACKET_FANOUT, &arg, &len) < 0) {
		snprintf(errbuf, errlen, "%s: PACKET_FANOUT: %s", r->name, strerror(errno));
		return VG_EIO;
	}
	r->fanout_id = (uint16_t)(arg & 0xffff);
	if (setsockopt(r->fd, SOL_PACKET, PACKET_FANOUT_DATA, &fp, sizeof fp) < 0) {
		snprintf(errbuf, errlen, "%s: PACKET_FANOUT_DATA (classic BPF): %s", r->name,
			 strerror(errno));
		return VG_EIO;
	}
	return 0;
}

/* A filter that takes nothing: a fanout member's until it is armed. */
static int attach_drop_all(int fd, const char *iface, char *errbuf, size_t errlen)
{
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog fp = {.len = 1, .filter = &none};

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) < 0) {
		snprintf(errbuf, errlen, "%s: SO_ATTACH_FILTER: %s", iface, strerror(errno));
		return VG_EIO;
	}
	return 0;
}

static int open_ring(struct ring *r, unsigned index, const char *iface,
		     const struct vg_live_config *cfg, char *errbuf, size_t errlen)
{
	struct tpacket_req3 req;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int ver = TPACKET_V3, reserve = VLAN_ROOM, rc;
	size_t len;

	r->fd = -1;
	if (strlen(iface) >= IF_NAMESIZE) {
		snprintf(errbuf, errlen, "interface name '%s' is too long", iface);
		return VG_EINVAL;
	}
	snprintf(r->name, sizeof r->name, "%s", iface);
	r->ifindex = if_nametoindex(iface);
	if (!r->ifindex) {
		snprintf(errbuf, errlen, "%s: no such interface (%s)", iface, strerror(errno));
		return VG_ENOENT;
	}
	/* Protocol 0: the socket receives nothing until bind(). */
	r->fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (r->fd < 0) {
		snprintf(errbuf, errlen, "%s: AF_PACKET socket: %s%s", iface, strerror(errno),
			 errno == EPERM ? " (vigil watch needs CAP_NET_RAW: run as root or "
					  "give the capability, see README)"
					: "");
		return VG_EIO;
	}
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface);
	if (ioctl(r->fd, SIOCGIFHWADDR, &ifr) < 0) {
		snprintf(errbuf, errlen, "%s: SIOCGIFHWADDR: %s", iface, strerror(errno));
		return VG_EIO;
	}
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER: r->linktype = VG_LINK_ETHERNET; break;
	case ARPHRD_LOOPBACK:
		r->linktype = VG_LINK_ETHERNET;
		r->loopback = true;
		break;
	case ARPHRD_NONE: r->linktype = VG_LINK_RAW; break; /* tun: IP packets */
	default:
		snprintf(errbuf, errlen,
			 "%s: hardware type %u is not supported (Ethernet, loopback "
			 "and raw IP interfaces are)",
			 iface, ifr.ifr_hwaddr.sa_family);
		return VG_ENOTSUP;
	}
	if (cfg->fanout) {
		if ((rc = attach_drop_all(r->fd, iface, errbuf, errlen)) < 0)
			return rc;
	} else if (cfg->filter && cfg->filter[0] &&
		   (rc = attach_filter(r->fd, cfg->filter, r->linktype, iface, errbuf, errlen)) <
		       0) {
		return rc;
	}
	if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof ver) < 0 ||
	    setsockopt(r->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof reserve) < 0) {
		snprintf(errbuf, errlen, "%s: TPACKET_V3: %s", iface, strerror(errno));
		return VG_ENOTSUP;
	}
	memset(&req, 0, sizeof req);
	req.tp_block_size = cfg->block_size;
	req.tp_block_nr = cfg->blocks;
	req.tp_frame_size = TPACKET_ALIGNMENT << 7; /* 2048: only checked by V3 */
	req.tp_frame_nr = cfg->block_size / req.tp_frame_size * cfg->blocks;
	req.tp_retire_blk_tov = cfg->block_timeout_ms;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
		snprintf(errbuf, errlen,
			 "%s: PACKET_RX_RING of %u blocks of %u bytes: %s (capture.block_size must "
			 "be a power of two, a multiple of the page size)",
			 iface, cfg->blocks, cfg->block_size, strerror(errno));
		return VG_EINVAL;
	}
	r->block_size = cfg->block_size;
	r->blocks = cfg->blocks;
	len = (size_t)r->block_size * r->blocks;
	r->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		snprintf(errbuf, errlen, "%s: mmap of the %zu-byte ring: %s", iface, len,
			 strerror(errno));
		return VG_ENOMEM;
	}
	if (cfg->promisc) {
		struct packet_mreq mr = {.mr_ifindex = (int)r->ifindex,
					 .mr_type = PACKET_MR_PROMISC};
		if (setsockopt(r->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) {
			snprintf(errbuf, errlen, "%s: promiscuous mode: %s", iface,
				 strerror(errno));
			return VG_EIO;
		}
	}
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)r->ifindex;
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		snprintf(errbuf, errlen, "%s: bind: %s", iface, strerror(errno));
		return VG_EIO;
	}
	if (cfg->fanout)
		return join_fanout(r, cfg, index, errbuf, errlen);
	return 0;
}

static void close_ring(struct ring *r)
{
	if (r->map)
		munmap(r->map, (size_t)r->block_size * r->blocks);
	if (r->fd >= 0)
		close(r->fd);
	r->map = NULL;
	r->fd = -1;
}

void vg_live_free(struct vg_live *l)
{
	if (!l)
		return;
	for (unsigned i = 0; i < l->n; i++)
		close_ring(&l->rings[i]);
	free(l);
}

int vg_live_open(struct vg_live **out, const struct vg_live_config *cfg, char *errbuf,
		 size_t errlen)
{
	struct vg_live *l = calloc(1, sizeof *l);
	char names[LIVE_MAX_IFACES * (IF_NAMESIZE + 1)], *save = NULL, *tok;
	int rc = 0;

	*out = NULL;
	if (!l) {
		snprintf(errbuf, errlen, "out of memory");
		return VG_ENOMEM;
	}
	if (!cfg->ifaces || !cfg->ifaces[0] || strlen(cfg->ifaces) >= sizeof names) {
		snprintf(errbuf, errlen, "no interface given, or too many (at most %d)",
			 LIVE_MAX_IFACES);
		free(l);
		return VG_EINVAL;
	}
	snprintf(names, sizeof names, "%s", cfg->ifaces);
	for (tok = strtok_r(names, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (l->n == LIVE_MAX_IFACES) {
			snprintf(errbuf, errlen, "too many interfaces (at most %d)",
				 LIVE_MAX_IFACES);
			rc = VG_EINVAL;
			break;
		}
		for (unsigned i = 0; i < l->n; i++)
			if (!strcmp(l->rings[i].name, tok)) {
				snprintf(errbuf, errlen, "interface %s given twice", tok);
				rc = VG_EINVAL;
			}
		if (rc < 0)
			break;
		l->n++;
		rc = open_ring(&l->rings[l->n - 1], l->n - 1, tok, cfg, errbuf, errlen);
		if (rc < 0)
			break;
	}
	l->fanout = cfg->fanout != 0;
	if (rc == 0 && l->n == 0) {
		snprintf(errbuf, errlen, "no interface given");
		rc = VG_EINVAL;
	}
	if (rc < 0) {
		vg_live_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

/* Gives the held block back to the kernel once all its records are out. */
static void release_done(struct ring *r)
{
	if (r->held && r->left == 0) {
		__atomic_store_n(&r->held->hdr.bh1.block_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		r->held = NULL;
		r->cur = r->cur + 1 == r->blocks ? 0 : r->cur + 1;
	}
}

static bool take_block(struct ring *r)
{
	struct tpacket_block_desc *bd;

	if (r->held)
		return r->left > 0;
	bd = block_at(r, r->cur);
	if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
		return false;
	r->held = bd;
	r->left = bd->hdr.bh1.num_pkts;
	r->next = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
	if (!r->left) /* an empty block (timeout without packets) */
		release_done(r);
	return r->left > 0;
}

static const struct sockaddr_ll *sll_of(const struct tpacket3_hdr *h)
{
	return (const struct sockaddr_ll *)((const uint8_t *)h + TPACKET_ALIGN(sizeof *h));
}

/* Puts an offloaded VLAN tag back between the MAC addresses and the type,
 * in the room PACKET_RESERVE left before the frame. */
static void restore_vlan(struct vg_live *l, const struct tpacket3_hdr *h, struct vg_pkt_rec *rec)
{
	uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) && h->hv1.tp_vlan_tpid
			    ? h->hv1.tp_vlan_tpid
			    : ETH_P_8021Q;
	uint8_t *d = (uint8_t *)rec->data;

	if (h->tp_mac < TPACKET_ALIGN(sizeof *h) + sizeof(struct sockaddr_ll) + VLAN_ROOM ||
	    rec->caplen < 12) {
		l->vlan_lost++;
		return;
	}
	memmove(d - VLAN_ROOM, d, 12);
	d -= VLAN_ROOM;
	d[12] = (uint8_t)(tpid >> 8);
	d[13] = (uint8_t)tpid;
	d[14] = (uint8_t)(h->hv1.tp_vlan_tci >> 8);
	d[15] = (uint8_t)h->hv1.tp_vlan_tci;
	rec->data = d;
	rec->caplen += VLAN_ROOM;
	rec->origlen += VLAN_ROOM;
	l->vlan_restored++;
}

int vg_live_next(struct vg_live *l, struct vg_pkt_rec *recs, unsigned max)
{
	unsigned got = 0;

	for (unsigned tries = 0; tries < l->n && got == 0; tries++) {
		struct ring *r = &l->rings[l->rr];

		release_done(r);
		while (got < max && take_block(r)) {
			const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)r->next;
			struct vg_pkt_rec *rec;

			/* Loopback: the kernel shows each packet twice, leaving
			 * and arriving; keep the arriving one (as libpcap does). */
			if (VG_UNLIKELY(r->loopback) && sll_of(h)->sll_pkttype == PACKET_OUTGOING) {
				r->next += h->tp_next_offset;
				if (--r->left == 0)
					break;
				continue;
			}
			rec = &recs[got++];

			rec->data = r->next + h->tp_mac;
			rec->caplen = h->tp_snaplen;
			rec->origlen = h->tp_len;
			rec->ts_ns = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
			rec->linktype = r->linktype;
			rec->ifindex = r->ifindex;
			if (VG_UNLIKELY(h->tp_status & TP_STATUS_VLAN_VALID) &&
			    r->linktype == VG_LINK_ETHERNET)
				restore_vlan(l, h, rec);
			r->next += h->tp_next_offset;
			/* Records of this call must stay valid: the block goes
			 * back on the next call, not now. */
			if (--r->left == 0)
				break;
		}
		if (got == 0 || r->left == 0)
			l->rr = l->rr + 1 == l->n ? 0 : l->rr + 1;
	}
	return (int)got;
}

int vg_live_wait(struct vg_live *l, int timeout_ms)
{
	struct pollfd pfd[LIVE_MAX_IFACES];
	int rc;

	for (unsigned i = 0; i < l->n; i++) {
		/* An exhausted block still marked ours would make poll()
		 * report the ring readable forever. */
		release_done(&l->rings[i]);
		if (take_block(&l->rings[i]))
			return 1;
		pfd[i].fd = l->rings[i].fd;
		pfd[i].events = POLLIN | POLLERR;
		pfd[i].revents = 0;
	}
	rc = poll(pfd, l->n, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : VG_EIO;
	for (unsigned i = 0; i < l->n; i++)
		if (pfd[i].revents & (POLLERR | POLLNVAL)) {
			int err = 0;
			socklen_t len = sizeof err;
			getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
			errno = err ? err : EIO;
			return VG_EIO;
		}
	return rc > 0;
}

void vg_live_stats(struct vg_live *l, struct vg_capture_stats *st)
{
	memset(st, 0, sizeof *st);
	for (unsigned i = 0; i < l->n; i++) {
		struct ring *r = &l->rings[i];
		struct tpacket_stats_v3 ks;
		socklen_t len = sizeof ks;

		/* tp_packets already includes tp_drops (kernel: packet_getsockopt). */
		if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0) {
			r->kernel_packets += ks.tp_packets;
			r->kernel_drops += ks.tp_drops;
		}
		st->kernel_packets += r->kernel_packets;
		st->kernel_drops += r->kernel_drops;
	}
	st->vlan_restored = l->vlan_restored;
	st->vlan_lost = l->vlan_lost;
	st->interfaces = l->n;
}

unsigned vg_capture_live_fanout_ids(const struct vg_capture *c, uint16_t *ids, unsigned max)
{
	unsigned i;

	for (i = 0; c->live && i < c->live->n && i < max; i++)
		ids[i] = c->live->rings[i].fanout_id;
	return i;
}

int vg_capture_live_arm(struct vg_capture *c, const struct vg_live_config *cfg, char *errbuf,
			size_t errlen)
{
	struct vg_live *l = c->live;
	int rc = 0, zero = 0;

	if (!l || !l->fanout)
		return 0;
	for (unsigned i = 0; i < l->n && rc == 0; i++) {
		struct ring *r = &l->rings[i];
		if (cfg->filter && cfg->filter[0]) {
			rc =
			    attach_filter(r->fd, cfg->filter, r->linktype, r->name, errbuf, errlen);
		} else if (setsockopt(r->fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero) <
			   0) {
			snprintf(errbuf, errlen, "%s: SO_DETACH_FILTER: %s", r->name,
				 strerror(errno));
			rc = VG_EIO;
		}
	}
	l->fanout = false;
	return rc;
}
