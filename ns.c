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
 * pieces' own stdio, when it is a file, reaches the container as a pipe
 * that pieces relays (struct relay): a file would be the container's to
 * reopen.  init keeps nothing of the host: it closes every fd it does not
 * need before the image is looked at, and wipes its command line,
 * environment and stdio before the command, which waits at a gate, runs.
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
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
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
#define CAP_KILLBIT	(1ULL << 5)	/* CAP_KILL */
#define KEYCTL_JOIN_SESSION_KEYRING	1
#define PROC_SUPER_MAGIC	0x9fa0
#define SYSFS_MAGIC		0x62656572

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

/*
 * mdir opens the directory name at the top of the root for /proc, /sys or
 * /dev, making it when missing.  It must be a directory of the image's
 * own: a symlink there would put our procfs where the image chose, for
 * example below a /dev/pts that our devpts then covers, so that the masks,
 * which look for it at /proc, miss it and leave its sys/kernel/core_pattern
 * writable: the host kernel runs that as root on the next crash.  So
 * anything else is refused, as runc and crun do.
 */
static int
mdir(int rootfd, const char *name)
{
	struct stat st;
	int fd;

	if ((fd = openat(rootfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 && errno == ENOENT &&
	    mkdirat(rootfd, name, 0755) == 0)
		fd = openat(rootfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		fail(125, "/%s:", name);
	if (!S_ISDIR(st.st_mode))
		fail(125, "/%s in the image is %s, not a directory: refused", name,
		     S_ISLNK(st.st_mode) ? "a symlink" : "a file");
	return fd;
}

/*
 * fsat opens the file system of type magic just mounted on the directory
 * name at the top of the root (mdir checked it), for the masks to be
 * found below it and nowhere else
 */
static int
fsat(int rootfd, const char *name, long magic)
{
	struct statfs sf;
	int fd;

	if ((fd = openat(rootfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstatfs(fd, &sf) < 0)
		fail(125, "/%s:", name);
	if ((long)sf.f_type != magic)
		fail(125, "/%s: not the file system just mounted", name);
	return fd;
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
 * setattr adds the mount flags flags (MS_RDONLY, MS_NOSUID, MS_NODEV,
 * MS_NOEXEC) to the mount fd is the root of and to every mount below it,
 * with mount_setattr (Linux 5.12); 0, or -1 with errno set, ENOSYS on an
 * older kernel.  fd -1 only asks whether the call is there (EBADF).
 */
static int
setattr(int fd, unsigned long flags)
{
	struct {			/* struct mount_attr */
		uint64_t set, clr, propagation, userns;
	} a = { 0, 0, 0, 0 };

	a.set = (flags & MS_RDONLY ? 0x1 : 0) | (flags & MS_NOSUID ? 0x2 : 0) |
	        (flags & MS_NODEV ? 0x4 : 0) | (flags & MS_NOEXEC ? 0x8 : 0);
	return syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a));
}

/*
 * stage bind-mounts the fd src onto the fd dst with the mount flags flags
 * (MS_RDONLY, MS_NODEV, ...) added to those it had.  A remount wants the
 * new mount's own root, which the fd dst is not (it stays below), and
 * finding it again by dst's path resolves an image-controlled path a
 * second time: a symlink swapped in meanwhile, or a path that runs
 * through what was just mounted, sends the remount to another mount and
 * leaves the volume writable.  So the bind is made on a name of our own
 * in the scratch tmpfs (workfd), found there, checked to be src's tree
 * (device and inode), remounted, and moved onto dst by its fd.
 */
static void
stage(int workfd, int src, int dst, int file, unsigned long flags, const char *what)
{
	const unsigned long keep = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
	                           MS_NOATIME | MS_NODIRATIME | MS_RELATIME;
	struct statvfs sv;
	struct stat a, b;
	char p[32], q[32];
	int fd, rec;

	if ((file ? (fd = openat(workfd, "stage", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0 || close(fd) < 0 : mkdirat(workfd, "stage", 0700) < 0) ||
	    (fd = openat(workfd, "stage", O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
		fail(125, "%s: stage:", what);
	/* the mounts below the tree come along only where they can be made
	 * read-only and nodev too: a /proc, /sys or devtmpfs under -v /:/host:ro
	 * would stay writable, with devices */
	rec = setattr(-1, 0) < 0 && errno == ENOSYS ? 0 : MS_REC;
	mnt(fdpath(src, p), fd, NULL, MS_BIND | rec, NULL, what);
	close(fd);
	/* looked up again, the name is the new mount's root */
	if ((fd = openat(workfd, "stage", O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &a) < 0 || fstat(src, &b) < 0 || fstatvfs(fd, &sv) < 0)
		fail(125, "%s: stage:", what);
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		fail(125, "%s: not the tree that was mounted", what);
	/* a remount sets the flags it is given, so the old ones go too
	 * (ST_* are MS_*); mount_setattr adds them, to every mount below */
	if (rec && setattr(fd, flags) < 0)
		fail(125, "mount %s: mount_setattr:", what);
	if (!rec)
		mnt(NULL, fd, NULL, MS_REMOUNT | MS_BIND | flags | (sv.f_flag & keep), NULL, what);
	if (mount(fdpath(fd, p), fdpath(dst, q), NULL, MS_MOVE, NULL) < 0)
		fail(125, "mount %s: move:", what);
	close(fd);
	if (unlinkat(workfd, "stage", file ? 0 : AT_REMOVEDIR) < 0)
		fail(125, "%s: stage:", what);
}

/*
 * bindat bind-mounts the fd src onto path in the root, with the mount
 * flags flags added (see stage)
 */
static void
bindat(int rootfd, int workfd, int src, const char *path, int file, unsigned long flags)
{
	char p[32];
	int fd = at(rootfd, path, file);

	if (flags)
		stage(workfd, src, fd, file, flags, path);
	else
		mnt(fdpath(src, p), fd, NULL, MS_BIND | MS_REC, NULL, path);
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
		/* nodev: a device node in the image cannot be opened, as on
		 * the overlay (pieces.1 promises it on every file system the
		 * container can reach but /dev) */
		mnt(NULL, fd, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NODEV, NULL, "root");
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
	char path[16], p[32];
	struct stat st;
	size_t i;
	int fd, dev, src;

	/* nodev, as every file system the container can write: what it
	 * makes with mknod cannot be opened.  The nodes it needs are the
	 * host's, bind-mounted, once checked to be what they should. */
	fd = mdir(rootfd, "dev");
	mnt("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=65536k",
	    "/dev");
	close(fd);
	/* a fresh tmpfs of ours: nothing in it is the image's */
	if ((dev = openat(rootfd, "dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		fail(125, "/dev:");
	for (i = 0; i < LEN(nodes); i++) {
		snprintf(path, sizeof(path), "/dev/%s", nodes[i].name);
		if ((src = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(src, &st) < 0)
			fail(125, "%s:", path);
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(nodes[i].maj, nodes[i].min))
			fail(125, "%s: not the device it should be", path);
		/* not nodev: it is a device; read-only, so that its inode,
		 * the host's, takes no chmod, chown or utimes (writing the
		 * device itself needs no writable mount).  Our own tmpfs,
		 * so the name is found again without a stage (see stage) */
		if ((fd = openat(dev, nodes[i].name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600)) < 0 || close(fd) < 0 ||
		    (fd = openat(dev, nodes[i].name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
			fail(125, "%s:", path);
		mnt(fdpath(src, p), fd, NULL, MS_BIND, NULL, path);
		close(fd);
		if ((fd = openat(dev, nodes[i].name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
			fail(125, "%s:", path);
		mnt(NULL, fd, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL,
		    path);
		close(fd);
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
		bindat(rootfd, workfd, fd, buf, 1, 0);
		close(fd);
	}
}

static void
volumes(const struct ctr *c, int rootfd, int workfd)
{
	struct stat st;
	int i, fd;

	for (i = 0; i < c->nvol; i++) {
		/* the host side is the user's own path, followed as given */
		if ((fd = open(c->vol[i].src, O_PATH | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
			fail(125, "volume %s:", c->vol[i].src);
		bindat(rootfd, workfd, fd, c->vol[i].dst + 1, !S_ISDIR(st.st_mode),
		       MS_NODEV | (c->vol[i].ro ? MS_RDONLY | MS_NOSUID : 0));
		close(fd);
	}
}

/*
 * under opens a mask target, "proc/..." or "sys/...", below the fd of the
 * procfs or sysfs we mounted, never by its path from the root: the image
 * has no say in where it is.  ENOENT there means this kernel has no such
 * file, the one reason a mask may be left out.
 */
static int
under(int procfd, int sysfd, const char *path)
{
	int fd, base = !strncmp(path, "proc/", 5) ? procfd : sysfd;

	if ((fd = openat(base, strchr(path, '/') + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 &&
	    errno != ENOENT)
		fail(125, "mask /%s:", path);
	return fd;
}

/* mask hides what the image must not see in /proc and /sys */
static void
mask(int rootfd, int workfd, int procfd, int sysfd)
{
	char path[32];
	struct stat st;
	size_t i;
	int fd, null;

	if ((null = root_open(rootfd, "dev/null", O_PATH)) < 0)
		fail(125, "/dev/null:");
	for (i = 0; i < LEN(masked); i++) {
		if ((fd = under(procfd, sysfd, masked[i])) < 0)
			continue;
		if (fstat(fd, &st) < 0)
			fail(125, "mask /%s:", masked[i]);
		if (S_ISDIR(st.st_mode))
			mnt("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			    "size=0", masked[i]);
		else
			mnt(fdpath(null, path), fd, NULL, MS_BIND, NULL, masked[i]);
		close(fd);
	}
	close(null);
	for (i = 0; i < LEN(rdonly); i++) {
		if ((fd = under(procfd, sysfd, rdonly[i])) < 0)
			continue;
		if (fstat(fd, &st) < 0)
			fail(125, "mask /%s:", rdonly[i]);
		stage(workfd, fd, fd, !S_ISDIR(st.st_mode), MS_RDONLY | MS_NOSUID | MS_NODEV,
		      rdonly[i]);
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
			fail(125, "drop capability %d:", i);
	}
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return i < 64 ? caps & ((1ULL << i) - 1) : caps;
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

/*
 * closefds closes every fd but 0-2, the report channel and keep[0..n),
 * by the list in /proc/self/fd (the host's /proc before the pivot, the
 * container's after: either way this process's own fds)
 */
static void
closefds(const int *keep, int n)
{
	struct dirent *de;
	DIR *d;
	int fd, i;

	if (!(d = opendir("/proc/self/fd")))
		fail(125, "/proc/self/fd:");
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
 * mkcwd makes the working directory when it is missing, as Docker does:
 * as root, before the pivot, and through the resolver, so that none of it
 * lands outside the root whatever symlinks the image put on the way.  It
 * does not enter it: see enter.
 */
static void
mkcwd(int rootfd, const char *dir)
{
	int fd;

	if ((fd = root_open(rootfd, dir, O_PATH | O_DIRECTORY)) >= 0)
		close(fd);
	else if (errno == ENOENT && root_mkdirs(rootfd, dir) < 0)
		fail(125, "workdir %s:", dir);
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
		fail(125, "workdir %s:", dir);
	if (syscall(SYS_getcwd, cwd, sizeof(cwd)) < 0 || cwd[0] != '/' ||
	    stat(cwd, &a) < 0 || stat(".", &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		fail(125, "workdir %s: outside the container: refused", dir);
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
	uint64_t caps;
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
	closefds(NULL, 0);
	caps = dropcaps(c->caps);
	if (setgroups(0, NULL) < 0 || setgid(c->gid) < 0 || setuid(c->uid) < 0)
		fail(125, "user %u:%u:", (unsigned)c->uid, (unsigned)c->gid);
	/* root keeps the set; setuid cleared it for anyone else, as Docker */
	if (c->uid == 0)
		setcaps(caps);
	enter(c->workdir);
	if (c->fsize && setrlimit(RLIMIT_FSIZE, &(struct rlimit){ c->fsize, c->fsize }) < 0)
		fail(125, "file size limit:");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(125, "no_new_privs:");
	/* last before exec, as it denies what setup needed: the kernel the
	 * escapes of recent years went through (nested user namespaces,
	 * keyrings, bpf, the mount API; seccomp.c) */
	if (!c->noseccomp && seccomp_load(caps) < 0)
		fail(125, "seccomp:");
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

/* tmpopts writes a tmpfs's options: mode, size and an inode a 4 KiB of it */
static void
tmpopts(char *buf, size_t len, const char *mode, unsigned long long size)
{
	snprintf(buf, len, "mode=%s,size=%llu,nr_inodes=%llu", mode, size,
	         MAX(size / 4096, 1024));
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
	int fd;

	snprintf(path, sizeof(path), "%s/tmp", root);
	tmpopts(opts, sizeof(opts), "700", c->work || !c->size ? 4 << 20 : c->size);
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ||
	    (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fail(125, "%s: tmpfs:", path);
	return fd;
}

/* setup builds the container's mounts and pivots into them */
static int
setup(const struct ctr *c, const char *root, int imgfd)
{
	char opts[80];
	int rootfd, workfd, upfd = -1, fd, procfd, sysfd, ro, pty = -1;

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
	fd = mdir(rootfd, "proc");
	/* in the new PID namespace: it shows the container's processes */
	mnt("proc", fd, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/proc");
	close(fd);
	procfd = fsat(rootfd, "proc", PROC_SUPER_MAGIC);
	fd = mdir(rootfd, "sys");
	mnt("sysfs", fd, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/sys");
	close(fd);
	sysfd = fsat(rootfd, "sys", SYSFS_MAGIC);
	mkdev(rootfd);
	if (ro && !c->readonly) {
		/* what can be written, bounded as the overlay's upper is:
		 * half the layer's size each */
		tmpopts(opts, sizeof(opts), "1777", c->size / 2);
		fd = at(rootfd, "tmp", 0);
		mnt("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV, opts, "/tmp");
		close(fd);
		tmpopts(opts, sizeof(opts), "755", c->size / 2);
		fd = at(rootfd, "run", 0);
		mnt("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV, opts, "/run");
		close(fd);
	}
	etc(c, rootfd, workfd, ro);
	volumes(c, rootfd, workfd);
	/* --privileged: the user gives the container the host's /proc and
	 * /sys, core_pattern and sysrq-trigger included */
	if (!c->privileged)
		mask(rootfd, workfd, procfd, sysfd);
	close(procfd);
	close(sysfd);
	mkcwd(rootfd, c->workdir);
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
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 || dup2(fd, 0) < 0 ||
	    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		fail(125, "/dev/null:");
	close(fd);
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
	int keep[2] = { imgfd, c->work ? c->work->fd : -1 }, gate[2], pty, st;
	char b;

	/* no container process may ptrace us or open /proc/1/exe, the
	 * host's pieces binary (runc CVE-2019-5736) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(125, "prctl:");
	/* out of pieces' process group: a Ctrl-C on the host's terminal is
	 * pieces' to pass on, once; in its group init got it as well and
	 * the command got it twice */
	if (setpgid(0, 0) < 0)
		fail(125, "setpgid:");
	/* before anything of the image is looked at: pieces' store
	 * directories, lock, host PID namespace and whatever the caller
	 * left open are no fds of ours (runc CVE-2024-21626) */
	closefds(keep, LEN(keep));
	pty = setup(c, root, imgfd);
	/* a session keyring of the container's own: the one pieces runs in
	 * is the invoking shell's, with its keys; a kernel without keys
	 * has none to share */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		fail(125, "session keyring:");
	/* the command waits at the gate until init has forgotten the host */
	if (pipe2(gate, O_CLOEXEC) < 0 || (cmd = fork()) < 0)
		fail(125, "fork:");
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
	/* reaping needs no privilege; passing a signal on to a command
	 * that runs as another user needs CAP_KILL, and nothing else is
	 * kept */
	(void)dropcaps(CAP_KILLBIT);
	setcaps(CAP_KILLBIT);
	/* under the command's filter too: a command given SYS_PTRACE may
	 * attach to init (non-dumpable yields to that capability) and make
	 * its calls, which would otherwise pass unfiltered */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(125, "no_new_privs:");
	if (!c->noseccomp && seccomp_load(CAP_KILLBIT) < 0)
		fail(125, "seccomp:");
	close(chan);
	close(gate[1]);
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

/*
 * struct relay stands between the container and those of pieces' fds 0-2
 * it must not have.  A pipe or socket is passed as it is; anything else
 * the container could open again through /proc/self/fd/1: a regular file
 * (pieces build . > build.log) to read from its start and rewrite, the
 * user's terminal (without -t) to read what is typed on it.  Such an fd
 * gets a pipe instead, relayed here, as Docker's are without -t.
 */
struct relay {
	int fd[3];		/* our end of the pipe for fd i, or -1 */
	int child[3];		/* the container's end, or -1 */
	char buf[16384];	/* stdin read, not yet in its pipe */
	size_t off, len;
};

/* passable says whether fd may go to the container as it is */
static int
passable(int fd)
{
	struct stat st;

	/* closed: nothing to hand out */
	return fstat(fd, &st) < 0 || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

static void
mkrelay(struct relay *r, const struct ctr *c)
{
	int i, p[2];

	r->off = r->len = 0;
	for (i = 0; i < 3; i++) {
		r->fd[i] = r->child[i] = -1;
		/* -t: the container has only its pty; no -i: /dev/null */
		if (c->tty || (i == 0 && !c->interactive) || passable(i))
			continue;
		if (pipe2(p, O_CLOEXEC) < 0)
			eprintf("pipe:");
		r->fd[i] = p[i != 0 ? 0 : 1];
		r->child[i] = p[i != 0 ? 1 : 0];
		if (fcntl(r->fd[i], F_SETFL, O_NONBLOCK) < 0)
			eprintf("fcntl:");
	}
}

static void
shut(struct relay *r, int i)
{
	close(r->fd[i]);
	r->fd[i] = -1;
}

/*
 * pump moves what the container wrote on fd i to pieces' own: 1, 0 once
 * it is done (its end of file, or ours failed: the container then gets
 * EPIPE as from any closed pipe), -1 if there is nothing now
 */
static int
pump(struct relay *r, int i)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(r->fd[i], buf, sizeof(buf))) < 0 && errno == EINTR)
		;
	if (n < 0 && errno == EAGAIN)
		return -1;
	if (n > 0 && writeall(i, buf, n) >= 0)
		return 1;
	if (n > 0)
		weprintf("relay fd %d:", i);
	shut(r, i);
	return 0;
}

/* feed moves pieces' stdin to the container's pipe, as much as fits now */
static void
feed(struct relay *r, int readable)
{
	ssize_t n;

	if (r->off == r->len && readable) {
		while ((n = read(0, r->buf, sizeof(r->buf))) < 0 && errno == EINTR)
			;
		if (n <= 0) {
			shut(r, 0);
			return;
		}
		r->off = 0;
		r->len = n;
	}
	if (r->off == r->len)
		return;
	/* SIGPIPE is ignored here: a command that closed its stdin gets
	 * no more of it */
	if ((n = write(r->fd[0], r->buf + r->off, r->len - r->off)) < 0) {
		if (errno != EAGAIN && errno != EINTR)
			shut(r, 0);
		return;
	}
	if ((r->off += n) == r->len)
		r->off = r->len = 0;
}

/* drain moves what is left in the pipes once init is gone, and closes them */
static void
drain(struct relay *r)
{
	int i;

	for (i = 0; i < 3; i++) {
		while (i > 0 && r->fd[i] >= 0 && pump(r, i) > 0)
			;
		if (r->fd[i] >= 0)
			shut(r, i);
	}
}

/* supervise passes signals on to init and relays r until init exits; its status */
static int
supervise(pid_t pid, int sigfd, struct relay *r)
{
	struct signalfd_siginfo si;
	struct pollfd p[4];
	int st, i;

	for (;;) {
		p[0] = (struct pollfd){ sigfd, POLLIN, 0 };
		p[1] = (struct pollfd){ r->fd[1], POLLIN, 0 };
		p[2] = (struct pollfd){ r->fd[2], POLLIN, 0 };
		p[3] = (struct pollfd){ r->off < r->len ? r->fd[0] : r->fd[0] >= 0 ? 0 : -1,
		                        r->off < r->len ? POLLOUT : POLLIN, 0 };
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			eprintf("poll:");
		}
		for (i = 1; i < 3; i++)
			if (p[i].revents)
				(void)pump(r, i);
		if (p[3].revents)
			feed(r, p[3].fd == 0);
		if (!(p[0].revents & POLLIN))
			continue;
		if (read(sigfd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			eprintf("signalfd:");
		}
		if (si.ssi_signo != SIGCHLD) {
			(void)kill(pid, si.ssi_signo);
			continue;
		}
		/* every process of the namespace is gone with init, and
		 * with them every writer of the pipes */
		if (waitpid(pid, &st, WNOHANG) == pid) {
			drain(r);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
	}
}

int
ns_run(struct store *s, struct ctr *c, int imgfd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldpipe;
	struct relay r;
	sigset_t set, old;
	size_t i;
	int sv[2], sigfd, pidns, pty = -1, status, st;
	pid_t pid;

	/* as long as the network is the host's: see CAPS_HOSTNET */
	c->caps &= ~CAPS_HOSTNET;

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
	mkrelay(&r, c);
	if ((pid = fork()) < 0)
		eprintf("fork:");
	if (pid == 0) {
		close(sv[0]);
		chan = sv[1];
		for (i = 0; i < 3; i++)
			if (r.child[i] >= 0 && dup2(r.child[i], i) < 0)
				fail(125, "dup2:");
		init(c, s->root, imgfd, &set);
	}
	close(sv[1]);
	sv[1] = -1;
	for (i = 0; i < 3; i++)
		if (r.child[i] >= 0)
			close(r.child[i]);
	sigaction(SIGPIPE, &ign, &oldpipe);
	if ((status = report(sv[0], &pty)) != 0) {
		(void)waitpid(pid, &st, 0);
		drain(&r);
	} else if (pty >= 0) {
		status = tty_relay(pty, sigfd, pid, c->interactive);
	} else {
		status = supervise(pid, sigfd, &r);
	}
	sigaction(SIGPIPE, &oldpipe, NULL);
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
