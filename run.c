/* See LICENSE file for copyright and license details. */
/*
 * The commands that run containers and act on them: run, with its
 * flags turned into a struct ctr, and ps, logs, stop, kill, rm, start
 * and restart on the containers' states (ctr.c, ctl.c).  start runs a
 * container again as run ran it: the run's arguments are kept in its
 * state, and run takes them again for the same container (reuse).
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pieces.h"

static const char *reuse;	/* start's container, for run */

/* command line: entrypoint, then args or the image's cmd, as Docker */
static char **
mkargv(const struct meta *m, const char *entry, char **args, int nargs)
{
	char **argv = NULL, **src;
	int i;

	/* --entrypoint '' clears it */
	if (entry && *entry)
		vpush(&argv, entry);
	for (src = entry ? NULL : m->entrypoint; src && *src; src++)
		vpush(&argv, *src);
	for (i = 0; i < nargs; i++)
		vpush(&argv, args[i]);
	/* --entrypoint drops the image's cmd, as Docker */
	for (src = nargs || entry ? NULL : m->cmd; src && *src; src++)
		vpush(&argv, *src);
	/* an imported rootfs has no command: a shell, as Docker's alpine */
	if (!argv && !entry)
		vpush(&argv, "/bin/sh");
	return argv;
}

/*
 * parsetmpfs reads --tmpfs PATH[:OPTIONS] into v: size=SIZE (default
 * LAYERSIZE), mode=OCTAL (1777), ro, rw, exec, noexec.  0, or -1 (reported).
 */
static int
parsetmpfs(const char *arg, struct vol *v)
{
	char *o, *next, *end;
	unsigned long m;

	memset(v, 0, sizeof(*v));
	v->dst = estrdup(arg);
	v->size = LAYERSIZE;
	v->mode = 01777;
	if ((o = strchr(v->dst, ':')))
		*o++ = '\0';
	if (v->dst[0] != '/' || !v->dst[1]) {
		weprintf("--tmpfs %s: want /path/in/container[:size=64m,mode=1777,exec,ro]", arg);
		return -1;
	}
	for (; o && *o; o = next) {
		if ((next = strchr(o, ',')))
			*next++ = '\0';
		if (!strncmp(o, "size=", 5) && parsesize(o + 5, SIZEMAX, &v->size) == 0 && v->size)
			continue;
		if (!strncmp(o, "mode=", 5) && (m = strtoul(o + 5, &end, 8)) <= 07777 &&
		    o[5] && !*end) {
			v->mode = m;
			continue;
		}
		if (!strcmp(o, "ro") || !strcmp(o, "rw"))
			v->ro = !strcmp(o, "ro");
		else if (!strcmp(o, "exec") || !strcmp(o, "noexec"))
			v->exec = !strcmp(o, "exec");
		else {
			weprintf("--tmpfs %s: bad option '%s' (size=, mode=, ro, rw, exec, noexec)",
			         arg, o);
			return -1;
		}
	}
	return 0;
}

static int
parsevol(const char *arg, struct vol *v)
{
	char *p, *abs;
	size_t n;

	memset(v, 0, sizeof(*v));
	v->src = estrdup(arg);
	if (!(p = strchr(v->src, ':')))
		goto bad;
	*p++ = '\0';
	v->dst = p;
	if ((p = strchr(p, ':'))) {
		*p++ = '\0';
		if (strcmp(p, "ro") && strcmp(p, "rw"))
			goto bad;
		v->ro = !strcmp(p, "ro");
	}
	if (v->dst[0] != '/')
		goto bad;
	/* a relative host path is the user's, from here, as Docker's ./dir;
	 * the one allocation holds both, as the caller frees src alone */
	if (v->src[0] != '/') {
		if (!(abs = realpath(v->src, NULL))) {
			weprintf("volume %s:", v->src);
			free(v->src);
			return -1;
		}
		n = strlen(abs) + 1;
		p = emalloc(n + strlen(v->dst) + 1);
		memcpy(p, abs, n);
		strcpy(p + n, v->dst);
		free(abs);
		free(v->src);
		v->src = p;
		v->dst = p + n;
	}
	return 0;
bad:
	free(v->src);
	weprintf("volume %s: want /host/path:/container/path[:ro]", arg);
	return -1;
}

/*
 * getimage brings what image_find found for run into the store s,
 * reopened to write, saying so, as docker run pulls: 0, or -1 (reported)
 */
