/*
 * net.c - starting net/ (from init/main.c): what the layers below show of
 * the network they get from here, since fs/ calls nothing in net/:
 * /proc/net/dev's and /proc/net/pnp's texts and net.core.somaxconn go to
 * fs/procfs.c; then lwIP starts
 * (net/lwip/stack.c) over the devices the drivers registered.
 */
#include <keel/netif.h>
#include <keel/netstack.h>
#include <keel/procfs.h>
#include <keel/socket.h>

void net_init(void)
{
	procfs_provide(PROCFS_NET_DEV, iface_proc_dev);
	procfs_provide(PROCFS_NET_PNP, netstack_pnp);
	procfs_provide_sysctl(PROCFS_SOMAXCONN, sock_gen_somaxconn,
			      sock_set_somaxconn);
	netstack_init();
}
