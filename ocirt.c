/* See LICENSE file for copyright and license details. */
/*
 * The OCI runtime's lifecycle, for pieces-runc (runc.c): create, start,
 * state, kill, delete, run, list, ps, pause, resume and update on
 * containers kept under --root.
 *
 * There is no pieces supervisor.  create forks init (ns.c, with ctr's
 * oci set), which sets the container up and waits at its second gate;
 * create records it and exits, and init passes to the engine's
 * subreaper (conmon, containerd's shim), which waits on the pid create
 * wrote to --pid-file and so sees the container's exit.  start releases
 * init through a socket create made and init listens on; init then
 * becomes the container's process, PID 1 as runc's.  Whether a
 * container runs is never written down after create: it is read live,
 * from init's pid and start time (a reused pid, or a zombie, is a dead
 * container) and from the socket, which start removes.
 *
 * Each container is ROOT/ID/: state.json (OCI's state, what runc's
 * state prints, and pieces' own: init's start time, the cgroups to
 * remove and each controller's, for pause and update) and start.sock.
 * Paused is read live too, from the freezer.  ROOT/ID/ is made with mkdir, so two creates
 * of one id cannot both win; ROOT is root's alone (0700): whoever can
 * connect to start.sock can start the container.
 */
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pieces.h"

#define OSTATEMAX	(1 << 20)	/* a state.json: annotations are the engine's */
#define CGMAX		16		/* cgroup directories of one container */

/* a container under --root, as state.json has it */
struct ostate {
	struct json *doc;		/* what the strings point into */
	const char *id, *bundle, *rootfs, *created;
	const struct json *annotations;
	pid_t pid;
	unsigned long long pidstart;
	const char *cg[CGMAX];		/* each directory once, for delete */
	int ncg;
	const char *cgname[CGMAX], *cgdir[CGMAX];	/* each controller's */
	int ncgof;
	int hostpid;			/* in the host's PID namespace: its cgroup says
					 * which processes are its */
	int status;			/* CS_*, read live */
};

static const char *rootdir;

/* dirof writes ROOT/ID[/name] into buf (PATHMAX): 0, or -1 (reported) */
static int
dirof(char *buf, const char *id, const char *name)
{
	if ((size_t)snprintf(buf, PATHMAX, "%s/%s%s%s", rootdir, id, name ? "/" : "",
	    name ? name : "") >= PATHMAX) {
		weprintf("%s/%s: path too long", rootdir, id);
		return -1;
	}
	return 0;
}

/*
 * sockaddr fills a for ROOT/ID/start.sock, reached by the directory's fd
 * dfd: a --root deeper than sun_path's 108 bytes still works
 */
static void
sockaddr(struct sockaddr_un *a, int dfd)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d/start.sock", dfd);
}

/* alive says whether the container's init is the process it was: 1 or 0 */
static int
alive(const struct ostate *o)
{
	return o->pid > 0 && o->pidstart && pidstart(o->pid) == o->pidstart;
}

static void
ofree(struct ostate *o)
{
	json_free(o->doc);
	o->doc = NULL;
}

/* ocg makes a cg of the container's cgroups, for cg_close */
static struct cg *
ocg(const struct ostate *o)
{
	return cg_open(o->cgname, o->cgdir, o->ncgof);
}

/* paused says whether the container's freezer has it frozen: 1 or 0 */
static int
paused(const struct ostate *o)
{
	struct cg *g = ocg(o);
	int r = cg_frozen(g);

	cg_close(g);
	return r;
}

/*
 * load reads the state of container id into o, its status read live:
 * 0; -1 with errno ENOENT for none (said unless quiet: runc's "does not
 * exist"), or -1 (reported)
 */
static int
load(const char *id, struct ostate *o, int quiet)
{
	char path[PATHMAX], *buf = NULL;
	const struct json *cg, *j;
	struct stat st;
	uint64_t v, v2;
	ssize_t n;
	int fd = -1, ret = -1;

	memset(o, 0, sizeof(*o));
	if (dirof(path, id, "state.json") < 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno != ENOENT)
			weprintf("%s:", path);
		else if (!quiet)
			weprintf("container %s does not exist", id);
		errno = errno == ENOENT || !quiet ? ENOENT : errno;
		return -1;
	}
	buf = emalloc(OSTATEMAX);
	if ((n = readcap(fd, buf, OSTATEMAX)) < 0) {
		weprintf("%s:", path);
		goto out;
	}
	if (!(o->doc = json_parse(path, buf, n)))
		goto out;
	o->id = json_str(o->doc, "id");
	o->bundle = json_str(o->doc, "bundle");
	o->rootfs = json_str(o->doc, "rootfs");
	o->created = json_str(o->doc, "created");
	o->annotations = json_get(o->doc, "annotations");
	if (!o->id || !o->bundle || !o->rootfs || !o->created ||
	    json_u64(json_get(o->doc, "pid"), &v) < 0 || !v || v > 1 << 30 ||
	    json_u64(json_get(o->doc, "pidstart"), &v2) < 0) {
		weprintf("%s: not a state pieces wrote", path);
		goto out;
	}
	o->pid = v;
	o->pidstart = v2;
	cg = json_get(o->doc, "cgroups");
	for (j = cg ? cg->child : NULL; j && o->ncg < CGMAX; j = j->next)
		if (j->type == JSON_STRING)
			o->cg[o->ncg++] = j->s;
	cg = json_get(o->doc, "cgroupof");
	for (j = cg && cg->type == JSON_OBJECT ? cg->child : NULL; j && o->ncgof < CGMAX;
	     j = j->next)
		if (j->type == JSON_STRING) {
			o->cgname[o->ncgof] = j->key;
			o->cgdir[o->ncgof++] = j->s;
		}
	o->hostpid = json_u64(json_get(o->doc, "hostpid"), &v) == 0 && v;
	if (!alive(o))
		o->status = CS_STOPPED;
	else if (paused(o))
		o->status = CS_PAUSED;
	else if (dirof(path, id, "start.sock") == 0 && lstat(path, &st) == 0)
		o->status = CS_CREATED;
	else
		o->status = CS_RUNNING;
	ret = 0;
