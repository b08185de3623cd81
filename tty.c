/* See LICENSE file for copyright and license details. */
/*
 * pieces run -t: the host terminal goes raw (with -i) and is relayed to
 * the master of a pty from the container's own devpts, window size
 * changes follow, and the terminal is restored on every way out, exit(3)
 * included.
 */
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
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

static int
status(int st)
{
	return wstatus(st);
}

int
tty_relay(int master, int sigfd, pid_t pid, int in)
{
	struct signalfd_siginfo si;
	struct termios raw;
	struct pollfd p[3];
	int st, open_in = in, open_out = 1;

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
			(void)kill(pid, si.ssi_signo);
		else if (waitpid(pid, &st, WNOHANG) == pid)
			break;
	}
	/* what the command wrote before it exited */
	(void)fcntl(master, F_SETFL, O_NONBLOCK);
	while (open_out && copy(master, 1) > 0)
		;
	restore();
	return status(st);
}
