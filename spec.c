/* See LICENSE file for copyright and license details. */
/*
 * The reader of an OCI bundle's config.json (opencontainers runtime-spec
 * config.md and config-linux.md, 1.0 to 1.2), for pieces-runc.
 *
 * config.json comes from an engine, but a bundle is only a directory: the
 * reader takes it as hostile input, as json.c does every document.  Every
 * list and string has a cap (SPECLISTMAX, PATHMAX...), every number is
 * checked against the range the kernel takes, and one line says what is
 * wrong, naming the field as a path ("mounts[3].options[1]").
 *
 * Three kinds of key.  What pieces does, read into struct spec.  What the
 * spec defines but pieces does not do (intelRdt, personality, an
 * AppArmor profile, block I/O weights, RDMA...), refused by name when
 * it is set to anything but its nothing (null, false, 0, "", [] or {}):
 * an engine that asked for a limit or a label and silently did not get it
 * would run a container weaker than it believes.  And keys the spec does
 * not know, ignored, as it requires of every runtime ("MUST ignore
 * unknown properties"), so that a newer engine's config still runs.
 *
 * Relative paths are the bundle's, as the spec says: root.path, and a
 * bind mount's source (runc's reading; the spec leaves it to the runtime).
 */
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "pieces.h"

static const char *docname;		/* the document's, for messages */

static int
bad(const char *field, const char *fmt, ...)
{
	char msg[PATHMAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	weprintf("%s: %s: %s", docname, field, msg);
	return -1;
}

/* at names the member key of the field parent, in buf (SPECFIELDMAX) */
static const char *
at(char *buf, const char *parent, const char *key)
{
	snprintf(buf, SPECFIELDMAX, "%s%s%s", parent, *parent ? "." : "", key);
	return buf;
}

static const char *
idx(char *buf, const char *parent, int i)
{
	snprintf(buf, SPECFIELDMAX, "%s[%d]", parent, i);
	return buf;
}

/* get is json_get, with a null member taken as missing, as Go's decoder
 * (runc, containerd) takes it */
static const struct json *
get(const struct json *o, const char *key)
{
	const struct json *j = json_get(o, key);

	return j && j->type != JSON_NULL ? j : NULL;
}

static int
want(const struct json *j, int type, const char *field)
{
	static const char *const names[] = {
		"null", "a boolean", "a number", "a string", "an array", "an object"
	};

	return j->type == type ? 0 : bad(field, "want %s", names[type]);
}

static size_t
count(const struct json *j)
{
	size_t n = 0;

	for (j = j->child; j; j = j->next)
		n++;
	return n;
}

/* empty says whether j is missing or its type's nothing */
static int
empty(const struct json *j)
{
	if (!j)
		return 1;
	switch (j->type) {
	case JSON_NULL:		return 1;
	case JSON_BOOL:		return !j->b;
	case JSON_NUMBER:	return !strcmp(j->s, "0");
	case JSON_STRING:	return !j->len;
	default:		return !j->child;
	}
}

/* refuse fails for the first of keys (NULL-terminated) set in o */
static int
refuse(const struct json *o, const char *parent, const char *const *keys)
{
	char f[SPECFIELDMAX];

	for (; *keys; keys++)
		if (!empty(json_get(o, *keys)))
			return bad(at(f, parent, *keys), "not supported");
	return 0;
}

/* the typed getters: a missing member leaves *out as it was, 0 */
static int
getobj(const struct json *o, const char *parent, const char *key, const struct json **out)
{
	const struct json *j = get(o, key);
	char f[SPECFIELDMAX];

	if (j && want(j, JSON_OBJECT, at(f, parent, key)) < 0)
		return -1;
	*out = j;
	return 0;
}

/* getarr gives the array's first value, its count in *n (at most max) */
static int
getarr(const struct json *o, const char *parent, const char *key, size_t max,
       const struct json **out, size_t *n)
{
	const struct json *j = get(o, key);
	char f[SPECFIELDMAX];

	*out = NULL;
	*n = 0;
	if (!j)
		return 0;
	if (want(j, JSON_ARRAY, at(f, parent, key)) < 0)
		return -1;
	if ((*n = count(j)) > max)
		return bad(f, "more than %zu entries", max);
	*out = j->child;
	return 0;
}

static int
getstr(const struct json *o, const char *parent, const char *key, const char **out)
{
	const struct json *j = get(o, key);
	char f[SPECFIELDMAX];

	if (!j)
		return 0;
	if (want(j, JSON_STRING, at(f, parent, key)) < 0)
		return -1;
	if (j->len >= PATHMAX)
		return bad(f, "longer than PATHMAX (%d)", PATHMAX);
	*out = j->s;
	return 0;
}

/* getpath is getstr of an absolute path, as most of config.json's must be */
static int
getpath(const struct json *o, const char *parent, const char *key, const char **out)
{
	char f[SPECFIELDMAX];
	const char *s = NULL;

	if (getstr(o, parent, key, &s) < 0)
		return -1;
	if (s && *s != '/')
		return bad(at(f, parent, key), "%s: not an absolute path", s);
	if (s)
		*out = s;
	return 0;
}

static int
getbool(const struct json *o, const char *parent, const char *key, int *out)
{
	const struct json *j = get(o, key);
	char f[SPECFIELDMAX];

	if (!j)
		return 0;
	if (want(j, JSON_BOOL, at(f, parent, key)) < 0)
		return -1;
	*out = j->b;
	return 0;
}

/* getint reads an integer from min to max: no fraction, no exponent, as
 * Go reads an int64 */
static int
getint(const struct json *o, const char *parent, const char *key, int64_t min, int64_t max,
       int64_t *out)
{
	const struct json *j = get(o, key);
	char f[SPECFIELDMAX], *end;
	long long v;

	if (!j)
		return 0;
	if (want(j, JSON_NUMBER, at(f, parent, key)) < 0)
		return -1;
	errno = 0;
	v = strtoll(j->s, &end, 10);
	if (*end)
		return bad(f, "%s: not an integer", j->s);
	if (errno || v < min || v > max)
		return bad(f, "%s: out of range (%lld to %lld)", j->s, (long long)min,
		           (long long)max);
	*out = v;
	return 0;
}

static int
getu64(const struct json *o, const char *parent, const char *key, uint64_t *out)
{
	const struct json *j = get(o, key);
	char f[SPECFIELDMAX];
	const char *p;
	uint64_t v;

	if (!j)
		return 0;
	if (want(j, JSON_NUMBER, at(f, parent, key)) < 0)
		return -1;
	/* not json_u64, which stops short of 2^64-1: RLIM_INFINITY */
	for (p = j->s, v = 0; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (*p - '0')) / 10)
			break;
		v = v * 10 + (*p - '0');
	}
	if (*p || p == j->s)
		return bad(f, "%s: not an integer from 0 to 2^64-1", j->s);
	*out = v;
	return 0;
}

static int
getu32(const struct json *o, const char *parent, const char *key, uint32_t max, uint32_t *out)
{
	int64_t v = -1;

	if (getint(o, parent, key, 0, max, &v) < 0)
		return -1;
	if (v >= 0)
		*out = v;
	return 0;
}

