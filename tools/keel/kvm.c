/*
 * kvm.c - may keel run use KVM here? (keel run, --accel auto or kvm.)
 * /dev/kvm must open, and a probe boot of the kernel with no job must
 * end with keel's own exit status within PROBE_SECONDS. The answer is
 * cached in the cache directory, keyed by what decides it: the QEMU
 * binary, the host kernel (uname release and version, which a reboot
 * into another kernel or a module update changes), /dev/kvm's device
 * number, and the keel kernel's contents (a hash of the build's
 * keel.elf, not the per-run copy). QEMU's own messages from the probe are
 * never shown; the first line that explains a failure becomes the reason
 * (docs/kvm.md: what it says on a host whose KVM cannot run keel). A run
 * that KVM stops after a passing probe turns the cached answer to no
 * (kvm_record_failure, from run.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keel.h"

#define PROBE_SECONDS 3

/*
 * -cpu host minus IA32_ARCH_CAPABILITIES: some KVMs (a nested, paravirtual
 * one found in testing, docs/kvm.md) report the MSR among their feature
 * MSRs yet refuse QEMU's write of the value they reported, and QEMU 7.2
 * then aborts before the guest runs. keel never reads the MSR.
 */
const char *kvm_cpu_model(void)
{
	return "host,-arch-capabilities";
}

/* FNV-1a over the file: the kernel build's identity. 0 if unreadable. */
static uint64_t file_hash(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL;
	fclose(f);
	return h;
}

static const char *qemu(void)
{
	const char *q = getenv("KEEL_QEMU");

	return q && *q ? q : "qemu-system-x86_64";
}

/* QEMU's file as the exec will find it (quietly: NULL if nowhere). */
static char *qemu_path(void)
{
	const char *path = getenv("PATH"), *q = qemu();

	if (strchr(q, '/'))
		return xstrdup(q);
	while (path && *path) {
		size_t n = strcspn(path, ":");
		char *c = xasprintf("%.*s/%s", (int)n, path, q);

		if (!access(c, X_OK))
			return c;
		free(c);
		path += n + (path[n] == ':');
	}
	return NULL;
}

