/* See LICENSE file for copyright and license details. */
/*
 * Containers as services: a run's state kept in the store (ctr.c) from
 * start to end, and for run -d a supervisor that outlives the shell.
 *
 * Every run but a build's steps is a container with a state: svc_run
 * makes it (refusing a name in use), runs the container and records
 * each start and exit in it.  A foreground run is its own supervisor;
 * one without --name is removed when it exits, as a --rm one is.
 *
 * run -d forks the supervisor, which leaves pieces' session (setsid) and
 * so the terminal and its hang-up, and tells pieces over a pipe what
 * went wrong while it set up, or, once the command may exec, that it
 * runs: pieces prints the id and exits.  The supervisor is init's
 * parent: init dies with it (PR_SET_PDEATHSIG), so a killed supervisor
 * leaves no container running unseen, only a stale state.  It holds the
 * image's lock for the container's life, so rmi cannot remove the tree
 * under it, and restarts the container as --restart says, with Docker's
 * back-off: 100 ms, doubled each time up to a minute, from 100 ms again
 * after a run of 10 s.  stop marks the container (containers/ID/stop)
 * before its signal, so what the user stopped is not restarted.
 *
 * A detached container's stdout and stderr are pipes to a logger, the
 * supervisor's child, which writes them to containers/ID/log a line a
 * record, "S SECONDS.NANOS TEXT": S is o or e (stdout, stderr), O or E
 * for a part of a line (a line longer than LOGLINEMAX, or the end of
 * the output without a newline).  At --log-opt max-size the log is
 * renamed log.1, replacing the older one: a container's output never
 * takes more than twice that.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pieces.h"

#define LOGLINEMAX	16384		/* bytes of a line in one record */
#define BACKOFFMAX	60000		/* ms between restarts, at most */
#define BACKOFFRESET	10		/* seconds of running that reset it */

/* a run being supervised */
struct sv {
	struct store *s;
	struct cstate st;
	struct ctr *c;
	int report;			/* -d: the pipe to pieces until the container runs */
	int up;				/* the command was let exec, this run */
	int start;			/* a start's: its caller says the name */
	int lock;			/* start's claim (claim), until the supervisor is recorded */
};

static int reportfd = -1;

/* tell is errsink while a detached supervisor sets up: to pieces' stderr */
static void
tell(const char *msg)
{
	char buf[PATHMAX + 16];
	int n;

	n = snprintf(buf, sizeof(buf), "%s: %s\n", argv0, msg);
	(void)writeall(reportfd, buf, MIN((size_t)n, sizeof(buf) - 1));
}

/* say writes msg to stderr, as errsink does by default */
static void
say(const char *msg)
{
	fprintf(stderr, "%s: %s\n", argv0, msg);
}

static int present(struct store *s, const struct cstate *st);

/* record saves st under its lock: a status change, ordered against
 * stop's; of one rm removed, nothing */
static void
record(struct sv *v)
{
	int fd;

	if (!present(v->s, &v->st) || (fd = ctr_lock(v->s, &v->st)) < 0)
		return;
	(void)ctr_save(v->s, &v->st);
	close(fd);
}

/* up is ctr's up: the command may exec; the state says it runs */
static void
up(void *arg, pid_t init)
{
	struct sv *v = arg;

	v->up = 1;
	v->st.status = CS_RUNNING;
	v->st.pid = init;
	v->st.pidstart = pidstart(init);
	v->st.started = time(NULL);
	v->st.restarting = 0;
	/* what exec enters with, ns_start having set the caps for the network */
	v->st.proc = v->c->proc;
	record(v);
	if (v->report >= 0) {
		(void)writeall(v->report, "", 1);
		close(v->report);
		v->report = reportfd = -1;
		errsink = say;
	}
}

/* stamp writes a record's head for stream c at t into buf: its length */
static int
stamp(char *buf, int c, const struct timespec *t)
{
	return sprintf(buf, "%c %lld.%09ld ", c, (long long)t->tv_sec, t->tv_nsec);
}

