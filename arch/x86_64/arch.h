/* See LICENSE file for copyright and license details. */
/* Per-architecture facts for x86_64. */
#define ARCH_NAME	"x86_64"	/* uname -m, Alpine's release folder */
#define ARCH_OCI	"amd64"		/* GOARCH, as OCI platforms name it */
#define ARCH_VARIANT	""		/* the OCI platform variant */

/* syscall numbers an older libc may lack */
#ifndef SYS_renameat2
#define SYS_renameat2	316
#endif
#ifndef SYS_openat2
#define SYS_openat2	437
#endif
