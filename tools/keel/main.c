/*
 * main.c - the keel command: "keel build", "keel run", "keel xl" and
 * "keel ldd", their options and help. The work is in build.c, run.c and
 * xl.c; this file only turns argv into their option structs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <keel/version.h>

#include "keel.h"

static const char usage_main[] =
    "usage: keel COMMAND [OPTIONS] -- PROGRAM [ARGS...]\n"
    "\n"
    "Turn a Linux program into a guest of its own and run it.\n"
    "\n"
    "commands:\n"
    "  build   pack PROGRAM, its libraries and files into a bootable "
    "image\n"
    "  run     build, then boot the image under QEMU; exit with its "
    "status\n"
    "  xl      build, and write a Xen domain config for xl create\n"
    "  virsh   build, and write libvirt domain XML for QEMU/KVM and Xen\n"
    "  ldd     list the objects PROGRAM loads, found without running it\n"
    "  mkimage make an ext2 disk image of a directory (keel mkimage DIR "
    "-o IMAGE)\n"
    "\n"
    "keel COMMAND --help describes each; man keel has the rest.\n";

static const char usage_build_opts[] =
    "  -c, --config FILE    read options, PROGRAM and ARGS from a YAML\n"
    "                       manifest (the command line's win; keel(1))\n"
    "  -o, --output DIR     where to write the image\n"
    "  -f, --file HOST[:GUEST]\n"
    "                       add a file or directory tree (GUEST defaults "
    "to\n"
    "                       HOST, relative to --cwd when HOST is "
    "relative)\n"
    "  -e, --env NAME=VALUE set an environment variable (PATH and HOME "
    "have\n"
    "                       defaults)\n"
    "  -C, --cwd DIR        the program's working directory (default /)\n"
    "      --single         put the initrd inside the kernel: one file\n"
    "      --root initrd|disk  where the files go: the initrd (default,\n"
    "                       in RAM) or DIR/root.img, an ext2 disk that\n"
    "                       keel run attaches as the guest's root\n"
    "      --kernel FILE    the keel kernel to use (default: the one "
    "installed\n"
    "                       with this keel, or $KEEL_KERNEL)\n"
    "      --deb PACKAGE    add the files of an installed Debian package\n"
    "                       and of all it depends on (repeatable)\n"
    "      --bare           leave out the data of the program's own\n"
    "                       packages (packed by default)\n"
    "      --verbose        say what was packed (keel run: and show the\n"
    "                       kernel's boot lines)\n"
    "  -q, --quiet          no progress lines\n";

static const char usage_build[] =
    "usage: keel build [OPTIONS] -- PROGRAM [ARGS...]\n"
    "\n"
    "Write DIR/keel.elf (the kernel) and DIR/initrd.cpio (PROGRAM, its\n"
    "interpreter and libraries, the --file trees and /.keel/run, which\n"
    "records ARGS, the environment and the directory). With --single\n"
    "only DIR/keel.elf, carrying the initrd. DIR defaults to "
    "./NAME.keel.\n"
    "\n";

static const char usage_run[] =
    "usage: keel run [OPTIONS] -- PROGRAM [ARGS...]\n"
    "\n"
    "Build into a cache directory and boot under QEMU (microvm), the\n"
    "console on stdout (on stderr when stdout, not a terminal, carries\n"
    "the program's output); exit with the program's status.\n"
    "\n"
    "  -m, --memory SIZE    guest memory, e.g. 64M or 1G (default: the\n"
    "                       image's size and 48M, at least 64M)\n"
    "  -p, --port HOST:GUEST  forward TCP port HOST on 127.0.0.1 to the "
    "guest\n"
    "                       (repeatable; implies --net user)\n"
    "      --net none|user|tap:IFNAME  the guest's network: none (the\n"
    "                       default without -p), QEMU user networking\n"
    "                       with restrict=on (the default with -p), or\n"
    "                       an existing TAP device\n"
    "      --machine microvm|pc|q35  QEMU machine (default microvm);\n"
    "                       virtio-net over MMIO on microvm, PCI otherwise\n"
    "      --accel auto|kvm|tcg  auto (default) uses KVM only where a "
    "probe\n"
    "                       boot shows it works\n"
    "  -t, --timeout SECONDS  stop a guest that runs longer (status 124)\n"
    "  -k, --kernel-arg ARG add a word to the kernel command line\n"
    "                       (e.g. keel.test=all, keel.strace)\n"
    "      --disk IMAGE[:/PATH][:ro]  attach a raw disk image on\n"
    "                       virtio-blk, its ext2/3/4 mounted at PATH\n"
    "                       (repeatable; the guest's vda, vdb, ... in\n"
    "                       order)\n"
    "  -v, --volume HOSTDIR:/PATH[:ro]  share a host directory over\n"
    "                       virtio-9p, mounted at PATH (repeatable)\n"
    "      --gdb[=PORT]     stop at the first instruction under QEMU's gdb\n"
    "                       stub on 127.0.0.1:PORT (default 1234), TCG\n"
    "                       unless --accel kvm; prints the gdb command\n";

static const char usage_xl[] =
    "usage: keel xl -o DIR [OPTIONS] -- PROGRAM [ARGS...]\n"
    "\n"
    "Build into DIR and write DIR/keel.cfg, so that\n"
    "    xl create -c DIR/keel.cfg\n"
    "boots PROGRAM as a Xen PVH guest.\n"
    "\n"
    "  -m, --memory MiB     guest memory in MiB (default: as keel run's)\n"
    "  -n, --name NAME      domain name (default keel-PROGRAM)\n"
    "      --guest-dir DIR  where the files will be on the Xen host\n"
    "                       (default: the absolute path of -o DIR)\n"
    "      --net bridge=NAME[,mac=XX:XX:XX:XX:XX:XX]\n"
    "                       a network device (a vif) on dom0's bridge NAME\n"
    "                       (repeatable); the guest takes its address by\n"
    "                       DHCP, or -k keel.ip=ADDR/PREFIX[,gw=ADDR]\n"
    "      --disk IMAGE[:/PATH][:ro]  copy a raw disk image into DIR and\n"
    "                       attach it (blkfront), its ext2/3/4 mounted\n"
    "                       at PATH (repeatable; xvda, xvdb, ... in\n"
    "                       order, after root.img with --root disk)\n"
    "  -k, --kernel-arg ARG add a word to the kernel command line\n";

static const char usage_virsh[] =
    "usage: keel virsh -o DIR [OPTIONS] -- PROGRAM [ARGS...]\n"
    "\n"
    "Build into DIR and write DIR/keel-qemu.xml (QEMU/KVM) and\n"
    "DIR/keel-xen.xml (Xen's libxl), so that\n"
    "    virsh create DIR/keel-qemu.xml --console\n"
    "boots PROGRAM (the kernel booted directly, its console on the\n"
    "serial port and in DIR/console.log).\n"
    "\n"
    "  -m, --memory SIZE    guest memory (default 64M)\n"
    "  -n, --name NAME      domain name (default keel-PROGRAM)\n"
    "      --guest-dir DIR  where the files will be on the VM host\n"
    "                       (default: the absolute path of -o DIR)\n"
    "      --machine q35|pc  QEMU machine (default q35)\n"
    "      --accel auto|kvm|tcg  domain type kvm or qemu (auto: kvm when\n"
    "                       /dev/kvm opens here)\n"
    "  -p, --port HOST:GUEST  forward TCP port HOST on 127.0.0.1 (QEMU\n"
    "                       user networking; repeatable)\n"
    "      --net none|user|tap:IFNAME|bridge=NAME[,mac=MAC]\n"
    "                       the network; a bridge is the only one the Xen\n"
    "                       domain gets\n"
    "      --disk IMAGE[:/PATH][:ro]  attach a raw disk image (repeatable)\n"
    "  -v, --volume HOSTDIR:/PATH[:ro]  share a host directory (QEMU,\n"
    "                       virtio-9p; repeatable)\n"
    "  -k, --kernel-arg ARG add a word to the kernel command line\n";

static const char usage_ldd[] =
    "usage: keel ldd PROGRAM\n"
    "\n"
    "List the interpreter and libraries PROGRAM loads, as ldd(1) would,\n"
    "but found from its ELF without running it.\n";

enum {
	OPT_SINGLE = 256,
	OPT_KERNEL,
	OPT_ACCEL,
	OPT_GUEST_DIR,
	OPT_HELP,
	OPT_NET,
	OPT_MACHINE,
	OPT_DISK,
	OPT_VERBOSE,
	OPT_ROOT,
	OPT_DEB,
	OPT_BARE,
	OPT_GDB,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "output", required_argument, NULL, 'o' },
	{ "file", required_argument, NULL, 'f' },
	{ "env", required_argument, NULL, 'e' },
	{ "cwd", required_argument, NULL, 'C' },
	{ "single", no_argument, NULL, OPT_SINGLE },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "quiet", no_argument, NULL, 'q' },
	{ "memory", required_argument, NULL, 'm' },
	{ "port", required_argument, NULL, 'p' },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "timeout", required_argument, NULL, 't' },
	{ "kernel-arg", required_argument, NULL, 'k' },
	{ "name", required_argument, NULL, 'n' },
	{ "guest-dir", required_argument, NULL, OPT_GUEST_DIR },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "volume", required_argument, NULL, 'v' },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "deb", required_argument, NULL, OPT_DEB },
	{ "bare", no_argument, NULL, OPT_BARE },
	{ "net", required_argument, NULL, OPT_NET },
	{ "machine", required_argument, NULL, OPT_MACHINE },
	{ "gdb", optional_argument, NULL, OPT_GDB },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};
static const char optstring[] = "+c:o:f:e:C:qm:p:t:k:n:hv:";

enum command { CMD_BUILD, CMD_RUN, CMD_XL, CMD_VIRSH };

static const char *opt_name(int c)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

static void help(enum command c, FILE *f)
{
	fputs(c == CMD_BUILD ? usage_build
	      : c == CMD_RUN ? usage_run
	      : c == CMD_XL  ? usage_xl
			     : usage_virsh,
	      f);
	if (c != CMD_BUILD)
		fputs("\nbuild options:\n", f);
	fputs(usage_build_opts, f);
}

static char *default_outdir(const char *program)
{
	const char *b = strrchr(program, '/');

	return xasprintf("%s.keel", b ? b + 1 : program);
}

static int cmd_ldd(int argc, char **argv)
{
	struct objects objs;
	char *program;

	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_ldd, stdout);
		return 0;
	}
	if (argc != 2 && !(argc == 3 && !strcmp(argv[1], "--"))) {
		fputs(usage_ldd, stderr);
		return 2;
	}
	program = find_program(argv[argc - 1]);
	if (!program || resolve_objects(program, &objs))
		return KEEL_EXIT_FAILED;
	for (size_t i = 1; i < objs.n; i++) {
		if (objs.v[i].interp)
			printf("\t%s\n", objs.v[i].path);
		else
			printf("\t%s => %s\n", objs.v[i].needed,
			       objs.v[i].path);
	}
	if (objs.n == 1)
		printf("\tnot a dynamic executable\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct build_opts b = { 0 };
	struct run_opts r = { .mem = "64M",
			      .accel = "auto",
			      .machine = "microvm" };
	struct xl_opts x = { .mem_mib = 64 };
	struct build_result res;
	enum command cmd;
	char *outdir = NULL, *end;
	const char *name = NULL;
	unsigned long mib = 0;
	bool verbose = false;
	int c, rc;

	/*
	 * Started with a standard descriptor closed (some CI runners give no
	 * stdin), the next open or pipe would take its number and QEMU's
	 * stdio console would get the wrong file, or none: fill the gaps
	 * with /dev/null first.
	 */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd ? O_WRONLY : O_RDONLY) < 0)
			return KEEL_EXIT_FAILED;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_main, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("keel %s\n", KEEL_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "build"))
		cmd = CMD_BUILD;
	else if (!strcmp(argv[1], "run"))
		cmd = CMD_RUN;
	else if (!strcmp(argv[1], "xl"))
		cmd = CMD_XL;
	else if (!strcmp(argv[1], "virsh"))
		cmd = CMD_VIRSH;
	else if (!strcmp(argv[1], "ldd"))
		return cmd_ldd(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "mkimage"))
		return cmd_mkimage(argc - 1, argv + 1);
	else {
		fprintf(stderr, "keel: unknown command '%s'\n\n%s", argv[1],
			usage_main);
		return 2;
	}
	if (cmd == CMD_VIRSH)
		r.machine = "q35";
	argv++, argc--;
	if (manifest_apply(&argc, &argv, optstring, long_opts))
		return 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, long_opts, NULL)) !=
	       -1) {
		bool runonly = false, xlonly = false;

		manifest_at(optind - 1);
		switch (c) {
		case 'c': /* read by manifest_apply */
			break;
		case 'o':
			b.outdir = optarg;
			break;
		case 'f':
			strv_push(&b.files, optarg);
			break;
		case 'e':
			strv_push(&b.env, optarg);
			break;
		case 'C':
			b.cwd = optarg;
			break;
		case OPT_SINGLE:
			b.single = true;
			break;
		case OPT_KERNEL:
			b.kernel = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'm':
			runonly = cmd == CMD_BUILD;
			if (!(mib = parse_mib(optarg))) {
				err_msg("--memory %s: want a size like 64M or "
					"1G",
					optarg);
				return 2;
			}
			r.mem = optarg;
			break;
		case 'p':
			runonly = cmd != CMD_RUN && cmd != CMD_VIRSH;
			if (!runonly && !port_spec_ok(optarg))
				return 2;
			strv_push(&r.ports, optarg);
			break;
		case OPT_ACCEL:
			runonly = cmd != CMD_RUN && cmd != CMD_VIRSH;
			if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") &&
			    strcmp(optarg, "tcg")) {
				err_msg("--accel %s: want auto, kvm or tcg",
					optarg);
				return 2;
			}
			r.accel = optarg;
			break;
		case OPT_NET:
			runonly = cmd == CMD_BUILD;
			if (cmd == CMD_XL ||
			    (cmd == CMD_VIRSH && strchr(optarg, '='))) {
				char *vif = vif_spec(optarg);

				if (!vif)
					return 2;
				strv_push(&x.vifs, vif);
				free(vif);
				if (cmd == CMD_VIRSH)
					break;
			} else if (!runonly && !net_spec_ok(optarg)) {
				return 2;
			}
			r.net = optarg;
			break;
		case OPT_MACHINE:
			runonly = cmd != CMD_RUN && cmd != CMD_VIRSH;
			if (strcmp(optarg, "microvm") && strcmp(optarg, "pc") &&
			    strcmp(optarg, "q35")) {
				err_msg("--machine %s: want microvm, pc or q35",
					optarg);
				return 2;
			}
			/* keel cannot power off libvirt's microvm (no ACPI
			 * PM, no isa-debug-exit). */
			if (cmd == CMD_VIRSH && !strcmp(optarg, "microvm")) {
				err_msg(
				    "--machine microvm: keel virsh wants q35 "
				    "or pc");
				return 2;
			}
			r.machine = optarg;
			break;
		case 't':
			runonly = cmd != CMD_RUN;
			r.timeout = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg || r.timeout == 0) {
				err_msg("--timeout %s: want whole seconds",
					optarg);
				return 2;
			}
			break;
		case 'k':
			runonly = cmd == CMD_BUILD;
			strv_push(&r.kargs, optarg);
			break;
		case 'n':
			xlonly = cmd != CMD_XL && cmd != CMD_VIRSH;
			name = optarg;
			break;
		case OPT_GUEST_DIR:
			xlonly = cmd != CMD_XL && cmd != CMD_VIRSH;
			x.guest_dir = optarg;
			break;
		case OPT_VERBOSE:
			verbose = b.verbose = true;
			break;
		case OPT_DEB:
			strv_push(&b.debs, optarg);
			break;
		case OPT_BARE:
			b.bare = true;
			break;
		case OPT_ROOT:
			if (strcmp(optarg, "initrd") &&
			    strcmp(optarg, "disk")) {
				err_msg("--root %s: want initrd or disk",
					optarg);
				return 2;
			}
			b.root_disk = !strcmp(optarg, "disk");
			break;
		case OPT_DISK:
			runonly = cmd == CMD_BUILD;
			if (!runonly && r.disks.n >= 16) {
				err_msg("--disk %s: at most 16 disks", optarg);
				return 2;
			}
			if (!runonly && !disk_spec_ok(optarg))
				return 2;
			strv_push(&r.disks, optarg);
			break;
		case 'v':
			runonly = cmd != CMD_RUN && cmd != CMD_VIRSH;
			if (!runonly && !volume_spec_ok(optarg))
				return 2;
			strv_push(&r.volumes, optarg);
			break;
		case OPT_GDB:
			runonly = cmd != CMD_RUN;
			if (!runonly && !gdb_port_parse(optarg, &r.gdb_port))
				return 2;
			break;
		case 'h':
			help(cmd, stdout);
			return 0;
		default:
			err_msg("unknown option %s (keel %s --help lists them)",
				argv[optind - 1], argv[0]);
			return 2;
		}
		/* A manifest serves every command: what this one does not
		 * take is left out. */
		if ((runonly || xlonly) && !manifest_word(optind - 1)) {
			err_msg("--%s is not an option of keel %s", opt_name(c),
				argv[0]);
			return 2;
		}
	}
	manifest_at(-1);
	if (optind >= argc) {
		err_msg("no program given: keel %s [OPTIONS] -- PROGRAM "
			"[ARGS...]",
			argv[0]);
		return 2;
	}
	b.argv = argv + optind;
	b.argc = argc - optind;
	if ((cmd == CMD_RUN || cmd == CMD_VIRSH) && !net_opts_ok(&r))
		return 2;

	if ((cmd == CMD_XL || cmd == CMD_VIRSH) && !b.outdir) {
		err_msg("keel %s needs -o DIR (where to write the files and "
			"the domain's configuration)",
			argv[0]);
		return 2;
	}
	if (cmd == CMD_RUN && !b.outdir) {
		const char *p = strrchr(b.argv[0], '/');
		char *cache = cache_dir();

		outdir = xasprintf("%s/run/%s", cache, p ? p + 1 : b.argv[0]);
		free(cache);
		b.outdir = outdir;
	} else if (!b.outdir) {
		outdir = default_outdir(b.argv[0]);
		b.outdir = outdir;
	}
	if (build_image(&b, &res))
		return KEEL_EXIT_FAILED;
	if (cmd == CMD_BUILD) {
		progress(
		    "wrote %s%s%s%s%s", res.kernel, res.initrd ? " and " : "",
		    res.initrd ? res.initrd : "", res.root_image ? " and " : "",
		    res.root_image ? res.root_image : "");
		return 0;
	}
	if (!mib) /* memory follows the image's size */
		r.mem = xasprintf("%luM", pack_default_mib(res.image_bytes));
	else if (pack_memory_check(res.image_bytes, mib, "-m"))
		return 2;
	if (cmd == CMD_RUN) {
		/* The kernel's boot lines only with -v (a panic or a failed
		 * start shows them anyway). */
		if (!verbose) {
			struct strv k = { 0 };

			strv_push(&k, "keel.quiet");
			for (size_t i = 0; i < r.kargs.n; i++)
				strv_push(&k, r.kargs.v[i]);
			r.kargs = k;
		}
		return run_guest(&res, &r);
	}

	/* xl */
	x.mem_mib = (unsigned)(mib ? mib : pack_default_mib(res.image_bytes));
	if (!x.guest_dir) {
		char *abs = realpath(b.outdir, NULL);

		x.guest_dir = abs ? abs : b.outdir;
	}
	if (name) {
		x.name = name;
	} else {
		const char *p = strrchr(res.program, '/');

		x.name = xasprintf("keel-%s", p ? p + 1 : res.program);
	}
	x.kargs = r.kargs;
	x.disks = r.disks;
	if (cmd == CMD_VIRSH)
		return write_virsh_xml(b.outdir, &res, &r, &x)
			   ? KEEL_EXIT_FAILED
			   : 0;
	rc = write_xl_config(b.outdir, &res, &x);
	if (!rc)
		progress("wrote %s/keel.cfg: xl create -c %s/keel.cfg",
			 b.outdir, x.guest_dir);
	return rc ? KEEL_EXIT_FAILED : 0;
}