out:
	if (ret < 0)
		ofree(o);
	free(buf);
	close(fd);
	return ret;
}

static const char *
statusname(int s)
{
	return s == CS_CREATED ? "created" : s == CS_RUNNING ? "running" :
	       s == CS_PAUSED ? "paused" : "stopped";
}

/* quoted prints s as a JSON string to fp */
static void
quoted(FILE *fp, const char *s)
{
	char *buf = emalloc(JSONQUOTE(strlen(s)) + 1), *e;

	e = json_quote(buf, s);
	*e = '\0';
	fputs(buf, fp);
	free(buf);
}

/*
 * annots writes the annotations object j (strings) to fp, as
 * '"annotations": {...}' after sep, or nothing if it has none
 */
static void
annots(FILE *fp, const struct json *j, const char *sep, const char *ind)
{
	const struct json *a;
	char *buf;

	if (!j || j->type != JSON_OBJECT || !j->child)
		return;
	fprintf(fp, "%s%s\"annotations\": {", sep, ind);
	for (a = j->child; a; a = a->next) {
		if (a->type != JSON_STRING)
			continue;
		buf = emalloc(JSONQUOTE(strlen(a->key)) + JSONQUOTE(a->len) + 4);
		*json_quote(buf, a->key) = '\0';
		fprintf(fp, "%s%s%s  %s: ", a == j->child ? "" : ",", *ind ? "\n" : "", ind, buf);
		*json_quote(buf, a->s) = '\0';
		fputs(buf, fp);
		free(buf);
	}
	fprintf(fp, "%s%s}", *ind ? "\n" : "", ind);
}

/*
 * show prints o to fp as runc's state does; ind "" prints it on one line
 * (list, and a hook's stdin)
 */
static void
show(FILE *fp, const struct ostate *o, const char *ind)
{
	const char *nl = *ind ? "\n" : "", *sep = *ind ? ",\n" : ",";

	fprintf(fp, "{%s%s\"ociVersion\": \"%s\"%s%s\"id\": ", nl, ind, OCIVERSION, sep, ind);
	quoted(fp, o->id);
	fprintf(fp, "%s%s\"pid\": %ld%s%s\"status\": \"%s\"%s%s\"bundle\": ", sep, ind,
	        o->status == CS_STOPPED ? 0L : (long)o->pid, sep, ind, statusname(o->status),
	        sep, ind);
	quoted(fp, o->bundle);
	fprintf(fp, "%s%s\"rootfs\": ", sep, ind);
	quoted(fp, o->rootfs);
	fprintf(fp, "%s%s\"created\": ", sep, ind);
	quoted(fp, o->created);
	fprintf(fp, "%s%s\"owner\": \"\"", sep, ind);
	annots(fp, o->annotations, sep, ind);
	fprintf(fp, "%s}%s", nl, fp == stdout ? "\n" : "");
}

/* rfc3339 writes now as runc's created: UTC, nanoseconds */
static void
rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

/* putq appends "key": value quoted to buf at *o */
static char *
putq(char *o, const char *key, const char *val)
{
	o += sprintf(o, "\"%s\":", key);
	return json_quote(o, val);
}

/*
 * save writes the state of a created container atomically: id, bundle,
 * rootfs, init's pid and start time, the cgroups g made and the spec's
 * annotations.  0, or -1 (reported).
 */
