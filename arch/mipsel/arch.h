/* See LICENSE file for copyright and license details. */
/* Per-architecture facts for mipsel: 32-bit little-endian MIPS, o32. */
#define ARCH_NAME	"mipsel"	/* uname -m as Alpine's release folders name it */
#define ARCH_OCI	"mipsle"	/* GOARCH, as OCI platforms name it */
#define ARCH_VARIANT	""	/* the OCI platform variant */

/* syscall numbers an older libc may lack */
#ifndef SYS_renameat2
#define SYS_renameat2	4351
#endif

/*
 * seccomp: the audit architecture of this ABI's calls
 * (AUDIT_ARCH_MIPSEL; a 64-bit kernel's n32 and n64 calls come with
 * others), and the first number that is not o32's, which are 4000 to 4999.
 * The calls' numbers are in syscalls.h.
 */
#define ARCH_AUDIT	0x40000008u
#define ARCH_FOREIGN	5000u

/* what arch/common.h adds to the numbers every architecture shares */
#define ARCH_SYSBASE	4000
#include "../numbers.h"
