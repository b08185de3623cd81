/* See LICENSE file for copyright and license details. */
/*
 * Trees of the store, as a build makes them: a clone of the current tree
 * made of hard links (no file in the store is ever changed once there),
 * and an overlayfs upper layer applied onto such a clone, its whiteouts
 * and opaque directories as overlayfs wrote them.  Every entry is reached
 * from its parent's fd, no symlink is followed, and the xattrs that carry
 * a file's capabilities come along.
 */
#include <sys/stat.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pieces.h"

#define XLISTMAX	(64 << 10)	/* a file's list of xattr names */
#define XVALMAX		(64 << 10)	/* one xattr's value */

/* fdname is the path of name in directory fd, for the *xattr calls that
 * have no *at() form */
static char *
fdname(char *buf, size_t len, int fd, const char *name)
{
	snprintf(buf, len, "/proc/self/fd/%d/%s", fd, name);
	return buf;
}

static int
ovlxattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16);
}

/*
 * xattrs makes the xattrs of dst (a name in directory dfd) those of src
 * (in sfd) but overlayfs's own, or with no sfd only drops overlayfs's
 */
static int
xattrs(int sfd, const char *src, int dfd, const char *dst)
{
	static char list[XLISTMAX], val[XVALMAX];
	char sp[64 + NAME_MAX], dp[64 + NAME_MAX], *k;
	ssize_t n, v;

	fdname(dp, sizeof(dp), dfd, dst);
	if ((n = llistxattr(dp, list, sizeof(list))) < 0)
		return errno == ENOTSUP ? 0 : -1;
	for (k = list; k < list + n; k += strlen(k) + 1)
		if ((sfd < 0 ? ovlxattr(k) : 1) && lremovexattr(dp, k) < 0)
			return -1;
	if (sfd < 0)
		return 0;
	fdname(sp, sizeof(sp), sfd, src);
	if ((n = llistxattr(sp, list, sizeof(list))) < 0)
		return errno == ENOTSUP ? 0 : -1;
	for (k = list; k < list + n; k += strlen(k) + 1) {
		if (ovlxattr(k))
			continue;
		if ((v = lgetxattr(sp, k, val, sizeof(val))) < 0 ||
		    lsetxattr(dp, k, val, v, 0) < 0)
			return -1;
	}
	return 0;
}

