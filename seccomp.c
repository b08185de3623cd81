/* See LICENSE file for copyright and license details. */
/*
 * The container's seccomp filter: Docker's default profile, as a classic
 * BPF program built here from two tables.
 *
 * Why: without it a container creates a user namespace and with it every
 * capability over new mount, network and cgroup namespaces, the surface of
 * most kernel escapes of recent years (a nested user and cgroup namespace
 * reached the host's cgroup v1 hierarchy); and it reaches the keyrings,
 * bpf, perf, userfaultfd, io_uring, the new mount API and kexec.
 *
 * The profile names system calls and so holds for every architecture;
 * arch/ARCH/syscalls.h numbers them for one, and arch.h gives its audit
 * architecture.  Each number the arch table has gets the profile's answer:
 * allowed; allowed if the container keeps a capability (Docker's rule:
 * CAP_SYS_ADMIN brings the namespace and mount calls, CAP_SYS_PTRACE kcmp
 * and pidfd_getfd, and so on); allowed on a look at its arguments (clone,
 * socket, personality); or EPERM.  A number the table lacks gets ENOSYS,
 * so that a call newer than the table fails as on an older kernel and a
 * libc falls back (runc does the same for calls libseccomp does not know).
 *
 * The program:
 *	arch is not ours	kill the process: i386 calls through int 0x80
 *	nr >= ARCH_FOREIGN	kill, but for -1: x32 calls, ours with bit 30
 *	nr			a binary search over runs of numbers that get
 *				one answer, then that answer
 * About a dozen instructions decide a call (x86_64's table makes 68 runs,
 * seven levels).  Since Linux 5.11 the kernel also finds the calls this
 * program allows whatever their arguments and lets them pass without
 * running it; read, write, futex and the rest then cost only the slower
 * way into the kernel that any filter brings (make bench measures both).
 * Where the answer depends on an argument, only its low 32 bits are
 * looked at, because that is all the kernel takes of an int or of clone's
 * flags: a filter comparing 64 bits would let socket((1 << 32) | AF_VSOCK)
 * through, which the kernel reads as AF_VSOCK.
 *
 * An OCI profile (config.json's linux.seccomp, which engines pass) is
 * compiled by the same code: the arch table numbers its names, the same
 * runs and search find a call, and a call with argument rules gets a
 * leaf of its own, each rule a block of comparisons ending in its action.
 * What libseccomp would do, runc's way, is followed where a profile
 * depends on it: unknown names are skipped, a rule with the default
 * action dropped, two comparisons of one argument taken as either, the
 * first rule to hold decides (podman's profile names setns both allowed
 * and EPERM; under runc it is allowed), and all 64 bits of an argument
 * are compared, high word first, as the profile's values are 64-bit.
 */
#include <sys/prctl.h>
#include <sys/utsname.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "pieces.h"

/* the kernel's ABI, <linux/filter.h> and <linux/seccomp.h>, which musl lacks */
#define LD		0x20		/* BPF_LD | BPF_W | BPF_ABS */
#define JA		0x05		/* BPF_JMP | BPF_JA */
#define JEQ		0x15		/* BPF_JMP | BPF_JEQ | BPF_K */
#define JGE		0x35		/* BPF_JMP | BPF_JGE | BPF_K */
#define JGT		0x25		/* BPF_JMP | BPF_JGT | BPF_K */
#define JSET		0x45		/* BPF_JMP | BPF_JSET | BPF_K */
#define AND		0x54		/* BPF_ALU | BPF_AND | BPF_K */
#define RET		0x06		/* BPF_RET | BPF_K */
#define KILL		0x80000000u	/* SECCOMP_RET_KILL_PROCESS; before 4.14 the thread */
#define KILLTHREAD	0x00000000u	/* SECCOMP_RET_KILL_THREAD */
#define TRAP		0x00030000u	/* SECCOMP_RET_TRAP */
#define ERRNO		0x00050000u	/* SECCOMP_RET_ERRNO, with the errno below it */
#define TRACE		0x7ff00000u	/* SECCOMP_RET_TRACE, with the errno below it */
#define LOG		0x7ffc0000u	/* SECCOMP_RET_LOG */
#define ALLOWED		0x7fff0000u	/* SECCOMP_RET_ALLOW */
#define MODE_FILTER	2		/* SECCOMP_MODE_FILTER */
#define INSNMAX		4096		/* BPF_MAXINSNS: the longest program */

