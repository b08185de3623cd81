/* See LICENSE file for copyright and license details. */
/* Per-architecture facts for armv7: 32-bit ARM, hard float. */
#define ARCH_NAME	"armv7"	/* uname -m as Alpine's release folders name it */
#define ARCH_OCI	"arm"	/* GOARCH, as OCI platforms name it */
#define ARCH_VARIANT	"v7"	/* the OCI platform variant */

/* syscall numbers an older libc may lack */
#ifndef SYS_renameat2
#define SYS_renameat2	382
#endif
#ifndef SYS_openat2
#define SYS_openat2	437
#endif
