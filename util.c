/* See LICENSE file for copyright and license details. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pieces.h"

char *argv0 = "pieces";

static void
tostderr(const char *msg)
{
	fprintf(stderr, "%s: %s\n", argv0, msg);
}

void (*errsink)(const char *msg) = tostderr;

/* verr formats one message, strerror appended after a final ':', for the sink */
static void
verr(const char *fmt, va_list ap)
{
	char msg[PATHMAX + 256];
	int saved = errno;
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n && fmt[0] && fmt[strlen(fmt) - 1] == ':')
		snprintf(msg + n, sizeof(msg) - n, " %s", strerror(saved));
	errsink(msg);
	errno = saved;
}

void
eprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	exit(1);
}

void
enprintf(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	exit(status);
}

void
weprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
}

void *
emalloc(size_t n)
{
	void *p;

	if (!(p = malloc(n ? n : 1)))
		eprintf("malloc:");
	return p;
}

void *
ecalloc(size_t n, size_t size)
{
	void *p;

	if (!(p = calloc(n ? n : 1, size ? size : 1)))
		eprintf("calloc:");
	return p;
}

void *
erealloc(void *p, size_t n)
{
	if (!(p = realloc(p, n ? n : 1)))
		eprintf("realloc:");
	return p;
}

char *
estrdup(const char *s)
{
	char *p;

	if (!(p = strdup(s)))
		eprintf("strdup:");
	return p;
}

