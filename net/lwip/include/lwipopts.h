/*
 * lwipopts.h - keel's configuration of lwIP 2.1 (net/lwip/): the raw API
 * without an OS layer (NO_SYS), IPv4 and IPv6, TCP, UDP, ICMP (ping
 * sockets on raw PCBs), DHCP, SLAAC, the loopback interface. Every lwIP
 * call runs in kernel threads, serialized by the stack's lock
 * (net/lwip/port.c). Why each choice: docs/net.md, "lwIP".
 */
#ifndef KEEL_LWIPOPTS_H
#define KEEL_LWIPOPTS_H

/* No OS layer: the raw API, timers polled by keel's network thread. */
#define NO_SYS 1
#define LWIP_TIMERS 1
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define SYS_LIGHTWEIGHT_PROT 0 /* never called from interrupts */

/* Memory: keel's heap for everything (no fixed pools to size). */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define PBUF_POOL_SIZE 64 /* unused with MEMP_MEM_MALLOC: a heap cap */
#define PBUF_POOL_BUFSIZE 1536
#define MEMP_NUM_TCP_PCB 1024
#define MEMP_NUM_TCP_PCB_LISTEN 256
#define MEMP_NUM_UDP_PCB 256
#define MEMP_NUM_RAW_PCB 64
#define MEMP_NUM_TCP_SEG 4096
#define MEMP_NUM_REASSDATA 16
#define MEMP_NUM_FRAG_PBUF 64
#define MEMP_NUM_ARP_QUEUE 64
#define MEMP_NUM_ND6_QUEUE 64

/* Protocols. */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_DHCP_DOES_ACD_CHECK 0
#define DHCP_DOES_ARP_CHECK 0 /* no 2 s wait for a lease */
#define LWIP_DNS 1 /* only its table of servers (DHCP fills it) */
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
#define IPV6_FRAG_COPYHEADER 1 /* 64-bit pointers do not fit its header */
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_NUM_ADDRESSES 3
#define LWIP_ND6_ALLOW_RA_UPDATES 1
#define LWIP_ICMP6 1
#define IP_FORWARD 0
#define IP_SOF_BROADCAST 0
#define LWIP_BROADCAST_PING 0
#define SO_REUSE 1
#define LWIP_TCP_KEEPALIVE 1

/* TCP: a 256 KiB window (scaled), a 256 KiB send buffer, Ethernet MSS. */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (256 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT (16 * TCP_MSS) /* lwIP keeps it below 64 KiB */
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 4)
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_BYTES (512 * 1024)
#define TCP_LISTEN_BACKLOG 1
#define LWIP_TCP_SACK_OUT 0
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_TIMESTAMPS 0
/* TIME_WAIT is 2 x TCP_MSL: 60 s, as Linux's TCP_TIMEWAIT_LEN (lwIP's own
 * default is 120 s). A server closes first, so it holds every connection
 * it served that long. */
#define TCP_MSL 30000UL

/* Interfaces: one per network device plus the loopback. */
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NUM_NETIF_CLIENT_DATA 1
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1 /* none on the loopback */
#define ETH_PAD_SIZE 0
#define ARP_QUEUEING 1

/* Checksums: computed by lwIP (the devices' offloads are not used yet). */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_GEN_ICMP6 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1
#define CHECKSUM_CHECK_ICMP6 1
#define LWIP_CHECKSUM_ON_COPY 1

/* Routes a program added (RTM_NEWROUTE) choose the interface, and a
 * destination they cover is on the link (net/lwip/route.c). */
#define LWIP_HOOK_FILENAME "lnet_hooks.h"
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest) lnet_route4(src, dest)
#define LWIP_HOOK_ETHARP_GET_GW(netif, dest) lnet_route4_gw(netif, dest)
#define LWIP_HOOK_IP6_ROUTE(src, dest) lnet_route6(src, dest)
#define LWIP_HOOK_ND6_GET_GW(netif, dest) lnet_route6_gw(netif, dest)

/* Nothing of lwIP's own statistics or debugging. */
#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0

#endif
