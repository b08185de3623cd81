/* See LICENSE file for copyright and license details. */
/* Per-architecture facts for x86_64. */
#define ARCH_NAME	"x86_64"	/* uname -m, Alpine's release folder */
#define ARCH_OCI	"amd64"		/* GOARCH, as OCI platforms name it */
#define ARCH_VARIANT	""		/* the OCI platform variant */

/* syscall numbers an older libc may lack */
#ifndef SYS_renameat2
#define SYS_renameat2	316
#endif

/*
 * seccomp: the audit architecture of this ABI's calls (AUDIT_ARCH_X86_64;
 * i386's int 0x80 calls come with another), and the first number that is
 * not this ABI's: x32 calls are x86_64 numbers with __X32_SYSCALL_BIT set.
 * The calls' numbers are in syscalls.h.
 */
#define ARCH_AUDIT	0xc000003eu
#define ARCH_FOREIGN	0x40000000u

/* what arch/common.h adds to the numbers every architecture shares */
#define ARCH_SYSBASE	0
#include "../numbers.h"