/* getstrv copies an array of strings, each under max bytes, into *out */
static int
getstrv(const struct json *o, const char *parent, const char *key, size_t max, char ***out)
{
	const struct json *j;
	char f[SPECFIELDMAX], g[SPECFIELDMAX];
	size_t n;
	int i;

	if (getarr(o, parent, key, SPECLISTMAX, &j, &n) < 0)
		return -1;
	for (i = 0; j; j = j->next, i++) {
		if (want(j, JSON_STRING, idx(g, at(f, parent, key), i)) < 0)
			return -1;
		if (j->len >= max)
			return bad(g, "longer than %zu bytes", max - 1);
	}
	return json_strv(get(o, key), out);
}

/* need fails if key is missing from o */
static int
need(const struct json *o, const char *parent, const char *key)
{
	char f[SPECFIELDMAX];

	return get(o, key) ? 0 : bad(at(f, parent, key), "missing");
}

/* names: what a string of config.json stands for */
struct name {
	const char *s;
	int v;
};

static int
lookup(const struct name *t, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].s, s))
			return t[i].v;
	return -1;
}

static const struct name rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

static const char *const capsets[CAPSETS] = {
	"bounding", "effective", "inheritable", "permitted", "ambient"
};

static int
caps(const struct json *o, const char *parent, uint64_t *set)
{
	const struct json *c, *j;
	char f[SPECFIELDMAX], g[SPECFIELDMAX], h[SPECFIELDMAX];
	uint64_t bit;
	size_t n;
	int i, k;

	if (getobj(o, parent, "capabilities", &c) < 0 || !c)
		return 0;
	at(f, parent, "capabilities");
	for (k = 0; k < CAPSETS; k++) {
		if (getarr(c, f, capsets[k], SPECLISTMAX, &j, &n) < 0)
			return -1;
		for (i = 0; j; j = j->next, i++) {
			idx(h, at(g, f, capsets[k]), i);
			if (want(j, JSON_STRING, h) < 0)
				return -1;
			/* proc_cap's ALL and bare names are pieces' own */
			if (strncmp(j->s, "CAP_", 4) || proc_cap(j->s, &bit) < 0 ||
			    bit == ~0ULL)
				return bad(h, "%s: unknown capability", j->s);
			set[k] |= bit;
		}
	}
	return 0;
}

static int
rlims(const struct json *o, const char *parent, struct specproc *p)
{
	const struct json *j;
	char f[SPECFIELDMAX], g[SPECFIELDMAX];
	const char *type = NULL;
	struct rlim *r;
	size_t n;
	int i, k;

	if (getarr(o, parent, "rlimits", RLIMITMAX, &j, &n) < 0)
		return -1;
	at(f, parent, "rlimits");
	for (i = 0; j; j = j->next, i++) {
		idx(g, f, i);
		r = &p->rlim[p->nrlim];
		if (want(j, JSON_OBJECT, g) < 0 || need(j, g, "type") < 0 ||
		    getstr(j, g, "type", &type) < 0 || need(j, g, "soft") < 0 ||
		    need(j, g, "hard") < 0 || getu64(j, g, "soft", &r->soft) < 0 ||
		    getu64(j, g, "hard", &r->hard) < 0)
			return -1;
		if ((r->type = lookup(rlimits, LEN(rlimits), type)) < 0)
			return bad(at(f, g, "type"), "%s: unknown", type);
		for (k = 0; k < p->nrlim; k++)
			if (p->rlim[k].type == r->type)
				return bad(at(f, g, "type"), "%s: given twice", type);
		if (r->soft > r->hard)
			return bad(g, "%s: soft limit above the hard", type);
		p->nrlim++;
	}
	return 0;
}

static int
user(const struct json *o, const char *parent, struct specproc *p)
{
	static const char *const no[] = { "username", NULL };
	const struct json *u, *j;
	char f[SPECFIELDMAX], g[SPECFIELDMAX], h[SPECFIELDMAX];
	uint32_t v = 0;
	uint64_t id;
	size_t n;
	int64_t mask = -1;
	int i;

	if (getobj(o, parent, "user", &u) < 0)
		return -1;
	if (!u)
		return bad(at(f, parent, "user"), "missing");
	at(f, parent, "user");
	if (refuse(u, f, no) < 0 || need(u, f, "uid") < 0 || need(u, f, "gid") < 0 ||
	    getu32(u, f, "uid", UINT32_MAX - 1, &v) < 0)
		return -1;
	p->uid = v;
	if (getu32(u, f, "gid", UINT32_MAX - 1, &v) < 0 || getint(u, f, "umask", 0, 0777, &mask) < 0)
		return -1;
	p->gid = v;
	p->umask = mask;
	if (getarr(u, f, "additionalGids", GROUPMAX, &j, &n) < 0)
		return -1;
	p->groups = ecalloc(n, sizeof(*p->groups));
	for (i = 0; j; j = j->next, i++) {
		idx(g, at(h, f, "additionalGids"), i);
		if (want(j, JSON_NUMBER, g) < 0)
			return -1;
		if (json_u64(j, &id) < 0 || id >= UINT32_MAX)
			return bad(g, "%s: not a group id", j->s);
		p->groups[p->ngroups++] = id;
	}
	return 0;
}

int
spec_process(const char *name, const struct json *o, struct specproc *p)
{
	static const char *const no[] = {
		"apparmorProfile", "selinuxLabel", "scheduler", "ioPriority",
		"execCPUAffinity", "commandLine", NULL
	};
	const char *f = "process";
	const struct json *cs;
	char g[SPECFIELDMAX];
	char **e;
	int64_t v;
	uint32_t n;

	docname = name;
	memset(p, 0, sizeof(*p));
	p->umask = -1;
	if (!o)
		return bad(f, "missing");
	if (want(o, JSON_OBJECT, f) < 0 || refuse(o, f, no) < 0 ||
	    getbool(o, f, "terminal", &p->terminal) < 0 || getobj(o, f, "consoleSize", &cs) < 0)
		return -1;
	if (cs) {
		at(g, f, "consoleSize");
		n = 0;
		if (need(cs, g, "height") < 0 || need(cs, g, "width") < 0 ||
		    getu32(cs, g, "height", USHRT_MAX, &n) < 0)
			return -1;
		p->rows = n;
		if (getu32(cs, g, "width", USHRT_MAX, &n) < 0)
			return -1;
		p->cols = n;
	}
	if (user(o, f, p) < 0 || need(o, f, "args") < 0 || getstrv(o, f, "args", ARGSTRMAX, &p->argv) < 0)
		return -1;
	if (!p->argv || !p->argv[0] || !*p->argv[0])
		return bad("process.args", "empty: no command");
	if (getstrv(o, f, "env", ARGSTRMAX, &p->env) < 0)
		return -1;
	for (e = p->env; e && *e; e++)
		if (**e == '=' || !strchr(*e, '='))
			return bad("process.env", "%s: want KEY=value", *e);
	if (need(o, f, "cwd") < 0 || getpath(o, f, "cwd", &p->cwd) < 0 ||
	    caps(o, f, p->caps) < 0 || rlims(o, f, p) < 0 ||
	    getbool(o, f, "noNewPrivileges", &p->nonewprivs) < 0)
		return -1;
	v = INT64_MIN;
	if (getint(o, f, "oomScoreAdj", -1000, 1000, &v) < 0)
		return -1;
	if ((p->hasoom = v != INT64_MIN))
		p->oomscoreadj = v;
	return 0;
}

