/* See LICENSE file for copyright and license details. */
/*
 * Streaming tar extraction, and below it the writer of the same format
 * (see "Writing").  Extraction: ustar, old GNU and v7 headers, GNU L/K long
 * names, pax x and g headers, base-256 numbers; regular files, directories,
 * symlinks, hardlinks, devices and FIFOs with modes, numeric owners, mtimes
 * and xattrs.  Memory is constant but for the list of directories whose
 * times are set at the end and, in layer mode, the set of paths the layer
 * made.
 *
 * Every byte is hostile.  Member names are cleaned lexically (".", "" and
 * leading "/" dropped) and a ".." that would climb above the root refuses
 * the archive.  What remains is split into a parent, opened through the
 * in-root resolver (root.c), and a leaf that is created with *at() calls
 * relative to that fd, never following a symlink at the leaf: a symlink
 * member "a -> /etc" followed by "a/passwd" writes ROOT/etc/passwd.  An
 * entry already at the leaf is removed first (a directory recursively), and
 * the new one is made with O_EXCL.  Hardlink targets go through the same
 * resolver and linkat() does not follow a symlink target, so no link can
 * reach a file outside the root.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pieces.h"

#define BLOCK		512
#define BUFSZ		(128 << 10)	/* file data per read and write */
#define XATTRMAX	64		/* xattrs on one member */
#define XHDRMAX		8		/* pax headers before one member */
#define WHITEOUT	".wh."
#define OPAQUE		".wh..wh..opq"

struct hdr {
	char name[100], mode[8], uid[8], gid[8], size[12], mtime[12];
	char chksum[8], type, link[100], magic[6], version[2];
	char uname[32], gname[32], major[8], minor[8], prefix[155], pad[12];
};

/* what pax records and GNU long-name members say about the next member */
struct over {
	int name, link, size, uid, gid, mtime;
	char namebuf[PATHMAX], linkbuf[PATHMAX];
	uint64_t sizev;
	long long uidv, gidv;
	struct timespec mtimev;
	int nx;
	const char *xname[XATTRMAX];
	const char *xval[XATTRMAX];
	size_t xlen[XATTRMAX];
};

struct entry {
	char path[PATHMAX];		/* cleaned, relative to the root */
	char link[PATHMAX];		/* as stored: symlinks keep theirs */
	char type;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t size;
	struct timespec mtime;
	dev_t dev;
	const struct over *x;
};

/* a set of paths: directories waiting for their times, a layer's paths */
struct paths {
	char *arena;
	size_t used, cap, n, max;
	size_t *off;			/* start of each path in arena */
	struct timespec *times;		/* for directories */
	size_t *slot, nslot;		/* hash of n+1, 0 empty */
};

struct tar {
	struct reader in;
	int rootfd, flags;
	uint64_t off, hoff;		/* stream offset; of this member's header */
	uint64_t bytes;
	struct over x, g;		/* next member's overrides; global ones */
	char *pax[XHDRMAX], *gpax;	/* the next member's xattrs point in pax */
	int npax;
	struct paths dirs, made;
	unsigned char *buf;
	int warnedx;
};

static int
terr(struct tar *t, const char *name, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fmt[strlen(fmt) - 1] == ':')
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " %s",
		         strerror(saved));
	if (name)
		weprintf("tar: %s at offset %llu: %s", name,
		         (unsigned long long)t->hoff, msg);
	else
		weprintf("tar: header at offset %llu: %s",
		         (unsigned long long)t->hoff, msg);
	errno = saved;
	return -1;
}

/* readn reads exactly n bytes; -1 on error or end of input (reported) */
static int
readn(struct tar *t, const char *name, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if ((r = t->in.read(t->in.arg, (char *)buf + got, n - got)) < 0)
			return -1;
		if (r == 0)
			return terr(t, name ? name : "member", "truncated: input ends at offset %llu",
			            (unsigned long long)(t->off + got));
		got += r;
	}
	t->off += n;
	return 0;
}

/* pad reads the padding after n bytes of data */
static int
pad(struct tar *t, const char *name, uint64_t n)
{
	return readn(t, name, t->buf, (BLOCK - n % BLOCK) % BLOCK);
}

/* skip reads and drops n bytes of data and the padding to a block */
static int
skip(struct tar *t, const char *name, uint64_t n)
{
	size_t k;

	n += (BLOCK - n % BLOCK) % BLOCK;
	for (; n > 0; n -= k) {
		k = MIN(n, BUFSZ);
		if (readn(t, name, t->buf, k) < 0)
			return -1;
	}
	return 0;
}