static int
getimage(struct store *s, const struct image *im)
{
	weprintf(store_has(s, im->name) ? "%s: %s %s again" : "%s: not in the store; %s %s",
	         im->name, im->url ? "fetching" : "pulling", im->url ? im->url : im->ref);
	store_close(s);
	if (store_open(s, cli_root, 1) < 0)
		return -1;
	return image_get(s, im, NULL, 0);
}

/* held returns the capability bounding set pieces runs with */
static uint64_t
held(void)
{
	uint64_t caps = 0;
	int i, r;

	for (i = 0; i < 64 && (r = prctl(PR_CAPBSET_READ, i, 0, 0, 0)) >= 0; i++)
		if (r)
			caps |= 1ULL << i;
	return caps;
}

/*
 * keep adds to *v the option ch (its value arg) as start is to give it
 * again: by its long name, a volume's host path absolute and -e NAME
 * with the value it had here.  start runs elsewhere, later, maybe from
 * a boot script in /: a relative -v . would be that directory then.
 */
static void
keep(char ***v, const struct option *opts, int ch, const char *arg, const struct vol *vol)
{
	char buf[2 * PATHMAX + 16];
	const char *name = ch == 'h' ? "hostname" : NULL, *val;

	for (; !name && opts->name; opts++)
		if (opts->val == ch)
			name = opts->name;
	if (!name)
		return;
	if (ch == 'v')
		snprintf(buf, sizeof(buf), "--volume=%s:%s%s", vol->src, vol->dst, vol->ro ? ":ro" : "");
	else if (ch == 'e' && !strchr(arg, '=') && (val = getenv(arg)))
		snprintf(buf, sizeof(buf), "--env=%s=%s", arg, val);
	else if (ch == 'e' && !strchr(arg, '='))
		return;
	else
		snprintf(buf, sizeof(buf), "--%s%s%s", name, arg ? "=" : "", arg ? arg : "");
	vpush(v, buf);
}

