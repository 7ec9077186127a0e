/*
 * patserve.c - a small HTTP/1.0 server for the network tests (tests/net,
 * tests/tool): "GET /N" answers N bytes of a fixed pattern, so the peer can
 * check every byte (tests/net/pattern.h). It serves COUNT connections on
 * PORT and exits 0 (or 1 on an error, said on stderr); with "6" it listens
 * on :: (IPv6 and, as Linux makes it, IPv4) rather than 0.0.0.0. Built for
 * the host and run unmodified in keel, or on the host as the peer of a
 * client in keel; `patserve --print N` writes the same N bytes to stdout,
 * for the test to hash what it expects.
 *
 *   patserve PORT COUNT [6]      patserve --print N
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pattern.h"

static int put_pattern(int fd, unsigned long n)
{
	unsigned char buf[8192];
	unsigned long off = 0;

	while (off < n) {
		size_t k = n - off < sizeof(buf) ? n - off : sizeof(buf);
		pat_fill(buf, off, k);
		for (size_t done = 0; done < k;) {
			ssize_t w = write(fd, buf + done, k - done);
			if (w <= 0) {
				perror("patserve: write");
				return -1;
			}
			done += (size_t)w;
		}
		off += k;
	}
	return 0;
}

/* Read the request head (up to the blank line) and answer it. */
static int serve(int c)
{
	char req[2048] = "", head[128];
	size_t len = 0;
	unsigned long n;
	int hl;

	while (len < sizeof(req) - 1 && !strstr(req, "\r\n\r\n")) {
		ssize_t r = read(c, req + len, sizeof(req) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		req[len] = 0;
	}
	req[len] = 0;
	if (sscanf(req, "GET /%lu ", &n) != 1) {
		fprintf(stderr, "patserve: bad request\n");
		return -1;
	}
	hl = snprintf(head, sizeof(head),
		      "HTTP/1.0 200 OK\r\nContent-Length: %lu\r\n\r\n", n);
	if (write(c, head, (size_t)hl) != hl)
		return -1;
	return put_pattern(c, n);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	int s, one = 1, count, err = 0, v6;

	if (argc == 3 && !strcmp(argv[1], "--print"))
		return put_pattern(1, strtoul(argv[2], NULL, 10)) ? 1 : 0;
	v6 = argc == 4 && !strcmp(argv[3], "6");
	if (argc != 3 && !v6) {
		fprintf(stderr, "usage: patserve PORT COUNT [6] | --print N\n");
		return 2;
	}
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a6.sin6_port = a.sin_port;
	count = atoi(argv[2]);
	s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 ||
	    bind(s, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a,
		 v6 ? sizeof(a6) : sizeof(a)) ||
	    listen(s, 8)) {
		perror("patserve: listen");
		return 1;
	}
	printf("patserve: listening on %d\n", atoi(argv[1]));
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			perror("patserve: accept");
			return 1;
		}
		err |= serve(c);
		close(c);
	}
	return err ? 1 : 0;
}