void
spec_procfree(struct specproc *p)
{
	vfree(p->argv);
	vfree(p->env);
	free(p->groups);
	memset(p, 0, sizeof(*p));
}

/*
 * Mount options, as mount(8) and runc read them: flags each sets and
 * clears, in order; propagation; options pieces will not do; and the
 * rest, which go to the file system as its data.
 */
static const struct mntflag {
	const char *s;
	unsigned long set, clear;
} mntflags[] = {
	{ "async", 0, MS_SYNCHRONOUS }, { "atime", 0, MS_NOATIME },
	{ "bind", MS_BIND, 0 }, { "defaults", 0, 0 }, { "dev", 0, MS_NODEV },
	{ "diratime", 0, MS_NODIRATIME }, { "dirsync", MS_DIRSYNC, 0 },
	{ "exec", 0, MS_NOEXEC }, { "lazytime", MS_LAZYTIME, 0 },
	{ "loud", 0, MS_SILENT }, { "mand", MS_MANDLOCK, 0 },
	{ "noatime", MS_NOATIME, 0 }, { "nodev", MS_NODEV, 0 },
	{ "nodiratime", MS_NODIRATIME, 0 }, { "noexec", MS_NOEXEC, 0 },
	{ "nolazytime", 0, MS_LAZYTIME }, { "nomand", 0, MS_MANDLOCK },
	{ "norelatime", 0, MS_RELATIME }, { "nostrictatime", 0, MS_STRICTATIME },
	{ "nosuid", MS_NOSUID, 0 }, { "nosymfollow", MS_NOSYMFOLLOW, 0 },
	{ "rbind", MS_BIND | MS_REC, 0 }, { "relatime", MS_RELATIME, 0 },
	{ "remount", MS_REMOUNT, 0 }, { "ro", MS_RDONLY, 0 }, { "rw", 0, MS_RDONLY },
	{ "silent", MS_SILENT, 0 }, { "strictatime", MS_STRICTATIME, 0 },
	{ "suid", 0, MS_NOSUID }, { "symfollow", 0, MS_NOSYMFOLLOW },
	{ "sync", MS_SYNCHRONOUS, 0 },
};

