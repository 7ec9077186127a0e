# keel - build, run and test. See README.md; docs/testing.md explains the tests.
#   make          build/keel.elf (the kernel) and the host unit tests
#   make run      the ljsyscall test suite in keel under QEMU (tests/ljsyscall/)
#   make run-root the same suite as root, its *_root tests kept (also in make test)
#   make run-xen  the same on the real Xen hypervisor nested under QEMU
#   make run-httpd      nginx in keel under QEMU, fetched from the host, with a short load
#   make run-httpd-xen  the same nginx as a Xen guest in the nested bed, fetched from dom0
#   make run-selftest  boot the kernel under QEMU and run its self-tests
#   make test     every test: format, unit (ASan/UBSan), fuzz (brief), boot on microvm/pc/q35
#   make fuzz     the libFuzzer targets, FUZZ_TIME seconds each (tests/fuzz/)
#   make test-net the network tests against Linux's stack in a namespace (tests/net/)
#   make test-storage  storage in guests: boot mounts, disks, host directories (tests/storage/)
#   make test-proc  processes: fork, execve, wait in guests against the host (tests/proc/; also in make test)
#   make test-oom  each out-of-memory case of tests/guest/t_oom.c 20 times (tests/guest/run.sh oom)
#   make test-9p  a host directory in the guest over virtio-9p (tests/storage/9p.sh)
#   make test-xen the whole Xen suite on the nested test bed (tests/xen/), keel's network included
#   make test-xen-net  the Xen bed's network against a Linux domU's nginx (XEN_NET_GUEST=keel: keel's)
#   make bench    boot time, luajit, the ljsyscall suite, futexes and clock_gettime against a Linux VM (bench/);
#                 every bench target ends with build/bench/report.md and plots (bench/report.py)
#   make bench-net  nginx (wrk), iperf3, smallest -m and first answer against a Linux VM (bench/net.sh)
#   make bench-storage  sequential I/O, random 4 KiB reads (fio), sqlite3 against a Linux VM (bench/storage.sh)
#   make bench-proc  fork+exec+wait, a 3-process pipeline, memory per forked child against a Linux VM (bench/proc.sh)

BUILD ?= build
CC := gcc
LD := ld
QEMU ?= qemu-system-x86_64

# ---------------------------------------------------------------- kernel ---
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-isystem $(BUILD)/sysinc \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-fcf-protection=none -Iinclude -Iarch/x86_64/include -Iplat/include \
	-Idrivers/include \
	-I$(BUILD)/gen
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack \
	--no-warn-rwx-segments -T arch/x86_64/kernel.ld

