/*
 * xen-httpwait.c - dom0's first-answer clock for bench/xen-net.sh: starts a new HTTP GET to
 * IP:80 PATH every INTERVAL_MS (a fresh connection each, each given up after 1 s, at most 128 in
 * flight) until one gets a whole "200" answer, then prints dom0's uptime (CLOCK_BOOTTIME, the clock
 * of /proc/uptime and of run.sh's XENBED-TIMES) at that moment, and the number of tries. Overlapping
 * tries: a SYN sent before the guest had its address is lost and Linux would resend it only after
 * 1 s; a new try every INTERVAL_MS does not wait for that. Gives up after LIMIT_S seconds (exit 1).
 * One process, no fork per try (busybox wget costs dom0 ~50 ms a try under TCG).
 * usage: xen-httpwait IP PATH INTERVAL_MS LIMIT_S
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 128

struct
try {
	int fd; /* -1: free */
	int sent; /* the request is out */
	double t0; /* when it started */
	size_t got; /* bytes of the answer so far */
	char buf[4096];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void drop(struct try *t)
{
	close(t->fd);
	t->fd = -1;
}

/* The answer is whole: a 200 status line, the headers' end, and Content-Length bytes after it. */
static int complete(const struct try *t)
{
	const char *end, *cl;
	size_t len;

	if (t->got < 12 || memcmp(t->buf + 9, "200", 3) != 0)
		return 0;
	end = memmem(t->buf, t->got, "\r\n\r\n", 4);
	cl = memmem(t->buf, t->got, "Content-Length:", 15);
	if (!end || !cl || cl > end)
		return 0;
	len = strtoul(cl + 15, NULL, 10);
	return t->got >= (size_t)(end + 4 - t->buf) + len;
}

int main(int argc, char **argv)
{
	static struct try tries[SLOTS];
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(80) };
	char req[512];
	double start, next, limit, interval;
	long n = 0;
	int i;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr,
			"usage: xen-httpwait IP PATH INTERVAL_MS LIMIT_S\n");
		return 2;
	}
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
		 argv[2], argv[1]);
	interval = atof(argv[3]) / 1000;
	start = now();
	limit = start + atof(argv[4]);
	next = start;
	for (i = 0; i < SLOTS; i++)
		tries[i].fd = -1;
	for (;;) {
		struct pollfd pf[SLOTS];
		int idx[SLOTS], np = 0, wait_ms;
		double t = now();

		if (t >= limit) {
			printf("none %ld\n", n);
			return 1;
		}
		if (t >=
		    next) { /* a new try, in a free slot (else the oldest one makes room) */
			int k = -1, old = 0;

			for (i = 0; i < SLOTS && k < 0; i++)
				if (tries[i].fd < 0)
					k = i;
			if (k < 0) {
				for (i = 1; i < SLOTS; i++)
					if (tries[i].t0 < tries[old].t0)
						old = i;
				drop(&tries[old]);
				k = old;
			}
			tries[k].fd =
			    socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (tries[k].fd >= 0) {
				tries[k].sent = 0;
				tries[k].got = 0;
				tries[k].t0 = t;
				n++;
				if (connect(tries[k].fd, (struct sockaddr *)&sa,
					    sizeof(sa)) < 0 &&
				    errno != EINPROGRESS)
					drop(&tries[k]);
			}
			next += interval;
			if (next < t)
				next = t + interval;
		}
		for (i = 0; i < SLOTS; i++) {
			if (tries[i].fd < 0)
				continue;
			if (t - tries[i].t0 > 1.0) {
				drop(&tries[i]);
				continue;
			}
			pf[np].fd = tries[i].fd;
			pf[np].events = tries[i].sent ? POLLIN : POLLOUT;
			idx[np++] = i;
		}
		wait_ms = (int)((next - t) * 1000) + 1;
		if (wait_ms < 1)
			wait_ms = 1;
		if (poll(pf, np, wait_ms) < 0 && errno != EINTR)
			return 2;
		for (i = 0; i < np; i++) {
			struct try *tr = &tries[idx[i]];
			ssize_t r;

			if (!pf[i].revents)
				continue;
			if (!tr->sent) {
				int err = 0;
				socklen_t el = sizeof(err);

				getsockopt(tr->fd, SOL_SOCKET, SO_ERROR, &err,
					   &el);
				if (err || send(tr->fd, req, strlen(req),
						MSG_NOSIGNAL) !=
					       (ssize_t)strlen(req)) {
					drop(
					    tr); /* refused: the guest is up, its server not yet */
					continue;
				}
				tr->sent = 1;
				continue;
			}
			r = read(tr->fd, tr->buf + tr->got,
				 sizeof(tr->buf) - tr->got);
			if (r > 0)
				tr->got += r;
			if (complete(tr)) {
				printf("%.3f %ld\n", now(), n);
				return 0;
			}
			if (r <= 0 || tr->got == sizeof(tr->buf))
				drop(tr);
		}
	}
}
