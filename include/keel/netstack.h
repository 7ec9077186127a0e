/*
 * netstack.h - the protocol stack (lwIP, net/lwip/): started by net/ at
 * boot once the network devices are registered. Its AF_INET and AF_INET6
 * sockets replace the loopback-only family of net/socket_inet.c, unless
 * the command line says keel.net=loopback (then lwIP runs only for the
 * network devices, if there are any).
 */
#ifndef KEEL_NETSTACK_H
#define KEEL_NETSTACK_H

void netstack_init(void);

#endif
