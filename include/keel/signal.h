/*
 * signal.h - Linux signals as keel delivers them, a kernel/ service
 * (kernel/signal*.c): sending, masks, waiting and delivery, used by fs/,
 * net/ and the system calls of linux/signal.c; and the two sides' hooks:
 * the architecture calls signal_* on its way back to user mode and on a
 * user fault; kernel/signal_deliver.c calls arch_signal_* to build the
 * signal frame on the user stack, linux/signal.c (rt_sigreturn) to undo
 * it.
 */
#ifndef KEEL_SIGNAL_H
#define KEEL_SIGNAL_H

#include <keel/compiler.h>
#include <keel/list.h>

struct thread;
struct process;

#define KSIG_MAX 64

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31

/* si_code values (asm-generic/siginfo.h). */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
#define SI_TKILL (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define TRAP_BRKPT 1
#define TRAP_TRACE 2
/* SIGCHLD si_code. */
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_TRAPPED 4
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

#define SIGBIT(sig) (1ULL << ((sig)-1))

/* sigaction flags and handlers, rt_sigprocmask's how. */
#define SA_NOCLDSTOP 0x00000001UL
#define SA_NOCLDWAIT 0x00000002UL
#define SA_SIGINFO 0x00000004UL
#define SA_RESTORER 0x04000000UL
#define SA_ONSTACK 0x08000000UL
#define SA_RESTART 0x10000000UL
#define SA_NODEFER 0x40000000UL
#define SA_RESETHAND 0x80000000UL
#define SIG_DFL 0
#define SIG_IGN 1
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define MINSIGSTKSZ 2048

/* The kernel's siginfo_t: 128 bytes; the fields keel fills. */
struct ksiginfo {
	int32_t signo, err, code, pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
			uint64_t value; /* sigqueue, timers */
		} kill;
		struct {
			int32_t tid, overrun;
			uint64_t value;
		} timer;
		uint64_t addr; /* faults */
		struct {
			int32_t pid;
			uint32_t uid;
			int32_t status; /* exit code or signal */
			int32_t pad;
			int64_t utime, stime; /* clock ticks */
		} chld; /* SIGCHLD */
		uint8_t bytes[112];
	};
};

/* stack_t */
struct kstack {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1U << 31)

/* A signal's action: Linux's struct kernel_sigaction (rt_sigaction). */
struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

/*
 * Pending signals: the set, and the siginfo of each instance in arrival
 * order (kernel/signal.c's entries, allocated as signals come: an idle
 * thread has none). A standard signal is queued once however often it
 * is sent before it is taken; a real-time one (32..64) once per send.
 */
struct sigpending {
	uint64_t set;
	struct list_node queue;
};

/* One thread's signal state (kernel/signal.c, under its lock). */
struct sigstate {
	struct process *proc; /* the process it was made for */
	struct thread *thread; /* NULL until started, after it ended */
	struct list_node node; /* every started thread's state */
	uint64_t blocked;
	struct sigpending pending; /* thread-directed */
	uint64_t waitset; /* rt_sigtimedwait's set while it waits */
	uint64_t saved_mask; /* sigsuspend's mask to restore */
	bool restore_mask;
	struct kstack altstack;
};

/* What the frame builder needs to know about one delivery. */
struct sigdelivery {
	int sig;
	const struct ksiginfo *info;
	uint64_t handler, restorer, flags;
	uint64_t old_mask; /* restored by rt_sigreturn */
	struct kstack old_stack; /* the thread's sigaltstack, saved in uc */
	uint64_t stack_top; /* the alternate stack's top, or 0 */
};

/*
 * The architecture's side. arch_signal_setup writes the frame below the
 * user stack pointer (or at stack_top) and points the user context at
 * the handler: 0 or -EFAULT. arch_signal_return undoes it for
 * rt_sigreturn, filling *mask, *stack and *rax (the interrupted
 * context's rax, which rt_sigreturn returns) from the frame: 0, or
 * -EFAULT for a frame that cannot be read or would not be safe to load.
 */
int arch_signal_setup(const struct sigdelivery *d);
int arch_signal_return(uint64_t *mask, struct kstack *stack, long *rax);
/* The user stack pointer and instruction pointer (after the syscall
 * instruction, in a system call) of the current user context. */
uint64_t arch_user_sp(void);
uint64_t arch_user_ip(void);
/* Make the interrupted syscall (number nr) run again on return, or
 * change the value it returns. */
void arch_syscall_restart(long nr);
void arch_syscall_set_return(long value);

/*
 * The portable side, called by the architecture. signal_exit_to_user:
 * on the way back to user mode with interrupts enabled; nr >= 0 when
 * returning from syscall nr whose result was ret (-ERESTARTSYS and
 * -ERESTARTNOHAND are settled here). signal_fault: a fault in user mode; returns when a
 * handler will run (the frame is set up), ends the process otherwise.
 */
void signal_exit_to_user(long nr, long ret);
void signal_fault(int sig, int code, uint64_t addr, const char *what,
		  uint64_t rip, uint64_t sp);
/* Whether the current thread has a signal to handle. */
bool signal_pending(void);

/*
 * Threads. signal_self: the calling thread's state (the program's first
 * thread gets the process's first state on its first use).
 * signal_thread_new: a state for a thread about to be created, with the
 * caller's mask (NULL: no memory); the new thread calls
 * signal_thread_start with it. signal_thread_end: the calling thread
 * leaves, its pending signals dropped.
 */
