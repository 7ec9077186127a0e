/*
 * uts.c - the VM's host and domain names (kernel/): one pair for the whole
 * VM (keel has no UTS namespaces), starting as include/keel/version.h
 * says; linux/ sets them (sethostname, setdomainname), uname and procfs
 * read them.
 */
#include <keel/string.h>
#include <keel/uts.h>
#include <keel/version.h>

static char hostname[UTS_NAME_LEN + 1] = KEEL_UTS_NODENAME;
static char domainname[UTS_NAME_LEN + 1] = KEEL_UTS_DOMAINNAME;

void uts_hostname(char *buf)
{
	memcpy(buf, hostname, sizeof(hostname));
}

void uts_domainname(char *buf)
{
	memcpy(buf, domainname, sizeof(domainname));
}

/* Linux copies the len bytes and ends them there (a NUL among them
 * shortens the name as read back). */
static void set(char *dst, const char *name, size_t len)
{
	memset(dst, 0, UTS_NAME_LEN + 1);
	memcpy(dst, name, len);
}

void uts_set_hostname(const char *name, size_t len)
{
	set(hostname, name, len);
}

void uts_set_domainname(const char *name, size_t len)
{
	set(domainname, name, len);
}
