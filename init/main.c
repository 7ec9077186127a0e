/*
 * main.c - kernel_main, the portable boot sequence (init/, above every
 * layer: the one place that calls them all in order): banner, physical
 * memory, page tables, CPU state, platform clocks and timer, the
 * scheduler, the initrd; then the job (the self-tests with keel.test=,
 * else the program the initrd names) and shutdown. For the program it
 * also joins the layers: net/ and linux/ hand their services to the
 * layers below (linux_init, net_init), fs/ its files to kernel/vm.c.
 */
#include <keel/arch.h>
#include <keel/blkdev.h>
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/exec.h>
#include <keel/file.h>
#include <keel/heap.h>
#include <keel/hyper.h>
#include <keel/initrd.h>
#include <keel/netif.h>
#include <keel/netstack.h>
#include <keel/oom.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/selftest.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/version.h>
#include <keel/vm.h>

/* Physical memory the boot page tables reach (the low 4 GiB). */
#define BOOT_MAP_LIMIT 0x100000000ULL

static void mm_init(void)
{
	struct hyper_mem_region ram[64];
	struct pmm_range r[64], res[10];
	unsigned n = hyper_memory_map(ram, ARRAY_SIZE(ram)), nres = 0;
	uint64_t base, size, bytes = 0;
	struct pmm_stats st;

	n = MIN(n, ARRAY_SIZE(ram));
	for (unsigned i = 0; i < n; i++) {
		r[i].base = ram[i].base;
		r[i].size = ram[i].size;
		bytes += ram[i].size;
	}
	arch_kernel_extent(&res[0].base, &base);
	res[0].size = base - res[0].base;
	nres = 1;
	if (initrd_embedded_range(&base, &size))
		res[nres++] = (struct pmm_range){ base, size };
	for (unsigned i = 0;
	     nres < ARRAY_SIZE(res) && !hyper_boot_module(i, &base, &size); i++)
		res[nres++] = (struct pmm_range){ base, size };
	if (n == 0 || pmm_init(r, n, res, nres, BOOT_MAP_LIMIT))
		panic("no usable memory map from the boot loader");
	arch_mm_init();
	/* No output until hyper_init: a console may need remapping first. */
	hyper_init();
	pmm_stats(&st);
	printk("mem: %lu KiB RAM in %u regions, %zu KiB free\n", bytes >> 10, n,
	       st.free_pages * (PAGE_SIZE >> 10));
}

/* The program the initrd (or the command line after "--") names. */
/* A process's files go when it ends (the first one's stay open for the
 * shutdown that follows). Registered first, so it runs last. */
static void fs_exit(struct process *p)
{
	if (p != process_init_proc())
		fs_process_release(p);
}

static struct process_exit_hook fs_exit_hook = { .fn = fs_exit };
/* What the OOM path may take back first: the block cache's clean data. */
static struct oom_reclaimer bcache_reclaimer = { .reclaim = bcache_reclaim };

/* The program's thread: its kernel stack carries its syscalls. */
static void program_thread(void *arg)
{
	struct job *job = arg;
	struct process *p = current_process();
	const char *why = "its files could not be set up";
	const void *rd;
	const char *source;
	size_t rd_size;
	int err;

	current_thread()->proc = p; /* the first process's first thread */
	process_on_exit(&fs_exit_hook);
	p->start_ns = time_now_ns();
	p->exe = (char *)job->argv[0];
	p->argv = job->argv;
	/* The thread's name (prctl PR_GET_NAME, comm) is the program's. */
	for (const char *s = p->exe; *s; s++)
		if (*s == '/' || s == p->exe)
			strlcpy(current_thread()->name, *s == '/' ? s + 1 : s,
				sizeof(current_thread()->name));
	memcpy(p->comm, current_thread()->name, sizeof(p->comm));
	net_init();
	linux_init();
	vm_set_file_ops(&file_vm_ops);
	oom_register_reclaimer(&bcache_reclaimer);
	err = initrd_find(&rd, &rd_size, &source);
	if (!err)
		err = vfs_init(rd, rd_size);
	if (!err)
		err = vm_init();
	if (!err)
		arch_thread_set_space(&current_thread()->arch,
				      vm_mm_root(p->mm));
	if (!err)
		err = fs_process_init(p, job->cwd);
	if (!err)
		netstack_wait_configured();
	if (!err)
		err = exec_start(job->argv[0], job->argv, job->envp, &why);
	printk_unmute(true);
	printk("keel: cannot run %s: %s (error %d)\n", job->argv[0], why, err);
	kernel_shutdown(KEEL_STATUS_NOEXEC);
}

static __noreturn void start_program(struct job *job)
{
	struct thread *t = thread_create("program", program_thread, job);

	if (!t) {
		printk("keel: cannot run the program: out of memory\n");
		kernel_shutdown(KEEL_STATUS_NOEXEC);
	}
	thread_join(t);
	panic("the program's thread returned");
}

static __noreturn void run_job(void)
{
	const char *why = NULL;
	struct job job;
	int err = job_load(&job, &why);

	if (err == -ENOENT) {
		printk("keel: nothing to run (no keel.test= and no program in "
		       "the initrd)\n");
		kernel_shutdown(1);
	}
	if (err) {
		printk("keel: cannot run the program: %s\n", why);
		kernel_shutdown(KEEL_STATUS_NOEXEC);
	}
	job_print(&job);
	start_program(&job);
}

__noreturn void kernel_main(void)
{
	int failed;

	int toolong = cmdline_init(hyper_cmdline());

	/* keel.quiet hides the boot lines from a program's output (not from
	 * self-tests, whose output is the point). */
	if (cmdline_get("keel.quiet") && !cmdline_get("keel.test"))
		printk_mute();
	printk("keel %s on %s\n", KEEL_VERSION, hyper_name());
	if (toolong)
		printk("keel: command line too long, ignored\n");
	printk("cmdline: %s\n", hyper_cmdline());
	mm_init();
	initrd_init();
	arch_cpu_init();
	sched_init();
	hyper_init_late();
	arch_irq_enable();
	printk("keel: up in %lu us\n", time_now_ns() / 1000);

	if (cmdline_get("keel.test")) {
		failed = selftest_run();
		kernel_shutdown(failed ? 1 : 0);
	}
	run_job();
}