static int
save(const char *id, const char *bundle, const struct spec *s, pid_t pid, struct cg *g)
{
	char path[PATHMAX], tmp[PATHMAX], when[64], *buf, *o;
	const struct json *a;
	const char *dir;
	size_t cap = OSTATEMAX;
	int fd, i, ok;
	FILE *fp;

	if (dirof(path, id, "state.json") < 0 || dirof(tmp, id, "state.tmp") < 0)
		return -1;
	rfc3339(when, sizeof(when));
	buf = emalloc(cap);
	o = buf + sprintf(buf, "{\"ociVersion\":\"%s\",", OCIVERSION);
	o = putq(o, "id", id);
	*o++ = ',';
	o = putq(o, "bundle", bundle);
	*o++ = ',';
	o = putq(o, "rootfs", s->root);
	*o++ = ',';
	o = putq(o, "created", when);
	o += sprintf(o, ",\"pid\":%ld,\"pidstart\":%llu,\"cgroups\":[", (long)pid, pidstart(pid));
	for (i = 0; g && (dir = cg_dir(g, i)); i++)
		if (*dir)
			o = json_quote(o + sprintf(o, "%s", o[-1] == '[' ? "" : ","), dir);
	o += sprintf(o, "],\"cgroupof\":{");
	for (i = 0; g && (dir = cg_dir(g, i)); i++)
		if (*dir) {
			o += sprintf(o, "%s\"%s\":", o[-1] == '{' ? "" : ",", cg_name(i));
			o = json_quote(o, dir);
		}
	o += sprintf(o, "}%s}", s->ns & 1 << NS_PID ? "" : ",\"hostpid\":1");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    !(fp = fdopen(fd, "w"))) {
		weprintf("%s:", tmp);
		free(buf);
		return -1;
	}
	/* the annotations after the rest, through stdio: they are the
	 * engine's and may be long; the closing brace moves past them */
	o[-1] = '\0';
	fputs(buf, fp);
	a = s->annotations;
	annots(fp, a, ",", "");
	fputs("}\n", fp);
	ok = fflush(fp) == 0 && !ferror(fp) && fsync(fd) == 0;
	if (fclose(fp) != 0 || !ok || rename(tmp, path) < 0) {
		weprintf("%s:", path);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

/* pidfile writes pid to path atomically, as runc: a temporary renamed */
static int
pidfile(const char *path, pid_t pid)
{
	char tmp[PATHMAX + 8], buf[24];
	int fd, n;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		weprintf("%s: path too long", path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld", (long)pid);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    writeall(fd, buf, n) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		weprintf("%s:", path);
		return -1;
	}
	return 0;
}

/*
 * nomnt says what of s a container without a mount namespace goes
 * without: it is chrooted into its root, where a mount would be the
 * host's, outliving it.  A read-only root, a propagation and sysctls
 * (written below a /proc of its own) it cannot have: -1 (reported).
 * Its mounts, masks and devices are not made: a warning, and 0.
 */
static int
nomnt(const struct spec *s)
{
	const char *what = s->readonly ? "root.readonly" : s->rootprop ?
	                   "linux.rootfsPropagation" : s->sysctl && s->sysctl->child ?
	                   "linux.sysctl" : NULL;

	if (what) {
		weprintf("config.json: %s: needs a mount namespace", what);
		return -1;
	}
	if (s->nmnt || (s->masked && *s->masked) || (s->rdonly && *s->rdonly) || s->ndev)
		weprintf("config.json: mounts, maskedPaths, readonlyPaths, linux.devices: not "
		         "made without a mount namespace (they would be the host's)");
	return 0;
}

/*
 * refuse says which part of s pieces cannot run yet, as one line naming
 * the field: -1, or 0 if it can run it all
 */
static int
refuse(const struct spec *s)
{
	/* a user namespace joined owns no PID namespace made here, whose
	 * /proc its root then may not mount */
	if (s->nspath[NS_USER] && s->ns & 1 << NS_PID && !s->nspath[NS_PID]) {
		weprintf("config.json: linux.namespaces: joining the user namespace %s: "
		         "needs the pid namespace joined too", s->nspath[NS_USER]);
		return -1;
	}
	if (!(s->ns & 1 << NS_MNT) && nomnt(s) < 0)
		return -1;
	if (s->hostname && !(s->ns & 1 << NS_UTS)) {
		weprintf("config.json: hostname: needs a uts namespace");
		return -1;
	}
	if (s->domainname) {
		weprintf("config.json: domainname: not supported");
		return -1;
	}
	if (s->nhook[HOOK_CREATECONTAINER] || s->nhook[HOOK_STARTCONTAINER]) {
		weprintf("config.json: hooks.%s: not supported (hooks in the container's "
		         "namespaces)", s->nhook[HOOK_CREATECONTAINER] ? "createContainer" :
		         "startContainer");
		return -1;
	}
	return 0;
}

/* what pieces' ns.c is told: CLONE_NEW* for each namespace of s */
static int
nsflags(const struct spec *s)
{
	static const int flag[NSCOUNT] = {
		CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWUSER,
		CLONE_NEWCGROUP,
	};
	int i, f = 0;

	for (i = 0; i < NSCOUNT; i++)
		if (s->ns & 1 << i)
			f |= flag[i];
	return f;
}

/*
 * fill turns the spec s into the container c, with scratch the
 * directory init covers with its tmpfs and kv its sysctls (sysctlv):
 * 0, or -1 (reported)
 */
static int
fill(struct ctr *c, const struct spec *s, const char *id, const char *scratch, char **kv)
{
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->name = id;
	if (stat(s->root, &st) < 0) {
		weprintf("root.path %s:", s->root);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		weprintf("root.path %s: not a directory", s->root);
		return -1;
	}
	snprintf(c->fs.lower.path, sizeof(c->fs.lower.path), "%s", s->root);
	c->fs.lower.dev = st.st_dev;
	c->fs.lower.ino = st.st_ino;
	snprintf(c->fs.scratch, sizeof(c->fs.scratch), "%s", scratch);
	c->fs.bind = 1;
	c->fs.readonly = s->readonly;
	c->proc.argv = s->proc.argv;
	c->proc.env = s->proc.env;
	c->proc.cwd = s->proc.cwd ? s->proc.cwd : "/";
	c->proc.uid = s->proc.uid;
	c->proc.gid = s->proc.gid;
	c->proc.groups = s->proc.groups;
	c->proc.ngroups = s->proc.ngroups;
	c->proc.capsets = s->proc.caps;
	c->proc.newprivs = !s->proc.nonewprivs;
	c->proc.interactive = 1;
	c->proc.tty = s->proc.terminal;
	c->proc.seccomp = s->seccomp;
	c->proc.noseccomp = !s->seccomp;
	c->proc.rlim = s->proc.rlim;
	c->proc.nrlim = s->proc.nrlim;
	c->proc.umask = s->proc.umask >= 0 ? s->proc.umask : 022;
	c->proc.oomadj = s->proc.oomscoreadj;
	c->proc.hasoom = s->proc.hasoom;
	c->hostname = s->hostname;
	c->net = s->ns & 1 << NS_NET ? NET_NONE : NET_HOST;
	c->oci = 1;
	c->nsflags = nsflags(s);
	c->mnt = s->mnt;
	c->nmnt = s->nmnt;
	c->masked = s->masked;
	c->rdonly = s->rdonly;
	c->rootprop = s->rootprop;
	c->nspath = s->nspath;
	c->dev = s->dev;
	c->ndev = s->ndev;
	c->sysctl = kv;
	c->userns = !!(s->ns & 1 << NS_USER);
	c->uidmap = s->uidmap;
	c->nuidmap = s->nuidmap;
	c->gidmap = s->gidmap;
	c->ngidmap = s->ngidmap;
	if (!c->proc.argv || !c->proc.argv[0]) {
		weprintf("config.json: process.args: none");
		return -1;
	}
	return 0;
}

/* sysctlv makes linux.sysctl a new list of "key=value", or NULL */
static char **
sysctlv(const struct spec *s)
{
	const struct json *j;
	char **v;
	int n = 0;

	if (!s->sysctl || !s->sysctl->child)
		return NULL;
	for (j = s->sysctl->child; j; j = j->next)
		n++;
	v = ecalloc(n + 1, sizeof(*v));
	for (n = 0, j = s->sysctl->child; j; j = j->next, n++) {
		v[n] = emalloc(strlen(j->key) + j->len + 2);
		sprintf(v[n], "%s=%s", j->key, j->s);
	}
	return v;
}

/* gotpid is ctr's plumb: init's pid, at the second gate */
static int
gotpid(void *arg, pid_t pid)
{
	*(pid_t *)arg = pid;
	return 0;
}

/*
 * listener makes dir/start.sock (dfd the directory's fd), listening:
 * its fd, or -1 (reported)
 */
static int
listener(int dfd, const char *dir)
{
	struct sockaddr_un a;
	int fd;

	sockaddr(&a, dfd);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0) {
		weprintf("%s/start.sock:", dir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* rmstate removes ROOT/ID and what it holds; a missing one is no error */
static int
rmstate(const char *id)
{
	static const char *const names[] = {
		"start.sock", "state.json", "state.tmp", "config.json",
	};
	char path[PATHMAX];
	size_t i;

	for (i = 0; i < LEN(names); i++)
		if (dirof(path, id, names[i]) < 0 || (unlink(path) < 0 && errno != ENOENT)) {
			weprintf("%s:", path);
			return -1;
		}
	if (dirof(path, id, NULL) < 0 || (rmdir(path) < 0 && errno != ENOENT)) {
		weprintf("%s:", path);
		return -1;
	}
	return 0;
}

/*
 * mkstate makes ROOT (root's alone) and ROOT/ID, the id's claim: 0, or
 * -1 (reported: runc's words for an id in use)
 */
static int
mkstate(const char *id, char *dir)
{
	if (mkdir(rootdir, 0700) < 0 && errno != EEXIST) {
		weprintf("%s: mkdir:", rootdir);
		return -1;
	}
	if (dirof(dir, id, NULL) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0) {
		weprintf(errno == EEXIST ? "container with id exists: %s" : "%s: mkdir:",
		         errno == EEXIST ? id : dir);
		return -1;
	}
	return 0;
}

static const char *const hookname[HOOKKINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
	"poststop",
};

/*
 * hook runs h in the runtime's namespaces with the state o on its stdin,
 * as runtime.md's hooks: 0, or -1 (reported, naming the kind k) if it
 * ends non-zero, by a signal, or is past its timeout (then killed)
 */
static int
hook(const struct hook *h, int k, const struct ostate *o)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	char *argv[] = { (char *)h->path, NULL }, *envp[] = { NULL };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigset_t none;
	long waited = 0;
	pid_t pid, w;
	int p[2], st = 0;
	FILE *fp;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		weprintf("hook %s %s:", hookname[k], h->path);
		return -1;
	}
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(p[0], 0) < 0)
			_exit(126);
		execve(h->path, h->argv ? h->argv : argv, h->env ? h->env : envp);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(p[0]);
	/* a hook that does not read its stdin is no failure of ours */
	sigaction(SIGPIPE, &ign, &old);
	if ((fp = fdopen(p[1], "w"))) {
		show(fp, o, "");
		(void)fclose(fp);
	} else {
		close(p[1]);
	}
	sigaction(SIGPIPE, &old, NULL);
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && (!h->timeout ||
	       waited < h->timeout * 100L)) {
		nanosleep(&tick, NULL);
		waited++;
	}
	if (w == 0) {
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		weprintf("hook %s %s: past its timeout of %d s: killed", hookname[k], h->path,
		         h->timeout);
		return -1;
	}
	if (w < 0 || st) {
		weprintf("hook %s %s: exit status %d", hookname[k], h->path, wstatus(st));
		return -1;
	}
	return 0;
}

