/* See LICENSE file for copyright and license details. */
/* Per-architecture facts for aarch64: 64-bit ARM. */
#define ARCH_NAME	"aarch64"	/* uname -m as Alpine's release folders name it */
#define ARCH_OCI	"arm64"	/* GOARCH, as OCI platforms name it */
#define ARCH_VARIANT	"v8"	/* the OCI platform variant */

/* syscall numbers an older libc may lack */
#ifndef SYS_renameat2
#define SYS_renameat2	276
#endif

/*
 * seccomp: the audit architecture of this ABI's calls
 * (AUDIT_ARCH_AARCH64; 32-bit ARM calls of a compat task come with another),
 * and the first number that is no call of this ABI's.
 * The calls' numbers are in syscalls.h.
 */
#define ARCH_AUDIT	0xc00000b7u
#define ARCH_FOREIGN	0x40000000u

/* what arch/common.h adds to the numbers every architecture shares */
#define ARCH_SYSBASE	0
#include "../numbers.h"
