/* See LICENSE file for copyright and license details. */
/*
 * Containers' state in the store (pieces.1, FILES):
 *
 *	containers/ID/state.json	the state: OCI's, and pieces' besides
 *	containers/ID/log, log.1	its output (svc.c), the older rotated
 *	containers/ID/stop		made by stop: no restart after this exit
 *	containers/.ID			one being made or removed, never listed
 *	names/NAME			a symlink to its ID
 *
 * A state appears whole: it is written beside the old one and renamed
 * over it, so a reader never sees half of one.  Changes of status are
 * made under the container's lock (flock(2) of its directory), the
 * supervisor's (svc.c) against stop's, kill's and rm's.  What a state
 * says of a running container is taken on trust only while the
 * supervisor that wrote it lives: the same boot, and the same process
 * at its pid (its start time); otherwise it is stale, which ps says and
 * rm cleans.  A name is a symlink, made at once or refused: two runs of
 * one --name cannot both get it.
 */
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pieces.h"

#define CTRLISTMAX	65536		/* containers ctr_list reads */

static const char *statusname[] = { "created", "running", "stopped" };

/* bootid reads this boot's id into buf (40 bytes), "" if it cannot */
static void
bootid(char *buf)
{
	ssize_t n = -1;
	int fd;

	if ((fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)) >= 0) {
		n = readcap(fd, buf, 40);
		close(fd);
	}
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int
ctr_alive(pid_t pid, unsigned long long start)
{
	return pid > 0 && start && pidstart(pid) == start;
}

