/*
 * netstack.h - the protocol stack (lwIP, net/lwip/): started by net/ at
 * boot once the network devices are registered. With a device, or with
 * keel.net=lwip on the command line, lwIP runs; with keel.net=lwip its
 * AF_INET and AF_INET6 sockets replace the loopback-only family.
 */
#ifndef KEEL_NETSTACK_H
#define KEEL_NETSTACK_H

void netstack_init(void);

#endif
