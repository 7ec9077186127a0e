/*
 * netclient.c - both ends of the TAP tests (tests/net/run.sh), an ordinary
 * glibc program run unmodified in keel and on the host in the test's
 * namespace. Every stream and datagram carries the pattern of
 * tests/net/pattern.h, so the receiver checks each byte. ADDR is IPv4 or
 * IPv6; servers listen on :: (both families). Exit status 0 only when
 * everything arrived exactly; 1 with the reason on stderr otherwise.
 *
 *   netclient get ADDR PORT N      fetch "GET /N" from tests/net/patserve.c
 *   netclient put ADDR PORT N      send N bytes, want "ok N" from a sink
 *   netclient sink PORT COUNT      take COUNT streams, answer "ok N" each
 *   netclient udpecho PORT         send datagrams back where they came from,
 *                                  until one that is "quit"
 *   netclient udpping ADDR PORT COUNT  send COUNT datagrams, check echoes
 *   netclient udpquit ADDR PORT    send "quit" (three times, 0.2 s apart)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

#define CHUNK 65536

static unsigned char buf[CHUNK];

static int fail(const char *what)
{
	fprintf(stderr, "netclient: %s: %s\n", what,
		errno ? strerror(errno) : "unexpected");
	return 1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void report(const char *what, unsigned long n, double t0)
{
	double dt = now() - t0;

	printf("netclient: %s %lu bytes in %.2f s (%.0f KiB/s)\n", what, n, dt,
	       dt > 0 ? (double)n / 1024 / dt : 0);
	fflush(stdout);
}

/* ADDR and PORT as a socket address of either family; 0 or -1. */
static int parse_addr(const char *addr, const char *port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a->sin_addr) == 1) {
		a->sin_family = AF_INET;
		a->sin_port = htons((unsigned short)atoi(port));
		*len = sizeof(*a);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)atoi(port));
		*len = sizeof(*a6);
		return 0;
	}
	fprintf(stderr, "netclient: bad address %s\n", addr);
	return -1;
}

static int dial(const char *addr, const char *port, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int s;

	if (parse_addr(addr, port, &ss, &len))
		return -1;
	s = socket(ss.ss_family, type, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&ss, len)) {
		fail("connect");
		return -1;
	}
	return s;
}

/* A socket of TYPE bound to [::]:PORT, for IPv6 and IPv4 alike. */
static int listen_any(const char *port, int type)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	int s, one = 1, zero = 0;

	a.sin6_port = htons((unsigned short)atoi(port));
	s = socket(AF_INET6, type, 0);
	if (s < 0)
		return fail("socket"), -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(s, 8)))
		return fail("bind"), -1;
	return s;
}

/* Read the stream to its end, checking it is the pattern from offset 0;
 * the byte count, or -1 at the first wrong byte or a read error. */
static long read_pattern(int s, unsigned long max)
{
	unsigned long got = 0;

	for (;;) {
		ssize_t r = read(s, buf, sizeof(buf));
		size_t bad;

		if (r < 0)
			return fail("read"), -1;
		if (r == 0)
			return (long)got;
		if (got + (unsigned long)r > max) {
			fprintf(stderr, "netclient: more than %lu bytes\n",
				max);
			return -1;
		}
		bad = pat_check(buf, got, (size_t)r);
		if (bad != (size_t)r) {
			fprintf(stderr,
				"netclient: byte %lu is %#x, want %#x\n",
				got + bad, buf[bad], pat(got + bad));
			return -1;
		}
		got += (unsigned long)r;
	}
}

