/* See LICENSE file for copyright and license details. */
/*
 * The container's file systems, built in init's new mount namespace: an
 * overlay root over the lower tree, the file systems of the mount table
 * (/proc, /sys, /dev and below it), the /etc files and the volumes, the
 * masks over /proc and /sys, the working directory; then the pivot.
 *
 * An OCI bundle's container (ctr's oci, fs.bind) is the exception: its
 * root is the engine's tree itself, bound in place and written (nodev,
 * read-only if root.readonly), and its mounts, masks and devices are
 * the bundle's, made with the same resolver as pieces' own.
 *
 * The image is never written: the root is an overlay whose upper layer
 * lives in a tmpfs that init mounts, in its own mount namespace, over the
 * scratch directory the caller names (or on disk, for a build step that
 * keeps it).  The container's writes stay in memory and go with the
 * namespace: nothing is left to remove.
 *
 * Paths inside the root come from the image and may be symlinks to
 * anywhere, so every mount target there is resolved with root.c's in-root
 * resolver and mounted through its /proc/self/fd/N magic link, never by a
 * path string the image could redirect (the runc and crun CVEs of 2019 to
 * 2026 around /proc, /dev and volume targets).  Every failure here is
 * ns_fail's: this runs only in init.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "pieces.h"

#ifndef MS_PRIVATE
#define MS_PRIVATE	(1 << 18)
#endif
#define PROC_SUPER_MAGIC	0x9fa0
#define SYSFS_MAGIC		0x62656572
#define TMPFS_MAGIC		0x01021994
#define COPYDEPTH		64		/* directories deep, for tmpcopyup */

/*
 * One of the container's own mounts, or a path hidden in them.  dst is
 * below the root: a top directory ("proc"), or a path below a mount
 * made earlier in the same table ("dev/pts").  A mask has no type: its
 * MS_RDONLY makes it read-only, else it is hidden.  An OCI config's
 * mounts[] and maskedPaths/readonlyPaths will be tables of the same kind.
 */
struct mnt {
	const char *dst, *src, *type;
	unsigned long flags;
	const char *data;
	long magic;			/* what a top one's statfs must say */
	void (*fill)(int fd);		/* fills it once mounted */
};

/* a top mount of ours, for what goes below it */
struct top {
	const char *name;
	int fd;
};

static void devnodes(int dev);

