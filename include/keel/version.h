/* version.h - the keel release, printed in the boot banner. */
#ifndef KEEL_VERSION_H
#define KEEL_VERSION_H
#define KEEL_VERSION "0.1.0"
/* What uname(2) and /proc/sys/kernel report: a release glibc accepts. */
#define KEEL_UTS_RELEASE "6.1.0-keel"
#define KEEL_UTS_NODENAME "keel"
#define KEEL_UTS_DOMAINNAME "(none)"
#endif
