/* See LICENSE file for copyright and license details. */
/*
 * The container runtime: namespaces, init, the command, and supervision.
 * It knows what to run (struct ctr: a root file system by path and
 * identity, a process, a host name, volumes), never where it came from:
 * the store and the build fill the structure in, proc.c turns an image's
 * config into its process, mount.c builds its file systems.
 *
 * Three processes.  pieces itself stays in the host's namespaces: it
 * unshares a PID namespace for its children and forks the container's
 * init, then relays signals (and a terminal) until init exits, and passes
 * init's status on.  init is PID 1 of the new namespace: it unshares mount,
 * UTS, IPC, cgroup and (but on the host's network) network namespaces,
 * builds the container's mounts, pivots into them, and forks the command,
 * which drops privileges and execs.  init then only reaps and forwards
 * signals; when the command exits, init exits with its status and the
 * kernel kills whatever the command left behind.
 *
 * A run is three calls: ns_start forks init and returns once the
 * container is set up, its command forked and waiting to exec; ns_go lets
 * it exec; ns_wait supervises until init exits.  init stops at two gates
 * on the way, each released by a message from pieces:
 *
 *	fork init --- gate 1 --- namespaces, mounts, pivot, command forked,
 *	privileges dropped, init re-made from a sealed copy of pieces
 *	(pieces-init) --- READY --- gate 2 --- exec
 *
 * Where what comes next plugs in: cgroups (cgroup.c) join init at gate 1,
 * through c->attach, before init makes its cgroup namespace, which then
 * has the container's cgroup as its root; a network namespace is made
 * with the others, and its veth pair, addresses and routes (net.c) are
 * plumbed at READY, through c->plumb, with init's pid; a detached
 * container's supervisor is the process that calls ns_wait, after the
 * caller has detached; the OCI runtime's create (ocirt.c) is ns_start
 * with ctr's oci set, after which init outlives its creator, its start
 * a connection to the socket init then waits on at the second gate in
 * place of ns_go, and its state init's pid.  An OCI init forks no
 * command: past that gate it becomes the command itself (ocistart), the
 * namespace's PID 1 as runc's, and nothing of pieces stays behind.
 *
 * An OCI bundle's user namespace is made with init, by clone3 with its
 * PID namespace (which the user namespace then owns, as it owns every
 * namespace init makes after); pieces, outside as the host's root,
 * writes its uid and gid maps at the first gate, and init becomes the
 * namespace's root once it has opened what only the host's root may
 * reach (ns_userroot).  A user namespace joined by path is joined before
 * any other.
 *
 * pieces' own stdio, when it is a file, reaches the container as a pipe
 * that pieces relays (struct relay, tty.c): a file would be the
 * container's to reopen.  init keeps nothing of the host: it closes
 * every fd it does not need before the image is looked at, and wipes its command line,
 * environment and stdio before the command, which waits at a gate, runs.
 *
 * init and the command report a failed setup to pieces over an
 * SOCK_SEQPACKET pair whose child end is close-on-exec: end of file with no
 * message means the command's exec succeeded.  The same channel carries
 * the master of the container's own pty for -t, init's READY, and
 * pieces' go at each gate.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "pieces.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER	_IO('T', 0x41)
#endif
#define CAPVERSION3	0x20080522	/* _LINUX_CAPABILITY_VERSION_3 */
#define CAP_KILLBIT	(1ULL << 5)	/* CAP_KILL */
#define KEYCTL_JOIN_SESSION_KEYRING	1
#define NSFS_MAGIC	0x6e736673	/* statfs of a namespace file */
#define NS_GET_NSTYPE	_IO(0xb7, 0x3)	/* its CLONE_NEW* (Linux 4.11) */

/* init to pieces: a failed setup, the pty master, set up and waiting at
 * the exec gate; pieces to init: go on past a gate */
enum { MSGERR = 1, MSGPTY, MSGREADY, MSGGO };

struct msg {
	int type, status;
	char text[PATHMAX];
};

/* what the kernel hands around in capset(2) */
struct caphdr {
	uint32_t version;
	int pid;
};
struct capdata {
	uint32_t effective, permitted, inheritable;
};

static const int fwdsigs[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
};

static int chan = -1;		/* the child end of the report channel */
static int hostpid;		/* init shares the runtime's PID namespace */
static int devnull = -1;	/* the host's /dev/null, opened before the pivot */

/* CLONE_NEW* by NS_*, and the names config.json gives them */
static const int nstype[NSCOUNT] = {
	CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWUSER,
	CLONE_NEWCGROUP,
};
static const char *const nsname[NSCOUNT] = {
	"pid", "network", "mount", "ipc", "uts", "user", "cgroup",
};

void
ns_sigs(sigset_t *set)
{
	size_t i;

	for (i = 0; i < LEN(fwdsigs); i++)
		sigaddset(set, fwdsigs[i]);
	sigaddset(set, SIGCHLD);
}

static int selfcopy(void);
static void reexec(int self, pid_t cmd, int gatefd);
static _Noreturn void ocistart(const struct ctr *c, int pty);

_Noreturn void
ns_fail(int status, const char *fmt, ...)
{
	struct msg m = { MSGERR, status, "" };
	va_list ap;
	int saved = errno;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	n = strlen(m.text);
	if (n && m.text[n - 1] == ':')
		snprintf(m.text + n, sizeof(m.text) - n, " %s", strerror(saved));
	if (send(chan, &m, sizeof(m), MSG_NOSIGNAL) < 0)
		weprintf("%s", m.text);
	_exit(status);
}