int
cmd_run(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "volume", required_argument, NULL, 'v' },
		{ "tmpfs", required_argument, NULL, 'T' },
		{ "user", required_argument, NULL, 'u' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "read-only", no_argument, NULL, 'R' },
		{ "cap-add", required_argument, NULL, 'A' },
		{ "cap-drop", required_argument, NULL, 'D' },
		{ "entrypoint", required_argument, NULL, 'E' },
		{ "security-opt", required_argument, NULL, 'S' },
		{ "privileged", no_argument, NULL, 'P' },
		{ "rm", no_argument, NULL, 'X' },
		{ "storage-opt", required_argument, NULL, 'O' },
		{ "pull", optional_argument, NULL, 'L' },
		{ "publish", required_argument, NULL, 'p' },
		{ "net", required_argument, NULL, 'N' },
		{ "network", required_argument, NULL, 'N' },
		{ "detach", no_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "restart", required_argument, NULL, 'r' },
		{ "log-opt", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'Q' },
		LIMITOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = cli_lookup("run");
	struct svcopt so = { .logmax = LOGMAX, .reuse = reuse };
	char **cli = NULL, kv[PATHMAX + 8];
	const char *entry = NULL, *user = NULL, *val, *rawcap = NULL;
	uint64_t add = 0, drop = 0, bit;
	struct netopts net = { .mode = NET_BRIDGE };
	struct limits lim = { 0 };
	struct ctr ctr = { 0 };
	struct image im;
	struct store s;
	struct meta m;
	size_t ncli = 0, i;
	int ch, r, imgfd, ret = 125, pull = IMAGE_MISSING;
	char **p;

	/* -h is the host name, as Docker's; --help is help */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+ite:w:v:u:h:m:p:d", opts, NULL)) != -1) {
		if ((r = cli_limitopt(ch, optarg, &lim)) < 0)
			exit(125);
		if (r > 0) {
			keep(&so.args, opts, ch, optarg, NULL);
			continue;
		}
		switch (ch) {
		case 'i': ctr.proc.interactive = 1; break;
		case 't': ctr.proc.tty = 1; break;
		case 'e':
			if (*optarg == '=' || !*optarg)
				enprintf(125, "-e '%s': no variable name", optarg);
			cli = erealloc(cli, (ncli + 2) * sizeof(*cli));
			cli[ncli++] = optarg;
			cli[ncli] = NULL;
			break;
		case 'w': ctr.proc.cwd = optarg; break;
		case 'v':
			ctr.vol = erealloc(ctr.vol, (ctr.nvol + 1) * sizeof(*ctr.vol));
			if (parsevol(optarg, &ctr.vol[ctr.nvol++]) < 0)
				exit(125);
			break;
		case 'T':
			ctr.vol = erealloc(ctr.vol, (ctr.nvol + 1) * sizeof(*ctr.vol));
			if (parsetmpfs(optarg, &ctr.vol[ctr.nvol++]) < 0)
				exit(125);
			break;
		case 'u': user = optarg; break;
		case 'h': case 'H': ctr.hostname = optarg; break;
		case 'R': ctr.fs.readonly = 1; break;
		case 'A': case 'D':
			if (proc_cap(optarg, &bit) < 0)
				enprintf(125, "%s: unknown capability", optarg);
			if (ch == 'A' && bit == CAPS_HOSTNET)
				rawcap = optarg;
			*(ch == 'A' ? &add : &drop) |= bit;
			break;
		case 'E': entry = optarg; break;
		case 'S':
			/* the only profile is the default; loading the user's
			 * would take a JSON-to-BPF compiler, not a flag */
			if (strcmp(optarg, "seccomp=unconfined"))
				enprintf(125, "--security-opt %s: not supported "
				         "(only seccomp=unconfined is)", optarg);
			ctr.proc.noseccomp = 1;
			break;
		case 'P': ctr.privileged = ctr.proc.noseccomp = 1; break;
		case 'X': so.autorm = 1; break;
		case 'd': so.detach = 1; break;
		case 'n': so.name = optarg; break;
		case 'r':
			if (svc_policy(optarg) < 0)
				enprintf(125, "--restart %s: want no, always, unless-stopped "
				         "or on-failure[:max]", optarg);
			so.restart = optarg;
			break;
		case 'o':
			if (strncmp(optarg, "max-size=", 9) ||
			    parsesize(optarg + 9, SIZEMAX, &so.logmax) < 0 || so.logmax < 4096)
				enprintf(125, "--log-opt %s: want max-size=size, 4k at least", optarg);
			break;
		case 'O':
			if (cli_storageopt(optarg, &ctr.fs.size) < 0)
				exit(125);
			break;
		case 'L':
			if ((pull = image_pull(optarg)) < 0)
				enprintf(125, "--pull=%s: want always, missing or never", optarg);
			break;
		case 'N':
			if ((net.mode = net_mode(optarg)) < 0)
				enprintf(125, "--net %s: want bridge, none or host", optarg);
			break;
		case 'p':
			if (net.nport == PORTMAX)
				enprintf(125, "-p %s: more than PORTMAX (%d) ports", optarg, PORTMAX);
			if (relay_port(optarg, &net.port[net.nport++]) < 0)
				exit(125);
			break;
		case 'Q': cli_help(c); break;
		default: cli_usage(c);
		}
		keep(&so.args, opts, ch, optarg, ctr.nvol ? &ctr.vol[ctr.nvol - 1] : NULL);
	}
	for (i = optind; i < (size_t)argc; i++)
		vpush(&so.args, argv[i]);
	if (optind >= argc)
		cli_usage(c);
	/* start runs a container again, detached, as Docker's */
	so.detach |= reuse != NULL;
	if (so.autorm && so.restart && strcmp(so.restart, "no"))
		enprintf(125, "--rm and --restart %s: a container cannot be both "
		         "removed and restarted when it exits", so.restart);
	/* nothing could ever write to it: pieces has no attach */
	if (so.detach && ctr.proc.interactive)
		enprintf(125, "-d and -i: a detached container's stdin is /dev/null");
	/* ALL too stops short of it there: see CAPS_HOSTNET */
	if (rawcap && net.mode == NET_HOST)
		enprintf(125, "%s: refused while the container shares the host's network "
		          "(--net host): it would sniff and spoof its traffic", rawcap);
	/* on none there is nothing to publish to; on host the container's
	 * ports are the host's already (Docker drops them with a warning) */
	if (net.nport && net.mode != NET_BRIDGE)
		enprintf(125, "-p %s: ports are published from --net bridge only", net.port[0].spec);
	if (cli_limitsok(&lim) < 0)
		exit(125);
	/* as Docker: a terminal's input that is not a terminal would hang
	 * on the first thing the shell asks of it */
	if (ctr.proc.tty && ctr.proc.interactive && !isatty(0))
		enprintf(125, "the input device is not a TTY");
	if (ctr.proc.cwd && ctr.proc.cwd[0] != '/')
		enprintf(125, "workdir %s: not an absolute path", ctr.proc.cwd);
	/* as Docker: --privileged is every capability, whatever else says;
	 * every one is what pieces holds, since capset refuses more */
	if (ctr.privileged)
		add = ~0ULL, drop = 0;
	ctr.proc.caps = (CAPS_DEFAULT | add) & ~drop;
	if (add == ~0ULL)
		ctr.proc.caps &= held();
	ctr.name = im.name;
	if (store_open(&s, cli_root, 0) < 0 || image_find(&s, argv[optind], pull, &im) < 0 ||
	    (!im.store && getimage(&s, &im) < 0))
		goto out;
	if ((imgfd = store_image(&s, ctr.name, &m)) < 0)
		goto out;
	if (store_rootfs(&s, "images", ctr.name, imgfd, NULL, &ctr.fs) < 0 ||
	    proc_prepare(&ctr, imgfd, &m, user) < 0)
		goto close;
	if (!(ctr.proc.argv = mkargv(&m, entry, argv + optind + 1, argc - optind - 1))) {
		weprintf("%s: no command: --entrypoint '' and none given", ctr.name);
		goto close;
	}
	for (p = cli; p && *p; p++) {
		/* -e NAME alone passes the host's value, as Docker */
		if (!strchr(*p, '=') && (val = getenv(*p)))
			snprintf(kv, sizeof(kv), "%s=%s", *p, val);
		else if (!strchr(*p, '='))
			continue;
		else
			snprintf(kv, sizeof(kv), "%s", *p);
		vsetenv(&ctr.proc.env, kv);
	}
	ret = svc_run(&s, &ctr, &lim, &net, &so);
