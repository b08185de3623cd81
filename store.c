/* See LICENSE file for copyright and license details. */
/*
 * The image store.  Layout below the root (pieces.1, FILES):
 *
 *	lock			flock(2)ed while the store's names change
 *	images/NAME/rootfs/	an image's tree
 *	images/NAME/meta	its metadata, "key value" lines (pieces.1)
 *	tmp/NAME.PID.N/		work trees, each flock(2)ed by its writer
 *	cache/HEX/{rootfs,meta}	build steps' trees, by the step's key
 *	blobs/sha256/HEX	files downloaded by import URL NAME sha256:HEX,
 *				by digest: the cache a second such import reads
 *	blobs/sha256/HEX.src	the URL it came from, the only one it serves
 *
 * An image appears whole or not at all: it is unpacked into a work tree in
 * tmp/, synced, and renamed into images/ in one step; a second import of a
 * name swaps the trees with RENAME_EXCHANGE, so the old image stays until
 * the new one is complete.  A writer killed at any point leaves only a work
 * tree whose lock died with it; the next writer removes it.  Only images/
 * is ever listed.  A download's blob is written into its work tree beside
 * rootfs/ and moved into blobs/ once the image is committed, so a blob in
 * the cache has matched its name; it is checked again on each use anyway.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "pieces.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	1
#define RENAME_EXCHANGE		2
#endif


static int
sys_renameat2(int olddir, const char *old, int newdir, const char *new, unsigned flags)
{
	return syscall(SYS_renameat2, olddir, old, newdir, new, flags);
}

int
store_word(const char *name, const char *what)
{
	const char *p;

	if (!*name || strlen(name) >= NAMEMAX) {
		weprintf("'%s': bad %s name: 1 to %d characters", name, what, NAMEMAX - 1);
		return -1;
	}
	if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
	    (*name >= '0' && *name <= '9'))) {
		weprintf("'%s': bad %s name: must start with a letter or digit", name, what);
		return -1;
	}
	for (p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-", *p)) {
			weprintf("'%s': bad %s name: only letters, digits, '.', '_' and '-'",
			         name, what);
			return -1;
		}
	return 0;
}

int
store_name(const char *name)
{
	return store_word(name, "image");
}

static int
lock(struct store *s)
{
	while (flock(s->lockfd, LOCK_EX) < 0)
		if (errno != EINTR) {
			weprintf("%s/lock: flock:", s->root);
			return -1;
		}
	return 0;
}

static void
unlock(struct store *s)
{
	(void)flock(s->lockfd, LOCK_UN);
}

/*
 * claim opens tmp/name and takes its lock without waiting: -1 if a live
 * writer holds it.  The caller holds the store lock.
 */
