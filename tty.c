/* See LICENSE file for copyright and license details. */
/*
 * The relays between pieces' stdio and a container.  Without -t, those
 * of fds 0-2 the container must not have are pipes pumped here (struct
 * relay).  With -t: the host terminal goes raw (with -i) and is relayed to
 * the master of a pty from the container's own devpts, window size
 * changes follow, and the terminal is restored on every way out, exit(3)
 * included.
 */
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "pieces.h"

static struct termios saved;
static int israw;

static void
restore(void)
{
	if (israw)
		(void)tcsetattr(0, TCSADRAIN, &saved);
	israw = 0;
}

static void
winsize(int master)
{
	struct winsize ws;

	if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

/*
 * copy moves what from has to to: 1, 0 at its end (EIO: the pty closed),
 * -1 if there is nothing now.
 */
static int
copy(int from, int to)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) < 0 && errno == EINTR)
		;
	if (n < 0 && errno == EAGAIN)
		return -1;
	if (n <= 0)
		return 0;
	return writeall(to, buf, n) < 0 ? 0 : 1;
}

/*
 * pass passes the signal si on to init, pid.  One the kernel sent, as a
 * terminal does at Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT) or hang-up, goes on
 * as a terminal's would, to the command's whole process group: init is
 * told so by the value it comes queued with (NS_GROUP).  Any other (a
 * kill, a service manager's SIGTERM) goes to the command alone, as
 * Docker's.  A second Ctrl-C kills the container: a command that ignores
 * the first must not hold the user's terminal.
 */
static void
pass(pid_t pid, const struct signalfd_siginfo *si, int *ints)
{
	if (si->ssi_code != SI_KERNEL) {
		(void)kill(pid, si->ssi_signo);
	} else if (si->ssi_signo == SIGINT && ++*ints > 1) {
		weprintf("interrupted again: killing the container");
		(void)kill(pid, SIGKILL);
	} else {
		(void)sigqueue(pid, si->ssi_signo, (union sigval){ .sival_int = NS_GROUP });
	}
}

int
tty_relay(int master, int sigfd, pid_t pid, int in)
{
	struct signalfd_siginfo si;
	struct termios raw;
	struct pollfd p[3];
	int st, open_in = in, open_out = 1, ints = 0;

	/* only -i takes the host terminal's input: without it the terminal
	 * stays as it was, and its Ctrl-C is a SIGINT for pieces to pass on */
	if (in && tcgetattr(0, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		if (tcsetattr(0, TCSADRAIN, &raw) == 0) {
			israw = 1;
			atexit(restore);
		}
	}
	winsize(master);
	for (;;) {
		p[0] = (struct pollfd){ open_in ? 0 : -1, POLLIN, 0 };
		p[1] = (struct pollfd){ open_out ? master : -1, POLLIN, 0 };
		p[2] = (struct pollfd){ sigfd, POLLIN, 0 };
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			eprintf("poll:");
		}
		if (p[0].revents && !copy(0, master))
			open_in = 0;
		if (p[1].revents && !copy(master, 1))
			open_out = 0;
		if (!(p[2].revents & POLLIN) || read(sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGWINCH)
			winsize(master);
		else if (si.ssi_signo != SIGCHLD)
			pass(pid, &si, &ints);
		else if (waitpid(pid, &st, WNOHANG) == pid)
			break;
	}
	/* what the command wrote before it exited */
	(void)fcntl(master, F_SETFL, O_NONBLOCK);
	while (open_out && copy(master, 1) > 0)
		;
	restore();
	return wstatus(st);
}

/* passable says whether fd may go to the container as it is */
static int
passable(int fd)
{
	struct stat st;

	/* closed: nothing to hand out */
	return fstat(fd, &st) < 0 || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

int
tty_pipes(struct relay *r, const struct proc *c)
{
	int i, p[2];

	r->off = r->len = 0;
	for (i = 0; i < 3; i++) {
		r->fd[i] = r->child[i] = -1;
		/* -t: the container has only its pty; no -i: /dev/null */
		if (c->tty || (i == 0 && !c->interactive) || passable(i))
			continue;
		if (pipe2(p, O_CLOEXEC) < 0) {
			weprintf("pipe:");
			return -1;
		}
		r->fd[i] = p[i != 0 ? 0 : 1];
		r->child[i] = p[i != 0 ? 1 : 0];
		if (fcntl(r->fd[i], F_SETFL, O_NONBLOCK) < 0) {
			weprintf("fcntl:");
			return -1;
		}
	}
	return 0;
}

static void
shut(struct relay *r, int i)
{
	close(r->fd[i]);
	r->fd[i] = -1;
}

/*
 * pump moves what the container wrote on fd i to pieces' own: 1, 0 once
 * it is done (its end of file, or ours failed: the container then gets
 * EPIPE as from any closed pipe), -1 if there is nothing now
 */
static int
pump(struct relay *r, int i)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(r->fd[i], buf, sizeof(buf))) < 0 && errno == EINTR)
		;
	if (n < 0 && errno == EAGAIN)
		return -1;
	if (n > 0 && writeall(i, buf, n) >= 0)
		return 1;
	if (n > 0)
		weprintf("relay fd %d:", i);
	shut(r, i);
	return 0;
}

/* feed moves pieces' stdin to the container's pipe, as much as fits now */
static void
feed(struct relay *r, int readable)
{
	ssize_t n;

	if (r->off == r->len && readable) {
		while ((n = read(0, r->buf, sizeof(r->buf))) < 0 && errno == EINTR)
			;
		if (n <= 0) {
			shut(r, 0);
			return;
		}
		r->off = 0;
		r->len = n;
	}
	if (r->off == r->len)
		return;
	/* SIGPIPE is ignored here: a command that closed its stdin gets
	 * no more of it */
	if ((n = write(r->fd[0], r->buf + r->off, r->len - r->off)) < 0) {
		if (errno != EAGAIN && errno != EINTR)
			shut(r, 0);
		return;
	}
	if ((r->off += n) == r->len)
		r->off = r->len = 0;
}

void
tty_drain(struct relay *r)
{
	int i;

	for (i = 0; i < 3; i++) {
		while (i > 0 && r->fd[i] >= 0 && pump(r, i) > 0)
			;
		if (r->fd[i] >= 0)
			shut(r, i);
	}
}

int
tty_supervise(pid_t pid, int sigfd, struct relay *r)
{
	struct signalfd_siginfo si;
	struct pollfd p[4];
	int st, i, ints = 0;

	for (;;) {
		p[0] = (struct pollfd){ sigfd, POLLIN, 0 };
		p[1] = (struct pollfd){ r->fd[1], POLLIN, 0 };
		p[2] = (struct pollfd){ r->fd[2], POLLIN, 0 };
		p[3] = (struct pollfd){ r->off < r->len ? r->fd[0] : r->fd[0] >= 0 ? 0 : -1,
		                        r->off < r->len ? POLLOUT : POLLIN, 0 };
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			eprintf("poll:");
		}
		for (i = 1; i < 3; i++)
			if (p[i].revents)
				(void)pump(r, i);
		if (p[3].revents)
			feed(r, p[3].fd == 0);
		if (!(p[0].revents & POLLIN))
			continue;
		if (read(sigfd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			eprintf("signalfd:");
		}
		if (si.ssi_signo != SIGCHLD) {
			pass(pid, &si, &ints);
			continue;
		}
		/* every process of the namespace is gone with init, and
		 * with them every writer of the pipes */
		if (waitpid(pid, &st, WNOHANG) == pid) {
			tty_drain(r);
			return wstatus(st);
		}
	}
}