/*
 * hooks runs the hooks of kind k of s in order, on the state of
 * container id: 0, or -1 (reported) at the first that fails; a
 * poststart or poststop hook's failure is a warning, and the rest run
 */
static int
hooks(const struct spec *s, int k, const char *id)
{
	struct ostate o;
	int i, ret = 0;

	if (!s->nhook[k])
		return 0;
	if (load(id, &o, 0) < 0)
		return -1;
	for (i = 0; i < s->nhook[k] && (ret == 0 || k >= HOOK_POSTSTART); i++)
		if (hook(&s->hook[k][i], k, &o) < 0)
			ret = -1;
	ofree(&o);
	return k >= HOOK_POSTSTART ? 0 : ret;
}

/*
 * later runs the hooks of kind k that create kept (ROOT/ID/config.json,
 * config.json as it was then: edits since are not the container's)
 */
static void
later(const char *id, int k)
{
	char dir[PATHMAX];
	struct spec s;

	if (dirof(dir, id, NULL) < 0)
		return;
	if (spec_load(dir, &s) == 0)
		(void)hooks(&s, k, id);
	spec_free(&s);
}

/* keep copies the bundle's config.json into dir, for later: 0, or -1 (reported) */
static int
keep(const char *bundle, const char *dir)
{
	char from[PATHMAX + 16], to[PATHMAX + 16], *buf = emalloc(SPECMAX);
	ssize_t n = -1;
	int in, out = -1;

	snprintf(from, sizeof(from), "%s/config.json", bundle);
	snprintf(to, sizeof(to), "%s/config.json", dir);
	if ((in = open(from, O_RDONLY | O_CLOEXEC)) >= 0 && (n = readcap(in, buf, SPECMAX)) >= 0 &&
	    (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0 &&
	    writeall(out, buf, n) >= 0 && close(out) == 0) {
		close(in);
		free(buf);
		return 0;
	}
	weprintf("%s:", out < 0 ? from : to);
	if (in >= 0)
		close(in);
	free(buf);
	return -1;
}

/*
 * console hands the master of the container's pty to the engine: one
 * message on the unix socket path, its name and the fd (SCM_RIGHTS), as
 * runc sends it to conmon and containerd's shim; the size of
 * process.consoleSize set first.  0, or -1 (reported).
 */
static int
console(const char *path, int master, const struct specproc *p)
{
	struct winsize ws = { p->rows, p->cols, 0, 0 };
	static const char name[] = "/dev/ptmx";
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, ret = -1;

	if (strlen(path) >= sizeof(a.sun_path)) {
		weprintf("--console-socket %s: path too long", path);
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path));
	if (p->rows && ioctl(master, TIOCSWINSZ, &ws) < 0) {
		weprintf("process.consoleSize:");
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    fd_send(fd, name, strlen(name), master) < 0)
		weprintf("--console-socket %s:", path);
	else
		ret = 0;
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * devallow adds to a device cgroup list of s an allow of each node
 * linux.devices makes, as runc does: the engine that asked for the node
 * meant it to be used (the list starts from deny-all: cgroup.c)
 */
static void
devallow(struct spec *s)
{
	struct devrule *d;
	int i;

	if (!s->ndev)
		return;
	s->lim.devrule = erealloc(s->lim.devrule, (s->lim.ndevrule + s->ndev) *
	                          sizeof(*s->lim.devrule));
	for (i = 0; i < s->ndev; i++) {
		if (s->dev[i].type == 'p')
			continue;
		d = &s->lim.devrule[s->lim.ndevrule++];
		d->allow = 1;
		d->type = s->dev[i].type == 'b' ? 'b' : 'c';
		d->major = s->dev[i].major;
		d->minor = s->dev[i].minor;
		snprintf(d->access, sizeof(d->access), "rwm");
		s->lim.ndevnode++;
	}
}

/*
 * create makes container o->id from its bundle and leaves its init at
 * the second gate, its pid in *pidp: 0, or 1 (reported) with nothing
 * left of it
 */
static int
create(const struct ociopts *op, pid_t *pidp)
{
	char dir[PATHMAX], bundle[PATHMAX], rootfs[PATHMAX];
	struct cg *g = NULL;
	struct run *r;
	struct spec s;
	struct ctr c;
	char **kv = NULL, **p;
	pid_t pid = 0;
	int dfd = -1, lfd = -1, made = 0, ret = 1, st;

	if (spec_load(op->bundle, &s) < 0)
		goto out;
	if (refuse(&s) < 0)
		goto out;
	/* runc's rule: a terminal's master must go somewhere */
	if (s.proc.terminal && !op->console) {
		weprintf("process.terminal needs --console-socket");
		goto out;
	}
	if (!realpath(op->bundle, bundle) || !realpath(s.root, rootfs)) {
		weprintf("%s:", realpath(op->bundle, bundle) ? s.root : op->bundle);
		goto out;
	}
	snprintf(s.root, sizeof(s.root), "%s", rootfs);
	if (mkstate(op->id, dir) < 0)
		goto out;
	made = 1;
	if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		weprintf("%s:", dir);
		goto out;
	}
	kv = sysctlv(&s);
	s.lim.path = s.cgpath;
	s.lim.every = 1;
	devallow(&s);
	if ((lfd = listener(dfd, dir)) < 0 || fill(&c, &s, op->id, dir, kv) < 0 ||
	    cg_create(&s.lim, &g) < 0)
		goto out;
	c.nfds = op->nfds;
	c.attach = g ? cg_attach : NULL;
	c.arg = g;
	c.plumb = gotpid;
	c.plumbarg = &pid;
	c.startfd = lfd;
	if (ns_start(&c, &r) != 0)
		goto out;
	/* the hooks of create: after the namespaces are made (and, unlike
	 * runc's, after the pivot too: init is set up at its gate) */
	if ((s.proc.terminal && console(op->console, ns_pty(r), &s.proc) < 0) ||
	    save(op->id, bundle, &s, pid, g) < 0 || keep(bundle, dir) < 0 ||
	    hooks(&s, HOOK_PRESTART, op->id) < 0 || hooks(&s, HOOK_CREATERUNTIME, op->id) < 0 ||
	    (op->pidfile && pidfile(op->pidfile, pid) < 0)) {
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	/* the cgroups are the container's now, removed by delete */
	g = NULL;
	made = 0;
	*pidp = pid;
	ret = 0;
out:
	if (lfd >= 0)
		close(lfd);
	if (dfd >= 0)
		close(dfd);
	cg_destroy(g);
	if (made)
		(void)rmstate(op->id);
	for (p = kv; p && *p; p++)
		free(*p);
	free(kv);
	spec_free(&s);
	return ret;
}

/*
 * release lets the created container id go on: it connects to its
 * start.sock, removes it (the container is no longer created) and
 * waits for init's byte.  0, or 1 (reported).
 */
static int
release(const char *id)
{
	struct sockaddr_un a;
	struct pollfd p;
	char dir[PATHMAX], path[PATHMAX], b;
	int dfd = -1, fd = -1, ret = 1;

	if (dirof(dir, id, NULL) < 0 || dirof(path, id, "start.sock") < 0)
		return 1;
	if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		weprintf("%s:", dir);
		goto out;
	}
	sockaddr(&a, dfd);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		weprintf("%s:", path);
		goto out;
	}
	if (unlink(path) < 0) {
		weprintf("%s:", path);
		goto out;
	}
	/* init answers at once, unless it is stopped (SIGSTOP) or gone */
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, 10000) != 1 || read(fd, &b, 1) != 1) {
		weprintf("container %s: its init did not take the start", id);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return ret;
}

