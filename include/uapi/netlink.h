/*
 * uapi/netlink.h - the Linux ABI of netlink sockets and the NETLINK_ROUTE
 * protocol (message headers, attributes, links, addresses, routes), and of
 * the interface ioctls (struct ifreq, struct ifconf, SIOCGIF*), written from
 * netlink(7), rtnetlink(7), netdevice(7) and RFC 3549. No host header
 * included. The socket address, AF_NETLINK and SOL_NETLINK are in
 * uapi/socket.h.
 */
#ifndef UAPI_NETLINK_H
#define UAPI_NETLINK_H

#include <keel/compiler.h>

#define NETLINK_ROUTE 0
#define NETLINK_PROTOCOLS 32 /* MAX_LINKS: protocols 0-31 */

/* SOL_NETLINK options. */
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_PKTINFO 3
#define NETLINK_BROADCAST_ERROR 4
#define NETLINK_NO_ENOBUFS 5
#define NETLINK_LISTEN_ALL_NSID 8
#define NETLINK_LIST_MEMBERSHIPS 9
#define NETLINK_CAP_ACK 10
#define NETLINK_EXT_ACK 11
#define NETLINK_GET_STRICT_CHK 12

struct nlmsghdr {
	uint32_t nlmsg_len; /* header included */
	uint16_t nlmsg_type;
	uint16_t nlmsg_flags;
	uint32_t nlmsg_seq;
	uint32_t nlmsg_pid; /* the sender's port id; replies: the requester's */
};

#define NLMSG_ALIGN(n) (((n) + 3) & ~(__typeof__(n))3)
#define NLMSG_HDRLEN ((uint32_t)sizeof(struct nlmsghdr))

/* nlmsg_flags */
#define NLM_F_REQUEST 0x01
#define NLM_F_MULTI 0x02
#define NLM_F_ACK 0x04
#define NLM_F_ECHO 0x08
#define NLM_F_ROOT 0x100 /* GET requests */
#define NLM_F_MATCH 0x200
#define NLM_F_DUMP (NLM_F_ROOT | NLM_F_MATCH)
#define NLM_F_REPLACE 0x100 /* NEW requests */
#define NLM_F_EXCL 0x200
#define NLM_F_CREATE 0x400
#define NLM_F_DUMP_FILTERED 0x20 /* a dump: filtered as asked */
#define NLM_F_CAPPED 0x100 /* acks: the request is not appended */

/* Control messages (nlmsg_type below NLMSG_MIN_TYPE). */
#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_OVERRUN 4
#define NLMSG_MIN_TYPE 0x10

struct nlmsgerr {
	int32_t error; /* -errno, 0 for an ack */
	struct nlmsghdr msg; /* the request's header (and its payload) */
};

/* One attribute (struct rtattr, struct nlattr): length, type, value. */
struct nlattr {
	uint16_t nla_len; /* header included */
	uint16_t nla_type;
};
#define NLA_HDRLEN ((uint32_t)sizeof(struct nlattr))
#define NLA_TYPE_MASK 0x3fff /* without NLA_F_NESTED, NLA_F_NET_BYTEORDER */

/* NETLINK_ROUTE message types: NEW, DEL, GET, SET of each kind. */
#define RTM_BASE 16
#define RTM_NEWLINK 16
#define RTM_DELLINK 17
#define RTM_GETLINK 18
#define RTM_SETLINK 19
#define RTM_NEWADDR 20
#define RTM_DELADDR 21
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_DELROUTE 25
#define RTM_GETROUTE 26
#define RTM_MAX 123 /* Linux 6.1 */
#define RTM_KIND_GET 2 /* (type - RTM_BASE) % 4 */

/* Multicast groups of NETLINK_ROUTE: 1 to RTNLGRP_MAX (Linux 6.1). */
#define RTNLGRP_MAX 36

/* Every request begins with a family byte (struct rtgenmsg); links: */
struct ifinfomsg {
	uint8_t ifi_family;
	uint8_t ifi_pad;
	uint16_t ifi_type; /* ARPHRD_* */
	int32_t ifi_index;
	uint32_t ifi_flags; /* IFF_* */
	uint32_t ifi_change;
};

#define IFLA_ADDRESS 1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_QDISC 6
#define IFLA_STATS 7
#define IFLA_MASTER 10
#define IFLA_TXQLEN 13
#define IFLA_MAP 14
#define IFLA_LINKINFO 18
#define IFLA_OPERSTATE 16
#define IFLA_LINKMODE 17
#define IFLA_STATS64 23
#define IFLA_GROUP 27
#define IFLA_PROMISCUITY 30
#define IFLA_NUM_TX_QUEUES 31
#define IFLA_NUM_RX_QUEUES 32
#define IFLA_CARRIER 33
#define IFLA_CARRIER_CHANGES 35
#define IFLA_PROTO_DOWN 39
#define IFLA_CARRIER_UP_COUNT 47
#define IFLA_CARRIER_DOWN_COUNT 48
#define IFLA_MIN_MTU 50
#define IFLA_MAX_MTU 51
#define IFLA_ALT_IFNAME 53

#define IF_OPER_UNKNOWN 0
#define IF_OPER_DOWN 2
#define IF_OPER_UP 6

struct rtnl_link_stats64 {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_errors, tx_errors, rx_dropped, tx_dropped, multicast;
	uint64_t collisions, rx_length_errors, rx_over_errors, rx_crc_errors;
	uint64_t rx_frame_errors, rx_fifo_errors, rx_missed_errors;
	uint64_t tx_aborted_errors, tx_carrier_errors, tx_fifo_errors;
	uint64_t tx_heartbeat_errors, tx_window_errors, rx_compressed;
	uint64_t tx_compressed, rx_nohandler, rx_otherhost_dropped;
};
_Static_assert(sizeof(struct rtnl_link_stats64) == 200, "IFLA_STATS64");

