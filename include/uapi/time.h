/*
 * uapi/time.h - the Linux x86-64 ABI of time values: struct timespec,
 * timeval, itimerspec, itimerval, and the structures that carry them
 * (rusage, timex), written from time(7), clock_gettime(2), setitimer(2),
 * getrusage(2) and adjtimex(2). Each is defined here once; kernel/time.c
 * converts and checks them (include/keel/time.h).
 */
#ifndef UAPI_TIME_H
#define UAPI_TIME_H

#include <keel/compiler.h>

struct linux_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct linux_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

/* timer_settime(2), timerfd_settime(2). */
struct linux_itimerspec {
	struct linux_timespec it_interval, it_value;
};

/* setitimer(2). */
struct linux_itimerval {
	struct linux_timeval it_interval, it_value;
};

/* getrusage(2): the two times, then fourteen longs of counters. */
struct linux_rusage {
	struct linux_timeval ru_utime, ru_stime;
	int64_t ru_maxrss; /* KiB */
	int64_t rest[13];
};

/* adjtimex(2), clock_adjtime(2): struct timex of <sys/timex.h>. */
struct linux_timex {
	uint32_t modes;
	int64_t offset, freq, maxerror, esterror;
	int32_t status;
	int64_t constant, precision, tolerance;
	struct linux_timeval time;
	int64_t tick, ppsfreq, jitter;
	int32_t shift;
	int64_t stabil, jitcnt, calcnt, errcnt, stbcnt;
	int32_t tai;
	int32_t pad[11];
};

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11

#define TIMER_ABSTIME 1

#endif