/* dirmeta gives directory dst in dfd the owner, mode, xattrs and times of st */
static int
dirmeta(int sfd, const char *src, int dfd, const char *dst, const struct stat *st)
{
	struct timespec t[2] = { st->st_atim, st->st_mtim };

	if (fchownat(dfd, dst, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(dfd, dst, st->st_mode & 07777, 0) < 0 ||
	    (sfd >= 0 && xattrs(sfd, src, dfd, dst) < 0) ||
	    utimensat(dfd, dst, t, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return 0;
}

int
tree_sub(int fd, const char *name)
{
	return openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* eachent calls fn on each entry of directory fd but . and .. */
int
tree_each(int fd, int (*fn)(void *, int, const char *), void *arg)
{
	struct dirent *de;
	DIR *d;
	int r = 0, dfd;

	if ((dfd = dup(fd)) < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	while (r == 0 && (errno = 0, de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = fn(arg, dirfd(d), de->d_name);
	if (r == 0 && errno)
		r = -1;
	closedir(d);
	return r;
}

struct tw {				/* two trees walked side by side */
	int src, dst, depth;
	uint64_t bytes;
};

/* down walks the subdirectory name of both trees with fn */
static int
down(struct tw *t, const char *name, int (*fn)(void *, int, const char *))
{
	struct tw sub = *t;
	int r = -1;

	if (t->depth >= DEPTHMAX)
		return errno = ELOOP, -1;
	sub.depth++;
	sub.src = tree_sub(t->src, name);
	sub.dst = tree_sub(t->dst, name);
	if (sub.src >= 0 && sub.dst >= 0)
		r = tree_each(sub.src, fn, &sub);
	t->bytes = sub.bytes;
	if (sub.src >= 0)
		close(sub.src);
	if (sub.dst >= 0)
		close(sub.dst);
	return r;
}

/* clone1 links one entry of the parent tree into the clone */
static int
clone1(void *arg, int fd, const char *name)
{
	struct tw *t = arg;
	struct stat st;

	(void)fd;
	if (fstatat(t->src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		if (S_ISREG(st.st_mode))
			t->bytes += st.st_size;
		return linkat(t->src, name, t->dst, name, 0);
	}
	if (mkdirat(t->dst, name, 0700) < 0 || down(t, name, clone1) < 0)
		return -1;
	return dirmeta(t->src, name, t->dst, name, &st);
}

int
tree_clone(int treefd, struct work *w, uint64_t *bytes)
{
	struct tw t = { -1, w->rootfd, 0, 0 };
	struct stat st;
	int r = -1, saved;

	if ((t.src = openat(treefd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) >= 0 && fstat(t.src, &st) == 0 && tree_each(t.src, clone1, &t) == 0)
		r = dirmeta(t.src, ".", w->rootfd, ".", &st);
	saved = errno;
	if (t.src >= 0)
		close(t.src);
	*bytes = t.bytes;
	errno = saved;
	return r;
}

/* gone removes name from the directory fd, whatever it is */
int
tree_gone(int fd, const char *name)
{
	return rmtree(fd, name) < 0 && errno != ENOENT ? -1 : 0;
}

/* apply1 moves one entry of the upper layer onto the clone */
static int
apply1(void *arg, int fd, const char *name)
{
	struct tw *t = arg;
	struct stat st, old;
	char path[64 + NAME_MAX], v[2];
	int exists;

	(void)fd;
	if (fstatat(t->src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	/* mounted without them, but an old kernel may not know the options */
	fdname(path, sizeof(path), t->src, name);
	if (lgetxattr(path, "trusted.overlay.redirect", v, 0) >= 0 ||
	    lgetxattr(path, "trusted.overlay.metacopy", v, 0) >= 0)
		return errno = EOPNOTSUPP, -1;
	exists = fstatat(t->dst, name, &old, AT_SYMLINK_NOFOLLOW) == 0;
	/* a whiteout: what the parent had there was removed */
	if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
		return tree_gone(t->dst, name);
	if (!S_ISDIR(st.st_mode)) {
		if (exists && S_ISDIR(old.st_mode) && tree_gone(t->dst, name) < 0)
			return -1;
		if (renameat(t->src, name, t->dst, name) < 0)
			return -1;
		return xattrs(-1, NULL, t->dst, name);
	}
	/* an opaque directory hides all the parent had in it */
	if (exists && (!S_ISDIR(old.st_mode) ||
	    (lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y'))) {
		if (tree_gone(t->dst, name) < 0)
			return -1;
		exists = 0;
	}
	if (!exists && mkdirat(t->dst, name, 0700) < 0)
		return -1;
	if (down(t, name, apply1) < 0)
		return -1;
	return dirmeta(t->src, name, t->dst, name, &st);
}

/*
 * plainpath makes path p, relative to the root, plain: no "", "." or ".."
 * components, none climbing above the root
 */
static void
plainpath(char *p)
{
	char *s = p, *d = p, *c;
	size_t n;

	while (*s) {
		n = strcspn(s, "/");
		if (n == 2 && !strncmp(s, "..", 2)) {
			for (c = d; c > p && c[-1] == '/'; c--)
				;
			while (c > p && c[-1] != '/')
				c--;
			d = c;
		} else if (n && !(n == 1 && *s == '.')) {
			memmove(d, s, n);
			d += n;
			*d++ = '/';
		}
		s += n + (s[n] == '/');
	}
	*(d > p ? d - 1 : d) = '\0';
}

/*
 * rmempty removes path p below fd if it is an empty file or directory,
 * reached without a symlink: 0, or -1
 */
static int
rmempty(int fd, char *p)
{
	char *c, *slash;
	struct stat st;
	int dfd = dup(fd), nfd, r = -1;

	for (c = p; dfd >= 0 && (slash = strchr(c, '/')); c = slash + 1) {
		*slash = '\0';
		nfd = openat(dfd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		*slash = '/';
		close(dfd);
		dfd = nfd;
	}
	if (dfd >= 0 && fstatat(dfd, c, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			r = unlinkat(dfd, c, AT_REMOVEDIR);
		else if (S_ISREG(st.st_mode) && st.st_size == 0)
			r = unlinkat(dfd, c, 0);
	}
	if (dfd >= 0)
		close(dfd);
	return r;
}

/*
 * made removes from the upper layer upfd the mount point path the
 * container made for itself, and the directories made for it, where the
 * parent tree (rootfd) has none: Docker keeps its own out of images too
 */
static void
made(int upfd, int rootfd, const char *path)
{
	char p[PATHMAX], *slash;
	int fd;

	snprintf(p, sizeof(p), "%s", path);
	plainpath(p);
	while (*p) {
		if ((fd = root_open(rootfd, p, O_PATH | O_NOFOLLOW)) >= 0) {
			close(fd);
			return;
		}
		if (errno != ENOENT || rmempty(upfd, p) < 0)
			return;
		slash = strrchr(p, '/');
		*(slash ? slash : p) = '\0';
	}
}

int
tree_apply(struct work *w)
{
	static const char *const mounts[] = {
		"proc", "sys", "dev", "etc/hosts", "etc/hostname", "etc/resolv.conf",
	};
	struct tw t = { -1, w->rootfd, 0, 0 };
	char link[PATHMAX], path[PATHMAX + 8];
	struct stat st;
	ssize_t n;
	size_t i;
	int r = -1, saved;

	if ((t.src = tree_sub(w->fd, "upper")) >= 0) {
		for (i = 0; i < LEN(mounts); i++)
			made(t.src, w->rootfd, mounts[i]);
		/* a dangling /etc/resolv.conf got what it names made */
		if ((n = readlinkat(w->rootfd, "etc/resolv.conf", link, sizeof(link) - 1)) > 0) {
			link[n] = '\0';
			snprintf(path, sizeof(path), "%s%s", *link == '/' ? "" : "etc/", link);
			made(t.src, w->rootfd, path);
		}
	}
	if (t.src >= 0 && fstat(t.src, &st) == 0 && tree_each(t.src, apply1, &t) == 0)
		r = dirmeta(t.src, ".", w->rootfd, ".", &st);
	saved = errno;
	if (t.src >= 0)
		close(t.src);
	errno = saved;
	return r;
}

/* du1 adds what entry name of directory fd holds on disk */
static int
du1(void *arg, int fd, const char *name)
{
	struct du *d = arg;
	struct stat st;
	int sub, r;

	/* the step runs on: what it removed while we looked is gone */
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	/* a file's blocks shared by its links, counted once in all */
	d->bytes += (uint64_t)st.st_blocks * 512 / (S_ISDIR(st.st_mode) ? 1 : MAX(st.st_nlink, 1));
	d->files++;
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (d->depth >= DEPTHMAX)
		return errno = ELOOP, -1;
	if ((sub = tree_sub(fd, name)) < 0)
		return errno == ENOENT ? 0 : -1;
	d->depth++;
	r = tree_each(sub, du1, d);
	d->depth--;
	close(sub);
	return r;
}

int
tree_du(int fd, struct du *d)
{
	return tree_each(fd, du1, d);
}