struct rtnl_link_stats { /* the same counters, 32 bits, 24 of them */
	uint32_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint32_t rest[20];
};

struct rtnl_link_ifmap {
	uint64_t mem_start, mem_end, base_addr;
	uint16_t irq;
	uint8_t dma, port;
};
_Static_assert(sizeof(struct rtnl_link_ifmap) == 32, "IFLA_MAP");

struct ifaddrmsg {
	uint8_t ifa_family;
	uint8_t ifa_prefixlen;
	uint8_t ifa_flags; /* IFA_F_*, the low 8 bits (all in IFA_FLAGS) */
	uint8_t ifa_scope; /* RT_SCOPE_* */
	uint32_t ifa_index;
};

#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_CACHEINFO 6
#define IFA_FLAGS 8
#define IFA_PROTO 11

#define IFA_F_NODAD 0x02
#define IFA_F_PERMANENT 0x80
#define IFA_F_NOPREFIXROUTE 0x200
#define IFAPROT_KERNEL_LO 1 /* IFA_PROTO: lo's address, made at start */

struct ifa_cacheinfo {
	uint32_t ifa_prefered, ifa_valid; /* seconds; ~0: forever */
	uint32_t cstamp, tstamp; /* hundredths of a second since boot */
};

struct rtmsg {
	uint8_t rtm_family;
	uint8_t rtm_dst_len;
	uint8_t rtm_src_len;
	uint8_t rtm_tos;
	uint8_t rtm_table;
	uint8_t rtm_protocol; /* RTPROT_* */
	uint8_t rtm_scope;
	uint8_t rtm_type; /* RTN_* */
	uint32_t rtm_flags;
};

#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_PRIORITY 6
#define RTA_PREFSRC 7
#define RTA_CACHEINFO 12
#define RTA_TABLE 15
#define RTA_PREF 20

#define RTN_UNICAST 1
#define RTN_LOCAL 2
#define RTN_BROADCAST 3
#define RTN_MULTICAST 5
#define RTPROT_KERNEL 2
#define RTPROT_BOOT 3
#define RTPROT_STATIC 4
#define RTPROT_DHCP 16
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_LINK 253
#define RT_SCOPE_HOST 254
#define RT_TABLE_MAIN 254
#define RT_TABLE_LOCAL 255
#define RTM_F_CLONED 0x200
#define RTM_F_PREFIX 0x800
#define RTNL_FAMILY_IPMR 128
#define RTNL_FAMILY_IP6MR 129

struct rta_cacheinfo {
	uint32_t rta_clntref, rta_lastuse;
	int32_t rta_expires;
	uint32_t rta_error, rta_used, rta_id, rta_ts, rta_tsage;
};

/* Interface flags (netdevice(7)); SIOCGIFFLAGS has the low 16 bits. */
#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK 0x8
#define IFF_RUNNING 0x40
#define IFF_MULTICAST 0x1000
#define IFF_LOWER_UP 0x10000

#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772

/* The interface ioctls. */
#define IFNAMSIZ 16
#define SIOCGIFNAME 0x8910
#define SIOCGIFCONF 0x8912
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCGIFADDR 0x8915
#define SIOCSIFADDR 0x8916
#define SIOCGIFDSTADDR 0x8917
#define SIOCSIFDSTADDR 0x8918
#define SIOCGIFBRDADDR 0x8919
#define SIOCSIFBRDADDR 0x891a
#define SIOCGIFNETMASK 0x891b
#define SIOCSIFNETMASK 0x891c
#define SIOCGIFMETRIC 0x891d
#define SIOCSIFMETRIC 0x891e
#define SIOCGIFMTU 0x8921
#define SIOCSIFMTU 0x8922
#define SIOCSIFNAME 0x8923
#define SIOCSIFHWADDR 0x8924
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFSLAVE 0x8929
#define SIOCADDMULTI 0x8931
#define SIOCDELMULTI 0x8932
#define SIOCGIFINDEX 0x8933
#define SIOCSIFPFLAGS 0x8934
#define SIOCGIFPFLAGS 0x8935
#define SIOCDIFADDR 0x8936
#define SIOCGIFTXQLEN 0x8942
#define SIOCSIFTXQLEN 0x8943
#define SIOCGIFMAP 0x8970
#define SIOCSIFMAP 0x8971
#define SIOCGIFVLAN 0x8982
#define SIOCSIFVLAN 0x8983
#define SIOCBRADDBR 0x89a0
#define SIOCBRDELBR 0x89a1
#define SIOCBRADDIF 0x89a2
#define SIOCBRDELIF 0x89a3
#define SOCK_IOC_TYPE 0x89 /* _IOC_TYPE of the socket ioctls */

struct linux_ifreq {
	char ifr_name[IFNAMSIZ];
	union {
		struct {
			uint16_t family;
			uint8_t data[14];
		} addr; /* struct sockaddr */
		int16_t flags;
		int32_t ivalue; /* ifindex, metric, mtu, qlen */
		struct {
			uint64_t mem_start, mem_end;
			uint16_t base_addr;
			uint8_t irq, dma, port;
		} map;
		uint8_t raw[24];
	};
};
_Static_assert(sizeof(struct linux_ifreq) == 40, "x86-64 struct ifreq");

struct linux_ifconf {
	int32_t ifc_len;
	uint32_t pad;
	uint64_t ifc_buf; /* user pointer */
};

#endif
