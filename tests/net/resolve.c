/*
 * resolve.c - a guest program for the network tests (tests/net/dns.sh):
 * resolves NAME with glibc's getaddrinfo (so /etc/resolv.conf, the DNS
 * server it names and UDP through keel's stack), connects to the address
 * it got on PORT, sends "GET /N" and checks that N bytes of patserve's
 * pattern come back. Prints what it resolved; exits 0 only if all of that
 * worked.
 *
 *   resolve NAME PORT N
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* patserve.c's pattern. */
static unsigned char pat(unsigned long i)
{
	return (unsigned char)((i * 2654435761UL) >> 13);
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_family = AF_INET,
				  .ai_socktype = SOCK_STREAM },
			*ai;
	char addr[INET6_ADDRSTRLEN], req[64], buf[8192];
	unsigned long n, got = 0, body = 0;
	int fd, e, in_body = 0;
	ssize_t r;

	if (argc != 4) {
		fprintf(stderr, "usage: resolve NAME PORT N\n");
		return 2;
	}
	n = strtoul(argv[3], NULL, 10);
	e = getaddrinfo(argv[1], argv[2], &hints, &ai);
	if (e) {
		fprintf(stderr, "resolve: %s: %s\n", argv[1], gai_strerror(e));
		return 1;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, addr,
		  sizeof(addr));
	printf("resolve: %s is %s\n", argv[1], addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		perror("resolve: connect");
		return 1;
	}
	snprintf(req, sizeof(req), "GET /%lu HTTP/1.0\r\n\r\n", n);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		perror("resolve: write");
		return 1;
	}
	/* The body follows the first blank line of the answer. */
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			if (!in_body) {
				got = buf[i] == '\n'   ? got + 1
				      : buf[i] == '\r' ? got
						       : 0;
				in_body = got == 2;
				continue;
			}
			if ((unsigned char)buf[i] != pat(body)) {
				fprintf(stderr, "resolve: byte %lu differs\n",
					body);
				return 1;
			}
			body++;
		}
	}
	if (r < 0 || body != n) {
		fprintf(stderr, "resolve: %lu body bytes, want %lu\n", body, n);
		return 1;
	}
	printf("resolve: %lu bytes as sent\n", body);
	freeaddrinfo(ai);
	return 0;
}
