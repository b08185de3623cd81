/* See LICENSE file for copyright and license details. */
/*
 * pieces exec: a command in a running container, entered as the
 * container's own command was: every namespace of its init, its cgroups,
 * its root and working directory, its environment, user, capabilities,
 * no_new_privs and seccomp filter (ns.c's ns_confine, the very code the
 * command went through).
 *
 * Three processes, none of which runs the host's pieces binary once it
 * could be reached from the container (runc's CVE-2019-5736: a process
 * of the container that may ptrace one of them opens its /proc/PID/exe,
 * then writes the host's binary through it).  pieces first makes itself
 * again from a sealed memfd copy of its binary (pieces-exec); what it
 * forks after runs that copy.
 *
 *	pieces-exec	stays in the host's namespaces: it finds the container,
 *			opens its init's namespaces, forks the joiner, puts it
 *			in init's cgroups, then relays stdio, a terminal and
 *			signals until the command exits, and passes its status on
 *	joiner		in the host's PID namespace, which the container cannot
 *			see: it closes every fd it does not need, enters init's
 *			namespaces (the PID one for its children), checks the
 *			root, looks the user up in the container's files, opens a
 *			pty of the container's devpts, takes the container's
 *			privileges, then forks the command and exits
 *	command		in the container's PID namespace: it is set up already
 *			when it first appears there, and only makes its session
 *			and execs
 *
 * pieces-exec is a child subreaper, so the command becomes its child when
 * the joiner exits, and only one process of the container's (its pids
 * limit) is exec's.  Setup failures come over the report channel of
 * ns.c, and the joiner's go and the command's pid over a socket pair of
 * their own, the gate.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pieces.h"

#define KEYCTL_JOIN_SESSION_KEYRING	1

/*
 * init's namespaces, as the joiner enters them: its user namespace
 * first (an OCI container's own, which then owns the others; we stay in
 * ours when it is the same), the mount one last
 */