static int
claim(struct store *s, const char *name)
{
	int fd;

	if ((fd = openat(s->tmpfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* list opens the store directory fd (named name) for readdir */
static DIR *
list(struct store *s, int fd, const char *name)
{
	DIR *d;

	if ((fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    !(d = fdopendir(fd))) {
		weprintf("%s/%s:", s->root, name);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return d;
}

/* sweep removes the work trees of writers that died */
static int
sweep(struct store *s)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (!(d = list(s, s->tmpfd, "tmp")))
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if ((fd = claim(s, de->d_name)) < 0 && errno != ENOTDIR)
			continue;
		if (rmtree(s->tmpfd, de->d_name) < 0 && errno != ENOENT)
			weprintf("%s/tmp/%s: remove:", s->root, de->d_name);
		if (fd >= 0)
			close(fd);
	}
	closedir(d);
	return 0;
}

/* subdir opens the store's directory name, made first for a writer */
static int
subdir(struct store *s, const char *name, int write)
{
	if (write && mkdirat(s->fd, name, 0700) < 0 && errno != EEXIST)
		return -1;
	return openat(s->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/*
 * readers opens what a reader needs of a store that may be on read-only
 * media (a rescue stick, a squashfs): images/, and tmp/ for run's
 * scratch, cache/ and the lock where they are.  Where the store can be
 * written, what an interrupted writer left in tmp/ is swept, as a
 * writer's open does: 0, or -1 with errno set.
 */
static int
readers(struct store *s)
{
	if ((s->imgfd = subdir(s, "images", 0)) < 0 || (s->tmpfd = subdir(s, "tmp", 0)) < 0)
		return -1;
	if ((s->cachefd = subdir(s, "cache", 0)) < 0 && errno != ENOENT)
		return -1;
	if ((s->lockfd = openat(s->fd, "lock", O_RDWR | O_CLOEXEC)) < 0 &&
	    (s->lockfd = openat(s->fd, "lock", O_RDONLY | O_CLOEXEC)) < 0 && errno != ENOENT)
		return -1;
	if (s->lockfd >= 0 && faccessat(s->tmpfd, ".", W_OK, AT_EACCESS) == 0 && lock(s) == 0) {
		sweep(s);
		unlock(s);
	}
	return 0;
}

int
store_open(struct store *s, const char *root, int write)
{
	memset(s, 0, sizeof(*s));
	s->fd = s->imgfd = s->tmpfd = s->cachefd = s->lockfd = -1;
	s->root = root;
	if (write && mkdir(root, 0700) < 0 && errno != EEXIST)
		goto fail;
	if ((s->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (!write && errno == ENOENT)
			return 0;
		goto fail;
	}
	if (!write && faccessat(s->fd, "images", F_OK, 0) < 0 && errno == ENOENT)
		return 0;
	if (!write) {
		if (readers(s) < 0)
			goto fail;
		return 0;
	}
	if ((s->imgfd = subdir(s, "images", 1)) < 0 || (s->tmpfd = subdir(s, "tmp", 1)) < 0 ||
	    (s->cachefd = subdir(s, "cache", 1)) < 0)
		goto fail;
	if ((s->lockfd = openat(s->fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		goto fail;
	if (lock(s) < 0)
		goto out;
	sweep(s);
	unlock(s);
	return 0;
fail:
	weprintf("%s: store:", root);
out:
	store_close(s);
	return -1;
}

void
store_close(struct store *s)
{
	int *fds[] = { &s->fd, &s->imgfd, &s->tmpfd, &s->cachefd, &s->lockfd };
	size_t i;

	for (i = 0; i < LEN(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* worktree makes and claims a fresh tmp/NAME.PID.N, its name in buf */
static int
worktree(struct store *s, const char *name, char *buf, size_t len)
{
	static unsigned n;
	int fd = -1;

	if (lock(s) < 0)
		return -1;
	for (;;) {
		snprintf(buf, len, "%s.%ld.%u", name, (long)getpid(), n++);
		if (mkdirat(s->tmpfd, buf, 0700) == 0)
			break;
		if (errno != EEXIST) {
			weprintf("%s/tmp/%s: mkdir:", s->root, buf);
			goto out;
		}
	}
	if ((fd = claim(s, buf)) < 0)
		weprintf("%s/tmp/%s: lock:", s->root, buf);
out:
	unlock(s);
	return fd;
}

/* put appends "key value\n" to buf, escaping '\\' and newlines in value */
static int
put(char *buf, size_t *len, const char *key, const char *val)
{
	size_t n = *len;

	n += snprintf(buf + n, n < METAMAX ? METAMAX - n : 0, "%s ", key);
	for (; *val && n + 3 < METAMAX; val++) {
		if (*val == '\\' || *val == '\n')
			buf[n++] = '\\';
		buf[n++] = *val == '\n' ? 'n' : *val;
	}
	if (*val || n + 2 >= METAMAX)
		return errno = E2BIG, -1;
	buf[n++] = '\n';
	*len = n;
	return 0;
}

/* the metadata's lists, a "key value" line an element */
static const char *listkey[] = { "entrypoint", "cmd", "env", "label", "expose" };

static char ***
listof(struct meta *m, size_t i)
{
	char ***l[] = { &m->entrypoint, &m->cmd, &m->env, &m->label, &m->expose };

	return l[i];
}

static int
putlist(char *buf, size_t *len, const char *key, char **v)
{
	for (; v && *v; v++)
		if (put(buf, len, key, *v) < 0)
			return -1;
	return 0;
}

/* fmtmeta writes m's lines into buf, METAMAX bytes, their length in *n */
static int
fmtmeta(char *buf, size_t *len, struct meta *m)
{
	char num[32];
	size_t n = 0, i;

	snprintf(num, sizeof(num), "%lld", (long long)m->created);
	if ((*m->ref && put(buf, &n, "ref", m->ref) < 0) || put(buf, &n, "source", m->source) < 0 || put(buf, &n, "digest", m->digest) < 0 ||
	    put(buf, &n, "created", num) < 0)
		return -1;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)m->size);
	if (put(buf, &n, "size", num) < 0 ||
	    (*m->workdir && put(buf, &n, "workdir", m->workdir) < 0) ||
	    (*m->user && put(buf, &n, "user", m->user) < 0) ||
	    (*m->build && put(buf, &n, "build", m->build) < 0))
		return -1;
	for (i = 0; i < LEN(listkey); i++)
		if (putlist(buf, &n, listkey[i], *listof(m, i)) < 0)
			return -1;
	*len = n;
	return 0;
}

int
store_metaok(struct meta *m)
{
	static char buf[METAMAX];
	size_t n;

	return fmtmeta(buf, &n, m);
}

static int
writemeta(int dirfd, struct meta *m)
{
	char buf[METAMAX];
	size_t n;
	int fd;

	if (fmtmeta(buf, &n, m) < 0)
		return -1;
	if ((fd = openat(dirfd, "meta", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return -1;
	if (writeall(fd, buf, n) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* unescape undoes put's escapes in place */
static void
unescape(char *s)
{
	char *d = s;

	for (; *s; s++)
		*d++ = (*s == '\\' && s[1]) ? (*++s == 'n' ? '\n' : *s) : *s;
	*d = '\0';
}

void
meta_free(struct meta *m)
{
	size_t i;

	for (i = 0; i < LEN(listkey); i++) {
		vfree(*listof(m, i));
		*listof(m, i) = NULL;
	}
}

/* readmeta reads the metadata of dirfd/name: 0, or -1 with errno set */
static int
readmeta(int dirfd, const char *name, struct meta *m)
{
	char buf[METAMAX], path[NAMEMAX + 8], *line, *val, *save;
	ssize_t n;
	size_t i;
	int fd;

	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(path, sizeof(path), "%s/meta", name);
	if ((fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	/* a meta past its cap is a broken image, not a shorter one */
	n = readcap(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!(val = strchr(line, ' ')))
			continue;
		*val++ = '\0';
		unescape(val);
		if (!strcmp(line, "ref") && strlen(val) >= sizeof(m->ref)) {
			/* no writer makes one: a broken image, not a shorter name */
			meta_free(m);
			return errno = EINVAL, -1;
		}
		if (!strcmp(line, "ref"))
			snprintf(m->ref, sizeof(m->ref), "%s", val);
		else if (!strcmp(line, "source"))
			snprintf(m->source, sizeof(m->source), "%s", val);
		else if (!strcmp(line, "digest"))
			snprintf(m->digest, sizeof(m->digest), "%s", val);
		else if (!strcmp(line, "workdir"))
			snprintf(m->workdir, sizeof(m->workdir), "%s", val);
		else if (!strcmp(line, "user"))
			snprintf(m->user, sizeof(m->user), "%s", val);
		else if (!strcmp(line, "build"))
			snprintf(m->build, sizeof(m->build), "%s", val);
		else if (!strcmp(line, "created"))
			m->created = strtoll(val, NULL, 10);
		else if (!strcmp(line, "size"))
			m->size = strtoull(val, NULL, 10);
		else
			for (i = 0; i < LEN(listkey); i++)
				if (!strcmp(line, listkey[i]))
					vpush(listof(m, i), val);
	}
	return 0;
}

int
store_has(struct store *s, const char *name)
{
	return s->imgfd >= 0 && faccessat(s->imgfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int
store_meta(struct store *s, const char *name, struct meta *m)
{
	return readmeta(s->imgfd, name, m);
}

/*
 * commit renames the work tree into dir/name (dirfd: images/ or cache/),
 * swapping out a tree of that name and removing it after.  Kernels without
 * renameat2 get two renames: a reader may then find the name missing for a
 * moment.
 */
static int
commit(struct store *s, int wfd, const char *work, int dirfd, const char *dir,
       const char *name)
{
	char old[NAMEMAX + 40];
	int r, swapped = 0, ofd = -1;

	/* the tree must be on disk before its name is */
	if (syncfs(wfd) < 0) {
		weprintf("%s/tmp/%s: syncfs:", s->root, work);
		return -1;
	}
	if (lock(s) < 0)
		return -1;
	r = sys_renameat2(s->tmpfd, work, dirfd, name, RENAME_NOREPLACE);
	if (r < 0 && errno == EEXIST) {
		r = sys_renameat2(s->tmpfd, work, dirfd, name, RENAME_EXCHANGE);
		swapped = r == 0;
	}
	if (r < 0 && (errno == ENOSYS || errno == EINVAL)) {
		snprintf(old, sizeof(old), "%s.old", work);
		if ((r = renameat(dirfd, name, s->tmpfd, old)) == 0 || errno == ENOENT)
			r = renameat(s->tmpfd, work, dirfd, name);
		work = old;
		swapped = 1;
	}
	if (r < 0)
		weprintf("%s/%s/%s: rename:", s->root, dir, name);
	/* out of tmp/, the tree needs no lock; a later writer swapping it
	 * out must be able to claim it */
	if (r == 0)
		(void)flock(wfd, LOCK_UN);
	if (r == 0 && swapped)
		ofd = claim(s, work);
	unlock(s);
	if (ofd >= 0) {
		if (rmtree(s->tmpfd, work) < 0 && errno != ENOENT)
			weprintf("%s/tmp/%s: remove:", s->root, work);
		close(ofd);
	}
	if (r == 0 && fsync(dirfd) < 0)
		weprintf("%s/%s: fsync:", s->root, dir);
	return r;
}

/* drop removes a work tree */
static void
drop(struct store *s, const char *work)
{
	if (rmtree(s->tmpfd, work) < 0 && errno != ENOENT)
		weprintf("%s/tmp/%s: remove:", s->root, work);
}

int
store_begin(struct store *s, const char *name, struct work *w)
{
	w->rootfd = -1;
	if ((w->fd = worktree(s, name, w->name, sizeof(w->name))) < 0)
		return -1;
	if (mkdirat(w->fd, "rootfs", 0755) < 0 ||
	    (w->rootfd = openat(w->fd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		weprintf("%s/tmp/%s/rootfs:", s->root, w->name);
		store_abort(s, w);
		return -1;
	}
	return 0;
}

void
store_abort(struct store *s, struct work *w)
{
	if (w->rootfd >= 0)
		close(w->rootfd);
	if (w->fd >= 0) {
		drop(s, w->name);
		close(w->fd);
	}
	w->fd = w->rootfd = -1;
}

/* finish writes m into w and commits it as dir/name */
static int
finish(struct store *s, struct work *w, int dirfd, const char *dir, const char *name,
       struct meta *m)
{
	if (!m->created)
		m->created = time(NULL);
	if (writemeta(w->fd, m) < 0) {
		weprintf("%s/tmp/%s/meta:", s->root, w->name);
		store_abort(s, w);
		return -1;
	}
	if (commit(s, w->fd, w->name, dirfd, dir, name) < 0) {
		store_abort(s, w);
		return -1;
	}
	close(w->rootfd);
	close(w->fd);
	w->fd = w->rootfd = -1;
	return 0;
}

int
store_commit(struct store *s, struct work *w, const char *name, struct meta *m)
{
	return finish(s, w, s->imgfd, "images", name, m);
}

int
store_commitstep(struct store *s, struct work *w, const char *hex, struct meta *m)
{
	return finish(s, w, s->cachefd, "cache", hex, m);
}

/* blobdir opens blobs/sha256, creating it with create */
static int
blobdir(struct store *s, int create)
{
	int fd, bfd;

	if ((fd = subdir(s, "blobs", create)) < 0)
		return -1;
	if (create && mkdirat(fd, "sha256", 0700) < 0 && errno != EEXIST) {
		close(fd);
		return -1;
	}
	bfd = openat(fd, "sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(fd);
	return bfd;
}

/*
 * The blob cache is by digest, and a digest proves what a file is only to
 * whoever already knows the file: a Piecefile could name the digest of a
 * tarball this machine fetched from a private server (FROM_URL
 * https://anywhere sha256:HEX) and get its contents into its build, for a
 * RUN step to send away.  So a blob serves store_cached only for the URL
 * it came from, recorded beside it as HEX.src; any other URL is fetched,
 * and must bring the same bytes itself.
 */
static void
keepsrc(struct store *s, struct work *w, const char *hex, const char *src)
{
	char name[80];
	int fd, bfd;

	snprintf(name, sizeof(name), "%s.src", hex);
	if ((fd = openat(w->fd, "src", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return;
	if (writeall(fd, src, strlen(src)) < 0 || close(fd) < 0 ||
	    (bfd = blobdir(s, 0)) < 0) {
		(void)unlinkat(w->fd, "src", 0);
		return;
	}
	if (renameat(w->fd, "src", bfd, name) < 0)
		(void)unlinkat(w->fd, "src", 0);
	close(bfd);
}

/* samesrc says whether blob hex was fetched from src */
static int
samesrc(struct store *s, const char *hex, const char *src)
{
	char name[80], buf[PATHMAX];
	ssize_t n = -1;
	int fd, bfd;

	snprintf(name, sizeof(name), "%s.src", hex);
	if ((bfd = blobdir(s, 0)) < 0)
		return 0;
	if ((fd = openat(bfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) >= 0) {
		n = readcap(fd, buf, sizeof(buf));
		close(fd);
	}
	close(bfd);
	return n >= 0 && !strcmp(buf, src);
}

int
store_unpack(struct store *s, struct work *w, struct reader in, const char *source,
             const char *want, int keep, struct meta *m)
{
	char hex[65];
	struct hashin h = { 0 };
	struct gz *g;
	int i, ret = -1;

	h.copy = -1;
	h.name = "blob";
	if (keep && (h.copy = openat(w->fd, "blob", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) < 0) {
		weprintf("%s/tmp/%s/blob:", s->root, w->name);
		return -1;
	}
	h.in = in;
	sha256_init(&h.sha);
	if (!(g = gz_open((struct reader){ hash_read, &h })) ||
	    tar_extract(w->rootfd, (struct reader){ gz_reader, g }, 0, &m->size) < 0)
		goto out;
	sha256_hex(&h.sha, hex);
	if (want && strcmp(want + 7, hex)) {
		weprintf("%s: sha256 mismatch: got sha256:%s, want %s", source, hex, want);
		goto out;
	}
	/* an image archive unpacked is no root file system (no /bin/sh):
	 * its image is in its layers, which load applies */
	if ((i = arc_kind(w->rootfd))) {
		weprintf("%s: %s: use pieces load", source, i == ARC_DOCKER ?
		         "a docker save archive" : "an OCI image layout");
		goto out;
	}
	snprintf(m->digest, sizeof(m->digest), "sha256:%s", hex);
	snprintf(m->source, sizeof(m->source), "%s", source);
	if (h.copy >= 0) {
		i = close(h.copy);
		h.copy = -1;
		if (i < 0) {
			weprintf("%s/tmp/%s/blob:", s->root, w->name);
			goto out;
		}
		if (store_keep(s, w, "blob", hex) == 0)
			keepsrc(s, w, hex, source);
	}
	ret = 0;
out:
	gz_close(g);
	if (h.copy >= 0)
		close(h.copy);
	return ret;
}

/*
 * use opens the tree dir/name for use, reading its metadata into m: its
 * fd, or -1 with errno set (reported unless ENOENT)
 */
static int
use(struct store *s, int dirfd, const char *dir, const char *name, struct meta *m)
{
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno != ENOENT)
			weprintf("%s/%s/%s:", s->root, dir, name);
		return -1;
	}
	/* a shared lock: an import swapping this tree out leaves the old
	 * one in tmp/ until the last user is gone (claim fails) */
	while (flock(fd, LOCK_SH) < 0)
		if (errno != EINTR) {
			weprintf("%s/%s/%s: flock:", s->root, dir, name);
			goto fail;
		}
	if (readmeta(dirfd, name, m) < 0) {
		weprintf("%s/%s/%s/meta:", s->root, dir, name);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	errno = EIO;
	return -1;
}

int
store_image(struct store *s, const char *name, struct meta *m)
{
	int fd = -1;

	if (store_name(name) < 0)
		return -1;
	errno = ENOENT;
	if ((s->imgfd < 0 || (fd = use(s, s->imgfd, "images", name, m)) < 0) &&
	    errno == ENOENT)
		weprintf("%s: no such image", name);
	return fd;
}

int
store_step(struct store *s, const char *hex, struct meta *m)
{
	if (s->cachefd < 0)
		return errno = ENOENT, -1;
	return use(s, s->cachefd, "cache", hex, m);
}

/* tree fills t with the path root/sub/name[/leaf] and what fd's leaf is */
static int
tree(const char *root, const char *sub, const char *name, int fd, const char *leaf,
     struct tree *t)
{
	struct stat st;

	if ((size_t)snprintf(t->path, sizeof(t->path), "%s/%s/%s%s%s", root, sub, name,
	    leaf ? "/" : "", leaf ? leaf : "") >= sizeof(t->path)) {
		weprintf("%s/%s/%s: path longer than PATHMAX", root, sub, name);
		return -1;
	}
	if (fstatat(fd, leaf ? leaf : "", &st, leaf ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH) < 0) {
		weprintf("%s:", t->path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		weprintf("%s: not a directory", t->path);
		return -1;
	}
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	return 0;
}

int
store_rootfs(struct store *s, const char *sub, const char *name, int fd,
             const struct work *w, struct rootfs *fs)
{
	if (tree(s->root, sub, name, fd, "rootfs", &fs->lower) < 0 ||
	    (w && tree(s->root, "tmp", w->name, w->fd, NULL, &fs->upper) < 0))
		return -1;
	if (!w)
		fs->upper.path[0] = '\0';
	/* tmp/ is the store's own: the scratch tmpfs hides only what
	 * a dead run left there, in the container's mount namespace */
	snprintf(fs->scratch, sizeof(fs->scratch), "%s/tmp", s->root);
	return 0;
}

int
store_ref(struct meta *m, const char *ref)
{
	if (strlen(ref) >= sizeof(m->ref)) {
		weprintf("%.32s...: name longer than REFMAX (%d)", ref, REFMAX - 1);
		return -1;
	}
	memcpy(m->ref, ref, strlen(ref) + 1);
	return 0;
}

int
store_import(struct store *s, const char *name, struct reader in,
             const char *source, const char *want, const char *ref)
{
	struct meta m = { 0 };
	struct work w;

	if (ref && store_ref(&m, ref) < 0)
		return -1;
	if (store_begin(s, name, &w) < 0)
		return -1;
	if (store_unpack(s, &w, in, source, want, 0, &m) < 0) {
		store_abort(s, &w);
		return -1;
	}
	return store_commit(s, &w, name, &m);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
store_names(struct store *s, char ***names)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	*names = NULL;
	if (s->imgfd < 0)
		return 0;
	if (!(d = list(s, s->imgfd, "images")))
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		vpush(names, de->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(*names, n, sizeof(**names), cmpstr);
	return 0;
}

/*
 * discard moves dirfd/name into tmp/ and removes it there, unless a user's
 * shared lock keeps it for a later sweep: 0, or -1 with errno set
 */
static int
discard(struct store *s, int dirfd, const char *name)
{
	char work[NAMEMAX + 80];
	static unsigned n;
	int r, fd = -1;

	if (lock(s) < 0)
		return -1;
	snprintf(work, sizeof(work), "%s.rm.%ld.%u", name, (long)getpid(), n++);
	if ((r = renameat(dirfd, name, s->tmpfd, work)) == 0)
		fd = claim(s, work);
	unlock(s);
	if (fd >= 0 && rmtree(s->tmpfd, work) < 0 && errno != ENOENT)
		weprintf("%s/tmp/%s: remove:", s->root, work);
	if (fd >= 0)
		close(fd);
	return r;
}

int
store_remove(struct store *s, const char *name)
{
	if (store_name(name) < 0)
		return -1;
	if (discard(s, s->imgfd, name) < 0) {
		weprintf(errno == ENOENT ? "%s: no such image" : "%s: remove:", name);
		return -1;
	}
	return 0;
}

int
store_prune(struct store *s)
{
	struct dirent *de;
	DIR *d;
	int n = 0, ret = 0;

	if (!(d = list(s, s->cachefd, "cache")))
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (discard(s, s->cachefd, de->d_name) == 0)
			n++;
		else if (errno != ENOENT) {
			weprintf("%s/cache/%s: remove:", s->root, de->d_name);
			ret = -1;
		}
	}
	closedir(d);
	printf("removed %d build step%s\n", n, n == 1 ? "" : "s");
	return ret;
}

int
store_blob(struct store *s, const char *hex)
{
	int bfd, fd;

	if ((bfd = blobdir(s, 0)) < 0)
		return -1;
	fd = openat(bfd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(bfd);
	return fd;
}

/* a blob that cannot be kept costs only a download next time: a warning */
int
store_keep(struct store *s, struct work *w, const char *file, const char *hex)
{
	int bfd = blobdir(s, 1), r = -1;

	if (bfd < 0 || (r = renameat(w->fd, file, bfd, hex)) < 0) {
		weprintf("%s/blobs/sha256/%s: not cached:", s->root, hex);
		(void)unlinkat(w->fd, file, 0);
	}
	if (bfd >= 0)
		close(bfd);
	return r;
}

int
store_cached(struct store *s, struct work *w, const char *want, const char *src,
             struct meta *m)
{
	char blob[PATHMAX];
	struct fdin in = { -1, blob };
	int bfd, r;

	if (!samesrc(s, want + 7, src) || (in.fd = store_blob(s, want + 7)) < 0)
		return 1;
	snprintf(blob, sizeof(blob), "%s/blobs/sha256/%s", s->root, want + 7);
	r = store_unpack(s, w, (struct reader){ fd_read, &in }, src, want, 0, m);
	close(in.fd);
	/* a cached blob that fails its digest is dropped, not kept */
	if (r < 0 && (bfd = blobdir(s, 0)) >= 0) {
		if (unlinkat(bfd, want + 7, 0) == 0)
			weprintf("%s: removed from the cache", blob);
		close(bfd);
	}
	return r;
}