/* struct seccomp_data: the number, the audit arch, the low word of args[0] */
#define NR		0
#define AUDITARCH	4
#define ARG0		(16 + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0))
/* and both words of each argument, for a profile's comparisons */
#define ARGLO(i)	(16 + 8 * (i) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0))
#define ARGHI(i)	(16 + 8 * (i) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 0 : 4))

/* the capabilities that widen the profile (<linux/capability.h>) */
#define DACREAD		(1ULL << 2)	/* CAP_DAC_READ_SEARCH */
#define SYSMODULE	(1ULL << 16)
#define SYSRAWIO	(1ULL << 17)
#define SYSCHROOT	(1ULL << 18)
#define SYSPTRACE	(1ULL << 19)
#define SYSPACCT	(1ULL << 20)
#define SYSADMIN	(1ULL << 21)
#define SYSBOOT		(1ULL << 22)
#define SYSNICE		(1ULL << 23)
#define SYSTIME		(1ULL << 25)
#define SYSTTYCONFIG	(1ULL << 26)
#define SYSLOG		(1ULL << 34)
#define PERFMON		(1ULL << 38)
#define BPF		(1ULL << 39)

/* clone's namespace flags: CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER,
 * NEWPID, NEWNET (CLONE_NEWTIME is in the signal byte clone cannot ask for) */
#define CLONENS		0x7e020000u

/* socket families denied: AF_ALG, AF_VSOCK (Docker's, after their CVEs) */
static const uint32_t families[] = { 38, 40 };
/* personalities allowed: PER_LINUX, PER_LINUX32, each with UNAME26, and
 * 0xffffffff, which only asks; ADDR_NO_RANDOMIZE and the rest are not */
static const uint32_t personas[] = { 0, 8, 0x20000, 0x20008, 0xffffffff };

/* what a call gets: an answer, or a look at its arguments */
enum {
	GIVE_ENOSYS, GIVE_EPERM, GIVE_ALLOW, CHECK_CLONE, CHECK_SOCKET, CHECK_PERSONA,
	GIVE_RET, CHECK_RULES		/* a profile's: an action, or its rules for a call */
};

/*
 * The calls allowed whatever the capabilities, sorted (strcmp): Docker's
 * list, which names calls of all its architectures; a name an arch table
 * lacks is never looked up.  socketcall is left out, unlike Docker's: where
 * an architecture has it, it carries socket() past the family check.
 * Not here and not in rules, so EPERM: keyctl, add_key, request_key,
 * userfaultfd, io_uring_*, kexec_load, kexec_file_load, swapon, swapoff,
 * pivot_root, nfsservctl, uselib, ustat, sysfs, _sysctl, move_pages,
 * migrate_pages, listns and the rest of what no container needs.
 */
