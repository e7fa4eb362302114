/*
 * decode_test.c - unit tests of the decode stage (src/decode/).
 *
 * Every packet is a byte array with a comment per header line; addresses
 * follow tests/data/README.md (client 192.0.2.10 / 2001:db8:1::10, server
 * 198.51.100.20 / 2001:db8:2::20, DNS 198.51.100.53). Checksums are zero:
 * the decoders do not check them.
 *
 * Packets are copied into a malloc'ed buffer of exactly the captured size
 * before decoding, so a build with -Db_sanitize=address catches any read
 * past caplen. The truncation test feeds every prefix of every packet in
 * the table at the end of this file (STYLE.md, "Tests"). Each test gets a
 * struct dec from its setup, freed by teardown even when it fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"

/* ---- fixtures: link headers and addresses ---------------------------- */

/* Packet bytes are laid out by hand, a header line per row. */
/* clang-format off */
/* Ethernet: dst 02:00:00:00:00:01 (gateway), src 02:00:00:00:00:10 (client) */
#define ETH_MACS 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x10
#define IP4_CLIENT 192, 0, 2, 10
#define IP4_SERVER 198, 51, 100, 20
#define IP4_DNS 198, 51, 100, 53
#define IP6_CLIENT 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x10
#define IP6_SERVER 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x20

static const uint8_t ip6_client[16] = {IP6_CLIENT};
static const uint8_t ip6_server[16] = {IP6_SERVER};

/* IPv4 + UDP 40000 -> 53, 4 bytes of payload: 32 bytes. */
#define IPV4_UDP_DNS                                                                    \
	0x45, 0x00, 0x00, 0x20,       /* IPv4: ver 4, ihl 5, tos 0, total 32 */         \
	0x12, 0x34, 0x00, 0x00,       /* id 0x1234, no flags, offset 0 */               \
	0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */                 \
	IP4_CLIENT,                   /* src 192.0.2.10 */                              \
	IP4_DNS,                      /* dst 198.51.100.53 */                           \
	0x9c, 0x40, 0x00, 0x35,       /* UDP: sport 40000, dport 53 */                  \
	0x00, 0x0c, 0x00, 0x00,       /* length 12, checksum */                         \
	'a', 'b', 'c', 'd'            /* payload: 4 bytes */

/* IPv6 + UDP 42000 -> 53, 4 bytes of payload: 52 bytes. */
#define IPV6_UDP_DNS                                                                    \
	0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */        \
	0x00, 0x0c, 0x11, 0x40,       /* payload 12, next UDP, hop limit 64 */          \
	IP6_CLIENT,                   /* src 2001:db8:1::10 */                          \
	IP6_SERVER,                   /* dst 2001:db8:2::20 */                          \
	0xa4, 0x10, 0x00, 0x35,       /* UDP: sport 42000, dport 53 */                  \
	0x00, 0x0c, 0x00, 0x00,       /* length 12, checksum */                         \
	'a', 'b', 'c', 'd'            /* payload: 4 bytes */
/* clang-format on */

/* ---- valid packets ----------------------------------------------------- */