int
ocirt_create(const struct ociopts *op)
{
	pid_t pid;

	rootdir = op->root;
	return create(op, &pid);
}

int
ocirt_start(const char *root, const char *id)
{
	struct ostate o;
	int ret;

	rootdir = root;
	if (load(id, &o, 0) < 0)
		return 1;
	if (o.status != CS_CREATED) {
		weprintf(o.status == CS_RUNNING ? "cannot start an already running container" :
		         o.status == CS_PAUSED ? "cannot start a container in the paused state" :
		         "cannot start a container that has stopped");
		ofree(&o);
		return 1;
	}
	if ((ret = release(id)) == 0)
		later(id, HOOK_POSTSTART);
	ofree(&o);
	return ret;
}

int
ocirt_state(const char *root, const char *id)
{
	struct ostate o;

	rootdir = root;
	if (load(id, &o, 0) < 0)
		return 1;
	show(stdout, &o, "  ");
	ofree(&o);
	return 0;
}

/*
 * cgmembers lists the processes of the container's cgroup, init's
 * first if it is there, in a new array *v of *n: 0, or -1 (reported).
 * For a container in the host's PID namespace, which is everyone's:
 * every directory of it holds them all (cg_attach), the first that can
 * be read is asked.
 */
static int
cgmembers(const struct ostate *o, pid_t **v, int *n)
{
	char path[PATHMAX], *buf, *p, *e;
	int i, fd = -1, cap = 16;
	ssize_t len;
	long pid;

	*n = 0;
	*v = ecalloc(cap, sizeof(**v));
	if (!o->ncg) {
		weprintf("container %s: in the host's pid namespace, with no cgroup to tell its "
		         "processes by", o->id);
		return -1;
	}
	for (i = 0; i < o->ncg && fd < 0; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", o->cg[i]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 && errno != ENOENT) {
			weprintf("%s:", path);
			return -1;
		}
	}
	/* gone: a release agent removes an empty one */
	if (fd < 0)
		return 0;
	buf = emalloc(OSTATEMAX);
	if ((len = readcap(fd, buf, OSTATEMAX - 1)) < 0) {
		weprintf("%s:", path);
		free(buf);
		close(fd);
		return -1;
	}
	close(fd);
	buf[len] = '\0';
	if (alive(o))
		(*v)[(*n)++] = o->pid;
	for (p = buf; (pid = strtol(p, &e, 10)) > 0; p = e) {
		if (pid == o->pid)
			continue;
		if (*n == cap)
			*v = erealloc(*v, (cap *= 2) * sizeof(**v));
		(*v)[(*n)++] = pid;
	}
	free(buf);
	return 0;
}

