/* See LICENSE file for copyright and license details. */
/*
 * The commands on containers: ps, logs, stop, kill and rm, on the
 * states ctr.c keeps and the logs svc.c writes.
 *
 * A signal goes to init, by its pid, only after its start time proved
 * the pid still names the container's init: a state can outlive its
 * process, and a pid is reused.  init passes it to the command (ns.c),
 * but SIGKILL, which ends init and with it the container.  stop gives
 * the command its grace period, then SIGKILL; a container waiting to be
 * restarted is stopped through its supervisor, whose wait a SIGTERM
 * ends.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pieces.h"

#define WAITSTEP	10		/* ms between looks at a process that should end */
#define RECORDWAIT	10000		/* ms for a supervisor to record an exit */

static const struct { const char *name; int sig; } signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "ALRM", SIGALRM },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "WINCH", SIGWINCH }, { "PIPE", SIGPIPE },
};

int
ctl_signal(const char *s)
{
	char *e;
	long n;
	size_t i;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < LEN(signals); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	n = strtol(s, &e, 10);
	return *s && !*e && n > 0 && n < 65 ? (int)n : -1;
}

/* nap sleeps ms milliseconds */
static void
nap(long ms)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

int
ctl_busy(const struct cstate *st)
{
	return ctl_running(st) || (st->restarting && !st->stale && ctr_alive(st->sup, st->supstart));
}

int
ctl_running(const struct cstate *st)
{
	return st->status == CS_RUNNING && !st->stale && ctr_alive(st->pid, st->pidstart);
}

/* signal sends sig to st's init, if it is still the one: 0, or -1 (reported) */
static int
signal1(const struct cstate *st, const char *arg, int sig)
{
	if (!ctr_alive(st->pid, st->pidstart) || kill(st->pid, sig) < 0) {
		weprintf("%s: container is not running", arg);
		return -1;
	}
	return 0;
}