void
ns_channel(int fd)
{
	chan = fd;
}


/*
 * dropcaps shrinks the bounding set to caps and clears the ambient set,
 * which needs CAP_SETPCAP: so before the user changes.  It returns caps
 * without those this kernel or pieces' own bounding set lacks, which
 * capset would refuse (--cap-add ALL).
 */
static uint64_t
dropcaps(uint64_t caps)
{
	int i, in;

	for (i = 0; i < 64; i++) {
		if ((in = prctl(PR_CAPBSET_READ, i, 0, 0, 0)) < 0)	/* past the last */
			break;
		if (!in)
			caps &= ~(1ULL << i);
		else if (!(caps & (1ULL << i)) && prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0)
			ns_fail(125, "drop capability %d:", i);
	}
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return i < 64 ? caps & ((1ULL << i) - 1) : caps;
}

/* setcaps sets the effective, permitted and inheritable sets */
static void
setcaps(uint64_t eff, uint64_t perm, uint64_t inh)
{
	struct caphdr h = { CAPVERSION3, 0 };
	struct capdata d[2] = {
		{ eff & 0xffffffff, perm & 0xffffffff, inh & 0xffffffff },
		{ eff >> 32, perm >> 32, inh >> 32 },
	};

	if (syscall(SYS_capset, &h, d) < 0)
		ns_fail(125, "capset:");
}

/*
 * ocicaps gives an OCI command, its user changed (keepcaps kept its
 * permitted set over the change), the bundle's effective, permitted,
 * inheritable and ambient sets, each without what the bounding set
 * (bound: what dropcaps left) lacks
 */
static void
ocicaps(const uint64_t *set, uint64_t bound)
{
	/* the kernel's rule: ambient only what is permitted and inheritable */
	uint64_t amb = set[CAP_AMBIENT] & set[CAP_PERMITTED] & set[CAP_INHERITABLE] & bound;
	int i;

	setcaps(set[CAP_EFFECTIVE] & bound, set[CAP_PERMITTED] & bound,
	        set[CAP_INHERITABLE] & bound);
	for (i = 0; i < 64; i++)
		if (amb >> i & 1 &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0)
			ns_fail(125, "ambient capability %d:", i);
}

/*
 * closeall is ns_closefds where there is no /proc (a chroot without a
 * mount namespace): each fd below the last kept one, then the rest at
 * once (close_range, Linux 5.9; without it up to the fd limit)
 */
