/*
 * frame.c - Ethernet frames between keel's network devices and lwIP
 * (net/lwip/): a received netbuf becomes a pbuf for the netif's input,
 * an lwIP pbuf chain becomes one netbuf to send. Everything a device or a
 * peer hands in is checked here before lwIP reads it: a frame shorter
 * than an Ethernet header or longer than a pbuf can hold is dropped and
 * counted (lnet_stats). The hosted fuzz target feeds this file.
 */
#include <keel/errno.h>
#include <keel/string.h>
#include "glue.h"

#define FRAME_MAX 0xffffu /* a pbuf's tot_len is 16 bits */

struct lnet_stats lnet_stats;

bool lnet_frame_input(struct netif *nif, struct netbuf *nb)
{
	size_t len = netbuf_frame_len(nb);
	struct pbuf *p;

	if (len < NETDEV_HLEN) {
		lnet_stats.rx_short++;
		netbuf_free(nb);
		return false;
	}
	if (len > FRAME_MAX) {
		lnet_stats.rx_long++;
		netbuf_free(nb);
		return false;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p) {
		lnet_stats.rx_nomem++;
		netbuf_free(nb);
		return false;
	}
	for (struct pbuf *q = p; q; q = q->next) {
		size_t off = (size_t)(p->tot_len - q->tot_len);

		netbuf_copy(nb, off, q->payload, q->len);
	}
	netbuf_free(nb);
	if (nif->input(p, nif) != ERR_OK) {
		lnet_stats.rx_refused++;
		pbuf_free(p);
		return false;
	}
	return true;
}

struct netbuf *lnet_frame_from_pbuf(struct pbuf *p)
{
	struct netbuf *nb = netbuf_alloc(0, p->tot_len);

	if (!nb) {
		lnet_stats.tx_nomem++;
		return NULL;
	}
	pbuf_copy_partial(p, nb->data, p->tot_len, 0);
	return nb;
}
