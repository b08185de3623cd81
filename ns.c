/* See LICENSE file for copyright and license details. */
/*
 * The namespace core of pieces run.
 *
 * Three processes.  pieces itself stays in the host's namespaces: it
 * unshares a PID namespace for its children and forks the container's
 * init, then relays signals (and a terminal) until init exits, and passes
 * init's status on.  init is PID 1 of the new namespace: it unshares mount,
 * UTS, IPC and cgroup namespaces, builds the container's mounts, pivots
 * into them, and forks the command, which drops privileges and execs.  init
 * then only reaps and forwards signals; when the command exits, init exits
 * with its status and the kernel kills whatever the command left behind.
 *
 * init and the command report a failed setup to pieces over an
 * SOCK_SEQPACKET pair whose child end is close-on-exec: end of file with no
 * message means the command's exec succeeded.  The same channel carries
 * the master of the container's own pty for -t.
 *
 * The image is never written: the root is an overlay whose upper layer
 * lives in a tmpfs that init mounts, in its own mount namespace, over the
 * store's tmp/.  The container's writes stay in memory, cost the store's
 * disk nothing, and go with the namespace: nothing is left to remove.
 *
 * Paths inside the root come from the image and may be symlinks to
 * anywhere, so every mount target there is resolved with root.c's in-root
 * resolver and mounted through its /proc/self/fd/N magic link, never by a
 * path string the image could redirect (the runc and crun CVEs of 2019 to
 * 2026 around /proc, /dev and volume targets).
 */
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
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
#include <termios.h>
#include <unistd.h>

#include "arch.h"
#include "pieces.h"

#ifndef MS_PRIVATE
#define MS_PRIVATE	(1 << 18)
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER	_IO('T', 0x41)
#endif
#define CAPVERSION3	0x20080522	/* _LINUX_CAPABILITY_VERSION_3 */

enum { MSGERR = 1, MSGPTY };

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

/* /proc paths an image has no business reading or writing, as Docker */
static const char *masked[] = {
	"proc/acpi", "proc/asound", "proc/kcore", "proc/keys", "proc/latency_stats",
	"proc/timer_list", "proc/timer_stats", "proc/sched_debug", "proc/scsi",
	"sys/firmware", "sys/devices/virtual/powercap",
};
static const char *rdonly[] = {
	"proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger",
};

static int chan = -1;		/* the child end of the report channel */

/*
 * fail reports a setup failure to pieces, which prints it, and exits with
 * status.  Only init and the command call it; a format ending in ':'
 * appends strerror(errno).
 */
static void
fail(int status, const char *fmt, ...)
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

static char *
fdpath(int fd, char *buf)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

/*
 * at opens path below rootfd for a mount, making it when missing: a
 * directory, or an empty file if file.  A dangling symlink on the way is
 * followed inside the root and what it names is made there: Ubuntu's
 * /etc/resolv.conf points into /run, which the image leaves empty, and an
 * image whose /dev points to /outside gets ROOT/outside, never the host's.
 */
static int
at(int rootfd, const char *path, int file)
{
	char cur[PATHMAX], dir[PATHMAX], link[PATHMAX], leaf[LEAFMAX], *slash;
	ssize_t n;
	int fd, pfd, hops;

	snprintf(cur, sizeof(cur), "%s", path);
	for (hops = 0; hops < 40; hops++) {
		if ((fd = root_open(rootfd, cur, O_PATH)) >= 0)
			return fd;
		if (errno != ENOENT)
			break;
		snprintf(dir, sizeof(dir), "%s", cur);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		if (root_mkdirs(rootfd, file ? (slash ? dir : "") : cur) < 0)
			break;
		if (!file)
			continue;
		if ((pfd = root_parent(rootfd, cur, leaf)) < 0)
			break;
		if ((fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644)) >= 0) {
			close(fd);
		} else if ((n = readlinkat(pfd, leaf, link, sizeof(link) - 1)) > 0) {
			/* a dangling symlink: its target, from its directory */
			link[n] = '\0';
			if ((size_t)snprintf(cur, sizeof(cur), "%s%s%s", link[0] == '/' || !slash ?
			    "" : dir, link[0] == '/' || !slash ? "" : "/", link) >= sizeof(cur)) {
				close(pfd);
				errno = ENAMETOOLONG;
				break;
			}
		}
		close(pfd);
	}
	fail(125, "/%s:", path);
	return -1;
}

