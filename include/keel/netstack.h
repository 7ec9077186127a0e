/*
 * netstack.h - the protocol stack (lwIP, net/lwip/): started by net/ at
 * boot once the network devices are registered. Its AF_INET and AF_INET6
 * sockets replace the loopback-only family of net/socket_inet.c, unless
 * the command line says keel.net=loopback (then lwIP runs only for the
 * network devices, if there are any).
 */
#ifndef KEEL_NETSTACK_H
#define KEEL_NETSTACK_H

#include <keel/compiler.h>

void netstack_init(void);
/* Wait (boundedly) until DHCP gave the first interface its address, when
 * the command line left it to DHCP; before the program starts. */
void netstack_wait_configured(void);
/* /proc/net/pnp's text (procfs_gen): how the first interface was
 * configured and its DNS servers, in resolv.conf's syntax. */
size_t netstack_pnp(char *buf, size_t len);

#endif
