/* See LICENSE file for copyright and license details. */
/*
 * Published ports (-p): a relay in user space, in the host's network
 * namespace, from a port of the host to the same container's address.
 *
 * Why not DNAT in nf_tables: a published port must answer the host's own
 * loopback (curl http://127.0.0.1:8080/), which DNAT reaches only with
 * route_localnet and a masquerade of 127.0.0.1 that the host's every
 * other service would then live with; and a port that something else
 * holds would be taken over without a word, where a bind says
 * EADDRINUSE.  The cost: every byte crosses user space twice (a copy in,
 * a copy out), a connection costs a fork, and the container sees the
 * bridge's address as its peer, not the client's.
 *
 * pieces binds the host's ends before the container starts, so that a
 * port in use is an error before anything runs, then forks the relay,
 * which gives up root (it only accepts and connects) and lives until
 * pieces kills it, or dies with pieces (its parent-death signal).  A
 * TCP connection gets a process of its own, which copies both ways and
 * passes each half-close on; UDP is relayed by the relay itself, a
 * socket to the container for each client, the oldest dropped when
 * UDPMAX are open.
 */
#include <sys/prctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pieces.h"

#define RELAYBUF	(64 << 10)	/* bytes copied at a time */
#define UDPMAX		64		/* UDP clients relayed at once */
#define NOBODY		65534		/* the relay's user and group */

/* a UDP client: the host's socket it came to, its address, our socket to the container */
struct udp {
	int lfd, fd;
	struct sockaddr_in from;
	time_t used;
};

/* num reads a port number, 1 to 65535, ending at end: 0, or -1 */
static int
num(const char *s, const char *end, uint16_t *v)
{
	unsigned long n = 0;

	if (s == end || end - s > 5)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	if (n < 1 || n > 65535)
		return -1;
	*v = n;
	return 0;
}

int
relay_port(const char *s, struct port *p)
{
	const char *proto, *c1, *c2, *end;
	struct in_addr in;
	char ip[16];

	memset(p, 0, sizeof(*p));
	p->spec = s;
	/* the relay connects to the container's IPv4 address, and binds
	 * only IPv4 ones: a bracketed address would be IPv6 */
	if (s[0] == '[') {
		weprintf("-p %s: not on an IPv6 address: ports are published on IPv4 ones", s);
		return -1;
	}
	end = (proto = strchr(s, '/')) ? proto : s + strlen(s);
	if (proto && strcmp(proto, "/tcp") && strcmp(proto, "/udp"))
		goto bad;
	p->udp = proto && !strcmp(proto, "/udp");
	if (!(c2 = memrchr(s, ':', end - s)))
		goto bad;
	/* IP:HOST:CTR, or HOST:CTR */
	c1 = memrchr(s, ':', c2 - s);
	if (c1) {
		if (c1 - s >= (ptrdiff_t)sizeof(ip))
			goto bad;
		memcpy(ip, s, c1 - s);
		ip[c1 - s] = '\0';
		if (inet_pton(AF_INET, ip, &in) != 1)
			goto bad;
		p->ip = ntohl(in.s_addr);
	}
	if (num(c1 ? c1 + 1 : s, c2, &p->host) < 0 || num(c2 + 1, end, &p->ctr) < 0)
		goto bad;
	return 0;
bad:
	weprintf("-p %s: want [IP:]HOSTPORT:PORT[/tcp|/udp], an IPv4 address, ports 1-65535", s);
	return -1;
}

static struct sockaddr_in
sin4(uint32_t ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(ip);
	a.sin_port = htons(port);
	return a;
}

/* bindport opens the host's end of p: its fd, or -1 (reported) */
static int
bindport(const struct port *p)
{
	struct sockaddr_in a = sin4(p->ip, p->host);
	int fd, one = 1;

	if ((fd = socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0)) < 0) {
		weprintf("-p %s: socket:", p->spec);
		return -1;
	}
	/* a port whose last connections linger in TIME_WAIT is free; one
	 * another process listens on is not (SO_REUSEADDR is no SO_REUSEPORT) */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || (!p->udp && listen(fd, 128) < 0)) {
		weprintf(errno == EADDRINUSE ? "-p %s: the host's port %u is in use" :
		         "-p %s: the host's port %u:", p->spec, p->host);
		close(fd);
		return -1;
	}
	return fd;
}

/* copy copies both ways between a and b until both ends are done */
static void
copy(int a, int b)
{
	struct pollfd pf[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
	static char buf[RELAYBUF];
	int i, open = 2;
	ssize_t n;

	while (open > 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			if ((n = read(pf[i].fd, buf, sizeof(buf))) < 0 && errno == EINTR)
				continue;
			if (n > 0 && writeall(i ? a : b, buf, n) == n)
				continue;
			/* its end of file, or an error: the other side's
			 * writes end, and this side is read no more */
			(void)shutdown(i ? a : b, SHUT_WR);
			pf[i].fd = -1;
			open--;
		}
	}
}

/* tcp relays the connection c to the container's ip and port: in a
 * process of its own, which it does not return from */
static void
tcp(int c, uint32_t ip, uint16_t port)
{
	struct sockaddr_in a = sin4(ip, port);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		_exit(1);
	copy(c, fd);
	_exit(0);
}

/*
 * udpin relays a datagram that came to the host's socket lfd (of port p)
 * to the container, through the socket of its client, made if it is new
 * (the oldest client's given up when UDPMAX are relayed)
 */