/* octal or base-256 number of a header field; -1 if malformed */
static int
num(const char *f, size_t len, uint64_t max, uint64_t *v)
{
	const unsigned char *p = (const unsigned char *)f;
	size_t i = 0;

	*v = 0;
	if (p[0] & 0x80) {
		/* base-256: 0x80 then a big-endian number; 0xff is negative */
		if (p[0] != 0x80)
			return -1;
		for (i = 1; i < len; i++) {
			if (*v > (max >> 8))
				return -1;
			*v = *v << 8 | p[i];
		}
		return *v > max ? -1 : 0;
	}
	while (i < len && p[i] == ' ')
		i++;
	for (; i < len && p[i] >= '0' && p[i] <= '7'; i++) {
		if (*v > (max >> 3))
			return -1;
		*v = *v << 3 | (p[i] - '0');
	}
	if (*v > max)
		return -1;
	for (; i < len; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return -1;
	return 0;
}

static int
chksum(const unsigned char *b)
{
	unsigned long u = 0, want;
	long s = 0;
	uint64_t v;
	size_t i;

	if (num((const char *)b + 148, 8, ULONG_MAX, &v) < 0)
		return -1;
	want = v;
	for (i = 0; i < BLOCK; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : b[i];
		u += c;
		s += (signed char)c;
	}
	/* historic writers summed signed chars */
	return (u == want || (unsigned long)s == want) ? 0 : -1;
}

/*
 * cleanpath makes a member name a path relative to the root: "" and "."
 * components and leading slashes go, ".." pops a component.  It returns -1
 * if ".." would climb above the root or the name is too long.
 */
static int
cleanpath(const char *name, char *out)
{
	const char *c, *e;
	size_t len = 0, n;

	for (c = name; *c; c = e) {
		while (*c == '/')
			c++;
		for (e = c; *e && *e != '/'; e++)
			;
		n = e - c;
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (len == 0)
				return -1;
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		if (n >= LEAFMAX || len + n + 2 > PATHMAX)
			return -1;
		if (len)
			out[len++] = '/';
		memcpy(out + len, c, n);
		len += n;
	}
	out[len] = '\0';
	return 0;
}

static uint64_t
hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t *
lookup(struct paths *p, const char *s)
{
	size_t i = hash(s) & (p->nslot - 1);

	for (; p->slot[i]; i = (i + 1) & (p->nslot - 1))
		if (!strcmp(p->arena + p->off[p->slot[i] - 1], s))
			break;
	return &p->slot[i];
}

/* paths_add adds s (and its time, for directories); -1 past the cap */
static int
paths_add(struct paths *p, const char *s, const struct timespec *ts, int hashed)
{
	size_t len = strlen(s) + 1, i, *sl;

	if (hashed && p->nslot && *lookup(p, s))
		return 0;
	if (p->n == p->max)
		return -1;
	if (p->used + len > p->cap) {
		p->cap = MAX(p->cap * 2, p->used + len + 4096);
		p->arena = erealloc(p->arena, p->cap);
	}
	if (p->n % 1024 == 0) {
		p->off = erealloc(p->off, (p->n + 1024) * sizeof(*p->off));
		if (ts)
			p->times = erealloc(p->times, (p->n + 1024) * sizeof(*p->times));
	}
	memcpy(p->arena + p->used, s, len);
	p->off[p->n] = p->used;
	if (ts)
		p->times[p->n] = *ts;
	p->used += len;
	p->n++;
	if (!hashed)
		return 0;
	if (2 * p->n > p->nslot) {
		free(p->slot);
		p->nslot = p->nslot ? 2 * p->nslot : 1024;
		p->slot = ecalloc(p->nslot, sizeof(*p->slot));
		for (i = 0; i < p->n; i++)
			*lookup(p, p->arena + p->off[i]) = i + 1;
	} else {
		sl = lookup(p, s);
		*sl = p->n;
	}
	return 0;
}

static int
paths_has(struct paths *p, const char *s)
{
	return p->nslot && *lookup(p, s);
}

static void
paths_free(struct paths *p)
{
	free(p->arena);
	free(p->off);
	free(p->times);
	free(p->slot);
}

/* dec parses a pax decimal; -1 if malformed or above max */
static int
dec(const char *s, uint64_t max, uint64_t *v)
{
	*v = 0;
	if (!*s)
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (*v > (max - (*s - '0')) / 10)
			return -1;
		*v = *v * 10 + (*s - '0');
	}
	return *s ? -1 : 0;
}

/* pax time: [-]seconds[.fraction] */
static int
paxtime(const char *s, struct timespec *ts)
{
	char secs[32];
	const char *dot = strchr(s, '.');
	size_t n = dot ? (size_t)(dot - s) : strlen(s);
	uint64_t v;
	int neg = *s == '-', i;

	if (n - neg >= sizeof(secs) || n <= (size_t)neg)
		return -1;
	memcpy(secs, s + neg, n - neg);
	secs[n - neg] = '\0';
	if (dec(secs, INT64_MAX, &v) < 0)
		return -1;
	ts->tv_sec = neg ? -(int64_t)v : (int64_t)v;
	ts->tv_nsec = 0;
	if (dot)
		for (i = 0, s = dot + 1; *s; s++, i++) {
			if (*s < '0' || *s > '9')
				return -1;
			if (i < 9)
				ts->tv_nsec = ts->tv_nsec * 10 + (*s - '0');
		}
	for (i = dot ? (int)strlen(dot + 1) : 0; i < 9; i++)
		ts->tv_nsec *= 10;
	if (neg)
		ts->tv_nsec = 0;
	return 0;
}

static int
paxstr(struct tar *t, const char *k, const char *v, size_t vlen, char *dst)
{
	if (strlen(v) != vlen)
		return terr(t, NULL, "pax %s holds a NUL byte", k);
	if (vlen >= PATHMAX)
		return terr(t, NULL, "pax %s longer than %d bytes", k, PATHMAX - 1);
	memcpy(dst, v, vlen + 1);
	return 0;
}

/* paxrec applies one pax record to o; global records set only owners and
 * times: a global path, size or xattr for every member makes no sense */
static int
paxrec(struct tar *t, struct over *o, const char *k, const char *v, size_t vlen,
       int global)
{
	uint64_t n;

	if (!strncmp(k, "GNU.sparse.", 11))
		return terr(t, NULL, "GNU sparse files are not supported");
	if (!strcmp(k, "path") && !global)
		return o->name = 1, paxstr(t, k, v, vlen, o->namebuf);
	if (!strcmp(k, "linkpath") && !global)
		return o->link = 1, paxstr(t, k, v, vlen, o->linkbuf);
	if ((!strcmp(k, "size") && !global) || !strcmp(k, "uid") || !strcmp(k, "gid")) {
		if (dec(v, k[0] == 's' ? INT64_MAX : UINT32_MAX - 1, &n) < 0)
			return terr(t, NULL, "bad pax %s '%.32s'", k, v);
		if (k[0] == 's')
			o->size = 1, o->sizev = n;
		else if (k[0] == 'u')
			o->uid = 1, o->uidv = n;
		else
			o->gid = 1, o->gidv = n;
		return 0;
	}
	if (!strcmp(k, "mtime")) {
		if (paxtime(v, &o->mtimev) < 0)
			return terr(t, NULL, "bad pax mtime '%.32s'", v);
		o->mtime = 1;
		return 0;
	}
	if (!strncmp(k, "SCHILY.xattr.", 13) && !global) {
		if (o->nx == XATTRMAX)
			return terr(t, NULL, "more than %d xattrs", XATTRMAX);
		o->xname[o->nx] = k + 13;
		o->xval[o->nx] = v;
		o->xlen[o->nx++] = vlen;
	}
	return 0;
}

