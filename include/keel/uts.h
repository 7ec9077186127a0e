/*
 * uts.h - the VM's host and domain names (kernel/uts.c, a kernel/ service):
 * what uname(2), /proc/sys/kernel/{hostname,domainname} and /etc/hosts
 * say, set by sethostname(2) and setdomainname(2) (linux/sys_info.c).
 */
#ifndef KEEL_UTS_H
#define KEEL_UTS_H

#include <keel/compiler.h>

#define UTS_NAME_LEN 64 /* Linux's __NEW_UTS_LEN: the names end with a NUL */

/* A copy of the name, NUL-terminated, into buf (UTS_NAME_LEN + 1 bytes). */
void uts_hostname(char *buf);
void uts_domainname(char *buf);
/* Set from len bytes of name (len <= UTS_NAME_LEN, checked by the caller;
 * the bytes are taken as they are, as Linux does). */
void uts_set_hostname(const char *name, size_t len);
void uts_set_domainname(const char *name, size_t len);

#endif