static const struct {
	const char *name;
	int type;
} nstab[] = {
	{ "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP },
	{ "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET },
	{ "pid", CLONE_NEWPID },
	{ "mnt", CLONE_NEWNS },
};

/* a container to enter, as found */
struct target {
	const char *name;		/* as the user named it */
	int ns[LEN(nstab)];		/* init's namespaces; -1: none such */
	dev_t rootdev;			/* init's root */
	ino_t rootino;
	char *cgroups;			/* init's /proc/PID/cgroup */
	char *user;			/* -u, or NULL */
	int detach;
	int nfds;			/* fds past stdio the command is given */
};

/*
 * copied says whether this process runs a sealed copy of pieces: its
 * /proc/self/exe takes F_GET_SEALS and is sealed against writes.  That,
 * not argv[0], which any caller may set, is what spares the copy.
 */
static int
copied(void)
{
	int fd, seals;

	if ((fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	seals = fcntl(fd, F_GET_SEALS);
	close(fd);
	return seals >= 0 && (seals & F_SEAL_WRITE);
}

void
exec_sealed(const char *arg0)
{
	extern char **environ;
	char **argv = NULL, *p;
	int self;

	if (!copied()) {
		vpush(&argv, arg0);
		for (p = argmem + strlen(argmem) + 1; p < argmem + argmemlen; p += strlen(p) + 1)
			vpush(&argv, p);
		if ((self = ns_selfcopy("pieces-exec")) < 0 || ns_selfexec(self, argv, environ) < 0)
			enprintf(125, "exec: a sealed copy of pieces:");
	}
	/* no process of the container may ptrace us or open our fds */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		eprintf("prctl:");
}

/*
 * enter opens, through procfd (init's /proc/PID, opened before its start
 * time was checked: a reused PID fails every open below it), what the
 * joiner needs of init: its namespaces, its root's identity, its
 * cgroups.  0, or -1 (reported).
 */
/* samens says whether the namespace fd is the one at path */
static int
samens(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static int
enter(int procfd, struct target *t)
{
	char path[32];
	struct stat st;
	size_t i;
	ssize_t n;
	int fd;

	for (i = 0; i < LEN(nstab); i++) {
		snprintf(path, sizeof(path), "ns/%s", nstab[i].name);
		/* a kernel without network namespaces runs containers on
		 * the host's network */
		if ((t->ns[i] = openat(procfd, path, O_RDONLY | O_CLOEXEC)) < 0 &&
		    !(errno == ENOENT && nstab[i].type == CLONE_NEWNET)) {
			weprintf("%s: init's %s namespace:", t->name, nstab[i].name);
			return -1;
		}
		/* one we are in already is not entered: setns refuses our
		 * own user namespace, and once in the container's, one the
		 * container shares with the host is no longer ours to enter */
		snprintf(path, sizeof(path), "/proc/self/ns/%s", nstab[i].name);
		if (t->ns[i] >= 0 && samens(t->ns[i], path)) {
			close(t->ns[i]);
			t->ns[i] = -1;
		}
	}
	if (fstatat(procfd, "root", &st, 0) < 0) {
		weprintf("%s: init's root:", t->name);
		return -1;
	}
	t->rootdev = st.st_dev;
	t->rootino = st.st_ino;
	t->cgroups = emalloc(CGLISTMAX);
	*t->cgroups = '\0';
	/* none on a kernel without cgroups */
	if ((fd = openat(procfd, "cgroup", O_RDONLY | O_CLOEXEC)) < 0 && errno == ENOENT)
		return 0;
	n = fd < 0 ? -1 : readcap(fd, t->cgroups, CGLISTMAX);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		weprintf("%s: init's cgroups:", t->name);
		return -1;
	}
	return 0;
}

/* the command: a session of its own, on the pty if it has one, then exec */
static _Noreturn void
command(const struct proc *p, const char *name)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() < 0)
		ns_fail(125, "setsid:");
	if (p->tty && ioctl(0, TIOCSCTTY, 0) < 0)
		ns_fail(125, "TIOCSCTTY:");
	ns_execute(p, name);
}

static char why[PATHMAX];

/* keep keeps the message proc_user says, for the report channel */
static void
keep(const char *msg)
{
	snprintf(why, sizeof(why), "%s", msg);
}

/*
 * user looks t's -u up in the container's own passwd and group files,
 * in its mount namespace, through its root (never the host's view of
 * it, /proc/PID/root, where an absolute symlink is the host's): p's
 * uid, gid, groups and, unless -e set it, HOME.  fddir is our
 * /proc/PID/fd of the host's /proc, where the resolver reopens what it
 * found, since this /proc is of a PID namespace we are not in.
 */
static void
user(const struct target *t, struct proc *p, int fddir, int sethome)
{
	void (*sink)(const char *) = errsink;
	char home[PATHMAX], kv[PATHMAX + 8];
	int rootfd, r;

	if ((rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		ns_fail(125, "%s: its root:", t->name);
	root_fddir(fddir);
	errsink = keep;
	p->groups = NULL;
	p->ngroups = 0;
	r = proc_user(rootfd, t->user, p, home, sizeof(home));
	errsink = sink;
	if (r < 0)
		ns_fail(125, "%s", why);
	root_fddir(-1);
	close(rootfd);
	close(fddir);
	if (sethome) {
		snprintf(kv, sizeof(kv), "HOME=%s", home);
		vsetenv(&p->env, kv);
	}
}

/*
 * join is the joiner (see the top of this file): stdio[i] (or -1: as it
 * is) becomes its fd i, then it enters t as p and forks the command,
 * whose pid it sends on gate
 */
static _Noreturn void
join(const struct target *t, struct proc *p, int gate, const int *stdio, int sethome)
{
	int keepfd[LEN(nstab) + 1 + FDSMAX], pty, fddir = -1, n = 0;
	struct stat st;
	ssize_t r;
	size_t i;
	pid_t cmd;
	char b;

	for (i = 0; i < 3; i++)
		if (stdio[i] >= 0 && dup2(stdio[i], i) < 0)
			ns_fail(125, "dup2:");
	keepfd[n++] = gate;
	for (i = 0; i < LEN(nstab); i++)
		if (t->ns[i] >= 0)
			keepfd[n++] = t->ns[i];
	for (i = 0; i < (size_t)t->nfds; i++)
		keepfd[n++] = 3 + i;
	/* pieces' store, and whatever its caller left open but the fds it
	 * hands on (runc's --preserve-fds), are no fds of the container's
	 * (runc's CVE-2024-21626): closed while /proc is still the host's */
	ns_closefds(keepfd, n);
	if (t->user && (fddir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		ns_fail(125, "/proc/self/fd:");
	/* the gate: pieces puts us in init's cgroups, before we enter its
	 * cgroup namespace, which then has them as its root */
	while ((r = read(gate, &b, 1)) < 0 && errno == EINTR)
		;
	if (r != 1)
		_exit(125);
	for (i = 0; i < LEN(nstab); i++) {
		if (t->ns[i] >= 0 && setns(t->ns[i], nstab[i].type) < 0)
			ns_fail(125, "%s: enter its %s namespace:", t->name, nstab[i].name);
		if (t->ns[i] >= 0)
			close(t->ns[i]);
	}
	/* setns put us at the root of init's mount namespace: it must be
	 * the root init has, not whatever was mounted over it since */
	if (stat("/", &st) < 0 || st.st_dev != t->rootdev || st.st_ino != t->rootino)
		ns_fail(125, "%s: its mount namespace's root is not its init's: refused", t->name);
	/* the invoking shell's session keyring holds its keys */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		ns_fail(125, "session keyring:");
	if (t->user)
		user(t, p, fddir, sethome);
	if (p->tty) {
		pty = ns_mkpty();
		/* the pty is the user's, as a login's (ns.c's command) */
		if (dup2(pty, 0) < 0 || dup2(pty, 1) < 0 || dup2(pty, 2) < 0 ||
		    fchown(pty, p->uid, -1) < 0)
			ns_fail(125, "pty:");
		close(pty);
	}
	/* what /proc/PID/cmdline and environ show of the command until it
	 * execs: not the host's command line and environment */
	if (envmem)
		memset(envmem, 0, envmemlen);
	memset(argmem, 0, argmemlen);
	snprintf(argmem, argmemlen, "pieces-exec");
	ns_confine(p);
	/* into init's PID namespace, set up and confined before it is
	 * seen there: a process of the container that may ptrace it finds
	 * no more privilege than its own, and the sealed copy's exe */
	/* a PID namespace whose init is gone takes no more: ENOMEM */
	if ((cmd = fork()) < 0 && errno == ENOMEM)
		ns_fail(125, "container %s is not running", t->name);
	if (cmd < 0)
		ns_fail(125, "%s: fork:", t->name);
	if (cmd == 0) {
		close(gate);
		command(p, t->name);
	}
	if (writeall(gate, &cmd, sizeof(cmd)) < 0)
		_exit(125);
	_exit(0);
}

/*
 * start forks the joiner for t and p with stdio, puts it in init's
 * cgroups and lets it go: the command's pid once it is forked, or -1
 * with *status the setup's exit status (reported)
 */
static pid_t
start(struct target *t, struct proc *p, const int *stdio, int sethome, int *chan,
      int *pty, int *status)
{
	int sv[2], gate[2];
	pid_t pid, cmd = -1;
	siginfo_t si;
	int st;

	*status = 125;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gate) < 0) {
		weprintf("socketpair:");
		return -1;
	}
	*chan = sv[0];
	if ((pid = fork()) < 0) {
		weprintf("fork:");
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		close(gate[0]);
		ns_channel(sv[1]);
		join(t, p, gate[1], stdio, sethome);
	}
	close(sv[1]);
	close(gate[1]);
	if (cg_join(t->cgroups, pid) < 0) {
		(void)kill(pid, SIGKILL);
	} else if (writeall(gate[0], "g", 1) < 0) {
		weprintf("gate:");
	} else if (readall(gate[0], &cmd, sizeof(cmd)) != sizeof(cmd)) {
		/* the joiner failed, and said why on the channel */
		cmd = -1;
		if ((*status = ns_report(*chan, p->tty ? pty : NULL, 0)) == 0)
			*status = 125;
	}
	close(gate[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* the command is our child now (we are a subreaper): a pid that is
	 * not came from someone else, a process of the container that
	 * ptraced the command to write on the gate */
	if (cmd != -1 && (cmd <= 0 || waitid(P_PID, cmd, &si, WEXITED | WNOHANG | WNOWAIT) < 0)) {
		weprintf("%s: the gate gave pid %ld, no child of ours", t->name, (long)cmd);
		cmd = -1;
	}
	/* the command's exec closes the channel; before, it says why it
	 * could not (126, 127) */
	if (cmd > 0 && (*status = ns_report(*chan, p->tty ? pty : NULL, 0)) != 0) {
		while (waitpid(cmd, &st, 0) < 0 && errno == EINTR)
			;
		cmd = -1;
	}
	return cmd;
}

/*
 * reach opens what the joiner needs of t's init, pid, if it is still
 * the process that started at since: 0, or -1 (reported)
 */
static int
reach(struct target *t, pid_t pid, unsigned long long since)
{
	char path[32];
	int procfd, r;

	snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
	/* opened before the start time is checked again: a PID reused
	 * since fails every open below it */
	if (!ctr_alive(pid, since) || (procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    !ctr_alive(pid, since)) {
		weprintf("container %s is not running", t->name);
		return -1;
	}
	r = enter(procfd, t);
	close(procfd);
	return r;
}

/* untarget closes and frees what reach opened of t */
static void
untarget(struct target *t)
{
	size_t i;

	for (i = 0; i < LEN(nstab); i++)
		if (t->ns[i] >= 0)
			close(t->ns[i]);
	free(t->cgroups);
}

/*
 * find finds the container t names, running, and opens what the joiner
 * needs of its init: 0, or -1 (reported).  What the container's command
 * is goes into st, to be freed with ctr_free.
 */
static int
find(struct target *t, struct cstate *st)
{
	struct store s;
	int r;

	if (store_open(&s, cli_root, 0) < 0)
		return -1;
	r = ctr_find(&s, t->name, st);
	store_close(&s);
	if (r < 0)
		return -1;
	if (!ctl_running(st)) {
		weprintf("container %s is not running", t->name);
		return -1;
	}
	return reach(t, st->pid, st->pidstart);
}

pid_t
exec_start(const char *name, pid_t pid, unsigned long long since, struct proc *p, int nfds,
           int *pty, int *status)
{
	static const int stdio[3] = { -1, -1, -1 };
	struct target t = { 0 };
	pid_t cmd = -1;
	int chan = -1;
	size_t i;

	*status = 125;
	/* a copy: the joiner wipes the command line */
	t.name = estrdup(name);
	t.nfds = nfds;
	for (i = 0; i < LEN(nstab); i++)
		t.ns[i] = -1;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		weprintf("exec: subreaper:");
	else if (reach(&t, pid, since) == 0)
		cmd = start(&t, p, stdio, 0, &chan, pty, status);
	if (chan >= 0)
		close(chan);
	untarget(&t);
	free((char *)t.name);
	return cmd;
}

/*
 * prepare makes p the container's command st's process, running cmd
 * with its environment and -e's cli, in cwd (NULL: the command's): the
 * -e list says whether HOME is set (*sethome 0), else a -u user's home
 * is
 */
static void
prepare(struct proc *p, const struct cstate *st, char **cmd, char **cli, const char *cwd,
        int *sethome)
{
	char kv[PATHMAX + 8], **e;
	const char *val;

	for (e = cmd; *e; e++)
		vpush(&p->argv, *e);
	for (e = st->proc.env; e && *e; e++)
		vpush(&p->env, *e);
	for (e = p->env; p->tty && e && *e && strncmp(*e, "TERM=", 5); e++)
		;
	if (p->tty && (!e || !*e))
		vsetenv(&p->env, "TERM=xterm");
	*sethome = 1;
	for (e = cli; e && *e; e++) {
		/* -e NAME alone passes the host's value, as Docker */
		if (!strchr(*e, '=') && (val = getenv(*e)))
			snprintf(kv, sizeof(kv), "%s=%s", *e, val);
		else if (!strchr(*e, '='))
			continue;
		else
			snprintf(kv, sizeof(kv), "%s", *e);
		vsetenv(&p->env, kv);
		if (!strncmp(kv, "HOME=", 5))
			*sethome = 0;
	}
	p->cwd = cwd ? cwd : st->proc.cwd && *st->proc.cwd ? st->proc.cwd : "/";
	p->uid = st->proc.uid;
	p->gid = st->proc.gid;
	p->groups = st->proc.groups;
	p->ngroups = st->proc.ngroups;
	p->caps = st->proc.caps;
	p->fsize = st->proc.fsize;
	p->noseccomp = st->proc.noseccomp;
}

/*
 * supervise runs p in t, with stdio relayed as run's: its exit status,
 * every failure reported
 */
static int
supervise(struct target *t, struct proc *p, int sethome)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int stdio[3] = { -1, -1, -1 }, devnull = -1, sigfd = -1, chan = -1, pty = -1;
	int status = 125, i;
	struct relay r;
	sigset_t set;
	pid_t cmd;

	for (i = 0; i < 3; i++)
		r.fd[i] = r.child[i] = -1;
	r.off = r.len = 0;
	sigemptyset(&set);
	ns_sigs(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sigfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0 ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		weprintf("exec:");
		goto out;
	}
	/* as Docker: a detached command's output goes nowhere; without -t,
	 * what the container must not have of ours (a file, our terminal)
	 * gets a pipe, and no -i gets /dev/null */
	if (t->detach) {
		stdio[0] = stdio[1] = stdio[2] = devnull;
	} else if (!p->tty) {
		if (tty_pipes(&r, p) < 0)
			goto out;
		for (i = 0; i < 3; i++)
			stdio[i] = r.child[i];
		if (!p->interactive)
			stdio[0] = devnull;
	}
	cmd = start(t, p, stdio, sethome, &chan, &pty, &status);
	for (i = 0; i < 3; i++)
		if (r.child[i] >= 0) {
			close(r.child[i]);
			r.child[i] = -1;
		}
	if (cmd < 0 || t->detach)
		goto out;
	/* a relay whose reader went gets EPIPE, not the signal */
	sigaction(SIGPIPE, &ign, NULL);
	if (pty >= 0)
		status = tty_relay(pty, sigfd, cmd, p->interactive);
	else
		status = tty_supervise(cmd, sigfd, &r);
out:
	tty_drain(&r);
	if (pty >= 0)
		close(pty);
	if (chan >= 0)
		close(chan);
	if (devnull >= 0)
		close(devnull);
	if (sigfd >= 0)
		close(sigfd);
	return status;
}

int
cmd_exec(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct target t = { 0 };
	struct cstate st = { 0 };
	struct proc p = { 0 };
	char **cli = NULL, *cwd = NULL;
	int ch, status = 125, sethome;
	size_t i;

	while ((ch = getopt_long(argc, argv, "+dite:u:w:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': t.detach = 1; break;
		case 'i': p.interactive = 1; break;
		case 't': p.tty = 1; break;
		case 'e':
			if (*optarg == '=' || !*optarg)
				enprintf(125, "-e '%s': no variable name", optarg);
			vpush(&cli, optarg);
			break;
		/* copies: the joiner wipes the command line */
		case 'u': t.user = estrdup(optarg); break;
		case 'w': cwd = estrdup(optarg); break;
		case 'h': cli_help(cli_lookup("exec"));
		default: cli_usage(cli_lookup("exec"));
		}
	}
	if (argc - optind < 2)
		cli_usage(cli_lookup("exec"));
	if (t.detach && (p.tty || p.interactive))
		enprintf(125, "-d with -i or -t: a detached command has neither terminal nor input");
	/* as run, and Docker */
	if (p.tty && p.interactive && !isatty(0))
		enprintf(125, "the input device is not a TTY");
	if (cwd && cwd[0] != '/')
		enprintf(125, "workdir %s: not an absolute path", cwd);
	exec_sealed("pieces-exec");
	t.name = estrdup(argv[optind]);
	for (i = 0; i < LEN(nstab); i++)
		t.ns[i] = -1;
	if (find(&t, &st) == 0) {
		prepare(&p, &st, argv + optind + 1, cli, cwd, &sethome);
		status = supervise(&t, &p, sethome);
	}
	untarget(&t);
	free((char *)t.name);
	free(t.user);
	free(cwd);
	vfree(p.argv);
	vfree(p.env);
	vfree(cli);
	ctr_free(&st);
	return status;
}