/* mark makes st's stop mark, the user's word that it is not restarted */
static void
mark(struct store *s, const struct cstate *st)
{
	char path[CIDLEN + 32];
	int fd;

	snprintf(path, sizeof(path), "containers/%s/stop", st->id);
	if ((fd = openat(s->fd, path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0)
		close(fd);
}

/* ends waits up to ms for pid (started at start) to end: 0, or -1 if it did not */
static int
ends(pid_t pid, unsigned long long start, long ms)
{
	for (; ms > 0 && ctr_alive(pid, start); ms -= WAITSTEP)
		nap(WAITSTEP);
	return ctr_alive(pid, start) ? -1 : 0;
}

/*
 * halt stops st: its command sent SIGTERM (with grace ms to end) or,
 * with grace 0, init SIGKILL; a restart's wait ended; then it waits for
 * the supervisor to record it.  One that was restarting may have run
 * the container again meanwhile: marked, that run is killed, and not
 * restarted after.  0, or -1 (reported).
 */
static int
halt(struct store *s, struct cstate *st, const char *arg, long grace)
{
	long ms;

	mark(s, st);
	if (ctl_running(st)) {
		if (!grace || kill(st->pid, SIGTERM) < 0 || ends(st->pid, st->pidstart, grace) < 0)
			if (ctr_alive(st->pid, st->pidstart))
				(void)kill(st->pid, SIGKILL);
	} else if (st->restarting && ctr_alive(st->sup, st->supstart)) {
		(void)kill(st->sup, SIGTERM);
	}
	/* the supervisor records the exit, and may remove a --rm one */
	for (ms = RECORDWAIT; !st->stale && ms > 0 && ctr_alive(st->sup, st->supstart); ms -= WAITSTEP) {
		nap(WAITSTEP);
		if (ctr_reload(s, st) == 0 && ctl_running(st))
			(void)kill(st->pid, SIGKILL);
	}
	if (!st->stale && ctr_alive(st->sup, st->supstart)) {
		weprintf("%s: still running", arg);
		return -1;
	}
	return 0;
}

/* what a command does to each container: stop's and kill's, rm's */
struct act {
	long grace;
	int sig;			/* kill's, or 0: stop; < 0: stop quietly (restart) */
	int force;
};

static int
stop1(struct store *s, struct cstate *st, const char *arg, const struct act *a)
{
	if (a->sig <= 0) {
		if (halt(s, st, arg, a->grace) < 0)
			return -1;
		if (a->sig == 0)
			printf("%s\n", arg);
		return 0;
	}
	/* only SIGKILL is a stop, as Docker's kill */
	if (a->sig == SIGKILL)
		mark(s, st);
	if (!ctl_running(st)) {
		weprintf("%s: container is not running", arg);
		return -1;
	}
	if (signal1(st, arg, a->sig) < 0)
		return -1;
	printf("%s\n", arg);
	return 0;
}

static int
rm1(struct store *s, struct cstate *st, const char *arg, const struct act *a)
{
	int live = ctl_busy(st);

	if (live && !a->force) {
		weprintf("%s: container is running: stop it first, or rm -f", arg);
		return -1;
	}
	if (live && halt(s, st, arg, 0) < 0)
		return -1;
	if (!st->stale && ends(st->sup, st->supstart, RECORDWAIT) < 0) {
		weprintf("%s: its supervisor does not end", arg);
		return -1;
	}
	if (ctr_remove(s, st) < 0)
		return -1;
	printf("%s\n", arg);
	return 0;
}

/* each does fn to the n containers args: 0, or -1 if it failed for one */
static int
each(struct store *s, char **args, int n, const struct act *a,
     int (*fn)(struct store *, struct cstate *, const char *, const struct act *))
{
	struct cstate st;
	int i, ret = 0;

	for (i = 0; i < n; i++) {
		if (ctr_find(s, args[i], &st) < 0) {
			ret = -1;
			continue;
		}
		if (fn(s, &st, args[i], a) < 0)
			ret = -1;
		ctr_free(&st);
	}
	return ret;
}

int
ctl_stop(struct store *s, char **args, int n, long grace, int sig)
{
	struct act a = { grace, sig, 0 };

	return each(s, args, n, &a, stop1);
}

int
ctl_rm(struct store *s, char **args, int n, int force)
{
	struct act a = { 0, 0, force };

	return each(s, args, n, &a, rm1);
}

/* tame makes control bytes in buf '?': an image's command or name must
 * not write to the terminal of whoever lists it */
static char *
tame(char *buf)
{
	unsigned char *p;

	for (p = (unsigned char *)buf; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	return buf;
}

/* command writes st's command into buf as Docker's ps: quoted, cut at 20 */
static void
command(const struct cstate *st, char *buf, size_t len, int trunc)
{
	char **a;
	size_t n = 1;

	snprintf(buf, len, "\"");
	for (a = st->proc.argv; a && *a && n < len; a++)
		n += snprintf(buf + n, len - n, "%s%s", a == st->proc.argv ? "" : " ", *a);
	if (trunc && n > 20)
		snprintf(buf + 17, len - 17, "...\"");
	else if (n < len - 1)
		snprintf(buf + n, len - n, "\"");
}

/* status writes st's STATUS, as Docker's ps */
static void
status(const struct cstate *st, char *buf, size_t len)
{
	char d[64];

	if (st->stale)
		snprintf(buf, len, "Stale (its supervisor is gone)");
	else if (st->status == CS_RUNNING)
		snprintf(buf, len, "Up %s", fmtdur(d, sizeof(d), time(NULL) - st->started));
	else if (st->status == CS_CREATED)
		snprintf(buf, len, "Created");
	else
		snprintf(buf, len, "%s (%d) %s", st->restarting ? "Restarting" : "Exited",
		         st->exitcode, fmtago(d, sizeof(d), st->finished));
}

/* ports writes st's published ports as Docker's ps: 0.0.0.0:8080->80/tcp */
static void
ports(const struct cstate *st, char *buf, size_t len)
{
	struct port p;
	char **a;
	size_t n = 0;
	uint32_t ip;

	buf[0] = '\0';
	for (a = st->ports; a && *a && n < len; a++) {
		if (relay_port(*a, &p) < 0)
			continue;
		ip = p.ip;
		n += snprintf(buf + n, len - n, "%s%u.%u.%u.%u:%u->%u/%s", n ? ", " : "",
		              ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255, p.host, p.ctr,
		              p.udp ? "udp" : "tcp");
	}
}

enum { C_ID, C_IMAGE, C_CMD, C_CREATED, C_STATUS, C_PORTS, C_NAMES, NCELL };

int
ctl_ps(struct store *s, int all, int quiet, int notrunc)
{
	static const char *head[NCELL] = {
		"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"
	};
	struct cstate *v;
	char **cells, buf[PATHMAX];
	int n, i, k = 0;

	if (ctr_list(s, &v, &n) < 0)
		return -1;
	cells = ecalloc((size_t)n * NCELL + 1, sizeof(*cells));
	for (i = 0; i < n; i++) {
		if (!all && v[i].status != CS_RUNNING)
			continue;
		if (quiet) {
			printf("%.*s\n", notrunc ? CIDLEN : 12, v[i].id);
			continue;
		}
		snprintf(buf, sizeof(buf), "%.*s", notrunc ? CIDLEN : 12, v[i].id);
		cells[k * NCELL + C_ID] = estrdup(buf);
		cells[k * NCELL + C_IMAGE] = estrdup(v[i].image);
		command(&v[i], buf, sizeof(buf), !notrunc);
		cells[k * NCELL + C_CMD] = estrdup(tame(buf));
		cells[k * NCELL + C_CREATED] = estrdup(fmtago(buf, sizeof(buf), v[i].created));
		status(&v[i], buf, sizeof(buf));
		cells[k * NCELL + C_STATUS] = estrdup(buf);
		ports(&v[i], buf, sizeof(buf));
		cells[k * NCELL + C_PORTS] = estrdup(buf);
		cells[k * NCELL + C_NAMES] = estrdup(v[i].name);
		k++;
	}
	if (!quiet)
		fmttable(head, NCELL, NCELL, cells, k);
	for (i = 0; i < k * NCELL; i++)
		free(cells[i]);
	free(cells);
	for (i = 0; i < n; i++)
		ctr_free(&v[i]);
	free(v);
	return 0;
}

/* a log being printed */
struct out {
	long skip;			/* records yet to pass over: --tail */
	int stamps;
};

/*
 * print prints the record line (n bytes, its newline included) to
 * stdout or stderr, as it was written: 0, or -1 if it is no record
 */
static int
print(struct out *o, const char *line, size_t n)
{
	char *e, when[64];
	long long sec;
	long ns;
	struct tm tm;
	time_t t;
	FILE *f;
	int c = line[0];

	if (n < 4 || line[1] != ' ' || !strchr("oOeE", c) || line[n - 1] != '\n')
		return -1;
	sec = strtoll(line + 2, &e, 10);
	if (*e != '.' || (ns = strtol(e + 1, &e, 10)) < 0 || *e != ' ')
		return -1;
	if (o->skip > 0) {
		o->skip--;
		return 0;
	}
	f = c == 'o' || c == 'O' ? stdout : stderr;
	t = sec;
	if (o->stamps && gmtime_r(&t, &tm)) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(f, "%s.%09ldZ ", when, ns);
	}
	e++;
	fwrite(e, 1, line + n - 1 - e, f);
	if (c == 'o' || c == 'e')
		fputc('\n', f);
	return 0;
}

/*
 * drain prints what f holds from where it is: the number of records,
 * counted only with count.  A last line without its newline is one
 * the logger is writing: left for the next call.
 */
static long
drain(FILE *f, struct out *o, int count)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long k = 0;

	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n') {
			(void)fseeko(f, -n, SEEK_CUR);
			break;
		}
		if (count)
			k++;
		else
			(void)print(o, line, n);
	}
	clearerr(f);
	free(line);
	fflush(stdout);
	return k;
}