/* a stream the logger reads: its pipe, and the part of a line not yet written */
struct stream {
	int fd;
	char c;				/* 'o' or 'e' */
	char line[LOGLINEMAX];
	size_t len;
};

struct log {
	int dirfd, fd;
	uint64_t size, max;
};

/* put writes a record of s's line, whole or a part (cut): the log
 * rotated first if it would pass its size */
static void
put(struct log *l, struct stream *s, int cut)
{
	struct timespec t;
	char head[64];
	int n;

	clock_gettime(CLOCK_REALTIME, &t);
	n = stamp(head, cut ? s->c - 'a' + 'A' : s->c, &t);
	if (l->size && l->size + n + s->len + 1 > l->max) {
		(void)renameat(l->dirfd, "log", l->dirfd, "log.1");
		close(l->fd);
		l->fd = openat(l->dirfd, "log", O_WRONLY | O_CREAT | O_APPEND | O_TRUNC |
		               O_NOFOLLOW | O_CLOEXEC, 0600);
		l->size = 0;
	}
	s->line[s->len] = '\n';
	/* a full disk loses lines, never blocks the container */
	if (l->fd >= 0 && writeall(l->fd, head, n) == n &&
	    writeall(l->fd, s->line, s->len + 1) == (ssize_t)s->len + 1)
		l->size += n + s->len + 1;
	s->len = 0;
}

/* feed splits what s's pipe gave into records: 0, or -1 at its end */
static int
feed(struct log *l, struct stream *s)
{
	char buf[65536], *p, *e, *nl;
	ssize_t n;
	size_t k;

	while ((n = read(s->fd, buf, sizeof(buf))) < 0 && errno == EINTR)
		;
	if (n <= 0) {
		if (s->len)
			put(l, s, 1);
		return -1;
	}
	for (p = buf, e = buf + n; p < e; ) {
		nl = memchr(p, '\n', e - p);
		k = MIN((size_t)((nl ? nl : e) - p), sizeof(s->line) - 1 - s->len);
		memcpy(s->line + s->len, p, k);
		s->len += k;
		p += k;
		if (p == nl) {
			put(l, s, 0);
			p++;
		} else if (s->len == sizeof(s->line) - 1) {
			put(l, s, 1);
		}
	}
	return 0;
}

/* logging writes the streams into dirfd's log until both end */
static _Noreturn void
logging(int dirfd, struct stream *s, uint64_t max)
{
	struct log l = { dirfd, -1, 0, max };
	struct pollfd pf[2];
	struct stat sb;
	int i, open = 2;

	l.fd = openat(dirfd, "log", O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (l.fd >= 0 && fstat(l.fd, &sb) == 0)
		l.size = sb.st_size;
	while (open) {
		for (i = 0; i < 2; i++)
			pf[i] = (struct pollfd){ s[i].fd, POLLIN, 0 };
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++)
			if (pf[i].revents && s[i].fd >= 0 && feed(&l, &s[i]) < 0) {
				close(s[i].fd);
				s[i].fd = -1;
				open--;
			}
	}
	_exit(0);
}

/*
 * logger forks the logger, its pipes made stdout and stderr here; it
 * ends when both are closed, the supervisor and the container gone:
 * 0, or -1 (reported)
 */