static void
closeall(const int *keep, int n)
{
	struct rlimit rl;
	int fd, i, last = chan;

	for (i = 0; i < n; i++)
		last = MAX(last, keep[i]);
	for (fd = 3; fd < last; fd++) {
		for (i = 0; i < n && keep[i] != fd; i++)
			;
		if (i == n && fd != chan)
			(void)close(fd);
	}
	fd = MAX(last + 1, 3);
	if (syscall(SYS_close_range, fd, ~0U, 0) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		ns_fail(125, "close fds:");
	for (; (rlim_t)fd < rl.rlim_cur; fd++)
		(void)close(fd);
}

void
ns_closefds(const int *keep, int n)
{
	struct dirent *de;
	DIR *d;
	int fd, i;

	if (!(d = opendir("/proc/self/fd"))) {
		if (errno != ENOENT)
			ns_fail(125, "/proc/self/fd:");
		closeall(keep, n);
		return;
	}
	while ((de = readdir(d))) {
		if ((fd = atoi(de->d_name)) <= 2 || fd == dirfd(d) || fd == chan)
			continue;
		for (i = 0; i < n && keep[i] != fd; i++)
			;
		if (i == n)
			close(fd);
	}
	closedir(d);
}


/*
 * closefds closes every fd init or the command does not need: all but
 * keep (-1: none) and the engine's c->nfds past stdio, which an OCI
 * command is handed (runc's --preserve-fds)
 */
static void
closefds(const struct ctr *c, int keep)
{
	int fds[FDSMAX + 1], n = 0, i;

	if (keep >= 0)
		fds[n++] = keep;
	for (i = 0; i < c->nfds && i < FDSMAX; i++)
		fds[n++] = 3 + i;
	ns_closefds(fds, n);
}

/*
 * enter makes dir the command's working directory: after every fd but 0-2
 * is closed and the capabilities are dropped, so that no /proc/self/fd/N
 * or /proc/1/fd/N can name a directory of the host (runc's
 * CVE-2024-21626: -w /proc/self/fd/3, then "cd ../../.." walks the host).
 * Then it checks that the cwd is one the root reaches: getcwd fails, or
 * says "(unreachable)", for one outside it, and the path it gives must
 * lead back to the same directory.
 */
static void
enter(const char *dir)
{
	char cwd[PATHMAX];
	struct stat a, b;

	if (chdir(dir) < 0)
		ns_fail(125, "workdir %s:", dir);
	if (syscall(SYS_getcwd, cwd, sizeof(cwd)) < 0 || cwd[0] != '/' ||
	    stat(cwd, &a) < 0 || stat(".", &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		ns_fail(125, "workdir %s: outside the container: refused", dir);
}

static const char *
getenvin(char **env, const char *key)
{
	size_t n = strlen(key);

	for (; env && *env; env++)
		if (!strncmp(*env, key, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

void
ns_execute(const struct proc *p, const char *name)
{
	char path[PATHMAX];
	const char *dirs, *e, *cmd = p->argv[0];
	int err = ENOENT;

	if (strchr(cmd, '/')) {
		execve(cmd, p->argv, p->env);
		err = errno;
	} else if ((dirs = getenvin(p->env, "PATH"))) {
		for (; ; dirs = e + 1) {
			e = strchrnul(dirs, ':');
			snprintf(path, sizeof(path), "%.*s/%s", (int)(e - dirs), dirs, cmd);
			execve(path, p->argv, p->env);
			if (errno != ENOENT && errno != ENOTDIR)
				err = errno;
			if (!*e)
				break;
		}
	}
	errno = err;
	if (err == ENOENT)
		ns_fail(127, "%s: %s: no such file or directory%s", name, cmd,
		     strchr(cmd, '/') ? "" : " in $PATH");
	ns_fail(126, "%s: %s: cannot execute:", name, cmd);
}

/*
 * limits sets an OCI process's rlimits and umask (capsets set: an OCI
 * bundle's; pieces' own leave the umask as it is).  Raising a hard
 * limit needs CAP_SYS_RESOURCE, which a root command keeps only if the
 * bundle gives it: the kernel decides, as for runc, and its refusal is
 * said.
 */
static void
limits(const struct proc *p)
{
	int i;

	for (i = 0; i < p->nrlim; i++)
		if (setrlimit(p->rlim[i].type, &(struct rlimit){ p->rlim[i].soft,
		    p->rlim[i].hard }) < 0)
			ns_fail(125, "setrlimit %d:", p->rlim[i].type);
	if (p->capsets && p->umask >= 0)
		umask(p->umask);
}

void
ns_confine(const struct proc *p)
{
	uint64_t caps;

	/* a bundle that lets the command gain privileges (setuid programs)
	 * has no no_new_privs, which a filter needs unless CAP_SYS_ADMIN
	 * loads it: so then it is loaded now, while root has every
	 * capability, as runc does; it then applies to the rest of setup */
	if (p->newprivs && p->seccomp && seccomp_profile_load(p->seccomp) < 0)
		ns_fail(125, errno == E2BIG ? "seccomp: the profile is more than the kernel's "
		        "4096 instructions of BPF" : "seccomp:");
	caps = dropcaps(p->capsets ? p->capsets[CAP_BOUNDING] : p->caps);
	if (p->capsets && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		ns_fail(125, "keepcaps:");
	if (setgroups(p->ngroups, p->groups) < 0 || setgid(p->gid) < 0 || setuid(p->uid) < 0)
		ns_fail(125, "user %u:%u:", (unsigned)p->uid, (unsigned)p->gid);
	/* root keeps the set; setuid cleared it for anyone else, as Docker;
	 * a bundle says each set itself */
	if (p->capsets)
		ocicaps(p->capsets, caps);
	else if (p->uid == 0)
		setcaps(caps, caps, 0);
	enter(p->cwd);
	if (p->fsize && setrlimit(RLIMIT_FSIZE, &(struct rlimit){ p->fsize, p->fsize }) < 0)
		ns_fail(125, "file size limit:");
	limits(p);
	if (!p->newprivs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		ns_fail(125, "no_new_privs:");
	/* last before exec, as it denies what setup needed: the kernel the
	 * escapes of recent years went through (nested user namespaces,
	 * keyrings, bpf, the mount API; seccomp.c) */
	if (!p->newprivs && p->seccomp && seccomp_profile_load(p->seccomp) < 0)
		ns_fail(125, errno == E2BIG ? "seccomp: the profile is more than the kernel's "
		        "4096 instructions of BPF" : "seccomp:");
	if (!p->seccomp && !p->noseccomp && seccomp_load(caps) < 0)
		ns_fail(125, "seccomp:");
}

/* command becomes the container's command: pid 2 (an OCI container's: pid 1) */
static _Noreturn void
command(const struct ctr *c, int pty)
{
	const struct proc *p = &c->proc;
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* an OCI init that becomes its command leads its session already */
	if (getsid(0) != getpid() && setsid() < 0)
		ns_fail(125, "setsid:");
	if (pty >= 0) {
		if (ioctl(pty, TIOCSCTTY, 0) < 0)
			ns_fail(125, "TIOCSCTTY:");
		fd = pty;
	} else if (!p->interactive) {
		if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
			ns_fail(125, "/dev/null:");
	} else {
		fd = -1;
	}
	if (fd >= 0 && (dup2(fd, 0) < 0 || (pty >= 0 && (dup2(fd, 1) < 0 || dup2(fd, 2) < 0))))
		ns_fail(125, "dup2:");
	/* the pty is the user's, as a login's: its programs may set its
	 * modes and size, and mesg(1) says what it should */
	if (pty >= 0 && fchown(0, p->uid, -1) < 0)
		ns_fail(125, "pty:");
	closefds(c, -1);
	ns_confine(p);
	ns_execute(p, c->name);
}

static void
sendfd(int fd)
{
	struct msg m = { MSGPTY, 0, "" };

	if (fd_send(chan, &m, sizeof(m), fd) < 0)
		ns_fail(125, "send the pty:");
}

int
ns_mkpty(void)
{
	int master, slave, unlock = 0;

	/* after the pivot: /dev and /dev/pts are mounts of ours */
	if ((master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		ns_fail(125, "pty:");
	sendfd(master);
	close(master);
	return slave;
}


/*
 * forget wipes what init holds of the host before the command may run:
 * the command line and environment pieces was started with, which
 * /proc/1/cmdline and /proc/1/environ show (to a command with
 * CAP_SYS_PTRACE: the host user's environment), and pieces' stdio, which
 * /proc/1/fd/0-2 would hand out.  The command, forked already, has its
 * own copy of everything it needs.
 */
static void
forget(void)
{
	int fd;

	/* the container sees its init as "pieces-init" */
	if (argmem && argmemlen > 0) {
		memset(argmem, 0, argmemlen);
		snprintf(argmem, argmemlen, "pieces-init");
	}
	/* where the kernel reads /proc/1/environ from: the strings the
	 * environment came in, as main found them */
	if (envmem && envmemlen > 0)
		memset(envmem, 0, envmemlen);
	if ((fd = devnull) < 0 && (fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		ns_fail(125, "/dev/null:");
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		ns_fail(125, "/dev/null:");
	close(fd);
	devnull = -1;
}

/*
 * await waits at a gate for pieces' go: a message on the channel.  Its
 * end of file means pieces gave up on the container (its own report
 * already said why): init leaves quietly.
 */
static void
await(void)
{
	struct msg m;
	ssize_t n;

	while ((n = recv(chan, &m, sizeof(m), 0)) < 0 && errno == EINTR)
		;
	if (n != sizeof(m) || m.type != MSGGO)
		_exit(125);
}

static void
say(int type)
{
	struct msg m = { type, 0, "" };

	if (send(chan, &m, sizeof(m), MSG_NOSIGNAL) < 0)
		ns_fail(125, "report:");
}

/* fdname writes fd's magic link, /proc/self/fd/N, into p (32 bytes) */
static char *
fdname(int fd, char *p)
{
	snprintf(p, 32, "/proc/self/fd/%d", fd);
	return p;
}

/*
 * nsopen opens path, a namespace of type (CLONE_NEW*) an OCI bundle
 * names to join: its fd, or -1 with errno set, EINVAL for a file that is
 * no namespace of that type.  The path is the bundle's: it is looked at
 * through an O_PATH fd and opened for reading only once its file system
 * is nsfs, so that a FIFO there blocks no one and a device node is
 * never opened (its open may act: a tape rewinds, a tty is taken).
 */
static int
nsopen(const char *path, int type)
{
	struct statfs sf;
	char p[32];
	int fd, ns, t, saved;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		return -1;
	if (fstatfs(fd, &sf) < 0)
		sf.f_type = 0;		/* refused as no namespace */
	if ((long)sf.f_type == NSFS_MAGIC) {
		ns = open(fdname(fd, p), O_RDONLY | O_CLOEXEC);
		saved = errno;
	} else {
		ns = -1;
		saved = EINVAL;
	}
	close(fd);
	errno = saved;
	if (ns < 0)
		return -1;
	/* an older kernel lacks the ioctl: setns then checks the type */
	if ((t = ioctl(ns, NS_GET_NSTYPE)) >= 0 && t != type) {
		close(ns);
		errno = EINVAL;
		return -1;
	}
	return ns;
}

/* nsfail fails for the namespace path of kind i that nsopen or setns refused */
static _Noreturn void
nsfail(const char *path, int i)
{
	if (errno == EINVAL)
		ns_fail(125, "namespace %s: not a %s namespace", path, nsname[i]);
	ns_fail(125, "join namespace %s:", path);
}

/*
 * joinns joins the namespaces an OCI bundle names by path (but the PID
 * one, which fork1 joined) and returns those of c->nsflags left to
 * make.  Each is opened before any is joined: once in another mount
 * namespace, the paths would name that one's files.  The user namespace
 * is joined first: the others are then joined, and made, with the
 * capabilities it gives (the kernel's rule: a namespace is joined with
 * CAP_SYS_ADMIN in the user namespace that owns it).
 */
static int
joinns(const struct ctr *c)
{
	static const int order[NSCOUNT] = {
		NS_USER, NS_PID, NS_NET, NS_MNT, NS_IPC, NS_UTS, NS_CGROUP,
	};
	int fd[NSCOUNT], i, k, flags = c->nsflags;

	for (i = 0; i < NSCOUNT; i++) {
		fd[i] = -1;
		if (i != NS_PID && c->nspath && c->nspath[i] &&
		    (fd[i] = nsopen(c->nspath[i], nstype[i])) < 0)
			nsfail(c->nspath[i], i);
	}
	for (k = 0; k < NSCOUNT; k++) {
		if (fd[i = order[k]] < 0)
			continue;
		if (setns(fd[i], nstype[i]) < 0)
			nsfail(c->nspath[i], i);
		close(fd[i]);
		flags &= ~nstype[i];
	}
	return flags;
}

/*
 * ns_userroot makes init, in a user namespace of the container's, that
 * namespace's root: its creator's uid (the host's root) is no id there,
 * and a file it made on a file system of the namespace would be refused
 * (EOVERFLOW).  The capabilities stay: a change to the namespace's root
 * fills the effective set from the permitted one.
 */
void
ns_userroot(const struct ctr *c)
{
	if (!c->userns)
		return;
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		ns_fail(125, "become root of the user namespace (uid and gid 0 mapped?):");
}

/*
 * enterns makes the container's namespaces and file systems: mount, UTS,
 * IPC and cgroup namespaces (the PID one pieces made), a network one
 * unless the container is on the host's (net.c), the mounts (mount.c),
 * the host name
 */
static void
enterns(const struct ctr *c)
{
	int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP;

	/* the PID and a new user namespace came with init (fork1) */
	if (c->oci)
		flags = joinns(c) & ~(CLONE_NEWPID | CLONE_NEWUSER);
	else if (c->net != NET_HOST)
		flags |= CLONE_NEWNET;
	if (unshare(flags) < 0)
		ns_fail(125, errno == EINVAL && c->net != NET_HOST ?
		        "unshare: no network namespaces in this kernel (--net host runs without)" :
		        "unshare:");
	/* a new namespace's loopback is down: 127.0.0.1 would not answer */
	if ((flags & CLONE_NEWNET) && net_init() < 0)
		ns_fail(125, "new network namespace:");
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		ns_fail(125, "sethostname:");
	if (c->oci && !(c->nsflags & CLONE_NEWNS))
		mnt_chroot(c);
	else
		mnt_build(c);
}

/* reap reaps every child, forwarding signals to cmd, until cmd exits: its status */
static void
reap(pid_t cmd, const sigset_t *set)
{
	siginfo_t si;
	pid_t p;
	int st;

	for (;;) {
		if (sigwaitinfo(set, &si) < 0)
			continue;
		/* pieces queues a terminal's signals with NS_GROUP: the
		 * command's process group gets them, as from a terminal.
		 * A signal init has blocked is queued even from inside its
		 * namespace; one from there has a sender init can see
		 * (si_pid), while pieces, outside, is pid 0 to it: only
		 * pieces' are passed on, or a process could have init's
		 * CAP_KILL signal what it cannot.  In the host's PID
		 * namespace (an OCI bundle's without one) every sender has
		 * a pid, and every signal is passed on: the container is
		 * then no more apart from the host's processes than they
		 * are from each other, and the command's group is all it
		 * reaches */
		if (si.si_signo != SIGCHLD) {
			if (si.si_pid == 0 || hostpid)
				(void)kill(si.si_code == SI_QUEUE &&
				           si.si_value.sival_int == NS_GROUP ? -cmd : cmd, si.si_signo);
			continue;
		}
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == cmd)
				_exit(wstatus(st));
	}
}

/*
 * init is the container's PID 1: it sets up, starts the command, then reaps
 * every child and forwards signals until the command exits, and exits with
 * its status.  The signals it waits for were blocked by pieces before the
 * fork: a namespace's init gets no signal it has neither blocked nor
 * handled, and blocked ones are queued for sigwaitinfo.  It stops at two
 * gates for pieces (see the top of this file).
 */
static void
init(const struct ctr *c)
{
	int gate[2], pty = -1, self, i;
	pid_t cmd;
	char b;

	/* no container process may ptrace us or open /proc/1/exe, the
	 * host's pieces binary (runc CVE-2019-5736) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    (!c->oci && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0))
		ns_fail(125, "prctl:");
	/* out of pieces' session, and so its process group: a Ctrl-C on
	 * the host's terminal is pieces' to pass on, once; and the host's
	 * terminal is no controlling terminal of init's, which a command
	 * let to ptrace init would open as /dev/tty and type into with
	 * TIOCSTI (the host's shell runs it when pieces exits) */
	if (setsid() < 0)
		ns_fail(125, "setsid:");
	/* before anything of the image is looked at: pieces' store
	 * directories, lock, host PID namespace and whatever the caller
	 * left open are no fds of ours (runc CVE-2024-21626) */
	closefds(c, c->oci ? c->startfd : -1);
	self = c->oci ? -1 : selfcopy();
	/* the first gate: pieces puts init in the container's cgroup
	 * before its cgroup namespace is made, which then has it as root */
	await();
	/* the host's, for forget: a bundle's root may have no /dev/null
	 * (no /dev mounted, or no mount namespace to mount one in) */
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		ns_fail(125, "/dev/null:");
	enterns(c);
	if (c->proc.tty)
		pty = ns_mkpty();
	/* a session keyring of the container's own: the one pieces runs in
	 * is the invoking shell's, with its keys; a kernel without keys
	 * has none to share */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		ns_fail(125, "session keyring:");
	if (c->oci)
		ocistart(c, pty);
	/* the command waits at the gate until init has forgotten the host */
	if (pipe2(gate, O_CLOEXEC) < 0 || (cmd = fork()) < 0)
		ns_fail(125, "fork:");
	if (cmd == 0) {
		close(gate[1]);
		while (read(gate[0], &b, 1) < 0 && errno == EINTR)
			;
		close(gate[0]);
		command(c, pty);
	}
	close(gate[0]);
	forget();
	if (pty >= 0)
		close(pty);
	/* the engine's fds are the command's, no more init's */
	for (i = 0; i < c->nfds; i++)
		close(3 + i);
	/* reaping needs no privilege; passing a signal on to a command
	 * that runs as another user needs CAP_KILL, and nothing else is
	 * kept */
	(void)dropcaps(CAP_KILLBIT);
	setcaps(CAP_KILLBIT, CAP_KILLBIT, 0);
	/* under the command's filter too: a command given SYS_PTRACE may
	 * attach to init (non-dumpable yields to that capability) and make
	 * its calls, which would otherwise pass unfiltered */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		ns_fail(125, "no_new_privs:");
	if (!c->proc.noseccomp && seccomp_load(CAP_KILLBIT) < 0)
		ns_fail(125, "seccomp:");
	reexec(self, cmd, gate[1]);
}

/*
 * startgate is an OCI container's second gate: init, created, waits for
 * the runtime's start, a connection on the listening socket fd, which it
 * answers with one byte once it goes on.  The pieces that created it is
 * gone, so a signal from outside (kill of a created container) is taken
 * as the process that has not run yet would take it: it ends init.
 */
static void
startgate(int fd, const sigset_t *set)
{
	struct signalfd_siginfo si;
	struct pollfd p[2];
	int sfd, c;
	char b = 0;

	if ((sfd = signalfd(-1, set, SFD_CLOEXEC)) < 0)
		_exit(125);
	p[0].fd = fd;
	p[1].fd = sfd;
	p[0].events = p[1].events = POLLIN;
	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		if ((p[1].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGCHLD && (si.ssi_pid == 0 || hostpid))
				_exit(128 + si.ssi_signo);
		}
		if ((p[0].revents & POLLIN) && (c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			/* the runtime's start hears it once we go on: nothing
			 * between here and the command's exec can block */
			(void)writeall(c, &b, 1);
			close(c);
			break;
		}
	}
	close(sfd);
	close(fd);
}

/*
 * ocistart is an OCI container's init from the second gate on: no
 * process stays behind to reap, as runc's.  Set up, it waits for the
 * runtime's start (startgate), then becomes the command itself, which is
 * so the PID 1 of its namespace, the pid the engine waits on and
 * signals: a SIGTERM it has no handler for is ignored there, and podman
 * stop falls back to SIGKILL, as with runc.  Its creator is gone by
 * then: a failed exec is said on the engine's stderr, which the command
 * has (ns_fail, with no channel).
 */
static _Noreturn void
ocistart(const struct ctr *c, int pty)
{
	sigset_t set;

	sigemptyset(&set);
	ns_sigs(&set);
	/* with a terminal, the pty is all the stdio init keeps: the engine
	 * reads create's output to its end (containerd's shim calls start
	 * only then), which no waiting init may hold open */
	if (pty >= 0 && (dup2(pty, 0) < 0 || dup2(pty, 1) < 0 || dup2(pty, 2) < 0))
		ns_fail(125, "dup2:");
	say(MSGREADY);
	close(chan);
	chan = -1;
	startgate(c->startfd, &set);
	command(c, pty);
}

/*
 * last is init's last part: at the second gate (set up, the command
 * forked and waiting) until pieces says the command may exec, then it
 * lets it and reaps
 */
static void
last(pid_t cmd, int gatefd)
{
	sigset_t set;

	sigemptyset(&set);
	ns_sigs(&set);
	say(MSGREADY);
	await();
	close(chan);
	close(gatefd);
	reap(cmd, &set);
}

int
ns_selfcopy(const char *name)
{
	struct stat st;
	off_t off = 0;
	int fd, exe = -1, saved;

	if ((fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0 ||
	    (exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) < 0 || fstat(exe, &st) < 0)
		goto fail;
	while (off < st.st_size)
		if (sendfile(fd, exe, &off, st.st_size - off) <= 0)
			goto fail;
	close(exe);
	exe = -1;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	if (exe >= 0)
		close(exe);
	if (fd >= 0)
		close(fd);
	errno = saved;
	return -1;
}

int
ns_selfexec(int self, char *argv[], char *envp[])
{
	char path[32];

	syscall(SYS_execveat, self, "", argv, envp, AT_EMPTY_PATH);
	/* qemu-user has no execveat: the fd's magic link in our /proc */
	if (errno == ENOSYS) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", self);
		execve(path, argv, envp);
	}
	return -1;
}

/*
 * selfcopy is init's sealed copy of pieces, made while the host's /proc
 * is still init's: its fd, or -1 where it cannot be executed (a
 * sanitizer build, whose loader the container lacks)
 */
static int
selfcopy(void)
{
	int fd;

#if defined(__SANITIZE_ADDRESS__)
	return -1;
#endif
	if ((fd = ns_selfcopy("pieces-init")) < 0)
		ns_fail(125, "copy of pieces for init:");
	return fd;
}

/*
 * reexec makes init the sealed copy self of pieces, set up: what a
 * command let to ptrace it opens as /proc/1/exe is then that copy, which
 * nothing can write, never the host's binary (runc's CVE-2019-5736, and
 * its 2026 variant through a second container: an fd of the host's
 * binary kept until it no longer runs, then reopened for writing).  The
 * new image (ns_reaper) gets the command's pid and the fds it needs;
 * its signal mask, seccomp filter, no_new_privs and capabilities come
 * along.  Without a copy, init goes on as it is.
 */
static void
reexec(int self, pid_t cmd, int gatefd)
{
	char a[3][24];
	char *argv[] = { "pieces-init", a[0], a[1], a[2], NULL }, *envp[] = { NULL };

	if (self < 0)
		last(cmd, gatefd);
	snprintf(a[0], sizeof(a[0]), "%ld", (long)cmd);
	snprintf(a[1], sizeof(a[1]), "%d", gatefd);
	snprintf(a[2], sizeof(a[2]), "%d", chan);
	if (fcntl(gatefd, F_SETFD, 0) < 0 || fcntl(chan, F_SETFD, 0) < 0)
		ns_fail(125, "fcntl:");
	ns_selfexec(self, argv, envp);
	ns_fail(125, "exec the copy of pieces:");
}

int
ns_reaper(int argc, char *argv[])
{
	pid_t cmd;
	int gatefd;

	/* exec made it dumpable again: no container process may attach */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || argc != 4)
		_exit(125);
	cmd = atol(argv[1]);
	gatefd = atoi(argv[2]);
	chan = atoi(argv[3]);
	/* /proc/1/cmdline shows "pieces-init", as before the exec */
	memset(argv[1], 0, argv[3] + strlen(argv[3]) - argv[1]);
	last(cmd, gatefd);
	return 125;
}

int
ns_report(int fd, int *pty, int ready)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	ssize_t n;
	int status = 0, fd2;

	for (;;) {
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		if ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
			continue;
		if (n <= 0 && ready && !status)
			weprintf("the container's init died while setting up");
		if (n <= 0)
			return ready && !status ? 125 : status;
		if ((size_t)n != sizeof(m))
			continue;
		if (m.type == MSGREADY && ready && !status)
			return 0;
		m.text[sizeof(m.text) - 1] = '\0';
		if (m.type == MSGERR && !status) {
			weprintf("%s", m.text);
			status = m.status;
		}
		/* one pty, for -t, and no other fd: a command let to ptrace
		 * the process that sends it could send one of its own */
		cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
			memcpy(&fd2, CMSG_DATA(cm), sizeof(int));
			if (m.type == MSGPTY && pty && *pty < 0)
				*pty = fd2;
			else
				close(fd2);
		}
	}
}

/* a started container, as ns_start leaves it for ns_go and ns_wait */
struct run {
	const struct ctr *c;
	pid_t pid;			/* init's, in our PID namespace */
	int chan;			/* our end of the report channel */
	int sigfd, pidns, pty, went, piped;
	sigset_t old;			/* our signal mask before */
	struct sigaction oldpipe;
	struct relay r;
};

/* done puts back what ns_start changed in this process and frees r */
static void
done(struct run *r)
{
	int i;

	if (r->piped)
		sigaction(SIGPIPE, &r->oldpipe, NULL);
	if (r->pidns >= 0) {
		(void)setns(r->pidns, CLONE_NEWPID);
		close(r->pidns);
	}
	for (i = 0; i < 3; i++)
		if (r->r.child[i] >= 0)
			close(r->r.child[i]);
	tty_drain(&r->r);
	if (r->pty >= 0)
		close(r->pty);
	if (r->chan >= 0)
		close(r->chan);
	if (r->sigfd >= 0)
		close(r->sigfd);
	sigprocmask(SIG_SETMASK, &r->old, NULL);
	free(r);
}

/* pidpath is the PID namespace an OCI bundle joins, or NULL */
static const char *
pidpath(const struct ctr *c)
{
	return c->oci && c->nspath ? c->nspath[NS_PID] : NULL;
}

/*
 * joinpid makes the PID namespace an OCI bundle names the one our next
 * child is born in: 0 (also with none to join), or -1 (reported).  init
 * is then not that namespace's PID 1, only its command's parent.
 */
static int
joinpid(const struct ctr *c)
{
	int fd;

	if (!pidpath(c))
		return 0;
	if ((fd = nsopen(pidpath(c), CLONE_NEWPID)) < 0 || setns(fd, CLONE_NEWPID) < 0) {
		weprintf(errno == EINVAL ? "namespace %s: not a pid namespace" :
		         "join namespace %s:", pidpath(c));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* newuser says whether init is to be made in a new user namespace: an OCI bundle's */
static int
newuser(const struct ctr *c)
{
	return c->oci && c->nsflags & CLONE_NEWUSER && !(c->nspath && c->nspath[NS_USER]);
}

/* newpid says whether init is to be made in a new PID namespace: all but some OCI bundles' */
static int
newpid(const struct ctr *c)
{
	return !c->oci || (c->nsflags & CLONE_NEWPID && !pidpath(c));
}

/*
 * spawn forks init.  A new user namespace is made with it, by clone3
 * with the PID namespace, which it then owns: its root may mount a
 * /proc of that namespace, which it could not for one the host's owns.
 * Like fork, the child goes on from here on a copy of our stack.
 */
static pid_t
spawn(const struct ctr *c)
{
	struct {			/* struct clone_args, CLONE_ARGS_SIZE_VER0 */
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} a;

	if (!newuser(c))
		return fork();
	memset(&a, 0, sizeof(a));
	a.flags = CLONE_NEWUSER | (newpid(c) ? CLONE_NEWPID : 0);
	a.exit_signal = SIGCHLD;
	return syscall(SYS_clone3, &a, sizeof(a));
}

/*
 * oomadj sets an OCI process's oom_score_adj on init, at its first
 * gate, which the command inherits: from here, as the host's root,
 * since a value below the least init had needs CAP_SYS_RESOURCE in the
 * host's user namespace, which init in a user namespace of its own has
 * not.  0, or -1 (reported).
 */
static int
oomadj(const struct proc *p, pid_t pid)
{
	char path[64], buf[16];
	int fd, n;

	if (!p->hasoom)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/oom_score_adj", (long)pid);
	n = snprintf(buf, sizeof(buf), "%d", p->oomadj);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 || writeall(fd, buf, n) < 0) {
		weprintf("write to %s:", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		weprintf("write to %s:", path);
		return -1;
	}
	return 0;
}

/*
 * mapwrite writes the n lines of m to init's NAME (uid_map, gid_map),
 * field the config.json field they came from: in one write, as the
 * kernel takes a map, which it refuses past a page (spec.c checked
 * the lines already).  We, the host's root with CAP_SETGID, need no
 * "deny" in setgroups first: the container's setgroups stays allowed.
 * 0, or -1 (reported).
 */
static int
mapwrite(pid_t pid, const char *name, const struct idmap *m, int n, const char *field)
{
	char path[64], buf[4096];
	size_t len = 0;
	int fd, i, k;

	for (i = 0; i < n; i++) {
		k = snprintf(buf + len, sizeof(buf) - len, "%lu %lu %lu\n", (unsigned long)m[i].ctr,
		             (unsigned long)m[i].host, (unsigned long)m[i].size);
		if (k < 0 || (size_t)k >= sizeof(buf) - len) {
			weprintf("config.json: %s: more than the kernel's page of a map", field);
			return -1;
		}
		len += k;
	}
	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, buf, len) != (ssize_t)len) {
		weprintf("config.json: %s: %s:", field, path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* idmaps writes the maps of init's new user namespace, if it has one: 0, or -1 (reported) */
static int
idmaps(const struct ctr *c, pid_t pid)
{
	if (!newuser(c))
		return 0;
	if (mapwrite(pid, "uid_map", c->uidmap, c->nuidmap, "linux.uidMappings") < 0 ||
	    mapwrite(pid, "gid_map", c->gidmap, c->ngidmap, "linux.gidMappings") < 0)
		return -1;
	return 0;
}

/* fork1 forks init into a new PID namespace (or an OCI bundle's): 0, or -1 (reported) */
static int
fork1(struct run *r)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int sv[2], i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		weprintf("socketpair:");
		return -1;
	}
	r->chan = sv[0];
	if (joinpid(r->c) < 0 ||
	    (newpid(r->c) && !newuser(r->c) && unshare(CLONE_NEWPID) < 0)) {
		if (!pidpath(r->c))
			weprintf(geteuid() ? "run needs root: unshare:" : "unshare:");
		close(sv[1]);
		return -1;
	}
	/* an OCI container's stdio is the engine's, handed on as it is */
	if ((!r->c->oci && tty_pipes(&r->r, &r->c->proc) < 0) || (r->pid = spawn(r->c)) < 0) {
		if (r->pid < 0)
			weprintf(newuser(r->c) ? "clone3, a new user namespace:" : "fork:");
		close(sv[1]);
		return -1;
	}
	if (r->pid == 0) {
		close(sv[0]);
		chan = sv[1];
		hostpid = r->c->oci && !(r->c->nsflags & CLONE_NEWPID);
		for (i = 0; i < 3; i++)
			if (r->r.child[i] >= 0 && dup2(r->r.child[i], i) < 0)
				ns_fail(125, "dup2:");
		init(r->c);
	}
	close(sv[1]);
	/* a relay whose reader went gets EPIPE, not the signal; the
	 * container's processes, forked before, keep SIGPIPE as it was */
	sigaction(SIGPIPE, &ign, &r->oldpipe);
	r->piped = 1;
	for (i = 0; i < 3; i++)
		if (r->r.child[i] >= 0) {
			close(r->r.child[i]);
			r->r.child[i] = -1;
		}
	return 0;
}

int
ns_start(struct ctr *c, struct run **rp)
{
	struct run *r = ecalloc(1, sizeof(*r));
	struct msg go = { MSGGO, 0, "" };
	sigset_t set;
	size_t i;
	int status = 125, st;

	*rp = NULL;
	/* only while the network is the host's: see CAPS_HOSTNET */
	if (c->net == NET_HOST)
		c->proc.caps &= ~CAPS_HOSTNET;
	r->c = c;
	r->chan = r->sigfd = r->pty = -1;
	for (i = 0; i < 3; i++)
		r->r.fd[i] = r->r.child[i] = -1;
	sigemptyset(&set);
	ns_sigs(&set);
	sigprocmask(SIG_BLOCK, &set, &r->old);
	if ((r->sigfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		weprintf("signalfd:");
	/* to fork into our own PID namespace again after: once init is
	 * gone, its namespace takes no more children (ASan's leak checker
	 * forks at exit) */
	r->pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (r->sigfd < 0 || fork1(r) < 0)
		goto fail;
	/* init waits at the first gate: cgroups join it here, its user
	 * namespace gets its maps */
	if ((c->attach && c->attach(c->arg, r->pid) < 0) || idmaps(c, r->pid) < 0 ||
	    oomadj(&c->proc, r->pid) < 0) {
		(void)kill(r->pid, SIGKILL);
		goto reap;
	}
	if (send(r->chan, &go, sizeof(go), MSG_NOSIGNAL) < 0)
		weprintf("report channel:");
	if ((status = ns_report(r->chan, c->proc.tty ? &r->pty : NULL, 1)) == 0) {
		/* init waits at the second gate, its namespaces made: the
		 * network is plumbed here, by its pid */
		if (!c->plumb || c->plumb(c->plumbarg, r->pid) == 0) {
			*rp = r;
			return 0;
		}
		(void)kill(r->pid, SIGKILL);
		status = 125;
	}
reap:
	while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR)
		;
fail:
	done(r);
	return status;
}

int
ns_pty(const struct run *r)
{
	return r->pty;
}

int
ns_go(struct run *r)
{
	struct msg go = { MSGGO, 0, "" };

	r->went = 1;
	if (send(r->chan, &go, sizeof(go), MSG_NOSIGNAL) < 0) {
		weprintf("report channel:");
		return -1;
	}
	return 0;
}

int
ns_wait(struct run *r)
{
	int status, st;

	/* not let go: init, at its gate, sees the channel close and leaves */
	if (!r->went) {
		close(r->chan);
		r->chan = -1;
		while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR)
			;
		done(r);
		return 125;
	}
	if ((status = ns_report(r->chan, r->c->proc.tty ? &r->pty : NULL, 0)) != 0) {
		while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR)
			;
		done(r);
		return status;
	}
	/* the command has exec'd: the container runs */
	if (r->c->up)
		r->c->up(r->c->uparg, r->pid);
	if (r->pty >= 0) {
		status = tty_relay(r->pty, r->sigfd, r->pid, r->c->proc.interactive);
	} else {
		status = tty_supervise(r->pid, r->sigfd, &r->r);
	}
	done(r);
	return status;
}

int
ns_run(struct ctr *c)
{
	struct run *r;
	int status;

	if ((status = ns_start(c, &r)) != 0)
		return status;
	(void)ns_go(r);
	return ns_wait(r);
}
