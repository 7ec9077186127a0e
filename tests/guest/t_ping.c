/*
 * t_ping.c - ping sockets (tests/guest): SOCK_DGRAM with IPPROTO_ICMP and
 * IPPROTO_ICMPV6 to 127.0.0.1 and ::1, as Linux's ping(8) uses them: the
 * echo reply comes back with the request's sequence number and data and
 * the socket's identifier (getsockname's port), poll shows it, a request
 * of the wrong type is EINVAL, a UDP-only protocol is refused. Linux
 * allows these sockets only to the groups of net.ipv4.ping_group_range,
 * so the host's run may fail; the guest is judged by its own checks.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "check.h"

static void test_ping(int v6)
{
	const char *f = v6 ? "icmp6" : "icmp4";
	int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM,
		       v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	struct sockaddr_in sin = { AF_INET, 0, { htonl(INADDR_LOOPBACK) } };
	struct sockaddr_in6 s6 = { AF_INET6 };
	struct sockaddr_storage me;
	socklen_t len = sizeof(me);
	unsigned char req[16] = { v6 ? 128 : 8, 0,   0,	  0,   0,  0, 0, 7,
				  'h',		'e', 'l', 'l', 'o' },
		      rep[64];
	void *to = v6 ? (void *)&s6 : (void *)&sin;
	socklen_t tolen = v6 ? sizeof(s6) : sizeof(sin);
	struct pollfd pf = { s, POLLIN, 0 };
	char what[64];
	long n;

	s6.sin6_addr = in6addr_loopback;
	snprintf(what, sizeof(what), "%s-socket", f);
	check(what, s >= 0);
	if (s < 0)
		return;
	snprintf(what, sizeof(what), "%s-send", f);
	check_val(what, raw(sendto(s, req, sizeof(req), 0, to, tolen)),
		  sizeof(req));
	snprintf(what, sizeof(what), "%s-poll", f);
	check_val(what, raw(poll(&pf, 1, 5000)), 1);
	snprintf(what, sizeof(what), "%s-reply", f);
	n = raw(recv(s, rep, sizeof(rep), MSG_DONTWAIT));
	check_val(what, n, sizeof(req));
	snprintf(what, sizeof(what), "%s-reply-type", f);
	check_val(what, rep[0], v6 ? 129 : 0);
	snprintf(what, sizeof(what), "%s-reply-data", f);
	check(what, rep[7] == 7 && !memcmp(rep + 8, "hello", 5));
	snprintf(what, sizeof(what), "%s-id", f);
	getsockname(s, (void *)&me, &len);
	check_val(what, rep[4] << 8 | rep[5],
		  ntohs(v6 ? ((struct sockaddr_in6 *)&me)->sin6_port
			   : ((struct sockaddr_in *)&me)->sin_port));
	snprintf(what, sizeof(what), "%s-empty", f);
	check_err(what, raw(recv(s, rep, sizeof(rep), MSG_DONTWAIT)), EAGAIN);
	req[0] = 3; /* not an echo request */
	snprintf(what, sizeof(what), "%s-not-echo", f);
	check_err(what, raw(sendto(s, req, sizeof(req), 0, to, tolen)), EINVAL);
	close(s);
}

int main(void)
{
	test_ping(0);
	test_ping(1);
	check_err("ping-proto-tcp",
		  raw(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP)),
		  EPROTONOSUPPORT);
	printf("t_ping: %d failed\n", fails);
	return fails != 0;
}
