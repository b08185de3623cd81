/* See LICENSE file for copyright and license details. */
/*
 * pieces build: a Piecefile's steps, each on the tree the step before it
 * left, and the image its last step leaves.
 *
 * Every step has a key: the SHA-256 of the key before it, the step in
 * canonical form (pf_fmt) and, for COPY, what it reads.  A step that
 * changes the tree (the FROM, RUN, COPY) keeps its tree in the store's
 * cache/ under its key, so a build that meets a key it has seen goes on
 * from there without running anything; the other steps only change the
 * image's configuration, which the chain of keys carries.  The image is
 * committed under its name with the last key, so a rebuild that ends at
 * the same key has nothing to do.
 *
 * Variables expand when a step runs, from what the chain holds: the
 * image's environment (its base's, then the ENV steps') and the ARGs in
 * force.  So only an ARG needs its own text in the key, the value it took
 * from a --build-arg or its default; what the others expand to follows
 * from the key before them.
 *
 * Trees never change once committed, so a step's tree starts as a clone
 * of its parent made of hard links (directories are made anew), and a
 * step replaces a file by renaming another over it, never by writing into
 * it.  RUN runs the command on an overlay of the parent with its upper
 * layer on disk in the step's work tree; the upper layer is then moved
 * onto the clone: its whiteouts remove, an opaque directory replaces,
 * anything else is renamed into place without overlayfs's own xattrs.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pieces.h"

#define INODEBYTES	4096		/* what a file costs of a RUN step's bound */

struct build {
	struct store *s;
	const struct bopts *o;
	char ctx[PATH_MAX];		/* the build directory, resolved */
	int ctxfd;			/* and opened */
	struct ignore ign;		/* what COPY leaves out of it */
	char (*host)[PATH_MAX];		/* the --allow fs.read= directories, resolved */
	int *hostfd;			/* and opened */
	int nhost;
	struct sha256 sha;		/* of the step being keyed */
	char key[65];			/* the chain so far */
	const char *dir;		/* the tree: images/ or cache/ */
	char tree[NAMEMAX + 72];	/* its name there */
	int treefd;			/* its directory, shared-locked */
	struct meta m;			/* the image's configuration so far */
	int cmdset;			/* CMD given by this Piecefile */
	int step, nstep;
	char name[NAMEMAX];		/* the image's, once known */
	char fromref[REFMAX];		/* the FROM it was named after, as written */
	char **args;			/* the ARGs in force, "NAME=value" each */
	char **globals;			/* those before the FROM, once it is read */
	int from;			/* the FROM is read */
	char *used;			/* which of o->buildarg an ARG took */
	char *x;			/* PFLINEMAX + 1 bytes: an argument expanded */
};

/* keyed starts the next key from the chain and the step's text */
static void
keyed(struct build *b, const char *text)
{
	sha256_init(&b->sha);
	sha256_update(&b->sha, b->key, strlen(b->key));
	sha256_update(&b->sha, "\n", 1);
	sha256_update(&b->sha, text, strlen(text) + 1);
}

static void
rekey(struct build *b)
{
	sha256_hex(&b->sha, b->key);
}

/* use makes dir/name the current tree, fd already opened and locked */
static void
use(struct build *b, const char *dir, const char *name, int fd)
{
	if (b->treefd >= 0)
		close(b->treefd);
	b->dir = dir;
	snprintf(b->tree, sizeof(b->tree), "%s", name);
	b->treefd = fd;
}

/* a cached step's tree: 1 if it is there (now the current tree), 0 if not */
static int
cached(struct build *b)
{
	struct meta m;
	int fd;

	if (b->o->nocache || (fd = store_step(b->s, b->key, &m)) < 0)
		return 0;
	meta_free(&m);
	use(b, "cache", b->key, fd);
	return 1;
}

/* done commits w as the current step's tree and makes it the current one */
static int
done(struct build *b, struct work *w, const char *what)
{
	struct meta m = { 0 };
	int fd;

	snprintf(m.source, sizeof(m.source), "%s", what);
	snprintf(m.digest, sizeof(m.digest), "sha256:%s", b->key);
	if (store_commitstep(b->s, w, b->key, &m) < 0 ||
	    (fd = store_step(b->s, b->key, &m)) < 0)
		return -1;
	meta_free(&m);
	use(b, "cache", b->key, fd);
	return 0;
}

/* clone fills the empty rootfs of w with the current tree */
static int
clone(struct build *b, struct work *w, uint64_t *bytes)
{
	if (tree_clone(b->treefd, w, bytes) == 0)
		return 0;
	weprintf("%s/%s/%s/rootfs: clone:", b->s->root, b->dir, b->tree);
	return -1;
}

/* apply moves w's upper layer onto its rootfs, a clone of its parent */
static int
apply(struct build *b, struct work *w)
{
	int r;

	if ((r = tree_apply(w)) < 0)
		weprintf("%s/tmp/%s/upper: apply:", b->s->root, w->name);
	if (tree_gone(w->fd, "upper") < 0 || tree_gone(w->fd, "work") < 0) {
		weprintf("%s/tmp/%s: remove:", b->s->root, w->name);
		r = -1;
	}
	return r;
}

/* step text as a user wrote it, for the progress lines */
static void
show(const struct pfstep *st, char *buf, size_t len)
{
	char *f = pf_fmt(st);
	size_t n;
	int i;

	n = snprintf(buf, len, "%.*s", (int)strcspn(f, " "), f);
	free(f);
	if (st->shell) {
		snprintf(buf + n, len - MIN(n, len), " %s", st->args[st->nargs - 1]);
		return;
	}
	for (i = 0; i < st->nargs && n < len; i++)
		n += snprintf(buf + n, len - n, " %s", st->args[i]);
}

/*
 * join writes path p, taken relative to dir unless absolute, into buf:
 * 0, or -1 (reported) if it does not fit
 */