/* clang-format off */
static const uint8_t eth_ipv4_tcp_syn[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 0x42,       /* IPv4: ver 4, ihl 5, tos 0, total 66 */
	0x1c, 0x46, 0x40, 0x00,       /* id 0x1c46, DF, offset 0 */
	0x3f, 0x06, 0x00, 0x00,       /* ttl 63, proto TCP, checksum */
	IP4_CLIENT,                   /* src 192.0.2.10 */
	IP4_SERVER,                   /* dst 198.51.100.20 */
	0xc7, 0x38, 0x00, 0x50,       /* TCP: sport 51000, dport 80 */
	0x01, 0x02, 0x03, 0x04,       /* seq 0x01020304 */
	0x00, 0x00, 0x00, 0x00,       /* ack 0 */
	0xa0, 0x02, 0x72, 0x10,       /* data offset 10 (40 bytes), SYN, window 29200 */
	0x00, 0x00, 0x00, 0x00,       /* checksum, urgent pointer */
	0x02, 0x04, 0x05, 0xb4,       /* option MSS 1460 */
	0x04, 0x02, 0x08, 0x0a,       /* SACK permitted; timestamps (kind 8, len 10) */
	0x00, 0x0a, 0xbc, 0xde,       /* ... TSval */
	0x00, 0x00, 0x00, 0x00,       /* ... TSecr */
	0x01, 0x03, 0x03, 0x07,       /* NOP; window scale 7 */
	'h', 'e', 'l', 'l', 'o', '!', /* payload: 6 bytes (TCP Fast Open style) */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_ipv4_udp[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* IPv4 + SCTP 7 -> 7 (common header, one empty DATA chunk header). */
/* clang-format off */
static const uint8_t eth_ipv4_sctp[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 0x24,       /* IPv4: total 36 */
	0x00, 0x01, 0x00, 0x00,
	0x40, 0x84, 0x00, 0x00,       /* ttl 64, proto SCTP (132) */
	IP4_CLIENT, IP4_DNS,
	0x00, 0x07, 0x00, 0x07,       /* SCTP: sport 7, dport 7 */
	0x00, 0x00, 0x00, 0x01,       /* verification tag */
	0x00, 0x00, 0x00, 0x00,       /* checksum */
	0x00, 0x00, 0x00, 0x04,       /* chunk: DATA, length 4 */
};
/* clang-format on */

/* IPv4 + ESP, SPI 0x0000007b, sequence 1, 4 bytes of ciphertext. */
/* clang-format off */
static const uint8_t eth_ipv4_esp[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 0x20,       /* IPv4: total 32 */
	0x00, 0x01, 0x00, 0x00,
	0x40, 0x32, 0x00, 0x00,       /* ttl 64, proto ESP (50) */
	IP4_CLIENT, IP4_DNS,
	0x00, 0x01, 0x00, 0x7b,       /* ESP: SPI 0x0001007b */
	0x00, 0x00, 0x00, 0x01,       /* sequence number */
	0xde, 0xad, 0xbe, 0xef,       /* encrypted */
};
/* clang-format on */

/* The same frame padded to the Ethernet minimum of 60 bytes. */
/* clang-format off */
static const uint8_t eth_ipv4_udp_padded[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	IPV4_UDP_DNS,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding: 14 bytes */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_ipv4_opts_udp[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	0x47, 0x00, 0x00, 0x28,       /* IPv4: ver 4, ihl 7 (28 bytes), tos 0, total 40 */
	0x00, 0x01, 0x00, 0x00,       /* id 1, no flags, offset 0 */
	0x01, 0x11, 0x00, 0x00,       /* ttl 1, proto UDP, checksum */
	IP4_CLIENT,                   /* src 192.0.2.10 */
	IP4_DNS,                      /* dst 198.51.100.53 */
	0x94, 0x04, 0x00, 0x00,       /* option router alert (148, len 4, value 0) */
	0x01, 0x01, 0x01, 0x00,       /* NOP, NOP, NOP, end of options */
	0x9c, 0x40, 0x00, 0x35,       /* UDP: sport 40000, dport 53 */
	0x00, 0x0c, 0x00, 0x00,       /* length 12, checksum */
	'a', 'b', 'c', 'd',           /* payload: 4 bytes */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_ipv4_frag_first[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 0x2c,       /* IPv4: ver 4, ihl 5, tos 0, total 44 */
	0x40, 0x01, 0x20, 0x00,       /* id 0x4001, MF, offset 0 */
	0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */
	IP4_CLIENT,                   /* src 192.0.2.10 */
	IP4_SERVER,                   /* dst 198.51.100.20 */
	0x9c, 0x54, 0x00, 0x09,       /* UDP: sport 40020, dport 9 */
	0x03, 0xf0, 0x00, 0x00,       /* length 1008 (whole datagram), checksum */
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, /* first 16 payload bytes */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_ipv4_frag_middle[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 0x24,       /* IPv4: ver 4, ihl 5, tos 0, total 36 */
	0x40, 0x01, 0x20, 0x03,       /* id 0x4001, MF, offset 3 (24 bytes) */
	0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */
	IP4_CLIENT,                   /* src 192.0.2.10 */
	IP4_SERVER,                   /* dst 198.51.100.20 */
	0x9c, 0x54, 0x00, 0x09,       /* payload bytes 24..39 (look like ports: */
	0x03, 0xf0, 0x00, 0x00,       /*  must not be read as a UDP header) */
	16, 17, 18, 19, 20, 21, 22, 23,
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_vlan_udp[] = {
	ETH_MACS, 0x81, 0x00,         /* Ethernet: type 802.1Q */
	0x60, 0x64, 0x08, 0x00,       /* 802.1Q: PCP 3, VID 100; type IPv4 */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_qinq_udp[] = {
	ETH_MACS, 0x88, 0xa8,         /* Ethernet: type 802.1ad */
	0x01, 0x2c, 0x81, 0x00,       /* S-tag: VID 300; type 802.1Q */
	0xa0, 0x64, 0x08, 0x00,       /* C-tag: PCP 5, VID 100; type IPv4 */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_vlan_old_qinq_udp[] = {
	ETH_MACS, 0x91, 0x00,         /* Ethernet: type 0x9100 (pre-802.1ad QinQ) */
	0x11, 0x90, 0x81, 0x00,       /* tag: DEI, VID 400; type 802.1Q */
	0x01, 0xf4, 0x08, 0x00,       /* tag: VID 500; type IPv4 */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_vlan4_udp[] = {
	ETH_MACS, 0x88, 0xa8,         /* Ethernet: type 802.1ad */
	0x00, 0x0a, 0x81, 0x00,       /* tag 1: VID 10; type 802.1Q */
	0x00, 0x14, 0x81, 0x00,       /* tag 2: VID 20; type 802.1Q */
	0x00, 0x1e, 0x81, 0x00,       /* tag 3: VID 30; type 802.1Q */
	0x00, 0x28, 0x08, 0x00,       /* tag 4: VID 40; type IPv4 */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_arp_request[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* Ethernet: dst broadcast */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x10, /* src 02:00:00:00:00:10 */
	0x08, 0x06,                   /* type ARP */
	0x00, 0x01, 0x08, 0x00,       /* ARP: hardware Ethernet, protocol IPv4 */
	0x06, 0x04, 0x00, 0x01,       /* hardware len 6, protocol len 4, op request */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x10, /* sender MAC */
	IP4_CLIENT,                   /* sender IP 192.0.2.10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* target MAC (unknown) */
	192, 0, 2, 1,                 /* target IP 192.0.2.1 */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_ipv6_tcp[] = {
	ETH_MACS, 0x86, 0xdd,         /* Ethernet: type IPv6 */
	0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
	0x00, 0x19, 0x06, 0x39,       /* payload 25, next TCP, hop limit 57 */
	IP6_CLIENT,                   /* src 2001:db8:1::10 */
	IP6_SERVER,                   /* dst 2001:db8:2::20 */
	0xcb, 0x20, 0x00, 0x50,       /* TCP: sport 52000, dport 80 */
	0xa0, 0xb0, 0xc0, 0xd0,       /* seq 0xa0b0c0d0 */
	0x11, 0x22, 0x33, 0x44,       /* ack 0x11223344 */
	0x50, 0x18, 0x01, 0xf5,       /* data offset 5, PSH|ACK, window 501 */
	0x00, 0x00, 0x00, 0x00,       /* checksum, urgent pointer */
	'h', 'e', 'l', 'l', 'o',      /* payload: 5 bytes */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_ipv6_ext_udp[] = {
	ETH_MACS, 0x86, 0xdd,         /* Ethernet: type IPv6 */
	0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
	0x00, 0x34, 0x00, 0x01,       /* payload 52, next hop-by-hop, hop limit 1 */
	IP6_CLIENT,                   /* src 2001:db8:1::10 */
	IP6_SERVER,                   /* dst 2001:db8:2::20 */
	0x3c, 0x00, 0x05, 0x02,       /* hop-by-hop: next dstopts, len 0 (8); router alert */
	0x00, 0x00, 0x01, 0x00,       /* ... value 0; PadN len 0 */
	0x2b, 0x00, 0x01, 0x04,       /* dstopts: next routing, len 0 (8); PadN len 4 */
	0x00, 0x00, 0x00, 0x00,       /* ... padding */
	0x11, 0x02, 0x04, 0x00,       /* routing: next UDP, len 2 (24), type 4 (SRH), left 0 */
	0x00, 0x00, 0x00, 0x00,       /* ... last entry 0, flags 0, tag 0 */
	IP6_SERVER,                   /* ... segment list[0] */
	0xa4, 0x10, 0x00, 0x35,       /* UDP: sport 42000, dport 53 */
	0x00, 0x0c, 0x00, 0x00,       /* length 12, checksum */
	'a', 'b', 'c', 'd',           /* payload: 4 bytes */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_ipv6_frag_first[] = {
	ETH_MACS, 0x86, 0xdd,         /* Ethernet: type IPv6 */
	0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
	0x00, 0x20, 0x2c, 0x40,       /* payload 32, next fragment, hop limit 64 */
	IP6_CLIENT,                   /* src 2001:db8:1::10 */
	IP6_SERVER,                   /* dst 2001:db8:2::20 */
	0x11, 0x00, 0x00, 0x01,       /* fragment: next UDP, offset 0, M */
	0xab, 0xcd, 0x00, 0x01,       /* ... id 0xabcd0001 */
	0xa4, 0x1f, 0x00, 0x09,       /* UDP: sport 42015, dport 9 */
	0x03, 0xf0, 0x00, 0x00,       /* length 1008 (whole datagram), checksum */
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, /* first 16 payload bytes */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_ipv6_frag_last[] = {
	ETH_MACS, 0x86, 0xdd,         /* Ethernet: type IPv6 */
	0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
	0x00, 0x18, 0x2c, 0x40,       /* payload 24, next fragment, hop limit 64 */
	IP6_CLIENT,                   /* src 2001:db8:1::10 */
	IP6_SERVER,                   /* dst 2001:db8:2::20 */
	0x11, 0x00, 0x02, 0x58,       /* fragment: next UDP, offset 75 (600 bytes), no M */
	0xab, 0xcd, 0x00, 0x01,       /* ... id 0xabcd0001 */
	0xa4, 0x1f, 0x00, 0x09,       /* payload bytes 600..615 (look like ports: */
	0x03, 0xf0, 0x00, 0x00,       /*  must not be read as a UDP header) */
	8, 9, 10, 11, 12, 13, 14, 15,
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_ipv6_ah_tcp[] = {
	ETH_MACS, 0x86, 0xdd,         /* Ethernet: type IPv6 */
	0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
	0x00, 0x2c, 0x33, 0x40,       /* payload 44, next AH, hop limit 64 */
	IP6_CLIENT,                   /* src 2001:db8:1::10 */
	IP6_SERVER,                   /* dst 2001:db8:2::20 */
	0x06, 0x04, 0x00, 0x00,       /* AH: next TCP, len 4 ((4 + 2) * 4 = 24), reserved */
	0x00, 0x00, 0x10, 0x00,       /* ... SPI 0x1000 */
	0x00, 0x00, 0x00, 0x01,       /* ... sequence 1 */
	0xaa, 0xaa, 0xaa, 0xaa,       /* ... ICV (12 bytes) */
	0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa,
	0xcb, 0x21, 0x00, 0xb3,       /* TCP: sport 52001, dport 179 */
	0x00, 0x00, 0x00, 0x64,       /* seq 100 */
	0x00, 0x00, 0x00, 0x00,       /* ack 0 */
	0x50, 0x02, 0x40, 0x00,       /* data offset 5, SYN, window 16384 */
	0x00, 0x00, 0x00, 0x00,       /* checksum, urgent pointer */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_icmp_echo[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 0x24,       /* IPv4: ver 4, ihl 5, tos 0, total 36 */
	0x00, 0x07, 0x00, 0x00,       /* id 7, no flags, offset 0 */
	0x40, 0x01, 0x00, 0x00,       /* ttl 64, proto ICMP, checksum */
	IP4_CLIENT,                   /* src 192.0.2.10 */
	IP4_SERVER,                   /* dst 198.51.100.20 */
	0x08, 0x00, 0x00, 0x00,       /* ICMP: echo request, code 0, checksum */
	0x12, 0x34, 0x00, 0x01,       /* id 0x1234, seq 1 */
	1, 2, 3, 4, 5, 6, 7, 8,       /* payload: 8 bytes */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_icmp_port_unreach[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 0x38,       /* IPv4: ver 4, ihl 5, tos 0, total 56 */
	0x00, 0x08, 0x00, 0x00,       /* id 8, no flags, offset 0 */
	0x40, 0x01, 0x00, 0x00,       /* ttl 64, proto ICMP, checksum */
	IP4_SERVER,                   /* src 198.51.100.20 */
	IP4_CLIENT,                   /* dst 192.0.2.10 */
	0x03, 0x03, 0x00, 0x00,       /* ICMP: unreachable, port, checksum */
	0x00, 0x00, 0x00, 0x00,       /* unused */
	0x45, 0x00, 0x00, 0x1c,       /* quoted IPv4: ver 4, ihl 5, tos 0, total 28 */
	0x00, 0x02, 0x00, 0x00,       /* id 2, no flags, offset 0 */
	0x01, 0x11, 0x00, 0x00,       /* ttl 1, proto UDP, checksum */
	IP4_CLIENT,                   /* src 192.0.2.10 */
	IP4_SERVER,                   /* dst 198.51.100.20 */
	0x9c, 0x41, 0x82, 0x9a,       /* quoted UDP: sport 40001, dport 33434 */
	0x00, 0x08, 0x00, 0x00,       /* length 8, checksum */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_icmpv6_echo[] = {
	ETH_MACS, 0x86, 0xdd,         /* Ethernet: type IPv6 */
	0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
	0x00, 0x10, 0x3a, 0x40,       /* payload 16, next ICMPv6, hop limit 64 */
	IP6_CLIENT,                   /* src 2001:db8:1::10 */
	IP6_SERVER,                   /* dst 2001:db8:2::20 */
	0x80, 0x00, 0x00, 0x00,       /* ICMPv6: echo request, code 0, checksum */
	0x42, 0x42, 0x00, 0x01,       /* id 0x4242, seq 1 */
	1, 2, 3, 4, 5, 6, 7, 8,       /* payload: 8 bytes */
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_icmpv6_port_unreach[] = {
	ETH_MACS, 0x86, 0xdd,         /* Ethernet: type IPv6 */
	0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
	0x00, 0x38, 0x3a, 0x40,       /* payload 56, next ICMPv6, hop limit 64 */
	IP6_SERVER,                   /* src 2001:db8:2::20 */
	IP6_CLIENT,                   /* dst 2001:db8:1::10 */
	0x01, 0x04, 0x00, 0x00,       /* ICMPv6: destination unreachable, port, checksum */
	0x00, 0x00, 0x00, 0x00,       /* unused */
	0x60, 0x00, 0x00, 0x00,       /* quoted IPv6: ver 6, traffic class 0, flow 0 */
	0x00, 0x08, 0x11, 0x01,       /* payload 8, next UDP, hop limit 1 */
	IP6_CLIENT,                   /* src 2001:db8:1::10 */
	IP6_SERVER,                   /* dst 2001:db8:2::20 */
	0xa4, 0x20, 0x82, 0x9b,       /* quoted UDP: sport 42016, dport 33435 */
	0x00, 0x08, 0x00, 0x00,       /* length 8, checksum */
};
/* clang-format on */

/* clang-format off */
static const uint8_t sll_ipv4_udp[] = {
	0x00, 0x00, 0x00, 0x01,       /* SLL: packet type 0 (to us), ARPHRD_ETHER */
	0x00, 0x06,                   /* address length 6 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, /* address (8 bytes) */
	0x08, 0x00,                   /* protocol IPv4 */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t sll2_ipv6_udp[] = {
	0x86, 0xdd, 0x00, 0x00,       /* SLL2: protocol IPv6, reserved */
	0x00, 0x00, 0x00, 0x02,       /* interface index 2 */
	0x00, 0x01, 0x04, 0x06,       /* ARPHRD_ETHER, packet type 4 (outgoing), addr len 6 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, /* address (8 bytes) */
	IPV6_UDP_DNS,
};
/* clang-format on */

static const uint8_t raw_ipv4_udp[] = {IPV4_UDP_DNS};
static const uint8_t raw_ipv6_udp[] = {IPV6_UDP_DNS};

/* clang-format off */
static const uint8_t null_le_ipv4_udp[] = {
	0x02, 0x00, 0x00, 0x00,       /* NULL: family 2 (AF_INET), little-endian */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t null_le_ipv6_udp[] = {
	0x1e, 0x00, 0x00, 0x00,       /* NULL: family 30 (AF_INET6 on macOS), little-endian */
	IPV6_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t null_be_ipv4_udp[] = {
	0x00, 0x00, 0x00, 0x02,       /* NULL: family 2, written by a big-endian host */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t loop_ipv4_udp[] = {
	0x00, 0x00, 0x00, 0x02,       /* LOOP: family 2 (AF_INET), big-endian */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_mpls_ipv4_udp[] = {
	ETH_MACS, 0x88, 0x47,         /* Ethernet: type MPLS unicast */
	0x00, 0x01, 0x01, 0x40,       /* MPLS: label 16, TC 0, bottom of stack, TTL 64 */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_mpls2_ipv6_udp[] = {
	ETH_MACS, 0x88, 0x47,         /* Ethernet: type MPLS unicast */
	0x00, 0x3e, 0x80, 0x40,       /* MPLS: label 1000, TC 0, not bottom, TTL 64 */
	0x00, 0x01, 0x11, 0x40,       /* MPLS: label 17, bottom of stack, TTL 64 */
	IPV6_UDP_DNS,
};
/* clang-format on */

/* clang-format off */
static const uint8_t eth_snap_ipv4_udp[] = {
	ETH_MACS, 0x00, 0x28,         /* IEEE 802.3: length 40 (LLC + SNAP + IP) */
	0xaa, 0xaa, 0x03, 0x00,       /* LLC: DSAP/SSAP SNAP, UI; SNAP: OUI 00 00 00 ... */
	0x00, 0x00, 0x08, 0x00,       /* ... type IPv4 */
	IPV4_UDP_DNS,
};
/* clang-format on */

/* A TCP SYN in the first of two IPv4 fragments, its header whole. */
/* clang-format off */
static const uint8_t eth_ipv4_tcp_frag_first[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 0x30,       /* IPv4: ver 4, ihl 5, tos 0, total 48 */
	0x50, 0x01, 0x20, 0x00,       /* id 0x5001, MF, offset 0 */
	0x40, 0x06, 0x00, 0x00,       /* ttl 64, proto TCP, checksum */
	IP4_CLIENT,                   /* src 192.0.2.10 */
	IP4_SERVER,                   /* dst 198.51.100.20 */
	0xc7, 0x3a, 0x00, 0x50,       /* TCP: sport 51002, dport 80 */
	0x00, 0x00, 0x00, 0x01,       /* seq 1 */
	0x00, 0x00, 0x00, 0x00,       /* ack 0 */
	0x50, 0x02, 0x10, 0x00,       /* data offset 5, SYN, window 4096 */
	0x00, 0x00, 0x00, 0x00,       /* checksum, urgent pointer */
	0, 1, 2, 3, 4, 5, 6, 7,       /* first 8 payload bytes */
};
/* clang-format on */

/* TCP options: a valid MSS, then a window scale whose length is 0. */
/* clang-format off */
static const uint8_t eth_ipv4_tcp_bad_opts[] = {
	ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 0x30,       /* IPv4: ver 4, ihl 5, tos 0, total 48 */
	0x00, 0x09, 0x40, 0x00,       /* id 9, DF, offset 0 */
	0x40, 0x06, 0x00, 0x00,       /* ttl 64, proto TCP, checksum */
	IP4_CLIENT,                   /* src 192.0.2.10 */
	IP4_SERVER,                   /* dst 198.51.100.20 */
	0xc7, 0x39, 0x01, 0xbb,       /* TCP: sport 51001, dport 443 */
	0x00, 0x00, 0x00, 0x01,       /* seq 1 */
	0x00, 0x00, 0x00, 0x00,       /* ack 0 */
	0x70, 0x02, 0xff, 0xff,       /* data offset 7 (28 bytes), SYN, window 65535 */
	0x00, 0x00, 0x00, 0x00,       /* checksum, urgent pointer */
	0x02, 0x04, 0x05, 0x78,       /* option MSS 1400 */
	0x03, 0x00, 0x00, 0x00,       /* window scale with length 0 (invalid) */
};
/* clang-format on */

/* ---- helpers ------------------------------------------------------------ */

/* A decode with its own copy of the bytes, exactly caplen long. */
struct dec {
	struct vg_decode_stats st;
	struct vg_packet p;
	uint8_t *buf;
};

/* malloc(n) even for n == 0: AddressSanitizer then flags any read of the
 * empty packet. */
static uint8_t *dup_exact(const uint8_t *b, size_t n)
{
	uint8_t *c = malloc(n);

	if (n) {
		assert_non_null(c);
		memcpy(c, b, n);
	}
	return c;
}

/* Decodes the first caplen bytes of b, of origlen on the wire. Stats
 * accumulate in d->st across calls; the previous copy is freed. */
static void dec_run(struct dec *d, const uint8_t *b, size_t caplen, size_t origlen,
		    uint32_t linktype)
{
	struct vg_pkt_rec rec;

	free(d->buf);
	d->buf = dup_exact(b, caplen);
	memset(&rec, 0, sizeof rec);
	rec.data = d->buf;
	rec.caplen = (uint32_t)caplen;
	rec.origlen = (uint32_t)origlen;
	rec.ts_ns = 1700000000123456789ull;
	rec.linktype = linktype;
	vg_decode(&d->st, &rec, &d->p);
}

static void dec_full(struct dec *d, const uint8_t *b, size_t len, uint32_t linktype)
{
	dec_run(d, b, len, len, linktype);
}

/* Each test gets two decodes (the second for the truncation test's
 * reference); teardown frees their buffers even when an assertion fails. */
static int dec_setup(void **state)
{
	*state = calloc(2, sizeof(struct dec));
	return *state ? 0 : -1;
}

static int dec_teardown(void **state)
{
	struct dec *d = *state;

	free(d[0].buf);
	free(d[1].buf);
	free(d);
	return 0;
}

#define assert_anomaly(p, want)                                                  \
	do {                                                                     \
		if ((p)->anomaly != (want))                                      \
			fail_msg("anomaly %s, expected %s",                      \
				 vg_anomaly_name((enum vg_anomaly)(p)->anomaly), \
				 vg_anomaly_name(want));                         \
	} while (0)

static void assert_addr4(const struct vg_addr *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	const uint8_t want[16] = {b0, b1, b2, b3};

	assert_memory_equal(a->b, want, 16);
}

static void assert_addr6(const struct vg_addr *a, const uint8_t want[16])
{
	assert_memory_equal(a->b, want, 16);
}

static uint64_t anomaly_total(const struct vg_decode_stats *st)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < VG_ANOM_COUNT; i++)
		n += st->anomalies[i];
	return n;
}

/* ---- valid packets ------------------------------------------------------ */

static void test_eth_ipv4_tcp_syn(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_ipv4_tcp_syn, sizeof eth_ipv4_tcp_syn, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_PORTS | VG_PKT_TCP_OPTS);
	assert_int_equal(p->family, 4);
	assert_int_equal(p->ethertype, VG_ETHERTYPE_IPV4);
	assert_int_equal(p->proto, VG_IPPROTO_TCP);
	assert_int_equal(p->ttl, 63);
	/* The identification of a whole packet too: zmap marks its probes
	 * with 54321 (scan.c's tool_of). */
	assert_int_equal(p->frag_id, 0x1c46);
	assert_addr4(&p->src, 192, 0, 2, 10);
	assert_addr4(&p->dst, 198, 51, 100, 20);
	assert_int_equal(p->sport, 51000);
	assert_int_equal(p->dport, 80);
	assert_int_equal(p->tcp_flags, VG_TH_SYN);
	assert_int_equal(p->tcp.seq, 0x01020304);
	assert_int_equal(p->tcp.ack, 0);
	assert_int_equal(p->tcp.window, 29200);
	assert_int_equal(p->tcp.hlen, 40);
	assert_int_equal(p->tcp.mss, 1460);
	assert_int_equal(p->tcp.wscale, 7);
	assert_int_equal(p->tcp.sack_ok, 1);
	assert_int_equal(p->tcp.has_ts, 1);
	assert_int_equal(p->l3_off, 14);
	assert_int_equal(p->l4_off, 34);
	assert_int_equal(p->payload_off, 74);
	assert_int_equal(p->payload_len, 6);
	assert_memory_equal(p->data + p->payload_off, "hello!", 6);
	assert_int_equal(p->vlan_depth, 0);
	assert_int_equal(p->ts_ns, 1700000000123456789ull);
	assert_int_equal(p->caplen, sizeof eth_ipv4_tcp_syn);
	assert_int_equal(p->wire_len, sizeof eth_ipv4_tcp_syn);

	assert_int_equal(d->st.packets, 1);
	assert_int_equal(d->st.bytes_wire, sizeof eth_ipv4_tcp_syn);
	assert_int_equal(d->st.ipv4, 1);
	assert_int_equal(d->st.tcp, 1);
	assert_int_equal(d->st.udp, 0);
	assert_int_equal(anomaly_total(&d->st), 0);
}

/* TCP options absent from one segment are reported absent, not inherited. */
static void test_tcp_options_absent(void **state)
{
	/* clang-format off */
	static const uint8_t sack_only[] = {
		0x45, 0x00, 0x00, 0x2c,       /* IPv4: ver 4, ihl 5, tos 0, total 44 */
		0x00, 0x01, 0x00, 0x00,       /* id 1, no flags, offset 0 */
		0x40, 0x06, 0x00, 0x00,       /* ttl 64, proto TCP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_SERVER,                   /* dst 198.51.100.20 */
		0xc7, 0x38, 0x00, 0x50,       /* TCP: sport 51000, dport 80 */
		0x00, 0x00, 0x00, 0x01,       /* seq 1 */
		0x00, 0x00, 0x00, 0x00,       /* ack 0 */
		0x60, 0x02, 0x10, 0x00,       /* data offset 6 (24 bytes), SYN, window 4096 */
		0x00, 0x00, 0x00, 0x00,       /* checksum, urgent pointer */
		0x04, 0x02, 0x00, 0x00,       /* SACK permitted; end of options */
	};
	/* clang-format on */
	struct dec *d = *state;

	/* First a SYN with every option, in the same vg_packet. */
	dec_full(d, eth_ipv4_tcp_syn, sizeof eth_ipv4_tcp_syn, VG_LINK_ETHERNET);
	assert_int_equal(d->p.tcp.mss, 1460);
	dec_full(d, sack_only, sizeof sack_only, VG_LINK_IPV4);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_true(d->p.flags & VG_PKT_TCP_OPTS);
	assert_int_equal(d->p.tcp.hlen, 24);
	assert_int_equal(d->p.tcp.mss, 0);
	assert_int_equal(d->p.tcp.wscale, 0xff);
	assert_int_equal(d->p.tcp.sack_ok, 1);
	assert_int_equal(d->p.tcp.has_ts, 0);
	assert_int_equal(d->p.payload_len, 0);
}

static void test_eth_ipv4_udp(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_ipv4_udp, sizeof eth_ipv4_udp, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_PORTS);
	assert_int_equal(p->family, 4);
	assert_int_equal(p->proto, VG_IPPROTO_UDP);
	assert_int_equal(p->ttl, 64);
	assert_addr4(&p->src, 192, 0, 2, 10);
	assert_addr4(&p->dst, 198, 51, 100, 53);
	assert_int_equal(p->sport, 40000);
	assert_int_equal(p->dport, 53);
	assert_int_equal(p->l4_off, 34);
	assert_int_equal(p->payload_off, 42);
	assert_int_equal(p->payload_len, 4);
	assert_int_equal(d->st.ipv4, 1);
	assert_int_equal(d->st.udp, 1);
	assert_int_equal(d->st.tcp, 0);
}

/* SCTP goes through the transport dispatch: ports, as Suricata keys it. */
static void test_eth_ipv4_sctp(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_ipv4_sctp, sizeof eth_ipv4_sctp, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_PORTS);
	assert_int_equal(p->proto, VG_IPPROTO_SCTP);
	assert_int_equal(p->sport, 7);
	assert_int_equal(p->dport, 7);
	assert_int_equal(p->payload_len, 4);
	assert_int_equal(d->st.sctp, 1);
	assert_int_equal(d->st.ip_other, 0);
}

/* ESP: the SPI's halves stand in the ports (each SA its own flow). */
static void test_eth_ipv4_esp(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_ipv4_esp, sizeof eth_ipv4_esp, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_SPI);
	assert_int_equal(p->proto, VG_IPPROTO_ESP);
	assert_int_equal(p->sport, 0x0001);
	assert_int_equal(p->dport, 0x007b);
	assert_int_equal(p->payload_len, 4);
	assert_int_equal(d->st.esp, 1);
	/* Cut inside the ESP header: an anomaly, no SPI. */
	dec_full(d, eth_ipv4_esp, sizeof eth_ipv4_esp - 6, VG_LINK_ETHERNET);
	assert_false(p->flags & VG_PKT_SPI);
}

/* Ethernet pads short frames to 60 bytes: the payload ends where IP says. */
static void test_eth_padding_not_payload(void **state)
{
	struct dec *d = *state;

	dec_full(d, eth_ipv4_udp_padded, sizeof eth_ipv4_udp_padded, VG_LINK_ETHERNET);
	assert_int_equal(sizeof eth_ipv4_udp_padded, 60);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.payload_len, 4);
	assert_int_equal(d->p.dport, 53);
}

static void test_ipv4_options(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_ipv4_opts_udp, sizeof eth_ipv4_opts_udp, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_PORTS | VG_PKT_IPV4_OPTS);
	assert_int_equal(p->ttl, 1);
	assert_int_equal(p->frag_id, 1); /* the general path's: not a fragment */
	assert_int_equal(p->l4_off, 14 + 28);
	assert_int_equal(p->sport, 40000);
	assert_int_equal(p->dport, 53);
	assert_int_equal(p->payload_len, 4);

	/* Without options the flag is clear. */
	dec_full(d, eth_ipv4_udp, sizeof eth_ipv4_udp, VG_LINK_ETHERNET);
	assert_false(d->p.flags & VG_PKT_IPV4_OPTS);
}

/* Malformed IPv4 options are noted but the packet keeps its ports. */
static void test_ipv4_bad_options(void **state)
{
	/* clang-format off */
	static const uint8_t short_len[] = {
		0x46, 0x00, 0x00, 0x24,       /* IPv4: ver 4, ihl 6 (24 bytes), tos 0, total 36 */
		0x00, 0x01, 0x00, 0x00,       /* id 1, no flags, offset 0 */
		0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_DNS,                      /* dst 198.51.100.53 */
		0x07, 0x01, 0x00, 0x00,       /* option record route with length 1 (< 2) */
		0x9c, 0x40, 0x00, 0x35,       /* UDP: sport 40000, dport 53 */
		0x00, 0x0c, 0x00, 0x00,       /* length 12, checksum */
		'a', 'b', 'c', 'd',           /* payload: 4 bytes */
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t past_end[] = {
		0x46, 0x00, 0x00, 0x24,       /* IPv4: ver 4, ihl 6 (24 bytes), tos 0, total 36 */
		0x00, 0x01, 0x00, 0x00,       /* id 1, no flags, offset 0 */
		0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_DNS,                      /* dst 198.51.100.53 */
		0x01, 0x07, 0x08, 0x04,       /* NOP; record route of length 8 (past the header) */
		0x9c, 0x40, 0x00, 0x35,       /* UDP: sport 40000, dport 53 */
		0x00, 0x0c, 0x00, 0x00,       /* length 12, checksum */
		'a', 'b', 'c', 'd',           /* payload: 4 bytes */
	};
	/* clang-format on */
	struct dec *d = *state;

	dec_full(d, short_len, sizeof short_len, VG_LINK_IPV4);
	assert_anomaly(&d->p, VG_ANOM_IPV4_BAD_OPTIONS);
	assert_false(vg_anomaly_fatal(VG_ANOM_IPV4_BAD_OPTIONS));
	assert_int_equal(d->p.flags, VG_PKT_IP | VG_PKT_PORTS | VG_PKT_IPV4_OPTS);
	assert_int_equal(d->p.sport, 40000);
	assert_int_equal(d->p.dport, 53);

	dec_full(d, past_end, sizeof past_end, VG_LINK_IPV4);
	assert_anomaly(&d->p, VG_ANOM_IPV4_BAD_OPTIONS);
	assert_int_equal(d->p.dport, 53);
	assert_int_equal(d->st.anomalies[VG_ANOM_IPV4_BAD_OPTIONS], 2);
}

static void test_ipv4_fragments(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_ipv4_frag_first, sizeof eth_ipv4_frag_first, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_FRAG | VG_PKT_FRAG_FIRST | VG_PKT_PORTS);
	assert_int_equal(p->frag_id, 0x4001);
	assert_int_equal(p->frag_off, 0);
	assert_int_equal(p->proto, VG_IPPROTO_UDP);
	assert_int_equal(p->sport, 40020);
	assert_int_equal(p->dport, 9);
	assert_int_equal(d->st.fragments, 1);
	assert_int_equal(d->st.udp, 1);

	dec_full(d, eth_ipv4_frag_middle, sizeof eth_ipv4_frag_middle, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_FRAG);
	assert_int_equal(p->frag_id, 0x4001);
	assert_int_equal(p->frag_off, 24);
	assert_int_equal(p->proto, VG_IPPROTO_UDP);
	assert_int_equal(p->sport, 0);
	assert_int_equal(p->dport, 0);
	assert_addr4(&p->src, 192, 0, 2, 10);
	assert_int_equal(d->st.fragments, 2);
	assert_int_equal(d->st.udp, 1); /* no UDP header in this one */
	assert_int_equal(d->st.ipv4, 2);
}

static void test_vlan_8021q(void **state)
{
	struct dec *d = *state;

	dec_full(d, eth_vlan_udp, sizeof eth_vlan_udp, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.vlan_depth, 1);
	assert_int_equal(d->p.vlan[0], 100); /* PCP 3 is not part of the id */
	assert_int_equal(d->p.vlan[1], 0);
	assert_int_equal(d->p.ethertype, VG_ETHERTYPE_IPV4);
	assert_int_equal(d->p.l3_off, 18);
	assert_int_equal(d->p.dport, 53);
}

static void test_vlan_qinq(void **state)
{
	struct dec *d = *state;

	dec_full(d, eth_qinq_udp, sizeof eth_qinq_udp, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.vlan_depth, 2);
	assert_int_equal(d->p.vlan[0], 300);
	assert_int_equal(d->p.vlan[1], 100);
	assert_int_equal(d->p.l3_off, 22);
	assert_int_equal(d->p.sport, 40000);
	assert_int_equal(d->p.dport, 53);

	dec_full(d, eth_vlan_old_qinq_udp, sizeof eth_vlan_old_qinq_udp, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.vlan_depth, 2);
	assert_int_equal(d->p.vlan[0], 400); /* DEI is not part of the id */
	assert_int_equal(d->p.vlan[1], 500);
	assert_int_equal(d->p.dport, 53);

	/* The deepest stack allowed keeps the two outer ids. */
	dec_full(d, eth_vlan4_udp, sizeof eth_vlan4_udp, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.vlan_depth, VG_VLAN_MAX_DEPTH);
	assert_int_equal(d->p.vlan[0], 10);
	assert_int_equal(d->p.vlan[1], 20);
	assert_int_equal(d->p.l3_off, 14 + 4 * VG_VLAN_MAX_DEPTH);
	assert_int_equal(d->p.dport, 53);
}

static void test_vlan_too_deep(void **state)
{
	/* clang-format off */
	static const uint8_t deep[] = {
		ETH_MACS, 0x81, 0x00,         /* Ethernet: type 802.1Q */
		0x00, 0x01, 0x81, 0x00,       /* tag 1: VID 1; type 802.1Q */
		0x00, 0x02, 0x81, 0x00,       /* tag 2: VID 2; type 802.1Q */
		0x00, 0x03, 0x81, 0x00,       /* tag 3: VID 3; type 802.1Q */
		0x00, 0x04, 0x81, 0x00,       /* tag 4: VID 4; type 802.1Q */
		0x00, 0x05, 0x08, 0x00,       /* tag 5: VID 5; type IPv4 */
		IPV4_UDP_DNS,
	};
	/* clang-format on */
	struct dec *d = *state;

	assert_int_equal(VG_VLAN_MAX_DEPTH, 4); /* the array above has one tag more */
	dec_full(d, deep, sizeof deep, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_VLAN_TOO_DEEP);
	assert_string_equal(vg_anomaly_name(VG_ANOM_VLAN_TOO_DEEP), "decode.vlan.too_deep");
	assert_false(d->p.flags & (VG_PKT_IP | VG_PKT_PORTS));
	assert_int_equal(d->p.sport, 0);
	assert_int_equal(d->st.anomalies[VG_ANOM_VLAN_TOO_DEEP], 1);
	assert_int_equal(d->st.ipv4, 0);
}

static void test_arp_request(void **state)
{
	struct dec *d = *state;

	dec_full(d, eth_arp_request, sizeof eth_arp_request, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.flags, VG_PKT_ARP);
	assert_int_equal(d->p.ethertype, VG_ETHERTYPE_ARP);
	assert_addr4(&d->p.src, 192, 0, 2, 10);
	assert_addr4(&d->p.dst, 192, 0, 2, 1);
	assert_int_equal(d->p.icmp_type, 1); /* opcode: request */
	assert_int_equal(d->p.family, 0);
	assert_int_equal(d->st.arp, 1);
	assert_int_equal(d->st.ipv4, 0);
}

/* An ARP message cut before its addresses must not claim to be ARP with
 * the addresses of the packet decoded before it: a fatal anomaly leaves
 * nothing for later stages to read (decode.h). */
static void test_arp_truncated(void **state)
{
	/* clang-format off */
	static const uint8_t reply[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x10, /* Ethernet: dst client */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* src gateway */
		0x08, 0x06,                   /* type ARP */
		0x00, 0x01, 0x08, 0x00,       /* ARP: hardware Ethernet, protocol IPv4 */
		0x06, 0x04, 0x00, 0x02,       /* hardware len 6, protocol len 4, op reply */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* sender MAC */
		192, 0, 2, 1,                 /* sender IP 192.0.2.1 */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x10, /* target MAC */
		IP4_CLIENT,                   /* target IP 192.0.2.10 */
	};
	/* clang-format on */
	struct dec *d = *state;

	dec_full(d, eth_arp_request, sizeof eth_arp_request, VG_LINK_ETHERNET);
	assert_true(d->p.flags & VG_PKT_ARP);
	/* The reply, cut in the sender's address (caplen 30 of 42). */
	dec_run(d, reply, 30, sizeof reply, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_ARP_TRUNCATED);
	assert_false(d->p.flags & VG_PKT_ARP);
}

static void test_ipv6_tcp(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_ipv6_tcp, sizeof eth_ipv6_tcp, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_PORTS);
	assert_int_equal(p->family, 6);
	assert_int_equal(p->ethertype, VG_ETHERTYPE_IPV6);
	assert_int_equal(p->proto, VG_IPPROTO_TCP);
	assert_int_equal(p->ttl, 57);
	assert_addr6(&p->src, ip6_client);
	assert_addr6(&p->dst, ip6_server);
	assert_int_equal(p->sport, 52000);
	assert_int_equal(p->dport, 80);
	assert_int_equal(p->tcp_flags, VG_TH_PSH | VG_TH_ACK);
	assert_int_equal(p->tcp.seq, 0xa0b0c0d0);
	assert_int_equal(p->tcp.ack, 0x11223344);
	assert_int_equal(p->tcp.window, 501);
	assert_int_equal(p->tcp.hlen, 20);
	assert_int_equal(p->l3_off, 14);
	assert_int_equal(p->l4_off, 54);
	assert_int_equal(p->payload_len, 5);
	assert_int_equal(d->st.ipv6, 1);
	assert_int_equal(d->st.tcp, 1);
}

static void test_ipv6_ext_chain(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_ipv6_ext_udp, sizeof eth_ipv6_ext_udp, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_PORTS);
	assert_int_equal(p->proto, VG_IPPROTO_UDP);
	assert_int_equal(p->ttl, 1);
	assert_int_equal(p->l4_off, 14 + 40 + 8 + 8 + 24);
	assert_int_equal(p->sport, 42000);
	assert_int_equal(p->dport, 53);
	assert_int_equal(p->payload_len, 4);
	assert_int_equal(d->st.udp, 1);
}

static void test_ipv6_fragments(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_ipv6_frag_first, sizeof eth_ipv6_frag_first, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_FRAG | VG_PKT_FRAG_FIRST | VG_PKT_PORTS);
	assert_int_equal(p->frag_id, 0xabcd0001);
	assert_int_equal(p->frag_off, 0);
	assert_int_equal(p->proto, VG_IPPROTO_UDP);
	assert_int_equal(p->l4_off, 14 + 40 + 8);
	assert_int_equal(p->sport, 42015);
	assert_int_equal(p->dport, 9);
	assert_int_equal(d->st.fragments, 1);

	dec_full(d, eth_ipv6_frag_last, sizeof eth_ipv6_frag_last, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_FRAG);
	assert_int_equal(p->frag_id, 0xabcd0001);
	assert_int_equal(p->frag_off, 600);
	assert_int_equal(p->proto, VG_IPPROTO_UDP);
	assert_int_equal(p->sport, 0);
	assert_int_equal(p->dport, 0);
	assert_addr6(&p->dst, ip6_server);
	assert_int_equal(d->st.fragments, 2);
	assert_int_equal(d->st.udp, 1);
}

/* A fragment header with offset 0 and no M bit (an "atomic fragment",
 * RFC 6946) is a whole datagram, not a fragment. */
static void test_ipv6_atomic_fragment(void **state)
{
	/* clang-format off */
	static const uint8_t atomic[] = {
		0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
		0x00, 0x14, 0x2c, 0x40,       /* payload 20, next fragment, hop limit 64 */
		IP6_CLIENT,                   /* src 2001:db8:1::10 */
		IP6_SERVER,                   /* dst 2001:db8:2::20 */
		0x11, 0x00, 0x00, 0x00,       /* fragment: next UDP, offset 0, no M */
		0x00, 0x00, 0x00, 0x07,       /* ... id 7 */
		0xa4, 0x10, 0x00, 0x35,       /* UDP: sport 42000, dport 53 */
		0x00, 0x0c, 0x00, 0x00,       /* length 12, checksum */
		'a', 'b', 'c', 'd',           /* payload: 4 bytes */
	};
	/* clang-format on */
	struct dec *d = *state;

	dec_full(d, atomic, sizeof atomic, VG_LINK_IPV6);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.flags, VG_PKT_IP | VG_PKT_PORTS);
	assert_int_equal(d->p.dport, 53);
	assert_int_equal(d->st.fragments, 0);
}

static void test_ipv6_ah_tcp(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_ipv6_ah_tcp, sizeof eth_ipv6_ah_tcp, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->proto, VG_IPPROTO_TCP);
	assert_int_equal(p->l4_off, 14 + 40 + 24);
	assert_int_equal(p->sport, 52001);
	assert_int_equal(p->dport, 179);
	assert_int_equal(p->tcp_flags, VG_TH_SYN);
	assert_int_equal(p->tcp.seq, 100);
	assert_int_equal(p->payload_len, 0);
}

/* Eight extension headers are walked; a ninth is an anomaly. */
static void test_ipv6_ext_too_many(void **state)
{
	uint8_t pkt[40 + 9 * 8 + 8];
	/* clang-format off */
	static const uint8_t ip6_hdr[8] = {
		0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
		0x00, 0x00, 0x3c, 0x40,       /* payload (set below), next dstopts, hop 64 */
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t udp[8] = {
		0xa4, 0x10, 0x00, 0x35,       /* UDP: sport 42000, dport 53 */
		0x00, 0x08, 0x00, 0x00,       /* length 8, checksum */
	};
	/* clang-format on */
	struct dec *d = *state;

	assert_int_equal(VG_IPV6_MAX_EXT, 8);
	for (unsigned n = 8; n <= 9; n++) {
		size_t len = 40 + n * 8 + 8;

		memset(pkt, 0, sizeof pkt);
		memcpy(pkt, ip6_hdr, 8);
		pkt[5] = (uint8_t)(n * 8 + 8); /* payload length */
		memcpy(pkt + 8, ip6_client, 16);
		memcpy(pkt + 24, ip6_server, 16);
		for (unsigned i = 0; i < n; i++) {
			uint8_t *e = pkt + 40 + i * 8;
			/* dstopts: next dstopts (UDP for the last), len 0, PadN len 4 */
			e[0] = i + 1 < n ? 60 : VG_IPPROTO_UDP;
			e[2] = 1;
			e[3] = 4;
		}
		memcpy(pkt + 40 + n * 8, udp, 8);
		dec_full(d, pkt, len, VG_LINK_IPV6);
		if (n == 8) {
			assert_anomaly(&d->p, VG_ANOM_NONE);
			assert_int_equal(d->p.dport, 53);
			assert_int_equal(d->p.l4_off, 40 + 64);
		} else {
			assert_anomaly(&d->p, VG_ANOM_IPV6_EXT_TOO_MANY);
			assert_false(d->p.flags & VG_PKT_PORTS);
		}
	}
}

static void test_icmp_echo(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_icmp_echo, sizeof eth_icmp_echo, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->proto, VG_IPPROTO_ICMP);
	assert_int_equal(p->icmp_type, 8);
	assert_int_equal(p->icmp_code, 0);
	assert_int_equal(p->sport, 0x1234);
	assert_int_equal(p->dport, 0x1234);
	assert_false(p->flags & (VG_PKT_ICMP_ERR | VG_PKT_PORTS));
	assert_true(p->flags & VG_PKT_IP);
	assert_int_equal(p->payload_len, 8);
	assert_int_equal(d->st.icmp, 1);
}

static void test_icmp_port_unreachable(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_icmp_port_unreach, sizeof eth_icmp_port_unreach, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_ICMP_ERR | VG_PKT_INNER_PORTS);
	assert_int_equal(p->icmp_type, 3);
	assert_int_equal(p->icmp_code, 3);
	assert_int_equal(p->sport, 3); /* type and code stand in for ports */
	assert_int_equal(p->dport, 3);
	assert_addr4(&p->src, 198, 51, 100, 20);
	assert_addr4(&p->dst, 192, 0, 2, 10);
	assert_int_equal(p->inner.family, 4);
	assert_int_equal(p->inner.proto, VG_IPPROTO_UDP);
	assert_addr4(&p->inner.src, 192, 0, 2, 10);
	assert_addr4(&p->inner.dst, 198, 51, 100, 20);
	assert_int_equal(p->inner.sport, 40001);
	assert_int_equal(p->inner.dport, 33434);
	assert_int_equal(d->st.icmp, 1);
	assert_int_equal(d->st.udp, 0); /* the quoted UDP is not a UDP packet */
}

/* An ICMP error quoting too little keeps the message, notes the quote. */
static void test_icmp_inner_truncated(void **state)
{
	/* clang-format off */
	static const uint8_t pkt[] = {
		0x45, 0x00, 0x00, 0x26,       /* IPv4: ver 4, ihl 5, tos 0, total 38 */
		0x00, 0x08, 0x00, 0x00,       /* id 8, no flags, offset 0 */
		0x40, 0x01, 0x00, 0x00,       /* ttl 64, proto ICMP, checksum */
		IP4_SERVER,                   /* src 198.51.100.20 */
		IP4_CLIENT,                   /* dst 192.0.2.10 */
		0x03, 0x03, 0x00, 0x00,       /* ICMP: unreachable, port, checksum */
		0x00, 0x00, 0x00, 0x00,       /* unused */
		0x45, 0x00, 0x00, 0x1c,       /* quoted IPv4, cut after 10 bytes */
		0x00, 0x02, 0x00, 0x00,
		0x01, 0x11,
	};
	/* clang-format on */
	struct dec *d = *state;

	dec_full(d, pkt, sizeof pkt, VG_LINK_IPV4);
	assert_anomaly(&d->p, VG_ANOM_ICMP_INNER_TRUNCATED);
	assert_false(vg_anomaly_fatal(VG_ANOM_ICMP_INNER_TRUNCATED));
	assert_int_equal(d->p.flags, VG_PKT_IP | VG_PKT_ICMP_ERR);
	assert_int_equal(d->p.icmp_type, 3);
	assert_int_equal(d->st.anomalies[VG_ANOM_ICMP_INNER_TRUNCATED], 1);
}

/* Options of a length other than their kind's are skipped, not read. */
static void test_tcp_odd_option_lengths(void **state)
{
	/* clang-format off */
	static const uint8_t pkt[] = {
		0x45, 0x00, 0x00, 0x34,       /* IPv4: ver 4, ihl 5, tos 0, total 52 */
		0x00, 0x01, 0x00, 0x00,       /* id 1, no flags, offset 0 */
		0x40, 0x06, 0x00, 0x00,       /* ttl 64, proto TCP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_SERVER,                   /* dst 198.51.100.20 */
		0xc7, 0x38, 0x00, 0x50,       /* TCP: sport 51000, dport 80 */
		0x00, 0x00, 0x00, 0x01,       /* seq 1 */
		0x00, 0x00, 0x00, 0x00,       /* ack 0 */
		0x80, 0x02, 0x10, 0x00,       /* data offset 8 (32 bytes), SYN, window 4096 */
		0x00, 0x00, 0x00, 0x00,       /* checksum, urgent pointer */
		0x08, 0x06, 0x00, 0x00,       /* timestamps with length 6 (not 10) ... */
		0x00, 0x01, 0x03, 0x02,       /* ...; window scale with length 2 (not 3) */
		0x02, 0x03, 0x05, 0x00,       /* MSS with length 3 (not 4); end of options */
	};
	/* clang-format on */
	struct dec *d = *state;

	dec_full(d, pkt, sizeof pkt, VG_LINK_IPV4);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.tcp.hlen, 32);
	assert_int_equal(d->p.tcp.has_ts, 0);
	assert_int_equal(d->p.tcp.wscale, 0xff);
	assert_int_equal(d->p.tcp.mss, 0);
	assert_int_equal(d->p.dport, 80);
}

/* RFC 2675 jumbogram: payload length 0 behind a hop-by-hop header; the
 * length comes from the wire, and UDP's length may be 0 too. */
/* The two option layouts vg_tcp_options reads without its walk (MSS
 * alone in 24 bytes; NOP, NOP, timestamps in 32), and near misses that
 * take the walk, over Ethernet (the fast path) and raw IPv4 (the layers
 * in turn). */
static void test_tcp_option_layouts(void **state)
{
	static const struct {
		uint8_t doff; /* data offset byte */
		uint8_t opt[12];
		int anomaly;
		uint16_t mss;
		uint8_t wscale, sack_ok, has_ts;
	} cases[] = {
	    {0x60, {2, 4, 0x05, 0xb4}, VG_ANOM_NONE, 1460, 0xff, 0, 0},
	    {0x60, {2, 4, 0x00, 0x00}, VG_ANOM_NONE, 0, 0xff, 0, 0},
	    {0x60, {2, 5, 0x05, 0xb4}, VG_ANOM_TCP_BAD_OPTIONS, 0, 0xff, 0, 0},
	    {0x60, {2, 3, 0x05, 0x00}, VG_ANOM_NONE, 0, 0xff, 0, 0},
	    {0x60, {3, 3, 7, 0}, VG_ANOM_NONE, 0, 7, 0, 0},
	    {0x60, {1, 1, 4, 2}, VG_ANOM_NONE, 0, 0xff, 1, 0},
	    {0x80, {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, VG_ANOM_NONE, 0, 0xff, 0, 1},
	    {0x80, {1, 1, 8, 9, 0, 0, 0, 1, 0, 0, 0, 0}, VG_ANOM_NONE, 0, 0xff, 0, 0},
	    {0x80, {1, 1, 8, 9, 0, 0, 0, 1, 0, 0, 0, 2}, VG_ANOM_TCP_BAD_OPTIONS, 0, 0xff, 0, 0},
	    {0x80, {1, 1, 8, 11, 0, 0, 0, 1, 0, 0, 0, 2}, VG_ANOM_TCP_BAD_OPTIONS, 0, 0xff, 0, 0},
	    {0x80, {1, 0, 8, 10}, VG_ANOM_NONE, 0, 0xff, 0, 0},
	    {0x80, {8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1}, VG_ANOM_NONE, 0, 0xff, 0, 1},
	    {0x80, {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0}, VG_ANOM_NONE, 0, 0xff, 0, 1},
	};
	struct dec *d = *state;
	uint8_t pkt[14 + 20 + 32 + 4];

	for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
		uint32_t hlen = (uint32_t)(cases[i].doff >> 4) * 4, total = 20 + hlen + 4;
		/* clang-format off */
		const uint8_t head[14 + 20 + 20] = {
			ETH_MACS, 0x08, 0x00,
			0x45, 0x00, 0x00, (uint8_t)total, /* IPv4: total */
			0x00, 0x01, 0x40, 0x00,
			0x40, 0x06, 0x00, 0x00,       /* ttl 64, proto TCP */
			IP4_CLIENT, IP4_SERVER,
			0xc7, 0x38, 0x00, 0x50,       /* TCP: sport 51000, dport 80 */
			0, 0, 0, 1, 0, 0, 0, 0,       /* seq 1, ack 0 */
			cases[i].doff, 0x02, 0x10, 0x00, /* data offset, SYN, window */
			0, 0, 0, 0,
		};
		/* clang-format on */
		memcpy(pkt, head, sizeof head);
		memcpy(pkt + sizeof head, cases[i].opt, hlen - 20);
		memcpy(pkt + sizeof head + hlen - 20, "abcd", 4);
		for (int raw = 0; raw < 2; raw++) {
			size_t skip = raw ? 14 : 0, n = 14 + 20 + hlen + 4 - skip;

			dec_full(d, pkt + skip, n, raw ? VG_LINK_IPV4 : VG_LINK_ETHERNET);
			if (d->p.anomaly != cases[i].anomaly || !(d->p.flags & VG_PKT_TCP_OPTS) ||
			    d->p.tcp.hlen != hlen || d->p.tcp.mss != cases[i].mss ||
			    d->p.tcp.wscale != cases[i].wscale ||
			    d->p.tcp.sack_ok != cases[i].sack_ok ||
			    d->p.tcp.has_ts != cases[i].has_ts || d->p.payload_len != 4)
				fail_msg(
				    "case %zu (%s): anomaly %s, mss %u, wscale %u, sack %u, ts %u",
				    i, raw ? "raw" : "ethernet",
				    vg_anomaly_name((enum vg_anomaly)d->p.anomaly), d->p.tcp.mss,
				    d->p.tcp.wscale, d->p.tcp.sack_ok, d->p.tcp.has_ts);
		}
	}
}

static void test_ipv6_jumbogram(void **state)
{
	/* clang-format off */
	static const uint8_t pkt[] = {
		0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
		0x00, 0x00, 0x00, 0x40,       /* payload 0 (jumbo), next hop-by-hop, hop 64 */
		IP6_CLIENT,                   /* src 2001:db8:1::10 */
		IP6_SERVER,                   /* dst 2001:db8:2::20 */
		0x11, 0x00, 0xc2, 0x04,       /* hop-by-hop: next UDP, len 0 (8); jumbo payload */
		0x00, 0x00, 0x00, 0x14,       /* ... length 20 */
		0xa4, 0x10, 0x00, 0x35,       /* UDP: sport 42000, dport 53 */
		0x00, 0x00, 0x00, 0x00,       /* length 0 (jumbo), checksum */
		'a', 'b', 'c', 'd',           /* payload: 4 bytes */
	};
	/* clang-format on */
	struct dec *d = *state;

	dec_full(d, pkt, sizeof pkt, VG_LINK_IPV6);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.flags, VG_PKT_IP | VG_PKT_PORTS);
	assert_int_equal(d->p.dport, 53);
	assert_int_equal(d->p.payload_len, 4);
}

/* Which ICMP types quote a packet (RFC 792, RFC 4443 section 2.1). */
static void test_icmp_error_types(void **state)
{
	static const struct {
		uint8_t type;
		bool error;
	} v4[] = {{3, true},  {4, true},  {5, true},  {11, true}, {12, true},
		  {0, false}, {8, false}, {9, false}, {13, false}},
	  v6[] = {{1, true},    {2, true},    {3, true},    {4, true},
		  {128, false}, {129, false}, {133, false}, {135, false}};
	uint8_t pkt[sizeof eth_icmpv6_port_unreach];
	struct dec *d = *state;

	for (size_t i = 0; i < VG_ARRAY_LEN(v4); i++) {
		memcpy(pkt, eth_icmp_port_unreach, sizeof eth_icmp_port_unreach);
		pkt[34] = v4[i].type;
		dec_full(d, pkt, sizeof eth_icmp_port_unreach, VG_LINK_ETHERNET);
		assert_anomaly(&d->p, VG_ANOM_NONE);
		if (!!(d->p.flags & VG_PKT_ICMP_ERR) != v4[i].error)
			fail_msg("ICMP type %u: error flag %d", v4[i].type,
				 !!(d->p.flags & VG_PKT_ICMP_ERR));
		if (v4[i].error)
			assert_int_equal(d->p.inner.dport, 33434);
	}
	for (size_t i = 0; i < VG_ARRAY_LEN(v6); i++) {
		memcpy(pkt, eth_icmpv6_port_unreach, sizeof eth_icmpv6_port_unreach);
		pkt[54] = v6[i].type;
		dec_full(d, pkt, sizeof eth_icmpv6_port_unreach, VG_LINK_ETHERNET);
		assert_anomaly(&d->p, VG_ANOM_NONE);
		if (!!(d->p.flags & VG_PKT_ICMP_ERR) != v6[i].error)
			fail_msg("ICMPv6 type %u: error flag %d", v6[i].type,
				 !!(d->p.flags & VG_PKT_ICMP_ERR));
		if (v6[i].error)
			assert_int_equal(d->p.inner.dport, 33435);
	}
}

/* An error quoting a non-first fragment has no transport header to read. */
static void test_icmp_inner_non_first_fragment(void **state)
{
	uint8_t pkt[sizeof eth_icmp_port_unreach];
	struct dec *d = *state;

	memcpy(pkt, eth_icmp_port_unreach, sizeof pkt);
	pkt[42 + 6] = 0x00; /* quoted IPv4: no flags ... */
	pkt[42 + 7] = 0xb9; /* ... offset 185 (1480 bytes) */
	dec_full(d, pkt, sizeof pkt, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.flags, VG_PKT_IP | VG_PKT_ICMP_ERR);
	assert_int_equal(d->p.inner.proto, VG_IPPROTO_UDP);
	assert_addr4(&d->p.inner.dst, 198, 51, 100, 20);
	assert_int_equal(d->p.inner.sport, 0);
	assert_int_equal(d->p.inner.dport, 0);
}

static void test_icmpv6_echo(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_icmpv6_echo, sizeof eth_icmpv6_echo, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->family, 6);
	assert_int_equal(p->proto, VG_IPPROTO_ICMPV6);
	assert_int_equal(p->icmp_type, 128);
	assert_int_equal(p->sport, 0x4242);
	assert_int_equal(p->dport, 0x4242);
	assert_false(p->flags & VG_PKT_ICMP_ERR);
	assert_int_equal(p->payload_len, 8);
	assert_int_equal(d->st.icmpv6, 1);
}

static void test_icmpv6_port_unreachable(void **state)
{
	struct dec *d = *state;
	const struct vg_packet *p = &d->p;

	dec_full(d, eth_icmpv6_port_unreach, sizeof eth_icmpv6_port_unreach, VG_LINK_ETHERNET);
	assert_anomaly(p, VG_ANOM_NONE);
	assert_int_equal(p->flags, VG_PKT_IP | VG_PKT_ICMP_ERR | VG_PKT_INNER_PORTS);
	assert_int_equal(p->icmp_type, 1);
	assert_int_equal(p->icmp_code, 4);
	assert_addr6(&p->src, ip6_server);
	assert_int_equal(p->inner.family, 6);
	assert_int_equal(p->inner.proto, VG_IPPROTO_UDP);
	assert_addr6(&p->inner.src, ip6_client);
	assert_addr6(&p->inner.dst, ip6_server);
	assert_int_equal(p->inner.sport, 42016);
	assert_int_equal(p->inner.dport, 33435);
	assert_int_equal(d->st.icmpv6, 1);
}

static void test_link_sll(void **state)
{
	struct dec *d = *state;

	dec_full(d, sll_ipv4_udp, sizeof sll_ipv4_udp, VG_LINK_SLL);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.l3_off, 16);
	assert_int_equal(d->p.family, 4);
	assert_addr4(&d->p.dst, 198, 51, 100, 53);
	assert_int_equal(d->p.sport, 40000);
	assert_int_equal(d->p.dport, 53);

	dec_full(d, sll2_ipv6_udp, sizeof sll2_ipv6_udp, VG_LINK_SLL2);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.l3_off, 20);
	assert_int_equal(d->p.family, 6);
	assert_addr6(&d->p.src, ip6_client);
	assert_int_equal(d->p.sport, 42000);
	assert_int_equal(d->p.dport, 53);
}

static void test_link_raw(void **state)
{
	struct dec *d = *state;

	dec_full(d, raw_ipv4_udp, sizeof raw_ipv4_udp, VG_LINK_IPV4);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.l3_off, 0);
	assert_int_equal(d->p.family, 4);
	assert_int_equal(d->p.dport, 53);

	/* LINKTYPE_RAW: the version nibble picks IPv6. */
	dec_full(d, raw_ipv6_udp, sizeof raw_ipv6_udp, VG_LINK_RAW);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.family, 6);
	assert_int_equal(d->p.ethertype, VG_ETHERTYPE_IPV6);
	assert_int_equal(d->p.sport, 42000);

	/* ... and IPv4, also under the BSD numbers 12 and 14. */
	dec_full(d, raw_ipv4_udp, sizeof raw_ipv4_udp, VG_LINK_RAW_12);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.family, 4);
	dec_full(d, raw_ipv6_udp, sizeof raw_ipv6_udp, VG_LINK_RAW_14);
	assert_int_equal(d->p.family, 6);
	dec_full(d, raw_ipv6_udp, sizeof raw_ipv6_udp, VG_LINK_IPV6);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.dport, 53);
	assert_int_equal(d->st.ipv4, 2);
	assert_int_equal(d->st.ipv6, 3);
}

static void test_link_null_loop(void **state)
{
	struct dec *d = *state;

	dec_full(d, null_le_ipv4_udp, sizeof null_le_ipv4_udp, VG_LINK_NULL);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.family, 4);
	assert_int_equal(d->p.l3_off, 4);
	assert_int_equal(d->p.dport, 53);

	dec_full(d, null_le_ipv6_udp, sizeof null_le_ipv6_udp, VG_LINK_NULL);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.family, 6);
	assert_int_equal(d->p.dport, 53);

	/* NULL from a big-endian writer: the family is byte-swapped. */
	dec_full(d, null_be_ipv4_udp, sizeof null_be_ipv4_udp, VG_LINK_NULL);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.family, 4);
	assert_int_equal(d->p.dport, 53);

	dec_full(d, loop_ipv4_udp, sizeof loop_ipv4_udp, VG_LINK_LOOP);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.family, 4);
	assert_int_equal(d->p.l3_off, 4);
	assert_int_equal(d->p.sport, 40000);

	/* LOOP is always big-endian: the little-endian bytes 02 00 00 00 are
	 * family 0x02000000, not IP. */
	dec_full(d, null_le_ipv4_udp, sizeof null_le_ipv4_udp, VG_LINK_LOOP);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.flags, 0);
	assert_int_equal(d->p.family, 0);
	assert_int_equal(d->st.non_ip, 1);
}