static FILE *
openlog(int dirfd, const char *name)
{
	int fd;
	FILE *f;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return NULL;
	if (!(f = fdopen(fd, "r")))
		close(fd);
	return f;
}

/* moved says whether the log f reads is no longer dirfd's log: rotated */
static int
moved(int dirfd, FILE *f)
{
	struct stat a, b;

	return fstatat(dirfd, "log", &a, AT_SYMLINK_NOFOLLOW) == 0 && fstat(fileno(f), &b) == 0 &&
	       (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

int
ctl_logs(struct store *s, const char *arg, long tail, int follow, int stamps)
{
	static const char *files[] = { "log.1", "log" };
	struct out o = { 0, stamps };
	struct cstate st;
	char path[CIDLEN + 16];
	FILE *f = NULL;
	size_t i;
	int dirfd, live;

	if (ctr_find(s, arg, &st) < 0)
		return -1;
	snprintf(path, sizeof(path), "containers/%s", st.id);
	if ((dirfd = openat(s->fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		weprintf("%s/%s:", s->root, path);
		ctr_free(&st);
		return -1;
	}
	if (!st.detached)
		weprintf("%s: not detached: its output went to its terminal, and is not logged", arg);
	for (i = 0; tail >= 0 && i < LEN(files); i++)
		if ((f = openlog(dirfd, files[i]))) {
			o.skip += drain(f, &o, 1);
			fclose(f);
		}
	o.skip = tail >= 0 ? MAX(o.skip - tail, 0) : 0;
	for (i = 0; i < LEN(files); i++)
		if ((f = openlog(dirfd, files[i])) && (drain(f, &o, 0), i == 0 || !follow)) {
			fclose(f);
			f = NULL;
		}
	/* as docker logs -f: until the container stops */
	for (live = follow && ctl_running(&st); live; ) {
		nap(100);
		ctr_free(&st);
		live = ctr_find(s, arg, &st) == 0 && ctl_running(&st);
		if (f && moved(dirfd, f)) {
			drain(f, &o, 0);
			fclose(f);
			f = NULL;
		}
		if (!f)
			f = openlog(dirfd, "log");
		if (f)
			drain(f, &o, 0);
	}
	if (f)
		fclose(f);
	close(dirfd);
	ctr_free(&st);
	return 0;
}

int
ctl_due(struct store *s, char ***ids)
{
	struct cstate *v;
	int n, i;

	*ids = NULL;
	if (ctr_list(s, &v, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!ctl_busy(&v[i]) && (!strcmp(v[i].restart, "always") ||
		    (!strcmp(v[i].restart, "unless-stopped") && !svc_stopped(s, &v[i]))))
			vpush(ids, v[i].id);
		ctr_free(&v[i]);
	}
	free(v);
	return 0;
}

int
ctl_uses(struct store *s, const char *image)
{
	struct cstate *v;
	int n, i, k = -1;

	if (ctr_list(s, &v, &n) < 0)
		return -1;
	/* a run that is removed when it exits holds the tree by its lock */
	for (i = 0; i < n; i++)
		if (!strcmp(v[i].image, image) && !v[i].autorm && (k < 0 || ctl_running(&v[i])))
			k = i;
	if (k >= 0)
		weprintf("%s: used by %s container %s (pieces rm %s%s, or rmi -f)", image,
		         ctl_running(&v[k]) ? "running" : "stopped", v[k].name[0] ? v[k].name : v[k].id,
		         ctl_running(&v[k]) ? "-f " : "", v[k].name[0] ? v[k].name : v[k].id);
	for (i = 0; i < n; i++)
		ctr_free(&v[i]);
	free(v);
	return k >= 0;
}
