/* See LICENSE file for copyright and license details. */
/* Per-architecture facts for armv7: 32-bit ARM, hard float. */
#define ARCH_NAME	"armv7"	/* uname -m as Alpine's release folders name it */
#define ARCH_OCI	"arm"	/* GOARCH, as OCI platforms name it */
#define ARCH_VARIANT	"v7"	/* the OCI platform variant */

/* syscall numbers an older libc may lack */
#ifndef SYS_renameat2
#define SYS_renameat2	382
#endif

/*
 * seccomp: the audit architecture of this ABI's calls
 * (AUDIT_ARCH_ARM), and the first number that is not this ABI's: ARM's
 * private calls (set_tls, cacheflush) sit at 0xf0000, OABI's at 0x900000.
 * The calls' numbers are in syscalls.h.
 */
#define ARCH_AUDIT	0x40000028u
#define ARCH_FOREIGN	0x00100000u

/* what arch/common.h adds to the numbers every architecture shares */
#define ARCH_SYSBASE	0
#include "../numbers.h"