/* pax parses the records "LEN KEY=VALUE\n" of a pax header in buf */
static int
pax(struct tar *t, struct over *o, char *buf, size_t len, int global)
{
	char *p = buf, *end = buf + len, *q, *k, *v;
	size_t n;

	while (p < end && *p) {
		for (n = 0, q = p; q < end && *q >= '0' && *q <= '9'; q++)
			if ((n = n * 10 + (*q - '0')) > len)
				break;
		if (q == p || q >= end || *q != ' ' || n > (size_t)(end - p) ||
		    n < (size_t)(q - p) + 3 || p[n - 1] != '\n')
			return terr(t, NULL, "bad pax record at byte %zu", (size_t)(p - buf));
		k = q + 1;
		if (!(v = memchr(k, '=', p + n - 1 - k)) || v == k)
			return terr(t, NULL, "bad pax record at byte %zu", (size_t)(p - buf));
		*v++ = '\0';
		p[n - 1] = '\0';
		if (paxrec(t, o, k, v, p + n - 1 - v, global) < 0)
			return -1;
		p += n;
	}
	for (; p < end; p++)
		if (*p)
			return terr(t, NULL, "bad pax record at byte %zu", (size_t)(p - buf));
	return 0;
}

/* metadata reads the data of a pax or GNU long-name member into a buffer */
static int
metadata(struct tar *t, uint64_t size, uint64_t max, char **buf)
{
	if (size > max)
		return terr(t, NULL, "extended header of %llu bytes exceeds %llu",
		            (unsigned long long)size, (unsigned long long)max);
	free(*buf);
	*buf = emalloc(size + 1);
	if (readn(t, NULL, *buf, size) < 0 || pad(t, NULL, size) < 0)
		return -1;
	(*buf)[size] = '\0';
	return 0;
}

/* parse fills e from header h and the overrides gathered before it */
static int
parse(struct tar *t, const struct hdr *h, struct entry *e)
{
	char raw[PATHMAX];
	const struct over *x = &t->x, *g = &t->g;
	uint64_t v, maj, min;
	size_t n, pn;
	int gnu = !memcmp(h->magic, "ustar  ", 8);

	if (x->name) {
		memcpy(raw, x->namebuf, strlen(x->namebuf) + 1);
	} else {
		n = strnlen(h->name, sizeof(h->name));
		pn = (!gnu && !memcmp(h->magic, "ustar", 5)) ?
		     strnlen(h->prefix, sizeof(h->prefix)) : 0;
		if (pn) {
			memcpy(raw, h->prefix, pn);
			raw[pn++] = '/';
		}
		memcpy(raw + pn, h->name, n);
		raw[pn + n] = '\0';
	}
	if (x->link) {
		memcpy(e->link, x->linkbuf, strlen(x->linkbuf) + 1);
	} else {
		n = strnlen(h->link, sizeof(h->link));
		memcpy(e->link, h->link, n);
		e->link[n] = '\0';
	}
	if (cleanpath(raw, e->path) < 0)
		return terr(t, raw, "name escapes the root or is too long");
	e->type = h->type == '\0' || h->type == '7' ? '0' : h->type;
	if (e->type == '0' && *raw && raw[strlen(raw) - 1] == '/')
		e->type = '5';
	if (num(h->mode, sizeof(h->mode), 07777777, &v) < 0)
		return terr(t, raw, "bad mode field");
	e->mode = v & 07777;
	if (x->uid || g->uid)
		v = x->uid ? x->uidv : g->uidv;
	else if (num(h->uid, sizeof(h->uid), UINT32_MAX - 1, &v) < 0)
		return terr(t, raw, "bad uid field");
	e->uid = v;
	if (x->gid || g->gid)
		v = x->gid ? x->gidv : g->gidv;
	else if (num(h->gid, sizeof(h->gid), UINT32_MAX - 1, &v) < 0)
		return terr(t, raw, "bad gid field");
	e->gid = v;
	if (x->size)
		v = x->sizev;
	else if (num(h->size, sizeof(h->size), INT64_MAX, &v) < 0)
		return terr(t, raw, "bad size field");
	e->size = v;
	if (x->mtime || g->mtime) {
		e->mtime = x->mtime ? x->mtimev : g->mtimev;
	} else {
		if (num(h->mtime, sizeof(h->mtime), INT64_MAX, &v) < 0)
			return terr(t, raw, "bad mtime field");
		e->mtime.tv_sec = v;
		e->mtime.tv_nsec = 0;
	}
	e->dev = 0;
	if (e->type == '3' || e->type == '4') {
		if (num(h->major, sizeof(h->major), 0xfff, &maj) < 0 ||
		    num(h->minor, sizeof(h->minor), 0xfffff, &min) < 0)
			return terr(t, raw, "bad device number");
		e->dev = makedev(maj, min);
	}
	e->x = x;
	return 0;
}

/* clear removes what is at leaf, but keeps a directory if keepdir: it
 * returns 1 when a directory was kept, 0 when the leaf is free now */
static int
clear(int pfd, const char *leaf, int keepdir)
{
	struct stat st;

	if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode))
		return keepdir ? 1 : rmtree(pfd, leaf);
	return unlinkat(pfd, leaf, 0);
}

static int
xattrs(struct tar *t, struct entry *e, int fd)
{
	int i;

	for (i = 0; i < e->x->nx; i++) {
		if (fd < 0 || fsetxattr(fd, e->x->xname[i], e->x->xval[i],
		    e->x->xlen[i], 0) < 0) {
			if (fd >= 0 && errno != ENOTSUP && errno != EOPNOTSUPP)
				return terr(t, e->path, "set xattr %s:", e->x->xname[i]);
			if (!t->warnedx++)
				weprintf("tar: %s: xattr %s not kept%s", e->path,
				         e->x->xname[i], fd < 0 ? " (not a file or directory)" :
				         ": the file system has no xattrs");
		}
	}
	return 0;
}

/*
 * setmeta gives the new entry its owner, mode, xattrs and time: through
 * fd when there is one, else through pfd and leaf without following a
 * symlink.  Directory times wait for the end, when nothing goes in them.
 */
static int
setmeta(struct tar *t, struct entry *e, int fd, int pfd, const char *leaf)
{
	struct timespec ts[2] = { e->mtime, e->mtime };
	int r;

	r = fd >= 0 ? fchown(fd, e->uid, e->gid) :
	    fchownat(pfd, leaf, e->uid, e->gid, AT_SYMLINK_NOFOLLOW);
	if (r < 0 && (errno != EPERM || geteuid() == 0))
		return terr(t, e->path, "chown:");
	/* after chown, which clears setuid and setgid */
	if (e->type != '2' && (fd >= 0 ? fchmod(fd, e->mode) :
	    fchmodat(pfd, leaf, e->mode, 0)) < 0)
		return terr(t, e->path, "chmod:");
	if (xattrs(t, e, fd) < 0)
		return -1;
	if (e->type == '5')
		return paths_add(&t->dirs, e->path, &e->mtime, 0) < 0 ?
		       terr(t, e->path, "more than %d directories", DIRMAX) : 0;
	if ((fd >= 0 ? futimens(fd, ts) :
	    utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW)) < 0)
		return terr(t, e->path, "set times:");
	return 0;
}