struct sigstate *signal_self(void);
struct sigstate *signal_thread_new(void);
void signal_thread_start(struct sigstate *s);
void signal_thread_end(void);

/* Send sig with info to thread s (of any process), or to the caller's
 * process (s NULL): 0, or -EAGAIN (a real-time signal with a sender's
 * siginfo, over RLIMIT_SIGPENDING or out of memory, as Linux). SIGKILL
 * ends the thread's process (at once when it is the caller's). */
int signal_send_to(struct sigstate *s, int sig, const struct ksiginfo *info);
/* A kill-style siginfo from this process (si_pid, si_uid, code). */
void signal_fill_info(struct ksiginfo *i, int sig, int code);
/* End the process as sig's default action does (process_exit_signal). */
__noreturn void signal_die(int sig);
/* Woken whenever a signal is sent (signalfd readers); fn, when set, is
 * called too (linux/signalfd.c wakes its pollers: kernel/ has no poll). */
extern struct waitq signal_wq;
void signal_on_send(void (*fn)(void));
/* The calling thread's pending signals in mask: take one (its number,
 * 0 if none), or look. */
int signal_dequeue(uint64_t mask, struct ksiginfo *info);
bool signal_peek(uint64_t mask);
/* Pending and blocked (rt_sigpending). */
uint64_t signal_pending_blocked(void);
/* Wait until a signal of set is pending and take it: its number, -EINTR
 * when another (unblocked) one came, -EAGAIN at deadline (0: none). */
int signal_wait(uint64_t set, uint64_t deadline, struct ksiginfo *info);
/* sig's action: the old one into old, act (unless NULL) set: 0, or
 * -EINVAL (bad number, SIGKILL or SIGSTOP). */
int signal_action(int sig, const struct ksigaction *act,
		  struct ksigaction *old);
/* Change the blocked set as how says (set NULL: no change): the old. */
uint64_t signal_procmask(int how, const uint64_t *set);
/* Block mask and sleep until a handler ran: -ERESTARTNOHAND. */
long signal_suspend(uint64_t mask);
/* sigaltstack: the old stack into old; ss (unless NULL) set: 0, -EPERM
 * while on it, -EINVAL bad flags, -ENOMEM too small. */
int signal_altstack(const struct kstack *ss, struct kstack *old);
/* rt_sigreturn: the frame's mask and alternate stack back in place. */
void signal_restore(uint64_t mask, const struct kstack *st);
/*
 * A wait with a temporary signal mask (ppoll, pselect6, epoll_pwait):
 * begin sets it; end puts the old one back now, or, when the wait was
 * interrupted, after the handler's frame is built (it holds the old one).
 */
void signal_mask_begin(uint64_t mask);
void signal_mask_end(bool interrupted);
/* Send from the kernel (SIGPIPE on EPIPE, say) to the calling thread. */
void signal_send_self(int sig);
/* Send from the kernel to the process, as a terminal signals its
 * foreground process group (keel's process is alone in its group). */
void signal_send_process(int sig);
/* Send from the kernel to every process of group pgid (a terminal's
 * foreground group). */
void signal_send_pgrp(int pgid, int sig);

/*
 * Processes (kernel/signal.c keeps a struct sighand per process: the
 * actions, the process-wide pending set, the list of its threads'
 * states). signal_fork: the child gets a copy of the caller's actions
 * (made at the first change either makes; share: CLONE_SIGHAND, the
 * same table for good), nothing pending: 0 or -ENOMEM.
 * signal_thread_new_in: a state for the first thread of child (the
 * caller's mask, as fork keeps it). signal_process_release: at the end.
 * signal_exec_reset: execve: caught signals back to SIG_DFL (ignored
 * stay ignored), the alternate stack off; the mask and pending stay
 * (with no memory for its own table then, the process is killed).
 */
struct process;
int signal_fork(struct process *child, bool share);
struct sigstate *signal_thread_new_in(struct process *child);
void signal_process_release(struct process *p);
void signal_exec_reset(void);
/*
 * Send sig to process p (process-directed: any thread not blocking it
 * takes it): 0 or -EAGAIN (as signal_send_to). SIGKILL ends p; SIGCONT
 * continues a stopped p; SIGSTOP and the other stop signals (default
 * action) stop it (process_stop).
 */
int signal_send_proc(struct process *p, int sig, const struct ksiginfo *info);
/* Whether a child's end should reap it at once (the parent ignores
 * SIGCHLD, or set SA_NOCLDWAIT on it). */
bool signal_child_autoreap(struct process *parent);
/*
 * Send sig with info to every process match accepts (1; -EPERM: it may
 * not be signalled, 0: not a target), the caller last (sig 0: none, a
 * probe): how many, or -EPERM (only refusals), -ESRCH (no target).
 * match runs under the process table's lock and must not sleep.
 */
int signal_send_each(int (*match)(struct process *p, void *arg), void *arg,
		     int sig, const struct ksiginfo *info);
/* May the caller send sig to p (kill(2)'s permission rule)? */
bool signal_may_kill(struct process *p, int sig);
/* p's process group (its pid until one is set). */
int signal_pgid(const struct process *p);

/* lib/signame.c: "SIGTERM" for SIGTERM; NULL for a real-time or unknown
 * signal. */
const char *signal_name(int sig);

#endif