static int write_all(int s, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(s, p, n);

		if (w <= 0)
			return fail("write");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_pattern(int s, unsigned long n)
{
	for (unsigned long off = 0; off < n;) {
		size_t k = n - off < CHUNK ? n - off : CHUNK;

		pat_fill(buf, off, k);
		if (write_all(s, buf, k))
			return 1;
		off += k;
	}
	return 0;
}

static int get(const char *addr, const char *port, unsigned long n)
{
	char head[1024], req[64];
	size_t hl = 0;
	unsigned long clen;
	double t0 = now();
	long got;
	int s = dial(addr, port, SOCK_STREAM);

	if (s < 0)
		return 1;
	snprintf(req, sizeof(req), "GET /%lu HTTP/1.0\r\n\r\n", n);
	if (write_all(s, (const unsigned char *)req, strlen(req)))
		return 1;
	/* The head one byte at a time, so none of the body is taken. */
	while (hl < sizeof(head) - 1) {
		if (read(s, head + hl, 1) != 1)
			return fail("reading the head");
		head[++hl] = 0;
		if (strstr(head, "\r\n\r\n"))
			break;
	}
	if (strncmp(head, "HTTP/1.0 200 ", 13) ||
	    sscanf(strstr(head, "Content-Length: ") ?: "",
		   "Content-Length: %lu", &clen) != 1 ||
	    clen != n) {
		fprintf(stderr, "netclient: bad answer: %.80s\n", head);
		return 1;
	}
	got = read_pattern(s, n);
	if (got < 0)
		return 1;
	if ((unsigned long)got != n) {
		fprintf(stderr, "netclient: got %ld bytes, want %lu\n", got, n);
		return 1;
	}
	report("got", n, t0);
	return close(s) ? fail("close") : 0;
}

static int put(const char *addr, const char *port, unsigned long n)
{
	char want[64], ans[64] = "";
	size_t al = 0;
	double t0 = now();
	int s = dial(addr, port, SOCK_STREAM);

	if (s < 0 || write_pattern(s, n))
		return 1;
	if (shutdown(s, SHUT_WR))
		return fail("shutdown");
	while (al < sizeof(ans) - 1) {
		ssize_t r = read(s, ans + al, sizeof(ans) - 1 - al);

		if (r < 0)
			return fail("reading the answer");
		if (r == 0)
			break;
		al += (size_t)r;
	}
	ans[al] = 0;
	snprintf(want, sizeof(want), "ok %lu\n", n);
	if (strcmp(ans, want)) {
		fprintf(stderr, "netclient: the sink said '%s', want '%s'\n",
			ans, want);
		return 1;
	}
	report("sent", n, t0);
	return close(s) ? fail("close") : 0;
}

static int sink(const char *port, int count)
{
	int l = listen_any(port, SOCK_STREAM), err = 0;

	if (l < 0)
		return 1;
	printf("netclient: sink on %s\n", port);
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		char ans[64];
		double t0;
		long got;
		int c = accept(l, NULL, NULL);

		if (c < 0)
			return fail("accept");
		t0 = now();
		got = read_pattern(c, ~0UL >> 1);
		if (got < 0) {
			err = 1;
			snprintf(ans, sizeof(ans), "bad\n");
		} else {
			report("received", (unsigned long)got, t0);
			snprintf(ans, sizeof(ans), "ok %ld\n", got);
		}
		err |= write_all(c, (const unsigned char *)ans, strlen(ans));
		close(c);
	}
	return err;
}

static int udpecho(const char *port)
{
	int s = listen_any(port, SOCK_DGRAM);
	unsigned long n = 0;

	if (s < 0)
		return 1;
	printf("netclient: udp echo on %s\n", port);
	fflush(stdout);
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(s, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);

		if (r < 0)
			return fail("recvfrom");
		if (r == 4 && !memcmp(buf, "quit", 4))
			break;
		if (sendto(s, buf, (size_t)r, 0, (struct sockaddr *)&from,
			   fl) != r)
			return fail("sendto");
		n++;
	}
	printf("netclient: echoed %lu datagrams\n", n);
	return 0;
}

static int udpquit(const char *addr, const char *port)
{
	int s = dial(addr, port, SOCK_DGRAM);

	for (int i = 0; s >= 0 && i < 3; i++) {
		if (send(s, "quit", 4, 0) != 4)
			return fail("send");
		usleep(200000);
	}
	return s < 0;
}

/* Datagram i: its number, then the pattern from offset i, 1 + 97 * i % 1400
 * bytes in all. Each is sent up to 3 times, 2 s apart, until its echo
 * comes back whole; an echo of an earlier one is skipped. */
static int udpping(const char *addr, const char *port, int count)
{
	static unsigned char out[1500];
	int s = dial(addr, port, SOCK_DGRAM), lost = 0;

	if (s < 0)
		return 1;
	for (unsigned int i = 0; i < (unsigned int)count; i++) {
		size_t n = 4 + 1 + 97 * i % 1400;
		int tries = 0, ok = 0;

		memcpy(out, &i, 4);
		pat_fill(out + 4, i, n - 4);
		while (!ok && tries++ < 3) {
			struct pollfd p = { .fd = s, .events = POLLIN };

			if (send(s, out, n, 0) != (ssize_t)n)
				return fail("send");
			while (!ok && poll(&p, 1, 2000) == 1) {
				ssize_t r = recv(s, buf, sizeof(buf), 0);

				if (r < 0)
					return fail("recv");
				if (r >= 4 && memcmp(buf, &i, 4))
					continue; /* a late echo */
				if (r != (ssize_t)n || memcmp(buf, out, n)) {
					fprintf(stderr,
						"netclient: echo %u differs\n",
						i);
					return 1;
				}
				ok = 1;
			}
		}
		if (!ok) {
			fprintf(stderr,
				"netclient: no echo of datagram %u (%d resent "
				"before it)\n",
				i, lost);
			return 1;
		}
		lost += tries - 1;
	}
	printf("netclient: %d echoes, %d resent\n", count, lost);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "get"))
		return get(argv[2], argv[3], strtoul(argv[4], NULL, 10));
	if (argc == 5 && !strcmp(argv[1], "put"))
		return put(argv[2], argv[3], strtoul(argv[4], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "sink"))
		return sink(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "udpecho"))
		return udpecho(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "udpquit"))
		return udpquit(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "udpping"))
		return udpping(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr, "usage: netclient get|put ADDR PORT N | sink PORT COUNT"
			" | udpecho PORT | udpping ADDR PORT COUNT"
			" | udpquit ADDR PORT\n");
	return 2;
}
