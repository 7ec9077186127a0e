/*
 * proc.h - what the process tests (tests/guest/t_fork, t_exec, t_wait,
 * t_pgrp; issue 15) share besides check.h: xfork, which stops the program
 * with the reason when fork fails (every later check would wait for a
 * child that does not exist), and reap.
 */
#ifndef GUEST_PROC_H
#define GUEST_PROC_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static inline pid_t xfork(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		printf("FAIL fork: %s (the remaining checks need it)\n",
		       strerrorname_np(errno));
		exit(1);
	}
	return pid;
}

/* The child's exit status, or 1000 + the signal that ended it, or -errno. */
static inline int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

#endif