close:
	proc_free(&ctr.proc);
	close(imgfd);
	meta_free(&m);
out:
	store_close(&s);
	/* a volume's one allocation is its src; a tmpfs's its dst */
	for (i = 0; i < (size_t)ctr.nvol; i++)
		free(ctr.vol[i].src ? ctr.vol[i].src : ctr.vol[i].dst);
	free(ctr.vol);
	free(cli);
	vfree(so.args);
	return ret;
}

/*
 * ctlopts parses the options of container command name: the letters of
 * short (getopt's), and long; each letter seen sets its place in set, and
 * one with an argument passes it in *arg.  It returns optind, having
 * checked that at least min operands follow.
 */
static int
ctlopts(const char *name, int argc, char *argv[], const char *short_, const struct option *long_,
        int *set, char **arg, int min)
{
	const struct cmd *c = cli_lookup(name);
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, short_, long_, NULL)) != -1) {
		if (ch == 'h')
			cli_help(c);
		if (ch == '?' || ch == ':')
			cli_usage(c);
		set[strchr(short_, ch) - short_] = 1;
		if (optarg)
			*arg = optarg;
	}
	if (argc - optind < min)
		cli_usage(c);
	return optind;
}

#define HELPOPT		{ "help", no_argument, NULL, 'h' }

/* ctlstore opens the store for a container command: 0, or exits 1 */
static void
ctlstore(struct store *s)
{
	if (store_open(s, cli_root, 0) < 0)
		exit(1);
}

int
cmd_ps(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' }, { "quiet", no_argument, NULL, 'q' },
		{ "no-trunc", no_argument, NULL, 'N' }, HELPOPT, { NULL, 0, NULL, 0 },
	};
	int set[8] = { 0 }, r;
	struct store s;
	char *arg;

	if (ctlopts("ps", argc, argv, "+aqNh", opts, set, &arg, 0) != argc)
		cli_usage(cli_lookup("ps"));
	ctlstore(&s);
	r = ctl_ps(&s, set[1], set[2], set[3]);
	store_close(&s);
	return r < 0;
}

int
cmd_logs(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' }, { "timestamps", no_argument, NULL, 't' },
		{ "tail", required_argument, NULL, 'n' }, HELPOPT, { NULL, 0, NULL, 0 },
	};
	int set[8] = { 0 }, i, r;
	char *arg = NULL, *e;
	struct store s;
	long tail = -1;

	if ((i = ctlopts("logs", argc, argv, "+ftn:h", opts, set, &arg, 1)) + 1 != argc)
		cli_usage(cli_lookup("logs"));
	if (arg) {
		errno = 0;
		tail = strtol(arg, &e, 10);
		if (!*arg || *e || errno || tail < 0)
			enprintf(1, "--tail %s: want a number of lines", arg);
	}
	ctlstore(&s);
	r = ctl_logs(&s, argv[i], tail, set[1], set[2]);
	store_close(&s);
	return r < 0;
}