/* proc in the new PID namespace: it shows the container's processes */
static const struct mnt defmounts[] = {
	{ "proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, PROC_SUPER_MAGIC, NULL },
	{ "sys", "sysfs", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, SYSFS_MAGIC,
	  NULL },
	{ "dev", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=65536k",
	  TMPFS_MAGIC, devnodes },
	{ "dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
	  "newinstance,ptmxmode=0666,mode=0620,gid=5", 0, NULL },
	{ "dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", 0,
	  NULL },
	{ "dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0, NULL },
};

/* /proc and /sys paths an image has no business reading or writing, as Docker */
static const struct mnt defmasks[] = {
	{ .dst = "proc/acpi" }, { .dst = "proc/asound" }, { .dst = "proc/kcore" }, { .dst = "proc/keys" },
	{ .dst = "proc/latency_stats" }, { .dst = "proc/timer_list" }, { .dst = "proc/timer_stats" },
	{ .dst = "proc/sched_debug" }, { .dst = "proc/scsi" }, { .dst = "sys/firmware" },
	{ .dst = "sys/devices/virtual/powercap" },
	{ .dst = "proc/bus", .flags = MS_RDONLY }, { .dst = "proc/fs", .flags = MS_RDONLY },
	{ .dst = "proc/irq", .flags = MS_RDONLY }, { .dst = "proc/sys", .flags = MS_RDONLY },
	{ .dst = "proc/sysrq-trigger", .flags = MS_RDONLY },
};

/* toobig fails for a host file past its cap, else for why it could not be read */
static void
toobig(const char *name)
{
	if (errno == EFBIG)
		ns_fail(125, "%s: larger than METAMAX (%d KiB)", name, METAMAX >> 10);
	ns_fail(125, "%s:", name);
}

static char *
fdpath(int fd, char *buf)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

/*
 * target opens path below rootfd for a mount, making it when missing: a
 * directory, or an empty file if file.  A dangling symlink on the way is
 * followed inside the root and what it names is made there: Ubuntu's
 * /etc/resolv.conf points into /run, which the image leaves empty, and an
 * image whose /dev points to /outside gets ROOT/outside, never the host's.
 */
static int
target(int rootfd, const char *path, int file)
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
	ns_fail(125, "/%s:", path);
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
		ns_fail(125, "/%s:", name);
	if (!S_ISDIR(st.st_mode))
		ns_fail(125, "/%s in the image is %s, not a directory: refused", name,
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
		ns_fail(125, "/%s:", name);
	if ((long)sf.f_type != magic)
		ns_fail(125, "/%s: not the file system just mounted", name);
	return fd;
}

/* mountat mounts onto the fd dst, by its magic link */
static void
mountat(const char *src, int dst, const char *type, unsigned long flags,
    const char *data, const char *what)
{
	char p[32];

	if (mount(src, fdpath(dst, p), type, flags, data) < 0)
		ns_fail(125, "mount %s:", what);
}

/*
 * rebind remounts the bind mount fd is the root of with the mount flags
 * flags added to those it has: in a user namespace the kernel locks the
 * flags of the host's mounts it copied (read-only, nosuid, nodev,
 * noexec, atime), and a remount that would clear one is refused (EPERM)
 */
static void
rebind(int fd, unsigned long flags, const char *what)
{
	const unsigned long keep = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
	                           MS_NODIRATIME;
	struct statvfs sv;

	if (fstatvfs(fd, &sv) < 0)
		ns_fail(125, "mount %s:", what);
	/* ST_* are MS_* for these */
	mountat(NULL, fd, NULL, MS_REMOUNT | MS_BIND | flags | (sv.f_flag & keep), NULL, what);
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
 * (MS_RDONLY, MS_NODEV, ...) added to those it had; with MS_REC in flags
 * the mounts below src come along (rbind), else src's alone (bind).  A
 * remount wants the new mount's own root, which the fd dst is not (it
 * stays below), and finding it again by dst's path resolves an
 * image-controlled path a second time: a symlink swapped in meanwhile,
 * or a path that runs through what was just mounted, sends the remount
 * to another mount and leaves the volume writable.  So the bind is made
 * on a name of our own in the scratch tmpfs (workfd), found there,
 * checked to be src's tree (device and inode), remounted, and moved onto
 * dst by its fd.
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
		ns_fail(125, "%s: stage:", what);
	/* the mounts below the tree come along only where they can be made
	 * read-only and nodev too: a /proc, /sys or devtmpfs under -v /:/host:ro
	 * would stay writable, with devices */
	rec = flags & MS_REC && !(setattr(-1, 0) < 0 && errno == ENOSYS) ? MS_REC : 0;
	flags &= ~MS_REC;
	mountat(fdpath(src, p), fd, NULL, MS_BIND | rec, NULL, what);
	close(fd);
	/* looked up again, the name is the new mount's root */
	if ((fd = openat(workfd, "stage", O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &a) < 0 || fstat(src, &b) < 0 || fstatvfs(fd, &sv) < 0)
		ns_fail(125, "%s: stage:", what);
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		ns_fail(125, "%s: not the tree that was mounted", what);
	/* a remount sets the flags it is given, so the old ones go too
	 * (ST_* are MS_*); mount_setattr adds them, to every mount below */
	if (rec && setattr(fd, flags) < 0)
		ns_fail(125, "mount %s: mount_setattr:", what);
	if (!rec)
		mountat(NULL, fd, NULL, MS_REMOUNT | MS_BIND | flags | (sv.f_flag & keep), NULL, what);
	if (mount(fdpath(fd, p), fdpath(dst, q), NULL, MS_MOVE, NULL) < 0)
		ns_fail(125, "mount %s: move:", what);
	close(fd);
	if (unlinkat(workfd, "stage", file ? 0 : AT_REMOVEDIR) < 0)
		ns_fail(125, "%s: stage:", what);
}

/*
 * bindat bind-mounts the fd src onto path in the root, with the mount
 * flags flags added, recursively if MS_REC is one (see stage)
 */
static void
bindat(int rootfd, int workfd, int src, const char *path, int file, unsigned long flags)
{
	char p[32];
	int fd = target(rootfd, path, file);

	if (flags & ~MS_REC)
		stage(workfd, src, fd, file, flags, path);
	else
		mountat(fdpath(src, p), fd, NULL, MS_BIND | flags, NULL, path);
	close(fd);
}

/*
 * mkroot mounts the container's root on work/merged and returns its fd;
 * *ro says whether it is read-only (--read-only, or no overlayfs).
 */
static int
mkroot(const struct ctr *c, int lower, int workfd, int upfd, int *ro)
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
	size_t i = c->fs.plain ? 0 : LEN(extra) - 1;
	int fd;

	if (mkdirat(workfd, "merged", 0755) < 0 || mkdirat(upfd, "upper", 0755) < 0 ||
	    mkdirat(upfd, "work", 0700) < 0)
		ns_fail(125, "upper layer:");
	if ((fd = openat(workfd, "merged", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		ns_fail(125, "root:");
	/* the upper root is the merged root: it starts as the image's */
	if (fstat(lower, &st) < 0 || fchownat(upfd, "upper", st.st_uid, st.st_gid, 0) < 0 ||
	    fchmodat(upfd, "upper", st.st_mode & 07777, 0) < 0)
		ns_fail(125, "upper layer:");
	errno = ENODEV;		/* PIECES_NO_OVERLAY: as a kernel without it */
	*ro = 1;
	for (; !c->fs.readonly && !getenv("PIECES_NO_OVERLAY") && i < LEN(extra); i++) {
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
	/* only a build reads an upper layer back, on disk */
	if (*ro && *c->fs.upper.path)
		ns_fail(125, "RUN needs overlayfs: mount overlay:");
	if (*ro) {
		if (!c->fs.readonly && errno != ENODEV)
			ns_fail(125, "mount overlay:");
		if (!c->fs.readonly)
			weprintf("overlayfs unavailable: %s runs on a read-only root "
			         "with /tmp and /run on tmpfs", c->name);
		mountat(fdpath(lower, p), fd, NULL, MS_BIND | MS_REC, NULL, "root");
		close(fd);
		if ((fd = openat(workfd, "merged", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			ns_fail(125, "root:");
		/* nodev: a device node in the image cannot be opened, as on
		 * the overlay (pieces.1 promises it on every file system the
		 * container can reach but /dev) */
		mountat(NULL, fd, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NODEV, NULL, "root");
	}
	close(fd);
	if ((fd = openat(workfd, "merged", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		ns_fail(125, "root:");
	return fd;
}

/*
 * devnodes fills our /dev tmpfs.  It is nodev, as every file system the
 * container can write: what it makes with mknod cannot be opened.  The
 * nodes it needs are the host's, bind-mounted, once checked to be what
 * they should be.
 */
static void
devnodes(int dev)
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
	int fd, src;

	for (i = 0; i < LEN(nodes); i++) {
		snprintf(path, sizeof(path), "/dev/%s", nodes[i].name);
		if ((src = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(src, &st) < 0)
			ns_fail(125, "%s:", path);
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(nodes[i].maj, nodes[i].min))
			ns_fail(125, "%s: not the device it should be", path);
		/* not nodev: it is a device; read-only, so that its inode,
		 * the host's, takes no chmod, chown or utimes (writing the
		 * device itself needs no writable mount).  Our own tmpfs,
		 * so the name is found again without a stage (see stage) */
		if ((fd = openat(dev, nodes[i].name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600)) < 0 || close(fd) < 0 ||
		    (fd = openat(dev, nodes[i].name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
			ns_fail(125, "%s:", path);
		mountat(fdpath(src, p), fd, NULL, MS_BIND, NULL, path);
		close(fd);
		if ((fd = openat(dev, nodes[i].name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
			ns_fail(125, "%s:", path);
		rebind(fd, MS_RDONLY | MS_NOSUID | MS_NOEXEC, path);
		close(fd);
		close(src);
	}
	for (i = 0; i < LEN(links); i++)
		if (symlinkat(links[i][1], dev, links[i][0]) < 0)
			ns_fail(125, "/dev/%s:", links[i][0]);
}
/* mkfile writes a file of the container's (hostname, hosts) in the scratch tmpfs */
static int
mkfile(int workfd, const char *name, const char *text)
{
	int fd;

	if ((fd = openat(workfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0 ||
	    writeall(fd, text, strlen(text)) < 0)
		ns_fail(125, "%s:", name);
	return fd;
}

/* etc gives the container its /etc/hostname, /etc/hosts and resolv.conf */
static void
etc(const struct ctr *c, int rootfd, int workfd, int ro)
{
	char buf[METAMAX];
	int fd, fd2, i, n;
	const char *names[] = { "hostname", "hosts", "resolv.conf" };

	for (i = 0; i < 3; i++) {
		if (i == 0) {
			snprintf(buf, sizeof(buf), "%s\n", c->hostname);
		} else if (i == 1) {
			/* the host name is the container's address where it
			 * has one, as Docker's */
			n = snprintf(buf, sizeof(buf), "127.0.0.1\tlocalhost\n"
			             "::1\tlocalhost ip6-localhost ip6-loopback\n"
			             "%s\t%s\n", c->addr[0] ? c->addr : "127.0.1.1", c->hostname);
			if (c->addr6[0])
				snprintf(buf + n, sizeof(buf) - n, "%s\t%s\n", c->addr6, c->hostname);
		} else if (net_resolv(c->net, buf, sizeof(buf)) < 0) {
			toobig("/etc/resolv.conf");
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

/* tmpopts writes a tmpfs's options: mode, size and an inode a 4 KiB of it */
static void
tmpopts(char *buf, size_t len, const char *mode, unsigned long long size)
{
	snprintf(buf, len, "mode=%s,size=%llu,nr_inodes=%llu", mode, size,
	         MAX(size / 4096, 1024));
}

/*
 * ramdir mounts the tmpfs v on its path in the root, found as any mount
 * target there (target), bounded as the user said; nosuid and nodev, and
 * noexec unless asked, as Docker's --tmpfs
 */
static void
ramdir(int rootfd, const struct vol *v)
{
	char opts[80], mode[8];
	int fd;

	snprintf(mode, sizeof(mode), "%o", v->mode);
	tmpopts(opts, sizeof(opts), mode, v->size);
	fd = target(rootfd, v->dst + 1, 0);
	mountat("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | (v->exec ? 0 : MS_NOEXEC) |
	        (v->ro ? MS_RDONLY : 0), opts, v->dst);
	close(fd);
}

static void
volumes(const struct ctr *c, int rootfd, int workfd)
{
	struct stat st;
	int i, fd;

	for (i = 0; i < c->nvol; i++) {
		if (!c->vol[i].src) {
			ramdir(rootfd, &c->vol[i]);
			continue;
		}
		/* the host side is the user's own path, followed as given */
		if ((fd = open(c->vol[i].src, O_PATH | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
			ns_fail(125, "volume %s:", c->vol[i].src);
		bindat(rootfd, workfd, fd, c->vol[i].dst + 1, !S_ISDIR(st.st_mode),
		       MS_REC | MS_NODEV | (c->vol[i].ro ? MS_RDONLY | MS_NOSUID : 0));
		close(fd);
	}
}

/*
 * top opens the file system mounted at name, the first component of path,
 * from the list of ours (n of them), and sets *rest to what follows it: -1
 * if it is not one of ours
 */
static int
top(const struct top *t, int n, const char *path, const char **rest)
{
	size_t len = strcspn(path, "/");
	int i;

	for (i = 0; i < n; i++)
		if (strlen(t[i].name) == len && !strncmp(t[i].name, path, len) && path[len]) {
			*rest = path + len + 1;
			return t[i].fd;
		}
	return -1;
}

/*
 * mountone makes m: at the top of the root, on a directory of the
 * image's own (mdir), the mount then found again and checked to be the
 * file system just made, its fd added to t for what goes below it; or
 * below one of ours (t), where nothing is the image's
 */
static void
mountone(int rootfd, const struct mnt *m, struct top *t, int *n)
{
	const char *rest;
	int fd, base;

	if (!strchr(m->dst, '/')) {
		fd = mdir(rootfd, m->dst);
		mountat(m->src, fd, m->type, m->flags, m->data, m->dst);
		close(fd);
		t[*n].name = m->dst;
		t[*n].fd = fsat(rootfd, m->dst, m->magic);
		if (m->fill)
			m->fill(t[*n].fd);
		++*n;
		return;
	}
	if ((base = top(t, *n, m->dst, &rest)) < 0)
		ns_fail(125, "/%s: not below a mount of ours", m->dst);
	if ((mkdirat(base, rest, 0755) < 0 && errno != EEXIST) ||
	    (fd = openat(base, rest, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		ns_fail(125, "/%s:", m->dst);
	mountat(m->src, fd, m->type, m->flags, m->data, m->dst);
	close(fd);
}

/*
 * maskone hides what m names below one of our /proc and /sys, opened
 * from that file system's fd, never by its path from the root: the image
 * has no say in where it is.  ENOENT there means this kernel has no such
 * file, the one reason a mask may be left out.  A masked directory gets
 * an empty read-only tmpfs, a file /dev/null; a read-only one is bound
 * onto itself read-only.
 */
static void
maskone(int workfd, const struct mnt *m, const struct top *t, int n, int rootfd)
{
	const char *rest;
	struct stat st;
	char p[32];
	int fd, base, null;

	/* an OCI bundle's masks may be anywhere: elsewhere than below our
	 * /proc and /sys, through the resolver, inside the root */
	if ((base = top(t, n, m->dst, &rest)) < 0 && rootfd < 0)
		ns_fail(125, "mask /%s: not below a mount of ours", m->dst);
	if (base >= 0)
		fd = openat(base, rest, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	else
		fd = root_open(rootfd, m->dst, O_PATH | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0 || fstat(fd, &st) < 0)
		ns_fail(125, "mask /%s:", m->dst);
	if (m->flags & MS_RDONLY) {
		stage(workfd, fd, fd, !S_ISDIR(st.st_mode),
		      MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV, m->dst);
	} else if (S_ISDIR(st.st_mode)) {
		mountat("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		        "size=0", m->dst);
	} else {
		/* the host's, as devnodes checks it: the container's
		 * /dev/null is a path the image's /etc files or a volume
		 * may have covered by now */
		if ((null = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
		    fstat(null, &st) < 0)
			ns_fail(125, "/dev/null:");
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
			ns_fail(125, "/dev/null: not the device it should be");
		mountat(fdpath(null, p), fd, NULL, MS_BIND, NULL, m->dst);
		close(null);
	}
	close(fd);
}
/*
 * bindroot mounts an OCI bundle's root on work/merged and returns its
 * fd: the engine's tree itself, used in place and written by the
 * container, as runc's (the engine made it for this container; there is
 * no image to keep clean).  root.readonly is applied at the end
 * (rdonlyroot), once the mount points are made.  nodev: a device node in
 * the rootfs, whose contents are the attacker's, cannot be opened, and
 * there is no device cgroup here to stand in the way.
 */
static int
bindroot(int lower, int workfd)
{
	char p[32];
	int fd;

	if (mkdirat(workfd, "merged", 0755) < 0 ||
	    (fd = openat(workfd, "merged", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		ns_fail(125, "root:");
	mountat(fdpath(lower, p), fd, NULL, MS_BIND | MS_REC, NULL, "root");
	close(fd);
	/* looked up again, the name is the new mount's root */
	if ((fd = openat(workfd, "merged", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		ns_fail(125, "root:");
	rebind(fd, MS_NODEV, "root");
	return fd;
}

/* rdonlyroot makes the root mount rootfd is the root of read-only */
static void
rdonlyroot(int rootfd)
{
	rebind(rootfd, MS_RDONLY | MS_NODEV, "root read-only");
}

/* setprop gives the mount at path below base the propagation prop (0: none) */
static void
setprop(int base, const char *path, int file, unsigned long prop)
{
	char p[32];
	int fd;

	if (!prop)
		return;
	fd = target(base, path, file);
	if (mount(NULL, fdpath(fd, p), NULL, prop, NULL) < 0)
		ns_fail(125, "mount /%s: propagation:", path);
	close(fd);
}

/*
 * sysctls writes an OCI bundle's linux.sysctl ("key=value", spec.c
 * checked each is of the container's own namespaces) below our /proc,
 * by its fd: before readonlyPaths make /proc/sys read-only
 */
static void
sysctls(const struct ctr *c, const struct top *t, int n)
{
	char path[PATHMAX], *p, *eq;
	const char *rest;
	char **kv;
	int fd, base;

	for (kv = c->sysctl; kv && *kv; kv++) {
		if ((base = top(t, n, "proc/sys", &rest)) < 0)
			ns_fail(125, "sysctl %s: no /proc of ours to write it in", *kv);
		eq = strchr(*kv, '=');
		snprintf(path, sizeof(path), "sys/%.*s", (int)(eq - *kv), *kv);
		for (p = path + 4; *p; p++)
			if (*p == '.')
				*p = '/';
		if ((fd = openat(base, path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
		    writeall(fd, eq + 1, strlen(eq + 1)) < 0 || close(fd) < 0)
			ns_fail(125, "sysctl %s:", *kv);
	}
}

/* copyfile copies the regular file name of from into a new one of to */
static void
copyfile(int from, int to, const char *name)
{
	char buf[16384];
	struct stat st;
	ssize_t n;
	int s, t;

	/* O_NONBLOCK: a fifo swapped in since the fstatat does not hang us */
	if ((s = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    fstat(s, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (t = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		ns_fail(125, "tmpcopyup %s:", name);
	while ((n = read(s, buf, sizeof(buf))) > 0)
		if (writeall(t, buf, n) < 0)
			break;
	if (n != 0 || close(t) < 0)
		ns_fail(125, "tmpcopyup %s:", name);
	close(s);
}

/*
 * copytree copies what the directory from holds (the image's: hostile)
 * into the directory to (a fresh tmpfs of ours), depth levels down
 * already: directories, regular files, symlinks and fifos, each with its
 * owner, mode and times.  Every name is looked at and opened beneath
 * from with O_NOFOLLOW: a symlink is copied as one, never followed.
 * Devices and sockets are left out (the tmpfs is nodev).
 */
static void
copytree(int from, int to, int depth)
{
	static char link[PATHMAX];
	struct dirent *de;
	struct stat st;
	struct timespec ts[2];
	const char *name;
	ssize_t n;
	DIR *d;
	int fd, s, t;

	if (depth > COPYDEPTH)
		ns_fail(125, "tmpcopyup: more than COPYDEPTH (%d) directories deep", COPYDEPTH);
	if ((fd = dup(from)) < 0 || !(d = fdopendir(fd)))
		ns_fail(125, "tmpcopyup:");
	while ((errno = 0, de = readdir(d))) {
		name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			ns_fail(125, "tmpcopyup %s:", name);
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(to, name, 0700) < 0 ||
			    (s = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC)) < 0 ||
			    (t = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				ns_fail(125, "tmpcopyup %s:", name);
			copytree(s, t, depth + 1);
			close(s);
			close(t);
		} else if (S_ISREG(st.st_mode)) {
			copyfile(from, to, name);
		} else if (S_ISLNK(st.st_mode)) {
			if ((n = readlinkat(from, name, link, sizeof(link) - 1)) < 0 ||
			    (link[n] = '\0', symlinkat(link, to, name) < 0))
				ns_fail(125, "tmpcopyup %s:", name);
		} else if (S_ISFIFO(st.st_mode)) {
			if (mkfifoat(to, name, 0600) < 0)
				ns_fail(125, "tmpcopyup %s:", name);
		} else {
			continue;
		}
		ts[0] = st.st_atim;
		ts[1] = st.st_mtim;
		if (fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (!S_ISLNK(st.st_mode) && fchmodat(to, name, st.st_mode & 07777, 0) < 0) ||
		    utimensat(to, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			ns_fail(125, "tmpcopyup %s:", name);
	}
	if (errno)
		ns_fail(125, "tmpcopyup:");
	closedir(d);
}

/*
 * copyup mounts an OCI bundle's tmpfs m with tmpcopyup (podman
 * --read-only's /tmp, /run, /var/tmp) onto dst, the directory it
 * covers: the tmpfs starts with a copy of what dst holds.  It is made
 * on a name of ours in the scratch tmpfs (workfd), given dst's mode
 * (runc's), filled there (only then read-only, if m says so), and moved
 * onto dst by its fd, so dst is resolved once.
 */
static void
copyup(int workfd, int dst, const struct mnt *m, const char *what)
{
	struct stat st;
	char p[32], q[32];
	int fd, from;

	if ((from = openat(dst, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    mkdirat(workfd, "copyup", 0700) < 0 ||
	    (fd = openat(workfd, "copyup", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		ns_fail(125, "mount %s:", what);
	mountat(m->src, fd, "tmpfs", m->flags & ~MS_RDONLY, m->data, what);
	close(fd);
	/* looked up again, the name is the new tmpfs' root */
	if ((fd = openat(workfd, "copyup", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		ns_fail(125, "mount %s:", what);
	/* and with the mode of what it covers, unless m says one (runc's) */
	if ((!m->data || !strstr(m->data, "mode=")) &&
	    (fstat(from, &st) < 0 || fchmod(fd, st.st_mode & 07777) < 0))
		ns_fail(125, "mount %s:", what);
	copytree(from, fd, 0);
	close(from);
	if (m->flags & MS_RDONLY)
		mountat(NULL, fd, NULL, MS_REMOUNT | m->flags, m->data, what);
	if (mount(fdpath(fd, p), fdpath(dst, q), NULL, MS_MOVE, NULL) < 0)
		ns_fail(125, "mount %s: move:", what);
	close(fd);
	if (unlinkat(workfd, "copyup", AT_REMOVEDIR) < 0)
		ns_fail(125, "mount %s: stage:", what);
}

/*
 * cghier binds the subtree path of one cgroup hierarchy (type "cgroup"
 * with the controllers opts, or "cgroup2") onto name below dir, with
 * flags: the hierarchy is mounted whole on a name of ours in the scratch
 * tmpfs (workfd), the subtree bound from it, the whole detached.
 */
static void
cghier(int workfd, int dir, const char *name, const char *type, const char *opts,
    const char *path, unsigned long flags)
{
	char p[32], q[32];
	int src, sub, fd;

	if (mkdirat(workfd, "cgroup", 0700) < 0 ||
	    (src = openat(workfd, "cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		ns_fail(125, "mount /sys/fs/cgroup/%s:", name);
	mountat(type, src, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, opts, name);
	close(src);
	if ((src = openat(workfd, "cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (sub = openat(src, *path ? path : ".", O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 ||
	    (mkdirat(dir, name, 0755) < 0 && errno != EEXIST) ||
	    (fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		ns_fail(125, "mount /sys/fs/cgroup/%s: /%s:", name, path);
	if (mount(fdpath(sub, p), fdpath(fd, q), NULL, MS_BIND, NULL) < 0)
		ns_fail(125, "mount /sys/fs/cgroup/%s:", name);
	close(fd);
	/* a bind takes its flags from a remount of its own root */
	if ((fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		ns_fail(125, "mount /sys/fs/cgroup/%s:", name);
	mountat(NULL, fd, NULL, MS_REMOUNT | MS_BIND | flags, NULL, name);
	close(fd);
	close(sub);
	if (umount2(fdpath(src, p), MNT_DETACH) < 0)
		ns_fail(125, "unmount the %s hierarchy:", name);
	close(src);
	if (unlinkat(workfd, "cgroup", AT_REMOVEDIR) < 0)
		ns_fail(125, "cgroup: stage:");
}

/*
 * cgnames adds to the tmpfs dir the names runc and crun give a
 * hierarchy of joined controllers ("cpu,cpuacct"): a symlink for each
 * controller ("cpu", "cpuacct") unless one of that name is there
 */
static void
cgnames(int dir, const char *ctrls)
{
	char one[64];
	const char *p, *e;

	if (!strchr(ctrls, ','))
		return;
	for (p = ctrls; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ',');
		if ((size_t)(e - p) >= sizeof(one))
			continue;
		snprintf(one, sizeof(one), "%.*s", (int)(e - p), p);
		if (symlinkat(ctrls, dir, one) < 0 && errno != EEXIST)
			ns_fail(125, "/sys/fs/cgroup/%s:", one);
	}
}

/*
 * cgroupfs mounts an OCI bundle's mount of type cgroup (podman's and
 * containerd's /sys/fs/cgroup) onto dst: the container's own cgroups, as
 * init's /proc/self/cgroup names them (init joined them at the first
 * gate), never the host's tree around them, whether or not the bundle
 * has a cgroup namespace.  On cgroup v2 that is its cgroup2 subtree; on
 * v1 or hybrid a tmpfs with each hierarchy's subtree on a directory of
 * its controllers' names ("memory", "cpu,cpuacct", "systemd" for
 * name=systemd, "unified" for the cgroup2 one), as runc and crun make
 * it.  It is built on a name of ours in the scratch tmpfs and moved
 * onto dst whole.
 */
static void
cgroupfs(int workfd, int dst, unsigned long flags, const char *what)
{
	char buf[CGLISTMAX], opts[80], p[32], q[32], *line, *next, *ctrls, *path;
	int fd, stagefd, v1 = 0;

	flags = (flags & MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if ((fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC)) < 0 ||
	    readcap(fd, buf, sizeof(buf)) < 0)
		ns_fail(125, "/proc/self/cgroup:");
	close(fd);
	v1 = strstr(buf, "0::") != buf || strchr(buf, '\n') != buf + strlen(buf) - 1;
	if (mkdirat(workfd, "cgstage", 0700) < 0 ||
	    (fd = openat(workfd, "cgstage", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		ns_fail(125, "mount %s: stage:", what);
	if (v1)
		mountat("cgroup", fd, "tmpfs", flags & ~MS_RDONLY, "mode=755", what);
	close(fd);
	if ((stagefd = openat(workfd, "cgstage", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		ns_fail(125, "mount %s: stage:", what);
	for (line = buf; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		/* ID:CONTROLLERS:PATH, the path absolute: the kernel's own */
		if (!(ctrls = strchr(line, ':')) || !(path = strchr(++ctrls, ':')))
			ns_fail(125, "/proc/self/cgroup: %s: not ID:CONTROLLERS:PATH", line);
		*path++ = '\0';
		if (*path != '/' || strstr(path, "/.."))
			ns_fail(125, "/proc/self/cgroup: %s: not below the namespace's root", path);
		path++;
		if (!v1) {
			/* v2 alone: its subtree is the mount, on the stage */
			cghier(workfd, workfd, "cgstage", "cgroup2", NULL, path, flags);
			close(stagefd);
			if ((stagefd = openat(workfd, "cgstage", O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC)) < 0)
				ns_fail(125, "mount %s: stage:", what);
		} else if (!*ctrls) {
			cghier(workfd, stagefd, "unified", "cgroup2", NULL, path, flags);
		} else {
			snprintf(opts, sizeof(opts), "%s%s", strncmp(ctrls, "name=", 5) ? "" :
			         "none,", ctrls);
			cghier(workfd, stagefd, strncmp(ctrls, "name=", 5) ? ctrls : ctrls + 5,
			       "cgroup", opts, path, flags);
			cgnames(stagefd, ctrls);
		}
	}
	if (v1 && flags & MS_RDONLY)
		mountat(NULL, stagefd, NULL, MS_REMOUNT | flags, "mode=755", what);
	if (mount(fdpath(stagefd, p), fdpath(dst, q), NULL, MS_MOVE, NULL) < 0)
		ns_fail(125, "mount %s: move:", what);
	close(stagefd);
	if (unlinkat(workfd, "cgstage", AT_REMOVEDIR) < 0)
		ns_fail(125, "mount %s: stage:", what);
}

/*
 * ownsnet says whether a sysfs may be mounted: the kernel's rule is that
 * the mounter has CAP_SYS_ADMIN in the user namespace that owns its
 * network namespace, which in a user namespace of the container's is
 * so only for a network namespace made here
 */
static int
ownsnet(const struct ctr *c)
{
	return !c->userns || (c->nsflags & CLONE_NEWNET && !(c->nspath && c->nspath[NS_NET]));
}

/*
 * hostsys puts the host's /sys, with what is mounted below it, where m
 * would have mounted a sysfs it may not (ownsnet), as runc does, with
 * m's flags added: it shows the host's devices and network, as the
 * network namespace it shares does
 */
static void
hostsys(int rootfd, struct mnt *m, struct top *t, int *n)
{
	unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	int fd;

	m->src = "/sys";
	m->type = NULL;
	m->flags = MS_BIND | MS_REC;
	m->data = NULL;
	mountone(rootfd, m, t, n);
	fd = t[*n - 1].fd;
	if (setattr(fd, flags) < 0) {
		if (errno != ENOSYS)
			ns_fail(125, "mount /sys: mount_setattr:");
		rebind(fd, flags, "/sys");
	}
}

/*
 * bindsrcs opens the sources of an OCI bundle's bind mounts, an fd at
 * each one's index of c->mnt (-1 for others) in a new array: while
 * init is still the host's root, before a user namespace's root
 * (ns_userroot), which the engine's directories (0700, root's) would
 * refuse.  A source missing is said when its mount is made.
 */
static int *
bindsrcs(const struct ctr *c)
{
	int *v = ecalloc(MAX(c->nmnt, 1), sizeof(*v));
	int i;

	for (i = 0; i < c->nmnt; i++)
		v[i] = strcmp(c->mnt[i].type, "bind") ? -1 :
		       open(c->mnt[i].src, O_PATH | O_CLOEXEC);
	return v;
}

/*
 * specmounts makes an OCI bundle's mounts[], in order, a bind's source
 * the fd of srcs (bindsrcs) at its index.  /proc, /sys and
 * /dev of their usual types go on directories of the image's own, are
 * checked to be what was mounted and are then ours (mountone), /dev
 * filled as pieces' own; every other destination, below one of ours or
 * in the image, is resolved inside the root (target), never by a path
 * the image could redirect.  A bind's source is the engine's host path,
 * followed as given; its options are added through a stage (bindat).
 * Propagation: our mount namespace is private from the host's before
 * anything is mounted (mnt_build), so a mount's shared, slave or
 * unbindable is set on it inside that namespace, where nothing but the
 * container's own mounts can be its peer; the mount is found again by
 * its path for that (setprop), which at worst gives another of the
 * container's mounts a propagation type: no privilege comes of it.
 */
static void
specmounts(const struct ctr *c, const int *srcs, int rootfd, int workfd, struct top *t, int *n,
    int max)
{
	static const struct { const char *type, *dst; long magic; void (*fill)(int); } tops[] = {
		{ "proc", "proc", PROC_SUPER_MAGIC, NULL }, { "sysfs", "sys", SYSFS_MAGIC, NULL },
		{ "tmpfs", "dev", TMPFS_MAGIC, devnodes },
	};
	const unsigned long attrs = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	const struct specmnt *s;
	struct mnt m;
	struct stat st;
	const char *rest, *type;
	size_t j;
	int i, fd, src, base;

	for (i = 0; i < c->nmnt; i++) {
		s = &c->mnt[i];
		memset(&m, 0, sizeof(m));
		m.dst = s->dst + strspn(s->dst, "/");
		m.src = s->src;
		m.type = type = s->type;
		m.flags = s->flags;
		m.data = s->data;
		if (!*m.dst)
			ns_fail(125, "mount on /: refused (root.path is the root)");
		if ((base = top(t, *n, m.dst, &rest)) < 0) {
			base = rootfd;
			rest = m.dst;
		}
		if (!strcmp(type, "bind")) {
			if ((src = srcs[i]) < 0 || fstat(src, &st) < 0)
				ns_fail(125, "mount %s: source %s:", s->dst, s->src);
			/* bind or rbind, as the bundle says (runc's) */
			bindat(base, workfd, src, rest, !S_ISDIR(st.st_mode),
			       s->flags & (attrs | MS_REC));
			setprop(base, rest, !S_ISDIR(st.st_mode), s->prop);
			continue;
		}
		for (j = 0; j < LEN(tops) && (strcmp(tops[j].type, type) ||
		     strcmp(tops[j].dst, m.dst)); j++)
			;
		if (j < LEN(tops) && *n < max) {
			m.magic = tops[j].magic;
			m.fill = tops[j].fill;
			/* /dev is nodev whatever the bundle says (podman's is
			 * not): its nodes are the host's, bound in (devnodes,
			 * devices), and a node made there is of no use */
			if (m.magic == TMPFS_MAGIC)
				m.flags |= MS_NODEV;
			if (m.magic == SYSFS_MAGIC && !ownsnet(c)) {
				hostsys(rootfd, &m, t, n);
				continue;
			}
			mountone(rootfd, &m, t, n);
			continue;
		}
		fd = target(base, rest, 0);
		if (!strcmp(type, "cgroup"))
			cgroupfs(workfd, fd, m.flags, s->dst);
		else if (s->copyup)
			copyup(workfd, fd, &m, s->dst);
		else
			mountat(m.src, fd, m.type, m.flags, m.data, s->dst);
		close(fd);
		setprop(base, rest, 0, s->prop);
	}
	sysctls(c, t, *n);
}

/*
 * devices makes an OCI bundle's linux.devices.  /dev is nodev, as every
 * file system the container can write: a node made there cannot be
 * opened, which keeps the nodes of the rootfs (the attacker's) and of
 * the container's own mknod closed.  So a device the host has at the
 * same path, of the same type and numbers (podman --device), is the
 * host's node bound in, read-only as devnodes binds them (its inode is
 * the host's); any other is made with mknod, owner and mode as the
 * bundle says, and a warning says it cannot be opened.
 */
static void
devices(const struct ctr *c, int rootfd)
{
	const struct specdev *d;
	char leaf[LEAFMAX], dir[PATHMAX], *slash, p[32];
	struct stat st;
	mode_t type;
	dev_t rdev;
	int i, pfd, fd, host;

	for (i = 0; i < c->ndev; i++) {
		d = &c->dev[i];
		type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
		rdev = type == S_IFIFO ? 0 : makedev(d->major, d->minor);
		snprintf(dir, sizeof(dir), "%s", d->path + 1);
		if ((slash = strrchr(dir, '/')))
			*slash = '\0';
		if ((slash && root_mkdirs(rootfd, dir) < 0) ||
		    (pfd = root_parent(rootfd, d->path + 1, leaf)) < 0)
			ns_fail(125, "linux.devices %s:", d->path);
		/* devnodes' own, or one listed twice */
		if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (st.st_mode & S_IFMT) == type && st.st_rdev == rdev) {
			close(pfd);
			continue;
		}
		if (unlinkat(pfd, leaf, 0) < 0 && errno != ENOENT)
			ns_fail(125, "linux.devices %s:", d->path);
		host = type == S_IFIFO ? -1 : open(d->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (host >= 0 && fstat(host, &st) == 0 && (st.st_mode & S_IFMT) == type &&
		    st.st_rdev == rdev) {
			if ((fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0600)) < 0 || close(fd) < 0 ||
			    (fd = openat(pfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
				ns_fail(125, "linux.devices %s:", d->path);
			mountat(fdpath(host, p), fd, NULL, MS_BIND, NULL, d->path);
			close(fd);
			if ((fd = openat(pfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
				ns_fail(125, "linux.devices %s:", d->path);
			rebind(fd, MS_RDONLY | MS_NOSUID | MS_NOEXEC, d->path);
			close(fd);
		} else {
			if (mknodat(pfd, leaf, type | (d->mode & 07777), rdev) < 0 ||
			    fchownat(pfd, leaf, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
			    fchmodat(pfd, leaf, d->mode & 07777, 0) < 0)
				ns_fail(125, "linux.devices %s:", d->path);
			if (type != S_IFIFO)
				weprintf("linux.devices %s: no such device on the host: made, "
				         "but on a nodev /dev it cannot be opened", d->path);
		}
		if (host >= 0)
			close(host);
		close(pfd);
	}
}

/*
 * specmasks hides an OCI bundle's maskedPaths and makes its
 * readonlyPaths read-only, as maskone does pieces' own
 */
static void
specmasks(const struct ctr *c, int rootfd, int workfd, const struct top *t, int n)
{
	struct mnt m;
	char **p;

	memset(&m, 0, sizeof(m));
	for (p = c->masked; p && *p; p++) {
		m.dst = *p + strspn(*p, "/");
		maskone(workfd, &m, t, n, rootfd);
	}
	m.flags = MS_RDONLY;
	for (p = c->rdonly; p && *p; p++) {
		m.dst = *p + strspn(*p, "/");
		maskone(workfd, &m, t, n, rootfd);
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
		ns_fail(125, "ramroot:");
	mountat("tmpfs", fd, "tmpfs", 0, "size=16k,mode=700", "ramroot");
	close(fd);
	if ((fd = openat(workfd, "ramroot", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    mkdirat(fd, "root", 0755) < 0 ||
	    (root = openat(fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		ns_fail(125, "ramroot:");
	if (mount(fdpath(rootfd, p), fdpath(root, q), NULL, MS_MOVE, NULL) < 0)
		ns_fail(125, "move the root into ramroot:");
	close(root);
	if (fchdir(fd) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0)
		ns_fail(125, "move ramroot onto /:");
	close(fd);
	if ((root = open("/root", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		ns_fail(125, "ramroot/root:");
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
		ns_fail(125, "open /:");
	if (fchdir(rootfd) < 0)
		ns_fail(125, "chdir to the root:");
	if (getenv("PIECES_TEST_RAMROOT") || syscall(SYS_pivot_root, ".", ".") < 0) {
		if (!getenv("PIECES_TEST_RAMROOT") && errno != EINVAL)
			ns_fail(125, "pivot_root:");
		close(old);
		rootfd = ramroot(rootfd, workfd);
		if ((old = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		    fchdir(rootfd) < 0)
			ns_fail(125, "ramroot:");
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			ns_fail(125, "pivot_root from ramroot:");
		close(rootfd);
	}
	if (fchdir(old) < 0)
		ns_fail(125, "chdir to the old root:");
	if (mount(NULL, ".", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		ns_fail(125, "make the old root private:");
	if (umount2(".", MNT_DETACH) < 0)
		ns_fail(125, "detach the old root:");
	if (chdir("/") < 0)
		ns_fail(125, "chdir /:");
	close(old);
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
		ns_fail(125, "workdir %s:", dir);
}

/*
 * opentree opens the directory t names, which must be the one it was
 * when the caller looked (device and inode).  It is opened by path in the
 * container's mount namespace: an fd opened before unshare(CLONE_NEWNS)
 * still points into the host's, and overlayfs refuses layers outside its
 * own ("failed to clone lowerpath").  A tree renamed over it since (an
 * import replacing the image) is refused, never used in its place.
 */
static int
opentree(const struct tree *t)
{
	struct stat st;
	int fd;

	if ((fd = open(t->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0)
		ns_fail(125, "%s:", t->path);
	if (st.st_dev != t->dev || st.st_ino != t->ino)
		ns_fail(125, "%s: replaced while starting; run again", t->path);
	return fd;
}
/*
 * scratch mounts the tmpfs for the upper layer and the /etc files.  It is
 * bounded: a tmpfs without size= may take half the host's RAM, and a few
 * containers writing to their root would exhaust it.  nr_inodes too, one
 * per 4 KiB: each file costs kernel memory that size= does not count.  A
 * build's upper layer is on disk (build.c bounds it), not here.
 */
static int
scratch(const struct ctr *c)
{
	const char *path = c->fs.scratch;
	char opts[96];
	int fd;

	tmpopts(opts, sizeof(opts), "700",
	        *c->fs.upper.path || !c->fs.size ? 4 << 20 : c->fs.size);
	/* in a user namespace: its root's, who makes the rest (the ids are
	 * read in the namespace of whoever mounts) */
	if (c->userns)
		strcat(opts, ",uid=0,gid=0");
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ||
	    (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		ns_fail(125, "%s: tmpfs:", path);
	return fd;
}

/*
 * ramtmp gives a read-only root (no overlayfs) what must be written, on
 * tmpfs, bounded as the overlay's upper is: half the layer's size each
 */
static void
ramtmp(const struct ctr *c, int rootfd)
{
	static const char *const dirs[][2] = { { "tmp", "1777" }, { "run", "755" } };
	char opts[80];
	size_t i;
	int fd;

	for (i = 0; i < LEN(dirs); i++) {
		tmpopts(opts, sizeof(opts), dirs[i][1], c->fs.size / 2);
		fd = target(rootfd, dirs[i][0], 0);
		mountat("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV, opts, dirs[i][0]);
		close(fd);
	}
}

void
mnt_build(const struct ctr *c)
{
	struct top t[LEN(defmounts)];
	size_t i;
	int rootfd, workfd, lower, upfd = -1, ro, n = 0, *srcs;

	/* before anything is mounted: no mount of ours may propagate back
	 * to the host (the Python original's bug) */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		ns_fail(125, "make / private:");
	/* both before the scratch tmpfs: a build's upper layer is on
	 * disk in the store's tmp/, which that tmpfs is about to hide */
	lower = opentree(&c->fs.lower);
	if (*c->fs.upper.path)
		upfd = opentree(&c->fs.upper);
	workfd = scratch(c);
	srcs = c->fs.bind ? bindsrcs(c) : NULL;
	ns_userroot(c);
	if (c->fs.bind) {
		rootfd = bindroot(lower, workfd);
		specmounts(c, srcs, rootfd, workfd, t, &n, LEN(t));
		for (i = 0; i < (size_t)c->nmnt; i++)
			if (srcs[i] >= 0)
				close(srcs[i]);
		free(srcs);
		devices(c, rootfd);
		specmasks(c, rootfd, workfd, t, n);
		while (n > 0)
			close(t[--n].fd);
		mkcwd(rootfd, c->proc.cwd);
		if (c->fs.readonly)
			rdonlyroot(rootfd);
		pivot(rootfd, workfd);
		/* linux.rootfsPropagation, in our namespace as setprop's */
		if (c->rootprop && mount(NULL, "/", NULL, c->rootprop, NULL) < 0)
			ns_fail(125, "rootfsPropagation:");
		close(rootfd);
		close(lower);
		close(workfd);
		return;
	}
	rootfd = mkroot(c, lower, workfd, upfd >= 0 ? upfd : workfd, &ro);
	for (i = 0; i < LEN(defmounts); i++)
		mountone(rootfd, &defmounts[i], t, &n);
	if (ro && !c->fs.readonly)
		ramtmp(c, rootfd);
	etc(c, rootfd, workfd, ro);
	volumes(c, rootfd, workfd);
	/* --privileged: the user gives the container the host's /proc and
	 * /sys, core_pattern and sysrq-trigger included */
	for (i = 0; !c->privileged && i < LEN(defmasks); i++)
		maskone(workfd, &defmasks[i], t, n, -1);
	while (n > 0)
		close(t[--n].fd);
	mkcwd(rootfd, c->proc.cwd);
	pivot(rootfd, workfd);
	close(rootfd);
	close(lower);
	close(workfd);
	if (upfd >= 0)
		close(upfd);
}

void
mnt_chroot(const struct ctr *c)
{
	int rootfd;

	/* the host's mounts are ours: nothing is made private or mounted,
	 * as nothing of ours may reach the host's tree */
	rootfd = opentree(&c->fs.lower);
	ns_userroot(c);
	mkcwd(rootfd, c->proc.cwd);
	if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		ns_fail(125, "chroot into the root:");
	close(rootfd);
}