/*
 * members lists the processes in init's PID namespace, init's first, in
 * a new array *v of *n: 0, or -1 (reported).  The namespace is the
 * container's whole: nothing joins it from outside (no exec yet).  A
 * container in the host's is its cgroup's.
 */
static int
members(const struct ostate *o, pid_t **v, int *n)
{
	char path[64], ns[64], other[64];
	struct dirent *de;
	ssize_t len, l2;
	DIR *d;
	long p;
	int cap = 16;

	if (o->hostpid)
		return cgmembers(o, v, n);
	*n = 0;
	*v = ecalloc(cap, sizeof(**v));
	snprintf(path, sizeof(path), "/proc/%ld/ns/pid", (long)o->pid);
	if ((len = readlink(path, ns, sizeof(ns))) < 0 || !(d = opendir("/proc"))) {
		weprintf("%s:", path);
		return -1;
	}
	(*v)[(*n)++] = o->pid;
	while ((de = readdir(d))) {
		if ((p = strtol(de->d_name, NULL, 10)) <= 0 || p == o->pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/pid", p);
		if ((l2 = readlink(path, other, sizeof(other))) != len || memcmp(ns, other, len))
			continue;
		if (*n == cap)
			*v = erealloc(*v, (cap *= 2) * sizeof(**v));
		(*v)[(*n)++] = p;
	}
	closedir(d);
	return 0;
}

int
ocirt_kill(const char *root, const char *id, int sig, int all)
{
	struct ostate o;
	pid_t *v = NULL;
	int i, n = 0, ret = 1;

	rootdir = root;
	if (load(id, &o, 0) < 0)
		return 1;
	/* as runc: what init left behind in the host's PID namespace is
	 * still the container's to signal */
	if (o.status == CS_STOPPED && !(all && o.hostpid)) {
		weprintf("container not running");
		goto out;
	}
	if (all && members(&o, &v, &n) < 0)
		goto out;
	if (!all && kill(o.pid, sig) < 0) {
		weprintf(errno == ESRCH ? "container not running" : "kill %ld:", (long)o.pid);
		goto out;
	}
	/* init's last: a SIGKILL of the namespace's PID 1 ends it before
	 * the others are reached */
	for (i = n - 1; i >= 0; i--)
		if (kill(v[i], sig) < 0 && errno != ESRCH)
			weprintf("kill %ld:", (long)v[i]);
	ret = 0;
out:
	free(v);
	ofree(&o);
	return ret;
}

/* thaw lets the container's processes run again: 0, or -1 (reported) */
static int
thaw(const struct ostate *o)
{
	struct cg *g = ocg(o);
	int r = cg_freeze(g, 0);

	cg_close(g);
	return r;
}

/* gone waits for the container's init to end (a zombie has): 0, or -1 after 10 s */
static int
gone(const struct ostate *o)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000 && alive(o); i++)
		nanosleep(&tick, NULL);
	return alive(o) ? -1 : 0;
}

/*
 * rmcg removes a container's cgroup dir: the last of its processes may
 * still be on their way out after init ended
 */
static int
rmcg(const char *dir)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int n;

	for (n = 0; rmdir(dir) < 0; n++) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || n == 200) {
			weprintf("%s: rmdir:", dir);
			return -1;
		}
		nanosleep(&tick, NULL);
	}
	return 0;
}

/*
 * reap kills what a container in the host's PID namespace left in its
 * cgroup once init ended (no namespace's end took it along), as runc
 * does, until none is left, for 2 s: 0, or -1 (reported)
 */
static int
reap(const struct ostate *o)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	pid_t *v;
	int i, k, n;

	if (!o->ncg)		/* nothing to tell them by: cgroups were off */
		return 0;
	for (k = 0; k < 200; k++) {
		if (cgmembers(o, &v, &n) < 0) {
			free(v);
			return -1;
		}
		for (i = 0; i < n; i++)
			(void)kill(v[i], SIGKILL);
		free(v);
		if (!n)
			return 0;
		nanosleep(&tick, NULL);
	}
	weprintf("container %s: its processes outlive SIGKILL", o->id);
	return -1;
}

