/*
 * xl.c - keel xl: a Xen domain configuration next to the kernel and the
 * initrd, so that "xl create -c DIR/keel.cfg" boots the program as a PVH
 * guest. Xen has no exit code: the guest writes its status to xenstore
 * (data/keel/status under the domain's path) and prints it as its last
 * console line (docs/keel.1, docs/xen.md).
 */
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

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
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
	rc = out_commit(&out);
out:
	free(cfg);
	free(kernel);
	free(ramdisk);
	free(cmdline);
	return rc;
}