static const struct name props[] = {
	{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED }, { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* runc's and crun's own options, and the recursive ones of mount_setattr(2) */
static const char *const mntno[] = {
	"copy-symlink", "idmap", "ridmap", "rro", "rrw",
	"rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnodiratime",
	"rdiratime", "rrelatime", "rnorelatime", "rnoatime", "ratime", "rstrictatime",
	"rnostrictatime", "rnosymfollow", "rsymfollow", NULL,
};

/* the file systems pieces mounts; a bind takes any source */
static const char *const fstypes[] = {
	"proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2", NULL,
};

static int
inlist(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return 1;
	return 0;
}

/* resolve writes path, taken against the directory bundle, into out */
static int
resolve(const char *field, const char *bundle, const char *path, char *out)
{
	int n = *path == '/' ? snprintf(out, PATHMAX, "%s", path) :
	        snprintf(out, PATHMAX, "%s/%s", bundle, path);

	if (n < 0 || n >= PATHMAX)
		return bad(field, "longer than PATHMAX (%d) in the bundle", PATHMAX);
	return 0;
}

static int
options(const struct json *o, const char *f, struct specmnt *m)
{
	const struct json *j;
	char g[SPECFIELDMAX], h[SPECFIELDMAX], data[PATHMAX] = "";
	size_t n, k, len = 0;
	int i, p;

	if (getarr(o, f, "options", SPECLISTMAX, &j, &n) < 0)
		return -1;
	at(g, f, "options");
	for (i = 0; j; j = j->next, i++) {
		if (want(j, JSON_STRING, idx(h, g, i)) < 0)
			return -1;
		for (k = 0; k < LEN(mntflags) && strcmp(mntflags[k].s, j->s); k++)
			;
		if (k < LEN(mntflags)) {
			m->flags = (m->flags | mntflags[k].set) & ~mntflags[k].clear;
		} else if (!strcmp(j->s, "tmpcopyup") || !strcmp(j->s, "notmpcopyup")) {
			/* crun's and runc's: podman --read-only writes it on
			 * the tmpfs of /tmp, /run, /var/tmp */
			m->copyup = j->s[0] == 't';
		} else if ((p = lookup(props, LEN(props), j->s)) >= 0) {
			if (m->prop && m->prop != (unsigned long)p)
				return bad(h, "%s: a second propagation", j->s);
			m->prop = p;
		} else if (inlist(mntno, j->s) || !j->len || strchr(j->s, ',')) {
			return bad(h, "%s: not supported", j->s);
		} else {
			if (len + j->len + 2 > sizeof(data))
				return bad(g, "longer than PATHMAX (%d) as data", PATHMAX);
			len += snprintf(data + len, sizeof(data) - len, "%s%s", len ? "," : "", j->s);
		}
	}
	if (len)
		m->data = estrdup(data);
	return 0;
}

static int
mount1(const struct json *o, const char *f, const char *bundle, struct specmnt *m)
{
	static const char *const no[] = { "uidMappings", "gidMappings", NULL };
	const char *src = NULL;
	char g[SPECFIELDMAX], path[PATHMAX];

	m->type = NULL;
	if (want(o, JSON_OBJECT, f) < 0 || refuse(o, f, no) < 0 ||
	    need(o, f, "destination") < 0 || getpath(o, f, "destination", &m->dst) < 0 ||
	    getstr(o, f, "type", &m->type) < 0 || getstr(o, f, "source", &src) < 0 ||
	    options(o, f, m) < 0)
		return -1;
	/* a bind by its type or its options, whatever type it names then:
	 * runc's reading, and Docker writes "none" with "rbind" */
	if ((m->type && !strcmp(m->type, "bind")) || m->flags & MS_BIND) {
		m->type = "bind";
		m->flags |= MS_BIND;
		if (!src || !*src)
			return bad(at(g, f, "source"), "missing: a bind needs one");
		/* the kernel ignores a bind's data, and runc and crun pass it
		 * on all the same: engines and the validation suite write
		 * tmpfs options on binds (mode=755,size=1k), so it is
		 * dropped, as the kernel would */
		free(m->data);
		m->data = NULL;
		if (resolve(at(g, f, "source"), bundle, src, path) < 0)
			return -1;
		m->src = estrdup(path);
		return 0;
	}
	if (!m->type)
		return bad(at(g, f, "type"), "missing");
	if (!inlist(fstypes, m->type))
		return bad(at(g, f, "type"), "%s: not supported (bind, proc, sysfs, tmpfs, devpts, "
		           "mqueue, cgroup, cgroup2 are)", m->type);
	if (m->copyup && strcmp(m->type, "tmpfs"))
		return bad(at(g, f, "options"), "tmpcopyup: only on a tmpfs");
	m->src = estrdup(src && *src ? src : m->type);
	return 0;
}

static int
mounts(const struct json *top, const char *bundle, struct spec *s)
{
	const struct json *j;
	char f[SPECFIELDMAX];
	size_t n;

	if (getarr(top, "", "mounts", SPECLISTMAX, &j, &n) < 0)
		return -1;
	s->mnt = ecalloc(n, sizeof(*s->mnt));
	for (; j; j = j->next) {
		idx(f, "mounts", s->nmnt);
		if (mount1(j, f, bundle, &s->mnt[s->nmnt++]) < 0)
			return -1;
	}
	return 0;
}

static const struct name nstypes[] = {
	{ "pid", NS_PID }, { "network", NS_NET }, { "mount", NS_MNT }, { "ipc", NS_IPC },
	{ "uts", NS_UTS }, { "user", NS_USER }, { "cgroup", NS_CGROUP },
};

static int
namespaces(const struct json *l, struct spec *s)
{
	const struct json *j;
	const char *type = NULL, *path = NULL;
	char f[SPECFIELDMAX], g[SPECFIELDMAX];
	size_t n;
	int i, t;

	if (getarr(l, "linux", "namespaces", SPECLISTMAX, &j, &n) < 0)
		return -1;
	for (i = 0; j; j = j->next, i++) {
		idx(f, "linux.namespaces", i);
		path = NULL;
		if (want(j, JSON_OBJECT, f) < 0 || need(j, f, "type") < 0 ||
		    getstr(j, f, "type", &type) < 0 || getpath(j, f, "path", &path) < 0)
			return -1;
		/* a time namespace takes offsets set before its first process
		 * (timeOffsets), which pieces does not do */
		if (!strcmp(type, "time"))
			return bad(at(g, f, "type"), "%s: not supported", type);
		if ((t = lookup(nstypes, LEN(nstypes), type)) < 0)
			return bad(at(g, f, "type"), "%s: unknown", type);
		if (s->ns & 1 << t)
			return bad(at(g, f, "type"), "%s: given twice", type);
		s->ns |= 1 << t;
		s->nspath[t] = path;
	}
	return 0;
}

static int
idmaps(const struct json *l, const char *key, struct idmap **out, int *nout)
{
	const struct json *j;
	char f[SPECFIELDMAX], g[SPECFIELDMAX];
	struct idmap *m;
	size_t n;
	int i;

	if (getarr(l, "linux", key, MAPMAX, &j, &n) < 0)
		return -1;
	*out = ecalloc(n, sizeof(**out));
	for (i = 0; j; j = j->next, i++) {
		idx(f, at(g, "linux", key), i);
		m = &(*out)[i];
		if (want(j, JSON_OBJECT, f) < 0 || need(j, f, "containerID") < 0 ||
		    need(j, f, "hostID") < 0 || need(j, f, "size") < 0 ||
		    getu32(j, f, "containerID", UINT32_MAX - 1, &m->ctr) < 0 ||
		    getu32(j, f, "hostID", UINT32_MAX - 1, &m->host) < 0 ||
		    getu32(j, f, "size", UINT32_MAX, &m->size) < 0)
			return -1;
		if (!m->size || m->ctr > UINT32_MAX - m->size || m->host > UINT32_MAX - m->size)
			return bad(at(g, f, "size"), "%u: empty, or past the last id", m->size);
		(*nout)++;
	}
	return 0;
}

static int
devices(const struct json *l, struct spec *s)
{
	const struct json *j;
	const char *type = NULL;
	char f[SPECFIELDMAX], g[SPECFIELDMAX];
	uint32_t v;
	size_t n;
	int i;
	struct specdev *d;

	if (getarr(l, "linux", "devices", SPECLISTMAX, &j, &n) < 0)
		return -1;
	s->dev = ecalloc(n, sizeof(*s->dev));
	for (i = 0; j; j = j->next, i++) {
		idx(f, "linux.devices", i);
		d = &s->dev[i];
		d->mode = 0666;
		v = 0666;
		if (want(j, JSON_OBJECT, f) < 0 || need(j, f, "type") < 0 ||
		    need(j, f, "path") < 0 || getstr(j, f, "type", &type) < 0 ||
		    getpath(j, f, "path", &d->path) < 0 ||
		    getu32(j, f, "major", UINT32_MAX, &d->major) < 0 ||
		    getu32(j, f, "minor", UINT32_MAX, &d->minor) < 0 ||
		    getu32(j, f, "fileMode", 0177777, &v) < 0)
			return -1;
		if (strlen(type) != 1 || !strchr("cbup", *type))
			return bad(at(g, f, "type"), "%s: want c, b, u or p", type);
		d->type = *type == 'u' ? 'c' : *type;
		/* podman writes the file type into fileMode too (020666): a
		 * type there must be the one type says, as mknod takes one */
		if (v & S_IFMT && (v & S_IFMT) != (d->type == 'b' ? S_IFBLK :
		    d->type == 'c' ? S_IFCHR : S_IFIFO))
			return bad(at(g, f, "fileMode"), "0%o: not a %s's mode", v,
			           d->type == 'b' ? "block device" : d->type == 'c' ?
			           "character device" : "fifo");
		d->mode = v & 07777;
		if (d->type != 'p' && (need(j, f, "major") < 0 || need(j, f, "minor") < 0))
			return -1;
		v = 0;
		if (getu32(j, f, "uid", UINT32_MAX - 1, &v) < 0)
			return -1;
		d->uid = v;
		v = 0;
		if (getu32(j, f, "gid", UINT32_MAX - 1, &v) < 0)
			return -1;
		d->gid = v;
		s->ndev++;
	}
	return 0;
}

static int
devrules(const struct json *r, const char *parent, struct limits *l)
{
	const char *type = "a", *access = "rwm";
	const struct json *j;
	char f[SPECFIELDMAX], g[SPECFIELDMAX], h[SPECFIELDMAX];
	struct devrule *d;
	size_t n;
	int i;

	if (getarr(r, parent, "devices", SPECLISTMAX, &j, &n) < 0)
		return -1;
	at(f, parent, "devices");
	free(l->devrule);
	l->devrule = ecalloc(n ? n : 1, sizeof(*l->devrule));
	l->ndevrule = 0;
	for (i = 0; j; j = j->next, i++) {
		idx(g, f, i);
		d = &l->devrule[i];
		d->major = d->minor = -1;
		type = "a";
		access = "rwm";
		if (want(j, JSON_OBJECT, g) < 0 || need(j, g, "allow") < 0 ||
		    getbool(j, g, "allow", &d->allow) < 0 || getstr(j, g, "type", &type) < 0 ||
		    getint(j, g, "major", -1, UINT32_MAX, &d->major) < 0 ||
		    getint(j, g, "minor", -1, UINT32_MAX, &d->minor) < 0 ||
		    getstr(j, g, "access", &access) < 0)
			return -1;
		if (strlen(type) != 1 || !strchr("acb", *type))
			return bad(at(h, g, "type"), "%s: want a, c or b", type);
		d->type = *type;
		if (!*access || strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
			return bad(at(h, g, "access"), "%s: want some of rwm", access);
		snprintf(d->access, sizeof(d->access), "%s", access);
		l->ndevrule++;
	}
	return 0;
}

/* hugepages reads hugepageLimits: each a page size as the kernel names
 * it ("2MB": digits, KB, MB or GB), once, and a limit in bytes */
static int
hugepages(const struct json *r, const char *parent, struct limits *l)
{
	const struct json *j;
	const char *size;
	char f[SPECFIELDMAX], g[SPECFIELDMAX], h[SPECFIELDMAX];
	size_t n, d;
	int i, k;

	if (getarr(r, parent, "hugepageLimits", HUGEMAX, &j, &n) < 0)
		return -1;
	at(f, parent, "hugepageLimits");
	for (i = 0; j; j = j->next, i++) {
		idx(g, f, i);
		size = NULL;
		if (want(j, JSON_OBJECT, g) < 0 || need(j, g, "pageSize") < 0 ||
		    need(j, g, "limit") < 0 || getstr(j, g, "pageSize", &size) < 0 ||
		    getu64(j, g, "limit", &l->huge[i].limit) < 0)
			return -1;
		d = strspn(size, "0123456789");
		if (!d || d > 8 || *size == '0' || strlen(size) != d + 2 || !strchr("KMG", size[d]) ||
		    size[d + 1] != 'B')
			return bad(at(h, g, "pageSize"), "%s: want a size as 2MB or 1GB", size);
		for (k = 0; k < i; k++)
			if (!strcmp(l->huge[k].size, size))
				return bad(at(h, g, "pageSize"), "%s: given twice", size);
		snprintf(l->huge[i].size, sizeof(l->huge[i].size), "%s", size);
		l->nhuge = i + 1;
	}
	return 0;
}

/* cpulist reads cpu.cpus or cpu.mems: a list the kernel parses ("0-3,6") */
static int
cpulist(const struct json *j, const char *parent, const char *key, const char **out)
{
	char f[SPECFIELDMAX];
	const char *v = NULL;

	if (getstr(j, parent, key, &v) < 0)
		return -1;
	if (!v || !*v)
		return 0;
	if (strspn(v, "0123456789,-") != strlen(v) || strlen(v) > 1024)
		return bad(at(f, parent, key), "%s: want a list as 0-3,6", v);
	*out = v;
	return 0;
}

/* memres reads LinuxResources' memory, as runc does: -1 or 0 is no bound */
static int
memres(const struct json *j, const char *f, struct limits *l)
{
	static const char *const no[] = {
		"reservation", "kernel", "kernelTCP", "swappiness", "disableOOMKiller",
		"useHierarchy", "checkBeforeUpdate", NULL
	};
	char g[SPECFIELDMAX];
	int64_t v = 0, swap = 0;

	if (refuse(j, f, no) < 0 || getint(j, f, "limit", -1, SIZEMAX, &v) < 0 ||
	    getint(j, f, "swap", -1, SIZEMAX, &swap) < 0)
		return -1;
	l->memory = v > 0 ? v : 0;
	if (swap > 0 && !l->memory)
		return bad(at(g, f, "swap"), "needs memory.limit");
	if (swap > 0 && (uint64_t)swap < l->memory)
		return bad(at(g, f, "swap"), "%lld: below memory.limit (it counts memory and "
		           "swap together)", (long long)swap);
	if (swap > 0)
		l->swap = swap;
	return 0;
}

/* cpures reads LinuxResources' cpu: cpu.period alone bounds nothing */
static int
cpures(const struct json *j, const char *f, struct limits *l)
{
	static const char *const no[] = { "burst", "idle", NULL };
	char g[SPECFIELDMAX];
	int64_t v = 0, rt = 0;
	uint64_t u = 0;

	if (refuse(j, f, no) < 0 || getu64(j, f, "shares", &l->shares) < 0 ||
	    getint(j, f, "quota", -1, INT64_MAX, &v) < 0 || getu64(j, f, "period", &u) < 0 ||
	    getu64(j, f, "realtimePeriod", &l->rtperiod) < 0 ||
	    getint(j, f, "realtimeRuntime", -1, INT64_MAX, &rt) < 0 ||
	    cpulist(j, f, "cpus", &l->cpus) < 0 || cpulist(j, f, "mems", &l->mems) < 0)
		return -1;
	if (l->shares && (l->shares < 2 || l->shares > 262144))
		return bad(at(g, f, "shares"), "%llu: out of range (2 to 262144)",
		           (unsigned long long)l->shares);
	if (u && (u < 1000 || u > 1000000))
		return bad(at(g, f, "period"), "%llu: out of range (1000 to 1000000)",
		           (unsigned long long)u);
	if (l->rtperiod && (l->rtperiod < 1000 || l->rtperiod > 1000000))
		return bad(at(g, f, "realtimePeriod"), "%llu: out of range (1000 to 1000000)",
		           (unsigned long long)l->rtperiod);
	l->rtruntime = rt;
	if (v > 0) {
		l->quota = v;
		l->period = u ? u : CPUPERIOD;
	}
	return 0;
}

/*
 * resources: what cgroup.c sets (struct limits), read as runc does, the
 * fields named below parent ("linux.resources" in config.json).  The
 * rest of LinuxResources is refused when set.
 */
static int
resources(const struct json *r, const char *parent, struct limits *l)
{
	static const char *const no[] = { "blockIO", "network", "rdma", "unified", NULL };
	const struct json *j;
	char f[SPECFIELDMAX];
	int64_t v = 0;

	if (want(r, JSON_OBJECT, *parent ? parent : "the document") < 0 ||
	    refuse(r, parent, no) < 0 || devrules(r, parent, l) < 0 ||
	    hugepages(r, parent, l) < 0 || getobj(r, parent, "memory", &j) < 0 ||
	    (j && memres(j, at(f, parent, "memory"), l) < 0) ||
	    getobj(r, parent, "cpu", &j) < 0 || (j && cpures(j, at(f, parent, "cpu"), l) < 0) ||
	    getobj(r, parent, "pids", &j) < 0)
		return -1;
	if (j && getint(j, at(f, parent, "pids"), "limit", INT64_MIN, INT64_MAX, &v) < 0)
		return -1;
	if (v > 0)
		l->pids = v;
	return 0;
}

int
spec_resources(const char *name, const struct json *j, struct limits *l)
{
	docname = name;
	return resources(j, "", l);
}

/*
 * sysctl: only what the container's own namespaces hold, as runc
 * checks: net.* with a network namespace, the IPC ones with an IPC
 * namespace, the names with a UTS one.  Anything else would set the
 * host's kernel for everyone.
 */
static int
sysctls(const struct json *l, struct spec *s)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
		NULL
	};
	const struct json *o, *j;
	char f[SPECFIELDMAX];
	int ns;

	if (getobj(l, "linux", "sysctl", &o) < 0 || !o)
		return 0;
	if (count(o) > SPECLISTMAX)
		return bad("linux.sysctl", "more than %d entries", SPECLISTMAX);
	for (j = o->child; j; j = j->next) {
		snprintf(f, sizeof(f), "linux.sysctl.%.64s", j->key);
		if (want(j, JSON_STRING, f) < 0)
			return -1;
		if (!*j->key || strlen(j->key) > 128 || strstr(j->key, "..") ||
		    strspn(j->key, "abcdefghijklmnopqrstuvwxyz0123456789_.-/") != strlen(j->key) ||
		    strchr("./", *j->key) || j->len >= PATHMAX)
			return bad(f, "not a sysctl name and value");
		if (!strncmp(j->key, "net.", 4))
			ns = NS_NET;
		else if (inlist(ipc, j->key) || !strncmp(j->key, "fs.mqueue.", 10))
			ns = NS_IPC;
		else if (!strcmp(j->key, "kernel.hostname") || !strcmp(j->key, "kernel.domainname"))
			ns = NS_UTS;
		else
			return bad(f, "not namespaced: it would set the host's");
		if (!(s->ns & 1 << ns))
			return bad(f, "needs the container's own %s namespace",
			           nstypes[ns].s);
	}
	s->sysctl = o;
	return 0;
}

static const struct name actions[] = {
	{ "SCMP_ACT_KILL", SC_KILL_THREAD }, { "SCMP_ACT_KILL_THREAD", SC_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SC_KILL_PROCESS }, { "SCMP_ACT_TRAP", SC_TRAP },
	{ "SCMP_ACT_ERRNO", SC_ERRNO }, { "SCMP_ACT_TRACE", SC_TRACE },
	{ "SCMP_ACT_ALLOW", SC_ALLOW }, { "SCMP_ACT_LOG", SC_LOG },
};

static const struct name ops[] = {
	{ "SCMP_CMP_NE", SC_NE }, { "SCMP_CMP_LT", SC_LT }, { "SCMP_CMP_LE", SC_LE },
	{ "SCMP_CMP_EQ", SC_EQ }, { "SCMP_CMP_GE", SC_GE }, { "SCMP_CMP_GT", SC_GT },
	{ "SCMP_CMP_MASKED_EQ", SC_MASKED_EQ },
};

/* libseccomp's names; the program holds this architecture's calls only */
static const char *const scarches[] = {
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", NULL,
};

/* action reads an action and its errnoRet (key) from o; SCMP_ACT_ERRNO
 * and _TRACE default to EPERM, as runc's do */
static int
action(const struct json *o, const char *f, const char *akey, const char *ekey,
       struct scaction *a)
{
	const char *name = NULL;
	char g[SPECFIELDMAX];
	uint32_t e = EPERM;

	if (need(o, f, akey) < 0 || getstr(o, f, akey, &name) < 0)
		return -1;
	if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		return bad(at(g, f, akey), "%s: not supported", name);
	if ((a->act = lookup(actions, LEN(actions), name)) < 0)
		return bad(at(g, f, akey), "%s: unknown action", name);
	if (getu32(o, f, ekey, 4095, &e) < 0)
		return -1;
	if (get(o, ekey) && a->act != SC_ERRNO && a->act != SC_TRACE)
		return bad(at(g, f, ekey), "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one");
	a->errnoret = e;
	return 0;
}

static int
scrule(const struct json *o, const char *f, struct scrule *r)
{
	const struct json *j;
	const char *op = NULL;
	char g[SPECFIELDMAX], h[SPECFIELDMAX];
	struct sccmp *c;
	char **p;
	size_t n;
	uint32_t i;

	if (want(o, JSON_OBJECT, f) < 0 || need(o, f, "names") < 0 ||
	    getstrv(o, f, "names", SCNAMEMAX, &r->names) < 0)
		return -1;
	if (!r->names || !r->names[0])
		return bad(at(g, f, "names"), "empty");
	for (p = r->names; *p; p++)
		if (!**p)
			return bad(at(g, f, "names"), "an empty name");
	if (action(o, f, "action", "errnoRet", &r->action) < 0 ||
	    getarr(o, f, "args", SCARGMAX, &j, &n) < 0)
		return -1;
	for (; j; j = j->next) {
		idx(g, at(h, f, "args"), r->narg);
		c = &r->arg[r->narg++];
		i = 0;
		if (want(j, JSON_OBJECT, g) < 0 || need(j, g, "index") < 0 ||
		    need(j, g, "value") < 0 || need(j, g, "op") < 0 ||
		    getu32(j, g, "index", 5, &i) < 0 || getu64(j, g, "value", &c->value) < 0 ||
		    getu64(j, g, "valueTwo", &c->value2) < 0 || getstr(j, g, "op", &op) < 0)
			return -1;
		c->index = i;
		if ((c->op = lookup(ops, LEN(ops), op)) < 0)
			return bad(at(h, g, "op"), "%s: unknown operator", op);
	}
	return 0;
}

static int
seccomp(const struct json *l, struct spec *s)
{
	static const char *const no[] = { "listenerPath", "listenerMetadata", NULL };
	const char *f = "linux.seccomp";
	const struct json *o, *j;
	char g[SPECFIELDMAX], h[SPECFIELDMAX];
	struct scprofile *p;
	size_t n;
	int i;

	if (getobj(l, "linux", "seccomp", &o) < 0 || !o)
		return 0;
	p = s->seccomp = ecalloc(1, sizeof(*s->seccomp));
	if (refuse(o, f, no) < 0 ||
	    action(o, f, "defaultAction", "defaultErrnoRet", &p->action) < 0)
		return -1;
	if (getarr(o, f, "architectures", SPECLISTMAX, &j, &n) < 0)
		return -1;
	for (i = 0; j; j = j->next, i++)
		if (want(j, JSON_STRING, idx(g, at(h, f, "architectures"), i)) < 0 ||
		    (!inlist(scarches, j->s) && bad(g, "%s: unknown architecture", j->s) < 0))
			return -1;
	if (getarr(o, f, "flags", SPECLISTMAX, &j, &n) < 0)
		return -1;
	for (i = 0; j; j = j->next, i++)
		if (want(j, JSON_STRING, idx(g, at(h, f, "flags"), i)) < 0 ||
		    bad(g, "%s: not supported", j->s) < 0)
			return -1;
	if (getarr(o, f, "syscalls", SCRULEMAX, &j, &n) < 0)
		return -1;
	p->rule = ecalloc(n, sizeof(*p->rule));
	for (; j; j = j->next) {
		idx(g, "linux.seccomp.syscalls", p->nrule);
		if (scrule(j, g, &p->rule[p->nrule++]) < 0)
			return -1;
	}
	return 0;
}

static const char *const hookkinds[HOOKKINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
	"poststop"
};

static int
hooks(const struct json *top, struct spec *s)
{
	const struct json *o, *j;
	char f[SPECFIELDMAX], g[SPECFIELDMAX];
	struct hook *h;
	int64_t t;
	size_t n;
	int k;

	if (getobj(top, "", "hooks", &o) < 0 || !o)
		return 0;
	for (k = 0; k < HOOKKINDS; k++) {
		if (getarr(o, "hooks", hookkinds[k], SPECLISTMAX, &j, &n) < 0)
			return -1;
		s->hook[k] = ecalloc(n, sizeof(*s->hook[k]));
		for (; j; j = j->next) {
			idx(f, at(g, "hooks", hookkinds[k]), s->nhook[k]);
			h = &s->hook[k][s->nhook[k]++];
			t = 0;
			if (want(j, JSON_OBJECT, f) < 0 || need(j, f, "path") < 0 ||
			    getpath(j, f, "path", &h->path) < 0 ||
			    getstrv(j, f, "args", ARGSTRMAX, &h->argv) < 0 ||
			    getstrv(j, f, "env", ARGSTRMAX, &h->env) < 0 ||
			    getint(j, f, "timeout", 1, INT_MAX, &t) < 0)
				return -1;
			h->timeout = t;
		}
	}
	return 0;
}

/* strmap checks that key is an object of at most SPECLISTMAX strings */
static int
strmap(const struct json *o, const char *parent, const char *key, const struct json **out)
{
	const struct json *m, *j;
	char f[SPECFIELDMAX];

	if (getobj(o, parent, key, &m) < 0 || !m)
		return 0;
	if (count(m) > SPECLISTMAX)
		return bad(at(f, parent, key), "more than %d entries", SPECLISTMAX);
	for (j = m->child; j; j = j->next) {
		snprintf(f, sizeof(f), "%s.%.64s", key, j->key);
		if (want(j, JSON_STRING, f) < 0)
			return -1;
	}
	*out = m;
	return 0;
}

static int
linuxobj(const struct json *top, struct spec *s)
{
	static const char *const no[] = {
		"timeOffsets", "netDevices", "intelRdt", "memoryPolicy", "personality", NULL
	};
	const struct json *l, *r;
	const char *prop = NULL;
	char **p;
	int v;

	if (getobj(top, "", "linux", &l) < 0 || !l)
		return 0;
	/* an SELinux label: meaningless, and so ignored as runc and crun
	 * ignore it, where the kernel has no SELinux; pieces sets none */
	if (!empty(json_get(l, "mountLabel")) && access("/sys/fs/selinux/enforce", F_OK) == 0)
		return bad("linux.mountLabel", "not supported (this host runs SELinux)");
	if (refuse(l, "linux", no) < 0 || namespaces(l, s) < 0 ||
	    idmaps(l, "uidMappings", &s->uidmap, &s->nuidmap) < 0 ||
	    idmaps(l, "gidMappings", &s->gidmap, &s->ngidmap) < 0 || devices(l, s) < 0 ||
	    getobj(l, "linux", "resources", &r) < 0 ||
	    (r && resources(r, "linux.resources", &s->lim) < 0) ||
	    getstr(l, "linux", "cgroupsPath", &s->cgpath) < 0 ||
	    getstr(l, "linux", "rootfsPropagation", &prop) < 0)
		return -1;
	/* the path is taken below each hierarchy's root: a ".." would climb
	 * into the host's cgroups; "slice:prefix:name" is systemd's form */
	if (s->cgpath && (!strcmp(s->cgpath, "..") || !strncmp(s->cgpath, "../", 3) ||
	    strstr(s->cgpath, "/../") || (strlen(s->cgpath) >= 3 &&
	    !strcmp(s->cgpath + strlen(s->cgpath) - 3, "/.."))))
		return bad("linux.cgroupsPath", "%s: has a .. component", s->cgpath);
	if (s->cgpath && strchr(s->cgpath, ':'))
		return bad("linux.cgroupsPath", "%s: a systemd slice:prefix:name path: not "
		           "supported", s->cgpath);
	if (prop && (v = lookup(props, LEN(props), prop)) < 0)
		return bad("linux.rootfsPropagation", "%s: unknown", prop);
	if (prop)
		s->rootprop = v;
	if (sysctls(l, s) < 0 || seccomp(l, s) < 0 ||
	    getstrv(l, "linux", "maskedPaths", PATHMAX, &s->masked) < 0 ||
	    getstrv(l, "linux", "readonlyPaths", PATHMAX, &s->rdonly) < 0)
		return -1;
	for (p = s->masked; p && *p; p++)
		if (**p != '/')
			return bad("linux.maskedPaths", "%s: not an absolute path", *p);
	for (p = s->rdonly; p && *p; p++)
		if (**p != '/')
			return bad("linux.readonlyPaths", "%s: not an absolute path", *p);
	return 0;
}

/*
 * mapped says whether the map m (n lines) has id on its container side:
 * 1 or 0
 */
static int
mapped(const struct idmap *m, int n, uint32_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (id >= m[i].ctr && id - m[i].ctr < m[i].size)
			return 1;
	return 0;
}

/*
 * mapcheck refuses what the kernel would of a map m (n lines) with
 * EINVAL, naming the field key: two ranges that overlap on either side,
 * or more text than the page it takes in one write.  And what pieces
 * needs: container id 0, whom init becomes.  0, or -1 (reported).
 */
static int
mapcheck(const struct idmap *m, int n, const char *key)
{
	char f[SPECFIELDMAX], g[SPECFIELDMAX], line[40];
	size_t text = 0;
	int i, k;

	for (i = 0; i < n; i++) {
		idx(f, at(g, "linux", key), i);
		text += snprintf(line, sizeof(line), "%lu %lu %lu\n", (unsigned long)m[i].ctr,
		                 (unsigned long)m[i].host, (unsigned long)m[i].size);
		if (text >= 4096)
			return bad(f, "past the kernel's 4095 bytes of a map's text");
		for (k = 0; k < i; k++) {
			if (m[i].ctr < m[k].ctr + m[k].size && m[k].ctr < m[i].ctr + m[i].size)
				return bad(f, "containerID %lu: overlaps line %d",
				           (unsigned long)m[i].ctr, k);
			if (m[i].host < m[k].host + m[k].size && m[k].host < m[i].host + m[i].size)
				return bad(f, "hostID %lu: overlaps line %d",
				           (unsigned long)m[i].host, k);
		}
	}
	if (!mapped(m, n, 0))
		return bad(at(g, "linux", key), "maps no containerID 0 (the container's root)");
	return 0;
}

/*
 * userns checks the maps of a new user namespace, and that the process's
 * ids are in them (setuid would refuse them, EINVAL): 0, or -1 (reported)
 */
static int
userns(const struct spec *s)
{
	int i;

	if (mapcheck(s->uidmap, s->nuidmap, "uidMappings") < 0 ||
	    mapcheck(s->gidmap, s->ngidmap, "gidMappings") < 0)
		return -1;
	if (!mapped(s->uidmap, s->nuidmap, s->proc.uid))
		return bad("process.user.uid", "%lu: not in linux.uidMappings",
		           (unsigned long)s->proc.uid);
	if (!mapped(s->gidmap, s->ngidmap, s->proc.gid))
		return bad("process.user.gid", "%lu: not in linux.gidMappings",
		           (unsigned long)s->proc.gid);
	for (i = 0; i < s->proc.ngroups; i++)
		if (!mapped(s->gidmap, s->ngidmap, s->proc.groups[i]))
			return bad("process.user.additionalGids", "%lu: not in linux.gidMappings",
			           (unsigned long)s->proc.groups[i]);
	return 0;
}

/* together checks what one field asks of another, as runc does */
static int
together(struct spec *s)
{
	if (s->hostname && strlen(s->hostname) > HOSTNAMEMAX)
		return bad("hostname", "longer than the kernel's %d bytes", HOSTNAMEMAX);
	if (s->domainname && strlen(s->domainname) > HOSTNAMEMAX)
		return bad("domainname", "longer than the kernel's %d bytes", HOSTNAMEMAX);
	if (s->hostname && *s->hostname && !(s->ns & 1 << NS_UTS))
		return bad("hostname", "needs the container's own uts namespace");
	if (s->domainname && *s->domainname && !(s->ns & 1 << NS_UTS))
		return bad("domainname", "needs the container's own uts namespace");
	if ((s->nuidmap || s->ngidmap) && !(s->ns & 1 << NS_USER))
		return bad("linux.uidMappings", "needs a user namespace");
	if ((s->nuidmap || s->ngidmap) && s->nspath[NS_USER])
		return bad("linux.uidMappings", "given with a user namespace to join");
	if (s->ns & 1 << NS_USER && !s->nspath[NS_USER] && (!s->nuidmap || !s->ngidmap))
		return bad("linux.uidMappings", "a new user namespace needs uid and gid maps");
	if (s->nuidmap && userns(s) < 0)
		return -1;
	return 0;
}

int
spec_parse(const char *name, const char *buf, size_t len, const char *bundle, struct spec *s)
{
	static const char *const no[] = { "solaris", "windows", "vm", "zos", NULL };
	const struct json *top, *r, *p;
	const char *path = NULL;

	memset(s, 0, sizeof(*s));
	s->lim.swap = s->lim.pids = -1;
	docname = name;
	if (!(s->doc = json_parse(name, buf, len)))
		return -1;
	top = s->doc;
	if (want(top, JSON_OBJECT, "the document") < 0 || refuse(top, "", no) < 0 ||
	    need(top, "", "ociVersion") < 0 || getstr(top, "", "ociVersion", &s->version) < 0)
		return -1;
	if (strncmp(s->version, "1.", 2))
		return bad("ociVersion", "%s: want 1.x", s->version);
	if (need(top, "", "root") < 0 || getobj(top, "", "root", &r) < 0 ||
	    need(r, "root", "path") < 0 || getstr(r, "root", "path", &path) < 0 ||
	    getbool(r, "root", "readonly", &s->readonly) < 0)
		return -1;
	if (!*path)
		return bad("root.path", "empty");
	if (resolve("root.path", bundle, path, s->root) < 0 || need(top, "", "process") < 0 ||
	    spec_process(name, (p = get(top, "process")), &s->proc) < 0 ||
	    getstr(top, "", "hostname", &s->hostname) < 0 ||
	    getstr(top, "", "domainname", &s->domainname) < 0 ||
	    mounts(top, bundle, s) < 0 || hooks(top, s) < 0 ||
	    strmap(top, "", "annotations", &s->annotations) < 0 || linuxobj(top, s) < 0)
		return -1;
	return together(s);
}

int
spec_load(const char *bundle, struct spec *s)
{
	char dir[PATHMAX], path[PATHMAX], *buf = NULL;
	struct stat st;
	ssize_t n;
	int fd, ret = -1;

	memset(s, 0, sizeof(*s));
	/* the bundle is kept absolute: engines pass relative ones (ctr) and
	 * hooks and state report it after the caller's directory is gone */
	if (*bundle != '/' && !getcwd(path, sizeof(path)))
		return weprintf("getcwd:"), -1;
	if (snprintf(dir, sizeof(dir), "%s%s%s", *bundle == '/' ? "" : path,
	             *bundle == '/' ? "" : "/", bundle) >= (int)sizeof(dir) ||
	    snprintf(path, sizeof(path), "%s/config.json", dir) >= (int)sizeof(path))
		return weprintf("%s: bundle path too long", bundle), -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return weprintf("%s: open:", path), -1;
	if (fstat(fd, &st) < 0) {
		weprintf("%s: fstat:", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		weprintf("%s: not a regular file", path);
		goto out;
	}
	buf = emalloc(SPECMAX);
	if ((n = readcap(fd, buf, SPECMAX)) < 0) {
		weprintf(errno == EFBIG ? "%s: larger than SPECMAX (1 MiB)" : "%s: read:", path);
		goto out;
	}
	ret = spec_parse("config.json", buf, n, dir, s);
out:
	free(buf);
	close(fd);
	return ret;
}

void
spec_free(struct spec *s)
{
	int i, k;

	spec_procfree(&s->proc);
	for (i = 0; s->mnt && i < s->nmnt; i++) {
		free(s->mnt[i].src);
		free(s->mnt[i].data);
	}
	free(s->mnt);
	free(s->uidmap);
	free(s->gidmap);
	free(s->dev);
	free(s->lim.devrule);
	vfree(s->masked);
	vfree(s->rdonly);
	if (s->seccomp) {
		for (i = 0; i < s->seccomp->nrule; i++)
			vfree(s->seccomp->rule[i].names);
		free(s->seccomp->rule);
		free(s->seccomp);
	}
	for (k = 0; k < HOOKKINDS; k++) {
		for (i = 0; i < s->nhook[k]; i++) {
			vfree(s->hook[k][i].argv);
			vfree(s->hook[k][i].env);
		}
		free(s->hook[k]);
	}
	json_free(s->doc);
	memset(s, 0, sizeof(*s));
}

/* the name libseccomp gives this architecture */
#define SCARCH	(!strcmp(ARCH_NAME, "x86_64") ? "SCMP_ARCH_X86_64" : \
		 !strcmp(ARCH_NAME, "aarch64") ? "SCMP_ARCH_AARCH64" : \
		 !strcmp(ARCH_NAME, "armv7") ? "SCMP_ARCH_ARM" : "SCMP_ARCH_MIPSEL")

/* item prints one string of a JSON array at indent, a comma unless last */
static void
item(int indent, const char *s, int last)
{
	printf("%*s\"%s\"%s\n", indent, "", s, last ? "" : ",");
}

/* list prints the n names of t as the JSON array key at indent */
static void
list(int indent, const char *key, const struct name *t, size_t n)
{
	size_t i;

	printf("%*s\"%s\": [\n", indent, "", key);
	for (i = 0; i < n; i++)
		item(indent + 4, t[i].s, i + 1 == n);
	printf("%*s],\n", indent, "");
}

void
spec_features(void)
{
	size_t i;
	int c;

	printf("{\n    \"ociVersionMin\": \"1.0.0\",\n    \"ociVersionMax\": \"%s\",\n"
	       "    \"hooks\": [\n", OCIVERSION);
	for (i = 0; i < LEN(hookkinds); i++)
		item(8, hookkinds[i], i + 1 == LEN(hookkinds));
	printf("    ],\n    \"mountOptions\": [\n");
	for (i = 0; i < LEN(mntflags); i++)
		item(8, mntflags[i].s, 0);
	item(8, "tmpcopyup", 0);
	item(8, "notmpcopyup", 0);
	for (i = 0; i < LEN(props); i++)
		item(8, props[i].s, i + 1 == LEN(props));
	printf("    ],\n    \"linux\": {\n");
	list(8, "namespaces", nstypes, LEN(nstypes));
	printf("        \"capabilities\": [\n");
	for (c = 0; proc_capname(c); c++)
		printf("            \"CAP_%s\"%s\n", proc_capname(c), proc_capname(c + 1) ? "," : "");
	printf("        ],\n");
	printf("        \"cgroup\": {\n            \"v1\": true,\n            \"v2\": true,\n"
	       "            \"systemd\": false,\n            \"systemdUser\": false,\n"
	       "            \"rdma\": false\n        },\n"
	       "        \"seccomp\": {\n            \"enabled\": true,\n");
	list(12, "actions", actions, LEN(actions));
	list(12, "operators", ops, LEN(ops));
	printf("            \"archs\": [\n                \"%s\"\n            ],\n"
	       "            \"knownFlags\": [],\n            \"supportedFlags\": []\n"
	       "        },\n", SCARCH);
	printf("        \"apparmor\": {\n            \"enabled\": false\n        },\n"
	       "        \"selinux\": {\n            \"enabled\": false\n        },\n"
	       "        \"intelRdt\": {\n            \"enabled\": false\n        },\n"
	       "        \"mountExtensions\": {\n            \"idmap\": {\n"
	       "                \"enabled\": false\n            }\n        }\n    }\n}\n");
}