int
ocirt_delete(const char *root, const char *id, int force)
{
	struct ostate o;
	int i, ret = 0;

	rootdir = root;
	if (load(id, &o, 1) < 0) {
		/* as runc: --force on what is not there is done; a create
		 * that died half-way leaves a directory without a state */
		if (errno != ENOENT)
			return 1;
		if (!force)
			weprintf("container %s does not exist", id);
		return force && rmstate(id) < 0 ? 1 : !force;
	}
	/* runtime.md: delete of what is not stopped fails (runc kills a
	 * created one; the validation suite holds to the spec) */
	if (o.status != CS_STOPPED && !force) {
		weprintf("cannot delete container %s that is not stopped: %s", id,
		         statusname(o.status));
		ofree(&o);
		return 1;
	}
	if (o.status != CS_STOPPED) {
		(void)kill(o.pid, SIGKILL);
		/* a frozen process dies only once thawed */
		if (o.status == CS_PAUSED)
			(void)thaw(&o);
		if (gone(&o) < 0) {
			weprintf("container %s: init %ld did not die of SIGKILL", id, (long)o.pid);
			ofree(&o);
			return 1;
		}
	}
	if (o.hostpid && reap(&o) < 0) {
		ofree(&o);
		return 1;
	}
	later(id, HOOK_POSTSTOP);
	for (i = 0; i < o.ncg; i++)
		if (rmcg(o.cg[i]) < 0)
			ret = 1;
	if (rmstate(id) < 0)
		ret = 1;
	ofree(&o);
	return ret;
}

int
ocirt_ps(const char *root, const char *id, int json)
{
	char path[64], comm[64];
	struct ostate o;
	pid_t *v = NULL;
	int i, n = 0, fd;
	ssize_t len;

	rootdir = root;
	if (load(id, &o, 0) < 0)
		return 1;
	if (o.status != CS_STOPPED && members(&o, &v, &n) < 0) {
		ofree(&o);
		return 1;
	}
	if (json)
		printf("[");
	else
		printf("PID\tCMD\n");
	for (i = 0; i < n; i++) {
		if (json) {
			printf("%s%ld", i ? "," : "", (long)v[i]);
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%ld/comm", (long)v[i]);
		*comm = '\0';
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			if ((len = readcap(fd, comm, sizeof(comm))) > 0 && comm[len - 1] == '\n')
				comm[len - 1] = '\0';
			close(fd);
		}
		printf("%ld\t%s\n", (long)v[i], comm);
	}
	if (json)
		printf("]\n");
	free(v);
	ofree(&o);
	return 0;
}

int
ocirt_list(const char *root, int quiet, int json)
{
	struct dirent *de;
	struct ostate o;
	DIR *d;
	int n = 0;

	rootdir = root;
	if (json)
		printf("[");
	else if (!quiet)
		printf("%-24s %-8s %-8s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	if (!(d = opendir(root)) && errno != ENOENT) {
		weprintf("%s:", root);
		return 1;
	}
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || load(de->d_name, &o, 1) < 0)
			continue;
		if (json) {
			printf("%s", n++ ? "," : "");
			show(stdout, &o, "");
		} else if (quiet) {
			printf("%s\n", o.id);
		} else {
			printf("%-24s %-8ld %-8s %-40s %-31s %s\n", o.id,
			       o.status == CS_STOPPED ? 0L : (long)o.pid, statusname(o.status),
			       o.bundle, o.created, "root");
		}
		ofree(&o);
	}
	if (d)
		closedir(d);
	if (json)
		printf("]\n");
	return 0;
}

/*
 * run is create and start in one, in the foreground: this process is
 * init's parent, passes on the signals a terminal or a supervisor sends
 * it, and returns the container's status once init has exited, its state
 * removed.  With detach it returns once the container runs.
 */
int
ocirt_run(const struct ociopts *op)
{
	static const int sigs[] = {
		SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD,
	};
	siginfo_t si;
	sigset_t set;
	size_t i;
	pid_t pid;
	int st, status;

	rootdir = op->root;
	if (create(op, &pid) != 0)
		return 1;
	if (release(op->id) != 0) {
		(void)ocirt_delete(op->root, op->id, 1);
		return 1;
	}
	later(op->id, HOOK_POSTSTART);
	if (op->detach)
		return 0;
	/* ns_start left these blocked, for sigwaitinfo */
	sigemptyset(&set);
	for (i = 0; i < LEN(sigs); i++)
		sigaddset(&set, sigs[i]);
	for (;;) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		if (sigwaitinfo(&set, &si) < 0 || si.si_signo == SIGCHLD)
			continue;
		(void)kill(pid, si.si_signo);
	}
	status = wstatus(st);
	(void)ocirt_delete(op->root, op->id, 1);
	return status;
}

int
ocirt_pause(const char *root, const char *id)
{
	struct ostate o;
	struct cg *g;
	int ret;

	rootdir = root;
	if (load(id, &o, 0) < 0)
		return 1;
	/* runc's words, and runc's rule: a created one may be paused too */
	if (o.status != CS_RUNNING && o.status != CS_CREATED) {
		weprintf("container not running");
		ofree(&o);
		return 1;
	}
	g = ocg(&o);
	ret = cg_freeze(g, 1) < 0;
	cg_close(g);
	ofree(&o);
	return ret;
}

int
ocirt_resume(const char *root, const char *id)
{
	struct ostate o;
	int ret;

	rootdir = root;
	if (load(id, &o, 0) < 0)
		return 1;
	if (o.status != CS_PAUSED) {
		weprintf("container not paused");
		ofree(&o);
		return 1;
	}
	ret = thaw(&o) < 0;
	ofree(&o);
	return ret;
}

int
ocirt_update(const char *root, const char *id, const struct limits *l)
{
	struct ostate o;
	struct cg *g;
	int ret;

	rootdir = root;
	if (load(id, &o, 0) < 0)
		return 1;
	if (o.status == CS_STOPPED) {
		weprintf("container not running");
		ofree(&o);
		return 1;
	}
	g = ocg(&o);
	ret = cg_update(g, l) < 0;
	cg_close(g);
	ofree(&o);
	return ret;
}

/*
 * xproc makes f what exec runs in the container whose config.json (as
 * create kept it) is s: x's --process file, parsed into *doc, which f
 * points into, taking the container's capabilities, rlimits and umask
 * where it gives none, as runc; else the container's process with x's
 * command and flags.  Every string is a copy: the joiner wipes the
 * command line.  0, or -1 (reported).
 */
