/*
 * virsh.c - keel virsh: libvirt domain XML for the built image, one for
 * QEMU/KVM (DIR/keel-qemu.xml) and one for Xen's libxl driver
 * (DIR/keel-xen.xml), so that "virsh create" boots the program as a
 * management stack would. The kernel boots directly (PVH: QEMU's
 * -kernel, Xen's pvh type) with the initrd and the command line; the
 * console is the first serial port (QEMU, logged to DIR/console.log) or
 * Xen's PV console. QEMU's user networking with port forwards has no
 * libvirt element in Debian 12's libvirt 9.0 (<portForward> needs the
 * passt backend, which its parser refuses: "Invalid value for attribute
 * 'type' in element 'backend'"), so it goes in as qemu:commandline
 * arguments. The guest powers off by ACPI
 * (no isa-debug-exit): libvirt sees a clean shutdown, and the status is
 * the console's last line. docs/keel.1, VIRSH.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keel.h"

/* Text for an XML attribute or element: &, <, >, ' and " escaped. */
static void put_xml(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* Text in an XML comment, which may not hold "--" (nor end in '-'). */
static void put_comment(FILE *f, const char *s)
{
	for (; *s; s++) {
		fputc(*s, f);
		if (*s == '-' && (s[1] == '-' || !s[1]))
			fputc(' ', f);
	}
}

/* <NAME>TEXT</NAME> on a line of its own, indented. */
static void elem(FILE *f, int indent, const char *name, const char *text)
{
	fprintf(f, "%*s<%s>", indent, "", name);
	put_xml(f, text);
	fprintf(f, "</%s>\n", name);
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* A host file as the domain will see it: under guest_dir by its name. */
static char *in_guest_dir(const struct xl_opts *x, const char *path)
{
	return path_join(x->guest_dir, base(path));
}

/* An image's absolute path (disks stay where they are). */
static char *abs_path(const char *p)
{
	char *r = realpath(p, NULL);

	return r ? r : xstrdup(p);
}

/* The domain's head: name, memory, the direct kernel boot. */
static void write_os(FILE *f, const struct build_result *b,
		     const struct xl_opts *x, const char *type,
		     const char *machine, const char *cmdline)
{
	char *kernel = in_guest_dir(x, b->kernel);

	elem(f, 2, "name", x->name);
	fprintf(f, "  <memory unit='MiB'>%u</memory>\n", x->mem_mib);
	fprintf(f, "  <vcpu>1</vcpu>\n  <os>\n");
	fprintf(f, "    <type arch='x86_64' machine='%s'>%s</type>\n", machine,
		type);
	elem(f, 4, "kernel", kernel);
	if (b->initrd) {
		char *initrd = in_guest_dir(x, b->initrd);

		elem(f, 4, "initrd", initrd);
		free(initrd);
	}
	elem(f, 4, "cmdline", cmdline);
	fprintf(f, "  </os>\n");
	fprintf(f, "  <on_poweroff>destroy</on_poweroff>\n"
		   "  <on_reboot>destroy</on_reboot>\n"
		   "  <on_crash>destroy</on_crash>\n");
	free(kernel);
}

/* The bridges (--net bridge=NAME[,mac=MAC], checked by vif_spec). */
static void write_bridges(FILE *f, const struct xl_opts *x, bool xen)
{
	for (size_t i = 0; i < x->vifs.n; i++) {
		char *spec = xstrdup(x->vifs.v[i] + strlen("bridge="));
		char *mac = strstr(spec, ",mac=");

		if (mac)
			*mac = '\0';
		fprintf(f, "    <interface type='bridge'>\n      <source "
			   "bridge='");
		put_xml(f, spec);
		fprintf(f, "'/>\n");
		if (mac)
			fprintf(f, "      <mac address='%s'/>\n", mac + 5);
		if (!xen)
			fprintf(f, "      <model type='virtio'/>\n");
		fprintf(f, "    </interface>\n");
		free(spec);
	}
}

/*
 * The disks: root.img (--root disk) first, then each --disk, on virtio
 * (QEMU: vda, vdb, ...) or Xen's blkfront (xvda, ...); their kernel
 * words (root=, keel.mount=) into kargs.
 */
static void write_disks(FILE *f, const struct build_result *b,
			const struct xl_opts *x, bool xen, struct strv *kargs)
{
	const char *pre = xen ? "xvd" : "vd";
	size_t n = 0;

	for (size_t i = 0; i < x->disks.n + 1; i++) {
		char *host = NULL, *guest = NULL, *src;
		bool ro = false;

		if (i == 0 && !b->root_image)
			continue;
		if (i == 0)
			host = in_guest_dir(x, b->root_image);
		else if (!split_disk(x->disks.v[i - 1], &host, &guest, &ro))
			continue; /* checked when parsed */
		src = i == 0 ? xstrdup(host) : abs_path(host);
		/* Xen: libxl picks the backend, as for keel xl's disks. */
		fprintf(f, "    <disk type='file' device='disk'>\n%s",
			xen ? "" : "      <driver name='qemu' type='raw'/>\n");
		fprintf(f, "      <source file='");
		put_xml(f, src);
		fprintf(f, "'/>\n      <target dev='%s%c' bus='%s'/>\n", pre,
			(char)('a' + n), xen ? "xen" : "virtio");
		if (ro)
			fprintf(f, "      <readonly/>\n");
		fprintf(f, "    </disk>\n");
		if (i == 0)
			strv_pushf(kargs, "root=/dev/%sa", pre);
		else if (guest)
			strv_pushf(kargs, "keel.mount=ext2:/dev/%s%c:%s%s", pre,
				   (char)('a' + n), guest, ro ? ":ro" : "");
		n++;
		free(host);
		free(guest);
		free(src);
	}
}

/* -v HOSTDIR:/GUEST[:ro]: a 9p share, tag keelvolN, as keel run has. */
static void write_volumes(FILE *f, const struct run_opts *r, struct strv *kargs)
{
	for (size_t i = 0; i < r->volumes.n; i++) {
		char *spec = xstrdup(r->volumes.v[i]), *ro, *colon, *dir;
		size_t n = strlen(spec);
		bool readonly = n > 3 && !strcmp(spec + n - 3, ":ro");

		if (readonly || (n > 3 && !strcmp(spec + n - 3, ":rw")))
			spec[n - 3] = '\0';
		colon = strrchr(spec, ':'); /* checked: HOST:/GUEST */
		*colon = '\0';
		dir = abs_path(spec);
		fprintf(f, "    <filesystem type='mount' "
			   "accessmode='squash'>\n      <source dir='");
		put_xml(f, dir);
		fprintf(f, "'/>\n      <target dir='keelvol%zu'/>\n", i);
		ro = readonly ? "      <readonly/>\n" : "";
		fprintf(f, "%s    </filesystem>\n", ro);
		strv_pushf(kargs, "keel.mount=9p:keelvol%zu:%s%s", i, colon + 1,
			   readonly ? ":ro" : "");
		free(dir);
		free(spec);
	}
}

/* The kernel's command line: the disks' and volumes' words after -k's. */
static char *cmdline(const struct xl_opts *x, const struct strv *more)
{
	struct strv all = { 0 };
	char *s;

	for (size_t i = 0; i < x->kargs.n; i++)
		strv_push(&all, x->kargs.v[i]);
	for (size_t i = 0; i < more->n; i++)
		strv_push(&all, more->v[i]);
	s = strv_join(&all, " ");
	strv_free(&all);
	return s;
}

/* QEMU's user network with the forwards (as keel run's), on PCI. */
static void write_user_net(FILE *f, const struct run_opts *r)
{
	fprintf(f, "  <qemu:commandline>\n");
	fprintf(f, "    <qemu:arg value='-netdev'/>\n");
	fprintf(f, "    <qemu:arg value='user,id=keelnet0,restrict=on");
	for (size_t i = 0; i < r->ports.n; i++) {
		const char *spec = r->ports.v[i], *c = strchr(spec, ':');

		fprintf(f, ",hostfwd=tcp:127.0.0.1:%.*s-:%s", (int)(c - spec),
			spec, c + 1);
	}
	fprintf(f, "'/>\n    <qemu:arg value='-device'/>\n");
	fprintf(f, "    <qemu:arg "
		   "value='virtio-net-pci,netdev=keelnet0,romfile='/>\n");
	fprintf(f, "  </qemu:commandline>\n");
}

/*
 * The devices of a domain (the QEMU one with r, Xen's without) into
 * *devs, as they add words to the kernel's command line (*words), then
 * the file opened and its comment begun: 0, or -1 and a message.
 */
static int begin_domain(struct out_file *out, const char *path,
			const struct build_result *b, const struct run_opts *r,
			const struct xl_opts *x, char **devs, char **words)
{
	struct strv kargs = { 0 };
	size_t dlen = 0;
	FILE *mem = open_memstream(devs, &dlen);

	if (!mem) {
		err_msg("open_memstream: %s", strerror(errno));
		return -1;
	}
	write_disks(mem, b, x, !r, &kargs);
	if (r)
		write_volumes(mem, r, &kargs);
	fclose(mem);
	*words = cmdline(x, &kargs);
	strv_free(&kargs);
	if (out_open(out, path)) {
		free(*devs);
		free(*words);
		return -1;
	}
	fprintf(out->f, "<!-- %s: written by keel virsh for ", base(path));
	put_comment(out->f, b->program);
	return 0;
}

static int write_qemu(const char *path, const struct build_result *b,
		      const struct run_opts *r, const struct xl_opts *x,
		      const char *type)
{
	const char *net = r->net ? r->net : r->ports.n ? "user" : "none";
	bool user = !strcmp(net, "user");
	struct out_file out;
	char *log, *words, *disks;
	FILE *f;
	int rc;

	if (begin_domain(&out, path, b, r, x, &disks, &words))
		return -1;
	f = out.f;
	fprintf(f, ".\n     Boot: virsh create ");
	put_comment(f, x->guest_dir);
	fprintf(f, "/%s, then virsh console ", base(path));
	put_comment(f, x->name);
	fprintf(f, "\n");
	fprintf(f, "     Status: the console's last line \"keel: shutdown "
		   "status N\"\n     (also in console.log beside this file). "
		   "-->\n");
	fprintf(f, "<domain type='%s'%s>\n", type,
		user ? " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/"
		       "1.0'"
		     : "");
	write_os(f, b, x, "hvm", r->machine, words);
	fprintf(f, "  <features>\n    <acpi/>\n  </features>\n");
	fprintf(f, "  <cpu mode='%s'/>\n",
		strcmp(type, "kvm") ? "maximum" : "host-passthrough");
	fprintf(f, "  <devices>\n");
	log = path_join(x->guest_dir, "console.log");
	fprintf(f, "    <serial type='pty'>\n      <log file='");
	put_xml(f, log);
	fprintf(f, "' append='off'/>\n      <target port='0'/>\n"
		   "    </serial>\n");
	fprintf(f, "    <console type='pty'>\n      <target type='serial' "
		   "port='0'/>\n    </console>\n");
	fputs(disks, f);
	if (!strncmp(net, "tap:", 4)) {
		fprintf(f,
			"    <interface type='ethernet'>\n      <target "
			"dev='%s' managed='no'/>\n      <model "
			"type='virtio'/>\n    </interface>\n",
			net + 4);
	}
	write_bridges(f, x, false);
	fprintf(f, "    <controller type='usb' model='none'/>\n");
	fprintf(f, "    <memballoon model='none'/>\n  </devices>\n");
	if (user)
		write_user_net(f, r);
	fprintf(f, "</domain>\n");
	rc = out_commit(&out);
	free(log);
	free(disks);
	free(words);
	return rc;
}

static int write_xen(const char *path, const struct build_result *b,
		     const struct xl_opts *x)
{
	struct out_file out;
	char *words, *disks;
	FILE *f;
	int rc;

	if (begin_domain(&out, path, b, NULL, x, &disks, &words))
		return -1;
	f = out.f;
	fprintf(f, ".\n     Boot on a Xen host with libvirt's libxl driver: "
		   "virsh -c xen:/// create\n     ");
	put_comment(f, x->guest_dir);
	fprintf(f, "/%s, then virsh -c xen:/// console ", base(path));
	put_comment(f, x->name);
	fprintf(f, "\n");
	fprintf(f, "     Status: the console's last line \"keel: shutdown "
		   "status N\". Xen has no\n     user networking: the domain "
		   "has a network only on a bridge (net: bridge=NAME). -->\n");
	fprintf(f, "<domain type='xen'>\n");
	write_os(f, b, x, "xenpvh", "xenpvh", words);
	fprintf(f, "  <devices>\n");
	fprintf(f, "    <console type='pty'>\n      <target type='xen' "
		   "port='0'/>\n    </console>\n");
	fputs(disks, f);
	write_bridges(f, x, true);
	fprintf(f, "  </devices>\n</domain>\n");
	rc = out_commit(&out);
	free(disks);
	free(words);
	return rc;
}

/* The domain type for --accel: kvm, qemu (TCG), or kvm when /dev/kvm
 * opens here (auto). */
static const char *domain_type(const char *accel)
{
	int fd;

	if (!strcmp(accel, "kvm"))
		return "kvm";
	if (!strcmp(accel, "tcg"))
		return "qemu";
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return "qemu";
	close(fd);
	return "kvm";
}

int write_virsh_xml(const char *outdir, const struct build_result *b,
		    const struct run_opts *r, const struct xl_opts *x)
{
	char *qemu = path_join(outdir, "keel-qemu.xml");
	char *xen = path_join(outdir, "keel-xen.xml");
	const char *type = domain_type(r->accel);
	int rc;

	rc = write_qemu(qemu, b, r, x, type);
	if (!rc)
		rc = write_xen(xen, b, x);
	if (!rc)
		progress("wrote %s (domain type %s) and %s: virsh create %s "
			 "--console",
			 qemu, type, xen, qemu);
	free(qemu);
	free(xen);
	return rc;
}
