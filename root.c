/* See LICENSE file for copyright and license details. */
/*
 * The one resolver for paths under a root.  Image trees come from strangers:
 * any directory in them may be a symlink to "/etc" or "../../..", placed
 * there by an earlier tar member.  So no path under a root is ever handed to
 * the kernel as one string: the root is opened once, paths below it are
 * resolved with every symlink and ".." kept inside it, and the caller works
 * on the resulting fds with *at() calls that do not follow the last
 * component.
 *
 * Linux 5.6 and later do this in one call: openat2 with RESOLVE_IN_ROOT
 * (and RESOLVE_NO_MAGICLINKS, so /proc/self/fd style links inside a tree
 * cannot point out of it).  Older kernels, common on routers, get a walk
 * from the root fd one component at a time with O_PATH|O_NOFOLLOW, reading
 * symlinks ourselves and restarting absolute targets at the root.  ".."
 * pops a component of the path walked so far and walks that path again from
 * the root, so it cannot climb above it.  PIECES_NO_OPENAT2=1 forces the
 * walk, so the suite runs both.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "pieces.h"

#define RESOLVE_NO_MAGICLINKS	0x02
#define RESOLVE_IN_ROOT		0x10
#define MAXLINKS		40	/* symlinks followed in one path, as Linux */

struct open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

static int noopenat2 = -1;

static int
sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/*
 * rewalk opens the path p[0..len) below root, walked before as real
 * directories, again: a component at a time, none followed if it is a
 * symlink now.  One openat of the whole path would follow a directory
 * swapped for a symlink since (O_NOFOLLOW guards the last name only),
 * and its ".." would climb out of the root.
 */