/* mnt mounts onto the fd dst, by its magic link */
static void
mnt(const char *src, int dst, const char *type, unsigned long flags,
    const char *data, const char *what)
{
	char p[32];

	if (mount(src, fdpath(dst, p), type, flags, data) < 0)
		fail(125, "mount %s:", what);
}

/*
 * bindat bind-mounts the fd src onto path in the root, then adds the
 * mount flags flags (MS_RDONLY, MS_NODEV, ...) to those it had
 */
static void
bindat(int rootfd, int src, const char *path, int file, unsigned long flags)
{
	const unsigned long keep = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
	                           MS_NOATIME | MS_NODIRATIME | MS_RELATIME;
	struct statvfs sv;
	char p[32];
	int fd = at(rootfd, path, file);

	mnt(fdpath(src, p), fd, NULL, MS_BIND | MS_REC, NULL, path);
	close(fd);
	if (!flags)
		return;
	/* reopened, the fd is the new mount's root, which remount wants;
	 * a remount sets the flags it is given, so the old ones go too
	 * (ST_* are MS_*) */
	if ((fd = root_open(rootfd, path, O_PATH)) < 0 || fstatvfs(fd, &sv) < 0)
		fail(125, "/%s:", path);
	mnt(NULL, fd, NULL, MS_REMOUNT | MS_BIND | flags | (sv.f_flag & keep), NULL, path);
	close(fd);
}

/*
 * mkroot mounts the container's root on work/merged and returns its fd;
 * *ro says whether it is read-only (--read-only, or no overlayfs).
 */