static int
join(char *buf, size_t len, const char *dir, const char *p)
{
	size_t n;

	if (*p == '/')
		n = snprintf(buf, len, "%s", p);
	else
		n = snprintf(buf, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", p);
	if (n >= len) {
		weprintf("%s: path too long", p);
		return -1;
	}
	return 0;
}

static void line(struct build *b, const struct pfstep *st, int hit);
static int within(struct build *b, const char *what, const char *path, int host,
                  struct stat *st);
static int known(const char *ref, char *name);

/* --- variables --- */

/* value is the value of name[0..n) in the list v of "KEY=value", or NULL */
static const char *
value(char **v, const char *name, size_t n)
{
	for (; v && *v; v++)
		if (!strncmp(*v, name, n) && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

/* var is pf_expand's get: the image's environment so far, else an ARG
 * in force; an ENV wins, as Docker's does */
static const char *
var(void *arg, const char *name, size_t n)
{
	struct build *b = arg;
	const char *v = value(b->m.env, name, n);

	return v ? v : value(b->args, name, n);
}

/*
 * expand writes a, an argument of st or a side of its KEY=value, into out
 * (len bytes) with its variables expanded: its length, or -1 (reported)
 */
static long
expand(struct build *b, const struct pfstep *st, const char *a, char *out, size_t len)
{
	const char *why;
	long n;

	if ((n = pf_expand(a, out, len, var, b, &why)) >= 0)
		return n;
	if (why)
		weprintf("%s: %s", pf_name(st->kind), why);
	else
		weprintf("%s: an argument over PFLINEMAX (%d bytes) once expanded",
		         pf_name(st->kind), PFLINEMAX);
	return -1;
}

/*
 * pair expands a, a KEY=value of st or an ARG's NAME, into b->x: the name
 * too, as BuildKit does, and it must stay a name.  0, or -1 (reported).
 */
static int
pair(struct build *b, const struct pfstep *st, const char *a)
{
	char *k = estrdup(a), *eq = strchr(k, '=');
	long n;
	int r = -1;

	if (eq)
		*eq = '\0';
	if ((n = expand(b, st, k, b->x, PFLINEMAX + 1)) < 0)
		goto out;
	if (n == 0 || memchr(b->x, '=', n)) {
		weprintf("%s: a name expands to %s", pf_name(st->kind),
		         n ? "one with '='" : "nothing");
		goto out;
	}
	if (eq) {
		b->x[n] = '=';
		if (expand(b, st, eq + 1, b->x + n + 1, PFLINEMAX - n) < 0)
			goto out;
	}
	r = 0;
out:
	free(k);
	return r;
}

/*
 * expandall expands the arguments of st into a new list *v, for the
 * caller to vfree; a path, user, port or reference that expands to
 * nothing is refused.  0, or -1 (reported).
 */
static int
expandall(struct build *b, const struct pfstep *st, char ***v)
{
	int i, kv = st->kind == PF_ENV || st->kind == PF_LABEL || st->kind == PF_ARG;

	*v = NULL;
	for (i = 0; i < st->nargs; i++) {
		if (kv ? pair(b, st, st->args[i]) < 0 :
		    expand(b, st, st->args[i], b->x, PFLINEMAX + 1) < 0)
			goto fail;
		if (!kv && !*b->x) {
			weprintf("%s: an argument expands to nothing", pf_name(st->kind));
			goto fail;
		}
		vpush(v, b->x);
	}
	return 0;
fail:
	vfree(*v);
	*v = NULL;
	return -1;
}

/* given is what --build-arg gives name[0..n), or NULL; it is consumed */
static const char *
given(struct build *b, const char *name, size_t n)
{
	char **a = b->o->buildarg;
	const char *v = NULL;
	int i;

	for (i = 0; a && a[i]; i++)
		if (!strncmp(a[i], name, n) && (a[i][n] == '=' || !a[i][n])) {
			b->used[i] = 1;
			if (a[i][n])
				v = a[i] + n + 1;
		}
	return v;
}

/*
 * argstep is an ARG step: each name takes its --build-arg, else its
 * default, else, in the stage, what the global ARG of that name took.
 * In the stage its key is what they took, so that another --build-arg
 * runs again what follows; before it, the FROM's key holds what they
 * made of it.  Each default sees the names before it.
 */
static int
argstep(struct build *b, const struct pfstep *st)
{
	struct pfstep took = *st;
	const char *v;
	char *text;
	size_t n;
	int i;

	line(b, st, 0);
	took.args = NULL;
	for (i = 0; i < st->nargs; i++) {
		if (pair(b, st, st->args[i]) < 0)
			goto fail;
		n = strcspn(b->x, "=");
		if ((v = given(b, b->x, n)) ||
		    (!b->x[n] && b->from && (v = value(b->globals, b->x, n)))) {
			if (n + 1 + strlen(v) > PFLINEMAX) {
				weprintf("ARG: a value over PFLINEMAX (%d bytes)", PFLINEMAX);
				goto fail;
			}
			b->x[n] = '=';
			strcpy(b->x + n + 1, v);
		}
		if (b->x[n])
			vsetenv(&b->args, b->x);
		vpush(&took.args, b->x);
	}
	if (b->from) {
		text = pf_fmt(&took);
		keyed(b, text);
		rekey(b);
		free(text);
	}
	vfree(took.args);
	return 0;
fail:
	vfree(took.args);
	return -1;
}

/* unused warns of the --build-args no ARG took, in one line, as Docker */
static void
unused(struct build *b)
{
	char **a = b->o->buildarg, *list, *o;
	size_t n = 1;
	int i;

	for (i = 0; a && a[i]; i++)
		n += b->used[i] ? 0 : strcspn(a[i], "=") + 1;
	if (n == 1)
		return;
	o = list = emalloc(n);
	for (i = 0; a[i]; i++)
		if (!b->used[i])
			o += sprintf(o, "%s%.*s", o > list ? " " : "", (int)strcspn(a[i], "="), a[i]);
	weprintf("warning: one or more build-args [%s] were not consumed", list);
	free(list);
}

/* --- FROM --- */

/*
 * fill fills the work tree w with the tarball im, filling m: what
 * image_fetch brings, or the file:// one opened as fd, or a clone of the
 * store's image that image_find verified as it.  0, or -1 (reported).
 */
static int
fill(struct build *b, struct work *w, const struct image *im, int fd, struct meta *m)
{
	struct fdin in = { fd, im->url };
	struct meta sm;
	int sfd;

	if (fd >= 0)
		return store_unpack(b->s, w, (struct reader){ fd_read, &in }, im->url,
		                    *im->want ? im->want : NULL, 0, m);
	if (!im->store)
		return image_fetch(b->s, w, im, b->o->cafile, 0, m);
	if ((sfd = store_image(b->s, im->name, &sm)) < 0)
		return -1;
	snprintf(m->source, sizeof(m->source), "%s", im->url);
	meta_free(&sm);
	use(b, "images", im->name, sfd);
	return clone(b, w, &m->size);
}

/*
 * base makes the tree of a FROM that is a tarball, im (a file:// one
 * already opened as fd, which base closes; else -1), or of FROM scratch
 * (im NULL), in the cache, where a build that later replaces the store's
 * copy of it still finds it: 1 if it was there, 0 if made, -1 (reported)
 */
static int
base(struct build *b, const struct pfstep *st, const struct image *im, const char *text,
     int fd)
{
	struct meta m = { 0 };
	struct work w;
	int hit = 0, r = -1, net = im && fd < 0 && !im->store;
	int fresh = net && b->o->pull == IMAGE_ALWAYS;

	keyed(b, text);
	/* --pull=always fetches and checks it again, whatever the cache has */
	if (!fresh) {
		rekey(b);
		hit = cached(b);
	}
	if (!hit && im && im->store) {
		printf("[%d/%d] FROM %s (store image %s)\n", b->step, b->nstep, st->args[0],
		       im->name);
		fflush(stdout);
	} else {
		line(b, st, hit);
	}
	if (hit) {
		r = 1;
		goto out;
	}
	if (net && b->o->pull == IMAGE_NEVER) {
		weprintf("%s: not in the store, and --pull=never", *im->name ? im->name : im->url);
		goto out;
	}
	if (store_begin(b->s, "build", &w) < 0)
		goto out;
	r = im ? fill(b, &w, im, fd, &m) : 0;
	/* a tarball fetched anew whose text has no digest is keyed by the
	 * one it brought: steps built on an older file are not taken for
	 * steps on this one */
	if (fresh && !*im->want)
		sha256_update(&b->sha, m.digest, strlen(m.digest) + 1);
	if (fresh)
		rekey(b);
	if (r < 0 || (r = done(b, &w, im ? m.source : "scratch")) < 0) {
		if (w.fd >= 0)
			store_abort(b->s, &w);
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	return r;
}

static void
inherit(struct build *b, const struct meta *m)
{
	char ***to[] = { &b->m.entrypoint, &b->m.cmd, &b->m.env, &b->m.label, &b->m.expose };
	char **from[] = { m->entrypoint, m->cmd, m->env, m->label, m->expose };
	char **p;
	size_t i;

	for (i = 0; i < LEN(to); i++)
		for (p = from[i]; p && *p; p++)
			vpush(to[i], *p);
	snprintf(b->m.workdir, sizeof(b->m.workdir), "%s", m->workdir);
	snprintf(b->m.user, sizeof(b->m.user), "%s", m->user);
}

/* fromurl is the FROM_URL step: its tarball, fetched or read once here */
/* digestof writes the "sha256:HEX" of the file fd into want, read with
 * pread, leaving its offset: 0, or -1 with errno set */
static int
digestof(int fd, char *want)
{
	static char buf[64 << 10];
	struct sha256 sha;
	char hex[65];
	off_t off = 0;
	ssize_t n;

	sha256_init(&sha);
	while ((n = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		sha256_update(&sha, buf, n);
		off += n;
	}
	sha256_hex(&sha, hex);
	snprintf(want, DIGESTLEN + 1, "sha256:%s", hex);
	return 0;
}

static int
fromurl(struct build *b, const struct pfstep *st)
{
	char text[PATHMAX + 128];
	struct image im = { 0 };
	struct stat fs;
	int fd = -1, r;

	im.url = st->args[0];
	snprintf(im.want, sizeof(im.want), "%s", st->nargs > 1 ? st->args[1] : "");
	r = snprintf(text, sizeof(text), "FROM_URL %s %s", im.url, im.want);
	/* a Piecefile from anywhere must not carry /var/backups or
	 * /etc/shadow into an image: a file:// source is confined as COPY's
	 * are, to the build directory or one the user allowed, and opened
	 * once, here */
	if (!strncmp(im.url, "file://", 7)) {
		if ((fd = within(b, "FROM_URL", im.url + 7, 1, &fs)) < 0)
			return -1;
		if (!S_ISREG(fs.st_mode)) {
			weprintf("FROM_URL %s: not a regular file", im.url + 7);
			close(fd);
			return -1;
		}
	}
	/* a local file without a digest is known by its contents, which
	 * it must still have when it is unpacked: an inode number, size
	 * and mtime are alike in two directories (two fresh tmpfs, a
	 * tarball fetched with its server's mtime), and another
	 * directory's tree would be taken from the cache for it */
	if (!*im.want && fd >= 0) {
		if (digestof(fd, im.want) < 0) {
			weprintf("FROM_URL %s: read:", im.url + 7);
			close(fd);
			return -1;
		}
		snprintf(text + r, sizeof(text) - r, "%s", im.want);
	}
	return base(b, st, &im, text, fd);
}

/*
 * from is the FROM step: the image its name stands for (image.c), a
 * known tarball's tree in the cache, or an image of the store, pulled
 * first if it is a registry's and not there
 */
static int
from(struct build *b, const struct pfstep *st)
{
	char text[PATHMAX + 128];
	struct image im;
	struct meta m;
	int fd;

	if (st->kind == PF_FROM_URL)
		return fromurl(b, st);
	if (!strcmp(st->args[0], "scratch"))
		return base(b, st, NULL, "FROM scratch", -1);
	if (image_find(b->s, st->args[0], b->o->pull | IMAGE_BASE, &im) < 0)
		return -1;
	/* a known tarball: the same text as FROM_URL of it, one cache for both */
	if (im.url) {
		snprintf(text, sizeof(text), "FROM_URL %s %s", im.url, im.want);
		return base(b, st, &im, text, -1);
	}
	line(b, st, 0);
	if (!im.store && image_get(b->s, &im, b->o->cafile, 0) < 0)
		return -1;
	if ((fd = store_image(b->s, im.name, &m)) < 0)
		return -1;
	snprintf(text, sizeof(text), "FROM %s %s", im.name, m.digest);
	keyed(b, text);
	rekey(b);
	inherit(b, &m);
	meta_free(&m);
	use(b, "images", im.name, fd);
	return 1;
}

/*
 * named names the image after the FROM st when -t did not, as the
 * original does: FROM ubuntu:22.04 builds ubuntu-22.04.  0, or -1
 * (reported).
 */
static int
named(struct build *b, const struct pfstep *st)
{
	int r = 0;

	if (st->kind == PF_FROM && (r = known(st->args[0], b->name)) > 0) {
		snprintf(b->fromref, sizeof(b->fromref), "%s", st->args[0]);
		return store_name(b->name);
	}
	/* an image of the store would be replaced by what is built on it,
	 * and the next build would build on that */
	if (r == 0)
		weprintf("%s %s: name the image with -t", pf_name(st->kind), st->args[0]);
	return -1;
}

/*
 * stage is the FROM step: its reference expanded with the global ARGs
 * and checked, the image named after it, then the base.  The global ARGs
 * are left behind: the stage sees one only through an ARG of its name.
 */
static int
stage(struct build *b, const struct pfstep *st)
{
	struct pfstep x = *st;
	char msg[PFMSGMAX], **ref = NULL;
	int r = -1;

	if (st->kind == PF_FROM) {
		if (expandall(b, st, &ref) < 0)
			return -1;
		if (pf_ref(ref[0], msg) < 0) {
			weprintf("%s", msg);
			goto out;
		}
		x.args = ref;
	}
	b->globals = b->args;
	b->args = NULL;
	b->from = 1;
	if (*b->name || named(b, &x) == 0)
		r = from(b, &x);
	/* as Docker, so that ENV PATH=/opt/bin:$PATH on a tarball (which
	 * has no configuration) keeps the commands of the base */
	if (r >= 0 && !value(b->m.env, "PATH", 4))
		vsetenv(&b->m.env, "PATH=" PATHDEFAULT);
out:
	vfree(ref);
	return r;
}

/* --- RUN --- */

/* measure measures w's upper layer: 0, or -1 with errno set */
static int
measure(struct work *w, struct du *d)
{
	int fd, r;

	memset(d, 0, sizeof(*d));
	if ((fd = tree_sub(w->fd, "upper")) < 0)
		return errno == ENOENT ? 0 : -1;
	r = tree_du(fd, d);
	close(fd);
	return r;
}

static int
over(const struct du *d, uint64_t limit)
{
	return d->bytes > limit || d->files > limit / INODEBYTES;
}

/* grown says whether the file system of fd lost more than limit bytes or
 * its inodes since *sv was taken */
static int
grown(int fd, const struct statvfs *sv, uint64_t limit)
{
	struct statvfs now;

	if (fstatvfs(fd, &now) < 0)
		return 1;
	return (now.f_bavail < sv->f_bavail &&
	        (uint64_t)(sv->f_bavail - now.f_bavail) * sv->f_frsize > limit) ||
	       (now.f_favail < sv->f_favail && sv->f_favail - now.f_favail > limit / INODEBYTES);
}

/*
 * bounded runs c with ns_run, in a child, while this process watches
 * the step's upper layer grow.  It is on the store's disk, and nothing in
 * the kernel bounds an overlayfs upper (no quotas on most file systems):
 * a RUN step could fill the host's disk.  Each tick a statvfs of the
 * store, cheap, says whether the upper may be past the bound; then, and
 * every second anyway (a deletion elsewhere can hide growth from
 * statvfs), a walk of the upper says whether it is.  Past it the child is
 * killed, and with it the container (init's parent-death signal).  A
 * tick's worth of writing may overshoot; run's final walk does not.  It
 * returns ns_run's status, or -1 (reported) if the step was killed.
 */
static int
bounded(struct build *b, struct ctr *c, struct work *w, uint64_t limit)
{
	static const int fwd[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	static struct netopts net;
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	struct statvfs sv, now;
	sigset_t set, old;
	siginfo_t si;
	struct du d;
	char sz[16];
	size_t i;
	pid_t pid;
	int sig, st, n, killed = 0;

	sigemptyset(&set);
	for (i = 0; i < LEN(fwd); i++)
		sigaddset(&set, fwd[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	if (fstatvfs(w->fd, &sv) < 0)
		eprintf("%s/tmp/%s: statvfs:", b->s->root, w->name);
	/* a killed child leaves the container's init to die of its parent's
	 * death: as the subreaper, this process gets it and waits for it, so
	 * that nothing of the container still writes to the upper when the
	 * work tree is removed */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		eprintf("subreaper:");
	net.mode = b->o->net;
	if ((pid = fork()) < 0)
		eprintf("fork:");
	if (pid == 0) {
		/* a build that dies takes its step with it */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1)
			_exit(125);
		_exit(net_run(c, &b->o->limits, &net));
	}
	for (n = 1; ; n++) {
		if ((sig = sigtimedwait(&set, &si, &tick)) == SIGCHLD) {
			if (waitpid(pid, &st, WNOHANG) == pid)
				break;
			continue;
		}
		/* a terminal's signal reached the child too; forward the rest */
		if (sig > 0 && si.si_code != SI_KERNEL && !killed)
			(void)kill(pid, sig);
		if (sig > 0 || killed || (n % 10 && !grown(w->fd, &sv, limit)))
			continue;
		/* a tree too deep to measure is past any bound */
		if (measure(w, &d) < 0 || over(&d, limit)) {
			(void)kill(pid, SIGKILL);
			killed = 1;
		} else if (fstatvfs(w->fd, &now) == 0) {
			/* what the store has free, had the step written nothing */
			sv = now;
			sv.f_bavail += d.bytes / sv.f_frsize;
			sv.f_favail += d.files;
		}
	}
	while (killed && (waitpid(-1, NULL, 0) > 0 || errno == EINTR))
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (killed) {
		weprintf("[%d/%d] RUN: killed: it wrote past its bound of %s or %llu files "
		         "(--storage-opt size= sets it)", b->step, b->nstep,
		         fmtsize(sz, sizeof(sz), limit), (unsigned long long)(limit / INODEBYTES));
		return -1;
	}
	return wstatus(st);
}

static int
run(struct build *b, const struct pfstep *st)
{
	struct ctr c = { 0 };
	struct statvfs sv;
	struct work w;
	struct du d;
	uint64_t size, limit;
	char **p, sz[16], lim[16];
	int status;

	if (store_begin(b->s, "build", &w) < 0)
		return -1;
	/* by default a step may take half of what the store's disk has
	 * free: never all of it, whatever it runs */
	if (!(limit = b->o->size) && fstatvfs(w.fd, &sv) == 0)
		limit = (uint64_t)sv.f_bavail * sv.f_frsize / 2;
	c.name = b->tree;
	/* the step's upper layer is read back as a plain tree (apply) */
	c.fs.plain = 1;
	/* no one file past the bound: a fallocate of gigabytes would fill
	 * the disk within one of the watcher's ticks */
	c.proc.fsize = limit;
	c.proc.caps = CAPS_DEFAULT;
	for (p = st->args; *p; p++)
		vpush(&c.proc.argv, *p);
	if (store_rootfs(b->s, b->dir, b->tree, b->treefd, &w, &c.fs) < 0 ||
	    proc_prepare(&c, b->treefd, &b->m, NULL) < 0) {
		status = -1;
		goto out;
	}
	fflush(stdout);
	if ((status = bounded(b, &c, &w, limit)) != 0) {
		if (status == 128 + SIGXFSZ)
			weprintf("[%d/%d] RUN: a file past its bound of %s (--storage-opt size= "
			         "sets it)", b->step, b->nstep, fmtsize(sz, sizeof(sz), limit));
		else if (status > 0 && (status < 125 || status > 127))
			weprintf("[%d/%d] RUN: exit status %d", b->step, b->nstep, status);
		status = -1;
		goto out;
	}
	/* exact, once nothing writes: a step past its bound is never kept */
	if ((status = measure(&w, &d)) < 0)
		weprintf("%s/tmp/%s/upper: measure:", b->s->root, w.name);
	else if ((status = -over(&d, limit)) < 0)
		weprintf("[%d/%d] RUN: it wrote %s in %llu files, past its bound of %s "
		         "(--storage-opt size= sets it)", b->step, b->nstep,
		         fmtsize(sz, sizeof(sz), d.bytes), (unsigned long long)d.files,
		         fmtsize(lim, sizeof(lim), limit));
	if (status < 0)
		goto out;
	if (clone(b, &w, &size) < 0 || apply(b, &w) < 0 || done(b, &w, "RUN") < 0)
		status = -1;
out:
	proc_free(&c.proc);
	if (status < 0 && w.fd >= 0)
		store_abort(b->s, &w);
	return status;
}

/* --- COPY --- */

struct cp {				/* a COPY source walked */
	struct sha256 *sha;		/* hashing it for the key, and maybe */
	int dst;			/* copying it into this directory (or -1) */
	char *path;			/* PATH_MAX: where in the source, for messages */
	int depth;
	const struct ignore *ign;	/* what is left out, */
	char *rel;			/* PATH_MAX: by this path in the build directory */
};

static int cpent(struct cp *c, int sfd, const char *name);

static int
cmpname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
hashstr(struct sha256 *sha, const char *s)
{
	sha256_update(sha, s, strlen(s) + 1);
}

/* cpdir copies (or hashes) the entries of directory fd, sorted */
static int
cpdir(struct cp *c, int fd)
{
	char **names = NULL;
	struct dirent *de;
	size_t n = 0, i;
	DIR *d;
	int dfd, r = 0;

	if ((dfd = dup(fd)) < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	while ((errno = 0, de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			names = erealloc(names, (n + 1) * sizeof(*names));
			names[n++] = estrdup(de->d_name);
		}
	if (errno)
		r = -1;
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmpname);
	for (i = 0; i < n; i++) {
		if (r == 0)
			r = cpent(c, fd, names[i]);
		free(names[i]);
	}
	free(names);
	return r;
}

/* cpfile hashes the regular file fd, and copies it over dname */
static int
cpfile(struct cp *c, int fd, const struct stat *st, const char *dname)
{
	static char buf[64 << 10];
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	ssize_t n;
	int out = -1;

	/* never into the file there: it may be a link into the parent tree */
	if (c->dst >= 0 && (tree_gone(c->dst, dname) < 0 ||
	    (out = openat(c->dst, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0))
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		sha256_update(c->sha, buf, n);
		if (out >= 0 && writeall(out, buf, n) < 0)
			break;
	}
	if (out < 0)
		return n < 0 ? -1 : 0;
	if (n != 0 || fchown(out, 0, 0) < 0 || fchmod(out, st->st_mode & 07777) < 0 ||
	    futimens(out, t) < 0) {
		close(out);
		return -1;
	}
	return close(out);
}

/*
 * cpfd copies (or hashes) the file or directory fd (st its fstat) as dname
 * in c->dst, owned by root as Docker's COPY makes it; a directory with
 * what it holds.  top: fd is the source given, a directory whose contents
 * go into c->dst itself.
 */
static int
cpfd(struct cp *c, int fd, const struct stat *st, const char *dname, int top)
{
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	struct stat old;
	struct cp sub = *c;
	int r;

	/* the path, mode and size before the content: no two trees hash
	 * the same */
	hashstr(c->sha, c->path);
	sha256_update(c->sha, &st->st_mode, sizeof(st->st_mode));
	if (S_ISREG(st->st_mode))
		sha256_update(c->sha, &st->st_size, sizeof(st->st_size));
	if (S_ISREG(st->st_mode))
		return cpfile(c, fd, st, dname);
	if (!S_ISDIR(st->st_mode)) {
		weprintf("COPY %s: not a file, directory or symlink", c->path);
		return errno = 0, -1;
	}
	if (c->depth >= DEPTHMAX)
		return errno = ELOOP, -1;
	sub.depth++;
	if (c->dst < 0)
		return cpdir(&sub, fd);
	if (!top && fstatat(c->dst, dname, &old, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(old.st_mode) && tree_gone(c->dst, dname) < 0)
		return -1;
	if (!top && mkdirat(c->dst, dname, 0700) < 0 && errno != EEXIST)
		return -1;
	if ((sub.dst = tree_sub(c->dst, dname)) < 0)
		return -1;
	r = cpdir(&sub, fd);
	/* the directory's own mode and times, after what it holds */
	if (r == 0 && !top && (fchown(sub.dst, 0, 0) < 0 ||
	    fchmod(sub.dst, st->st_mode & 07777) < 0 || futimens(sub.dst, t) < 0))
		r = -1;
	close(sub.dst);
	return r;
}

/* cpent copies (or hashes) entry name of directory sfd, a symlink as it is */
static int
cpent(struct cp *c, int sfd, const char *name)
{
	char link[PATH_MAX];
	struct stat st, fst;
	struct timespec t[2];
	size_t len = strlen(c->path), rlen = strlen(c->rel);
	ssize_t n;
	int fd, r = -1;

	snprintf(c->path + len, PATH_MAX - len, "/%s", name);
	snprintf(c->rel + rlen, PATH_MAX - rlen, "%s%s", rlen ? "/" : "", name);
	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		goto out;
	/* left out: neither copied nor in the key; a directory is walked
	 * still when a '!' pattern may take something in it back */
	if (ign_match(c->ign, c->rel) && (!S_ISDIR(st.st_mode) || !ign_walk(c->ign, c->rel))) {
		r = 0;
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlinkat(sfd, name, link, sizeof(link) - 1)) < 0)
			goto out;
		link[n] = '\0';
		hashstr(c->sha, c->path);
		hashstr(c->sha, link);
		if (c->dst < 0)
			r = 0;
		else if (tree_gone(c->dst, name) == 0 && symlinkat(link, c->dst, name) == 0 &&
		           fchownat(c->dst, name, 0, 0, AT_SYMLINK_NOFOLLOW) == 0) {
			t[0] = st.st_atim;
			t[1] = st.st_mtim;
			r = utimensat(c->dst, name, t, AT_SYMLINK_NOFOLLOW);
		}
		goto out;
	}
	/* no symlink followed, no fifo waited on, no device opened; and
	 * what was opened must be what was looked at */
	if ((fd = root_openfile(sfd, name, O_NOFOLLOW, &fst)) < 0 && errno != EINVAL)
		goto out;
	if (fd < 0 || fst.st_ino != st.st_ino || fst.st_dev != st.st_dev) {
		if (fd >= 0)
			close(fd);
		weprintf("COPY %s: changed while copied, or not a file, directory or symlink",
		         c->path);
		errno = 0;
		goto out;
	}
	r = cpfd(c, fd, &fst, name, 0);
	close(fd);
out:
	if (r < 0 && errno)
		weprintf("COPY %s:", c->path);
	if (r < 0)
		errno = 0;
	c->path[len] = '\0';
	c->rel[rlen] = '\0';
	return r;
}

/*
 * within opens path in the build directory for reading: taken relative
 * to it, unless host is set and path absolute; then it may also be in a
 * directory --allow fs.read= names.  A path whose real path leaves them
 * is refused; it is then opened below the directory's fd, every symlink
 * kept inside it, so a swap behind our back cannot lead out either, and
 * only if it is a regular file or directory (root_openfile): a fifo or
 * device node in a build directory from elsewhere is not opened.  It
 * returns the fd, its fstat in st, or -1 (reported, naming it what).
 */
static int
within(struct build *b, const char *what, const char *path, int host, struct stat *st)
{
	char full[PATH_MAX], real[PATH_MAX];
	const char *dir, *rel;
	size_t n;
	int i, fd, abs = host && *path == '/';

	if ((size_t)snprintf(full, sizeof(full), "%s%s%s", abs ? "" : b->ctx, abs ? "" : "/",
	    path) >= sizeof(full))
		errno = ENAMETOOLONG;
	else if (realpath(full, real))
		errno = 0;
	if (errno) {
		weprintf("%s %s:", what, path);
		return -1;
	}
	for (i = 0; i <= (host ? b->nhost : 0); i++) {
		dir = i ? b->host[i - 1] : b->ctx;
		n = strlen(dir);
		if (n > 1 && (strncmp(real, dir, n) || (real[n] && real[n] != '/')))
			continue;
		rel = n > 1 ? real + n : real;
		rel += *rel == '/';
		if ((fd = root_openfile(i ? b->hostfd[i - 1] : b->ctxfd, *rel ? rel : ".",
		    O_NOFOLLOW, st)) < 0)
			weprintf(errno == EINVAL ? "%s %s: not a regular file or directory" : "%s %s:",
			         what, path);
		return fd;
	}
	weprintf("%s %s: outside the build directory %s%s", what, path, b->ctx,
	         host ? " (pieces build --allow fs.read=DIR allows a host directory)" : "");
	return -1;
}

/*
 * relof writes where path, which within opened, is in the build
 * directory into rel (PATH_MAX bytes): "" for the directory itself, or
 * "a/b".  0, or -1 if it has moved out meanwhile.
 */
static int
relof(struct build *b, const char *path, char *rel)
{
	char full[PATH_MAX], real[PATH_MAX];
	size_t n = strlen(b->ctx);

	if ((size_t)snprintf(full, sizeof(full), "%s/%s", b->ctx, path) >= sizeof(full) ||
	    !realpath(full, real) || (n > 1 && (strncmp(real, b->ctx, n) ||
	    (real[n] && real[n] != '/'))))
		return -1;
	snprintf(rel, PATH_MAX, "%s", real + (n > 1 ? n : 0) + (real[n > 1 ? n : 0] == '/'));
	return 0;
}

/* leafof is the last component of src as written, trailing '/'s dropped */
static const char *
leafof(const char *src, char *buf, size_t len)
{
	size_t n = strlen(src);
	const char *p;

	while (n > 1 && src[n - 1] == '/')
		n--;
	for (p = src + n; p > src && p[-1] != '/'; p--)
		;
	snprintf(buf, len, "%.*s", (int)(src + n - p), p);
	return buf;
}

/*
 * copy hashes what a COPY step reads into sha, the key's part of it, and
 * with rootfd copies it there too
 */
static int
copy(struct build *b, const struct pfstep *st, int rootfd, struct sha256 *sha)
{
	char dest[PATHMAX], target[PATHMAX], dir[PATHMAX], leaf[LEAFMAX], path[PATH_MAX];
	char name[LEAFMAX], rel[PATH_MAX];
	const char *base, *dst = st->args[st->nargs - 1];
	struct cp c = { sha, -1, path, 0, &b->ign, rel };
	struct stat sst;
	int i, fd, todir, isdir, r = 0;

	if (join(dest, sizeof(dest), *b->m.workdir ? b->m.workdir : "/", dst) < 0)
		return -1;
	/* "dir/", ".", "dir/.." name a directory to copy into */
	base = strrchr(dst, '/') ? strrchr(dst, '/') + 1 : dst;
	todir = !*base || !strcmp(base, ".") || !strcmp(base, "..");
	if (st->nargs > 2 && !todir) {
		weprintf("COPY: with more than one source the destination %s must end in /",
		         dst);
		return -1;
	}
	if (rootfd >= 0 && (fd = root_open(rootfd, dest, O_RDONLY | O_DIRECTORY)) >= 0) {
		todir = 1;
		close(fd);
	}
	for (i = 0; r == 0 && i < st->nargs - 1; i++) {
		if ((fd = within(b, "COPY", st->args[i], 0, &sst)) < 0)
			return -1;
		snprintf(path, sizeof(path), "%s", st->args[i]);
		if (relof(b, st->args[i], rel) < 0 || (ign_match(&b->ign, rel) &&
		    (!S_ISDIR(sst.st_mode) || !ign_walk(&b->ign, rel)))) {
			weprintf("COPY %s: left out of the build by its .piecesignore or "
			         ".dockerignore", st->args[i]);
			close(fd);
			return -1;
		}
		/* a directory's contents go into dest; a file into dest/,
		 * named as written, or as dest */
		isdir = S_ISDIR(sst.st_mode);
		if (isdir || !todir)
			snprintf(target, sizeof(target), "%s", dest);
		else if (join(target, sizeof(target), dest,
		         leafof(st->args[i], name, sizeof(name))) < 0)
			r = -1;
		if (r == 0 && rootfd >= 0) {
			snprintf(dir, sizeof(dir), "%s", target);
			if (!isdir)
				dir[strrchr(dir, '/') - dir + (strrchr(dir, '/') == dir)] = '\0';
			if (root_mkdirs(rootfd, dir) < 0 ||
			    (c.dst = isdir ? root_open(rootfd, target, O_RDONLY | O_DIRECTORY) :
			    root_parent(rootfd, target, leaf)) < 0) {
				weprintf("COPY %s: %s:", st->args[i], target);
				r = -1;
			}
		}
		if (r == 0 && (r = cpfd(&c, fd, &sst, isdir ? "." : leaf, 1)) < 0 && errno)
			weprintf("COPY %s:", path);
		close(fd);
		if (c.dst >= 0)
			close(c.dst);
		c.dst = -1;
	}
	return r;
}

/* copied is the COPY step st, as written, its arguments expanded in x */
static int
copied(struct build *b, const struct pfstep *st, const struct pfstep *x)
{
	struct work w;
	uint64_t size;
	char hex[65], again[65];
	struct sha256 sha;
	int hit;

	sha256_init(&sha);
	if (copy(b, x, -1, &sha) < 0)
		return -1;
	sha256_hex(&sha, hex);
	sha256_update(&b->sha, hex, 64);
	rekey(b);
	line(b, st, hit = cached(b));
	if (hit)
		return 1;
	if (store_begin(b->s, "build", &w) < 0)
		return -1;
	/* what is copied is hashed again: the key must be what it has */
	sha256_init(&sha);
	if (clone(b, &w, &size) < 0 || copy(b, x, w.rootfd, &sha) < 0)
		goto fail;
	sha256_hex(&sha, again);
	if (strcmp(hex, again)) {
		weprintf("COPY: the build directory changed while it was read");
		goto fail;
	}
	if (done(b, &w, "COPY") < 0)
		goto fail;
	return 0;
fail:
	if (w.fd >= 0)
		store_abort(b->s, &w);
	return -1;
}

static int
copystep(struct build *b, const struct pfstep *st)
{
	struct pfstep x = *st;
	int r;

	if (expandall(b, st, &x.args) < 0)
		return -1;
	r = copied(b, st, &x);
	vfree(x.args);
	return r;
}

/* --- the driver --- */

/* line prints the step's progress line */
static void
line(struct build *b, const struct pfstep *st, int hit)
{
	char text[512];

	show(st, text, sizeof(text));
	printf("[%d/%d] %s%s\n", b->step, b->nstep, text, hit ? " (cached)" : "");
	fflush(stdout);
}

/* entry is the CMD or ENTRYPOINT step st, left to the shell as written */
static void
entry(struct build *b, const struct pfstep *st)
{
	char **p = NULL;
	int i;

	for (i = 0; i < st->nargs; i++)
		vpush(&p, st->args[i]);
	if (st->kind == PF_CMD) {
		vfree(b->m.cmd);
		b->m.cmd = p;
		b->cmdset = 1;
		return;
	}
	vfree(b->m.entrypoint);
	b->m.entrypoint = p;
	/* as Docker: an ENTRYPOINT drops the CMD of the base */
	if (!b->cmdset) {
		vfree(b->m.cmd);
		b->m.cmd = NULL;
	}
}

/*
 * config applies a step that changes only the image's configuration,
 * every argument expanded from the configuration before it, as Docker's
 */
static int
config(struct build *b, const struct pfstep *st)
{
	char dir[PATHMAX], port[PFPORTMAX], msg[PFMSGMAX], **v, **p;
	int i, r = 0;

	if (st->kind == PF_CMD || st->kind == PF_ENTRYPOINT) {
		entry(b, st);
		return 0;
	}
	if (expandall(b, st, &v) < 0)
		return -1;
	switch (st->kind) {
	case PF_ENV:
	case PF_LABEL:
		for (p = v; *p; p++)
			vsetenv(st->kind == PF_ENV ? &b->m.env : &b->m.label, *p);
		break;
	case PF_WORKDIR:
		if ((r = join(dir, sizeof(dir), *b->m.workdir ? b->m.workdir : "/", v[0])) == 0)
			snprintf(b->m.workdir, sizeof(b->m.workdir), "%s", dir);
		break;
	case PF_USER:
		if (strlen(v[0]) >= sizeof(b->m.user)) {
			weprintf("USER: over %d bytes", (int)sizeof(b->m.user) - 1);
			r = -1;
		} else {
			snprintf(b->m.user, sizeof(b->m.user), "%s", v[0]);
		}
		break;
	case PF_EXPOSE:
		for (i = 0; r == 0 && v[i]; i++) {
			if ((r = pf_port(v[i], port, msg)) < 0) {
				weprintf("%s", msg);
				break;
			}
			for (p = b->m.expose; p && *p && strcmp(*p, port); p++)
				;
			if (!p || !*p)
				vpush(&b->m.expose, port);
		}
		break;
	}
	vfree(v);
	return r;
}

/*
 * withargs runs the RUN step st with the ARGs in force in its
 * environment, as Docker does, but not in the image's: b->m.env is
 * itself again after it.  ENV wins.
 */
static int
withargs(struct build *b, const struct pfstep *st)
{
	char **env = b->m.env, **p;
	int r;

	b->m.env = NULL;
	for (p = env; p && *p; p++)
		vpush(&b->m.env, *p);
	for (p = b->args; p && *p; p++)
		if (!value(env, *p, strcspn(*p, "=")))
			vpush(&b->m.env, *p);
	r = run(b, st);
	vfree(b->m.env);
	b->m.env = env;
	return r;
}

/* step runs step i: 0 done, 1 found in the cache, -1 failed (reported) */
static int
step(struct build *b, const struct pfstep *st)
{
	char *text;
	int r;

	if (st->kind == PF_FROM || st->kind == PF_FROM_URL)
		return stage(b, st);
	if (st->kind == PF_ARG)
		return argstep(b, st);
	text = pf_fmt(st);
	keyed(b, text);
	free(text);
	switch (st->kind) {
	case PF_RUN:
		rekey(b);
		line(b, st, r = cached(b));
		return r ? 1 : withargs(b, st);
	case PF_COPY:
		return copystep(b, st);
	default:
		rekey(b);
		line(b, st, 0);
		if (config(b, st) < 0)
			return -1;
		if (store_metaok(&b->m) < 0) {
			weprintf("[%d/%d] the image's metadata is larger than METAMAX (%d KiB)",
			         b->step, b->nstep, METAMAX >> 10);
			return -1;
		}
		return 0;
	}
}

/*
 * image commits the last tree with the configuration as image name, ref
 * as its name as written; an image of that name from the same build and
 * ref is up to date
 */
static int
image(struct build *b, const char *name, const char *ref, const char *file)
{
	struct meta old;
	struct work w;
	int same;

	if (store_ref(&b->m, ref) < 0)
		return -1;
	snprintf(b->m.build, sizeof(b->m.build), "sha256:%s", b->key);
	snprintf(b->m.digest, sizeof(b->m.digest), "sha256:%s", b->key);
	if (!realpath(file, b->m.source))
		snprintf(b->m.source, sizeof(b->m.source), "%s", file);
	if (!b->o->nocache && store_meta(b->s, name, &old) == 0) {
		same = !strcmp(old.build, b->m.build) && !strcmp(old.ref, b->m.ref);
		meta_free(&old);
		if (same) {
			printf("%s is up to date\n", name);
			return 0;
		}
	}
	if (store_begin(b->s, name, &w) < 0)
		return -1;
	if (clone(b, &w, &b->m.size) < 0) {
		store_abort(b->s, &w);
		return -1;
	}
	if (store_commit(b->s, &w, name, &b->m) < 0)
		return -1;
	printf("built %s\n", name);
	return 0;
}

/*
 * piecefile loads the build directory's own Piecefile, named file, as
 * pf_load does, but through the resolver: a build directory from
 * elsewhere may make it a symlink to /etc/shadow, whose lines the parse
 * errors would print into a build log, or a fifo that hangs the build
 */
static int
piecefile(struct build *b, const char *file, struct piecefile *pf)
{
	char *buf = emalloc(PIECEFILEMAX + 1);
	ssize_t n;
	int r = -1;

	if ((n = root_readfile(b->ctxfd, "Piecefile", buf, PIECEFILEMAX + 1)) >= 0)
		r = pf_parse(file, buf, n, pf);
	else if (errno == EINVAL)
		weprintf("%s: not a regular file", file);
	else if (errno == EFBIG)
		weprintf("%s: over PIECEFILEMAX (%d bytes)", file, PIECEFILEMAX);
	else if (errno == ENOENT && faccessat(b->ctxfd, "Dockerfile", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		weprintf("%s: no such file; the directory has a Dockerfile: "
		         "pieces build -f %s/Dockerfile %s", file, b->o->dir, b->o->dir);
	else
		weprintf("%s: open:", file);
	free(buf);
	return r;
}

/*
 * known says whether the FROM image ref is a known image, its store name
 * in name (NAMEMAX bytes): 1, 0, or -1 (reported)
 */
static int
known(const char *ref, char *name)
{
	char want[DIGESTLEN + 1];
	const char *url, *sums;

	if (image_name(ref, name) < 0)
		return -1;
	return known_find(name, &url, want, &sums);
}

/* where the step being built was written, for atline */
static const char *stepfile;
static int stepline;

/* atline is the error sink while a step runs: its every message names
 * the Piecefile's line, as a parse error does */
static void
atline(const char *msg)
{
	fprintf(stderr, "%s: %s:%d: %s\n", argv0, stepfile, stepline, msg);
}

int
build(struct store *s, const struct bopts *o)
{
	struct build b = { 0 };
	struct piecefile pf = { 0 };
	struct rlimit rl;
	void (*sink)(const char *);
	char file[PATH_MAX];
	int i, r = 0, ret = -1;

	b.s = s;
	b.o = o;
	b.treefd = -1;
	/* what a build makes has the modes it asks for, whoever runs it */
	umask(022);
	/* deep trees are walked with a few fds a level */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!realpath(o->dir, b.ctx) ||
	    (b.ctxfd = open(b.ctx, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		weprintf("%s:", o->dir);
		return -1;
	}
	if (ign_load(b.ctxfd, &b.ign) < 0) {
		close(b.ctxfd);
		return -1;
	}
	for (; o->host && o->host[b.nhost]; b.nhost++) {
		b.host = erealloc(b.host, (b.nhost + 1) * sizeof(*b.host));
		b.hostfd = erealloc(b.hostfd, (b.nhost + 1) * sizeof(*b.hostfd));
		if (!realpath(o->host[b.nhost], b.host[b.nhost]) || (b.hostfd[b.nhost] =
		    open(b.host[b.nhost], O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
			weprintf("--allow fs.read=%s:", o->host[b.nhost]);
			goto out;
		}
	}
	if (o->file)
		snprintf(file, sizeof(file), "%s", o->file);
	else
		snprintf(file, sizeof(file), "%s/Piecefile", o->dir);
	if ((o->file ? pf_load(file, &pf) : piecefile(&b, file, &pf)) < 0)
		goto out;
	/* without -t the FROM names it (named), once its variables are known */
	if (o->name) {
		snprintf(b.name, sizeof(b.name), "%s", o->name);
		if (store_name(b.name) < 0)
			goto out;
	}
	for (i = 0; o->buildarg && o->buildarg[i]; i++)
		;
	b.used = ecalloc(i + 1, 1);
	b.x = emalloc(PFLINEMAX + 1);
	b.nstep = pf.nstep;
	stepfile = file;
	sink = errsink;
	errsink = atline;
	for (i = 0; i < pf.nstep; i++) {
		b.step = i + 1;
		stepline = pf.step[i].line;
		if ((r = step(&b, &pf.step[i])) < 0)
			break;
	}
	errsink = sink;
	if (r >= 0)
		unused(&b);
	if (r >= 0)
		ret = image(&b, b.name, o->ref ? o->ref : b.fromref, file);
out:
	close(b.ctxfd);
	ign_free(&b.ign);
	for (i = 0; i < b.nhost; i++)
		close(b.hostfd[i]);
	free(b.host);
	free(b.hostfd);
	if (b.treefd >= 0)
		close(b.treefd);
	meta_free(&b.m);
	vfree(b.args);
	vfree(b.globals);
	free(b.used);
	free(b.x);
	pf_free(&pf);
	return ret;
}