static int
xproc(const struct spec *s, const struct ociexec *x, struct specproc *f, struct json **doc)
{
	char *buf, **e;
	ssize_t n = -1;
	int fd;

	memset(f, 0, sizeof(*f));
	if (x->process) {
		buf = emalloc(SPECMAX);
		if ((fd = open(x->process, O_RDONLY | O_CLOEXEC)) >= 0) {
			n = readcap(fd, buf, SPECMAX);
			close(fd);
		}
		if (n < 0)
			weprintf("--process %s:", x->process);
		*doc = n < 0 ? NULL : json_parse(x->process, buf, n);
		free(buf);
		if (!*doc || spec_process(x->process, *doc, f) < 0)
			return -1;
		if (!json_get(*doc, "capabilities"))
			memcpy(f->caps, s->proc.caps, sizeof(f->caps));
		if (!f->nrlim) {
			memcpy(f->rlim, s->proc.rlim, sizeof(f->rlim));
			f->nrlim = s->proc.nrlim;
		}
		if (f->umask < 0)
			f->umask = s->proc.umask;
		return 0;
	}
	*f = s->proc;
	f->argv = f->env = NULL;
	for (e = x->argv; *e; e++)
		vpush(&f->argv, *e);
	for (e = s->proc.env; e && *e; e++)
		vpush(&f->env, *e);
	for (e = x->env; e && *e; e++)
		vsetenv(&f->env, *e);
	f->groups = ecalloc(s->proc.ngroups + x->ngroups + 1, sizeof(*f->groups));
	memcpy(f->groups, s->proc.groups, s->proc.ngroups * sizeof(*f->groups));
	memcpy(f->groups + s->proc.ngroups, x->groups, x->ngroups * sizeof(*f->groups));
	f->ngroups = s->proc.ngroups + x->ngroups;
	if (x->uid >= 0)
		f->uid = x->uid;
	if (x->gid >= 0)
		f->gid = x->gid;
	for (n = 0; n < CAPSETS; n++)
		f->caps[n] |= x->caps;
	f->nonewprivs |= x->nonewprivs;
	f->terminal = x->tty;
	return 0;
}

/*
 * xstart starts f in the container o, its init, as exec.c enters one,
 * under the container's seccomp profile (s's): the command's pid, with a
 * terminal its master in *pty; or -1 (reported)
 */
static pid_t
xstart(const struct ociopts *op, const struct ostate *o, const struct spec *s,
       const struct specproc *f, const char *cwd, int *pty)
{
	struct proc p = { 0 };
	int status;

	p.argv = f->argv;
	p.env = f->env;
	p.cwd = cwd;
	p.uid = f->uid;
	p.gid = f->gid;
	p.groups = f->groups;
	p.ngroups = f->ngroups;
	p.capsets = f->caps;
	p.newprivs = !f->nonewprivs;
	p.seccomp = s->seccomp;
	p.noseccomp = !s->seccomp;
	p.rlim = f->rlim;
	p.nrlim = f->nrlim;
	p.umask = f->umask >= 0 ? f->umask : 022;
	p.tty = f->terminal;
	return exec_start(op->id, o->pid, o->pidstart, &p, op->nfds, pty, &status);
}

int
ocirt_exec(const struct ociopts *op, const struct ociexec *x)
{
	char dir[PATHMAX], *cwd = NULL;
	struct json *doc = NULL;
	struct specproc f = { 0 };
	struct ostate o;
	struct relay r;
	struct spec s;
	sigset_t set;
	pid_t cmd;
	int ret = 255, pty = -1, sigfd = -1, i, st;

	rootdir = op->root;
	memset(&s, 0, sizeof(s));
	if (load(op->id, &o, 0) < 0)
		return 255;
	/* as runc: a created container's namespaces are there to enter */
	if (o.status == CS_STOPPED) {
		weprintf("cannot exec in a stopped container");
		goto out;
	}
	/* the joiner would wait in the frozen cgroup, as the command would */
	if (o.status == CS_PAUSED && !x->ignorepaused) {
		weprintf("cannot exec in a paused container (use --ignore-paused to override)");
		goto out;
	}
	if (dirof(dir, op->id, NULL) < 0 || spec_load(dir, &s) < 0 || xproc(&s, x, &f, &doc) < 0)
		goto out;
	/* runc's rules: the pty's master goes to the caller's socket when
	 * exec detaches, and only then */
	if (op->detach && f.terminal && !op->console) {
		weprintf("cannot allocate tty if runc will detach without setting console socket");
		goto out;
	}
	if (op->console && (!op->detach || !f.terminal)) {
		weprintf("cannot use console socket if runc will not detach or allocate tty");
		goto out;
	}
	cwd = estrdup(x->cwd && !x->process ? x->cwd : f.cwd);
	/* blocked before the fork, for the signalfd: what a terminal or
	 * the engine sends exec is passed on to the command */
	sigemptyset(&set);
	ns_sigs(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (!op->detach && (sigfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		weprintf("signalfd:");
		goto out;
	}
	if ((cmd = xstart(op, &o, &s, &f, cwd, &pty)) < 0)
		goto out;
	if ((op->console && console(op->console, pty, &f) < 0) ||
	    (op->pidfile && pidfile(op->pidfile, cmd) < 0)) {
		(void)kill(cmd, SIGKILL);
		while (waitpid(cmd, &st, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	/* detached, the command is left to the caller's subreaper (conmon,
	 * containerd's shim), which adopts it as this process exits */
	if (op->detach) {
		ret = 0;
		goto out;
	}
	for (i = 0; i < 3; i++)
		r.fd[i] = r.child[i] = -1;
	r.off = r.len = 0;
	ret = pty >= 0 ? tty_relay(pty, sigfd, cmd, 1) : tty_supervise(cmd, sigfd, &r);
out:
	if (pty >= 0)
		close(pty);
	if (sigfd >= 0)
		close(sigfd);
	free(cwd);
	spec_procfree(&f);
	json_free(doc);
	spec_free(&s);
	ofree(&o);
	return ret;
}
