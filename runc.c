/* See LICENSE file for copyright and license details. */
/*
 * runc's command line, for the container engines that drive an OCI
 * runtime through it (podman's conmon, containerd's shim, the
 * runtime-tools validation suite): pieces run as pieces-runc.
 *
 * The contract is runc's, not a spec's (runtime.md has operations, no
 * CLI): global flags before the verb, as --flag value or --flag=value;
 * exit status 1 for every failure; one line on stderr saying why, and
 * the same line in the log --log names, as a logrus JSON line with
 * --log-format json, where containerd's shim and conmon read the last
 * error from.  Their error text matters: podman maps "permission denied"
 * and "no such file or directory" to exit codes 126 and 127.
 *
 * What is here: the globals, spec, features, and the lifecycle (create,
 * start, state, kill, delete, run, list, ps, pause, resume, update,
 * exec: ocirt.c).
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

#define RUNCROOT	"/run/pieces-runc"	/* --root's default, as runc's /run/runc */
#define IDMAX		1024		/* a container id */

struct verb {
	const char *name;
	int (*fn)(int, char **);
	const char *args;
};

static int v_config(int, char **);
static int v_create(int, char **);
static int v_delete(int, char **);
static int v_exec(int, char **);
static int v_features(int, char **);
static int v_id(int, char **);
static int v_kill(int, char **);
static int v_list(int, char **);
static int v_ps(int, char **);
static int v_seccomp(int, char **);
static int v_spec(int, char **);
static int v_update(int, char **);

static const struct verb verbs[] = {
	{ "create",     v_create,   "[-b bundle] [--pid-file file] [--console-socket path]\n"
	  "      [--preserve-fds n] [--no-pivot] [--no-new-keyring] id" },
	{ "run",        v_create,   "[-b bundle] [-d] [--pid-file file] [--console-socket path]\n"
	  "      [--preserve-fds n] [--no-pivot] [--no-new-keyring] id" },
	{ "start",      v_id,       "id" },
	{ "state",      v_id,       "id" },
	{ "kill",       v_kill,     "[-a] id [signal]" },
	{ "delete",     v_delete,   "[-f] id" },
	{ "exec",       v_exec,     "[-p file] [-d] [-t] [--console-socket path] [--pid-file file]\n"
	  "      [--cwd dir] [-e k=v] [-u uid[:gid]] [-g gid] [-c cap] [--no-new-privs]\n"
	  "      [--preserve-fds n] [--ignore-paused] id [cmd [arg ...]]" },
	{ "ps",         v_ps,       "[--format table|json] id" },
	{ "list",       v_list,     "[-q] [--format table|json]" },
	{ "pause",      v_id,       "id" },
	{ "resume",     v_id,       "id" },
	{ "update",     v_update,   "[-r file|-] [--memory n] [--memory-swap n] "
	  "[--pids-limit n]\n      [--cpu-shares n] [--cpu-quota n] [--cpu-period n] "
	  "[--cpu-rt-period n]\n      [--cpu-rt-runtime n] [--cpuset-cpus list] "
	  "[--cpuset-mems list] id" },
	{ "spec",       v_spec,     "[-b bundle] [--rootless]" },
	{ "features",   v_features, "" },
	{ "seccomp",    v_seccomp,  "[-b bundle] call [arg ...]" },
	{ "config",     v_config,   "[-b bundle]" },
};

static const char *rootdir = RUNCROOT;
static int logfd = -1;			/* --log's, or -1: stderr only */
static int jsonlog;			/* --log-format json */
static int debug;

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: pieces-runc [--root dir] [--log file] [--log-format text|json] "
	        "[--debug]\n       [--rootless false|auto] verb [arg ...]\n\nverbs:\n");
	for (i = 0; i < LEN(verbs); i++)
		fprintf(fp, "  %s%s%s\n", verbs[i].name, *verbs[i].args ? " " : "", verbs[i].args);
}

static void
verbusage(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(verbs); i++)
		if (!strcmp(verbs[i].name, name))
			fprintf(stderr, "usage: pieces-runc %s %s\n", name, verbs[i].args);
	exit(1);
}

/*
 * logline writes one line of runc's log: logrus's text or JSON form,
 * level, message and time (RFC 3339, UTC, as runc's) to fd
 */
