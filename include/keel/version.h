/* version.h - the keel release, printed in the boot banner. */
#ifndef KEEL_VERSION_H
#define KEEL_VERSION_H
#define KEEL_VERSION "0.1.0"
#endif