static int
mkroot(const struct ctr *c, int imgfd, int workfd, int upfd, int *ro)
{
	/* a build reads its upper layer back as a plain tree: no redirects,
	 * no metadata-only copies, no index; kernels older than an option
	 * have no such feature, so each is dropped in turn when refused */
	static const char *const extra[] = {
		",redirect_dir=off,index=off,metacopy=off", ",redirect_dir=off,index=off",
		",redirect_dir=off", "",
	};
	char opts[256], p[32];
	struct stat st;
	size_t i = c->work ? 0 : LEN(extra) - 1;
	int fd, lower;

	if (mkdirat(workfd, "merged", 0755) < 0 || mkdirat(upfd, "upper", 0755) < 0 ||
	    mkdirat(upfd, "work", 0700) < 0)
		fail(125, "upper layer:");
	if ((fd = openat(workfd, "merged", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (lower = openat(imgfd, "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		fail(125, "%s: rootfs:", c->image);
	/* the upper root is the merged root: it starts as the image's */
	if (fstat(lower, &st) < 0 || fchownat(upfd, "upper", st.st_uid, st.st_gid, 0) < 0 ||
	    fchmodat(upfd, "upper", st.st_mode & 07777, 0) < 0)
		fail(125, "upper layer:");
	errno = ENODEV;		/* PIECES_NO_OVERLAY: as a kernel without it */
	*ro = 1;
	for (; !c->readonly && !getenv("PIECES_NO_OVERLAY") && i < LEN(extra); i++) {
		/* the lower layer by fd: the tree this run locked, even if
		 * an import renamed another one into place since */
		snprintf(opts, sizeof(opts), "lowerdir=/proc/self/fd/%d,"
		         "upperdir=/proc/self/fd/%d/upper,workdir=/proc/self/fd/%d/work%s",
		         lower, upfd, upfd, extra[i]);
		/* nodev: a device node the container makes cannot be opened */
		if (!(*ro = mount("overlay", fdpath(fd, p), "overlay", MS_NODEV, opts) < 0) ||
		    errno != EINVAL)
			break;
	}
	if (*ro && c->work)
		fail(125, "RUN needs overlayfs: mount overlay:");
	if (*ro) {
		if (!c->readonly && errno != ENODEV)
			fail(125, "mount overlay:");
		if (!c->readonly)
			weprintf("overlayfs unavailable: %s runs on a read-only root "
			         "with /tmp and /run on tmpfs", c->image);
		mnt(fdpath(lower, p), fd, NULL, MS_BIND | MS_REC, NULL, "root");
		close(fd);
		if ((fd = openat(workfd, "merged", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			fail(125, "root:");
		mnt(NULL, fd, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL, "root");
	}
	close(fd);
	close(lower);
	if ((fd = openat(workfd, "merged", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fail(125, "root:");
	return fd;
}

static void
mkdev(int rootfd)
{
	static const struct { const char *name; unsigned maj, min; } nodes[] = {
		{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
		{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
	};
	static const char *links[][2] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" }, { "core", "/proc/kcore" },
	};
	char path[16];
	struct stat st;
	size_t i;
	int fd, dev, src;

	/* nodev, as every file system the container can write: what it
	 * makes with mknod cannot be opened.  The nodes it needs are the
	 * host's, bind-mounted, once checked to be what they should. */
	fd = at(rootfd, "dev", 0);
	mnt("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=65536k",
	    "/dev");
	close(fd);
	/* a fresh tmpfs of ours: nothing in it is the image's */
	if ((dev = root_open(rootfd, "dev", O_RDONLY | O_DIRECTORY)) < 0)
		fail(125, "/dev:");
	for (i = 0; i < LEN(nodes); i++) {
		snprintf(path, sizeof(path), "/dev/%s", nodes[i].name);
		if ((src = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(src, &st) < 0)
			fail(125, "%s:", path);
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(nodes[i].maj, nodes[i].min))
			fail(125, "%s: not the device it should be", path);
		bindat(rootfd, src, path + 1, 1, 0);	/* not nodev: it is a device */
		close(src);
	}
	for (i = 0; i < LEN(links); i++)
		if (symlinkat(links[i][1], dev, links[i][0]) < 0)
			fail(125, "/dev/%s:", links[i][0]);
	if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0 ||
	    mkdirat(dev, "mqueue", 0755) < 0)
		fail(125, "/dev:");
	if ((fd = openat(dev, "pts", O_PATH | O_CLOEXEC)) < 0)
		fail(125, "/dev/pts:");
	mnt("devpts", fd, "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620,gid=5", "/dev/pts");
	close(fd);
	if ((fd = openat(dev, "shm", O_PATH | O_CLOEXEC)) < 0)
		fail(125, "/dev/shm:");
	mnt("shm", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k",
	    "/dev/shm");
	close(fd);
	if ((fd = openat(dev, "mqueue", O_PATH | O_CLOEXEC)) < 0)
		fail(125, "/dev/mqueue:");
	mnt("mqueue", fd, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/dev/mqueue");
	close(fd);
	close(dev);
}

/* mkfile writes a file of the container's (hostname, hosts) in the scratch tmpfs */
static int
mkfile(int workfd, const char *name, const char *text)
{
	int fd;

	if ((fd = openat(workfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0 ||
	    writeall(fd, text, strlen(text)) < 0)
		fail(125, "%s:", name);
	return fd;
}

/* etc gives the container its /etc/hostname, /etc/hosts and resolv.conf */
static void
etc(const struct ctr *c, int rootfd, int workfd, int ro)
{
	char buf[4096];
	ssize_t n = 0;
	int fd, fd2, i;
	const char *names[] = { "hostname", "hosts", "resolv.conf" };

	for (i = 0; i < 3; i++) {
		if (i == 0) {
			snprintf(buf, sizeof(buf), "%s\n", c->hostname);
		} else if (i == 1) {
			snprintf(buf, sizeof(buf), "127.0.0.1\tlocalhost\n"
			         "::1\tlocalhost ip6-localhost ip6-loopback\n"
			         "127.0.1.1\t%s\n", c->hostname);
		} else {
			/* the container shares the host's network: its resolvers */
			buf[0] = '\0';
			if ((fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC)) >= 0) {
				n = readall(fd, buf, sizeof(buf) - 1);
				close(fd);
				buf[n > 0 ? n : 0] = '\0';
			}
		}
		fd = mkfile(workfd, names[i], buf);
		snprintf(buf, sizeof(buf), "etc/%s", names[i]);
		/* a read-only root without the file: nothing to mount it on */
		if (ro && (fd2 = root_open(rootfd, buf, O_PATH)) < 0) {
			close(fd);
			continue;
		}
		if (ro)
			close(fd2);
		bindat(rootfd, fd, buf, 1, 0);
		close(fd);
	}
}

static void
volumes(const struct ctr *c, int rootfd)
{
	struct stat st;
	int i, fd;

	for (i = 0; i < c->nvol; i++) {
		/* the host side is the user's own path, followed as given */
		if ((fd = open(c->vol[i].src, O_PATH | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
			fail(125, "volume %s:", c->vol[i].src);
		bindat(rootfd, fd, c->vol[i].dst + 1, !S_ISDIR(st.st_mode),
		       MS_NODEV | (c->vol[i].ro ? MS_RDONLY | MS_NOSUID : 0));
		close(fd);
	}
}

/* mask hides what the image must not see in /proc and /sys */
static void
mask(int rootfd)
{
	char path[64];
	struct stat st;
	size_t i;
	int fd, null;

	if ((null = root_open(rootfd, "dev/null", O_PATH)) < 0)
		fail(125, "/dev/null:");
	for (i = 0; i < LEN(masked); i++) {
		/* our own proc and sysfs now: no symlink of the image's there */
		if ((fd = root_open(rootfd, masked[i], O_PATH | O_NOFOLLOW)) < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
			mnt("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			    "size=0", masked[i]);
		else
			mnt(fdpath(null, path), fd, NULL, MS_BIND, NULL, masked[i]);
		close(fd);
	}
	close(null);
	for (i = 0; i < LEN(rdonly); i++) {
		if ((fd = root_open(rootfd, rdonly[i], O_PATH | O_NOFOLLOW)) < 0)
			continue;
		bindat(rootfd, fd, rdonly[i], 0, MS_RDONLY | MS_NOSUID | MS_NODEV);
		close(fd);
	}
}

/*
 * ramroot gets out of an initramfs.  There "/" is rootfs, the mount at the
 * bottom of the tree, and pivot_root refuses to move it (EINVAL: it has no
 * parent).  runc and crun then fall back to MS_MOVE and chroot, which
 * leaves the initramfs reachable from the container.  Instead: a fresh
 * tmpfs is moved over "/", covering the initramfs, we chroot into it with
 * the container's root moved inside, and the caller pivots again from
 * there.  The tmpfs becomes the old root and is detached like any other;
 * the initramfs stays buried under it, reachable from no path.
 */
static int
ramroot(int rootfd, int workfd)
{
	char p[32], q[32];
	int fd, root;

	if (mkdirat(workfd, "ramroot", 0700) < 0 ||
	    (fd = openat(workfd, "ramroot", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		fail(125, "ramroot:");
	mnt("tmpfs", fd, "tmpfs", 0, "size=16k,mode=700", "ramroot");
	close(fd);
	if ((fd = openat(workfd, "ramroot", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    mkdirat(fd, "root", 0755) < 0 ||
	    (root = openat(fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		fail(125, "ramroot:");
	if (mount(fdpath(rootfd, p), fdpath(root, q), NULL, MS_MOVE, NULL) < 0)
		fail(125, "move the root into ramroot:");
	close(root);
	if (fchdir(fd) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0)
		fail(125, "move ramroot onto /:");
	close(fd);
	if ((root = open("/root", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fail(125, "ramroot/root:");
	return root;
}

/*
 * pivot makes rootfd the root: the old root stacks on top of the new one
 * (pivot_root(".", ".")), is made private so its unmount reaches no peer,
 * and is detached.
 */
static void
pivot(int rootfd, int workfd)
{
	int old;

	if ((old = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fail(125, "open /:");
	if (fchdir(rootfd) < 0)
		fail(125, "chdir to the root:");
	if (getenv("PIECES_TEST_RAMROOT") || syscall(SYS_pivot_root, ".", ".") < 0) {
		if (!getenv("PIECES_TEST_RAMROOT") && errno != EINVAL)
			fail(125, "pivot_root:");
		close(old);
		rootfd = ramroot(rootfd, workfd);
		if ((old = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		    fchdir(rootfd) < 0)
			fail(125, "ramroot:");
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			fail(125, "pivot_root from ramroot:");
		close(rootfd);
	}
	if (fchdir(old) < 0)
		fail(125, "chdir to the old root:");
	if (mount(NULL, ".", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(125, "make the old root private:");
	if (umount2(".", MNT_DETACH) < 0)
		fail(125, "detach the old root:");
	if (chdir("/") < 0)
		fail(125, "chdir /:");
	close(old);
}

static const char *capnames[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
	"SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
	"SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

int
ns_cap(const char *name, uint64_t *bits)
{
	size_t i;

	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	if (!strcasecmp(name, "ALL")) {
		*bits = ~0ULL;
		return 0;
	}
	for (i = 0; i < LEN(capnames); i++)
		if (!strcasecmp(name, capnames[i])) {
			*bits = 1ULL << i;
			return 0;
		}
	return -1;
}

/*
 * dropcaps shrinks the bounding set to caps and clears the ambient set,
 * which needs CAP_SETPCAP: so before the user changes.
 */
static void
dropcaps(uint64_t caps)
{
	int i;

	for (i = 0; i < 64; i++) {
		if (caps & (1ULL << i))
			continue;
		if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0) {
			if (errno == EINVAL)	/* past the kernel's last capability */
				break;
			fail(125, "drop capability %d:", i);
		}
	}
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* setcaps makes caps root's effective and permitted sets, nothing inheritable */
static void
setcaps(uint64_t caps)
{
	struct caphdr h = { CAPVERSION3, 0 };
	struct capdata d[2] = {
		{ caps & 0xffffffff, caps & 0xffffffff, 0 },
		{ caps >> 32, caps >> 32, 0 },
	};

	if (syscall(SYS_capset, &h, d) < 0)
		fail(125, "capset:");
}

/* closefds closes every fd but 0-2 and the report channel (close-on-exec) */
static void
closefds(void)
{
	struct dirent *de;
	DIR *d;
	int fd;

	/* the container's own /proc by now: only this process's fds */
	if (!(d = opendir("/proc/self/fd")))
		fail(125, "/proc/self/fd:");
	while ((de = readdir(d)))
		if ((fd = atoi(de->d_name)) > 2 && fd != dirfd(d) && fd != chan)
			close(fd);
	closedir(d);
}

static void
mkworkdir(const char *dir)
{
	char path[PATHMAX], *p;

	if (chdir(dir) == 0)
		return;
	/* as Docker: a missing working directory is made */
	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				fail(125, "workdir %s:", dir);
			if (!(*p = c))
				break;
		}
	}
	if (chdir(dir) < 0)
		fail(125, "workdir %s:", dir);
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

/* execute runs argv[0] as execvpe would, on the container's own PATH */
static void
execute(const struct ctr *c)
{
	char path[PATHMAX];
	const char *dirs, *e, *cmd = c->argv[0];
	int err = ENOENT;

	if (strchr(cmd, '/')) {
		execve(cmd, c->argv, c->env);
		err = errno;
	} else if ((dirs = getenvin(c->env, "PATH"))) {
		for (; ; dirs = e + 1) {
			e = strchrnul(dirs, ':');
			snprintf(path, sizeof(path), "%.*s/%s", (int)(e - dirs), dirs, cmd);
			execve(path, c->argv, c->env);
			if (errno != ENOENT && errno != ENOTDIR)
				err = errno;
			if (!*e)
				break;
		}
	}
	errno = err;
	if (err == ENOENT)
		fail(127, "%s: %s: no such file or directory%s", c->image, cmd,
		     strchr(cmd, '/') ? "" : " in $PATH");
	fail(126, "%s: %s: cannot execute:", c->image, cmd);
}

/* command becomes the container's command: pid 2 */
static void
command(const struct ctr *c, int pty)
{
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() < 0)
		fail(125, "setsid:");
	if (pty >= 0) {
		if (ioctl(pty, TIOCSCTTY, 0) < 0)
			fail(125, "TIOCSCTTY:");
		fd = pty;
	} else if (!c->interactive) {
		if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
			fail(125, "/dev/null:");
	} else {
		fd = -1;
	}
	if (fd >= 0 && (dup2(fd, 0) < 0 || (pty >= 0 && (dup2(fd, 1) < 0 || dup2(fd, 2) < 0))))
		fail(125, "dup2:");
	mkworkdir(c->workdir);
	closefds();
	dropcaps(c->caps);
	if (setgroups(0, NULL) < 0 || setgid(c->gid) < 0 || setuid(c->uid) < 0)
		fail(125, "user %u:%u:", (unsigned)c->uid, (unsigned)c->gid);
	/* root keeps the set; setuid cleared it for anyone else, as Docker */
	if (c->uid == 0)
		setcaps(c->caps);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(125, "no_new_privs:");
	execute(c);
}

static void
sendfd(int fd)
{
	struct msg m = { MSGPTY, 0, "" };
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(chan, &mh, MSG_NOSIGNAL) < 0)
		fail(125, "send the pty:");
}

/* mkpty opens a pty of the container's own devpts: its master goes to
 * pieces, its slave to the command */
static int
mkpty(int rootfd)
{
	int master, slave, unlock = 0;

	if ((master = root_open(rootfd, "dev/pts/ptmx", O_RDWR | O_NOCTTY)) < 0 ||
	    ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		fail(125, "pty:");
	sendfd(master);
	close(master);
	return slave;
}

/*
 * reopen opens the store directory root/sub/name again, which must be the
 * one fd is.  An fd opened before unshare(CLONE_NEWNS) still points into
 * the host's mount namespace, and overlayfs refuses layers outside its own
 * ("failed to clone lowerpath"); a path walked now lands in the new one.
 */
static int
reopen(const char *root, const char *sub, const char *name, int fd)
{
	char path[PATHMAX];
	struct stat a, b;
	int nfd;

	snprintf(path, sizeof(path), "%s/%s/%s", root, sub, name);
	if ((nfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(nfd, &a) < 0 || fstat(fd, &b) < 0)
		fail(125, "%s:", path);
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		fail(125, "%s: replaced while starting; run again", path);
	close(fd);
	return nfd;
}

/*
 * scratch mounts the tmpfs for the upper layer and the /etc files.  It is
 * bounded: a tmpfs without size= may take half the host's RAM, and a few
 * containers writing to their root would exhaust it.  nr_inodes too, one
 * per 4 KiB: each file costs kernel memory that size= does not count.  A
 * build's upper layer is on disk (build.c bounds it), not here.
 */
static int
scratch(const struct ctr *c, const char *root)
{
	char path[PATHMAX], opts[80];
	unsigned long long size = c->work || !c->size ? 4 << 20 : c->size;
	int fd;

	snprintf(path, sizeof(path), "%s/tmp", root);
	snprintf(opts, sizeof(opts), "mode=700,size=%llu,nr_inodes=%llu", size,
	         MAX(size / 4096, 1024));
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ||
	    (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fail(125, "%s: tmpfs:", path);
	return fd;
}

/* setup builds the container's mounts and pivots into them */
static int
setup(const struct ctr *c, const char *root, int imgfd)
{
	int rootfd, workfd, upfd = -1, fd, ro, pty = -1;

	if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP) < 0)
		fail(125, "unshare:");
	/* before anything is mounted: no mount of ours may propagate back
	 * to the host (the Python original's bug) */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(125, "make / private:");
	imgfd = reopen(root, c->dir ? c->dir : "images", c->image, imgfd);
	/* a build's upper layer is on disk in its work tree, below the
	 * tmp/ the scratch tmpfs is about to hide */
	if (c->work && (upfd = dup(c->work->fd)) >= 0)
		upfd = reopen(root, "tmp", c->work->name, upfd);
	workfd = scratch(c, root);
	if (sethostname(c->hostname, strlen(c->hostname)) < 0)
		fail(125, "sethostname:");
	rootfd = mkroot(c, imgfd, workfd, c->work ? upfd : workfd, &ro);
	fd = at(rootfd, "proc", 0);
	/* in the new PID namespace: it shows the container's processes */
	mnt("proc", fd, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/proc");
	close(fd);
	fd = at(rootfd, "sys", 0);
	mnt("sysfs", fd, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/sys");
	close(fd);
	mkdev(rootfd);
	if (ro && !c->readonly) {
		fd = at(rootfd, "tmp", 0);
		mnt("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", "/tmp");
		close(fd);
		fd = at(rootfd, "run", 0);
		mnt("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", "/run");
		close(fd);
	}
	etc(c, rootfd, workfd, ro);
	volumes(c, rootfd);
	mask(rootfd);
	if (c->tty)
		pty = mkpty(rootfd);
	pivot(rootfd, workfd);
	close(rootfd);
	close(imgfd);
	close(workfd);
	if (upfd >= 0)
		close(upfd);
	return pty;
}

/*
 * init is the container's PID 1: it sets up, starts the command, then reaps
 * every child and forwards signals until the command exits, and exits with
 * its status.  The signals it waits for were blocked by pieces before the
 * fork: a namespace's init gets no signal it has neither blocked nor
 * handled, and blocked ones are queued for sigwaitinfo.
 */
static void
init(const struct ctr *c, const char *root, int imgfd, const sigset_t *set)
{
	siginfo_t si;
	pid_t cmd, p;
	int pty, st;

	/* no container process may ptrace us or open /proc/1/exe, the
	 * host's pieces binary (runc CVE-2019-5736) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(125, "prctl:");
	pty = setup(c, root, imgfd);
	if ((cmd = fork()) < 0)
		fail(125, "fork:");
	if (cmd == 0)
		command(c, pty);
	/* the container sees its init as "pieces-init", not the host's path
	 * of the binary and the command line (c's strings point into it: the
	 * command has its own copy by now, and init needs them no more) */
	if (argmem && argmemlen > 0) {
		memset(argmem, 0, argmemlen);
		snprintf(argmem, argmemlen, "pieces-init");
	}
	if (pty >= 0)
		close(pty);
	/* reaping and kill(2) of its own child need no privilege */
	dropcaps(0);
	setcaps(0);
	close(chan);
	for (;;) {
		if (sigwaitinfo(set, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD) {
			(void)kill(cmd, si.si_signo);
			continue;
		}
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == cmd)
				_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
}

/*
 * report reads what init and the command say until the channel closes,
 * which it does at the command's exec.  It returns the status of a failed
 * setup (reported here), or 0, with a pty master in *pty for -t.
 */
static int
report(int fd, int *pty)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	ssize_t n;
	int status = 0;

	for (;;) {
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		if ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return status;
		if ((size_t)n != sizeof(m))
			continue;
		m.text[sizeof(m.text) - 1] = '\0';
		if (m.type == MSGERR && !status) {
			weprintf("%s", m.text);
			status = m.status;
		}
		cm = CMSG_FIRSTHDR(&mh);
		if (m.type == MSGPTY && cm && cm->cmsg_type == SCM_RIGHTS)
			memcpy(pty, CMSG_DATA(cm), sizeof(int));
	}
}

/* wait passes signals on to init until it exits; its status */
static int
supervise(pid_t pid, int sigfd)
{
	struct signalfd_siginfo si;
	int st;

	for (;;) {
		if (read(sigfd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			eprintf("signalfd:");
		}
		if (si.ssi_signo != SIGCHLD) {
			(void)kill(pid, si.ssi_signo);
			continue;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}

int
ns_run(struct store *s, struct ctr *c, int imgfd)
{
	sigset_t set, old;
	size_t i;
	int sv[2], sigfd, pidns, pty = -1, status, st;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		eprintf("socketpair:");
	sigemptyset(&set);
	for (i = 0; i < LEN(fwdsigs); i++)
		sigaddset(&set, fwdsigs[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	if ((sigfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		eprintf("signalfd:");
	/* to fork into our own PID namespace again after: once init is
	 * gone, its namespace takes no more children (ASan's leak checker
	 * forks at exit) */
	pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (unshare(CLONE_NEWPID) < 0) {
		weprintf(geteuid() ? "run needs root: unshare:" : "unshare:");
		status = 125;
		goto out;
	}
	if ((pid = fork()) < 0)
		eprintf("fork:");
	if (pid == 0) {
		close(sv[0]);
		chan = sv[1];
		init(c, s->root, imgfd, &set);
	}
	close(sv[1]);
	sv[1] = -1;
	if ((status = report(sv[0], &pty)) != 0)
		(void)waitpid(pid, &st, 0);
	else if (pty >= 0)
		status = tty_relay(pty, sigfd, pid, c->interactive);
	else
		status = supervise(pid, sigfd);
out:
	if (pidns >= 0) {
		(void)setns(pidns, CLONE_NEWPID);
		close(pidns);
	}
	if (pty >= 0)
		close(pty);
	close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	close(sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

/* field copies field n (from 0) of a colon-separated line into buf */
static char *
field(const char *line, int n, char *buf, size_t len)
{
	const char *e;

	for (; n > 0 && line; n--)
		if ((line = strchr(line, ':')))
			line++;
	if (!line)
		return NULL;
	e = strchrnul(line, ':');
	snprintf(buf, len, "%.*s", (int)(e - line), line);
	return buf;
}

/*
 * entry finds name, or the number it is, in the image's passwd or group
 * file and copies its line into line: 0, 1 if it is not there (nor the
 * file), or -1 after saying why the file cannot be read.  The host reads
 * it as root: root_readfile opens no fifo or device and caps the size.
 */
static int
entry(int rootfd, const char *file, const char *name, char *line, size_t len)
{
	char buf[METAMAX], f[256], *l, *save;

	if (root_readfile(rootfd, file, buf, sizeof(buf)) < 0) {
		if (errno == ENOENT)
			return 1;
		if (errno == EINVAL)
			weprintf("/%s of the image: not a regular file", file);
		else if (errno == EFBIG)
			weprintf("/%s of the image: larger than METAMAX (%d KiB)", file,
			         METAMAX >> 10);
		else
			weprintf("/%s of the image:", file);
		return -1;
	}
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if ((field(l, 0, f, sizeof(f)) && !strcmp(f, name)) ||
		    (field(l, 2, f, sizeof(f)) && !strcmp(f, name))) {
			snprintf(line, len, "%s", l);
			return 0;
		}
	return 1;
}

static int
numeric(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return *s && !*end && !errno && *v < UINT32_MAX ? 0 : -1;
}

/*
 * layersize is the writable layer's default bound: LAYERSIZE, or a
 * quarter of the RAM of a smaller box, so that one container cannot take
 * more than that of a router's memory
 */
static uint64_t
layersize(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return LAYERSIZE;
	return MIN(LAYERSIZE, (uint64_t)si.totalram * si.mem_unit / 4);
}

int
ns_prepare(struct ctr *c, int imgfd, const struct meta *m, const char *user)
{
	static char host[16];
	char home[PATHMAX], kv[PATHMAX + 16];
	unsigned char rnd[6];
	char **p;
	size_t i;

	if (ns_user(imgfd, user ? user : *m->user ? m->user : "0", &c->uid, &c->gid,
	    home, sizeof(home)) < 0)
		return -1;
	if (!c->workdir)
		c->workdir = *m->workdir ? m->workdir : "/";
	if (!c->size && !c->work)
		c->size = layersize();
	if (!c->hostname) {
		/* as Docker: a random id */
		if (getentropy(rnd, sizeof(rnd)) < 0)
			eprintf("getentropy:");
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(host + 2 * i, 3, "%02x", rnd[i]);
		c->hostname = host;
	}
	vsetenv(&c->env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	snprintf(kv, sizeof(kv), "HOSTNAME=%s", c->hostname);
	vsetenv(&c->env, kv);
	snprintf(kv, sizeof(kv), "HOME=%s", home);
	vsetenv(&c->env, kv);
	if (c->tty)
		vsetenv(&c->env, "TERM=xterm");
	for (p = m->env; p && *p; p++)
		vsetenv(&c->env, *p);
	return 0;
}

int
ns_user(int imgfd, const char *spec, uid_t *uid, gid_t *gid, char *home, size_t len)
{
	char u[256], line[1024], f[PATHMAX], *g;
	unsigned long v;
	int rootfd, r;

	snprintf(u, sizeof(u), "%s", spec);
	if ((g = strchr(u, ':')))
		*g++ = '\0';
	if ((rootfd = openat(imgfd, "rootfs", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		eprintf("rootfs:");
	snprintf(home, len, "/");
	*uid = *gid = 0;
	if ((r = entry(rootfd, "etc/passwd", u, line, sizeof(line))) < 0)
		goto fail;
	if (r == 0) {
		*uid = field(line, 2, f, sizeof(f)) ? strtoul(f, NULL, 10) : 0;
		*gid = field(line, 3, f, sizeof(f)) ? strtoul(f, NULL, 10) : 0;
		if (field(line, 5, f, sizeof(f)) && *f)
			snprintf(home, len, "%s", f);
	} else if (numeric(u, &v) == 0) {
		*uid = v;
	} else {
		weprintf("user %s: not in the image's /etc/passwd", u);
		goto fail;
	}
	if (g && (r = entry(rootfd, "etc/group", g, line, sizeof(line))) < 0)
		goto fail;
	if (g && r == 0) {
		*gid = field(line, 2, f, sizeof(f)) ? strtoul(f, NULL, 10) : 0;
	} else if (g && numeric(g, &v) == 0) {
		*gid = v;
	} else if (g) {
		weprintf("group %s: not in the image's /etc/group", g);
		goto fail;
	}
	close(rootfd);
	return 0;
fail:
	close(rootfd);
	return -1;
}