static void test_mpls(void **state)
{
	/* clang-format off */
	static const uint8_t too_deep[] = {
		ETH_MACS, 0x88, 0x47,         /* Ethernet: type MPLS unicast */
		0x00, 0x01, 0x00, 0x40,       /* MPLS: label 16, not bottom (x 9) */
		0x00, 0x01, 0x00, 0x40,
		0x00, 0x01, 0x00, 0x40,
		0x00, 0x01, 0x00, 0x40,
		0x00, 0x01, 0x00, 0x40,
		0x00, 0x01, 0x00, 0x40,
		0x00, 0x01, 0x00, 0x40,
		0x00, 0x01, 0x00, 0x40,
		0x00, 0x01, 0x01, 0x40,       /* MPLS: 9th label, bottom of stack */
		IPV4_UDP_DNS,
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t pseudowire[] = {
		ETH_MACS, 0x88, 0x47,         /* Ethernet: type MPLS unicast */
		0x00, 0x01, 0x01, 0x40,       /* MPLS: label 16, bottom of stack */
		0x00, 0x00, 0x00, 0x00,       /* pseudowire control word (first nibble 0) */
	};
	/* clang-format on */
	struct dec *d = *state;

	dec_full(d, eth_mpls_ipv4_udp, sizeof eth_mpls_ipv4_udp, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.family, 4);
	assert_int_equal(d->p.l3_off, 18);
	assert_int_equal(d->p.dport, 53);

	dec_full(d, eth_mpls2_ipv6_udp, sizeof eth_mpls2_ipv6_udp, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.family, 6);
	assert_int_equal(d->p.l3_off, 22);
	assert_int_equal(d->p.sport, 42000);

	assert_int_equal(VG_MPLS_MAX_DEPTH, 8); /* too_deep has 9 labels */
	dec_full(d, too_deep, sizeof too_deep, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_MPLS_TOO_DEEP);
	assert_false(d->p.flags & VG_PKT_PORTS);

	dec_full(d, pseudowire, sizeof pseudowire, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.flags, 0);
	assert_int_equal(d->st.non_ip, 1);
}

static void test_llc_snap(void **state)
{
	/* clang-format off */
	static const uint8_t stp[] = {
		0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, /* IEEE 802.3: dst STP multicast */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x10, /* src */
		0x00, 0x26,                   /* length 38 */
		0x42, 0x42, 0x03, 0x00,       /* LLC: DSAP/SSAP STP, UI; BPDU protocol 0 ... */
		0x00, 0x00, 0x00, 0x00,       /* ... version 0, type config, flags */
	};
	/* clang-format on */
	struct dec *d = *state;

	dec_full(d, eth_snap_ipv4_udp, sizeof eth_snap_ipv4_udp, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.l3_off, 22);
	assert_int_equal(d->p.family, 4);
	assert_int_equal(d->p.dport, 53);

	dec_full(d, stp, sizeof stp, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.flags, 0);
	assert_int_equal(d->st.non_ip, 1);
}

/* RFC 1858 tiny fragment: the first fragment holds only 8 bytes of TCP.
 * The ports are there and kept; the rest of the header is not. */
static void test_tcp_split_header(void **state)
{
	/* clang-format off */
	static const uint8_t tiny[] = {
		0x45, 0x00, 0x00, 0x1c,       /* IPv4: ver 4, ihl 5, tos 0, total 28 */
		0x50, 0x02, 0x20, 0x00,       /* id 0x5002, MF, offset 0 */
		0x40, 0x06, 0x00, 0x00,       /* ttl 64, proto TCP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_SERVER,                   /* dst 198.51.100.20 */
		0xc7, 0x3b, 0x00, 0x16,       /* TCP: sport 51003, dport 22 */
		0x00, 0x00, 0x00, 0x01,       /* seq 1 (the header ends in the next fragment) */
	};
	/* clang-format on */
	struct dec *d = *state;

	dec_full(d, tiny, sizeof tiny, VG_LINK_IPV4);
	assert_anomaly(&d->p, VG_ANOM_TCP_SPLIT_HEADER);
	assert_false(vg_anomaly_fatal(VG_ANOM_TCP_SPLIT_HEADER));
	assert_int_equal(d->p.flags, VG_PKT_IP | VG_PKT_PORTS | VG_PKT_FRAG | VG_PKT_FRAG_FIRST);
	assert_int_equal(d->p.sport, 51003);
	assert_int_equal(d->p.dport, 22);
	assert_int_equal(d->st.anomalies[VG_ANOM_TCP_SPLIT_HEADER], 1);

	/* The same bytes in an unfragmented datagram: just truncated. */
	{
		uint8_t whole[sizeof tiny];
		memcpy(whole, tiny, sizeof tiny);
		whole[6] = 0x00; /* no MF */
		dec_full(d, whole, sizeof whole, VG_LINK_IPV4);
		assert_anomaly(&d->p, VG_ANOM_TCP_TRUNCATED);
		assert_false(d->p.flags & VG_PKT_PORTS);
	}
	/* A whole first fragment decodes as usual. */
	dec_full(d, eth_ipv4_tcp_frag_first, sizeof eth_ipv4_tcp_frag_first, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.tcp_flags, VG_TH_SYN);
	assert_int_equal(d->p.payload_len, 8);
}

/* A first fragment whose TCP header is whole on the wire but cut by the
 * snaplen is a truncated capture, not a split header: STYLE and decode.h
 * say snaplen truncation is normal, and "split_header" is meant to flag
 * an evasion (RFC 1858). */
static void test_tcp_first_fragment_cut_by_snaplen(void **state)
{
	struct dec *d = *state;

	dec_run(d, eth_ipv4_tcp_frag_first, 14 + 20 + 10, sizeof eth_ipv4_tcp_frag_first,
		VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_TCP_TRUNCATED);
	assert_false(d->p.flags & VG_PKT_PORTS);
}

/* A first fragment with a whole 20-byte TCP header and data offset 4 is a
 * bad header, as it is in an unfragmented datagram: nothing is split. */
static void test_tcp_first_fragment_bad_hlen(void **state)
{
	uint8_t pkt[sizeof eth_ipv4_tcp_frag_first];
	struct dec *d = *state;

	memcpy(pkt, eth_ipv4_tcp_frag_first, sizeof pkt);
	pkt[14 + 20 + 12] = 0x40; /* data offset 4 */
	dec_full(d, pkt, sizeof pkt, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_TCP_BAD_HLEN);
	assert_false(d->p.flags & VG_PKT_PORTS);
}

/* ---- malformed packets ------------------------------------------------- */

/* Decodes pkt (raw IPv4/IPv6 or Ethernet) and checks a fatal anomaly that
 * leaves no ports and no IP flag. */
static void expect_fatal(struct dec *d, const uint8_t *pkt, size_t caplen, size_t origlen,
			 uint32_t link, enum vg_anomaly want)
{
	memset(&d->st, 0, sizeof d->st);

	dec_run(d, pkt, caplen, origlen, link);
	assert_anomaly(&d->p, want);
	assert_true(vg_anomaly_fatal(want));
	assert_false(d->p.flags & (VG_PKT_IP | VG_PKT_PORTS));
	assert_int_equal(d->st.anomalies[want], 1);
	assert_int_equal(anomaly_total(&d->st), 1);
	assert_int_equal(d->st.packets, 1);
}

static void test_ipv4_bad_ihl(void **state)
{
	/* clang-format off */
	static const uint8_t pkt[] = {
		0x44, 0x00, 0x00, 0x20,       /* IPv4: ver 4, ihl 4 (< 5), tos 0, total 32 */
		0x12, 0x34, 0x00, 0x00,       /* id 0x1234, no flags, offset 0 */
		0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_DNS,                      /* dst 198.51.100.53 */
		0x9c, 0x40, 0x00, 0x35,       /* UDP: sport 40000, dport 53 */
		0x00, 0x0c, 0x00, 0x00,       /* length 12, checksum */
		'a', 'b', 'c', 'd',           /* payload: 4 bytes */
	};
	/* clang-format on */
	struct dec *d = *state;

	expect_fatal(d, pkt, sizeof pkt, sizeof pkt, VG_LINK_IPV4, VG_ANOM_IPV4_BAD_IHL);
	assert_string_equal(vg_anomaly_name(VG_ANOM_IPV4_BAD_IHL), "decode.ipv4.bad_ihl");
}

static void test_ipv4_bad_total_len(void **state)
{
	/* clang-format off */
	static const uint8_t below_ihl[] = {
		0x46, 0x00, 0x00, 0x14,       /* IPv4: ver 4, ihl 6 (24 bytes), tos 0, total 20 */
		0x12, 0x34, 0x00, 0x00,       /* id 0x1234, no flags, offset 0 */
		0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_DNS,                      /* dst 198.51.100.53 */
		0x01, 0x01, 0x01, 0x00,       /* options: NOP, NOP, NOP, end */
		0x9c, 0x40, 0x00, 0x35,       /* UDP: sport 40000, dport 53 */
		0x00, 0x08, 0x00, 0x00,       /* length 8, checksum */
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t beyond_wire[] = {
		0x45, 0x00, 0x01, 0x00,       /* IPv4: ver 4, ihl 5, tos 0, total 256 (> 28) */
		0x12, 0x34, 0x00, 0x00,       /* id 0x1234, no flags, offset 0 */
		0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_DNS,                      /* dst 198.51.100.53 */
		0x9c, 0x40, 0x00, 0x35,       /* UDP: sport 40000, dport 53 */
		0x00, 0x08, 0x00, 0x00,       /* length 8, checksum */
	};
	/* clang-format on */
	struct dec *d = *state;

	expect_fatal(d, below_ihl, sizeof below_ihl, sizeof below_ihl, VG_LINK_IPV4,
		     VG_ANOM_IPV4_BAD_TOTAL_LEN);
	expect_fatal(d, beyond_wire, sizeof beyond_wire, sizeof beyond_wire, VG_LINK_IPV4,
		     VG_ANOM_IPV4_BAD_TOTAL_LEN);
	/* The same bytes are fine if the wire length says the rest was cut
	 * by the snaplen: lengths are checked against the wire. */
	memset(&d->st, 0, sizeof d->st);
	dec_run(d, beyond_wire, sizeof beyond_wire, 256, VG_LINK_IPV4);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.dport, 53);
	assert_string_equal(vg_anomaly_name(VG_ANOM_IPV4_BAD_TOTAL_LEN),
			    "decode.ipv4.bad_total_len");
}

static void test_ip_bad_version(void **state)
{
	/* clang-format off */
	static const uint8_t eth_v5[] = {
		ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
		0x55, 0x00, 0x00, 0x14,       /* "IPv4": ver 5, ihl 5, total 20 */
		0x00, 0x00, 0x00, 0x00,       /* id, flags */
		0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */
		IP4_CLIENT,                   /* src */
		IP4_DNS,                      /* dst */
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t eth_v4_as_v6[] = {
		ETH_MACS, 0x86, 0xdd,         /* Ethernet: type IPv6 */
		IPV4_UDP_DNS,                 /* ... but an IPv4 packet (32 bytes, < 40) */
		0, 0, 0, 0, 0, 0, 0, 0,       /* padding so that 40 bytes are present */
	};
	/* clang-format on */
	struct dec *d = *state;

	expect_fatal(d, eth_v5, sizeof eth_v5, sizeof eth_v5, VG_LINK_ETHERNET,
		     VG_ANOM_IPV4_BAD_VERSION);
	expect_fatal(d, eth_v4_as_v6, sizeof eth_v4_as_v6, sizeof eth_v4_as_v6, VG_LINK_ETHERNET,
		     VG_ANOM_IPV6_BAD_VERSION);
	/* LINKTYPE_IPV4 with an IPv6 packet. */
	expect_fatal(d, raw_ipv6_udp, sizeof raw_ipv6_udp, sizeof raw_ipv6_udp, VG_LINK_IPV4,
		     VG_ANOM_IPV4_BAD_VERSION);
}

static void test_tcp_bad_hlen(void **state)
{
	/* clang-format off */
	static const uint8_t below_5[] = {
		0x45, 0x00, 0x00, 0x28,       /* IPv4: ver 4, ihl 5, tos 0, total 40 */
		0x00, 0x01, 0x00, 0x00,       /* id 1, no flags, offset 0 */
		0x40, 0x06, 0x00, 0x00,       /* ttl 64, proto TCP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_SERVER,                   /* dst 198.51.100.20 */
		0xc7, 0x38, 0x00, 0x50,       /* TCP: sport 51000, dport 80 */
		0x00, 0x00, 0x00, 0x01,       /* seq 1 */
		0x00, 0x00, 0x00, 0x00,       /* ack 0 */
		0x40, 0x02, 0x10, 0x00,       /* data offset 4 (< 5), SYN, window 4096 */
		0x00, 0x00, 0x00, 0x00,       /* checksum, urgent pointer */
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t beyond_segment[] = {
		0x45, 0x00, 0x00, 0x28,       /* IPv4: ver 4, ihl 5, tos 0, total 40 */
		0x00, 0x01, 0x00, 0x00,       /* id 1, no flags, offset 0 */
		0x40, 0x06, 0x00, 0x00,       /* ttl 64, proto TCP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_SERVER,                   /* dst 198.51.100.20 */
		0xc7, 0x38, 0x00, 0x50,       /* TCP: sport 51000, dport 80 */
		0x00, 0x00, 0x00, 0x01,       /* seq 1 */
		0x00, 0x00, 0x00, 0x00,       /* ack 0 */
		0xf0, 0x02, 0x10, 0x00,       /* data offset 15 (60 > 20-byte segment), SYN */
		0x00, 0x00, 0x00, 0x00,       /* checksum, urgent pointer */
	};
	/* clang-format on */
	struct dec *d = *state;

	expect_fatal(d, below_5, sizeof below_5, sizeof below_5, VG_LINK_IPV4,
		     VG_ANOM_TCP_BAD_HLEN);
	expect_fatal(d, beyond_segment, sizeof beyond_segment, sizeof beyond_segment, VG_LINK_IPV4,
		     VG_ANOM_TCP_BAD_HLEN);
}

static void test_udp_bad_len(void **state)
{
	/* clang-format off */
	static const uint8_t below_8[] = {
		0x45, 0x00, 0x00, 0x20,       /* IPv4: ver 4, ihl 5, tos 0, total 32 */
		0x12, 0x34, 0x00, 0x00,       /* id 0x1234, no flags, offset 0 */
		0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_DNS,                      /* dst 198.51.100.53 */
		0x9c, 0x40, 0x00, 0x35,       /* UDP: sport 40000, dport 53 */
		0x00, 0x07, 0x00, 0x00,       /* length 7 (< 8), checksum */
		'a', 'b', 'c', 'd',           /* payload: 4 bytes */
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t beyond_ip[] = {
		0x45, 0x00, 0x00, 0x20,       /* IPv4: ver 4, ihl 5, tos 0, total 32 */
		0x12, 0x34, 0x00, 0x00,       /* id 0x1234, no flags, offset 0 */
		0x40, 0x11, 0x00, 0x00,       /* ttl 64, proto UDP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_DNS,                      /* dst 198.51.100.53 */
		0x9c, 0x40, 0x00, 0x35,       /* UDP: sport 40000, dport 53 */
		0x00, 0x14, 0x00, 0x00,       /* length 20 (> 12 in the IP payload), checksum */
		'a', 'b', 'c', 'd',           /* payload: 4 bytes */
	};
	/* clang-format on */
	struct dec *d = *state;

	expect_fatal(d, below_8, sizeof below_8, sizeof below_8, VG_LINK_IPV4, VG_ANOM_UDP_BAD_LEN);
	expect_fatal(d, beyond_ip, sizeof beyond_ip, sizeof beyond_ip, VG_LINK_IPV4,
		     VG_ANOM_UDP_BAD_LEN);
	assert_string_equal(vg_anomaly_name(VG_ANOM_UDP_BAD_LEN), "decode.udp.bad_len");
}

static void test_ipv6_bad_payload_len(void **state)
{
	/* clang-format off */
	static const uint8_t pkt[] = {
		0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
		0x00, 0x64, 0x11, 0x40,       /* payload 100 (only 12 follow), next UDP, hop 64 */
		IP6_CLIENT,                   /* src 2001:db8:1::10 */
		IP6_SERVER,                   /* dst 2001:db8:2::20 */
		0xa4, 0x10, 0x00, 0x35,       /* UDP: sport 42000, dport 53 */
		0x00, 0x0c, 0x00, 0x00,       /* length 12, checksum */
		'a', 'b', 'c', 'd',           /* payload: 4 bytes */
	};
	/* clang-format on */
	struct dec *d = *state;

	expect_fatal(d, pkt, sizeof pkt, sizeof pkt, VG_LINK_IPV6, VG_ANOM_IPV6_BAD_PAYLOAD_LEN);
	assert_string_equal(vg_anomaly_name(VG_ANOM_IPV6_BAD_PAYLOAD_LEN),
			    "decode.ipv6.bad_payload_len");
}

static void test_ipv6_ext_past_end(void **state)
{
	/* Hop-by-hop of 24 bytes in a payload of 16. */
	/* clang-format off */
	static const uint8_t past_payload[] = {
		0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
		0x00, 0x10, 0x00, 0x40,       /* payload 16, next hop-by-hop, hop 64 */
		IP6_CLIENT,                   /* src 2001:db8:1::10 */
		IP6_SERVER,                   /* dst 2001:db8:2::20 */
		0x11, 0x02, 0x01, 0x14,       /* hop-by-hop: next UDP, len 2 (24 bytes); PadN 20 */
		0, 0, 0, 0,
		0xa4, 0x10, 0x00, 0x35,       /* (bytes that would be UDP) */
		0x00, 0x08, 0x00, 0x00,
	};
	/* clang-format on */
	/* A chain that runs past the datagram ends in a header without room. */
	/* clang-format off */
	static const uint8_t ends_inside[] = {
		0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
		0x00, 0x0c, 0x3c, 0x40,       /* payload 12, next dstopts, hop 64 */
		IP6_CLIENT,                   /* src 2001:db8:1::10 */
		IP6_SERVER,                   /* dst 2001:db8:2::20 */
		0x3c, 0x00, 0x01, 0x04,       /* dstopts: next dstopts, len 0 (8); PadN 4 */
		0, 0, 0, 0,
		0x11, 0x00, 0x01, 0x00,       /* dstopts: only 4 of its 8 bytes */
	};
	/* clang-format on */
	struct dec *d = *state;

	expect_fatal(d, past_payload, sizeof past_payload, sizeof past_payload, VG_LINK_IPV6,
		     VG_ANOM_IPV6_EXT_TRUNCATED);
	expect_fatal(d, ends_inside, sizeof ends_inside, sizeof ends_inside, VG_LINK_IPV6,
		     VG_ANOM_IPV6_EXT_TRUNCATED);
	/* The extension header cut by the snaplen rather than by the length. */
	expect_fatal(d, eth_ipv6_ext_udp, 14 + 40 + 8 + 8 + 12, sizeof eth_ipv6_ext_udp,
		     VG_LINK_ETHERNET, VG_ANOM_IPV6_EXT_TRUNCATED);
	assert_string_equal(vg_anomaly_name(VG_ANOM_IPV6_EXT_TRUNCATED),
			    "decode.ipv6.ext_truncated");
}

static void test_tcp_bad_options(void **state)
{
	struct dec *d = *state;

	dec_full(d, eth_ipv4_tcp_bad_opts, sizeof eth_ipv4_tcp_bad_opts, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_TCP_BAD_OPTIONS);
	assert_false(vg_anomaly_fatal(VG_ANOM_TCP_BAD_OPTIONS));
	/* Non-fatal: the packet keeps its flow. */
	assert_int_equal(d->p.flags, VG_PKT_IP | VG_PKT_PORTS | VG_PKT_TCP_OPTS);
	assert_int_equal(d->p.sport, 51001);
	assert_int_equal(d->p.dport, 443);
	assert_int_equal(d->p.tcp_flags, VG_TH_SYN);
	assert_int_equal(d->p.tcp.mss, 1400); /* parsed before the bad option */
	assert_int_equal(d->p.tcp.wscale, 0xff);
	assert_int_equal(d->st.tcp, 1);
	assert_int_equal(d->st.anomalies[VG_ANOM_TCP_BAD_OPTIONS], 1);
	assert_string_equal(vg_anomaly_name(VG_ANOM_TCP_BAD_OPTIONS), "decode.tcp.bad_options");
}

/* A snaplen that cuts the payload but not the headers is normal. */
static void test_snaplen_truncation(void **state)
{
	struct dec *d = *state;

	dec_run(d, eth_ipv4_tcp_syn, 74, sizeof eth_ipv4_tcp_syn, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.caplen, 74);
	assert_int_equal(d->p.wire_len, 80);
	assert_int_equal(d->p.flags, VG_PKT_IP | VG_PKT_PORTS | VG_PKT_TCP_OPTS);
	assert_int_equal(d->p.payload_len, 6); /* from the wire, not from caplen */
	assert_int_equal(d->p.tcp.mss, 1460);
	assert_int_equal(d->st.bytes_wire, 80);
	assert_int_equal(d->st.bytes_captured, 74);

	/* The same with the IPv6 extension chain, UDP header whole-> */
	dec_run(d, eth_ipv6_ext_udp, 102, sizeof eth_ipv6_ext_udp, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_NONE);
	assert_int_equal(d->p.dport, 53);
	assert_int_equal(d->p.payload_len, 4);

	/* One byte short of the TCP options: an anomaly, no ports. */
	dec_run(d, eth_ipv4_tcp_syn, 73, sizeof eth_ipv4_tcp_syn, VG_LINK_ETHERNET);
	assert_anomaly(&d->p, VG_ANOM_TCP_TRUNCATED);
	assert_false(d->p.flags & VG_PKT_PORTS);
	assert_int_equal(anomaly_total(&d->st), 1);
	assert_string_equal(vg_anomaly_name(VG_ANOM_TCP_TRUNCATED), "decode.tcp.truncated");
}

static void test_link_unsupported(void **state)
{
	struct dec *d = *state;

	dec_full(d, eth_ipv4_udp, sizeof eth_ipv4_udp, 147 /* LINKTYPE_USER0 */);
	assert_anomaly(&d->p, VG_ANOM_LINK_UNSUPPORTED);
	assert_int_equal(d->p.flags, 0);
	assert_int_equal(d->p.sport, 0);
	assert_int_equal(d->st.anomalies[VG_ANOM_LINK_UNSUPPORTED], 1);
	assert_int_equal(d->st.ipv4, 0);
	assert_string_equal(vg_anomaly_name(VG_ANOM_LINK_UNSUPPORTED), "decode.link.unsupported");
}

/* ---- stats and names ---------------------------------------------------- */

static void test_stats_accumulate(void **state)
{
	struct dec *d = *state;

	dec_full(d, eth_ipv4_tcp_syn, sizeof eth_ipv4_tcp_syn, VG_LINK_ETHERNET);
	dec_full(d, eth_ipv4_udp, sizeof eth_ipv4_udp, VG_LINK_ETHERNET);
	dec_full(d, eth_ipv6_tcp, sizeof eth_ipv6_tcp, VG_LINK_ETHERNET);
	dec_full(d, eth_arp_request, sizeof eth_arp_request, VG_LINK_ETHERNET);
	dec_full(d, eth_icmp_echo, sizeof eth_icmp_echo, VG_LINK_ETHERNET);
	dec_full(d, eth_icmpv6_echo, sizeof eth_icmpv6_echo, VG_LINK_ETHERNET);
	dec_full(d, eth_ipv4_frag_middle, sizeof eth_ipv4_frag_middle, VG_LINK_ETHERNET);
	dec_run(d, eth_ipv4_tcp_syn, 40, 40, VG_LINK_ETHERNET);   /* bad_total_len */
	dec_run(d, eth_ipv4_tcp_syn, 40, sizeof eth_ipv4_tcp_syn, /* tcp.truncated */
		VG_LINK_ETHERNET);
	dec_run(d, eth_ipv4_tcp_syn, 20, sizeof eth_ipv4_tcp_syn, /* ipv4.truncated */
		VG_LINK_ETHERNET);
	dec_run(d, eth_ipv4_tcp_syn, 10, sizeof eth_ipv4_tcp_syn, /* eth.truncated */
		VG_LINK_ETHERNET);

	assert_int_equal(d->st.packets, 11);
	assert_int_equal(d->st.bytes_captured, sizeof eth_ipv4_tcp_syn + sizeof eth_ipv4_udp +
						   sizeof eth_ipv6_tcp + sizeof eth_arp_request +
						   sizeof eth_icmp_echo + sizeof eth_icmpv6_echo +
						   sizeof eth_ipv4_frag_middle + 40 + 40 + 20 + 10);
	assert_int_equal(d->st.bytes_wire, sizeof eth_ipv4_tcp_syn + sizeof eth_ipv4_udp +
					       sizeof eth_ipv6_tcp + sizeof eth_arp_request +
					       sizeof eth_icmp_echo + sizeof eth_icmpv6_echo +
					       sizeof eth_ipv4_frag_middle + 40 +
					       3 * sizeof eth_ipv4_tcp_syn);
	/* ipv4 counts headers that passed their checks: SYN, UDP, ICMP,
	 * fragment and the one whose TCP header was cut. */
	assert_int_equal(d->st.ipv4, 5);
	assert_int_equal(d->st.ipv6, 2);
	assert_int_equal(d->st.tcp, 2);
	assert_int_equal(d->st.udp, 1);
	assert_int_equal(d->st.icmp, 1);
	assert_int_equal(d->st.icmpv6, 1);
	assert_int_equal(d->st.arp, 1);
	assert_int_equal(d->st.fragments, 1);
	assert_int_equal(d->st.anomalies[VG_ANOM_NONE], 0);
	assert_int_equal(d->st.anomalies[VG_ANOM_IPV4_BAD_TOTAL_LEN], 1);
	assert_int_equal(d->st.anomalies[VG_ANOM_TCP_TRUNCATED], 1);
	assert_int_equal(d->st.anomalies[VG_ANOM_IPV4_TRUNCATED], 1);
	assert_int_equal(d->st.anomalies[VG_ANOM_ETH_TRUNCATED], 1);
	assert_int_equal(anomaly_total(&d->st), 4);
}

static void test_anomaly_names(void **state)
{
	(void)state;
	assert_string_equal(vg_anomaly_name(VG_ANOM_NONE), "none");
	assert_string_equal(vg_anomaly_name(VG_ANOM_IPV4_TRUNCATED), "decode.ipv4.truncated");
	assert_string_equal(vg_anomaly_name(VG_ANOM_ETH_TRUNCATED), "decode.eth.truncated");
	assert_string_equal(vg_anomaly_name(VG_ANOM_ICMP_INNER_BAD), "decode.icmp.inner_bad");
	assert_string_equal(vg_anomaly_name(VG_ANOM_COUNT), "decode.unknown");
	assert_string_equal(vg_anomaly_name((enum vg_anomaly)(-1)), "decode.unknown");
	assert_false(vg_anomaly_fatal(VG_ANOM_NONE));
	assert_true(vg_anomaly_fatal(VG_ANOM_IPV4_TRUNCATED));
	assert_false(vg_anomaly_fatal(VG_ANOM_COUNT));

	/* Every name is unique and, but for "none", in decode.<layer>.<what>. */
	for (unsigned i = 1; i < VG_ANOM_COUNT; i++) {
		const char *n = vg_anomaly_name((enum vg_anomaly)i);
		assert_true(strncmp(n, "decode.", 7) == 0);
		assert_non_null(strchr(n + 7, '.'));
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(n, vg_anomaly_name((enum vg_anomaly)j));
	}
}

static void test_anomaly_merge(void **state)
{
	(void)state;
	/* A fatal later anomaly wins; a non-fatal one does not replace. */
	assert_int_equal(vg_anomaly_merge(VG_ANOM_NONE, VG_ANOM_TCP_BAD_OPTIONS),
			 VG_ANOM_TCP_BAD_OPTIONS);
	assert_int_equal(vg_anomaly_merge(VG_ANOM_IPV4_BAD_OPTIONS, VG_ANOM_TCP_TRUNCATED),
			 VG_ANOM_TCP_TRUNCATED);
	assert_int_equal(vg_anomaly_merge(VG_ANOM_IPV4_BAD_OPTIONS, VG_ANOM_TCP_BAD_OPTIONS),
			 VG_ANOM_IPV4_BAD_OPTIONS);
	assert_int_equal(vg_anomaly_merge(VG_ANOM_IPV4_BAD_OPTIONS, VG_ANOM_NONE),
			 VG_ANOM_IPV4_BAD_OPTIONS);
}

/* Bad IPv4 options and a truncated TCP header: the fatal one is kept. */
static void test_anomaly_merge_in_decode(void **state)
{
	/* clang-format off */
	static const uint8_t pkt[] = {
		0x46, 0x00, 0x00, 0x24,       /* IPv4: ver 4, ihl 6 (24 bytes), tos 0, total 36 */
		0x00, 0x01, 0x00, 0x00,       /* id 1, no flags, offset 0 */
		0x40, 0x06, 0x00, 0x00,       /* ttl 64, proto TCP, checksum */
		IP4_CLIENT,                   /* src 192.0.2.10 */
		IP4_SERVER,                   /* dst 198.51.100.20 */
		0x07, 0x01, 0x00, 0x00,       /* option record route with length 1 (bad) */
		0xc7, 0x38, 0x00, 0x50,       /* TCP: sport 51000, dport 80 */
		0x00, 0x00, 0x00, 0x01,       /* seq 1 (12 of 20 TCP header bytes) */
		0x00, 0x00, 0x00, 0x00,       /* ack 0 */
	};
	/* clang-format on */
	struct dec *d = *state;

	dec_full(d, pkt, sizeof pkt, VG_LINK_IPV4);
	assert_anomaly(&d->p, VG_ANOM_TCP_TRUNCATED);
	assert_false(d->p.flags & (VG_PKT_PORTS | VG_PKT_IP));
	assert_int_equal(anomaly_total(&d->st), 1);
}

/* ---- every truncation --------------------------------------------------- */

struct trunc_case {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	uint32_t link;
	/* Bytes the decoder must see to give the full result: up to the end of
	 * the last header it reads (for ICMP errors, the quoted ports). */
	size_t hdr_len;
	/* End of the IP datagram (or ARP message): a frame cut before it with
	 * caplen == origlen contradicts its own length fields. */
	size_t ip_end;
};

/* clang-format off */
#define CASE(arr, lt, hdr) {#arr, arr, sizeof arr, lt, hdr, sizeof arr}

static const struct trunc_case trunc_cases[] = {
	CASE(eth_ipv4_tcp_syn, VG_LINK_ETHERNET, 14 + 20 + 40),
	CASE(eth_ipv4_udp, VG_LINK_ETHERNET, 14 + 20 + 8),
	{"eth_ipv4_udp_padded", eth_ipv4_udp_padded, sizeof eth_ipv4_udp_padded,
	 VG_LINK_ETHERNET, 14 + 20 + 8, 14 + 32},
	CASE(eth_ipv4_opts_udp, VG_LINK_ETHERNET, 14 + 28 + 8),
	CASE(eth_ipv4_frag_first, VG_LINK_ETHERNET, 14 + 20 + 8),
	CASE(eth_ipv4_frag_middle, VG_LINK_ETHERNET, 14 + 20),
	CASE(eth_vlan_udp, VG_LINK_ETHERNET, 18 + 20 + 8),
	CASE(eth_qinq_udp, VG_LINK_ETHERNET, 22 + 20 + 8),
	CASE(eth_vlan_old_qinq_udp, VG_LINK_ETHERNET, 22 + 20 + 8),
	CASE(eth_vlan4_udp, VG_LINK_ETHERNET, 30 + 20 + 8),
	CASE(eth_arp_request, VG_LINK_ETHERNET, 14 + 28),
	CASE(eth_ipv6_tcp, VG_LINK_ETHERNET, 14 + 40 + 20),
	CASE(eth_ipv6_ext_udp, VG_LINK_ETHERNET, 14 + 40 + 40 + 8),
	CASE(eth_ipv6_frag_first, VG_LINK_ETHERNET, 14 + 40 + 8 + 8),
	CASE(eth_ipv6_frag_last, VG_LINK_ETHERNET, 14 + 40 + 8),
	CASE(eth_ipv6_ah_tcp, VG_LINK_ETHERNET, 14 + 40 + 24 + 20),
	CASE(eth_icmp_echo, VG_LINK_ETHERNET, 14 + 20 + 8),
	CASE(eth_icmp_port_unreach, VG_LINK_ETHERNET, 14 + 20 + 8 + 20 + 4),
	CASE(eth_icmpv6_echo, VG_LINK_ETHERNET, 14 + 40 + 8),
	CASE(eth_icmpv6_port_unreach, VG_LINK_ETHERNET, 14 + 40 + 8 + 40 + 4),
	CASE(sll_ipv4_udp, VG_LINK_SLL, 16 + 20 + 8),
	CASE(sll2_ipv6_udp, VG_LINK_SLL2, 20 + 40 + 8),
	CASE(raw_ipv4_udp, VG_LINK_IPV4, 20 + 8),
	CASE(raw_ipv6_udp, VG_LINK_RAW, 40 + 8),
	CASE(null_le_ipv4_udp, VG_LINK_NULL, 4 + 20 + 8),
	CASE(null_le_ipv6_udp, VG_LINK_NULL, 4 + 40 + 8),
	CASE(null_be_ipv4_udp, VG_LINK_NULL, 4 + 20 + 8),
	CASE(loop_ipv4_udp, VG_LINK_LOOP, 4 + 20 + 8),
	CASE(eth_ipv4_tcp_bad_opts, VG_LINK_ETHERNET, 14 + 20 + 28),
	CASE(eth_mpls_ipv4_udp, VG_LINK_ETHERNET, 18 + 20 + 8),
	CASE(eth_mpls2_ipv6_udp, VG_LINK_ETHERNET, 22 + 40 + 8),
};
/* clang-format on */

/* What must not change when only payload is cut. */
static void assert_same_result(const struct trunc_case *tc, size_t n, const struct vg_packet *a,
			       const struct vg_packet *b)
{
	if (a->anomaly != b->anomaly || a->flags != b->flags || a->sport != b->sport ||
	    a->dport != b->dport || a->payload_len != b->payload_len || a->proto != b->proto ||
	    a->family != b->family || a->ttl != b->ttl || a->tcp_flags != b->tcp_flags ||
	    a->icmp_type != b->icmp_type || a->vlan_depth != b->vlan_depth ||
	    a->vlan[0] != b->vlan[0] || a->vlan[1] != b->vlan[1] ||
	    memcmp(&a->src, &b->src, sizeof a->src) != 0 ||
	    memcmp(&a->dst, &b->dst, sizeof a->dst) != 0)
		fail_msg("%s cut to %zu of %zu bytes: result differs from the whole packet "
			 "(anomaly %s, flags 0x%x, ports %u/%u, payload %u)",
			 tc->name, n, tc->len, vg_anomaly_name((enum vg_anomaly)a->anomaly),
			 a->flags, a->sport, a->dport, a->payload_len);
	if ((a->flags & VG_PKT_INNER_PORTS) &&
	    (a->inner.sport != b->inner.sport || a->inner.dport != b->inner.dport ||
	     memcmp(&a->inner.src, &b->inner.src, sizeof a->inner.src) != 0))
		fail_msg("%s cut to %zu: quoted header differs", tc->name, n);
	if ((a->flags & VG_PKT_TCP_OPTS) &&
	    (a->tcp.mss != b->tcp.mss || a->tcp.wscale != b->tcp.wscale ||
	     a->tcp.sack_ok != b->tcp.sack_ok || a->tcp.has_ts != b->tcp.has_ts))
		fail_msg("%s cut to %zu: TCP options differ", tc->name, n);
}

/* What holds for any input. */
static void assert_sane(const struct trunc_case *tc, size_t n, const struct dec *d)
{
	const struct vg_packet *p = &d->p;

	if (p->anomaly >= VG_ANOM_COUNT)
		fail_msg("%s cut to %zu: anomaly %u out of range", tc->name, n, p->anomaly);
	if (vg_anomaly_fatal((enum vg_anomaly)p->anomaly) &&
	    (p->flags & (VG_PKT_IP | VG_PKT_PORTS)))
		fail_msg("%s cut to %zu: fatal %s but flags 0x%x", tc->name, n,
			 vg_anomaly_name((enum vg_anomaly)p->anomaly), p->flags);
	if ((p->flags & VG_PKT_PORTS) && (size_t)p->l4_off + 4 > n)
		fail_msg("%s cut to %zu: ports read at offset %u, beyond caplen", tc->name, n,
			 p->l4_off);
	if ((p->flags & VG_PKT_IP) && (size_t)p->l3_off >= n)
		fail_msg("%s cut to %zu: IP header at %u, beyond caplen", tc->name, n, p->l3_off);
	if (d->st.packets != 1 || anomaly_total(&d->st) != (p->anomaly != VG_ANOM_NONE))
		fail_msg("%s cut to %zu: stats do not match the packet", tc->name, n);
}

static void test_every_truncation(void **state)
{
	struct dec *d = *state, *whole = d + 1;

	for (size_t i = 0; i < VG_ARRAY_LEN(trunc_cases); i++) {
		const struct trunc_case *tc = &trunc_cases[i];

		assert_true(tc->hdr_len <= tc->len && tc->ip_end <= tc->len);
		dec_full(whole, tc->bytes, tc->len, tc->link);
		/* The fixtures themselves: clean but for the bad-options one. */
		if (tc->bytes != eth_ipv4_tcp_bad_opts && whole->p.anomaly != VG_ANOM_NONE)
			fail_msg("%s: whole packet gives %s", tc->name,
				 vg_anomaly_name((enum vg_anomaly)whole->p.anomaly));

		for (size_t n = 0; n < tc->len; n++) {
			/* Cut by the snaplen: the wire length is the whole. */
			memset(&d->st, 0, sizeof d->st);
			dec_run(d, tc->bytes, n, tc->len, tc->link);
			assert_sane(tc, n, d);
			if (n < tc->hdr_len && d->p.anomaly == VG_ANOM_NONE)
				fail_msg("%s cut to %zu of %zu bytes (headers %zu): no anomaly",
					 tc->name, n, tc->len, tc->hdr_len);
			if (n < tc->hdr_len && !vg_anomaly_fatal((enum vg_anomaly)d->p.anomaly) &&
			    d->p.anomaly != VG_ANOM_ICMP_INNER_TRUNCATED)
				fail_msg("%s cut to %zu: non-fatal %s for a cut header", tc->name,
					 n, vg_anomaly_name((enum vg_anomaly)d->p.anomaly));
			if (n >= tc->hdr_len)
				assert_same_result(tc, n, &d->p, &whole->p);

			/* A frame that is itself short: its length fields lie. */
			memset(&d->st, 0, sizeof d->st);
			dec_run(d, tc->bytes, n, n, tc->link);
			assert_sane(tc, n, d);
			if (n < tc->ip_end && d->p.anomaly == VG_ANOM_NONE)
				fail_msg("%s cut to %zu with origlen %zu: no anomaly", tc->name, n,
					 n);
		}
	}
}

/* Malformed packets get the same treatment: whatever their prefix, no
 * read past caplen and a consistent result. */
static void test_every_truncation_malformed(void **state)
{
	/* clang-format off */
	static const uint8_t ipv6_ext_too_long[] = {
		0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6, traffic class 0, flow 0 */
		0x00, 0x18, 0x00, 0x40,       /* payload 24, next hop-by-hop, hop 64 */
		IP6_CLIENT,                   /* src 2001:db8:1::10 */
		IP6_SERVER,                   /* dst 2001:db8:2::20 */
		0x2b, 0xff, 0x01, 0x00,       /* hop-by-hop: next routing, len 255 (2048) */
		0, 0, 0, 0,
		0x11, 0x00, 0x00, 0x00,       /* (never reached) */
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t icmp_inner_ihl15[] = {
		0x45, 0x00, 0x00, 0x38,       /* IPv4: ver 4, ihl 5, tos 0, total 56 */
		0x00, 0x08, 0x00, 0x00,       /* id 8, no flags, offset 0 */
		0x40, 0x01, 0x00, 0x00,       /* ttl 64, proto ICMP, checksum */
		IP4_SERVER,                   /* src 198.51.100.20 */
		IP4_CLIENT,                   /* dst 192.0.2.10 */
		0x0b, 0x00, 0x00, 0x00,       /* ICMP: time exceeded, checksum */
		0x00, 0x00, 0x00, 0x00,       /* unused */
		0x4f, 0x00, 0x00, 0x1c,       /* quoted IPv4: ihl 15 (60 bytes, only 28 quoted) */
		0x00, 0x02, 0x00, 0x00,       /* id 2, no flags, offset 0 */
		0x01, 0x06, 0x00, 0x00,       /* ttl 1, proto TCP */
		IP4_CLIENT,                   /* src */
		IP4_SERVER,                   /* dst */
		0xc7, 0x38, 0x01, 0xbb,       /* (bytes inside the quoted options) */
		0x00, 0x00, 0x00, 0x01,
	};
	/* clang-format on */
	static const struct trunc_case bad[] = {
	    {"ipv6_ext_too_long", ipv6_ext_too_long, sizeof ipv6_ext_too_long, VG_LINK_IPV6, 0, 0},
	    {"icmp_inner_ihl15", icmp_inner_ihl15, sizeof icmp_inner_ihl15, VG_LINK_IPV4, 0, 0},
	};
	/* Valid packets whose prefixes may legitimately decode clean or with a
	 * non-fatal anomaly: an 802.3 frame cut inside its LLC header is just
	 * non-IP, and a TCP first fragment cut inside its header is reported
	 * as split. Only the invariants are checked. */
	static const struct trunc_case loose[] = {
	    {"eth_snap_ipv4_udp", eth_snap_ipv4_udp, sizeof eth_snap_ipv4_udp, VG_LINK_ETHERNET, 0,
	     0},
	    {"eth_ipv4_tcp_frag_first", eth_ipv4_tcp_frag_first, sizeof eth_ipv4_tcp_frag_first,
	     VG_LINK_ETHERNET, 0, 0},
	};
	struct dec *d = *state;

	for (size_t i = 0; i < VG_ARRAY_LEN(bad); i++) {
		const struct trunc_case *tc = &bad[i];
		for (size_t n = 0; n <= tc->len; n++) {
			memset(&d->st, 0, sizeof d->st);
			dec_run(d, tc->bytes, n, tc->len, tc->link);
			assert_sane(tc, n, d);
			assert_int_not_equal(d->p.anomaly, VG_ANOM_NONE);
			assert_false(d->p.flags & VG_PKT_INNER_PORTS);
		}
	}
	for (size_t i = 0; i < VG_ARRAY_LEN(loose); i++) {
		const struct trunc_case *tc = &loose[i];
		for (size_t n = 0; n <= tc->len; n++) {
			memset(&d->st, 0, sizeof d->st);
			dec_run(d, tc->bytes, n, tc->len, tc->link);
			assert_sane(tc, n, d);
			memset(&d->st, 0, sizeof d->st);
			dec_run(d, tc->bytes, n, n, tc->link);
			assert_sane(tc, n, d);
		}
	}
}

/* vg_decode's fast path (Ethernet, IPv4 or IPv6, TCP or UDP) against
 * vg_decode_ref, each layer's decoder in turn: the same bytes in every
 * field and the same counters, whatever the packet. Both start from the
 * same garbage, so a field one writes and the other does not shows. The
 * packets: those of the table and, for those the fast path takes, every
 * header byte set to a few values (version, IHL, protocol, lengths,
 * flags, data offset, UDP length); each cut at every length, with
 * three wire lengths. */
static void check_fast_matches_ref(const char *name, const uint8_t *b, size_t len, size_t caplen,
				   size_t origlen, uint32_t link)
{
	struct vg_decode_stats st_fast, st_ref;
	struct vg_packet p_fast, p_ref;
	struct vg_pkt_rec rec;
	uint8_t *buf = dup_exact(b, caplen);

	memset(&rec, 0, sizeof rec);
	rec.data = buf;
	rec.caplen = (uint32_t)caplen;
	rec.origlen = (uint32_t)origlen;
	rec.ts_ns = 1700000000123456789ull;
	rec.linktype = link;
	memset(&st_fast, 0, sizeof st_fast);
	memset(&st_ref, 0, sizeof st_ref);
	memset(&p_fast, 0xa5, sizeof p_fast);
	memset(&p_ref, 0xa5, sizeof p_ref);
	vg_decode(&st_fast, &rec, &p_fast);
	vg_decode_ref(&st_ref, &rec, &p_ref);
	free(buf);
	if (memcmp(&p_fast, &p_ref, sizeof p_fast) != 0)
		fail_msg(
		    "%s (%zu of %zu bytes, wire %zu): fast path fields differ (anomaly %s / "
		    "%s, flags 0x%x / 0x%x)",
		    name, caplen, len, origlen, vg_anomaly_name((enum vg_anomaly)p_fast.anomaly),
		    vg_anomaly_name((enum vg_anomaly)p_ref.anomaly), p_fast.flags, p_ref.flags);
	if (memcmp(&st_fast, &st_ref, sizeof st_fast) != 0)
		fail_msg("%s (%zu of %zu bytes, wire %zu): fast path counters differ", name, caplen,
			 len, origlen);
}

static void check_fast_every_cut(const char *name, const uint8_t *b, size_t len, uint32_t link)
{
	for (size_t n = 0; n <= len; n++) {
		check_fast_matches_ref(name, b, len, n, len, link);
		check_fast_matches_ref(name, b, len, n, n, link);
		check_fast_matches_ref(name, b, len, n, len + 1000, link);
	}
}

/* check_fast_every_cut on the frame b with each byte from the EtherType
 * (12) to hdr varied: values that make or break a header (versions,
 * lengths, protocols, EtherTypes of IP and of tags) and single bits. */
static void vary_each_byte(const char *name, const uint8_t *b, size_t len, size_t hdr)
{
	uint8_t buf[512];

	assert_true(len <= sizeof buf && hdr <= len);
	for (size_t at = 12; at < hdr; at++) {
		const uint8_t orig = b[at];
		const uint8_t vals[] = {0x00,
					0xff,
					0x45,
					0x50,
					0x06,
					0x11,
					0x81,
					0x88,
					0xa8,
					0x91,
					0x08,
					0x86,
					0xdd,
					(uint8_t)(orig ^ 0x01),
					(uint8_t)(orig ^ 0x20),
					(uint8_t)(orig ^ 0x80)};
		for (size_t v = 0; v < sizeof vals; v++) {
			memcpy(buf, b, len);
			buf[at] = vals[v];
			check_fast_every_cut(name, buf, len, VG_LINK_ETHERNET);
		}
	}
}

static void test_fast_path_matches_reference(void **state)
{
	/* clang-format off */
	static const uint8_t eth_ipv4_tcp_ack[] = {
		ETH_MACS, 0x08, 0x00,         /* Ethernet: type IPv4 */
		0x45, 0x00, 0x00, 0x2c,       /* IPv4: ver 4, ihl 5, total 44 */
		0x00, 0x07, 0x40, 0x00,       /* id 7, DF */
		0x40, 0x06, 0x00, 0x00,       /* ttl 64, proto TCP */
		IP4_CLIENT, IP4_SERVER,
		0xc7, 0x38, 0x00, 0x50,       /* TCP: sport 51000, dport 80 */
		0x01, 0x02, 0x03, 0x05,       /* seq */
		0x0a, 0x0b, 0x0c, 0x0d,       /* ack */
		0x50, 0x18, 0x01, 0xf5,       /* data offset 5, PSH ACK, window 501 */
		0x00, 0x00, 0x00, 0x00,       /* checksum, urgent pointer */
		'a', 'b', 'c', 'd',           /* payload: 4 bytes */
	};
	/* IPv6 + UDP, 16 bytes of payload: long enough for the fast path. */
	static const uint8_t eth_ipv6_udp_long[] = {
		ETH_MACS, 0x86, 0xdd,         /* Ethernet: type IPv6 */
		0x60, 0x00, 0x00, 0x00,       /* IPv6: ver 6 */
		0x00, 0x18, 0x11, 0x40,       /* payload 24, next UDP, hop limit 64 */
		IP6_CLIENT, IP6_SERVER,
		0xa4, 0x10, 0x01, 0xbb,       /* UDP: sport 42000, dport 443 */
		0x00, 0x18, 0x00, 0x00,       /* length 24, checksum */
		'0', '1', '2', '3', '4', '5', '6', '7',
		'8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
	};
	/* clang-format on */
	static const struct {
		const char *name;
		const uint8_t *bytes;
		size_t len, hdr; /* bytes varied: [12, hdr) */
	} fast[] = {
	    {"eth_ipv4_udp", eth_ipv4_udp, sizeof eth_ipv4_udp, 14 + 20 + 8},
	    {"eth_ipv6_udp_long", eth_ipv6_udp_long, sizeof eth_ipv6_udp_long, 14 + 40 + 8},
	    {"eth_ipv4_tcp_ack", eth_ipv4_tcp_ack, sizeof eth_ipv4_tcp_ack, 14 + 20 + 20},
	    {"eth_ipv4_tcp_syn", eth_ipv4_tcp_syn, sizeof eth_ipv4_tcp_syn, 14 + 20 + 40},
	    {"eth_ipv6_tcp", eth_ipv6_tcp, sizeof eth_ipv6_tcp, 14 + 40 + 20},
	    {"eth_ipv4_tcp_bad_opts", eth_ipv4_tcp_bad_opts, sizeof eth_ipv4_tcp_bad_opts,
	     14 + 20 + 28},
	    {"eth_ipv4_tcp_frag_first", eth_ipv4_tcp_frag_first, sizeof eth_ipv4_tcp_frag_first,
	     14 + 20 + 20},
	};
	uint8_t buf[256];
	(void)state;

	for (size_t i = 0; i < VG_ARRAY_LEN(trunc_cases); i++)
		check_fast_every_cut(trunc_cases[i].name, trunc_cases[i].bytes, trunc_cases[i].len,
				     trunc_cases[i].link);
	for (size_t i = 0; i < VG_ARRAY_LEN(fast); i++) {
		size_t len = fast[i].len;

		assert_true(len <= sizeof buf && fast[i].hdr <= len);
		check_fast_every_cut(fast[i].name, fast[i].bytes, len, VG_LINK_ETHERNET);
		vary_each_byte(fast[i].name, fast[i].bytes, len, fast[i].hdr);
		/* The same behind one 802.1Q tag (PCP 5, VLAN 0xabc), then
		 * with each byte from the tag's type to the transport header
		 * varied: the tag's id, a second tag, another inner type. */
		uint8_t tagged[sizeof buf + 4];
		static const uint8_t tag[4] = {0x81, 0x00, 0xaa, 0xbc};

		assert_true(len + 4 <= sizeof buf);
		memcpy(tagged, fast[i].bytes, 12);
		memcpy(tagged + 12, tag, 4);
		memcpy(tagged + 16, fast[i].bytes + 12, len - 12);
		check_fast_every_cut(fast[i].name, tagged, len + 4, VG_LINK_ETHERNET);
		vary_each_byte(fast[i].name, tagged, len + 4, fast[i].hdr + 4);
		/* Behind two tags (802.1ad: a provider's outer tag, VLAN 0x123
		 * with PCP 7 and DEI, then 802.1Q 0xabc), each outer type; then
		 * each byte from the outer tag's type to the transport header
		 * varied: a third tag, a single one, the ids' priority bits. */
		static const uint16_t outer[] = {VG_ETHERTYPE_QINQ, VG_ETHERTYPE_QINQ_OLD,
						 VG_ETHERTYPE_VLAN};
		uint8_t qinq[sizeof buf + 8];

		assert_true(len + 8 <= sizeof qinq);
		for (size_t o = 0; o < VG_ARRAY_LEN(outer); o++) {
			const uint8_t otag[4] = {(uint8_t)(outer[o] >> 8), (uint8_t)outer[o], 0xf1,
						 0x23};
			memcpy(qinq, fast[i].bytes, 12);
			memcpy(qinq + 12, otag, 4);
			memcpy(qinq + 16, tag, 4);
			memcpy(qinq + 20, fast[i].bytes + 12, len - 12);
			check_fast_every_cut(fast[i].name, qinq, len + 8, VG_LINK_ETHERNET);
		}
		vary_each_byte(fast[i].name, qinq, len + 8, fast[i].hdr + 8);
	}
}

/* vg_decode_batch: the packets and counters of as many vg_decode calls,
 * and the span of the records' times. */
static void test_decode_batch(void **state)
{
	struct vg_pkt_rec recs[VG_ARRAY_LEN(trunc_cases)];
	struct vg_packet *one = calloc(VG_ARRAY_LEN(trunc_cases), sizeof *one);
	struct vg_packet *batch = calloc(VG_ARRAY_LEN(trunc_cases), sizeof *batch);
	struct vg_decode_stats st_one, st_batch;
	uint64_t first = UINT64_MAX, last = 0, want_first = UINT64_MAX, want_last = 0;
	const unsigned n = VG_ARRAY_LEN(trunc_cases);
	(void)state;

	assert_non_null(one);
	assert_non_null(batch);
	memset(recs, 0, sizeof recs);
	memset(&st_one, 0, sizeof st_one);
	memset(&st_batch, 0, sizeof st_batch);
	for (unsigned i = 0; i < n; i++) {
		recs[i].data = trunc_cases[i].bytes;
		/* Every third one cut by the snaplen. */
		recs[i].caplen = (uint32_t)(i % 3 ? trunc_cases[i].len : trunc_cases[i].len / 2);
		recs[i].origlen = (uint32_t)trunc_cases[i].len;
		/* Times out of order: the span is not the first and the last. */
		recs[i].ts_ns = 1700000000000000000ull + (uint64_t)((i * 7919u) % 101u) * 1000u;
		recs[i].linktype = trunc_cases[i].link;
		if (recs[i].ts_ns < want_first)
			want_first = recs[i].ts_ns;
		if (recs[i].ts_ns > want_last)
			want_last = recs[i].ts_ns;
	}
	memset(one, 0x5a, n * sizeof *one);
	memset(batch, 0x5a, n * sizeof *batch);
	for (unsigned i = 0; i < n; i++)
		vg_decode(&st_one, &recs[i], &one[i]);
	vg_decode_batch(&st_batch, recs, batch, n, &first, &last);
	for (unsigned i = 0; i < n; i++)
		if (memcmp(&one[i], &batch[i], sizeof one[i]) != 0)
			fail_msg("%s: batch decode differs", trunc_cases[i].name);
	assert_memory_equal(&st_one, &st_batch, sizeof st_one);
	assert_int_equal(st_batch.packets, n);
	assert_int_equal(first, want_first);
	assert_int_equal(last, want_last);
	/* A later batch only widens the span. */
	vg_decode_batch(&st_batch, recs + 1, batch, 1, &first, &last);
	assert_int_equal(first, want_first);
	assert_int_equal(last, want_last);
	assert_int_equal(st_batch.packets, n + 1);
	free(one);
	free(batch);
}

#define T(f) cmocka_unit_test_setup_teardown(f, dec_setup, dec_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_eth_ipv4_tcp_syn),
	    T(test_tcp_options_absent),
	    T(test_eth_ipv4_udp),
	    T(test_eth_ipv4_sctp),
	    T(test_eth_ipv4_esp),
	    T(test_eth_padding_not_payload),
	    T(test_ipv4_options),
	    T(test_ipv4_bad_options),
	    T(test_ipv4_fragments),
	    T(test_vlan_8021q),
	    T(test_vlan_qinq),
	    T(test_vlan_too_deep),
	    T(test_arp_request),
	    T(test_arp_truncated),
	    T(test_ipv6_tcp),
	    T(test_ipv6_ext_chain),
	    T(test_ipv6_fragments),
	    T(test_ipv6_atomic_fragment),
	    T(test_ipv6_ah_tcp),
	    T(test_ipv6_ext_too_many),
	    T(test_icmp_echo),
	    T(test_icmp_port_unreachable),
	    T(test_icmp_inner_truncated),
	    T(test_tcp_odd_option_lengths),
	    T(test_tcp_option_layouts),
	    T(test_ipv6_jumbogram),
	    T(test_icmp_error_types),
	    T(test_icmp_inner_non_first_fragment),
	    T(test_icmpv6_echo),
	    T(test_icmpv6_port_unreachable),
	    T(test_link_sll),
	    T(test_link_raw),
	    T(test_link_null_loop),
	    T(test_mpls),
	    T(test_llc_snap),
	    T(test_tcp_split_header),
	    T(test_tcp_first_fragment_cut_by_snaplen),
	    T(test_tcp_first_fragment_bad_hlen),
	    T(test_ipv4_bad_ihl),
	    T(test_ipv4_bad_total_len),
	    T(test_ip_bad_version),
	    T(test_tcp_bad_hlen),
	    T(test_udp_bad_len),
	    T(test_ipv6_bad_payload_len),
	    T(test_ipv6_ext_past_end),
	    T(test_tcp_bad_options),
	    T(test_snaplen_truncation),
	    T(test_link_unsupported),
	    T(test_stats_accumulate),
	    T(test_anomaly_names),
	    T(test_anomaly_merge),
	    T(test_anomaly_merge_in_decode),
	    T(test_every_truncation),
	    T(test_every_truncation_malformed),
	    T(test_fast_path_matches_reference),
	    T(test_decode_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