static int
rewalk(int rootfd, const char *p, size_t len)
{
	char buf[PATHMAX], *c, *save;
	int fd, next, saved;

	memcpy(buf, p, len);
	buf[len] = '\0';
	if ((fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	for (c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		saved = errno;
		close(fd);
		if ((fd = next) < 0)
			return errno = saved, -1;
	}
	return fd;
}

/*
 * walkin resolves path below rootfd without openat2.  rest holds what is
 * left to resolve; done the components resolved so far, each real
 * directories below the root, joined by '/'.
 */
static int
walkin(int rootfd, const char *path, int flags)
{
	char rest[PATHMAX], done[PATHMAX], link[PATHMAX], *c, *next;
	size_t dlen = 0, rlen;
	int cur, fd, links = 0, last, saved;
	ssize_t n;
	struct stat st;

	if ((rlen = strlen(path)) >= sizeof(rest))
		return errno = ENAMETOOLONG, -1;
	memcpy(rest, path, rlen + 1);
	if ((cur = rewalk(rootfd, "", 0)) < 0)
		return -1;
	for (c = rest; *c; c = next) {
		for (next = c; *next && *next != '/'; next++)
			;
		last = !*next;
		if (*next)
			*next++ = '\0';
		while (*next == '/')
			next++;
		last = last || !*next;
		if (!*c || !strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (dlen > 0 && done[dlen - 1] != '/')
				dlen--;
			if (dlen > 0)
				dlen--;
			close(cur);
			if ((cur = rewalk(rootfd, done, dlen)) < 0)
				return -1;
			continue;
		}
		if (last && (flags & O_NOFOLLOW)) {
			fd = openat(cur, c, flags | O_CLOEXEC);
			goto out;
		}
		if ((fd = openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
			goto out;
		if (fstat(fd, &st) < 0)
			goto fail;
		if (S_ISLNK(st.st_mode)) {
			/* splice the target in front of what is left */
			if (++links > MAXLINKS) {
				errno = ELOOP;
				goto fail;
			}
			n = readlinkat(fd, "", link, sizeof(link));
			close(fd);
			if (n < 0)
				goto fail_cur;
			if (n == 0 || (size_t)n >= sizeof(link)) {
				errno = n ? ENAMETOOLONG : ENOENT;
				goto fail_cur;
			}
			rlen = strlen(next);
			if ((size_t)n + 1 + rlen >= sizeof(rest)) {
				errno = ENAMETOOLONG;
				goto fail_cur;
			}
			memmove(rest + n + 1, next, rlen + 1);
			memcpy(rest, link, n);
			rest[n] = '/';
			next = rest;
			if (link[0] == '/') {
				close(cur);
				dlen = 0;
				if ((cur = rewalk(rootfd, "", 0)) < 0)
					return -1;
			}
			continue;
		}
		if (last) {
			close(fd);
			fd = openat(cur, c, flags | O_NOFOLLOW | O_CLOEXEC);
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto fail;
		}
		if (dlen + 1 + strlen(c) >= sizeof(done)) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if (dlen)
			done[dlen++] = '/';
		memcpy(done + dlen, c, strlen(c));
		dlen += strlen(c);
		close(cur);
		cur = fd;
	}
	/* the path named the root itself */
	fd = openat(cur, ".", flags | O_CLOEXEC);
out:
	saved = errno;
	close(cur);
	errno = saved;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
fail_cur:
	saved = errno;
	close(cur);
	errno = saved;
	return -1;
}

int
root_open(int rootfd, const char *path, int flags)
{
	struct open_how how = { 0 };
	int fd, tries;
	const char *env;

	if (noopenat2 < 0)
		noopenat2 = (env = getenv("PIECES_NO_OPENAT2")) && *env && *env != '0';
	if (!*path)
		path = ".";
	if (noopenat2)
		return walkin(rootfd, path, flags);
	how.flags = flags | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	/* EAGAIN: a rename raced the lookup; the kernel asks for a retry */
	for (tries = 0; tries < 16; tries++) {
		if ((fd = sys_openat2(rootfd, path, &how)) >= 0 || errno != EAGAIN)
			break;
	}
	if (fd < 0 && errno == ENOSYS) {
		noopenat2 = 1;
		return walkin(rootfd, path, flags);
	}
	return fd;
}

int
root_parent(int rootfd, const char *path, char *leaf)
{
	char dir[PATHMAX];
	const char *slash;
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	for (slash = path + len; slash > path && slash[-1] != '/'; slash--)
		;
	if ((size_t)(path + len - slash) >= LEAFMAX ||
	    (size_t)(slash - path) >= sizeof(dir))
		return errno = ENAMETOOLONG, -1;
	memcpy(leaf, slash, path + len - slash);
	leaf[path + len - slash] = '\0';
	if (!*leaf || !strcmp(leaf, ".") || !strcmp(leaf, ".."))
		return errno = EINVAL, -1;
	memcpy(dir, path, slash - path);
	dir[slash - path] = '\0';
	return root_open(rootfd, dir, O_RDONLY | O_DIRECTORY);
}

/* dangling makes what the dangling symlink leaf of prefix names */
static int mkdirs(int rootfd, const char *path, int depth);

static int
dangling(int rootfd, int dirfd, const char *leaf, char *prefix, int depth)
{
	char link[PATHMAX], target[PATHMAX], *slash;
	ssize_t n;

	if ((n = readlinkat(dirfd, leaf, link, sizeof(link) - 1)) <= 0)
		return -1;
	link[n] = '\0';
	if (depth >= MAXLINKS)
		return errno = ELOOP, -1;
	/* a relative target starts in the link's directory */
	slash = strrchr(prefix, '/');
	if ((size_t)snprintf(target, sizeof(target), "%.*s%s", link[0] == '/' || !slash ? 0 :
	    (int)(slash - prefix + 1), prefix, link) >= sizeof(target))
		return errno = ENAMETOOLONG, -1;
	return mkdirs(rootfd, target, depth + 1);
}

/*
 * mkdirs makes the missing directories of path, depth symlinks deep.  It
 * walks with a directory fd, so a path of n components costs O(n) calls,
 * not O(n^2) (a hostile archive of deep names would otherwise stall us);
 * only a symlink or ".." sends it back through the resolver.  A symlink
 * that does not resolve is dangling: what it names is made instead,
 * inside the root like every lookup here.
 */
static int
mkdirs(int rootfd, const char *path, int depth)
{
	char pre[PATHMAX], *c, *next, save;
	struct stat st;
	size_t len = strlen(path);
	int cur, fd;

	if (len >= sizeof(pre))
		return errno = ENAMETOOLONG, -1;
	memcpy(pre, path, len + 1);
	if ((cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	for (c = pre; *c; c = next) {
		for (next = c; *next && *next != '/'; next++)
			;
		save = *next;
		*next = '\0';
		fd = -1;
		if (*c && strcmp(c, ".") && strcmp(c, "..") &&
		    (fd = openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 && errno == ENOENT &&
		    mkdirat(cur, c, 0755) == 0)
			fd = openat(cur, c, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))) {
			/* a symlink: the resolver follows it inside the root */
			close(fd);
			if ((fd = root_open(rootfd, pre, O_PATH | O_DIRECTORY)) < 0 &&
			    errno == ENOENT && dangling(rootfd, cur, c, pre, depth) == 0)
				fd = root_open(rootfd, pre, O_PATH | O_DIRECTORY);
		} else if (fd < 0 && *c && (!strcmp(c, ".") || !strcmp(c, ".."))) {
			fd = root_open(rootfd, pre, O_PATH | O_DIRECTORY);
		} else if (fd < 0 && !*c) {
			fd = dup(cur);
		}
		if (fd < 0) {
			close(cur);
			return -1;
		}
		close(cur);
		cur = fd;
		if ((*next = save))
			next++;
	}
	close(cur);
	return 0;
}

int
root_mkdirs(int rootfd, const char *path)
{
	return mkdirs(rootfd, path, 0);
}

/*
 * The host reads a few files of images and build directories (passwd and
 * group for -u, COPY and file:// sources) as root, and what a stranger
 * put there can be a fifo, whose open blocks until someone writes to it,
 * or a device node, whose open alone acts on the host's hardware (a
 * watchdog starts counting, a tape rewinds).  So the path is resolved to
 * an O_PATH fd, which opens nothing, and only a regular file or a
 * directory is opened for reading, through its /proc/self/fd link: the
 * very inode looked at, not whatever a rename put at the path since.
 */
static int fddir = -1;	/* where root_openfile reopens; -1: /proc/self/fd */

void
root_fddir(int dirfd)
{
	fddir = dirfd;
}

int
root_openfile(int rootfd, const char *path, int flags, struct stat *st)
{
	char p[32];
	struct stat again;
	int fd, rfd, saved;

	if ((fd = root_open(rootfd, path, O_PATH | (flags & O_NOFOLLOW))) < 0)
		return -1;
	if (fstat(fd, st) < 0)
		goto fail;
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	snprintf(p, sizeof(p), fddir >= 0 ? "%d" : "/proc/self/fd/%d", fd);
	rfd = openat(fddir >= 0 ? fddir : AT_FDCWD, p, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	             O_CLOEXEC | (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0));
	if (rfd < 0)
		goto fail;
	close(fd);
	if (fstat(rfd, &again) < 0 || again.st_dev != st->st_dev || again.st_ino != st->st_ino) {
		close(rfd);
		return errno = EINVAL, -1;
	}
	return rfd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

ssize_t
root_readfile(int rootfd, const char *path, char *buf, size_t cap)
{
	struct stat st;
	ssize_t n;
	int fd, saved;

	if ((fd = root_openfile(rootfd, path, 0, &st)) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return errno = EISDIR, -1;
	}
	n = readcap(fd, buf, cap);
	saved = errno;
	close(fd);
	errno = saved;
	return n;
}