static void
logline(int fd, const char *level, const char *msg)
{
	char when[64], *buf, *o;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf = emalloc(JSONQUOTE(strlen(msg)) + 128);
	if (jsonlog) {
		o = buf + sprintf(buf, "{\"level\":\"%s\",\"msg\":", level);
		o = json_quote(o, msg);
		o += sprintf(o, ",\"time\":\"%s\"}\n", when);
	} else {
		o = buf + sprintf(buf, "time=\"%s\" level=%s msg=", when, level);
		o = json_quote(o, msg);
		*o++ = '\n';
	}
	/* a log that cannot be written has nowhere to say so */
	(void)writeall(fd, buf, o - buf);
	free(buf);
}

/* tolog is errsink under pieces-runc, as runc's fatal: the log line,
 * and the message on stderr unless the log went there */
static void
tolog(const char *msg)
{
	if (logfd >= 0 || jsonlog)
		logline(logfd >= 0 ? logfd : 2, "error", msg);
	if (logfd >= 0 || !jsonlog)
		fprintf(stderr, "%s: %s\n", argv0, msg);
}

/* dbg logs a debug line under --debug */
static void
dbg(const char *msg)
{
	if (debug)
		logline(logfd >= 0 ? logfd : 2, "debug", msg);
}

/* idok says whether id is one runc takes: [A-Za-z0-9_+.-], not . or .. */
static int
idok(const char *id)
{
	size_t n = strlen(id);

	return n && n < IDMAX && strcmp(id, ".") && strcmp(id, "..") &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-") == n;
}

/*
 * nfds reads --preserve-fds n: fds 3 to 3+n-1 must be open, and the
 * caller's: an fd of ours (all close-on-exec), such as --log's where the
 * caller left a gap, would be handed to the container else
 */
static int
nfds(const char *arg)
{
	unsigned long n;
	char *end;
	int fd, fl;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || *arg == '-' || n > FDSMAX)
		eprintf("--preserve-fds %s: want a number of fds up to %d", arg, FDSMAX);
	for (fd = 3; fd < 3 + (int)n; fd++)
		if ((fl = fcntl(fd, F_GETFD)) < 0 || (fl & FD_CLOEXEC))
			eprintf("--preserve-fds %lu: fd %d is not open", n, fd);
	return n;
}

/*
 * create and run: the options runc takes.  --no-pivot is taken and not
 * heeded: pieces always pivots (runc's no-pivot is for a ramdisk root,
 * which mount.c gets out of by itself); --no-new-keyring likewise, init
 * always makes the container a session keyring of its own.
 */
static int
v_create(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "preserve-fds", required_argument, NULL, 'P' },
		{ "no-pivot", no_argument, NULL, 'N' },
		{ "no-new-keyring", no_argument, NULL, 'K' },
		{ "detach", no_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, 'k' },
		{ "no-subreaper", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ociopts o = { rootdir, NULL, ".", NULL, NULL, 0, 0 };
	const char *verb = argv[0], *console = NULL;
	int ch, run = !strcmp(verb, "run");

	while ((ch = getopt_long(argc, argv, "+b:dh", opts, NULL)) != -1) {
		switch (ch) {
		case 'b': o.bundle = optarg; break;
		case 'p': o.pidfile = optarg; break;
		case 'c': console = optarg; break;
		case 'P': o.nfds = nfds(optarg); break;
		case 'd': case 'k':
			if (!run)
				verbusage(verb);
			o.detach |= ch == 'd';
			break;
		case 'N': case 'K': break;
		case 'h': usage(stdout); exit(0);
		default: verbusage(verb);
		}
	}
	if (argc - optind != 1)
		eprintf("%s: want exactly one container id", verb);
	if (!idok(argv[optind]))
		eprintf("%s: invalid container id", argv[optind]);
	o.console = console;
	o.id = argv[optind];
	/* init runs a sealed copy of pieces until it becomes the command,
	 * never this binary, which a process of a pod's shared PID
	 * namespace could otherwise open and write (runc's CVE-2019-5736) */
	exec_sealed("pieces-runc");
	dbg(run ? "run" : "create");
	return run ? ocirt_run(&o) : ocirt_create(&o);
}

/* idarg checks that argv holds one container id past its options */
static const char *
idarg(int argc, char *argv[])
{
	if (argc - optind != 1)
		verbusage(argv[0]);
	if (!idok(argv[optind]))
		eprintf("%s: invalid container id", argv[optind]);
	return argv[optind];
}