static void
udpin(int lfd, const struct port *p, uint32_t ip, struct udp *u, time_t now)
{
	static char buf[RELAYBUF];
	struct sockaddr_in from, to = sin4(ip, p->ctr);
	socklen_t len = sizeof(from);
	ssize_t n;
	int i, old = 0;

	if ((n = recvfrom(lfd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
	                  &len)) < 0)
		return;
	for (i = 0; i < UDPMAX; i++) {
		if (u[i].fd >= 0 && u[i].lfd == lfd && u[i].from.sin_port == from.sin_port &&
		    u[i].from.sin_addr.s_addr == from.sin_addr.s_addr)
			break;
		if (u[i].fd < 0 || u[i].used < u[old].used)
			old = i;
	}
	if (i == UDPMAX) {
		i = old;
		if (u[i].fd >= 0)
			close(u[i].fd);
		u[i].lfd = lfd;
		u[i].from = from;
		if ((u[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0 &&
		    connect(u[i].fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
			close(u[i].fd);
			u[i].fd = -1;
		}
		if (u[i].fd < 0)
			return;
	}
	u[i].used = now;
	(void)send(u[i].fd, buf, n, MSG_DONTWAIT);
}

/* udpout passes a container's answer on to the client of u */
static void
udpout(struct udp *u, time_t now)
{
	static char buf[RELAYBUF];
	ssize_t n;

	if ((n = recv(u->fd, buf, sizeof(buf), MSG_DONTWAIT)) < 0)
		return;
	u->used = now;
	(void)sendto(u->lfd, buf, n, MSG_DONTWAIT, (struct sockaddr *)&u->from, sizeof(u->from));
}

/* serve is the relay: it accepts and forwards until it is killed */
static void
serve(const struct port *p, const int *fd, int n, uint32_t ip)
{
	struct pollfd pf[PORTMAX + UDPMAX];
	struct udp u[UDPMAX];
	time_t now;
	pid_t pid;
	int i, c;

	for (i = 0; i < UDPMAX; i++)
		u[i].fd = -1, u[i].used = 0;
	for (;;) {
		for (i = 0; i < n; i++)
			pf[i] = (struct pollfd){ fd[i], POLLIN, 0 };
		for (i = 0; i < UDPMAX; i++)
			pf[n + i] = (struct pollfd){ u[i].fd, POLLIN, 0 };
		if (poll(pf, n + UDPMAX, -1) < 0)
			continue;
		now = time(NULL);
		for (i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (p[i].udp) {
				udpin(fd[i], &p[i], ip, u, now);
				continue;
			}
			if ((c = accept4(fd[i], NULL, NULL, SOCK_CLOEXEC)) < 0)
				continue;
			if ((pid = fork()) == 0) {
				if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1)
					_exit(1);
				tcp(c, ip, p[i].ctr);
			}
			close(c);
		}
		for (i = 0; i < UDPMAX; i++)
			if (pf[n + i].fd >= 0 && pf[n + i].revents)
				udpout(&u[i], now);
	}
}

/*
 * shed makes the relay a process of no account: nobody, without
 * capabilities or a way back to them, signals of the terminal ignored
 * (a Ctrl-C is pieces' to pass on), its children reaped by the kernel,
 * stdio /dev/null; then the parent-death signal, which a change of user
 * clears
 */
static int
shed(pid_t parent)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, nowait = { .sa_handler = SIG_DFL };
	static const int sigs[] = { SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGPIPE };
	sigset_t none;
	size_t i;
	int fd;

	nowait.sa_flags = SA_NOCLDWAIT;
	for (i = 0; i < LEN(sigs); i++)
		sigaction(sigs[i], &ign, NULL);
	sigaction(SIGCHLD, &nowait, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* nor pieces' stdio: a pipe read to its end would wait for us */
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 || dup2(fd, 0) < 0 ||
	    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		return -1;
	close(fd);
	if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -1;
	return getppid() == parent ? 0 : -1;
}

/* closeall closes every fd but 0-2 and keep[0..n) */
static void
closeall(const int *keep, int n)
{
	struct dirent *de;
	DIR *d;
	int fd, i;

	if (!(d = opendir("/proc/self/fd")))
		return;
	while ((de = readdir(d))) {
		if ((fd = atoi(de->d_name)) <= 2 || fd == dirfd(d))
			continue;
		for (i = 0; i < n && keep[i] != fd; i++)
			;
		if (i == n)
			close(fd);
	}
	closedir(d);
}

pid_t
relay_start(const struct port *p, int n, uint32_t ip)
{
	int fd[PORTMAX], i, j;
	pid_t pid, self = getpid();

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (p[i].host == p[j].host && p[i].udp == p[j].udp &&
			    (p[i].ip == p[j].ip || !p[i].ip || !p[j].ip)) {
				weprintf("-p %s: the host's port %u is published twice", p[i].spec,
				         p[i].host);
				return -1;
			}
	for (i = 0; i < n; i++)
		if ((fd[i] = bindport(&p[i])) < 0)
			goto fail;
	if ((pid = fork()) < 0) {
		weprintf("fork:");
		goto fail;
	}
	if (pid == 0) {
		/* the store's fds and locks, and pieces' stdio, are none of its business */
		closeall(fd, n);
		if (shed(self) < 0)
			_exit(1);
		serve(p, fd, n, ip);
	}
	for (j = 0; j < n; j++)
		close(fd[j]);
	return pid;
fail:
	while (i-- > 0)
		close(fd[i]);
	return -1;
}
