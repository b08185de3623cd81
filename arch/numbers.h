/* See LICENSE file for copyright and license details. */
/*
 * Numbers of calls every architecture shares from 424 on (arch/common.h),
 * for a libc too old to have them; arch.h includes this last, after
 * ARCH_SYSBASE.
 */
#ifndef SYS_clone3
#define SYS_clone3		(ARCH_SYSBASE + 435)
#endif
#ifndef SYS_close_range
#define SYS_close_range		(ARCH_SYSBASE + 436)
#endif
#ifndef SYS_openat2
#define SYS_openat2		(ARCH_SYSBASE + 437)
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr	(ARCH_SYSBASE + 442)
#endif