/* start, state, pause and resume: an id, no options */
static int
v_id(int argc, char *argv[])
{
	const char *id;

	if (getopt(argc, argv, "+") != -1)
		verbusage(argv[0]);
	id = idarg(argc, argv);
	if (!strcmp(argv[0], "start"))
		return ocirt_start(rootdir, id);
	if (!strcmp(argv[0], "pause"))
		return ocirt_pause(rootdir, id);
	if (!strcmp(argv[0], "resume"))
		return ocirt_resume(rootdir, id);
	return ocirt_state(rootdir, id);
}

/* kill [-a] id [signal]: TERM by default; names with or without SIG, numbers */
static int
v_kill(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, all = 0, sig = SIGTERM;

	while ((ch = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (ch != 'a')
			verbusage("kill");
		all = 1;
	}
	if (argc - optind == 2) {
		if ((sig = ctl_signal(argv[optind + 1])) < 0)
			eprintf("%s: unknown signal", argv[optind + 1]);
		argc--;
	}
	return ocirt_kill(rootdir, idarg(argc, argv), sig, all);
}

static int
v_delete(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, force = 0;

	while ((ch = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (ch != 'f')
			verbusage("delete");
		force = 1;
	}
	return ocirt_delete(rootdir, idarg(argc, argv), force);
}

/*
 * number reads a uid or gid of -u or -g at s, ending at stop or the
 * string's end: 0 with *end past it, or -1 if there is no such number
 */
static int
number(const char *s, int stop, uint32_t *v, char **end)
{
	unsigned long n;

	errno = 0;
	n = strtoul(s, end, 10);
	if (*end == s || (**end && **end != stop) || errno || *s == '-' || n >= UINT32_MAX)
		return -1;
	*v = n;
	return 0;
}

/*
 * exec: runc's flags.  With --process the file is the whole process
 * and the flags that would make one (-t, --cwd, -e, -u, -g, -c,
 * --no-new-privs) are not heeded, as runc; without it the command comes
 * after the id, the rest from the container's config.json.  An AppArmor
 * profile or SELinux label is refused, as config.json's are.
 */
static int
v_exec(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "tty", no_argument, NULL, 't' },
		{ "console-socket", required_argument, NULL, 'C' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, 'n' },
		{ "apparmor", required_argument, NULL, 'A' },
		{ "process-label", required_argument, NULL, 'L' },
		{ "preserve-fds", required_argument, NULL, 'F' },
		{ "ignore-paused", no_argument, NULL, 'i' },
		{ "cgroup", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 },
	};
	struct ociopts o = { rootdir, NULL, ".", NULL, NULL, 0, 0 };
	struct ociexec x = { 0 };
	uint32_t id, gid;
	uint64_t cap;
	char *end;
	int ch, ret;

	x.uid = x.gid = -1;
	while ((ch = getopt_long(argc, argv, "+p:dtu:e:g:c:", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': x.process = optarg; break;
		case 'd': o.detach = 1; break;
		case 't': x.tty = 1; break;
		case 'C': o.console = optarg; break;
		case 'P': o.pidfile = optarg; break;
		case 'w':
			if (*optarg != '/')
				eprintf("--cwd %s: not an absolute path", optarg);
			x.cwd = optarg;	/* ocirt_exec copies it: the joiner wipes argv */
			break;
		case 'e':
			if (*optarg == '=' || !strchr(optarg, '='))
				eprintf("--env %s: want KEY=value", optarg);
			vpush(&x.env, optarg);
			break;
		case 'u':
			gid = UINT32_MAX;
			if (number(optarg, ':', &id, &end) < 0 ||
			    (*end && number(end + 1, '\0', &gid, &end) < 0))
				eprintf("--user %s: want UID[:GID], numbers", optarg);
			x.uid = id;
			x.gid = gid == UINT32_MAX ? -1 : (int64_t)gid;
			break;
		case 'g':
			if (number(optarg, '\0', &id, &end) < 0)
				eprintf("--additional-gids %s: not a group id", optarg);
			if (x.ngroups == GROUPMAX)
				eprintf("--additional-gids: more than %d", GROUPMAX);
			x.groups = erealloc(x.groups, (x.ngroups + 1) * sizeof(*x.groups));
			x.groups[x.ngroups++] = id;
			break;
		case 'c':
			if (proc_cap(optarg, &cap) < 0)
				eprintf("--cap %s: unknown capability", optarg);
			x.caps |= cap;
			break;
		case 'n': x.nonewprivs = 1; break;
		case 'A': case 'L': case 'G':
			if (*optarg)
				eprintf("--%s %s: not supported", ch == 'A' ? "apparmor" :
				        ch == 'L' ? "process-label" : "cgroup", optarg);
			break;
		case 'F': o.nfds = nfds(optarg); break;
		case 'i': x.ignorepaused = 1; break;
		default: verbusage("exec");
		}
	}
	if (argc - optind < 1)
		verbusage("exec");
	if (!idok(argv[optind]))
		eprintf("%s: invalid container id", argv[optind]);
	if (!x.process && argc - optind < 2)
		eprintf("exec: no command: want one after the id, or --process");
	o.id = argv[optind];
	x.argv = x.process ? NULL : argv + optind + 1;
	/* what enters the container runs a sealed copy of pieces, never
	 * this binary (runc's CVE-2019-5736) */
	exec_sealed("pieces-runc");
	dbg("exec");
	ret = ocirt_exec(&o, &x);
	vfree(x.env);
	free(x.groups);
	return ret;
}

/* format reads --format's value: 1 for json, 0 for table */
static int
format(const char *s)
{
	if (strcmp(s, "json") && strcmp(s, "table"))
		eprintf("--format %s: want table or json", s);
	return !strcmp(s, "json");
}

static int
v_ps(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, json = 0;

	while ((ch = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (ch != 'f')
			verbusage("ps");
		json = format(optarg);
	}
	return ocirt_ps(rootdir, idarg(argc, argv), json);
}

static int
v_list(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, json = 0, quiet = 0;

	while ((ch = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (ch == 'f')
			json = format(optarg);
		else if (ch == 'q')
			quiet = 1;
		else
			verbusage("list");
	}
	if (optind != argc)
		verbusage("list");
	return ocirt_list(rootdir, quiet, json);
}

/* update's flags: the member of LinuxResources each sets, and how it is written */
static const struct updflag {
	const char *flag, *group, *key;
	int kind;			/* 's' a size, 'n' a number, 'q' a string */
} updflags[] = {
	{ "memory",             "memory",  "limit",           's' },
	{ "memory-swap",        "memory",  "swap",            's' },
	{ "memory-reservation", "memory",  "reservation",     's' },
	{ "kernel-memory",      "memory",  "kernel",          's' },
	{ "kernel-memory-tcp",  "memory",  "kernelTCP",       's' },
	{ "pids-limit",         "pids",    "limit",           'n' },
	{ "cpu-shares",         "cpu",     "shares",          'n' },
	{ "cpu-share",          "cpu",     "shares",          'n' },
	{ "cpu-quota",          "cpu",     "quota",           'n' },
	{ "cpu-period",         "cpu",     "period",          'n' },
	{ "cpu-rt-period",      "cpu",     "realtimePeriod",  'n' },
	{ "cpu-rt-runtime",     "cpu",     "realtimeRuntime", 'n' },
	{ "cpuset-cpus",        "cpu",     "cpus",            'q' },
	{ "cpuset-mems",        "cpu",     "mems",            'q' },
	{ "blkio-weight",       "blockIO", "weight",          'n' },
};

/*
 * updvalue writes the value of update's flag f, arg, as JSON at o (room
 * for JSONQUOTE(strlen(arg)) + 24): its end; dies on one that is no
 * size or number
 */
static char *
updvalue(char *o, const struct updflag *f, const char *arg)
{
	uint64_t v;
	size_t n = strspn(arg + (*arg == '-'), "0123456789");

	if (f->kind == 'q')
		return json_quote(o, arg);
	if (f->kind == 's' && strcmp(arg, "-1")) {
		if (parsesize(arg, SIZEMAX, &v) < 0)
			eprintf("--%s %s: want a size: 64m, 1g, or -1", f->flag, arg);
		return o + sprintf(o, "%llu", (unsigned long long)v);
	}
	if (!n || n > 19 || arg[n + (*arg == '-')])
		eprintf("--%s %s: want a number", f->flag, arg);
	return o + sprintf(o, "%s", arg);
}

/*
 * updflagdoc makes of update's flags (val[i] the value of updflags[i],
 * or NULL) a LinuxResources document, so that they are read and refused
 * as --resources is: the new text, or NULL if no flag is given
 */
static char *
updflagdoc(char *const *val)
{
	static const char *const groups[] = { "memory", "pids", "cpu", "blockIO" };
	size_t i, g, len = 64 * (LEN(groups) + 1);
	int n, ngroups = 0;
	char *buf, *o;

	for (i = 0; i < LEN(updflags); i++)
		if (val[i])
			len += JSONQUOTE(strlen(val[i])) + 64;
	o = buf = emalloc(len);
	*o++ = '{';
	for (g = 0; g < LEN(groups); g++) {
		for (n = 0, i = 0; i < LEN(updflags); i++) {
			if (!val[i] || strcmp(updflags[i].group, groups[g]))
				continue;
			if (!n++)
				o += sprintf(o, "%s\"%s\":{", ngroups++ ? "," : "", groups[g]);
			else
				*o++ = ',';
			o += sprintf(o, "\"%s\":", updflags[i].key);
			o = updvalue(o, &updflags[i], val[i]);
		}
		if (n)
			*o++ = '}';
	}
	if (!ngroups) {
		free(buf);
		return NULL;
	}
	*o++ = '}';
	*o = '\0';
	return buf;
}

/* resdoc reads --resources' document: path, or "-" for stdin; the new text in *len bytes */
static char *
resdoc(const char *path, size_t *len)
{
	char *buf = emalloc(SPECMAX);
	ssize_t n;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;

	if (fd < 0)
		eprintf("--resources %s: open:", path);
	if ((n = readcap(fd, buf, SPECMAX)) < 0)
		eprintf(errno == EFBIG ? "--resources %s: larger than SPECMAX (1 MiB)" :
		        "--resources %s: read:", path);
	if (fd > 0)
		close(fd);
	*len = n;
	return buf;
}

/*
 * update: the limits of a running container, from --resources (a
 * LinuxResources document; "-": stdin, as containerd's shim sends it) or
 * else from the flags, as runc takes them; either is read by spec.c's
 * reader, which names what pieces cannot set
 */
static int
v_update(int argc, char *argv[])
{
	struct option opts[LEN(updflags) + 2] = {
		{ "resources", required_argument, NULL, 'r' },
	};
	char *val[LEN(updflags)] = { NULL }, *buf;
	const char *res = NULL, *name = "update";
	struct limits l;
	struct json *doc;
	size_t i, j, len = 0;
	int ch, ret;

	for (i = 0; i < LEN(updflags); i++) {
		opts[i + 1].name = updflags[i].flag;
		opts[i + 1].has_arg = required_argument;
		opts[i + 1].val = 256 + i;
	}
	while ((ch = getopt_long(argc, argv, "+r:", opts, NULL)) != -1) {
		if (ch == 'r') {
			res = optarg;
			continue;
		}
		if (ch < 256)
			verbusage("update");
		/* --cpu-share, runc's, is --cpu-shares */
		for (i = ch - 256, j = 0; j < i && (strcmp(updflags[j].group, updflags[i].group) ||
		     strcmp(updflags[j].key, updflags[i].key)); j++)
			;
		val[j] = optarg;
	}
	idarg(argc, argv);
	/* as runc: with --resources the flags are not read */
	if (res) {
		buf = resdoc(res, &len);
		name = strcmp(res, "-") ? res : "stdin";
	} else if ((buf = updflagdoc(val))) {
		len = strlen(buf);
		name = "update";
	} else {
		eprintf("update: nothing to update: want --resources or a limit flag");
	}
	memset(&l, 0, sizeof(l));
	l.swap = l.pids = -1;
	if (!(doc = json_parse(name, buf, len)) || spec_resources(name, doc, &l) < 0)
		ret = 1;
	else
		ret = ocirt_update(rootdir, argv[optind], &l);
	free(l.devrule);
	json_free(doc);
	free(buf);
	return ret;
}

static int
v_features(int argc, char *argv[])
{
	if (argc != 1)
		verbusage(argv[0]);
	spec_features();
	return 0;
}

/*
 * The default config.json, as runc spec writes it: a shell on a
 * terminal in every namespace but the user's (the cgroup one too, as runc
 * 1.2 and crun), Docker's three minimal capabilities, /proc and /sys
 * masked where they reach the host.  With --rootless, runc's rootless
 * form: the user namespace mapping the caller to root, no network
 * namespace (so /sys is bound, not mounted), no device cgroup.
 */
static const char spec1[] =
	"{\n"
	"\t\"ociVersion\": \"" OCIVERSION "\",\n"
	"\t\"process\": {\n"
	"\t\t\"terminal\": true,\n"
	"\t\t\"user\": {\n\t\t\t\"uid\": 0,\n\t\t\t\"gid\": 0\n\t\t},\n"
	"\t\t\"args\": [\n\t\t\t\"sh\"\n\t\t],\n"
	"\t\t\"env\": [\n"
	"\t\t\t\"PATH=" PATHDEFAULT "\",\n"
	"\t\t\t\"TERM=xterm\"\n"
	"\t\t],\n"
	"\t\t\"cwd\": \"/\",\n"
	"\t\t\"capabilities\": {\n"
	"\t\t\t\"bounding\": [\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n"
	"\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t],\n"
	"\t\t\t\"effective\": [\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n"
	"\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t],\n"
	"\t\t\t\"permitted\": [\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n"
	"\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t],\n"
	"\t\t\t\"ambient\": [\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n"
	"\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t]\n"
	"\t\t},\n"
	"\t\t\"rlimits\": [\n"
	"\t\t\t{\n\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n\t\t\t\t\"hard\": 1024,\n"
	"\t\t\t\t\"soft\": 1024\n\t\t\t}\n"
	"\t\t],\n"
	"\t\t\"noNewPrivileges\": true\n"
	"\t},\n"
	"\t\"root\": {\n\t\t\"path\": \"rootfs\",\n\t\t\"readonly\": true\n\t},\n"
	"\t\"hostname\": \"pieces\",\n"
	"\t\"mounts\": [\n"
	"\t\t{\n\t\t\t\"destination\": \"/proc\",\n\t\t\t\"type\": \"proc\",\n"
	"\t\t\t\"source\": \"proc\"\n\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/dev\",\n\t\t\t\"type\": \"tmpfs\",\n"
	"\t\t\t\"source\": \"tmpfs\",\n\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n"
	"\t\t\t\t\"strictatime\",\n\t\t\t\t\"mode=755\",\n\t\t\t\t\"size=65536k\"\n"
	"\t\t\t]\n\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/dev/pts\",\n\t\t\t\"type\": \"devpts\",\n"
	"\t\t\t\"source\": \"devpts\",\n\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n"
	"\t\t\t\t\"noexec\",\n\t\t\t\t\"newinstance\",\n\t\t\t\t\"ptmxmode=0666\",\n"
	"\t\t\t\t\"mode=0620\"";
static const char specgid[] = ",\n\t\t\t\t\"gid=5\"";
static const char spec2[] =
	"\n\t\t\t]\n\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/dev/shm\",\n\t\t\t\"type\": \"tmpfs\",\n"
	"\t\t\t\"source\": \"shm\",\n\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n"
	"\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\",\n\t\t\t\t\"mode=1777\",\n"
	"\t\t\t\t\"size=65536k\"\n\t\t\t]\n\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/dev/mqueue\",\n\t\t\t\"type\": \"mqueue\",\n"
	"\t\t\t\"source\": \"mqueue\",\n\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n"
	"\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\"\n\t\t\t]\n\t\t},\n";
static const char specsys[] =
	"\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"sysfs\",\n"
	"\t\t\t\"source\": \"sysfs\",\n\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n"
	"\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\",\n\t\t\t\t\"ro\"\n\t\t\t]\n\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/sys/fs/cgroup\",\n\t\t\t\"type\": \"cgroup\",\n"
	"\t\t\t\"source\": \"cgroup\",\n\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n"
	"\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\",\n\t\t\t\t\"relatime\",\n"
	"\t\t\t\t\"ro\"\n\t\t\t]\n\t\t}\n"
	"\t],\n"
	"\t\"linux\": {\n"
	"\t\t\"resources\": {\n\t\t\t\"devices\": [\n\t\t\t\t{\n"
	"\t\t\t\t\t\"allow\": false,\n\t\t\t\t\t\"access\": \"rwm\"\n\t\t\t\t}\n"
	"\t\t\t]\n\t\t},\n"
	"\t\t\"namespaces\": [\n"
	"\t\t\t{\n\t\t\t\t\"type\": \"pid\"\n\t\t\t},\n"
	"\t\t\t{\n\t\t\t\t\"type\": \"network\"\n\t\t\t},\n";
static const char specrootless[] =
	"\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"none\",\n"
	"\t\t\t\"source\": \"/sys\",\n\t\t\t\"options\": [\n\t\t\t\t\"rbind\",\n"
	"\t\t\t\t\"nosuid\",\n\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\",\n\t\t\t\t\"ro\"\n"
	"\t\t\t]\n\t\t},\n"
	"\t\t{\n\t\t\t\"destination\": \"/sys/fs/cgroup\",\n\t\t\t\"type\": \"cgroup\",\n"
	"\t\t\t\"source\": \"cgroup\",\n\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n"
	"\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\",\n\t\t\t\t\"relatime\",\n"
	"\t\t\t\t\"ro\"\n\t\t\t]\n\t\t}\n"
	"\t],\n"
	"\t\"linux\": {\n"
	"\t\t\"uidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n"
	"\t\t\t\t\"hostID\": %lu,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n"
	"\t\t\"gidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n"
	"\t\t\t\t\"hostID\": %lu,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n"
	"\t\t\"namespaces\": [\n"
	"\t\t\t{\n\t\t\t\t\"type\": \"pid\"\n\t\t\t},\n"
	"\t\t\t{\n\t\t\t\t\"type\": \"user\"\n\t\t\t},\n";
static const char spec3[] =
	"\t\t\t{\n\t\t\t\t\"type\": \"ipc\"\n\t\t\t},\n"
	"\t\t\t{\n\t\t\t\t\"type\": \"uts\"\n\t\t\t},\n"
	"\t\t\t{\n\t\t\t\t\"type\": \"mount\"\n\t\t\t},\n"
	"\t\t\t{\n\t\t\t\t\"type\": \"cgroup\"\n\t\t\t}\n"
	"\t\t],\n"
	"\t\t\"maskedPaths\": [\n"
	"\t\t\t\"/proc/acpi\",\n\t\t\t\"/proc/asound\",\n\t\t\t\"/proc/kcore\",\n"
	"\t\t\t\"/proc/keys\",\n\t\t\t\"/proc/latency_stats\",\n\t\t\t\"/proc/timer_list\",\n"
	"\t\t\t\"/proc/timer_stats\",\n\t\t\t\"/proc/sched_debug\",\n\t\t\t\"/sys/firmware\",\n"
	"\t\t\t\"/proc/scsi\"\n"
	"\t\t],\n"
	"\t\t\"readonlyPaths\": [\n"
	"\t\t\t\"/proc/bus\",\n\t\t\t\"/proc/fs\",\n\t\t\t\"/proc/irq\",\n"
	"\t\t\t\"/proc/sys\",\n\t\t\t\"/proc/sysrq-trigger\"\n"
	"\t\t]\n"
	"\t}\n"
	"}\n";

static int
v_spec(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[PATHMAX], *buf;
	const char *bundle = ".";
	size_t n, size;
	int ch, fd, rootless = 0;

	while ((ch = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'b': bundle = optarg; break;
		case 'r': rootless = 1; break;
		case 'h': usage(stdout); exit(0);
		default: verbusage("spec");
		}
	}
	if (optind != argc)
		verbusage("spec");
	if (snprintf(path, sizeof(path), "%s/config.json", bundle) >= (int)sizeof(path))
		eprintf("%s: bundle path too long", bundle);
	size = sizeof(spec1) + sizeof(specgid) + sizeof(spec2) + sizeof(specsys) +
	       sizeof(specrootless) + 64 + sizeof(spec3);
	buf = emalloc(size);
	if (rootless) {
		n = snprintf(buf, size, "%s%s", spec1, spec2);
		n += snprintf(buf + n, size - n, specrootless, (unsigned long)getuid(),
		              (unsigned long)getgid());
	} else {
		n = snprintf(buf, size, "%s%s%s%s", spec1, specgid, spec2, specsys);
	}
	n += snprintf(buf + n, size - n, "%s", spec3);
	/* as runc: a config.json already there is the user's, never replaced */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0)
		eprintf(errno == EEXIST ? "%s: exists; remove it first" : "%s: open:", path);
	if (writeall(fd, buf, n) < 0 || close(fd) < 0)
		eprintf("%s: write:", path);
	free(buf);
	return 0;
}

/*
 * seccomp, pieces' own (runc has no such verb): what the bundle's
 * linux.seccomp profile answers a call of this architecture, a name or a
 * number, with up to six arguments, from the very program create loads,
 * run as the kernel would.  It prints allow, errno N, kill, trap, trace
 * N or log.
 */
static int
v_seccomp(int argc, char *argv[])
{
	const char *bundle = ".";
	uint64_t args[6] = { 0 };
	struct spec s;
	uint32_t nr, ret;
	char *end;
	int ch, i;

	while ((ch = getopt(argc, argv, "+b:")) != -1) {
		if (ch != 'b')
			verbusage("seccomp");
		bundle = optarg;
	}
	if (argc - optind < 1 || argc - optind > 7)
		verbusage("seccomp");
	if (seccomp_nr(argv[optind], &nr) < 0) {
		errno = 0;
		nr = strtoul(argv[optind], &end, 0);
		if (!*argv[optind] || *end || errno)
			eprintf("%s: no such system call here", argv[optind]);
	}
	for (i = 1; optind + i < argc; i++) {
		errno = 0;
		args[i - 1] = strtoull(argv[optind + i], &end, 0);
		if (!*argv[optind + i] || *end || errno)
			eprintf("%s: not a number", argv[optind + i]);
	}
	if (spec_load(bundle, &s) < 0)
		return 1;
	if (!s.seccomp)
		eprintf("%s/config.json: no linux.seccomp", bundle);
	if (seccomp_profile_check(s.seccomp, 0, nr, args, &ret) < 0 && errno == E2BIG)
		eprintf("linux.seccomp: more than the kernel's 4096 instructions of BPF");
	if (seccomp_profile_check(s.seccomp, 0, nr, args, &ret) < 0)
		eprintf("linux.seccomp:");
	spec_free(&s);
	switch (ret & 0xffff0000u) {
	case 0x7fff0000u: printf("allow\n"); break;
	case 0x00050000u: printf("errno %u\n", ret & 0xffff); break;
	case 0x7ff00000u: printf("trace %u\n", ret & 0xffff); break;
	case 0x00030000u: printf("trap\n"); break;
	case 0x7ffc0000u: printf("log\n"); break;
	default: printf(ret ? "kill\n" : "kill thread\n");
	}
	return 0;
}

/*
 * config, pieces' own: the bundle's config.json read as create reads it,
 * and nothing made: 0 and silence, or 1 and the field at fault.  What
 * the runtime then refuses (create's "not supported") is not asked.
 */
static int
v_config(int argc, char *argv[])
{
	const char *bundle = ".";
	struct spec s;
	int ch;

	while ((ch = getopt(argc, argv, "+b:")) != -1) {
		if (ch != 'b')
			verbusage("config");
		bundle = optarg;
	}
	if (optind != argc)
		verbusage("config");
	if (spec_load(bundle, &s) < 0) {
		spec_free(&s);
		return 1;
	}
	spec_free(&s);
	return 0;
}

/* logopen opens --log's file to append, as runc does */
static void
logopen(const char *path)
{
	if ((logfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0)
		eprintf("%s: open:", path);
}

int
runc_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "systemd-cgroup", no_argument, NULL, 's' },
		{ "cgroup-manager", required_argument, NULL, 'm' },
		{ "rootless", required_argument, NULL, 'R' },
		{ "criu", required_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *log = NULL;
	size_t i;
	int ch, ret;

	errsink = tolog;
	while ((ch = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': rootdir = optarg; break;
		case 'l': log = optarg; break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				eprintf("--log-format %s: want text or json", optarg);
			jsonlog = !strcmp(optarg, "json");
			break;
		case 'd': debug = 1; break;
		case 's':
			eprintf("--systemd-cgroup: not supported: pieces makes its cgroups "
			        "itself (cgroupfs)");
			break;
		case 'm':
			/* crun's flag, which podman passes for --cgroups=disabled */
			if (strcmp(optarg, "cgroupfs") && strcmp(optarg, "disabled"))
				eprintf("--cgroup-manager %s: not supported (cgroupfs and "
				        "disabled are)", optarg);
			break;
		case 'R':
			/* rootless is what pieces finds, not what it is told */
			if (!strcmp(optarg, "true"))
				eprintf("--rootless true: not supported (false and auto are)");
			if (strcmp(optarg, "false") && strcmp(optarg, "auto"))
				eprintf("--rootless %s: want true, false or auto", optarg);
			break;
		case 'c': break;	/* no checkpoints, so no criu to find */
		case 'v':
			printf("pieces-runc version %s\nspec: %s\n", VERSION, OCIVERSION);
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	/* the log first, so that every later error reaches it */
	if (log)
		logopen(log);
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < LEN(verbs) && strcmp(verbs[i].name, argv[0]); i++)
		;
	if (i == LEN(verbs))
		eprintf("%s: unknown command ('pieces-runc --help' lists them)", argv[0]);
	optind = 0;
	ret = verbs[i].fn(argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout))
		eprintf("stdout:");
	return ret;
}