KERNEL_SRCS := $(wildcard arch/x86_64/*.c arch/x86_64/*.S init/*.c kernel/*.c \
	kernel/selftests/*.c lib/*.c plat/*.c plat/kvm/*.c plat/xen/*.c drivers/*/*.c \
	fs/*.c fs/ext2/*.c fs/9p/*.c net/*.c net/lwip/*.c linux/*.c linux/*.S)
KERNEL_OBJS := $(patsubst %,$(BUILD)/k/%.o,$(KERNEL_SRCS))

all: $(BUILD)/keel.elf $(BUILD)/keel unit

# ---------------------------------------------------------------- lwIP ---
# lwIP 2.1 from Debian's `lwip` source package, fetched and unpacked once
# into $(BUILD)/lwip/src by scripts/lwip-fetch.sh (a private deb-src list;
# nothing of it is committed). Its core is compiled into net/ (objects
# under $(BUILD)/k/net/lwip/upstream/) with keel's configuration in
# net/lwip/include (lwipopts.h, arch/cc.h) and net/lwip/libc (the four
# C library headers it includes); keel's glue is net/lwip/*.c. lwIP's own
# files build with its warnings shown but without -Werror; keel's glue
# keeps -Werror. docs/net.md, "lwIP".
LWIP_DIR := $(BUILD)/lwip/src
LWIP_STAMP := $(LWIP_DIR)/.keel-unpacked
LWIP_FILES := $(addprefix core/,def.c dns.c inet_chksum.c init.c ip.c mem.c \
	memp.c netif.c pbuf.c raw.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c) \
	$(addprefix core/ipv4/,dhcp.c etharp.c icmp.c ip4.c ip4_addr.c ip4_frag.c) \
	$(addprefix core/ipv6/,ethip6.c icmp6.c inet6.c ip6.c ip6_addr.c \
	ip6_frag.c mld6.c nd6.c) \
	netif/ethernet.c
LWIP_INC := -Inet/lwip/include -I$(LWIP_DIR)/src/include
LWIP_KOBJS := $(patsubst %,$(BUILD)/k/net/lwip/upstream/%.o,$(LWIP_FILES))
LWIP_KCFLAGS := $(filter-out -Werror,$(KERNEL_CFLAGS)) -Inet/lwip/libc \
	$(LWIP_INC) -Wno-unused-parameter

$(LWIP_STAMP):
	sh scripts/lwip-fetch.sh $(BUILD)
$(LWIP_DIR)/src/%.c: | $(LWIP_STAMP)
	@test -f $@
# Made by the fetch, never removed as intermediate files of a chain.
.SECONDARY: $(addprefix $(LWIP_DIR)/src/,$(LWIP_FILES))
$(BUILD)/k/net/lwip/upstream/%.c.o: $(LWIP_DIR)/src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      lwip/$*.c"
	@$(CC) $(LWIP_KCFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/k/net/lwip/%.c.o: KERNEL_CFLAGS += -Inet/lwip/libc $(LWIP_INC)
# The glue includes lwIP's headers: fetched first (an explicit list; a
# pattern rule without a recipe would add no prerequisite).
$(patsubst %,$(BUILD)/k/%.o,$(wildcard net/lwip/*.c)): | $(LWIP_STAMP)
lwip-fetch: $(LWIP_STAMP)
KERNEL_OBJS += $(LWIP_KOBJS)

$(BUILD)/sysinc/xen:
	@mkdir -p $(BUILD)/sysinc
	@test -d /usr/include/xen || { echo "missing /usr/include/xen: run 'make deps' (libxen-dev)"; exit 1; }
	ln -sfn /usr/include/xen $@

# Linux's x86-64 syscall numbers and names, from Debian's linux-libc-dev.
UNISTD_H := /usr/include/x86_64-linux-gnu/asm/unistd_64.h
$(BUILD)/gen/syscall_names.h: scripts/syscall-names.sh
	@mkdir -p $(dir $@)
	@test -f $(UNISTD_H) || { echo "missing $(UNISTD_H): run 'make deps' (linux-libc-dev)"; exit 1; }
	sh scripts/syscall-names.sh $(UNISTD_H) > $@

$(BUILD)/k/%.c.o: %.c | $(BUILD)/sysinc/xen $(BUILD)/gen/syscall_names.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KERNEL_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

# The vDSO (linux/vdso/, docs/vm.md): a user-mode shared object built
# without libc, position-independent, one read+exec segment, no
# relocations (checked: nothing would apply them), embedded in keel.elf
# by linux/vdso_image.S.
VDSO_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) -Iinclude \
	-fPIC -fvisibility=hidden -fno-stack-protector -fcf-protection=none \
	-fno-omit-frame-pointer -mgeneral-regs-only
VDSO_LDFLAGS := -shared -nostdlib -soname=linux-vdso.so.1 --hash-style=both \
	--eh-frame-hdr --build-id=sha1 -Bsymbolic -z max-page-size=4096 \
	-z noexecstack --no-undefined
$(BUILD)/vdso/vdso.o: linux/vdso/vdso.c include/keel/vvar.h include/uapi/time.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(VDSO_CFLAGS) -c $< -o $@
$(BUILD)/vdso/vdso.so: $(BUILD)/vdso/vdso.o linux/vdso/vdso.lds linux/vdso/vdso.map
	@echo "  LD      $@"
	@$(LD) $(VDSO_LDFLAGS) -T linux/vdso/vdso.lds \
		--version-script=linux/vdso/vdso.map -o $@.tmp $<
	@readelf -rW $@.tmp | grep -q 'There are no relocations' || \
		{ echo "vdso: it has relocations"; readelf -rW $@.tmp; exit 1; }
	@test "$$(readelf -lW $@.tmp | grep -c ' LOAD ')" = 1 || \
		{ echo "vdso: more than one PT_LOAD"; exit 1; }
	@mv $@.tmp $@
$(BUILD)/k/linux/vdso_image.S.o: $(BUILD)/vdso/vdso.so
$(BUILD)/k/linux/vdso_image.S.o: KERNEL_CFLAGS += -DVDSO_SO='"$(BUILD)/vdso/vdso.so"'

# Two link passes: the second carries the symbol table of the first, which
# has the same text layout (.ksyms sits after all code).
$(BUILD)/ksyms0.S: scripts/ksyms.sh
	@mkdir -p $(BUILD)
	sh scripts/ksyms.sh - > $@
$(BUILD)/keel.stage1.elf: $(KERNEL_OBJS) $(BUILD)/ksyms0.o arch/x86_64/kernel.ld
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms0.o
$(BUILD)/ksyms.S: $(BUILD)/keel.stage1.elf scripts/ksyms.sh
	sh scripts/ksyms.sh $< > $@
$(BUILD)/%.o: $(BUILD)/%.S
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@
$(BUILD)/keel.elf: $(KERNEL_OBJS) $(BUILD)/ksyms.o arch/x86_64/kernel.ld
	$(LD) $(KERNEL_LDFLAGS) -o $@.tmp $(KERNEL_OBJS) $(BUILD)/ksyms.o
	sh scripts/ksyms.sh $@.tmp | cmp -s - $(BUILD)/ksyms.S || \
		{ echo "ksyms: symbol addresses moved between link passes"; exit 1; }
	mv $@.tmp $@
	@size $@ | tail -1 | awk '{print "keel.elf: text " $$1 " data " $$2 " bss " $$3}'

# ------------------------------------------------------------ unit tests ---
# The real kernel sources, built into Linux programs against plat/hosted.
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -DKEEL_HOSTED \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Iinclude -Iplat/hosted/include
HOSTED_SRCS := kernel/pmm.c kernel/heap.c kernel/time.c kernel/cmdline.c kernel/blkdev.c \
	kernel/uts.c kernel/memcharge.c \
	kernel/p9chan.c \
	kernel/sched.c kernel/sync.c kernel/wait.c kernel/timer.c kernel/printk.c \
	arch/x86_64/mmu.c lib/printf.c lib/elf.c lib/cpio.c lib/runconf.c \
	lib/strlcpy.c lib/signame.c plat/stdio.c \
	$(wildcard plat/hosted/*.c)
HOSTED_OBJS := $(patsubst %,$(BUILD)/h/%.o,$(HOSTED_SRCS))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))

# lib/printf.c's names would clash with the C library's on the host; the
# kernel sources that call them must reach keel's, not glibc's.
$(BUILD)/h/lib/%.c.o $(BUILD)/h/kernel/%.c.o $(BUILD)/h/arch/%.c.o \
$(BUILD)/h/fs/%.c.o $(BUILD)/h/net/%.c.o $(BUILD)/h/linux/%.c.o \
$(BUILD)/h/drivers/%.c.o: \
	HOST_CFLAGS += -Dvsnprintf=keel_vsnprintf -Dsnprintf=keel_snprintf
$(BUILD)/h/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/unit/%: tests/unit/%.c $(HOSTED_OBJS)
	@mkdir -p $(dir $@)
	@echo "  UNIT    $@"
	@$(CC) $(HOST_CFLAGS) $(CC_EXTRA) -MMD -MP -o $@ $< $(HOSTED_OBJS) -lcmocka

# arch/x86_64/copy.S (the user-memory copy, with its exception table) and
# lib/string.c, whose names would be the C library's: its symbols get a
# keel_ prefix, so it is built without the sanitizers' hooks.
COPY_HOBJS := $(BUILD)/h/arch/x86_64/copy.S.o $(BUILD)/h/lib/string-keel.o
$(BUILD)/h/arch/x86_64/copy.S.o: arch/x86_64/copy.S
	@mkdir -p $(dir $@)
	@$(CC) -DKEEL_HOSTED -c $< -o $@
$(BUILD)/h/lib/string-keel.o: lib/string.c
	@mkdir -p $(dir $@)
	@$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -DKEEL_HOSTED -Iinclude \
		-Iplat/hosted/include -fno-builtin -fno-stack-protector \
		-fno-tree-loop-distribute-patterns -c $< -o $@.tmp
	@objcopy --prefix-symbols=keel_ $@.tmp $@ && rm -f $@.tmp
$(BUILD)/unit/test_copy: $(COPY_HOBJS)
$(BUILD)/unit/test_copy: HOSTED_OBJS += $(COPY_HOBJS)

# kernel/seccomp.c: the classic BPF check, interpreter and filter stacks.
$(BUILD)/unit/test_seccomp: $(BUILD)/h/kernel/seccomp.c.o
$(BUILD)/unit/test_seccomp: HOSTED_OBJS += $(BUILD)/h/kernel/seccomp.c.o

# linux/strace.c: keel.strace's lines, over plat/hosted's user copies.
STRACE_OBJS := $(BUILD)/h/linux/strace.c.o $(BUILD)/h/linux/errnames.c.o
$(STRACE_OBJS): HOST_CFLAGS += -I$(BUILD)/gen
$(STRACE_OBJS): | $(BUILD)/gen/syscall_names.h
$(BUILD)/unit/test_strace: CC_EXTRA := -I$(BUILD)/gen
$(BUILD)/unit/test_strace: $(STRACE_OBJS)
$(BUILD)/unit/test_strace: HOSTED_OBJS += $(STRACE_OBJS)

# kernel/'s signal service, which only some unit tests link.
SIGNAL_SRCS := kernel/signal.c kernel/signal_send.c kernel/signal_deliver.c
SIGNAL_OBJS := $(patsubst %,$(BUILD)/h/%.o,$(SIGNAL_SRCS))

# fs/, net/ and the file syscalls with the kernel/ services they use (the
# process, credentials, signals): only the fs/ unit tests link them. They
# stand in for nothing of linux/; test_vfs_* show a /proc/self/maps of
# their own.
VFS_SRCS := $(filter-out $(HOSTED_SRCS) net/net.c,$(wildcard fs/*.c fs/ext2/*.c fs/9p/*.c net/*.c) \
	linux/sys_file.c linux/sys_path.c linux/sys_inotify.c \
	linux/sys_mount.c linux/sys_fsmisc.c kernel/random.c \
	kernel/process.c kernel/cred.c kernel/oom.c $(SIGNAL_SRCS))
VFS_OBJS := $(patsubst %,$(BUILD)/h/%.o,$(VFS_SRCS))
# test_vfs_*: over tests/unit/vfs_fixture.c, linked into each.
VFS_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_vfs_*.c))
VFS_FIXTURE := $(BUILD)/h/tests/unit/vfs_fixture.c.o
$(VFS_TESTS): $(VFS_OBJS) $(VFS_FIXTURE)
$(VFS_TESTS): HOSTED_OBJS += $(VFS_OBJS) $(VFS_FIXTURE)
# test_mount: the same, for mounts (its own fake process).
$(BUILD)/unit/test_mount: $(VFS_OBJS)
$(BUILD)/unit/test_mount: HOSTED_OBJS += $(VFS_OBJS)
# test_fdtable: the same, for fs/fdtable.c's fork, share and release.
$(BUILD)/unit/test_fdtable: $(VFS_OBJS)
$(BUILD)/unit/test_fdtable: HOSTED_OBJS += $(VFS_OBJS)
# test_sysctl: the same, for /proc/sys and /sys's writable files.
$(BUILD)/unit/test_sysctl: $(VFS_OBJS)
$(BUILD)/unit/test_sysctl: HOSTED_OBJS += $(VFS_OBJS)
# test_ext2_*: the same, over a RAM disk holding images mke2fs makes
# (tests/unit/ext2_fixture.c, linked into each).
EXT2_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_ext2_*.c))
EXT2_FIXTURE := $(BUILD)/h/tests/unit/ext2_fixture.c.o
$(EXT2_TESTS): $(VFS_OBJS) $(EXT2_FIXTURE)
$(EXT2_TESTS): HOSTED_OBJS += $(VFS_OBJS) $(EXT2_FIXTURE)
# test_shm: the same, for fs/shm.c (vm_stubs.h stands in for mappings).
$(BUILD)/unit/test_shm: $(VFS_OBJS)
$(BUILD)/unit/test_shm: HOSTED_OBJS += $(VFS_OBJS)
# test_sockfam: the same with the socket and poll calls, driving a fake
# protocol family through the socket family table.
SOCKFAM_OBJS := $(VFS_OBJS) $(BUILD)/h/linux/sys_socket.c.o \
	$(BUILD)/h/linux/sys_info.c.o \
	$(BUILD)/h/linux/sys_poll.c.o
$(BUILD)/unit/test_sockfam: $(SOCKFAM_OBJS)
$(BUILD)/unit/test_sockfam: HOSTED_OBJS += $(SOCKFAM_OBJS)
# fs/bcache.c alone, over a RAM disk the test makes (kernel/blkdev.c is
# in HOSTED_SRCS).
$(BUILD)/unit/test_bcache: $(BUILD)/h/fs/bcache.c.o
$(BUILD)/unit/test_bcache: HOSTED_OBJS += $(BUILD)/h/fs/bcache.c.o
# kernel/'s signal files alone, over the test's own process table.
$(BUILD)/unit/test_signal: $(SIGNAL_OBJS)
$(BUILD)/unit/test_signal: HOSTED_OBJS += $(SIGNAL_OBJS)
# fs/9p's client alone, over a 9P server the test plays (kernel/p9chan.c
# is in HOSTED_SRCS).
$(BUILD)/unit/test_9p: $(BUILD)/h/fs/9p/client.c.o
$(BUILD)/unit/test_9p: HOSTED_OBJS += $(BUILD)/h/fs/9p/client.c.o
# net/netif.c alone: the interface table and its routes.
$(BUILD)/unit/test_netif: $(BUILD)/h/net/netif.c.o
$(BUILD)/unit/test_netif: HOSTED_OBJS += $(BUILD)/h/net/netif.c.o
# net/netdev.c alone: the network device registry, with a fake driver.
$(BUILD)/unit/test_netdev: $(BUILD)/h/net/netdev.c.o
$(BUILD)/unit/test_netdev: HOSTED_OBJS += $(BUILD)/h/net/netdev.c.o

# lwIP and keel's glue (net/lwip/frame.c, sys.c, route.c with
# net/netif.c), hosted: test_lwip wires two lwIP netifs back to back.
# lwIP's files without -Werror, as in the kernel.
LWIP_HOBJS := $(patsubst %,$(BUILD)/h/lwip/%.o,$(LWIP_FILES))
LWIP_GLUE_HOBJS := $(BUILD)/h/net/lwip/frame.c.o $(BUILD)/h/net/lwip/sys.c.o \
	$(BUILD)/h/net/lwip/route.c.o $(BUILD)/h/net/netif.c.o \
	$(BUILD)/h/net/netdev.c.o $(BUILD)/h/kernel/random.c.o
$(BUILD)/h/lwip/%.c.o: $(LWIP_DIR)/src/%.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  lwip/$*.c"
	@$(CC) $(filter-out -Werror,$(HOST_CFLAGS)) $(LWIP_INC) \
		-Wno-unused-parameter -MMD -MP -c $< -o $@
$(BUILD)/h/net/lwip/%.c.o: HOST_CFLAGS += $(LWIP_INC)
$(patsubst %,$(BUILD)/h/%.o,$(wildcard net/lwip/*.c)): | $(LWIP_STAMP)
$(BUILD)/unit/test_lwip: CC_EXTRA := $(LWIP_INC) -Inet/lwip
$(BUILD)/unit/test_lwip: $(LWIP_HOBJS) $(LWIP_GLUE_HOBJS)
$(BUILD)/unit/test_lwip: HOSTED_OBJS += $(LWIP_HOBJS) $(LWIP_GLUE_HOBJS)
.SECONDARY: $(LWIP_HOBJS) $(LWIP_GLUE_HOBJS)

# drivers/virtio's queues, virtio-net and virtio-blk with the registries,
# against a device the test plays (DMA over the hosted arena).
VIRTIO_HOSTED_OBJS := $(patsubst %,$(BUILD)/h/%.o,drivers/virtio/virtqueue.c \
	drivers/virtio/virtio.c drivers/virtio/net.c drivers/virtio/blk.c \
	drivers/virtio/9p.c drivers/virtio/console.c \
	net/netdev.c)
$(BUILD)/unit/test_virtio: $(VIRTIO_HOSTED_OBJS)
$(BUILD)/unit/test_virtio: HOSTED_OBJS += $(VIRTIO_HOSTED_OBJS)
$(BUILD)/unit/test_virtio_blk: $(VIRTIO_HOSTED_OBJS)
$(BUILD)/unit/test_virtio_blk: HOSTED_OBJS += $(VIRTIO_HOSTED_OBJS)
.SECONDARY: $(VIRTIO_HOSTED_OBJS)

# drivers/xen/netfront.c with the registry, against a xenstore, grant
# table, event channels and backend the test plays (Xen's headers).
NETFRONT_HOSTED_OBJS := $(patsubst %,$(BUILD)/h/%.o,drivers/xen/netfront.c drivers/xen/xenbus.c \
	net/netdev.c)
XEN_DRIVER_HOBJS := $(patsubst %,$(BUILD)/h/%.o,$(wildcard drivers/xen/*.c))
$(XEN_DRIVER_HOBJS): HOST_CFLAGS += -I$(BUILD)/sysinc -Iplat/include -Idrivers/include
$(XEN_DRIVER_HOBJS): | $(BUILD)/sysinc/xen
$(BUILD)/unit/test_netfront: CC_EXTRA := -I$(BUILD)/sysinc -Iplat/include -Idrivers/include
$(BUILD)/unit/test_netfront: $(NETFRONT_HOSTED_OBJS) | $(BUILD)/sysinc/xen
$(BUILD)/unit/test_netfront: HOSTED_OBJS += $(NETFRONT_HOSTED_OBJS)
.SECONDARY: $(NETFRONT_HOSTED_OBJS)
# drivers/xen/blkfront.c the same way, against a blkback the test plays.
BLKFRONT_HOSTED_OBJS := $(patsubst %,$(BUILD)/h/%.o,drivers/xen/blkfront.c drivers/xen/xenbus.c)
$(BUILD)/unit/test_blkfront: CC_EXTRA := -I$(BUILD)/sysinc -Iplat/include -Idrivers/include
$(BUILD)/unit/test_blkfront: $(BLKFRONT_HOSTED_OBJS) | $(BUILD)/sysinc/xen
$(BUILD)/unit/test_blkfront: HOSTED_OBJS += $(BLKFRONT_HOSTED_OBJS)
.SECONDARY: $(BLKFRONT_HOSTED_OBJS)

# plat/xen's xenstore client and drivers/xen's console rings, against a
# xenstored and xenconsoled the test plays (test_xenrings).
XENRINGS_HOSTED_OBJS := $(patsubst %,$(BUILD)/h/%.o,plat/xen/xenstore.c drivers/xen/console.c)
$(XENRINGS_HOSTED_OBJS): HOST_CFLAGS += -I$(BUILD)/sysinc -Iplat/include \
	-Idrivers/include -Iarch/x86_64/include -Dsnprintf=keel_snprintf
$(XENRINGS_HOSTED_OBJS): | $(BUILD)/sysinc/xen
$(BUILD)/unit/test_xenrings: CC_EXTRA := -I$(BUILD)/sysinc -Iplat/include -Idrivers/include
$(BUILD)/unit/test_xenrings: $(XENRINGS_HOSTED_OBJS) | $(BUILD)/sysinc/xen
$(BUILD)/unit/test_xenrings: HOSTED_OBJS += $(XENRINGS_HOSTED_OBJS)
.SECONDARY: $(XENRINGS_HOSTED_OBJS)

# Real ELF files for test_elf (it finds them next to itself): static,
# DT_RPATH, DT_RUNPATH, and a shared object with a DT_SONAME.
ELF_SAMPLES := $(addprefix $(BUILD)/unit/elf-,static rpath runpath lib.so)
$(BUILD)/unit/elf-static: tests/unit/elf_sample.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -static -o $@ $<
$(BUILD)/unit/elf-rpath: tests/unit/elf_sample.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -Wl,-rpath,/opt/keel/lib -Wl,--disable-new-dtags -o $@ $<
$(BUILD)/unit/elf-runpath: tests/unit/elf_sample.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -Wl,-rpath,'$$ORIGIN/../lib' -Wl,--enable-new-dtags -o $@ $<
$(BUILD)/unit/elf-lib.so: tests/unit/elf_sample.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -shared -fPIC -Wl,-soname,libkeelsample.so.1 -o $@ $<
$(BUILD)/unit/test_elf: $(ELF_SAMPLES)

# The address space (kernel/vm*.c, linux/sys_mm.c): only test_vm_* link
# it, with their own file calls (vm_set_file_ops) and descriptor table
# (tests/unit/vm_fixture.c, linked into each).
VM_HOSTED_OBJS := $(patsubst %,$(BUILD)/h/%.o,$(wildcard kernel/vm*.c) linux/sys_mm.c)
VM_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_vm_*.c))
VM_FIXTURE := $(BUILD)/h/tests/unit/vm_fixture.c.o
$(VM_TESTS): $(VM_HOSTED_OBJS) $(VM_FIXTURE)
$(VM_TESTS): HOSTED_OBJS += $(VM_HOSTED_OBJS) $(VM_FIXTURE)
.SECONDARY: $(VM_HOSTED_OBJS)

unit: $(UNIT_TESTS)
.SECONDARY: $(HOSTED_OBJS) $(VFS_OBJS)

# ------------------------------------------------------------------ fuzz ---
# libFuzzer (clang, libclang-rt-14-dev) on the parsers of hostile input:
# lib/elf.c, lib/cpio.c, frames into lwIP, the socket calls, ext2 images
# and 9P replies. make fuzz
# runs each for FUZZ_TIME seconds;
# make test runs them briefly. Crashing inputs are kept in build/fuzz/.
FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Iinclude
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TIME ?= 150
FUZZ_HDRS := include/keel/compiler.h include/keel/errno.h include/keel/string.h
$(BUILD)/fuzz/fuzz_elf: lib/elf.c include/keel/elf.h $(FUZZ_HDRS)
$(BUILD)/fuzz/fuzz_cpio: lib/cpio.c include/keel/cpio.h $(FUZZ_HDRS)
$(BUILD)/fuzz/%: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(filter %.c,$(filter-out $<,$^))

# fuzz_lwip: keel's netif glue (net/lwip/frame.c, route.c's routing
# hooks) and lwIP's input path, with net/netdev.c's netbufs; lwIP's files without -Werror.
LWIP_FOBJS := $(patsubst %,$(BUILD)/fuzz/lwip/%.o,$(LWIP_FILES))
LWIP_FUZZ_CFLAGS := $(FUZZ_CFLAGS) $(LWIP_INC) -Inet/lwip -Iplat/hosted/include \
	-DKEEL_HOSTED -Dsnprintf=keel_snprintf
$(BUILD)/fuzz/lwip/%.c.o: $(LWIP_DIR)/src/%.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  lwip/$*.c"
	@$(FUZZ_CC) $(filter-out -Werror,$(LWIP_FUZZ_CFLAGS)) \
		-Wno-unused-parameter -c $< -o $@
LWIP_FUZZ_GLUE := net/lwip/frame.c net/lwip/sys.c net/lwip/route.c net/netif.c net/netdev.c
$(BUILD)/fuzz/fuzz_lwip: tests/fuzz/fuzz_lwip.c $(LWIP_FUZZ_GLUE) \
		$(LWIP_FOBJS) $(wildcard net/lwip/*.h net/lwip/include/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(LWIP_FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_lwip.c \
		$(LWIP_FUZZ_GLUE) $(LWIP_FOBJS)

# fuzz_sockcall: the socket calls as a program makes them (linux/
# sys_socket.c, net/, net/lwip/ over lwIP's loopback, fs/) on plat/hosted,
# the kernel's sources built again with the fuzzer's instrumentation.
SOCKCALL_SRCS := $(HOSTED_SRCS) $(VFS_SRCS) linux/sys_socket.c linux/sys_info.c \
	linux/sys_poll.c net/net.c $(wildcard net/lwip/*.c)
SOCKCALL_FOBJS := $(patsubst %,$(BUILD)/fuzz/h/%.o,$(SOCKCALL_SRCS))
SOCKCALL_CFLAGS := $(FUZZ_CFLAGS) -Wno-bitwise-instead-of-logical -DKEEL_HOSTED -Iplat/hosted/include $(LWIP_INC) -Inet/lwip
$(BUILD)/fuzz/h/%.c.o: %.c | $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(SOCKCALL_CFLAGS) $(if $(filter plat/%,$<),,-Dvsnprintf=keel_vsnprintf \
		-Dsnprintf=keel_snprintf) -MMD -MP -c $< -o $@
$(BUILD)/fuzz/fuzz_sockcall: tests/fuzz/fuzz_sockcall.c $(SOCKCALL_FOBJS) $(LWIP_FOBJS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(SOCKCALL_CFLAGS) -Dsnprintf=keel_snprintf -o $@ $< \
		$(SOCKCALL_FOBJS) $(LWIP_FOBJS)
.SECONDARY: $(SOCKCALL_FOBJS) $(LWIP_FOBJS)

# fuzz_ext2: images mounted by fs/ext2 and walked through the file
# calls: the VFS and plat/hosted built with the fuzzer's instrumentation
# (the objects fuzz_sockcall uses too).
EXT2_FUZZ_FOBJS := $(patsubst %,$(BUILD)/fuzz/h/%.o,$(HOSTED_SRCS) $(VFS_SRCS))
$(BUILD)/fuzz/fuzz_ext2: tests/fuzz/fuzz_ext2.c $(EXT2_FUZZ_FOBJS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(SOCKCALL_CFLAGS) -Dsnprintf=keel_snprintf -o $@ $< \
		$(EXT2_FUZZ_FOBJS)
# fuzz_9p: fs/9p/client.c's replies from a hostile server, on plat/hosted
# (kernel/p9chan.c is in HOSTED_SRCS).
FUZZ9P_FOBJS := $(patsubst %,$(BUILD)/fuzz/h/%.o,$(HOSTED_SRCS) fs/9p/client.c)
$(BUILD)/fuzz/fuzz_9p: tests/fuzz/fuzz_9p.c $(FUZZ9P_FOBJS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(SOCKCALL_CFLAGS) -o $@ $< $(FUZZ9P_FOBJS)
.SECONDARY: $(FUZZ9P_FOBJS)

# fuzz_pvh: plat/pvh_info.c, the PVH start info and memory map.
PVH_FUZZ_FOBJS := $(patsubst %,$(BUILD)/fuzz/h/%.o,$(HOSTED_SRCS))
$(BUILD)/fuzz/h/plat/pvh_info.c.o: SOCKCALL_CFLAGS += -Iplat/include -I$(BUILD)/sysinc
$(BUILD)/fuzz/h/plat/pvh_info.c.o: | $(BUILD)/sysinc/xen
$(BUILD)/fuzz/fuzz_pvh: tests/fuzz/fuzz_pvh.c $(PVH_FUZZ_FOBJS) $(BUILD)/fuzz/h/plat/pvh_info.c.o
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(SOCKCALL_CFLAGS) -Iplat/include -o $@ $< $(PVH_FUZZ_FOBJS) \
		$(BUILD)/fuzz/h/plat/pvh_info.c.o
# fuzz_acpi: plat/kvm/acpi_tables.c, the ACPI tables keel reads.
$(BUILD)/fuzz/h/plat/kvm/acpi_tables.c.o: SOCKCALL_CFLAGS += -Iplat/include -Idrivers/include
$(BUILD)/fuzz/fuzz_acpi: tests/fuzz/fuzz_acpi.c $(PVH_FUZZ_FOBJS) $(BUILD)/fuzz/h/plat/kvm/acpi_tables.c.o
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(SOCKCALL_CFLAGS) -Iplat/include -Idrivers/include -o $@ $< \
		$(PVH_FUZZ_FOBJS) $(BUILD)/fuzz/h/plat/kvm/acpi_tables.c.o
# fuzz_tty: fs/tty.c, the terminal line discipline of a pty pair.
$(BUILD)/fuzz/fuzz_tty: tests/fuzz/fuzz_tty.c $(PVH_FUZZ_FOBJS) $(BUILD)/fuzz/h/fs/tty.c.o
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(SOCKCALL_CFLAGS) -o $@ $< $(PVH_FUZZ_FOBJS) $(BUILD)/fuzz/h/fs/tty.c.o
# fuzz_procfs: writes to /proc/sys (fs/procfs.c) through the file calls,
# on the objects fuzz_ext2 uses.
$(BUILD)/fuzz/fuzz_procfs: tests/fuzz/fuzz_procfs.c $(EXT2_FUZZ_FOBJS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(SOCKCALL_CFLAGS) -Dsnprintf=keel_snprintf -o $@ $< \
		$(EXT2_FUZZ_FOBJS)
# fuzz_xenstore: plat/xen/xenstore.c against a hostile xenstored.
$(BUILD)/fuzz/h/plat/xen/xenstore.c.o: SOCKCALL_CFLAGS += -Iplat/include -I$(BUILD)/sysinc \
	-Iarch/x86_64/include -Dsnprintf=keel_snprintf
$(BUILD)/fuzz/h/plat/xen/xenstore.c.o: | $(BUILD)/sysinc/xen
$(BUILD)/fuzz/fuzz_xenstore: tests/fuzz/fuzz_xenstore.c $(PVH_FUZZ_FOBJS) $(BUILD)/fuzz/h/plat/xen/xenstore.c.o
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(SOCKCALL_CFLAGS) -Iplat/include -I$(BUILD)/sysinc -o $@ $< \
		$(PVH_FUZZ_FOBJS) $(BUILD)/fuzz/h/plat/xen/xenstore.c.o
# The fuzzers on plat/hosted share tests/fuzz/fuzz_hosted.h.
$(patsubst %,$(BUILD)/fuzz/fuzz_%,pvh acpi tty procfs xenstore ext2 sockcall): tests/fuzz/fuzz_hosted.h
fuzz-build: $(FUZZ_TARGETS) $(ELF_SAMPLES)
fuzz: deps fuzz-build
	bash tests/fuzz/run.sh $(FUZZ_TIME)

# ------------------------------------------------------------- host tool ---
# tools/keel with the kernel's own ELF, cpio and run-file code from lib/,
# and Debian's libyaml for the manifest (keel -c FILE, tools/keel/manifest.c).
TOOL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
	-Iinclude -Itools/keel
TOOL_SRCS := $(wildcard tools/keel/*.c) lib/elf.c lib/cpio.c lib/runconf.c
TOOL_OBJS := $(patsubst %,$(BUILD)/tool/%.o,$(TOOL_SRCS))

$(BUILD)/tool/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  TOOLCC  $<"
	@$(CC) $(TOOL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/keel: $(TOOL_OBJS)
	@echo "  LINK    $@"
	@$(CC) -o $@ $(TOOL_OBJS) -lyaml

PREFIX ?= /usr/local
install: $(BUILD)/keel $(BUILD)/keel.elf
	install -D -m 755 $(BUILD)/keel $(DESTDIR)$(PREFIX)/bin/keel
	install -D -m 644 $(BUILD)/keel.elf $(DESTDIR)$(PREFIX)/lib/keel/keel.elf
	install -D -m 644 docs/keel.1 $(DESTDIR)$(PREFIX)/share/man/man1/keel.1

# --------------------------------------------------------------- running ---
deps:
	@sh scripts/deps.sh

# The default job: Debian's ljsyscall test suite (lua-ljsyscall) with
# Debian's luajit, packed by keel's own build into build/ljsyscall/image and
# booted under QEMU TCG; prints the suite's output and "ljsyscall: N passed,
# M failed of T". Exits 0 when the suite reached its end (tests/ljsyscall/).
run: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/ljsyscall/run.sh --keel --show

# The same as root (run.sh --root): the suite's *_root tests too, run on
# keel's own interfaces, mounts and names (the program is root of its VM).
run-root: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/ljsyscall/run.sh --root --keel --show

# The HTTP demo: Debian's nginx in keel under QEMU (keel run -p, user
# networking with restrict=on) serves its welcome page to curl on the host;
# a 3 s wrk load prints the request rate; the guest is stopped
# (scripts/run-httpd.sh).
run-httpd: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash scripts/run-httpd.sh

# The same nginx as a Xen guest on a dom0 bridge without uplink, in the
# nested Xen test bed, fetched from dom0 (scripts/run-httpd-xen.sh).
run-httpd-xen: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash scripts/run-httpd-xen.sh

# The same image on the real Xen hypervisor nested under QEMU (tests/xen/).
run-xen: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/ljsyscall/run.sh --xen --show

# The kernel's own self-tests (what make run did before the suite).
run-selftest: deps $(BUILD)/keel.elf
	$(QEMU) -M microvm -accel tcg -cpu max -m 64 -nodefaults -nographic \
		-serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel $(BUILD)/keel.elf -append "keel.test=all"; \
	rc=$$?; [ $$rc -eq 1 ] || { echo "make run-selftest: QEMU exit status $$rc (guest status $$(( rc >> 1 )))"; exit 1; }

# Dependencies and the build are the first two cases of tests/run.sh, so
# that every outcome ends in its "N passed, N failed" line.
test:
	@MAKE="$(MAKE)" bash tests/run.sh --build

# The network tests against Linux's stack in a namespace they make
# (tests/net/; root needed): longer than make test's.
test-net: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/net/run.sh; a=$$?; bash tests/net/dns.sh && [ $$a = 0 ]

# Storage in guests: mounts at boot, disks, host directories (tests/storage/;
# make test runs the fast subset).
test-storage: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/storage/run.sh full; a=$$?; bash tests/storage/9p.sh && [ $$a = 0 ]

# Running out of memory (issue 16): each exhaustion case of tests/guest/t_oom.c
# 20 times (tests/guest/run.sh oom; make test runs 1 of each).
test-oom: $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/guest/run.sh oom

# The in-guest syscall fuzzer at length (issue 16): 10 seeds of 10^6 calls on
# QEMU and one on the nested Xen bed (tests/long/run.sh; make test runs 4 of
# 10,000 calls).
test-long: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/long/run.sh

# /proc per process read by busybox ps, top, cat in guests (tests/guest/procfs.sh).
test-procfs: $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/guest/procfs.sh
# Processes (issue 15): fork, execve, wait, groups, shells, popen, Python's
# subprocess and multiprocessing, each against the host's run
# (tests/proc/run.sh; --host runs the references alone). Part of make test.
test-proc: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/proc/run.sh

# A temporary host directory shared with QEMU's virtio-9p (pc, q35,
# microvm), changed by the guest and checked from the host.
test-9p: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/storage/9p.sh

test-xen: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/xen/tests.sh full; a=$$?; bash tests/xen/net.sh keel && [ $$a = 0 ]

# Root: Debian's nginx for the Linux reference guest. XEN_NET_GUEST=keel for keel's.
test-xen-net: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash tests/xen/net.sh $(XEN_NET_GUEST)

xen-bed: deps
	bash tests/xen/setup.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

bench: deps $(BUILD)/keel.elf $(BUILD)/keel
	bash bench/boot-time.sh $(BUILD)/keel.elf
	KEEL=$(BUILD)/keel KEEL_ELF=$(BUILD)/keel.elf bash bench/luajit.sh
	KEEL=$(BUILD)/keel KEEL_ELF=$(BUILD)/keel.elf bash bench/ljsyscall.sh
	KEEL=$(BUILD)/keel KEEL_ELF=$(BUILD)/keel.elf bash bench/futex.sh
	KEEL=$(BUILD)/keel KEEL_ELF=$(BUILD)/keel.elf bash bench/clock.sh
	python3 bench/report.py $(BUILD)/bench

# The table and plots again from whatever build/bench holds (no benchmark runs).
bench-report:
	python3 bench/report.py $(BUILD)/bench

bench-net: deps $(BUILD)/keel.elf $(BUILD)/keel
	KEEL=$(BUILD)/keel KEEL_ELF=$(BUILD)/keel.elf bash bench/net.sh
	python3 bench/report.py $(BUILD)/bench

bench-storage: deps $(BUILD)/keel.elf $(BUILD)/keel
	KEEL=$(BUILD)/keel KEEL_ELF=$(BUILD)/keel.elf bash bench/storage.sh
	python3 bench/report.py $(BUILD)/bench

bench-proc: deps $(BUILD)/keel.elf $(BUILD)/keel
	KEEL=$(BUILD)/keel KEEL_ELF=$(BUILD)/keel.elf bash bench/proc.sh
	python3 bench/report.py $(BUILD)/bench

clean:
	rm -rf $(BUILD)/k $(BUILD)/h $(BUILD)/unit $(BUILD)/tool $(BUILD)/keel $(BUILD)/fuzz $(BUILD)/*.elf $(BUILD)/*.o $(BUILD)/*.S

.PHONY: bench-report all lwip-fetch unit fuzz fuzz-build deps run run-root run-xen run-selftest run-httpd run-httpd-xen test test-net test-storage test-procfs test-oom test-long test-9p test-xen test-xen-net xen-bed install format bench bench-net bench-storage bench-proc clean test-proc
-include $(shell find $(BUILD)/k $(BUILD)/h $(BUILD)/unit $(BUILD)/tool $(BUILD)/fuzz/h -name '*.d' 2>/dev/null)