static char *probe_key(const char *kernel, dev_t kvm_dev)
{
	struct utsname u;
	struct stat sq;
	const char *q = qemu();
	char *qpath = qemu_path();

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	if (!qpath || stat(qpath, &sq))
		memset(&sq, 0, sizeof(sq));
	char *key = xasprintf("qemu %s %lld %lld | host %s %s | kvm %llx | "
			      "keel %016llx",
			      qpath ? qpath : q, (long long)sq.st_size,
			      (long long)sq.st_mtime, u.release, u.version,
			      (unsigned long long)kvm_dev,
			      (unsigned long long)file_hash(kernel));
	free(qpath);
	for (char *p = key; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return key;
}

/* The first line of QEMU's output that says why the probe failed. */
static void qemu_reason(const char *out, char *why, size_t whylen)
{
	static const char *const marks[] = { "KVM internal error",
					     "failed to set MSR", "keel: panic",
					     "qemu-system", "error" };

	if (strstr(out, "KVM internal error") &&
	    strstr(out, "emulation failure")) {
		snprintf(why, whylen,
			 ": KVM internal error, emulation failure (this KVM "
			 "emulates the guest's ring 0, and its emulator "
			 "stopped in keel's kernel; see docs/kvm.md)");
		return;
	}
	for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
		const char *s = strstr(out, marks[m]);

		if (!s)
			continue;
		while (s > out && s[-1] != '\n')
			s--;
		size_t n = strcspn(s, "\n");
		snprintf(why, whylen, ": %.*s", (int)(n > 160 ? 160 : n), s);
		return;
	}
	/* Else where the kernel got to: its last complete line. */
	const char *end = strrchr(out, '\n'), *s = end;

	while (s && s > out && s[-1] != '\n')
		s--;
	if (s && end > s)
		snprintf(why, whylen, "; its last line: \"%.*s\"",
			 (int)(end - s > 120 ? 120 : end - s), s);
	else
		*why = '\0';
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run argv with stdin /dev/null and stdout and stderr into out (kept up
 * to outlen - 1 bytes), killed after PROBE_SECONDS. Returns the wait
 * status, or -1 if it could not run; *timed_out says it was killed.
 */
static int run_captured(char **argv, char *out, size_t outlen, bool *timed_out)
{
	int p[2], status;
	size_t len = 0;
	double deadline = seconds() + PROBE_SECONDS;
	pid_t pid;

	*timed_out = false;
	*out = '\0';
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		double left = deadline - seconds();
		struct pollfd pf = { p[0], POLLIN, 0 };
		char buf[4096];
		ssize_t n;

		if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) == 0) {
			*timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		n = read(p[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < outlen) {
			size_t take = (size_t)n < outlen - 1 - len
					  ? (size_t)n
					  : outlen - 1 - len;
			memcpy(out + len, buf, take);
			len += take;
			out[len] = '\0';
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Boot the kernel once under KVM: "ok ..." or "no <why>". */
static void probe(const char *kernel, char *line, size_t len)
{
	char *argv[] = { (char *)qemu(),
			 "-M",
			 "microvm,rtc=on",
			 "-accel",
			 "kvm",
			 "-cpu",
			 (char *)kvm_cpu_model(),
			 "-m",
			 "32M",
			 "-nodefaults",
			 "-no-user-config",
			 "-display",
			 "none",
			 "-serial",
			 "stdio",
			 "-no-reboot",
			 "-device",
			 "isa-debug-exit,iobase=0xf4,iosize=0x04",
			 "-kernel",
			 (char *)kernel,
			 "-append",
			 "keel.test=none",
			 NULL };
	static char out[16384];
	char why[200];
	bool timed_out;
	double t0 = seconds();
	int st = run_captured(argv, out, sizeof(out), &timed_out);
	double took = seconds() - t0;

	qemu_reason(out, why, sizeof(why));
	if (st == -1)
		snprintf(line, len, "no QEMU did not run (%s)", argv[0]);
	else if (timed_out)
		snprintf(line, len, "no a probe boot did not finish in %d s%s",
			 PROBE_SECONDS, why);
	else if (!WIFEXITED(st))
		snprintf(line, len,
			 "no QEMU was killed by signal %d in a probe boot%s",
			 WTERMSIG(st), why);
	else if (WEXITSTATUS(st) != 1)
		snprintf(line, len, "no a probe boot failed (QEMU exit %d)%s",
			 WEXITSTATUS(st), why);
	else
		snprintf(line, len, "ok a probe boot took %.2f s", took);
}

/* /dev/kvm's device number, or 0 (and *err) when it does not open. */
static dev_t kvm_device(int *err)
{
	struct stat sd;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	*err = 0;
	if (fd < 0) {
		*err = errno;
		return 0;
	}
	if (fstat(fd, &sd))
		sd.st_rdev = 0;
	close(fd);
	return sd.st_rdev;
}

static void write_stamp(const char *stamp, const char *key, const char *line)
{
	FILE *f = fopen(stamp, "w");

	if (f) {
		fprintf(f, "%s\n%s\n", key, line);
		fclose(f);
	}
}

/*
 * A run that the probe let use KVM was stopped by it all the same (QEMU's
 * "KVM internal error": the probe boot does less than a program does):
 * the cache says no from now on, with what happened as the reason, until
 * the key changes.
 */
void kvm_record_failure(const char *kernel, const char *cache, const char *what)
{
	int err;
	dev_t dev = kvm_device(&err);
	char *key = probe_key(kernel, dev),
	     *stamp = path_join(cache, "kvm-probe");
	char *line = xasprintf("no a run stopped under KVM: %.160s", what);

	write_stamp(stamp, key, line);
	free(line);
	free(stamp);
	free(key);
}

bool kvm_works(const char *kernel, const char *cache, char *why, size_t whylen)
{
	char *stamp, *key, line[400] = "";
	FILE *f;
	int err;
	dev_t dev = kvm_device(&err);

	if (err) {
		snprintf(why, whylen, "/dev/kvm: %s", strerror(err));
		return false;
	}
	key = probe_key(kernel, dev);
	stamp = path_join(cache, "kvm-probe");
	f = fopen(stamp, "r");
	if (f) {
		char k[1024] = "";

		if (fgets(k, sizeof(k), f) && fgets(line, sizeof(line), f)) {
			k[strcspn(k, "\n")] = '\0';
			line[strcspn(line, "\n")] = '\0';
		}
		fclose(f);
		if (!strcmp(k, key) && *line) {
			free(stamp);
			free(key);
			snprintf(why, whylen, "%s (cached)", line + 3);
			return !strncmp(line, "ok ", 3);
		}
	}
	probe(kernel, line, sizeof(line));
	write_stamp(stamp, key, line);
	free(stamp);
	free(key);
	snprintf(why, whylen, "%s", line + 3);
	return !strncmp(line, "ok ", 3);
}