static const char *const allowed[] = {
	"_llseek", "_newselect", "accept", "accept4", "access", "adjtimex",
	"alarm", "arch_prctl", "arm_fadvise64_64", "arm_sync_file_range",
	"bind", "breakpoint", "brk", "cacheflush", "cachestat", "capget",
	"capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
	"clock_adjtime64", "clock_getres", "clock_getres_time64",
	"clock_gettime", "clock_gettime64", "clock_nanosleep",
	"clock_nanosleep_time64", "close", "close_range", "connect",
	"copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
	"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
	"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
	"fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir",
	"fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
	"fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock",
	"fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64",
	"fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
	"futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
	"futex_wake", "futimesat", "get_robust_list", "get_thread_area",
	"getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
	"geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
	"getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp",
	"getpid", "getppid", "getpriority", "getrandom", "getresgid",
	"getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage",
	"getsid", "getsockname", "getsockopt", "gettid", "gettimeofday",
	"getuid", "getuid32", "getxattr", "getxattrat", "inotify_add_watch",
	"inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel",
	"io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
	"io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc",
	"kill", "landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link",
	"linkat", "listen", "listmount", "listxattr", "listxattrat",
	"llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64",
	"madvise", "map_shadow_stack", "membarrier", "memfd_create",
	"memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat",
	"mlock", "mlock2", "mlockall", "mmap", "mmap2", "modify_ldt",
	"mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
	"mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd",
	"msync", "munlock", "munlockall", "munmap", "name_to_handle_at",
	"nanosleep", "newfstatat", "open", "openat", "openat2", "pause",
	"pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc",
	"pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
	"pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
	"pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2",
	"read", "readahead", "readlink", "readlinkat", "readv", "recv",
	"recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
	"remap_file_pages", "removexattr", "removexattrat", "rename",
	"renameat", "renameat2", "restart_syscall", "riscv_flush_icache",
	"riscv_hwprobe", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
	"rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
	"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr",
	"sched_get_priority_max", "sched_get_priority_min",
	"sched_getaffinity", "sched_getattr", "sched_getparam",
	"sched_getscheduler", "sched_rr_get_interval",
	"sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
	"sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
	"select", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg",
	"sendmsg", "sendto", "set_robust_list", "set_thread_area",
	"set_tid_address", "set_tls", "setfsgid", "setfsgid32", "setfsuid",
	"setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
	"setitimer", "setpgid", "setpriority", "setregid", "setregid32",
	"setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid",
	"setreuid32", "setrlimit", "setsid", "setsockopt", "setuid",
	"setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt",
	"shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
	"sigprocmask", "sigreturn", "socketpair", "splice", "stat", "stat64",
	"statfs", "statfs64", "statmount", "statx", "swapcontext", "symlink",
	"symlinkat", "sync", "sync_file_range", "sync_file_range2", "syncfs",
	"sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
	"timer_getoverrun", "timer_gettime", "timer_gettime64",
	"timer_settime", "timer_settime64", "timerfd_create",
	"timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
	"timerfd_settime64", "times", "tkill", "truncate", "truncate64",
	"ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe",
	"utime", "utimensat", "utimensat_time64", "utimes", "vfork",
	"vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
};

/*
 * The calls with a condition, sorted: caps allows it outright (any of
 * them), else kind says: CAPS no, CLONE without namespace flags, CLONE3
 * ENOSYS (so that libcs use clone, whose flags can be seen), SOCKET not of
 * the families above, PERSONA only the personalities above, PTRACE on
 * kernels from 4.8 (before, a tracer could change a call after seccomp had
 * passed it).  open_tree_attr is the mount API's too, new in 6.15.
 */