/* grace reads stop's -t (NULL: 10 s), in milliseconds */
static long
grace(const char *s)
{
	char *e;
	long n;

	if (!s)
		return 10000;
	errno = 0;
	n = strtol(s, &e, 10);
	if (!*s || *e || errno || n < 0 || n > 86400)
		enprintf(1, "-t %s: want seconds, 0 to 86400", s);
	return n * 1000;
}

static const struct option timeopts[] = {
	{ "time", required_argument, NULL, 't' }, HELPOPT, { NULL, 0, NULL, 0 },
};

int
cmd_stop(int argc, char *argv[])
{
	int set[8] = { 0 }, i, r;
	char *arg = NULL;
	struct store s;

	i = ctlopts("stop", argc, argv, "+t:h", timeopts, set, &arg, 1);
	ctlstore(&s);
	r = ctl_stop(&s, argv + i, argc - i, grace(arg), 0);
	store_close(&s);
	return r < 0;
}

int
cmd_kill(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "signal", required_argument, NULL, 's' }, HELPOPT, { NULL, 0, NULL, 0 },
	};
	int set[8] = { 0 }, i, r, sig = SIGKILL;
	char *arg = NULL;
	struct store s;

	i = ctlopts("kill", argc, argv, "+s:h", opts, set, &arg, 1);
	if (arg && (sig = ctl_signal(arg)) < 0)
		enprintf(1, "-s %s: unknown signal", arg);
	ctlstore(&s);
	r = ctl_stop(&s, argv + i, argc - i, 0, sig);
	store_close(&s);
	return r < 0;
}

int
cmd_rm(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' }, HELPOPT, { NULL, 0, NULL, 0 },
	};
	int set[8] = { 0 }, i, r;
	char *arg;
	struct store s;

	i = ctlopts("rm", argc, argv, "+fh", opts, set, &arg, 1);
	ctlstore(&s);
	r = ctl_rm(&s, argv + i, argc - i, set[1]);
	store_close(&s);
	return r < 0;
}

/* again runs the container arg again, detached, as run ran it: 0, or 1 */
static int
again(const char *arg)
{
	struct cstate st;
	struct store s;
	char **argv = NULL, **a;
	int r = 1;

	ctlstore(&s);
	if (ctr_find(&s, arg, &st) < 0) {
		store_close(&s);
		return 1;
	}
	store_close(&s);
	if (ctl_busy(&st)) {
		printf("%s\n", arg);
		ctr_free(&st);
		return 0;
	}
	vpush(&argv, "run");
	for (a = st.args; a && *a; a++)
		vpush(&argv, *a);
	reuse = st.id;
	if (!(r = cmd_run(a - st.args + 1, argv) != 0))
		printf("%s\n", st.name[0] ? st.name : arg);
	reuse = NULL;
	vfree(argv);
	ctr_free(&st);
	return r;
}

int
cmd_start(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' }, HELPOPT, { NULL, 0, NULL, 0 },
	};
	int set[8] = { 0 }, i, r = 0;
	char **ids = NULL, *arg;
	struct store s;

	i = ctlopts("start", argc, argv, "+ah", opts, set, &arg, 0);
	if (set[1] == (i < argc))
		cli_usage(cli_lookup("start"));
	if (set[1]) {
		ctlstore(&s);
		if (ctl_due(&s, &ids) < 0)
			r = 1;
		store_close(&s);
	}
	for (; i < argc; i++)
		r |= again(argv[i]);
	for (i = 0; ids && ids[i]; i++)
		r |= again(ids[i]);
	vfree(ids);
	return r;
}

int
cmd_restart(int argc, char *argv[])
{
	int set[8] = { 0 }, i, r = 0;
	char *arg = NULL;
	struct store s;

	i = ctlopts("restart", argc, argv, "+t:h", timeopts, set, &arg, 1);
	for (; i < argc; i++) {
		ctlstore(&s);
		/* ctl_stop prints the name stopped: start prints it */
		if (ctl_stop(&s, argv + i, 1, grace(arg), -1) < 0)
			r = 1;
		store_close(&s);
		if (!r)
			r |= again(argv[i]);
	}
	return r;
}

