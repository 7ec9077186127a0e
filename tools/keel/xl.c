/*
 * xl.c - keel xl: a Xen domain configuration next to the kernel and the
 * initrd, so that "xl create -c DIR/keel.cfg" boots the program as a PVH
 * guest. Xen has no exit code: the guest writes its status to xenstore
 * (data/keel/status under the domain's path) and prints it as its last
 * console line (docs/keel.1, docs/xen.md).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel.h"

/* An xl config string: quotes and backslashes escaped. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* "XX:XX:XX:XX:XX:XX": six hex pairs; lowered in place. */
static bool mac_ok(char *s)
{
	if (strlen(s) != 17)
		return false;
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
		s[i] = (char)tolower((unsigned char)s[i]);
	}
	return true;
}

/* Why a MAC cannot be a vif's (NULL: it can): Linux's netfront, as
 * keel's, takes only a unicast address other than zero. */
static const char *mac_why(char *mac)
{
	if (!mac_ok(mac))
		return "want six hex pairs, XX:XX:XX:XX:XX:XX";
	if (strtoul(mac, NULL, 16) & 1)
		return "a multicast address (the first octet's low bit is "
		       "set): want a unicast one, such as 00:16:3e:xx:xx:xx "
		       "or 02:xx:xx:xx:xx:xx";
	if (!strcmp(mac, "00:00:00:00:00:00"))
		return "the zero address";
	return NULL;
}

/*
 * keel xl --net: a vif on an existing bridge of dom0 (xl-network-
 * configuration(5)), the MAC optional (xl picks one in Xen's 00:16:3e
 * range then). The keys may come in either order, each once.
 */
char *vif_spec(const char *spec)
{
	char *copy = xstrdup(spec), *p = copy, *bridge = NULL, *mac = NULL;
	char *vif = NULL;
	const char *why;

	for (;;) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = 0;
		if (!strncmp(p, "bridge=", 7) && !bridge) {
			bridge = p + 7;
		} else if (!strncmp(p, "mac=", 4) && !mac) {
			mac = p + 4;
		} else {
			bridge = NULL;
			break;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	if (!bridge)
		err_msg("--net %s: want bridge=NAME[,mac=XX:XX:XX:XX:XX:XX] "
			"(a Xen vif on dom0's bridge NAME; none, user and "
			"tap:IFNAME are keel run's)",
			spec);
	else if (!ifname_ok(bridge))
		err_msg("--net %s: bridge '%s' is not an interface name "
			"(1-15 letters, digits, '_', '.', '-')",
			spec, bridge);
	else if (mac && (why = mac_why(mac)))
		err_msg("--net %s: mac %s: %s", spec, mac, why);
	else if (mac)
		vif = xasprintf("bridge=%s,mac=%s", bridge, mac);
	else
		vif = xasprintf("bridge=%s", bridge);
	free(copy);
	return vif;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The last keel.ip= word of the command line, or NULL. */
static const char *karg_ip(const struct xl_opts *o)
{
	const char *ip = NULL;

	for (size_t i = 0; i < o->kargs.n; i++)
		if (!strncmp(o->kargs.v[i], "keel.ip=", 8))
			ip = o->kargs.v[i];
	return ip;
}

/* The vif line (the specs hold no quotes: vif_spec checked them), and
 * how the guest gets its address (net/lwip/config.c). */
static void write_vifs(FILE *f, const struct xl_opts *o)
{
	const char *ip = karg_ip(o);

	if (!o->vifs.n) {
		fprintf(f,
			"# No network device: keel xl --net "
			"bridge=NAME[,mac=MAC] adds a vif on dom0's bridge\n");
		return;
	}
	fprintf(f, "# The network: a vif on dom0's bridge (keel's netfront "
		   "drives it). The guest's\n# address: ");
	if (ip)
		fprintf(f, "%s, from the cmdline above (keel xl -k).\n", ip);
	else
		fprintf(f,
			"by DHCP from the bridge's network "
			"(keel.ip=dhcp, the default),\n# or fixed with "
			"keel xl -k keel.ip=ADDR/PREFIX[,gw=ADDR][,dns=ADDR]."
			"\n");
	fprintf(f, "# The guest's /proc/net/pnp shows what it took.\n");
	fprintf(f, "vif = [ ");
	for (size_t i = 0; i < o->vifs.n; i++)
		fprintf(f, "%s'%s'", i ? ", " : "", o->vifs.v[i]);
	fprintf(f, " ]\n");
}

int write_xl_config(const char *outdir, const struct build_result *b,
		    const struct xl_opts *o)
{
	char *cfg = path_join(outdir, "keel.cfg");
	char *kernel, *ramdisk = NULL, *cmdline;
	struct out_file out;
	FILE *f;
	int rc = -1;

	kernel = path_join(o->guest_dir, base(b->kernel));
	if (b->initrd)
		ramdisk = path_join(o->guest_dir, base(b->initrd));
	cmdline = strv_join(&o->kargs, " ");
	if (out_open(&out, cfg))
		goto out;
	f = out.f;
	fprintf(f, "# %s: written by keel xl for %s\n", base(cfg), b->program);
	/* Where the config will be on the Xen host (--guest-dir). */
	fprintf(f, "# Boot:   xl create -c %s/%s\n", o->guest_dir, base(cfg));
	fprintf(f, "# Status: the last console line \"keel: shutdown status "
		   "N\", or with\n");
	fprintf(f, "#   on_poweroff = \"preserve\": xenstore-read "
		   "/local/domain/DOMID/data/keel/status\n");
	fprintf(f, "name = ");
	put_string(f, o->name);
	fprintf(f, "\ntype = \"pvh\"\nkernel = ");
	put_string(f, kernel);
	if (ramdisk) {
		fprintf(f, "\nramdisk = ");
		put_string(f, ramdisk);
	}
	fprintf(f, "\nmemory = %u\nvcpus = 1\ncmdline = ", o->mem_mib);
	put_string(f, cmdline);
	fprintf(f, "\n# keel reads time from Xen's pvclock; native TSC avoids "
		   "trapping rdtsc\n");
	fprintf(f, "tsc_mode = \"native\"\n");
	fprintf(f, "# \"preserve\" keeps a stopped domain, so that its "
		   "xenstore status\n# can be read before xl destroy\n");
	fprintf(f, "on_poweroff = \"destroy\"\non_crash = \"destroy\"\n");
	fprintf(f, "on_reboot = \"destroy\"\n");
	write_vifs(f, o);
	rc = out_commit(&out);
out:
	free(cfg);
	free(kernel);
	free(ramdisk);
	free(cmdline);
	return rc;
}
