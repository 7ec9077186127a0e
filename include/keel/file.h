/*
 * file.h - what the rest of the kernel needs from the file system (fs/):
 * open a file by path for the kernel's own use (exec, the ELF
 * interpreter), read it at an offset, and hold references. The file
 * descriptor table and the file syscalls live in fs/ and linux/.
 */
#ifndef KEEL_FILE_H
#define KEEL_FILE_H

#include <keel/compiler.h>

struct file;

/* Open path (absolute, or relative to the process's cwd) read-only,
 * following symlinks. 0 and *out (one reference), or -errno. */
int vfs_open_kernel(const char *path, struct file **out);
/* Read up to len bytes at off into a kernel buffer: bytes read or -errno. */
long file_pread(struct file *f, void *buf, size_t len, uint64_t off);
/* Size in bytes of a regular file (0 for others). */
uint64_t file_size(struct file *f);
/* Whether the file may be executed (a regular file with an x bit). */
bool file_is_executable(struct file *f);
/* The absolute path the file was opened by (for /proc/self/exe). */
const char *file_path(struct file *f);
void file_get(struct file *f);
void file_put(struct file *f);
/* The calls above, for kernel/vm.c's file mappings (vm_set_file_ops). */
extern const struct vm_file_ops file_vm_ops;

/* Build the root file system from the initrd (fs/ramfs.c); 0 or -errno. */
int vfs_init(const void *initrd, size_t size);

#endif