enum { CAPS = 1, CLONE, CLONE3, SOCKET, PERSONA, PTRACE };
static const struct rule {
	const char *name;
	int kind;
	uint64_t caps;
} rules[] = {
	{ "acct", CAPS, SYSPACCT },
	{ "bpf", CAPS, SYSADMIN | BPF },
	{ "chroot", CAPS, SYSCHROOT },
	{ "clock_settime", CAPS, SYSTIME },
	{ "clock_settime64", CAPS, SYSTIME },
	{ "clone", CLONE, SYSADMIN },
	{ "clone3", CLONE3, SYSADMIN },
	{ "delete_module", CAPS, SYSMODULE },
	{ "fanotify_init", CAPS, SYSADMIN },
	{ "finit_module", CAPS, SYSMODULE },
	{ "fsconfig", CAPS, SYSADMIN },
	{ "fsmount", CAPS, SYSADMIN },
	{ "fsopen", CAPS, SYSADMIN },
	{ "fspick", CAPS, SYSADMIN },
	{ "get_mempolicy", CAPS, SYSNICE },
	{ "init_module", CAPS, SYSMODULE },
	{ "ioperm", CAPS, SYSRAWIO },
	{ "iopl", CAPS, SYSRAWIO },
	{ "kcmp", CAPS, SYSPTRACE },
	{ "lookup_dcookie", CAPS, SYSADMIN },
	{ "lsm_get_self_attr", CAPS, SYSADMIN },
	{ "lsm_list_modules", CAPS, SYSADMIN },
	{ "lsm_set_self_attr", CAPS, SYSADMIN },
	{ "mbind", CAPS, SYSNICE },
	{ "mount", CAPS, SYSADMIN },
	{ "mount_setattr", CAPS, SYSADMIN },
	{ "move_mount", CAPS, SYSADMIN },
	{ "open_by_handle_at", CAPS, DACREAD },
	{ "open_tree", CAPS, SYSADMIN },
	{ "open_tree_attr", CAPS, SYSADMIN },
	{ "perf_event_open", CAPS, SYSADMIN | PERFMON },
	{ "personality", PERSONA, 0 },
	{ "pidfd_getfd", CAPS, SYSPTRACE },
	{ "process_madvise", CAPS, SYSPTRACE },
	{ "process_vm_readv", PTRACE, SYSPTRACE },
	{ "process_vm_writev", PTRACE, SYSPTRACE },
	{ "ptrace", PTRACE, SYSPTRACE },
	{ "quotactl", CAPS, SYSADMIN },
	{ "quotactl_fd", CAPS, SYSADMIN },
	{ "reboot", CAPS, SYSBOOT },
	{ "set_mempolicy", CAPS, SYSNICE },
	{ "set_mempolicy_home_node", CAPS, SYSNICE },
	{ "setdomainname", CAPS, SYSADMIN },
	{ "sethostname", CAPS, SYSADMIN },
	{ "setns", CAPS, SYSADMIN },
	{ "settimeofday", CAPS, SYSTIME },
	{ "socket", SOCKET, 0 },
	{ "stime", CAPS, SYSTIME },
	{ "syslog", CAPS, SYSADMIN | SYSLOG },
	{ "umount", CAPS, SYSADMIN },
	{ "umount2", CAPS, SYSADMIN },
	{ "unshare", CAPS, SYSADMIN },
	{ "vhangup", CAPS, SYSTTYCONFIG },
};

/* the arch's calls by number, rising */
static const struct nr {
	const char *name;
	uint32_t nr;
} table[] = {
#include "syscalls.h"
};

/* a run of numbers with one answer: from lo to the next run's lo */
struct run {
	uint32_t lo;
	int answer;
	uint32_t ret;			/* GIVE_RET's action */
	int call;			/* CHECK_RULES's: the table's entry */
	int size;			/* CHECK_RULES's instructions */
};