static int
mkfile(struct tar *t, struct entry *e, int pfd, const char *leaf)
{
	uint64_t left;
	size_t k;
	int fd;

	fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	            0600);
	if (fd < 0)
		return terr(t, e->path, "create:");
	for (left = e->size; left > 0; left -= k) {
		k = MIN(left, BUFSZ);
		if (readn(t, e->path, t->buf, k) < 0)
			goto fail;
		if (writeall(fd, t->buf, k) < 0) {
			terr(t, e->path, "write:");
			goto fail;
		}
	}
	t->bytes += e->size;
	if (pad(t, e->path, e->size) < 0 || setmeta(t, e, fd, pfd, leaf) < 0)
		goto fail;
	if (close(fd) < 0)
		return terr(t, e->path, "close:");
	return 0;
fail:
	close(fd);
	return -1;
}

static int
mkdirent(struct tar *t, struct entry *e, int pfd, const char *leaf)
{
	int fd, r;

	if ((r = clear(pfd, leaf, 1)) < 0)
		return terr(t, e->path, "remove what was there:");
	if (r == 0 && mkdirat(pfd, leaf, 0700) < 0)
		return terr(t, e->path, "mkdir:");
	if ((fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return terr(t, e->path, "open:");
	r = setmeta(t, e, fd, pfd, leaf);
	close(fd);
	return r < 0 ? -1 : skip(t, e->path, e->size);
}

static int
mklink(struct tar *t, struct entry *e, int pfd, const char *leaf)
{
	char target[PATHMAX], tleaf[LEAFMAX];
	int tfd, r;

	if (cleanpath(e->link, target) < 0)
		return terr(t, e->path, "hardlink target '%s' escapes the root", e->link);
	if (!strcmp(target, e->path))
		return skip(t, e->path, e->size);
	if ((tfd = root_parent(t->rootfd, target, tleaf)) < 0)
		return terr(t, e->path, "hardlink target '%s':", e->link);
	r = linkat(tfd, tleaf, pfd, leaf, 0);
	close(tfd);
	if (r < 0)
		return terr(t, e->path, "hardlink to '%s':", e->link);
	return skip(t, e->path, e->size);
}

static void
dirname_of(const char *path, char *dir)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	memcpy(dir, path, n);
	dir[n] = '\0';
}

/* parent opens the directory e goes in, making missing ones */
static int
parent(struct tar *t, struct entry *e, char *leaf)
{
	char dir[PATHMAX];
	int fd;

	if ((fd = root_parent(t->rootfd, e->path, leaf)) < 0 && errno == ENOENT) {
		dirname_of(e->path, dir);
		if (root_mkdirs(t->rootfd, dir) < 0)
			return terr(t, e->path, "make parent directories:");
		fd = root_parent(t->rootfd, e->path, leaf);
	}
	return fd < 0 ? terr(t, e->path, "open parent directory:") : fd;
}

/* layermade: whether this layer made dir/name */
static int
layermade(struct tar *t, const char *dir, const char *name)
{
	char path[PATHMAX];

	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "",
	    name) >= sizeof(path))
		return 0;
	return paths_has(&t->made, path);
}

/*
 * hide empties the directory fd (path, len bytes of a PATHMAX buffer) of
 * what lower layers put there: all but the paths this layer made, and
 * below a directory this layer made (relisted over a lower one), the same
 * again.  One path buffer serves every level, so a deep tree costs an fd
 * a level (EMFILE ends it), not a stack frame of PATHMAX bytes.
 */
static int
hide(struct tar *t, struct entry *e, int fd, char *path, size_t len)
{
	struct dirent *de;
	struct stat st;
	size_t n;
	DIR *d;
	int sub, r = 0;

	if (!(d = fdopendir(fd)))
		eprintf("fdopendir:");
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n = snprintf(path + len, PATHMAX - len, "%s%s", len ? "/" : "", de->d_name);
		if (len + n >= PATHMAX || !paths_has(&t->made, path)) {
			if (rmtree(dirfd(d), de->d_name) < 0 && errno != ENOENT)
				r = terr(t, e->path, "remove %s:", de->d_name);
		} else if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			if ((sub = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				r = terr(t, e->path, "open %s:", de->d_name);
			else
				r = hide(t, e, sub, path, len + n);
		}
		path[len] = '\0';
	}
	closedir(d);
	return r;
}

/*
 * whiteout applies an OCI whiteout in layer mode: ".wh.NAME" removes NAME,
 * ".wh..wh..opq" what is in its directory; neither touches a path this
 * layer made, since a whiteout hides only what lower layers hold.  Other
 * ".wh..wh." names are aufs bookkeeping, and dropped.
 */
static int
whiteout(struct tar *t, struct entry *e, const char *base)
{
	char dir[PATHMAX];
	const char *name = base + strlen(WHITEOUT);
	int fd, r = 0, opaque = !strcmp(base, OPAQUE);

	if (!*name || (!opaque && !strncmp(name, WHITEOUT, strlen(WHITEOUT))))
		return skip(t, e->path, e->size);
	/* ".wh.." and ".wh..." would name the directory or its parent: the
	 * root's parent, for a whiteout at the top */
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return terr(t, e->path, "whiteout of '%s'", name);
	dirname_of(e->path, dir);
	if (!opaque && layermade(t, dir, name))
		return skip(t, e->path, e->size);
	if ((fd = root_open(t->rootfd, dir, O_RDONLY | O_DIRECTORY)) < 0)
		return errno == ENOENT ? skip(t, e->path, e->size) :
		       terr(t, e->path, "open:");
	if (opaque) {
		r = hide(t, e, fd, dir, strlen(dir));
	} else {
		if (rmtree(fd, name) < 0 && errno != ENOENT)
			r = terr(t, e->path, "remove %s:", name);
		close(fd);
	}
	return r < 0 ? -1 : skip(t, e->path, e->size);
}

