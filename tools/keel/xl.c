/*
 * xl.c - keel xl: a Xen domain configuration next to the kernel and the
 * initrd, so that "xl create -c DIR/keel.cfg" boots the program as a PVH
 * guest. Xen has no exit code: the guest writes its status to xenstore
 * (data/keel/status under the domain's path) and prints it as its last
 * console line (docs/keel.1, docs/xen.md).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Copy src to dst (a new file, replaced whole): 0, or -1 and a message. */
static int copy_image(const char *src, const char *dst)
{
	char *tmp = xasprintf("%s.tmp", dst);
	int in = open(src, O_RDONLY), out = -1, rc = -1;
	struct stat st;

	if (in < 0 || fstat(in, &st)) {
		err_msg("cannot read %s: %s", src, strerror(errno));
		goto out;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		err_msg("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n =
		    copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n <= 0) {
			err_msg("cannot copy %s to %s: %s", src, tmp,
				n ? strerror(errno) : "it got shorter");
			goto out;
		}
		left -= n;
	}
	if (close(out) || rename(tmp, dst)) {
		out = -1;
		err_msg("cannot write %s: %s", dst, strerror(errno));
		goto out;
	}
	out = -1;
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* The guest's name of disk n: xvda, xvdb ... (at most 16 + the root). */
static char *xvd(size_t n)
{
	return xasprintf("xvd%c", (char)('a' + n));
}

/* Is name (a file in DIR) the kernel's, the initrd's, the config's,
 * root.img or one of the first i disks'? */
static bool name_taken(const struct build_result *b, const struct xl_opts *o,
		       size_t i, const char *name)
{
	bool taken = !strcmp(name, "keel.cfg") || !strcmp(name, "root.img") ||
		     !strcmp(name, base(b->kernel)) ||
		     (b->initrd && !strcmp(name, base(b->initrd)));

	for (size_t k = 0; k < i && !taken; k++) {
		char *host, *guest;
		bool ro;

		if (split_disk(o->disks.v[k], &host, &guest, &ro))
			taken = !strcmp(base(host), name);
		free(host);
		free(guest);
	}
	return taken;
}

/*
 * The disks: root.img (--root disk, already in DIR) as xvda with
 * root=/dev/xvda, then each --disk image copied into DIR as the next
 * (its name in DIR: its own, or diskN-NAME when taken), mounted where
 * it says with keel.mount=. Their xl disk specs (xl-disk-configuration
 * (5)) into specs, the words into kargs: 0, or -1 and a message.
 */
static int plan_disks(const char *outdir, const struct build_result *b,
		      const struct xl_opts *o, struct strv *specs,
		      struct strv *kargs)
{
	size_t n = 0;

	if (b->root_image) {
		char *target = path_join(o->guest_dir, base(b->root_image));
		strv_pushf(specs, "format=raw, vdev=xvda, access=rw, target=%s",
			   target);
		strv_push(kargs, "root=/dev/xvda");
		free(target);
		n++;
	}
	for (size_t i = 0; i < o->disks.n; i++, n++) {
		char *host, *guest, *name, *dst, *target, *dev = xvd(n);
		bool ro;
		int rc;

		if (!split_disk(o->disks.v[i], &host, &guest, &ro))
			return -1; /* checked when parsed */
		name = xstrdup(base(host));
		if (name_taken(b, o, i, name)) {
			free(name);
			name = xasprintf("disk%zu-%s", i, base(host));
		}
		dst = path_join(outdir, name);
		target = path_join(o->guest_dir, name);
		rc = strpbrk(target, "'\"") ? -1 : 0;
		if (rc)
			err_msg("--disk %s: a quote in %s (xl's disk line "
				"cannot hold it)",
				o->disks.v[i], target);
		else
			rc = copy_image(host, dst);
		if (!rc) {
			strv_pushf(specs,
				   "format=raw, vdev=%s, access=%s, target=%s",
				   dev, ro ? "ro" : "rw", target);
			if (guest)
				strv_pushf(kargs,
					   "keel.mount=ext2:/dev/%s:%s%s", dev,
					   guest, ro ? ":ro" : "");
		}
		free(host);
		free(guest);
		free(name);
		free(dst);
		free(target);
		free(dev);
		if (rc)
			return -1;
	}
	return 0;
}

/* The disk line: the specs hold no quotes (paths with one are refused). */
static void write_disks(FILE *f, const struct strv *specs)
{
	if (!specs->n) {
		fprintf(f, "# No disk: keel xl --disk IMAGE[:/PATH][:ro] "
			   "copies one here and attaches it\n");
		return;
	}
	fprintf(f, "# The disks (keel's blkfront drives them; xvda, xvdb "
		   "... in order)\ndisk = [ ");
	for (size_t i = 0; i < specs->n; i++)
		fprintf(f, "%s'%s'", i ? ", " : "", specs->v[i]);
	fprintf(f, " ]\n");
}

int write_xl_config(const char *outdir, const struct build_result *b,
		    const struct xl_opts *o)
{
	char *cfg = path_join(outdir, "keel.cfg");
	char *kernel, *ramdisk = NULL, *cmdline = NULL;
	struct strv specs = { 0 }, kargs = { 0 };
	struct out_file out;
	FILE *f;
	int rc = -1;

	kernel = path_join(o->guest_dir, base(b->kernel));
	if (b->initrd)
		ramdisk = path_join(o->guest_dir, base(b->initrd));
	for (size_t i = 0; i < o->kargs.n; i++)
		strv_push(&kargs, o->kargs.v[i]);
	if (plan_disks(outdir, b, o, &specs, &kargs))
		goto out;
	cmdline = strv_join(&kargs, " ");
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
	write_disks(f, &specs);
	rc = out_commit(&out);
out:
	free(cfg);
	free(kernel);
	free(ramdisk);
	free(cmdline);
	strv_free(&specs);
	strv_free(&kargs);
	return rc;
}