static int
logger(struct store *s, const struct cstate *st, uint64_t max)
{
	static struct stream io[2];
	char path[CIDLEN + 16];
	int p[2][2] = { { -1, -1 }, { -1, -1 } }, dirfd, i;
	pid_t pid;

	snprintf(path, sizeof(path), "containers/%s", st->id);
	if ((dirfd = openat(s->fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    pipe2(p[0], O_CLOEXEC) < 0 || pipe2(p[1], O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		weprintf("%s/%s: logger:", s->root, path);
		return -1;
	}
	if (pid == 0) {
		/* nothing of pieces' stdout, the caller's pipe or terminal,
		 * is kept: fd 0 is /dev/null by now */
		if (reportfd >= 0)
			close(reportfd);
		if (dup2(0, 1) < 0 || dup2(0, 2) < 0)
			_exit(125);
		for (i = 0; i < 2; i++) {
			close(p[i][1]);
			io[i].fd = p[i][0];
			io[i].c = i ? 'e' : 'o';
		}
		logging(dirfd, io, max);
	}
	close(dirfd);
	for (i = 0; i < 2; i++) {
		close(p[i][0]);
		if (dup2(p[i][1], i + 1) < 0) {
			weprintf("dup2:");
			return -1;
		}
		close(p[i][1]);
	}
	return 0;
}

/*
 * detach forks the supervisor, which returns 0.  pieces copies what it
 * says while it sets up to stderr until it runs the container (a NUL)
 * or ends: 1, with *status 0 after printing the id, or the supervisor's.
 */
static int
detach(struct sv *v, uint64_t logmax, int *status)
{
	char buf[PATHMAX];
	ssize_t n;
	char *z = NULL;
	pid_t pid;
	int p[2], st, fd = -1;

	if (pipe2(p, O_CLOEXEC) < 0) {
		weprintf("pipe:");
		*status = 125;
		return 1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		weprintf("fork:");
		*status = 125;
		return 1;
	}
	if (pid == 0) {
		if (v->lock >= 0)
			close(v->lock);
		close(p[0]);
		v->report = reportfd = p[1];
		errsink = tell;
		/* out of the caller's session, its terminal and hang-up */
		if (setsid() < 0 || (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
		    dup2(fd, 0) < 0)
			enprintf(125, "detach:");
		close(fd);
		if (logger(v->s, &v->st, logmax) < 0)
			exit(125);
		return 0;
	}
	close(p[1]);
	/* start's claim passes to the supervisor */
	if (v->lock >= 0) {
		v->st.sup = pid;
		v->st.supstart = pidstart(pid);
		(void)ctr_save(v->s, &v->st);
		close(v->lock);
		v->lock = -1;
	}
	while (!z && ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))) {
		if (n < 0)
			continue;
		z = memchr(buf, '\0', n);
		(void)writeall(2, buf, z ? z - buf : n);
	}
	close(p[0]);
	if (z) {
		if (!v->start)
			printf("%s\n", v->st.id);
		*status = 0;
		return 1;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*status = wstatus(st);
	return 1;
}

int
svc_policy(const char *s)
{
	char *e;
	long n;

	if (!strcmp(s, "no") || !strcmp(s, "always") || !strcmp(s, "unless-stopped") ||
	    !strcmp(s, "on-failure"))
		return 0;
	if (strncmp(s, "on-failure:", 11))
		return -1;
	errno = 0;
	n = strtol(s + 11, &e, 10);
	return s[11] && !*e && !errno && n >= 0 && n < 1 << 30 && strlen(s) < 32 ? 0 : -1;
}

/* again says whether the policy restarts a container after it exited with status */
static int
again(const struct cstate *st, int status)
{
	const char *p = st->restart;

	if (!strcmp(p, "always") || !strcmp(p, "unless-stopped"))
		return 1;
	if (strncmp(p, "on-failure", 10) || !status)
		return 0;
	return !p[10] || st->restarts < atoi(p + 11);
}

int
svc_stopped(struct store *s, const struct cstate *st)
{
	char path[CIDLEN + 32];

	snprintf(path, sizeof(path), "containers/%s/stop", st->id);
	return faccessat(s->fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* present says whether st's state is still there: rm may have removed it */
static int
present(struct store *s, const struct cstate *st)
{
	char path[CIDLEN + 32];

	snprintf(path, sizeof(path), "containers/%s/state.json", st->id);
	return faccessat(s->fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * rest waits ms milliseconds before a restart: 0, or -1 if a signal
 * (stop's) came, which ends the supervision
 */
static int
rest(long ms, const sigset_t *set)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000L };

	return sigtimedwait(set, NULL, &t) < 0 && errno == EAGAIN ? 0 : -1;
}

/* fill makes st the state of a new container c of the run so says */
static void
fill(struct cstate *st, const struct ctr *c, const struct limits *l,
     const struct netopts *o, const struct svcopt *so)
{
	char **a;
	int i;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", so->name ? so->name : "");
	snprintf(st->image, sizeof(st->image), "%s", c->name);
	snprintf(st->restart, sizeof(st->restart), "%s", so->restart ? so->restart : "no");
	st->detached = so->detach;
	st->autorm = so->autorm || (!so->detach && !so->name);
	st->lim = *l;
	for (a = so->args; a && *a; a++)
		vpush(&st->args, *a);
	for (i = 0; i < o->nport; i++)
		vpush(&st->ports, o->port[i].spec);
}

/*
 * claim reads the container id into st for start and makes it this
 * process's, under its lock: two starts, or a start while the container
 * waits to be restarted, would be two supervisors of one container.
 * It returns the lock's fd, to close once the new supervisor is
 * recorded, or -1 (reported).
 */
static int
claim(struct store *s, const char *id, struct cstate *st)
{
	int fd;

	if (ctr_find(s, id, st) < 0)
		return -1;
	if ((fd = ctr_lock(s, st)) < 0 || ctr_reload(s, st) < 0 || ctl_busy(st)) {
		if (fd >= 0)
			weprintf("%s: container runs already", st->name[0] ? st->name : id);
		goto fail;
	}
	st->sup = getpid();
	st->supstart = pidstart(st->sup);
	if (ctr_save(s, st) == 0)
		return fd;
fail:
	if (fd >= 0)
		close(fd);
	ctr_free(st);
	return -1;
}

int
svc_run(struct store *s, struct ctr *c, const struct limits *l, const struct netopts *o,
        const struct svcopt *so)
{
	struct sv v = { .s = s, .c = c, .report = -1, .lock = -1 };
	char path[CIDLEN + 32];
	sigset_t set, old;
	long delay = 100;
	time_t t0;
	int status, first = 1;

	/* a run of a read-only store keeps no state, if it needs none */
	if (!so->reuse && !so->detach && !so->name && faccessat(s->fd, ".", W_OK, AT_EACCESS) < 0)
		return net_run(c, l, o);
	if (so->reuse) {
		if ((v.lock = claim(s, so->reuse, &v.st)) < 0)
			return 125;
		proc_free(&v.st.proc);
		v.st.detached = v.start = 1;
	} else {
		fill(&v.st, c, l, o, so);
		if (ctr_new(s, &v.st) < 0) {
			status = 125;
			goto parent;
		}
	}
	/* what stop marked is started again by start */
	if (so->reuse) {
		snprintf(path, sizeof(path), "containers/%s/stop", v.st.id);
		(void)unlinkat(s->fd, path, 0);
	}
	snprintf(v.st.cwd, sizeof(v.st.cwd), "%s", c->proc.cwd);
	v.st.proc = c->proc;
	v.st.proc.cwd = v.st.cwd;
	if (so->detach && detach(&v, so->logmax, &status))
		goto parent;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	v.st.sup = getpid();
	v.st.supstart = pidstart(v.st.sup);
	for (;;) {
		v.up = 0;
		c->up = up;
		c->uparg = &v;
		t0 = time(NULL);
		status = net_run(c, l, o);
		v.st.status = CS_STOPPED;
		v.st.pid = 0;
		v.st.exitcode = status;
		v.st.finished = time(NULL);
		/* a first start that failed is said, and leaves nothing
		 * but the container start was given */
		if (first && !v.up) {
			if (so->reuse)
				record(&v);
			break;
		}
		first = 0;
		/* rm -f may have removed it meanwhile: nothing to restart */
		v.st.restarting = present(s, &v.st) && !svc_stopped(s, &v.st) && again(&v.st, status);
		record(&v);
		if (!v.st.restarting)
			break;
		if (time(NULL) - t0 >= BACKOFFRESET)
			delay = 100;
		if (rest(delay, &set) < 0 || !present(s, &v.st) || svc_stopped(s, &v.st)) {
			v.st.restarting = 0;
			record(&v);
			break;
		}
		delay = MIN(delay * 2, BACKOFFMAX);
		v.st.restarts++;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (v.st.autorm || (first && !so->reuse))
		(void)ctr_remove(s, &v.st);
	if (so->detach)
		exit(status);
parent:
	vfree(v.st.args);
	vfree(v.st.ports);
	return status;
}