static int
mkother(struct tar *t, struct entry *e, int pfd, const char *leaf)
{
	mode_t fmt;

	switch (e->type) {
	case '2':
		if (symlinkat(e->link, pfd, leaf) < 0)
			return terr(t, e->path, "symlink:");
		break;
	case '3': case '4': case '6':
		fmt = e->type == '3' ? S_IFCHR : e->type == '4' ? S_IFBLK : S_IFIFO;
		if (mknodat(pfd, leaf, fmt | 0600, e->dev) < 0)
			return terr(t, e->path, "mknod:");
		break;
	}
	if (setmeta(t, e, -1, pfd, leaf) < 0)
		return -1;
	return skip(t, e->path, e->size);
}

static int
extract(struct tar *t, struct entry *e)
{
	char leaf[LEAFMAX];
	const char *base = strrchr(e->path, '/');
	int pfd, r;

	base = base ? base + 1 : e->path;
	if (!*e->path) {
		/* "./": the root's own owner, mode and time */
		if (e->type != '5')
			return terr(t, "./", "only a directory can name the root");
		if ((pfd = openat(t->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			return terr(t, "./", "open:");
		r = setmeta(t, e, pfd, -1, NULL);
		close(pfd);
		return r < 0 ? -1 : skip(t, e->path, e->size);
	}
	if ((t->flags & TAR_LAYER) && !strncmp(base, WHITEOUT, 4))
		return whiteout(t, e, base);
	if ((pfd = parent(t, e, leaf)) < 0)
		return -1;
	if (e->type == '5' || e->type == 'D') {
		e->type = '5';
		r = mkdirent(t, e, pfd, leaf);
	} else if (clear(pfd, leaf, 0) < 0) {
		r = terr(t, e->path, "remove what was there:");
	} else if (e->type == '1') {
		r = mklink(t, e, pfd, leaf);
	} else if (strchr("2346", e->type)) {
		r = mkother(t, e, pfd, leaf);
	} else {
		/* regular, and as POSIX says, any type it does not know */
		e->type = '0';
		r = mkfile(t, e, pfd, leaf);
	}
	close(pfd);
	if (r == 0 && (t->flags & TAR_LAYER) && paths_add(&t->made, e->path, NULL, 1) < 0)
		return terr(t, e->path, "more than %d paths in one layer", LAYERMAX);
	return r;
}

/* header reads the next header block: 1, 0 at the end marker, -1 */
static int
header(struct tar *t, unsigned char *b)
{
	size_t got = 0, i;
	ssize_t r;

	t->hoff = t->off;
	while (got < BLOCK && (r = t->in.read(t->in.arg, b + got, BLOCK - got)) != 0) {
		if (r < 0)
			return -1;
		got += r;
	}
	if (got == 0 && t->off == 0) {
		weprintf("tar: empty input");
		return -1;
	}
	if (got < BLOCK && t->off == 0)
		return terr(t, NULL, "not a tar archive: input is only %zu bytes", got);
	if (got < BLOCK)
		return terr(t, NULL, "input ends before the end-of-archive block: truncated");
	t->off += BLOCK;
	for (i = 0; i < BLOCK && !b[i]; i++)
		;
	if (i == BLOCK)
		return 0;
	if (chksum(b) < 0)
		return terr(t, NULL, t->off == BLOCK ? "not a tar archive (bad header checksum)" :
		            "bad header checksum");
	return 1;
}

/* longname reads a GNU L or K member's data: the next member's name */
static int
longname(struct tar *t, const struct hdr *h, char *dst)
{
	uint64_t size;

	if (num(h->size, sizeof(h->size), INT64_MAX, &size) < 0)
		return terr(t, NULL, "bad size field");
	if (size >= PATHMAX)
		return terr(t, NULL, "GNU long name of %llu bytes exceeds %d",
		            (unsigned long long)size, PATHMAX - 1);
	if (readn(t, NULL, dst, size) < 0 || pad(t, NULL, size) < 0)
		return -1;
	dst[size] = '\0';
	return 0;
}

static int
member(struct tar *t, const struct hdr *h, struct entry *e)
{
	uint64_t size;
	int r;

	switch (h->type) {
	case 'x':
		/* each keeps its buffer: xattrs of an earlier one point in it */
		if (t->npax == XHDRMAX)
			return terr(t, NULL, "more than %d pax headers for one member", XHDRMAX);
		if (num(h->size, sizeof(h->size), INT64_MAX, &size) < 0)
			return terr(t, NULL, "bad size field");
		t->pax[t->npax] = NULL;
		if (metadata(t, size, PAXMAX, &t->pax[t->npax++]) < 0)
			return -1;
		return pax(t, &t->x, t->pax[t->npax - 1], size, 0);
	case 'g':
		if (num(h->size, sizeof(h->size), INT64_MAX, &size) < 0)
			return terr(t, NULL, "bad size field");
		if (metadata(t, size, PAXMAX, &t->gpax) < 0)
			return -1;
		memset(&t->g, 0, sizeof(t->g));
		return pax(t, &t->g, t->gpax, size, 1);
	case 'L':
		t->x.name = 1;
		return longname(t, h, t->x.namebuf);
	case 'K':
		t->x.link = 1;
		return longname(t, h, t->x.linkbuf);
	case 'S':
		return terr(t, NULL, "GNU sparse files are not supported");
	case 'M':
		return terr(t, NULL, "multi-volume archives are not supported");
	}
	if ((r = parse(t, h, e)) == 0)
		r = h->type == 'V' ? skip(t, e->path, e->size) : extract(t, e);
	t->x.name = t->x.link = t->x.size = t->x.uid = t->x.gid = t->x.mtime = 0;
	t->x.nx = 0;
	while (t->npax > 0)
		free(t->pax[--t->npax]);
	return r;
}

/* settimes gives directories their times, now that nothing goes in them */
static int
settimes(struct tar *t)
{
	char leaf[LEAFMAX];
	const char *p;
	struct timespec ts[2];
	size_t i;
	int fd, r;

	for (i = 0; i < t->dirs.n; i++) {
		p = t->dirs.arena + t->dirs.off[i];
		ts[0] = ts[1] = t->dirs.times[i];
		if (!*p) {
			r = utimensat(t->rootfd, ".", ts, 0);
		} else if ((fd = root_parent(t->rootfd, p, leaf)) < 0) {
			continue;
		} else {
			r = utimensat(fd, leaf, ts, AT_SYMLINK_NOFOLLOW);
			close(fd);
		}
		if (r < 0 && errno != ENOENT) {
			weprintf("tar: %s: set times:", *p ? p : "./");
			return -1;
		}
	}
	return 0;
}

int
tar_extract(int rootfd, struct reader in, int flags, uint64_t *bytes)
{
	union { struct hdr h; unsigned char b[BLOCK]; } blk;
	struct entry *e = emalloc(sizeof(*e));
	struct tar *t = ecalloc(1, sizeof(*t));
	ssize_t r;
	int ret = -1;

	t->in = in;
	t->rootfd = rootfd;
	t->flags = flags;
	t->buf = emalloc(BUFSZ);
	t->dirs.max = DIRMAX;
	t->made.max = LAYERMAX;
	while ((r = header(t, blk.b)) > 0)
		if (member(t, &blk.h, e) < 0)
			goto out;
	if (r < 0)
		goto out;
	/* read on past the end marker: the compressed stream must check out */
	while ((r = t->in.read(t->in.arg, t->buf, BUFSZ)) > 0)
		;
	if (r < 0 || settimes(t) < 0)
		goto out;
	if (bytes)
		*bytes = t->bytes;
	ret = 0;
out:
	paths_free(&t->dirs);
	paths_free(&t->made);
	while (t->npax > 0)
		free(t->pax[--t->npax]);
	free(t->gpax);
	free(t->buf);
	free(t);
	free(e);
	return ret;
}

/*
 * Writing: ustar headers, with a pax header before a member whose name,
 * link target, size, owner or time does not fit one, or that carries a
 * file capability.  The reader above takes all of it back.  The tree is
 * walked from fds, a directory's entries in byte order (the same tree
 * gives the same bytes, so the same digest), never following a symlink:
 * each entry is looked at with fstatat AT_SYMLINK_NOFOLLOW and opened,
 * if at all, with O_NOFOLLOW below its parent's fd.
 */
#define PAXBUF		(2 * PATHMAX + 1024)	/* path, linkpath, a capability, numbers */
#define CAPMAX		64			/* a security.capability value (24 bytes in v3) */
#define USTARMAX	077777777777ULL		/* what 11 octal digits hold */
#define IDMAX		07777777		/* an owner in 7 */

/* the first path of each file with more than one link, by device and inode */
struct link {
	dev_t dev;
	ino_t ino;
	size_t off;			/* of its path in arena, plus 1; 0: a free slot */
};

struct tarw {
	struct writer out;
	char path[PATHMAX];		/* the member being written */
	char link[PATHMAX];
	char pax[PAXBUF];
	struct entry e;			/* a directory's is the next entry's once written */
	unsigned char *buf;
	struct link *lk;
	size_t nlk, cap;		/* used and allocated slots; cap a power of 2 */
	char *arena;
	size_t used, acap;
	size_t members;
	int warned;
};

/* octal writes v in w-1 octal digits and a NUL; -1 if it does not fit */
static int
octal(char *f, size_t w, uint64_t v)
{
	size_t i = w - 1;

	f[i] = '\0';
	while (i-- > 0) {
		f[i] = '0' + (v & 7);
		v >>= 3;
	}
	return v ? -1 : 0;
}

/* digits is how many decimal digits n has */
static size_t
digits(size_t n)
{
	size_t d = 1;

	for (; n >= 10; n /= 10)
		d++;
	return d;
}

/* paxrecord appends "LEN key=value\n" to buf (of *len bytes), LEN counting itself */
static int
paxrecord(char *buf, size_t *len, const char *key, const char *val, size_t vlen)
{
	size_t n = strlen(key) + vlen + 3, d = 1;

	while (digits(n + d) != d)
		d++;
	if (*len + n + d > PAXBUF)
		return -1;
	*len += sprintf(buf + *len, "%zu %s=", n + d, key);
	memcpy(buf + *len, val, vlen);
	*len += vlen;
	buf[(*len)++] = '\n';
	return 0;
}

static int
emit(struct tarw *t, const void *buf, size_t n)
{
	return t->out.write(t->out.arg, buf, n);
}

/* padout writes the zeros that fill the block after n bytes of data */
static int
padout(struct tarw *t, uint64_t n)
{
	static const char zero[BLOCK];

	return n % BLOCK ? emit(t, zero, BLOCK - n % BLOCK) : 0;
}

/* sumup writes h's checksum, the other fields set */
static void
sumup(struct hdr *h)
{
	const unsigned char *b = (const unsigned char *)h;
	unsigned sum = 0;
	size_t i;

	memcpy(h->magic, "ustar", 6);
	memcpy(h->version, "00", 2);
	memset(h->chksum, ' ', sizeof(h->chksum));
	for (i = 0; i < BLOCK; i++)
		sum += b[i];
	snprintf(h->chksum, sizeof(h->chksum), "%06o", sum);
}

/* block fills the ustar header h for e, its name already placed; a field
 * too small for its number holds 0, the pax header the number */
static void
block(struct hdr *h, const struct entry *e)
{
	octal(h->mode, sizeof(h->mode), e->mode & 07777);
	if (octal(h->uid, sizeof(h->uid), e->uid) < 0)
		octal(h->uid, sizeof(h->uid), 0);
	if (octal(h->gid, sizeof(h->gid), e->gid) < 0)
		octal(h->gid, sizeof(h->gid), 0);
	if (octal(h->size, sizeof(h->size), e->size) < 0)
		octal(h->size, sizeof(h->size), 0);
	if (e->mtime.tv_sec < 0 || octal(h->mtime, sizeof(h->mtime), e->mtime.tv_sec) < 0)
		octal(h->mtime, sizeof(h->mtime), 0);
	h->type = e->type;
	if (e->type == '3' || e->type == '4') {
		octal(h->major, sizeof(h->major), major(e->dev));
		octal(h->minor, sizeof(h->minor), minor(e->dev));
	}
	sumup(h);
}

/*
 * split places name in h's name and prefix fields if it fits them: 0,
 * or -1 (the pax path carries it; the name field gets what fits)
 */
static int
split(struct hdr *h, const char *name)
{
	size_t n = strlen(name), i;

	if (n <= sizeof(h->name)) {
		memcpy(h->name, name, n);
		return 0;
	}
	for (i = n - 1; i > 0; i--)
		if (name[i] == '/' && i <= sizeof(h->prefix) && n - i - 1 <= sizeof(h->name) &&
		    n - i - 1 > 0) {
			memcpy(h->prefix, name, i);
			memcpy(h->name, name + i + 1, n - i - 1);
			return 0;
		}
	memcpy(h->name, name, sizeof(h->name));
	return -1;
}

/* whead writes e's headers: a pax header for what ustar cannot hold, then ustar */
static int
whead(struct tarw *t, const struct entry *e, const char *cap, size_t caplen)
{
	union { struct hdr h; unsigned char b[BLOCK]; } u, x;
	char num[32];
	size_t n = 0;
	int r = 0;

	memset(&u, 0, sizeof(u));
	if (split(&u.h, e->path) < 0)
		r |= paxrecord(t->pax, &n, "path", e->path, strlen(e->path));
	if (strlen(e->link) > sizeof(u.h.link))
		r |= paxrecord(t->pax, &n, "linkpath", e->link, strlen(e->link));
	else
		memcpy(u.h.link, e->link, strlen(e->link));
	if (e->size > USTARMAX)
		r |= paxrecord(t->pax, &n, "size", num, sprintf(num, "%llu",
		               (unsigned long long)e->size));
	if (e->uid > IDMAX)
		r |= paxrecord(t->pax, &n, "uid", num, sprintf(num, "%lu", (unsigned long)e->uid));
	if (e->gid > IDMAX)
		r |= paxrecord(t->pax, &n, "gid", num, sprintf(num, "%lu", (unsigned long)e->gid));
	if (e->mtime.tv_sec < 0 || (uint64_t)e->mtime.tv_sec > USTARMAX)
		r |= paxrecord(t->pax, &n, "mtime", num, sprintf(num, "%lld",
		               (long long)e->mtime.tv_sec));
	if (cap)
		r |= paxrecord(t->pax, &n, "SCHILY.xattr.security.capability", cap, caplen);
	if (r < 0) {
		weprintf("tar: %s: pax header larger than %d bytes", e->path, PAXBUF);
		return -1;
	}
	if (n) {
		memset(&x, 0, sizeof(x));
		snprintf(x.h.name, sizeof(x.h.name), "PaxHeaders/%.80s",
		         strrchr(e->path, '/') ? strrchr(e->path, '/') + 1 : e->path);
		octal(x.h.mode, sizeof(x.h.mode), 0644);
		octal(x.h.uid, sizeof(x.h.uid), 0);
		octal(x.h.gid, sizeof(x.h.gid), 0);
		octal(x.h.size, sizeof(x.h.size), n);
		octal(x.h.mtime, sizeof(x.h.mtime), 0);
		x.h.type = 'x';
		sumup(&x.h);
		if (emit(t, x.b, BLOCK) < 0 || emit(t, t->pax, n) < 0 || padout(t, n) < 0)
			return -1;
	}
	block(&u.h, e);
	return emit(t, u.b, BLOCK);
}

/* copyout writes e->size bytes of in as e's data, and the padding */
static int
copyout(struct tarw *t, const struct entry *e, struct reader in)
{
	uint64_t left;
	ssize_t r;

	for (left = e->size; left > 0; left -= r) {
		if ((r = in.read(in.arg, t->buf, MIN(left, BUFSZ))) < 0)
			return -1;
		if (r == 0) {
			weprintf("tar: %s: ends %llu bytes short of its %llu: changed as it was read",
			         e->path, (unsigned long long)left, (unsigned long long)e->size);
			return -1;
		}
		if (emit(t, t->buf, r) < 0)
			return -1;
	}
	return padout(t, e->size);
}

static size_t
slot(const struct tarw *t, dev_t dev, ino_t ino)
{
	size_t i = (((uint64_t)dev * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)ino) *
	           1099511628211ULL & (t->cap - 1);

	for (; t->lk[i].off; i = (i + 1) & (t->cap - 1))
		if (t->lk[i].dev == dev && t->lk[i].ino == ino)
			break;
	return i;
}

/*
 * linked returns the path a file of several links was first written
 * under, or NULL after noting path as that file's (the first time)
 */
static const char *
linked(struct tarw *t, const struct stat *st, const char *path)
{
	struct link *old;
	size_t i, n = strlen(path) + 1;

	if (t->cap && t->lk[i = slot(t, st->st_dev, st->st_ino)].off)
		return t->arena + t->lk[i].off - 1;
	if (2 * (t->nlk + 1) > t->cap) {
		old = t->lk;
		t->cap = t->cap ? 2 * t->cap : 1024;
		t->lk = ecalloc(t->cap, sizeof(*t->lk));
		for (i = 0; old && i < t->cap / 2; i++)
			if (old[i].off)
				t->lk[slot(t, old[i].dev, old[i].ino)] = old[i];
		free(old);
	}
	if (t->used + n > t->acap) {
		t->acap = MAX(2 * t->acap, t->used + n + 4096);
		t->arena = erealloc(t->arena, t->acap);
	}
	memcpy(t->arena + t->used, path, n);
	i = slot(t, st->st_dev, st->st_ino);
	t->lk[i] = (struct link){ st->st_dev, st->st_ino, t->used + 1 };
	t->used += n;
	t->nlk++;
	return NULL;
}

/* capability reads fd's security.capability into cap: its length, or 0 */
static ssize_t
capability(struct tarw *t, int fd, char *cap)
{
	ssize_t n = fgetxattr(fd, "security.capability", cap, CAPMAX);

	if (n >= 0)
		return n;
	if (errno == ENODATA || errno == ENOTSUP || errno == EOPNOTSUPP)
		return 0;
	weprintf("tar: %s: read security.capability:", t->path);
	return -1;
}

/* wfile writes the regular file leaf of dfd as e, its data read from fd */
static int
wfile(struct tarw *t, struct entry *e, int dfd, const char *leaf, const struct stat *st)
{
	char cap[CAPMAX];
	struct fdin in = { -1, t->path };
	struct stat again;
	ssize_t clen;
	int r = -1;

	if ((in.fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		weprintf("tar: %s: open:", t->path);
		return -1;
	}
	/* the inode looked at, not what a rename put there since */
	if (fstat(in.fd, &again) < 0 || again.st_dev != st->st_dev ||
	    again.st_ino != st->st_ino) {
		weprintf("tar: %s: changed as it was read", t->path);
		goto out;
	}
	if ((clen = capability(t, in.fd, cap)) < 0 ||
	    whead(t, e, clen ? cap : NULL, clen) < 0 ||
	    copyout(t, e, (struct reader){ fd_read, &in }) < 0)
		goto out;
	r = 0;
out:
	close(in.fd);
	return r;
}

static int walk(struct tarw *t, int dfd, size_t len);

/* wdir writes the directory leaf of dfd as e, then what it holds */
static int
wdir(struct tarw *t, struct entry *e, int dfd, const char *leaf, size_t len)
{
	int fd, r;

	if (len + 2 > PATHMAX) {
		weprintf("tar: %s: path longer than PATHMAX", t->path);
		return -1;
	}
	strcpy(e->path + len, "/");
	if ((fd = openat(dfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		weprintf("tar: %s: open:", t->path);
		return -1;
	}
	if ((r = whead(t, e, NULL, 0)) == 0)
		r = walk(t, fd, len);
	close(fd);
	return r;
}

/* wsymlink writes the symlink leaf of dfd as e, its target as it is */
static int
wsymlink(struct tarw *t, struct entry *e, int dfd, const char *leaf)
{
	ssize_t n = readlinkat(dfd, leaf, e->link, sizeof(e->link));

	if (n < 0 || (size_t)n >= sizeof(e->link)) {
		weprintf(n < 0 ? "tar: %s: readlink:" : "tar: %s: link longer than PATHMAX", t->path);
		return -1;
	}
	e->link[n] = '\0';
	return whead(t, e, NULL, 0);
}

/* wentry writes the entry leaf of dfd, t->path[0..len) naming it, and what is below it */
static int
wentry(struct tarw *t, int dfd, const char *leaf, size_t len)
{
	struct entry *e = &t->e;
	const char *first;
	struct stat st;

	if (++t->members > LAYERMAX) {
		weprintf("tar: %s: more than %d paths in one layer", t->path, LAYERMAX);
		return -1;
	}
	/* a loader would take it for a whiteout, and delete instead */
	if (!strncmp(leaf, WHITEOUT, strlen(WHITEOUT))) {
		weprintf("tar: %s: a name starting %s cannot be in a layer", t->path, WHITEOUT);
		return -1;
	}
	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		weprintf("tar: %s:", t->path);
		return -1;
	}
	memcpy(e->path, t->path, len + 1);
	e->link[0] = '\0';
	e->size = 0;
	e->dev = 0;
	e->x = NULL;
	e->mode = st.st_mode;
	e->uid = st.st_uid;
	e->gid = st.st_gid;
	e->mtime.tv_sec = st.st_mtime;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		if (st.st_nlink > 1 && (first = linked(t, &st, t->path))) {
			e->type = '1';
			snprintf(e->link, sizeof(e->link), "%s", first);
			return whead(t, e, NULL, 0);
		}
		e->type = '0';
		e->size = st.st_size;
		return wfile(t, e, dfd, leaf, &st);
	case S_IFDIR:
		e->type = '5';
		return wdir(t, e, dfd, leaf, len);
	case S_IFLNK:
		e->type = '2';
		return wsymlink(t, e, dfd, leaf);
	case S_IFCHR: case S_IFBLK: case S_IFIFO:
		e->type = S_ISCHR(st.st_mode) ? '3' : S_ISBLK(st.st_mode) ? '4' : '6';
		e->dev = st.st_rdev;
		return whead(t, e, NULL, 0);
	}
	/* a socket is a running program's, and tar has no type for it */
	t->members--;
	if (!t->warned++)
		weprintf("tar: %s: a socket, left out", t->path);
	return 0;
}

static int
cmpname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * walk writes what is in the directory dfd, t->path[0..len) its path ("" for
 * the root), in byte order.  One path buffer serves every level; a level
 * costs an fd (EMFILE ends a tree too deep) and its sorted names.
 */
static int
walk(struct tarw *t, int dfd, size_t len)
{
	struct dirent *de;
	char **name = NULL;
	size_t n = 0, i, k;
	DIR *d;
	int fd, r = 0;

	if ((fd = dup(dfd)) < 0 || !(d = fdopendir(fd))) {
		weprintf("tar: %s:", len ? t->path : "./");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n % 256 == 0)
			name = erealloc(name, (n + 256) * sizeof(*name));
		name[n++] = estrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(name, n, sizeof(*name), cmpname);
	for (i = 0; i < n && r == 0; i++) {
		k = snprintf(t->path + len, PATHMAX - len, "%s%s", len ? "/" : "", name[i]);
		if (len + k >= PATHMAX) {
			t->path[len] = '\0';
			weprintf("tar: %s/%s: path longer than PATHMAX", t->path, name[i]);
			r = -1;
		} else {
			r = wentry(t, dfd, name[i], len + k);
		}
		t->path[len] = '\0';
	}
	for (i = 0; i < n; i++)
		free(name[i]);
	free(name);
	return r;
}

int
tar_tree(int dirfd, struct writer out)
{
	struct tarw *t = ecalloc(1, sizeof(*t));
	int r;

	t->out = out;
	t->buf = emalloc(BUFSZ);
	r = walk(t, dirfd, 0);
	free(t->buf);
	free(t->lk);
	free(t->arena);
	free(t);
	return r;
}

int
tar_put(struct writer out, const char *name, mode_t mode, time_t mtime, struct reader in,
        uint64_t size)
{
	struct tarw *t = ecalloc(1, sizeof(*t));
	struct entry *e = &t->e;
	int r = -1;

	t->out = out;
	t->buf = emalloc(BUFSZ);
	if ((size_t)snprintf(e->path, sizeof(e->path), "%s%s", name,
	    S_ISDIR(mode) && name[strlen(name) - 1] != '/' ? "/" : "") >= sizeof(e->path)) {
		weprintf("tar: %s: name longer than PATHMAX", name);
		goto out;
	}
	snprintf(t->path, sizeof(t->path), "%s", e->path);
	e->type = S_ISDIR(mode) ? '5' : '0';
	e->mode = mode;
	e->size = S_ISDIR(mode) ? 0 : size;
	e->mtime.tv_sec = mtime;
	if (whead(t, e, NULL, 0) < 0 || (!S_ISDIR(mode) && copyout(t, e, in) < 0))
		goto out;
	r = 0;
out:
	free(t->buf);
	free(t);
	return r;
}

int
tar_end(struct writer out)
{
	static const char zero[2 * BLOCK];

	return out.write(out.arg, zero, sizeof(zero));
}