ssize_t
readall(int fd, void *buf, size_t n)
{
	size_t off = 0;
	ssize_t r;

	while (off < n) {
		r = read(fd, (char *)buf + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		off += r;
	}
	return off;
}

ssize_t
readcap(int fd, char *buf, size_t cap)
{
	ssize_t n;

	/* a full buffer tells a file at the cap from a smaller one */
	if ((n = readall(fd, buf, cap)) < 0)
		return -1;
	if ((size_t)n == cap)
		return errno = EFBIG, -1;
	buf[n] = '\0';
	return n;
}

int
digestok(const char *s)
{
	return s && !strncmp(s, "sha256:", 7) && strspn(s + 7, "0123456789abcdef") == 64 &&
	       !s[DIGESTLEN];
}

int
wstatus(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 125;
}

ssize_t
writeall(int fd, const void *buf, size_t n)
{
	size_t off = 0;
	ssize_t r;

	while (off < n) {
		r = write(fd, (const char *)buf + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		off += r;
	}
	return off;
}

char *
fmtsize(char *buf, size_t len, uint64_t n)
{
	const char *unit = "BKMGTPE";
	double v = n;

	while (v >= 1024 && unit[1]) {
		v /= 1024;
		unit++;
	}
	if (*unit == 'B')
		snprintf(buf, len, "%lluB", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f%c", v, *unit);
	return buf;
}

int
parsesize(const char *s, uint64_t max, uint64_t *v)
{
	static const char units[] = "bkmgt";
	const char *u;
	uint64_t n = 0;
	int shift;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	/* one unit letter, any case, as Docker's 64m or 1G; then maybe "b" */
	shift = 0;
	if (*s && (u = strchr(units, *s | 0x20))) {
		shift = 10 * (u - units);
		s++;
		if (shift && (*s | 0x20) == 'b')
			s++;
	}
	if (*s || n > (max >> shift))
		return -1;
	*v = n << shift;
	return 0;
}

/*
 * rmtree removes name below dirfd and, if it is a directory, everything in
 * it, never following a symlink nor entering another file system mounted
 * below it.  It holds two fds at any depth: it walks
 * down into the first subdirectory it finds, and climbs back with ".." once
 * a directory holds only what unlinkat removes.  Nothing moves the tree
 * while this runs (it is ours: a store's work tree, or a tree being
 * unpacked), so ".." is the directory it came from.
 */
int
rmtree(int at, const char *name)
{
	char **stack = NULL;
	size_t depth = 0;
	struct dirent *de;
	struct stat top, st;
	DIR *d;
	int fd, up, descended;

	/* a second guard: "." and ".." are never ours to remove */
	if (!strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/'))
		return errno = EINVAL, -1;
	if (unlinkat(at, name, 0) == 0)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	if ((fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &top) < 0) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (!(d = fdopendir(fd))) {
			up = fd;
			goto fail_up;
		}
		descended = 0;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) == 0)
				continue;
			if (errno != EISDIR && errno != EPERM)
				goto fail;
			fd = openat(dirfd(d), de->d_name,
			            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				goto fail;
			/* never into a mount below the tree: what is there is
			 * another file system's (EXDEV, the tree left) */
			if (fstat(fd, &st) < 0 || st.st_dev != top.st_dev) {
				close(fd);
				errno = EXDEV;
				goto fail;
			}
			stack = erealloc(stack, (depth + 1) * sizeof(*stack));
			stack[depth++] = estrdup(de->d_name);
			closedir(d);
			descended = 1;
			break;
		}
		if (descended)
			continue;
		if (depth == 0) {
			closedir(d);
			free(stack);
			return unlinkat(at, name, AT_REMOVEDIR);
		}
		up = openat(dirfd(d), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		closedir(d);
		if (up < 0 || unlinkat(up, stack[--depth], AT_REMOVEDIR) < 0)
			goto fail_up;
		free(stack[depth]);
		fd = up;
	}
fail:
	closedir(d);
	up = -1;
fail_up:
	if (up >= 0)
		close(up);
	while (depth > 0)
		free(stack[--depth]);
	free(stack);
	return -1;
}

ssize_t
fd_read(void *arg, void *buf, size_t n)
{
	struct fdin *in = arg;
	ssize_t r;

	while ((r = read(in->fd, buf, n)) < 0 && errno == EINTR)
		;
	if (r < 0)
		weprintf("%s: read:", in->name);
	return r;
}

void
vpush(char ***v, const char *s)
{
	size_t n = 0;

	while (*v && (*v)[n])
		n++;
	*v = erealloc(*v, (n + 2) * sizeof(**v));
	(*v)[n] = estrdup(s);
	(*v)[n + 1] = NULL;
}

void
vsetenv(char ***env, const char *kv)
{
	size_t k = strcspn(kv, "=");
	char **p;

	for (p = *env; p && *p; p++)
		if (!strncmp(*p, kv, k) && (*p)[k] == '=') {
			free(*p);
			*p = estrdup(kv);
			return;
		}
	vpush(env, kv);
}

void
vfree(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

int
rd_drain(struct reader r)
{
	char buf[16 << 10];
	ssize_t n;

	while ((n = r.read(r.arg, buf, sizeof(buf))) > 0)
		;
	return n < 0 ? -1 : 0;
}

char *
fmtdur(char *buf, size_t len, long long s)
{
	long long m = s / 60, h = (s + 1800) / 3600;

	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s == 1)
		snprintf(buf, len, "1 second");
	else if (s < 60)
		snprintf(buf, len, "%lld seconds", s);
	else if (m == 1)
		snprintf(buf, len, "About a minute");
	else if (m < 60)
		snprintf(buf, len, "%lld minutes", m);
	else if (h == 1)
		snprintf(buf, len, "About an hour");
	else if (h < 48)
		snprintf(buf, len, "%lld hours", h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, len, "%lld days", h / 24);
	else if (h < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks", h / 24 / 7);
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%lld months", h / 24 / 30);
	else
		snprintf(buf, len, "%lld years", s / 3600 / 24 / 365);
	return buf;
}

char *
fmtago(char *buf, size_t len, time_t t)
{
	size_t n;

	fmtdur(buf, len, (long long)(time(NULL) - t));
	n = strlen(buf);
	snprintf(buf + n, len - n, " ago");
	return buf;
}

void
fmttable(const char *const *head, int ncol, int stride, char *const *cells, size_t n)
{
	size_t wid[16], i;
	int c;

	for (c = 0; c < ncol && c < (int)LEN(wid); c++) {
		wid[c] = strlen(head[c]);
		for (i = 0; i < n; i++)
			wid[c] = MAX(wid[c], strlen(cells[i * stride + c]));
		wid[c] = MAX(wid[c] + 3, 10);
	}
	for (c = 0; c < ncol; c++)
		printf("%-*s", c + 1 < ncol ? (int)wid[c] : 0, head[c]);
	printf("\n");
	for (i = 0; i < n; i++) {
		for (c = 0; c < ncol; c++)
			printf("%-*s", c + 1 < ncol ? (int)wid[c] : 0, cells[i * stride + c]);
		printf("\n");
	}
}

#define STATMAX		4096		/* a /proc/PID/stat */

unsigned long long
pidstart(pid_t pid)
{
	char path[32], buf[STATMAX], *p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = readcap(fd, buf, sizeof(buf));
	close(fd);
	/* the name, in parentheses, may hold anything: count from its end.
	 * A zombie has ended: what a parent that does not reap leaves (a
	 * supervisor's is whatever adopted it) */
	if (n < 0 || !(p = strrchr(buf, ')')) || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	for (i = 2; i < 22 && p; i++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}


ssize_t
fd_send(int sock, const void *buf, size_t len, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}