/* dirs opens containers/ and names/ of s, made if mk: 0, or -1 (reported) */
static int
dirs(struct store *s, int mk, int *cfd, int *nfd)
{
	static const char *sub[] = { "containers", "names" };
	int *fd[] = { cfd, nfd };
	size_t i;

	for (i = 0; i < LEN(sub); i++) {
		if (mk && mkdirat(s->fd, sub[i], 0700) < 0 && errno != EEXIST) {
			weprintf("%s/%s:", s->root, sub[i]);
			goto fail;
		}
		if ((*fd[i] = openat(s->fd, sub[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			if (!mk && errno == ENOENT)
				continue;
			weprintf("%s/%s:", s->root, sub[i]);
			goto fail;
		}
	}
	return 0;
fail:
	if (i > 0 && *cfd >= 0)
		close(*cfd);
	*cfd = *nfd = -1;
	return -1;
}

/* put writes s as a JSON string */
static void
put(FILE *f, const char *s)
{
	char *q = emalloc(JSONQUOTE(strlen(s)) + 1);

	*json_quote(q, s) = '\0';
	fputs(q, f);
	free(q);
}

/* putv writes ,"key":[...] of the list v */
static void
putv(FILE *f, const char *key, char **v)
{
	fprintf(f, ",\"%s\":[", key);
	for (; v && *v; v++) {
		put(f, *v);
		if (v[1])
			fputc(',', f);
	}
	fputc(']', f);
}

/* puts writes ,"key":"s" */
static void
putkv(FILE *f, const char *key, const char *s)
{
	fprintf(f, ",\"%s\":", key);
	put(f, s);
}

/*
 * encode writes st as its state.json into a new buffer *buf of *len
 * bytes: 0, or -1 with errno set.  OCI's fields first, as runc prints
 * them; the times are seconds since the epoch.
 */
static int
encode(const struct cstate *st, const char *root, char **buf, size_t *len)
{
	const struct proc *p = &st->proc;
	const struct limits *l = &st->lim;
	char bundle[PATHMAX + 96];
	FILE *f;
	int i;

	if (!(f = open_memstream(buf, len)))
		return -1;
	fprintf(f, "{\"ociVersion\":\"1.0.2\",\"id\":\"%s\",\"status\":\"%s\",\"pid\":%d",
	        st->id, statusname[st->status], st->status == CS_RUNNING ? (int)st->pid : 0);
	snprintf(bundle, sizeof(bundle), "%s/containers/%s", root, st->id);
	putkv(f, "bundle", bundle);
	fputs(",\"annotations\":{\"pieces.name\":", f);
	put(f, st->name);
	fputs(",\"pieces.image\":", f);
	put(f, st->image);
	fputc('}', f);
	putkv(f, "name", st->name);
	putkv(f, "image", st->image);
	putkv(f, "boot", st->boot);
	fprintf(f, ",\"pidstart\":%llu,\"supervisor\":%d,\"supstart\":%llu",
	        st->pidstart, (int)st->sup, st->supstart);
	fprintf(f, ",\"exitcode\":%d,\"restarts\":%d,\"detached\":%s,\"autorm\":%s,"
	        "\"restarting\":%s", st->exitcode, st->restarts, st->detached ? "true" : "false",
	        st->autorm ? "true" : "false", st->restarting ? "true" : "false");
	fprintf(f, ",\"created\":%lld,\"started\":%lld,\"finished\":%lld",
	        (long long)st->created, (long long)st->started, (long long)st->finished);
	putkv(f, "restart", st->restart);
	putv(f, "args", st->args);
	putv(f, "ports", st->ports);
	fprintf(f, ",\"limits\":{\"memory\":%llu,\"swap\":%lld,\"pids\":%lld,\"quota\":%llu,"
	        "\"period\":%llu,\"shares\":%llu}", (unsigned long long)l->memory,
	        (long long)l->swap, (long long)l->pids, (unsigned long long)l->quota,
	        (unsigned long long)l->period, (unsigned long long)l->shares);
	fputs(",\"process\":{", f);
	fprintf(f, "\"uid\":%u,\"gid\":%u,\"groups\":[", (unsigned)p->uid, (unsigned)p->gid);
	for (i = 0; i < p->ngroups; i++)
		fprintf(f, "%s%u", i ? "," : "", (unsigned)p->groups[i]);
	fprintf(f, "],\"caps\":%llu,\"seccomp\":%s,\"tty\":%s", (unsigned long long)p->caps,
	        p->noseccomp ? "false" : "true", p->tty ? "true" : "false");
	putkv(f, "cwd", st->cwd);
	putv(f, "args", p->argv);
	putv(f, "env", p->env);
	fputs("}}\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

/* num reads obj's member key, a non-negative integer below max, into *v: 0, or -1 */
static int
num(const struct json *obj, const char *key, uint64_t max, uint64_t *v)
{
	struct json *j = json_get(obj, key);

	*v = 0;
	return j && (json_u64(j, v) < 0 || *v > max) ? -1 : 0;
}

static int
flag(const struct json *obj, const char *key)
{
	struct json *j = json_get(obj, key);

	return j && j->type == JSON_BOOL && j->b;
}

/* text copies obj's string member key into buf of len bytes: 0, or -1 if it is too long */
static int
text(const struct json *obj, const char *key, char *buf, size_t len)
{
	const char *s = json_str(obj, key);

	if (!s)
		s = "";
	if (strlen(s) >= len)
		return -1;
	strcpy(buf, s);
	return 0;
}

/* decode fills st from the state.json j: 0, or -1 if a field is bad */
static int
decode(const struct json *j, struct cstate *st)
{
	const struct json *p = json_get(j, "process"), *l = json_get(j, "limits"), *g;
	const char *s;
	uint64_t v[8];
	size_t i;

	memset(st, 0, sizeof(*st));
	st->proc.cwd = st->cwd;
	if (text(j, "id", st->id, sizeof(st->id)) < 0 || text(j, "name", st->name, sizeof(st->name)) < 0 ||
	    text(j, "image", st->image, sizeof(st->image)) < 0 ||
	    text(j, "boot", st->boot, sizeof(st->boot)) < 0 ||
	    text(j, "restart", st->restart, sizeof(st->restart)) < 0 || !p ||
	    text(p, "cwd", st->cwd, sizeof(st->cwd)) < 0)
		return -1;
	if (!(s = json_str(j, "status")))
		return -1;
	for (i = 0; i < LEN(statusname) && strcmp(s, statusname[i]); i++)
		;
	if (i == LEN(statusname))
		return -1;
	st->status = i;
	if (num(j, "pid", 1 << 30, &v[0]) < 0 || num(j, "supervisor", 1 << 30, &v[1]) < 0 ||
	    num(j, "pidstart", UINT64_MAX, &v[2]) < 0 || num(j, "supstart", UINT64_MAX, &v[3]) < 0 ||
	    num(j, "exitcode", 255, &v[4]) < 0 || num(j, "restarts", 1 << 30, &v[5]) < 0)
		return -1;
	st->pid = v[0], st->sup = v[1], st->pidstart = v[2], st->supstart = v[3];
	st->exitcode = v[4], st->restarts = v[5];
	if (num(j, "created", INT64_MAX, &v[0]) < 0 || num(j, "started", INT64_MAX, &v[1]) < 0 ||
	    num(j, "finished", INT64_MAX, &v[2]) < 0)
		return -1;
	st->created = v[0], st->started = v[1], st->finished = v[2];
	st->detached = flag(j, "detached");
	st->autorm = flag(j, "autorm");
	st->restarting = flag(j, "restarting");
	if (num(l, "memory", SIZEMAX, &st->lim.memory) < 0 || num(l, "quota", UINT32_MAX, &st->lim.quota) < 0 ||
	    num(l, "period", UINT32_MAX, &st->lim.period) < 0 ||
	    num(l, "shares", UINT32_MAX, &st->lim.shares) < 0)
		return -1;
	/* -1 is "any": kept as written, a number or -1 */
	st->lim.swap = (g = json_get(l, "swap")) && g->type == JSON_NUMBER ? strtoll(g->s, NULL, 10) : 0;
	st->lim.pids = (g = json_get(l, "pids")) && g->type == JSON_NUMBER ? strtoll(g->s, NULL, 10) : 0;
	if (num(p, "uid", UINT32_MAX - 1, &v[0]) < 0 || num(p, "gid", UINT32_MAX - 1, &v[1]) < 0 ||
	    num(p, "caps", UINT64_MAX, &st->proc.caps) < 0)
		return -1;
	st->proc.uid = v[0], st->proc.gid = v[1];
	st->proc.noseccomp = !flag(p, "seccomp");
	st->proc.tty = flag(p, "tty");
	for (g = (g = json_get(p, "groups")) ? g->child : NULL; g; g = g->next) {
		if (st->proc.ngroups == GROUPSMAX || json_u64(g, &v[0]) < 0 || v[0] >= UINT32_MAX)
			return -1;
		st->proc.groups = erealloc(st->proc.groups, (st->proc.ngroups + 1) * sizeof(gid_t));
		st->proc.groups[st->proc.ngroups++] = v[0];
	}
	if (json_strv(json_get(j, "args"), &st->args) < 0 || json_strv(json_get(j, "ports"), &st->ports) < 0 ||
	    json_strv(json_get(p, "args"), &st->proc.argv) < 0 ||
	    json_strv(json_get(p, "env"), &st->proc.env) < 0)
		return -1;
	return strlen(st->id) == CIDLEN && strspn(st->id, "0123456789abcdef") == CIDLEN ? 0 : -1;
}

void
ctr_free(struct cstate *st)
{
	vfree(st->args);
	vfree(st->ports);
	proc_free(&st->proc);
	st->args = st->ports = NULL;
}

/* load reads the state of container id from containers/ (cfd): 0, or
 * -1 (reported unless quiet) */
static int
load(struct store *s, int cfd, const char *id, struct cstate *st, int quiet)
{
	char path[CIDLEN + 16], *buf = emalloc(CSTATEMAX), boot[40];
	struct json *j = NULL;
	ssize_t n = -1;
	int fd, ret = -1;

	snprintf(path, sizeof(path), "%s/state.json", id);
	if ((fd = openat(cfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		n = readcap(fd, buf, CSTATEMAX);
		close(fd);
	}
	if (n < 0) {
		if (!quiet)
			weprintf("%s/containers/%s:", s->root, path);
		goto out;
	}
	if (!(j = json_parse(NULL, buf, n)) || decode(j, st) < 0 || strcmp(st->id, id)) {
		if (j)
			ctr_free(st);
		if (!quiet)
			weprintf("%s/containers/%s: not a container's state", s->root, path);
		goto out;
	}
	/* running, by a supervisor of another boot, or one that is gone */
	bootid(boot);
	if (st->status == CS_RUNNING && (strcmp(boot, st->boot) || !ctr_alive(st->sup, st->supstart)))
		st->stale = 1;
	ret = 0;
out:
	json_free(j);
	free(buf);
	return ret;
}

/* save writes st as containers/dir/state.json (cfd), atomically: 0, or -1 (reported) */
static int
save(struct store *s, int cfd, const char *dir, const struct cstate *st)
{
	char tmp[CIDLEN + 32], path[CIDLEN + 16], *buf = NULL;
	size_t len;
	int fd = -1;

	snprintf(tmp, sizeof(tmp), "%s/.state.json.%d", dir, (int)getpid());
	snprintf(path, sizeof(path), "%s/state.json", dir);
	if (encode(st, s->root, &buf, &len) < 0 ||
	    (fd = openat(cfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
	    writeall(fd, buf, len) < 0 || close(fd) < 0 || (fd = -1, renameat(cfd, tmp, cfd, path) < 0)) {
		weprintf("%s/containers/%s:", s->root, path);
		if (fd >= 0)
			close(fd);
		(void)unlinkat(cfd, tmp, 0);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

int
ctr_save(struct store *s, const struct cstate *st)
{
	int cfd, nfd, ret;

	if (dirs(s, 0, &cfd, &nfd) < 0)
		return -1;
	if (nfd >= 0)
		close(nfd);
	if (cfd < 0) {
		weprintf("%s/containers: no such directory", s->root);
		return -1;
	}
	ret = save(s, cfd, st->id, st);
	close(cfd);
	return ret;
}

/* shut closes what dirs opened */
static void
shut(int cfd, int nfd)
{
	if (cfd >= 0)
		close(cfd);
	if (nfd >= 0)
		close(nfd);
}

/* nameof reads the id names/name links to into id: 0, or -1 with errno set */
static int
nameof(int nfd, const char *name, char *id)
{
	ssize_t n;

	if (nfd < 0 || (n = readlinkat(nfd, name, id, CIDLEN + 1)) < 0)
		return errno = ENOENT, -1;
	id[n] = '\0';
	return n == CIDLEN ? 0 : (errno = EINVAL, -1);
}

/* gone says whether the container dir id is no longer there */
static int
gone(int cfd, const char *id)
{
	struct stat sb;

	return fstatat(cfd, id, &sb, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

/* claim makes names/NAME st's: 0, or -1 (reported) if another container has it */
static int
claim(struct store *s, int cfd, int nfd, const struct cstate *st)
{
	char id[CIDLEN + 1];
	int try, ret = -1;

	/* under the lock of names/: the stale link one run finds and
	 * unlinks could otherwise be the one another has just made */
	while (flock(nfd, LOCK_EX) < 0)
		if (errno != EINTR) {
			weprintf("%s/names: flock:", s->root);
			return -1;
		}
	for (try = 0; try < 2; try++) {
		if (symlinkat(st->id, nfd, st->name) == 0) {
			ret = 0;
			goto out;
		}
		if (errno != EEXIST)
			break;
		/* the name of a container removed half-way is free again */
		if (nameof(nfd, st->name, id) == 0 && !gone(cfd, id)) {
			weprintf("container name %s: in use by %.12s (pieces rm %s)", st->name, id, st->name);
			goto out;
		}
		(void)unlinkat(nfd, st->name, 0);
	}
	weprintf("%s/names/%s:", s->root, st->name);
out:
	(void)flock(nfd, LOCK_UN);
	return ret;
}

int
ctr_new(struct store *s, struct cstate *st)
{
	unsigned char rnd[CIDLEN / 2];
	char tmp[CIDLEN + 2];
	int cfd, nfd, i, ret = -1;

	if (st->name[0] && store_word(st->name, "container") < 0)
		return -1;
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		weprintf("getrandom:");
		return -1;
	}
	for (i = 0; i < CIDLEN / 2; i++)
		sprintf(st->id + 2 * i, "%02x", rnd[i]);
	bootid(st->boot);
	st->created = time(NULL);
	if (dirs(s, 1, &cfd, &nfd) < 0)
		return -1;
	/* made as .ID and renamed: listed whole or not at all */
	snprintf(tmp, sizeof(tmp), ".%s", st->id);
	if (mkdirat(cfd, tmp, 0700) < 0) {
		weprintf("%s/containers/%s:", s->root, tmp);
		goto out;
	}
	if (save(s, cfd, tmp, st) < 0) {
		(void)rmtree(cfd, tmp);
		goto out;
	}
	if (renameat(cfd, tmp, cfd, st->id) < 0) {
		weprintf("%s/containers/%s:", s->root, st->id);
		(void)rmtree(cfd, tmp);
		goto out;
	}
	if (st->name[0] && claim(s, cfd, nfd, st) < 0) {
		(void)rmtree(cfd, st->id);
		goto out;
	}
	ret = 0;
out:
	shut(cfd, nfd);
	return ret;
}

/* hexid says whether s is nothing but lower-case hex digits, at most an id's */
static int
hexid(const char *s)
{
	size_t n = strlen(s);

	return n && n <= CIDLEN && strspn(s, "0123456789abcdef") == n;
}

int
ctr_find(struct store *s, const char *arg, struct cstate *st)
{
	char id[CIDLEN + 1] = "";
	struct dirent *de;
	DIR *d;
	int cfd, nfd, ret = -1, fd;

	if (dirs(s, 0, &cfd, &nfd) < 0)
		return -1;
	/* as Docker: a whole id, then a name, then an id's unique prefix */
	if (cfd >= 0 && strlen(arg) == CIDLEN && hexid(arg) && !gone(cfd, arg))
		snprintf(id, sizeof(id), "%s", arg);
	/* a name is one path component of names/, never a way out of it */
	if (!id[0] && (strchr(arg, '/') || arg[0] == '.' || nameof(nfd, arg, id) < 0))
		id[0] = '\0';
	if (!id[0] && cfd >= 0 && hexid(arg) && (fd = dup(cfd)) >= 0 && (d = fdopendir(fd))) {
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, arg, strlen(arg)) && hexid(de->d_name)) {
				if (id[0]) {
					weprintf("%s: more than one container's id starts so", arg);
					closedir(d);
					goto out;
				}
				snprintf(id, sizeof(id), "%.64s", de->d_name);
			}
		closedir(d);
	}
	if (!id[0] || gone(cfd, id))
		weprintf("%s: no such container", arg);
	else
		ret = load(s, cfd, id, st, 0);
out:
	shut(cfd, nfd);
	return ret;
}

static int
newest(const void *a, const void *b)
{
	const struct cstate *x = a, *y = b;

	return x->created != y->created ? (x->created < y->created ? 1 : -1) : strcmp(x->id, y->id);
}

int
ctr_list(struct store *s, struct cstate **v, int *n)
{
	struct dirent *de;
	DIR *d;
	int cfd, nfd, fd;

	*v = NULL;
	*n = 0;
	if (dirs(s, 0, &cfd, &nfd) < 0)
		return -1;
	if (nfd >= 0)
		close(nfd);
	if (cfd < 0)
		return 0;
	if ((fd = dup(cfd)) < 0 || !(d = fdopendir(fd))) {
		weprintf("%s/containers:", s->root);
		close(cfd);
		return -1;
	}
	/* one that cannot be read is said, and the others listed */
	while ((de = readdir(d)) && *n < CTRLISTMAX) {
		if (strlen(de->d_name) != CIDLEN || !hexid(de->d_name))
			continue;
		*v = erealloc(*v, (*n + 1) * sizeof(**v));
		if (load(s, cfd, de->d_name, &(*v)[*n], 0) == 0)
			(*n)++;
	}
	closedir(d);
	close(cfd);
	if (*n)
		qsort(*v, *n, sizeof(**v), newest);
	return 0;
}

int
ctr_remove(struct store *s, const struct cstate *st)
{
	char id[CIDLEN + 1], tmp[CIDLEN + 2];
	int cfd, nfd, ret = -1;

	if (dirs(s, 0, &cfd, &nfd) < 0)
		return -1;
	if (cfd < 0)
		goto out;
	/* the name goes first, only if it is still this container's */
	if (st->name[0] && nameof(nfd, st->name, id) == 0 && !strcmp(id, st->id) &&
	    unlinkat(nfd, st->name, 0) < 0) {
		weprintf("%s/names/%s:", s->root, st->name);
		goto out;
	}
	/* out of the listing at once, then removed */
	snprintf(tmp, sizeof(tmp), ".%s", st->id);
	if (renameat(cfd, st->id, cfd, tmp) < 0 && errno == ENOENT) {
		ret = 0;	/* a --rm one its supervisor removed */
		goto out;
	}
	if (rmtree(cfd, tmp) < 0) {
		weprintf("%s/containers/%s:", s->root, st->id);
		goto out;
	}
	ret = 0;
out:
	shut(cfd, nfd);
	return ret;
}

int
ctr_lock(struct store *s, const struct cstate *st)
{
	char path[CIDLEN + 16];
	int fd;

	snprintf(path, sizeof(path), "containers/%s", st->id);
	if ((fd = openat(s->fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		weprintf("%s/%s:", s->root, path);
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			weprintf("%s/%s: flock:", s->root, path);
			close(fd);
			return -1;
		}
	return fd;
}

int
ctr_reload(struct store *s, struct cstate *st)
{
	struct cstate now;
	int cfd, nfd, r = -1;

	if (dirs(s, 0, &cfd, &nfd) < 0)
		return -1;
	if (cfd >= 0 && (r = load(s, cfd, st->id, &now, 1)) == 0) {
		ctr_free(st);
		*st = now;
		st->proc.cwd = st->cwd;
	}
	shut(cfd, nfd);
	return r;
}