struct insn {				/* struct sock_filter */
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

static struct insn prog[INSNMAX];
static int ninsn;

static int
byname(const void *key, const void *p)
{
	return strcmp(key, *(const char *const *)p);
}

static int
byrule(const void *key, const void *p)
{
	return strcmp(key, ((const struct rule *)p)->name);
}

/* sorted says whether the name tables are in the order bsearch needs */
static int
sorted(void)
{
	size_t i;

	for (i = 1; i < LEN(allowed); i++)
		if (strcmp(allowed[i - 1], allowed[i]) >= 0)
			return 0;
	for (i = 1; i < LEN(rules); i++)
		if (strcmp(rules[i - 1].name, rules[i].name) >= 0)
			return 0;
	return 1;
}

/* since48 says whether the kernel is 4.8 or newer */
static int
since48(void)
{
	struct utsname u;
	char *p;
	long major;

	if (uname(&u) < 0)
		return 0;
	major = strtol(u.release, &p, 10);
	return major > 4 || (major == 4 && *p == '.' && strtol(p + 1, NULL, 10) >= 8);
}

static int
answer(const char *name, uint64_t caps, int new)
{
	const struct rule *r;

	if (bsearch(name, allowed, LEN(allowed), sizeof(*allowed), byname))
		return GIVE_ALLOW;
	if (!(r = bsearch(name, rules, LEN(rules), sizeof(*rules), byrule)))
		return GIVE_EPERM;
	if (r->caps & caps)
		return GIVE_ALLOW;
	switch (r->kind) {
	case CLONE:	return CHECK_CLONE;
	case CLONE3:	return GIVE_ENOSYS;
	case SOCKET:	return CHECK_SOCKET;
	case PERSONA:	return CHECK_PERSONA;
	case PTRACE:	return new ? GIVE_ALLOW : GIVE_EPERM;
	default:	return GIVE_EPERM;
	}
}

static int
add(struct run *rn, int n, uint32_t lo, int a, uint32_t ret, int call)
{
	if (n > 0 && rn[n - 1].answer == a && a != CHECK_RULES &&
	    (a != GIVE_RET || rn[n - 1].ret == ret))
		return n;
	rn[n].lo = lo;
	rn[n].answer = a;
	rn[n].ret = ret;
	rn[n].call = call;
	rn[n].size = 0;
	return n + 1;
}

/*
 * A profile's rules for each call of the table, in the profile's order:
 * lists through links, built by listrules for the profile being compiled.
 */
static const struct scprofile *prof;
static struct link {
	int rule, next;
} *links;
static int head[LEN(table)], tail[LEN(table)];
static int bynames[LEN(table)];		/* the table's entries by name */

static uint32_t
retof(const struct scaction *a)
{
	switch (a->act) {
	case SC_KILL_PROCESS:	return KILL;
	case SC_TRAP:		return TRAP;
	case SC_ERRNO:		return ERRNO | (a->errnoret & 0xffff);
	case SC_TRACE:		return TRACE | (a->errnoret & 0xffff);
	case SC_ALLOW:		return ALLOWED;
	case SC_LOG:		return LOG;
	default:		return KILLTHREAD;
	}
}

static int
byentry(const void *a, const void *b)
{
	return strcmp(table[*(const int *)a].name, table[*(const int *)b].name);
}

static int
entryname(const void *key, const void *p)
{
	return strcmp(key, table[*(const int *)p].name);
}

/*
 * listrules lists the rules of p naming each call, skipping names this table
 * lacks (runc skips what libseccomp cannot resolve: a call of another
 * architecture, or one newer than it) and, as runc does, rules whose
 * action is the default one.  0, or -1 with errno set.
 */
static int
listrules(const struct scprofile *p)
{
	size_t i, nlink = 0, cap = 0;
	uint32_t def = retof(&p->action);
	char **nm;
	int *e, r;

	for (i = 0; i < LEN(table); i++) {
		head[i] = tail[i] = -1;
		bynames[i] = i;
	}
	qsort(bynames, LEN(table), sizeof(*bynames), byentry);
	for (r = 0; r < p->nrule; r++)
		for (nm = p->rule[r].names; nm && *nm; nm++)
			cap++;
	free(links);
	if (!(links = malloc((cap ? cap : 1) * sizeof(*links))))
		return -1;
	for (r = 0; r < p->nrule; r++) {
		if (retof(&p->rule[r].action) == def)
			continue;
		for (nm = p->rule[r].names; nm && *nm; nm++) {
			if (!(e = bsearch(*nm, bynames, LEN(table), sizeof(*bynames), entryname)))
				continue;
			/* a rule naming a call twice is one rule for it */
			if (tail[*e] >= 0 && links[tail[*e]].rule == r)
				continue;
			links[nlink].rule = r;
			links[nlink].next = -1;
			if (tail[*e] >= 0)
				links[tail[*e]].next = nlink;
			else
				head[*e] = nlink;
			tail[*e] = nlink++;
		}
	}
	prof = p;
	return 0;
}

/* profanswer is what the profile gives the table's call i */
static int
profanswer(int i, uint32_t *ret)
{
	const struct scrule *r;

	if (head[i] < 0) {
		*ret = retof(&prof->action);
		return GIVE_RET;
	}
	r = &prof->rule[links[head[i]].rule];
	*ret = retof(&r->action);
	return r->narg ? CHECK_RULES : GIVE_RET;
}

/* runs fills rn with the answers for every number: their count, or -1
 * if the arch table's numbers do not rise.  With a profile, a number the
 * table lacks gets ENOSYS, as with Docker's, unless the profile allows
 * by default: runc does the same for calls newer than libseccomp. */
static int
runs(struct run *rn, uint64_t caps)
{
	uint32_t next = 0, ret = 0, gap = ERRNO | ENOSYS;
	size_t i;
	int n = 0, new = since48(), a, g = GIVE_ENOSYS;

	if (prof && (prof->action.act == SC_ALLOW || prof->action.act == SC_LOG)) {
		gap = retof(&prof->action);
		g = GIVE_RET;
	} else if (prof) {
		g = GIVE_RET;
	}
	for (i = 0; i < LEN(table); next = table[i++].nr + 1) {
		if (table[i].nr < next)
			return -1;
		if (table[i].nr > next)
			n = add(rn, n, next, g, gap, 0);
		a = prof ? profanswer(i, &ret) : answer(table[i].name, caps, new);
		n = add(rn, n, table[i].nr, a, ret, i);
	}
	return add(rn, n, next, g, gap, 0);
}

static void
emit(uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (ninsn < INSNMAX) {
		prog[ninsn].code = code;
		prog[ninsn].jt = jt;
		prog[ninsn].jf = jf;
		prog[ninsn].k = k;
	}
	ninsn++;
}

/*
 * cmp emits one comparison of a 64-bit argument, its high word then its
 * low one (the A register holds 32 bits), falling through when it holds
 * and jumping rest instructions past its end when not; with size it only
 * counts.  libseccomp compares all 64 bits, and so does this: the
 * default profile's 32-bit looks are its own choice, for its own rules.
 */
static int
cmp(const struct sccmp *c, int rest, int size)
{
	static const int sizes[] = { 4, 5, 5, 4, 5, 5, 6 };	/* by SC_* op */
	uint32_t hi = c->value >> 32, lo = c->value, dhi = c->value2 >> 32;
	int n = sizes[c->op], f = rest;

	if (size)
		return n;
	/* pass and fail are jumps from the instruction at p of the n: to
	 * the end of the comparison, or rest past it */
#define PASS(p)	(n - (p) - 1)
#define FAIL(p)	(n - (p) - 1 + f)
	emit(LD, 0, 0, ARGHI(c->index));
	switch (c->op) {
	case SC_EQ:
		emit(JEQ, 0, FAIL(1), hi);
		emit(LD, 0, 0, ARGLO(c->index));
		emit(JEQ, PASS(3), FAIL(3), lo);
		break;
	case SC_NE:
		emit(JEQ, 0, PASS(1), hi);
		emit(LD, 0, 0, ARGLO(c->index));
		emit(JEQ, FAIL(3), PASS(3), lo);
		break;
	case SC_GT: case SC_GE:
		emit(JGT, PASS(1), 0, hi);
		emit(JEQ, 0, FAIL(2), hi);
		emit(LD, 0, 0, ARGLO(c->index));
		emit(c->op == SC_GT ? JGT : JGE, PASS(4), FAIL(4), lo);
		break;
	case SC_LT: case SC_LE:		/* not GE, not GT */
		emit(JGT, FAIL(1), 0, hi);
		emit(JEQ, 0, PASS(2), hi);
		emit(LD, 0, 0, ARGLO(c->index));
		emit(c->op == SC_LT ? JGE : JGT, FAIL(4), PASS(4), lo);
		break;
	case SC_MASKED_EQ:		/* (arg & value) == valueTwo */
		emit(AND, 0, 0, hi);
		emit(JEQ, 0, FAIL(2), dhi);
		emit(LD, 0, 0, ARGLO(c->index));
		emit(AND, 0, 0, lo);
		emit(JEQ, PASS(5), FAIL(5), (uint32_t)c->value2);
		break;
	}
#undef PASS
#undef FAIL
	return n;
}

/* block emits comparisons c[0..n) that must all hold, then ret; with
 * size it only counts */
static int
block(const struct sccmp *c, int n, uint32_t ret, int size)
{
	int i, rest = 1, len = 1;

	for (i = 0; i < n; i++)
		len += cmp(&c[i], 0, 1);
	if (size)
		return len;
	for (i = 0; i < n; i++)
		rest += cmp(&c[i], 0, 1);
	for (i = 0; i < n; i++) {
		rest -= cmp(&c[i], 0, 1);
		cmp(&c[i], rest, 0);
	}
	emit(RET, 0, 0, ret);
	return len;
}

/*
 * chain emits the profile's rules for the table's call i, each a block;
 * the first to hold decides, an unconditional one ending the list, the
 * default action after them.  As runc, a rule comparing one argument
 * twice is each comparison alone (libseccomp cannot AND them).  With
 * size it only counts.
 */
static int
chain(int i, int size)
{
	const struct scrule *r;
	int l, k, j, len = 0;
	uint32_t ret;

	for (l = head[i]; l >= 0; l = links[l].next) {
		r = &prof->rule[links[l].rule];
		ret = retof(&r->action);
		for (k = 0; k < r->narg; k++)
			for (j = 0; j < k; j++)
				if (r->arg[j].index == r->arg[k].index)
					goto apart;
		len += block(r->arg, r->narg, ret, size);
		if (!r->narg)
			return len;
		continue;
apart:
		for (k = 0; k < r->narg; k++)
			len += block(&r->arg[k], 1, ret, size);
	}
	if (!size)
		emit(RET, 0, 0, retof(&prof->action));
	return len + 1;
}

/* leaf emits what a run's calls get (the number is in A); with size, it
 * only counts the instructions that takes */
static int
leaf(const struct run *r, int size)
{
	int a = r->answer, i, n;

	switch (a) {
	case GIVE_ENOSYS:
		if (!size)
			emit(RET, 0, 0, ERRNO | ENOSYS);
		return 1;
	case GIVE_EPERM:
		if (!size)
			emit(RET, 0, 0, ERRNO | EPERM);
		return 1;
	case GIVE_ALLOW:
		if (!size)
			emit(RET, 0, 0, ALLOWED);
		return 1;
	case GIVE_RET:
		if (!size)
			emit(RET, 0, 0, r->ret);
		return 1;
	case CHECK_RULES:
		if (!size)
			chain(r->call, 0);
		return r->size;
	case CHECK_CLONE:
		if (!size) {
			emit(LD, 0, 0, ARG0);
			emit(JSET, 0, 1, CLONENS);
			emit(RET, 0, 0, ERRNO | EPERM);
			emit(RET, 0, 0, ALLOWED);
		}
		return 4;
	}
	/* CHECK_SOCKET: the listed are denied; CHECK_PERSONA: the listed allowed */
	n = a == CHECK_SOCKET ? LEN(families) : LEN(personas);
	if (!size) {
		emit(LD, 0, 0, ARG0);
		for (i = 0; i < n; i++)
			emit(JEQ, n - i, 0, a == CHECK_SOCKET ? families[i] : personas[i]);
		emit(RET, 0, 0, a == CHECK_SOCKET ? ALLOWED : ERRNO | EPERM);
		emit(RET, 0, 0, a == CHECK_SOCKET ? ERRNO | EPERM : ALLOWED);
	}
	return n + 3;
}

/*
 * tree emits a binary search of the runs lo to hi (number in A), each
 * node a JGE on the first number of the upper half; with size, it only
 * counts.  A jump is 8 bits: past 255 instructions it goes through a JA.
 */
static int
tree(const struct run *rn, int lo, int hi, int size)
{
	int mid = lo + (hi - lo) / 2, left;

	if (hi - lo == 1)
		return leaf(&rn[lo], size);
	left = tree(rn, lo, mid, 1);
	if (!size && left > 255) {
		emit(JGE, 0, 1, rn[mid].lo);
		emit(JA, 0, 0, left);
	} else if (!size) {
		emit(JGE, left, 0, rn[mid].lo);
	}
	if (!size) {
		tree(rn, lo, mid, 0);
		tree(rn, mid, hi, 0);
		return 0;
	}
	return 1 + (left > 255) + left + tree(rn, mid, hi, 1);
}

/*
 * program makes the program for caps (Docker's profile), or for the
 * profile p if not NULL, in prog: its length, or -1 with errno set.  The
 * arch and foreign-ABI checks come first, then the search.
 */
static int
program(uint64_t caps, const struct scprofile *p)
{
	static struct run rn[2 * LEN(table) + 1];
	int n, i;

	prof = NULL;
	if (p && listrules(p) < 0)
		return -1;
	if (!sorted() || (n = runs(rn, caps)) < 0) {
		errno = EINVAL;
		return -1;
	}
	/* a call's rules may be long: each is counted once, and the whole
	 * before anything is emitted */
	for (i = 0; i < n; i++)
		if (rn[i].answer == CHECK_RULES && (rn[i].size = chain(rn[i].call, 1)) > INSNMAX)
			return errno = E2BIG, -1;
	if (tree(rn, 0, n, 1) > INSNMAX - 7) {
		errno = E2BIG;
		return -1;
	}
	ninsn = 0;
	emit(LD, 0, 0, AUDITARCH);
	emit(JEQ, 1, 0, ARCH_AUDIT);
	emit(RET, 0, 0, KILL);
	emit(LD, 0, 0, NR);
	emit(JGE, 0, 2, ARCH_FOREIGN);
	emit(JEQ, 1, 0, 0xffffffff);	/* -1: a tracer skipping the call */
	emit(RET, 0, 0, KILL);
	tree(rn, 0, n, 0);
	if (ninsn > INSNMAX) {
		errno = E2BIG;
		return -1;
	}
	return ninsn;
}

static int
load(int n)
{
	struct {			/* struct sock_fprog */
		unsigned short len;
		struct insn *filter;
	} fp;

	if (n < 0)
		return -1;
	fp.len = n;
	fp.filter = prog;
	return prctl(PR_SET_SECCOMP, MODE_FILTER, &fp, 0, 0);
}

int
seccomp_load(uint64_t caps)
{
	return load(program(caps, NULL));
}

int
seccomp_profile_load(const struct scprofile *p)
{
	return load(program(0, p));
}

/*
 * check runs the program of n instructions as the kernel's classic BPF
 * would, on the words d of a struct seccomp_data, for the instructions
 * program emits: loads, an AND, jumps, returns.  Any other instruction,
 * a load out of the data or a jump out of the program is a bug here,
 * reported as EINVAL.
 */
static int
check(int n, const uint32_t *d, uint32_t *ret)
{
	uint32_t a = 0, k;
	int pc;

	if (n < 0)
		return -1;
	for (pc = 0; pc < n; pc++) {
		k = prog[pc].k;
		switch (prog[pc].code) {
		case LD:
			if (k % 4 || k / 4 >= 16)
				goto bad;
			a = d[k / 4];
			continue;
		case AND:	a &= k; continue;
		case JA:	pc += k; continue;
		case JEQ:	pc += a == k ? prog[pc].jt : prog[pc].jf; continue;
		case JGE:	pc += a >= k ? prog[pc].jt : prog[pc].jf; continue;
		case JGT:	pc += a > k ? prog[pc].jt : prog[pc].jf; continue;
		case JSET:	pc += a & k ? prog[pc].jt : prog[pc].jf; continue;
		case RET:	*ret = k; return 0;
		}
		break;
	}
bad:
	errno = EINVAL;
	return -1;
}

int
seccomp_check(uint64_t caps, uint32_t arch, uint32_t nr, uint64_t arg0, uint32_t *ret)
{
	uint32_t d[16] = { 0 };

	d[NR / 4] = nr;
	d[AUDITARCH / 4] = arch ? arch : ARCH_AUDIT;
	memcpy(d + 4, &arg0, sizeof(arg0));	/* args[0], in this machine's order */
	return check(program(caps, NULL), d, ret);
}

int
seccomp_profile_check(const struct scprofile *p, uint32_t arch, uint32_t nr,
                      const uint64_t args[6], uint32_t *ret)
{
	uint32_t d[16] = { 0 };

	d[NR / 4] = nr;
	d[AUDITARCH / 4] = arch ? arch : ARCH_AUDIT;
	memcpy(d + 4, args, 6 * sizeof(*args));	/* in this machine's order */
	return check(program(0, p), d, ret);
}

/* seccomp_nr finds a call's number in this architecture's table: 0, or -1 */
int
seccomp_nr(const char *name, uint32_t *nr)
{
	size_t i;

	for (i = 0; i < LEN(table); i++)
		if (!strcmp(table[i].name, name)) {
			*nr = table[i].nr;
			return 0;
		}
	return -1;
}
