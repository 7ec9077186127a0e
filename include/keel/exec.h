/*
 * exec.h - start the program (linux/exec.c): map path's ELF and its
 * interpreter, build the initial stack and enter user mode. Returns only
 * on failure: -errno with *why saying what is wrong with the program.
 */
#ifndef KEEL_EXEC_H
#define KEEL_EXEC_H

int exec_start(const char *path, const char *const *argv,
	       const char *const *envp, const char **why);

#endif
