/* See LICENSE file for copyright and license details. */
/*
 * An HTTP/1.1 client for one thing: GET a file, over TLS 1.2 (BearSSL) or
 * plain TCP, and hand its body to the unpacker as it arrives.
 *
 * Every request is its own connection ("Connection: close"): pieces asks
 * for few, large files, and one request a connection leaves no pipelining,
 * keep-alive or leftover bytes to get wrong.  A response is read in two
 * steps: its status line and headers, whole, into a buffer of HDRMAX
 * bytes (more is an error, never a truncation), then its body by the
 * framing the headers chose: Content-Length, chunked, or, with neither,
 * the end of the connection.  A body ends only when its framing says so;
 * over TLS a connection that ends without close_notify is a truncation
 * (anybody on the path can send a FIN), so a close-delimited body needs
 * the server's close_notify to count as whole.
 *
 * Where a connection drops in the middle of a body whose server said
 * "Accept-Ranges: bytes", the rest is asked for with Range (and If-Range,
 * so a file that changed meanwhile comes back whole and is refused) a few
 * times before giving up.
 *
 * TLS, with certificate verification that cannot be turned off, is
 * tls.c's; this file gives it a socket with timeouts to run over.
 *
 * What the config file sets (mirror rewrites, credentials for a host, the
 * CA file, the timeout) is config.c's to read; HTTPS_PROXY and NO_PROXY
 * are read here, SSL_CERT_FILE in tls.c (pieces.1, FILES and ENVIRONMENT).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "pieces.h"

#define LINEMAX		4096		/* a chunk-size line */
#define TIMEOUT		30		/* seconds to connect, and of silence */
#define SLOWMIN		1024		/* bytes a response must bring each two timeouts */
#define DEADLINE	10		/* timeouts a body under http_deadline may take */
#define INTERIMMAX	10		/* 1xx responses before the real one */
#define RABUF		(64 << 10)	/* TLS records read ahead */

/* what a host that cannot be reached is told, in the same line */
#define OFFLINE	"; offline? 'pieces import FILE NAME' or a mirror (PIECES_MIRRORS, " \
		"pieces(1)) serves it without the network"

enum { LENGTH, CHUNKED, CLOSE };		/* body framing */
enum { SIZE, DATA, DATAEND, TRAILER, DONE };	/* where a chunked body is */

struct url {
	int tls;
	char host[256];			/* without an IPv6 literal's brackets */
	char port[8];
	char path[URLMAX];		/* path and query, from '/' */
	char auth[256];			/* "user:password", decoded, or "" */
	char text[URLMAX + 512];	/* to print: the URL without credentials */
};

struct conn {
	int fd;
	int err;			/* errno of the last transport failure, 0: EOF */
	struct tls *tls;		/* NULL: plain TCP */
	size_t rapos, raend;		/* read ahead for TLS: ra[rapos..raend) */
	unsigned char ra[RABUF];
};

struct http {
	struct conn c;
	struct reader src;		/* http_parse, local: where the bytes come from */
	struct fdin file;		/* local: the file, on c.fd */
	struct url u;
	const char *cafile;
	int timeout;			/* in ms */
	struct timespec win;		/* the start of this SLOWMIN window, or 0 */
	struct timespec deadline;	/* http_deadline's, or 0 */
	uint64_t winbytes;		/* what came in it */
	const char *accept, *auth;	/* http_get's request headers, or NULL */
	struct url origin;		/* where auth may go: the first URL's origin */
	int any;			/* HTTP_ANY: any final status is the caller's */

	/* the response */
	int status;
	char reason[64];
	int framing, state, ranges, chunked, haslen;
	uint64_t len, left;		/* Content-Length; left of it or of a chunk */
	char etag[256], lastmod[64], location[URLMAX];
	uint64_t rstart, rtotal;	/* Content-Range; rtotal UINT64_MAX if '*' */
	int hasrange;

	uint64_t got, total;		/* body bytes passed on; expected (0: unknown) */
	int resumes;
	char drop[128];			/* why the connection dropped, not yet said */

	/* the progress line */
	int tty, shown;
	struct timespec start, last;

	size_t pos, end;		/* unread bytes are buf[pos..end) */
	unsigned char buf[HDRMAX];
	char head[HDRMAX + 1];		/* a copy of the last head read, for http_header */
};

static void endprogress(struct http *);

/* fail reports an error about h's URL, once, after any progress line */
static void
fail(struct http *h, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	endprogress(h);
	weprintf("%s: %s", h->u.text, msg);
}

/*
 * rewrite replaces the first matching prefix of the mirror list: 1 if
 * one matched, 0 if url is as it was, -1 (reported) if too long
 */
static int
rewrite(char *dst, size_t len, const char *url)
{
	const char *to;
	size_t k;

	to = conf_mirror(url, &k);
	if ((size_t)snprintf(dst, len, "%s%s", to ? to : "", url + k) >= len) {
		weprintf("%.64s...: URL longer than URLMAX (%d bytes)", url, URLMAX);
		return -1;
	}
	return to != NULL;
}

/* ---- URLs ---- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 32) >= 'a' && (c | 32) <= 'f')
		return (c | 32) - 'a' + 10;
	return -1;
}

/* pctdecode decodes %XX escapes of s[0..n) into dst (len bytes) */
static int
pctdecode(char *dst, size_t len, const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (k + 1 >= len)
			return -1;
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			dst[k++] = hexval(s[i + 1]) << 4 | hexval(s[i + 2]);
			i += 2;
		} else {
			dst[k++] = s[i];
		}
	}
	dst[k] = '\0';
	return 0;
}

int
http_isurl(const char *s)
{
	return !strncasecmp(s, "https://", 8) || !strncasecmp(s, "http://", 7);
}

/*
 * hostport parses the host (a name, an address, or an IPv6 address in
 * brackets) and port of the authority h..e into u; *v6 says brackets.
 */
static int
hostport(struct url *u, const char *h, const char *e, int *v6)
{
	const char *p;
	size_t i, hl;
	long port;

	if ((*v6 = *h == '[')) {
		if (!(p = memchr(h, ']', e - h)))
			return -1;
		h++;
		hl = p++ - h;
	} else {
		p = h + strcspn(h, ":/?#");
		hl = p - h;
	}
	if (!hl || hl >= sizeof(u->host))
		return -1;
	memcpy(u->host, h, hl);
	for (i = 0; i < hl; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:",
		    u->host[i]) || (u->host[i] == ':' && !*v6))
			return -1;
	strcpy(u->port, u->tls ? "443" : "80");
	if (p == e)
		return 0;
	if (*p != ':' || e - p < 2 || e - p > 6 || strspn(p + 1, "0123456789") != (size_t)(e - p - 1))
		return -1;
	port = strtol(p + 1, NULL, 10);
	if (port < 1 || port > 65535)
		return -1;
	snprintf(u->port, sizeof(u->port), "%ld", port);
	return 0;
}

/*
 * parseurl splits an absolute http or https URL.  Bytes that would let a
 * URL break out of the request line (controls, blanks) are refused, as are
 * hosts with anything but name or address characters.
 */
static int
parseurl(struct url *u, const char *s)
{
	const char *p, *a, *h, *e;
	const char *dflt;
	int v6;

	memset(u, 0, sizeof(*u));
	/* until it is parsed, what is printed is s without its userinfo */
	a = strstr(s, "://") ? strstr(s, "://") + 3 : s;
	for (h = e = a + strcspn(a, "/?#"); h > a && h[-1] != '@'; h--)
		;
	snprintf(u->text, sizeof(u->text), "%.*s%s", (int)(a - s), s, h);
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			goto bad;
	if (!strncasecmp(s, "https://", 8))
		u->tls = 1;
	else if (strncasecmp(s, "http://", 7))
		goto bad;
	if (a != s + (u->tls ? 8 : 7))
		goto bad;
	if (h > a && pctdecode(u->auth, sizeof(u->auth), a, h - 1 - a) < 0)
		goto bad;
	if (hostport(u, h, e, &v6) < 0)
		goto bad;
	p = e + strcspn(e, "#");
	if ((size_t)snprintf(u->path, sizeof(u->path), "%s%.*s", *e == '/' ? "" : "/",
	    (int)(p - e), e) >= sizeof(u->path))
		goto bad;
	/* what is printed never shows the password */
	dflt = u->tls ? "443" : "80";
	snprintf(u->text, sizeof(u->text), "%s://%s%s%s%s%s%s", u->tls ? "https" : "http",
	         v6 ? "[" : "", u->host, v6 ? "]" : "", strcmp(u->port, dflt) ? ":" : "",
	         strcmp(u->port, dflt) ? u->port : "", u->path);
	return 0;
bad:
	weprintf("%s: bad URL", u->text);
	return -1;
}

/* sameorigin says whether a and b are one scheme, host and port */
static int
sameorigin(const struct url *a, const struct url *b)
{
	return a->tls == b->tls && !strcasecmp(a->host, b->host) && !strcmp(a->port, b->port);
}

/*
 * resolve turns a Location header into an absolute URL against base:
 * absolute, scheme-relative ("//host/p"), absolute-path, query-only or
 * relative to the base's directory.
 */
static int
resolve(char *dst, size_t len, const struct url *base, const char *loc)
{
	const char *scheme = base->tls ? "https:" : "http:";
	int v6 = strchr(base->host, ':') != NULL, n;
	size_t keep;

	if (http_isurl(loc))
		n = snprintf(dst, len, "%s", loc);
	else if (loc[0] == '/' && loc[1] == '/')
		n = snprintf(dst, len, "%s%s", scheme, loc);
	else {
		keep = strcspn(base->path, "?");
		if (loc[0] == '/')
			keep = 0;
		else if (loc[0] && loc[0] != '?')
			while (keep > 0 && base->path[keep - 1] != '/')
				keep--;
		n = snprintf(dst, len, "%s//%s%s%s:%s%.*s%s", scheme, v6 ? "[" : "", base->host,
		             v6 ? "]" : "", base->port, (int)keep, base->path, loc);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

void
http_base64(char *dst, const unsigned char *s, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3, dst += 4) {
		v = (uint32_t)s[i] << 16 | s[i + 1] << 8 | s[i + 2];
		dst[0] = b64[v >> 18];
		dst[1] = b64[v >> 12 & 63];
		dst[2] = b64[v >> 6 & 63];
		dst[3] = b64[v & 63];
	}
	if (i < n) {
		v = (uint32_t)s[i] << 16 | (i + 1 < n ? s[i + 1] << 8 : 0);
		dst[0] = b64[v >> 18];
		dst[1] = b64[v >> 12 & 63];
		dst[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		dst[3] = '=';
		dst += 4;
	}
	*dst = '\0';
}

/* ---- transport ---- */

/*
 * waitfd polls fd for events for at most ms; it returns 0, or -1 with
 * errno set (ETIMEDOUT when the time ran out).
 */
static int
waitfd(int fd, short events, int ms)
{
	struct pollfd p = { fd, events, 0 };
	int r;

	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? 0 : -1;
}

/*
 * rawread and rawwrite move bytes on the non-blocking socket, waiting at
 * most the idle timeout for it to be ready.  rawread returns the count, 0
 * at EOF or -1; both keep what went wrong in c->err for the message.
 */
static ssize_t
rawio(struct conn *c, void *buf, size_t n, int ms, int out)
{
	ssize_t r;

	for (;;) {
		r = out ? send(c->fd, buf, n, MSG_NOSIGNAL) : recv(c->fd, buf, n, 0);
		if (r >= 0)
			break;
		if (errno == EINTR)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK) ||
		    waitfd(c->fd, out ? POLLOUT : POLLIN, ms) < 0)
			break;
	}
	c->err = r < 0 ? errno : 0;
	return r;
}

static ssize_t
rawread(struct conn *c, void *buf, size_t n, int ms)
{
	return rawio(c, buf, n, ms, 0);
}

static ssize_t
rawwrite(struct conn *c, const void *buf, size_t n, int ms)
{
	return rawio(c, (void *)buf, n, ms, 1);
}

/*
 * The BearSSL callbacks: any failure, EOF included, is -1 to the engine.
 * The engine asks for a record's 5-byte header, then for the rest of the
 * record: two reads a 16 KB record.  sockread reads ahead instead, as
 * much as the socket has, so one recv serves several records.
 */
static int
sockread(void *arg, unsigned char *buf, size_t n)
{
	struct conn *c = &((struct http *)arg)->c;
	ssize_t r;

	if (c->rapos == c->raend) {
		if ((r = rawread(c, c->ra, sizeof(c->ra), ((struct http *)arg)->timeout)) <= 0)
			return -1;
		c->rapos = 0;
		c->raend = r;
	}
	n = MIN(n, c->raend - c->rapos);
	memcpy(buf, c->ra + c->rapos, n);
	c->rapos += n;
	return n;
}

static int
sockwrite(void *arg, const unsigned char *buf, size_t n)
{
	struct http *h = arg;
	ssize_t r = rawwrite(&h->c, buf, n, h->timeout);

	return r > 0 ? (int)r : -1;
}

/* ---- connections ---- */

static void
hangup(struct http *h)
{
	tls_close(h->c.tls);
	h->c.tls = NULL;
	h->c.rapos = h->c.raend = 0;
	if (h->c.fd >= 0)
		close(h->c.fd);
	h->c.fd = -1;
	h->pos = h->end = 0;
}

/*
 * dial connects to host:port (what, "" or "proxy ", says which in a
 * message), each address getaddrinfo gives in turn, each within the
 * timeout.  It returns a non-blocking socket or -1,
 * reported with what the last address said.
 */
static int
dial(struct http *h, const char *what, const char *host, const char *port)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	socklen_t len = sizeof(int);
	int fd = -1, err = 0, r;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		fail(h, "%s%s: %s%s", what, host, r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r),
		     r == EAI_SYSTEM ? "" : OFFLINE);
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && waitfd(fd, POLLOUT, h->timeout) == 0 &&
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !(errno = err)))
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		errno = err;
		if (err == ETIMEDOUT)
			fail(h, "%s%s port %s: connect: no answer in %d s%s", what, host, port,
			     h->timeout / 1000, OFFLINE);
		else
			fail(h, "%s%s port %s: connect: %s%s", what, host, port, strerror(err),
			     err == ENETUNREACH || err == EHOSTUNREACH ? OFFLINE : "");
	}
	return fd;
}

/* loopback says whether host is this machine by name or address */
static int
loopback(const char *host)
{
	return !strcasecmp(host, "localhost") || !strncmp(host, "127.", 4) ||
	       !strcmp(host, "::1");
}

/* noproxy says whether NO_PROXY (or no_proxy) exempts host */
static int
noproxy(const char *host)
{
	char *env = getenv("NO_PROXY"), *list, *w, *save;
	size_t hl = strlen(host), wl;
	int hit = 0;

	if (!env || !*env)
		env = getenv("no_proxy");
	if (!env || !*env)
		return 0;
	list = estrdup(env);
	for (w = strtok_r(list, ", \t", &save); w && !hit; w = strtok_r(NULL, ", \t", &save)) {
		/* "[::1]:8443", "host:8443", ".domain": the host or domain */
		if (*w == '[') {
			w++;
			w[strcspn(w, "]")] = '\0';
		} else if (strchr(w, ':') == strrchr(w, ':'))
			w[strcspn(w, ":")] = '\0';
		if (*w == '.')
			w++;
		wl = strlen(w);
		hit = !strcmp(w, "*") || !strcasecmp(w, host) ||
		      (hl > wl && host[hl - wl - 1] == '.' && !strcasecmp(host + hl - wl, w));
	}
	free(list);
	return hit;
}

void
http_deadline(struct http *h)
{
	clock_gettime(CLOCK_MONOTONIC, &h->deadline);
	h->deadline.tv_sec += DEADLINE * h->timeout / 1000;
}

/*
 * slow counts r bytes in: r, or -1 with h->drop saying so if the window
 * they end took two timeouts and brought under SLOWMIN bytes.  The idle
 * timeout alone lets a server that sends a byte now and then hold us for
 * ever.
 */
static ssize_t
slow(struct http *h, ssize_t r)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (h->deadline.tv_sec && (now.tv_sec > h->deadline.tv_sec ||
	    (now.tv_sec == h->deadline.tv_sec && now.tv_nsec > h->deadline.tv_nsec))) {
		fail(h, "not complete in %d s", DEADLINE * h->timeout / 1000);
		return -1;
	}
	if (!h->win.tv_sec && !h->win.tv_nsec) {
		h->win = now;
		h->winbytes = 0;
	}
	h->winbytes += r;
	ms = (now.tv_sec - h->win.tv_sec) * 1000 + (now.tv_nsec - h->win.tv_nsec) / 1000000;
	if (ms < 2L * h->timeout)
		return r;
	if (h->winbytes < SLOWMIN) {
		snprintf(h->drop, sizeof(h->drop), "under %d bytes in %d s", SLOWMIN,
		         2 * h->timeout / 1000);
		return -1;
	}
	h->win = now;
	h->winbytes = 0;
	return r;
}

/*
 * get reads raw response bytes: from the connection (TLS or not) or, for
 * http_parse, from h->src.  It returns the count, 0 at a clean end, or -1:
 * with h->drop saying why if the connection broke (not yet reported), or
 * with the error reported.
 */
static ssize_t
get(struct http *h, void *buf, size_t n)
{
	const char *why;
	ssize_t r;

	if (h->src.read)
		return h->src.read(h->src.arg, buf, n);
	if (!h->c.tls) {
		if ((r = rawread(&h->c, buf, n, h->timeout)) < 0)
			goto drop;
		return slow(h, r);
	}
	if ((r = tls_read(h->c.tls, buf, n)) >= 0)
		return slow(h, r);
	if ((why = tls_error(h->c.tls))) {
		fail(h, "%s: %s", h->u.host, why);
		return -1;
	}
drop:
	if (h->c.err == ETIMEDOUT)
		snprintf(h->drop, sizeof(h->drop), "no data for %d s", h->timeout / 1000);
	else if (h->c.err)
		snprintf(h->drop, sizeof(h->drop), "%s", strerror(h->c.err));
	else
		snprintf(h->drop, sizeof(h->drop), "connection closed%s",
		         h->c.tls ? " without TLS close_notify" : "");
	return -1;
}

/* put sends the whole request */
static int
put(struct http *h, const char *buf, size_t n)
{
	const char *why;
	size_t off;
	ssize_t r;

	if (h->c.tls) {
		/* the handshake runs here, and its failures show here */
		if (tls_write(h->c.tls, buf, n) == 0)
			return 0;
		if ((why = tls_error(h->c.tls))) {
			fail(h, "%s: %s", h->u.host, why);
			return -1;
		}
	} else {
		for (off = 0; off < n; off += r)
			if ((r = rawwrite(&h->c, buf + off, n - off, h->timeout)) < 0)
				break;
		if (off == n)
			return 0;
	}
	fail(h, "%s: sending the request: %s", h->u.host,
	     h->c.err == ETIMEDOUT ? "timed out" : h->c.err ? strerror(h->c.err) : "connection closed");
	return -1;
}

/*
 * readhead reads a response's status line and headers into buf, up to
 * the blank line that ends them; the body's first bytes may follow.  It
 * returns the length of the head (through the blank line) or -1.
 */
static ssize_t
readhead(struct http *h)
{
	unsigned char *p;
	size_t scan = 0;
	ssize_t r;

	for (;;) {
		for (p = h->buf + h->pos + scan; (p = memchr(p, '\n', h->buf + h->end - p)); p++)
			if ((p > h->buf + h->pos && p[-1] == '\n') ||
			    (p > h->buf + h->pos + 1 && p[-1] == '\r' && p[-2] == '\n'))
				return p + 1 - (h->buf + h->pos);
		scan = h->end - h->pos;
		if (h->end == sizeof(h->buf)) {
			fail(h, "response headers larger than HDRMAX (%d bytes)", HDRMAX);
			return -1;
		}
		if ((r = get(h, h->buf + h->end, sizeof(h->buf) - h->end)) > 0) {
			h->end += r;
			continue;
		}
		if (r == 0 || *h->drop)
			fail(h, "%s before the end of the response headers",
			     r == 0 ? "connection closed" : h->drop);
		return -1;
	}
}

/* number parses a decimal header value into *v: 0, or -1 if it is not one */
static int
number(const char *s, uint64_t *v)
{
	uint64_t n = 0;

	if (!*s)
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	*v = n;
	return *s ? -1 : 0;
}

/* contentrange parses "bytes START-END/TOTAL" (TOTAL may be '*') */
static int
contentrange(struct http *h, char *v)
{
	char *dash, *slash;
	uint64_t end;

	if (strncasecmp(v, "bytes ", 6) || !(dash = strchr(v, '-')) || !(slash = strchr(v, '/')) ||
	    slash < dash)
		return -1;
	*dash = *slash = '\0';
	if (number(v + 6 + strspn(v + 6, " "), &h->rstart) < 0 || number(dash + 1, &end) < 0 ||
	    end < h->rstart)
		return -1;
	if (!strcmp(slash + 1, "*"))
		h->rtotal = UINT64_MAX;
	else if (number(slash + 1, &h->rtotal) < 0 || end >= h->rtotal)
		return -1;
	h->hasrange = 1;
	return 0;
}

/* header takes in one "name: value" line, value trimmed */
static int
header(struct http *h, const char *name, char *v)
{
	uint64_t n;

	if (!strcasecmp(name, "content-length")) {
		if (number(v, &n) < 0 || (h->haslen && n != h->len))
			return -1;
		h->len = n;
		h->haslen = 1;
	} else if (!strcasecmp(name, "transfer-encoding")) {
		/* we send "Accept-Encoding: identity": chunked is the only
		 * coding a server may use */
		if (strcasecmp(v, "chunked")) {
			fail(h, "transfer coding '%.64s' not supported", v);
			return -2;
		}
		h->chunked = 1;
	} else if (!strcasecmp(name, "location")) {
		if (strlen(v) >= sizeof(h->location))
			return -1;
		strcpy(h->location, v);
	} else if (!strcasecmp(name, "accept-ranges")) {
		h->ranges = !strcasecmp(v, "bytes");
	} else if (!strcasecmp(name, "content-range")) {
		return contentrange(h, v);
	} else if (!strcasecmp(name, "etag")) {
		/* a weak or outsized validator is none: no If-Range */
		if (strncmp(v, "W/", 2) && strlen(v) < sizeof(h->etag))
			strcpy(h->etag, v);
	} else if (!strcasecmp(name, "last-modified")) {
		if (strlen(v) < sizeof(h->lastmod))
			strcpy(h->lastmod, v);
	}
	return 0;
}

/*
 * parsehead parses the head readhead found (len bytes at buf + pos): the
 * status line, then each header.  Folded lines (obsolete, and a way to
 * smuggle a header past one parser and not another) and bytes that no
 * header holds are errors.  It returns 0 or -1, reported.
 */
static int
parsehead(struct http *h, size_t len)
{
	char *s = (char *)h->buf + h->pos, *end = s + len, *line, *next, *colon, *v, *e;
	int r;

	memcpy(h->head, s, len);
	h->head[len] = '\0';
	h->pos += len;
	h->status = 0;
	h->haslen = h->chunked = h->ranges = h->hasrange = 0;
	*h->reason = *h->location = *h->etag = *h->lastmod = '\0';
	for (line = s; line < end; line = next) {
		next = (char *)memchr(line, '\n', end - line) + 1;
		e = next - 1;
		if (e > line && e[-1] == '\r')
			e--;
		*e = '\0';
		if (memchr(line, '\0', e - line) || (line == s && e == line))
			goto bad;
		if (line == s) {
			if (strncmp(line, "HTTP/1.", 7) || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
			    strspn(line + 9, "0123456789") != 3 || (line[12] && line[12] != ' '))
				goto bad;
			h->status = strtol(line + 9, NULL, 10);
			snprintf(h->reason, sizeof(h->reason), "%s", line[12] ? line + 13 : "");
			continue;
		}
		if (e == line)
			break;
		if (*line == ' ' || *line == '\t' || !(colon = strchr(line, ':')) || colon == line ||
		    strcspn(line, " \t") < (size_t)(colon - line))
			goto bad;
		*colon = '\0';
		v = colon + 1 + strspn(colon + 1, " \t");
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if ((r = header(h, line, v)) == -2)
			return -1;
		if (r < 0) {
			fail(h, "bad %s header: '%.64s'", line, v);
			return -1;
		}
	}
	return 0;
bad:
	fail(h, "malformed response: '%.64s'", line);
	return -1;
}

/*
 * response reads a response head, skipping interim 1xx ones, and sets up
 * the body's framing.  It returns 0 or -1, reported.
 */
static int
response(struct http *h)
{
	ssize_t n;
	int interim = 0;

	do {
		if (interim++ > INTERIMMAX) {
			fail(h, "more than %d interim (1xx) responses", INTERIMMAX);
			return -1;
		}
		if (h->pos > 0) {
			memmove(h->buf, h->buf + h->pos, h->end - h->pos);
			h->end -= h->pos;
			h->pos = 0;
		}
		if ((n = readhead(h)) < 0 || parsehead(h, n) < 0)
			return -1;
	} while (h->status >= 100 && h->status < 200 && h->status != 101);
	h->state = SIZE;
	h->left = h->len;
	if (h->status == 204 || h->status == 304 || h->status == 101) {
		h->framing = LENGTH;
		h->left = 0;
	} else if (h->chunked)
		h->framing = CHUNKED;
	else
		h->framing = h->haslen ? LENGTH : CLOSE;
	return 0;
}

/* ---- bodies ---- */

/*
 * line returns the next line of a chunked body's framing, its end
 * stripped, reading more as needed; NULL if it cannot (reported unless
 * the connection dropped: then h->drop says why).
 */
static char *
line(struct http *h)
{
	unsigned char *p;
	char *s;
	ssize_t r;

	while (!(p = memchr(h->buf + h->pos, '\n', h->end - h->pos))) {
		if (h->end - h->pos >= LINEMAX) {
			fail(h, "chunked body: framing line longer than %d bytes", LINEMAX);
			return NULL;
		}
		if (h->pos > 0) {
			memmove(h->buf, h->buf + h->pos, h->end - h->pos);
			h->end -= h->pos;
			h->pos = 0;
		}
		if ((r = get(h, h->buf + h->end, sizeof(h->buf) - h->end)) <= 0) {
			if (r == 0)
				snprintf(h->drop, sizeof(h->drop), "connection closed");
			return NULL;
		}
		h->end += r;
	}
	s = (char *)h->buf + h->pos;
	h->pos = p + 1 - h->buf;
	if (p > (unsigned char *)s && p[-1] == '\r')
		p--;
	*p = '\0';
	if (memchr(s, '\0', (char *)p - s)) {
		fail(h, "chunked body: NUL in framing");
		return NULL;
	}
	return s;
}

/* chunkline reads a chunk-size line or a trailer; it returns 0 or -1 */
static int
chunkline(struct http *h)
{
	uint64_t n = 0;
	char *s, *p;
	int d;

	if (!(s = line(h)))
		return -1;
	if (h->state == TRAILER) {
		h->state = *s ? TRAILER : DONE;
		return 0;
	}
	if (h->state == DATAEND) {
		if (*s) {
			fail(h, "chunked body: no line end after chunk data");
			return -1;
		}
		h->state = SIZE;
		return 0;
	}
	for (p = s; (d = hexval(*p)) >= 0; p++) {
		if (n >> 60) {
			fail(h, "chunked body: chunk size '%.32s' too large", s);
			return -1;
		}
		n = n << 4 | d;
	}
	if (p == s || (*p && *p != ';' && *p != ' ' && *p != '\t')) {
		fail(h, "chunked body: bad chunk size line '%.32s'", s);
		return -1;
	}
	h->left = n;
	h->state = n ? DATA : TRAILER;
	return 0;
}

/*
 * body reads up to n bytes of the body by its framing: the count, 0 when
 * the body is complete, -1 as get says (h->drop set for a dropped one).
 */
static ssize_t
body(struct http *h, void *buf, size_t n)
{
	ssize_t r;

	if (h->framing == CHUNKED) {
		while (h->state != DATA && h->state != DONE)
			if (chunkline(h) < 0)
				return -1;
		if (h->state == DONE)
			return 0;
	}
	if (h->framing != CLOSE) {
		if (h->left == 0)
			return 0;
		n = MIN(n, h->left);
	}
	if (h->pos < h->end) {
		r = MIN(n, h->end - h->pos);
		memcpy(buf, h->buf + h->pos, r);
		h->pos += r;
	} else if ((r = get(h, buf, n)) <= 0) {
		if (r == 0 && h->framing != CLOSE)
			snprintf(h->drop, sizeof(h->drop), "connection closed");
		return r == 0 && h->framing != CLOSE ? -1 : r;
	}
	if (h->framing != CLOSE && (h->left -= r) == 0 && h->framing == CHUNKED)
		h->state = DATAEND;
	return r;
}

/* ---- progress ---- */

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* progress redraws the line at most 5 times a second */
static void
progress(struct http *h)
{
	char got[16], tot[16], rate[16], eta[32] = "";
	double secs, bps;

	if (!h->tty || since(&h->last) < 0.2)
		return;
	clock_gettime(CLOCK_MONOTONIC, &h->last);
	secs = since(&h->start);
	bps = secs > 0 ? h->got / secs : 0;
	fmtsize(got, sizeof(got), h->got);
	fmtsize(rate, sizeof(rate), bps);
	if (h->total && h->total >= h->got) {
		if (bps > 0) {
			uint64_t left = (h->total - h->got) / bps;
			snprintf(eta, sizeof(eta), " ETA %llu:%02llu", (unsigned long long)left / 60,
			         (unsigned long long)left % 60);
		}
		fprintf(stderr, "\r%s: %s of %s %3d%% %s/s%s\033[K", h->u.host, got,
		        fmtsize(tot, sizeof(tot), h->total), (int)(h->got * 100 / h->total), rate, eta);
	} else {
		fprintf(stderr, "\r%s: %s %s/s\033[K", h->u.host, got, rate);
	}
	h->shown = 1;
}

static void
endprogress(struct http *h)
{
	if (h->shown)
		fputc('\n', stderr);
	h->shown = 0;
}

/* ---- requests ---- */

/* credentials finds the user:password to send to u: its own, or the config's */
static const char *
credentials(const struct url *u)
{
	return *u->auth ? u->auth : conf_auth(u->host, u->port);
}

/*
 * tunnel asks the proxy for a tunnel to h's host with CONNECT.  The
 * proxy must answer 2xx and send nothing more before we do.
 */
static int
tunnel(struct http *h, const struct url *proxy)
{
	char req[1024], auth[400] = "";
	const char *v6 = strchr(h->u.host, ':') ? "[" : "";
	int n;

	if (*proxy->auth) {
		strcpy(auth, "Proxy-Authorization: Basic ");
		http_base64(auth + strlen(auth), (const unsigned char *)proxy->auth, strlen(proxy->auth));
		strcat(auth, "\r\n");
	}
	n = snprintf(req, sizeof(req), "CONNECT %s%s%s:%s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
	             "User-Agent: pieces/" VERSION "\r\n%s\r\n", v6, h->u.host, *v6 ? "]" : "",
	             h->u.port, v6, h->u.host, *v6 ? "]" : "", h->u.port, auth);
	if (put(h, req, n) < 0 || response(h) < 0)
		return -1;
	if (h->status / 100 != 2 || h->pos != h->end) {
		fail(h, "proxy %s port %s: CONNECT: %d %s", proxy->host, proxy->port, h->status,
		     h->pos != h->end ? "and data before the tunnel" : h->reason);
		return -1;
	}
	h->pos = h->end = 0;
	return 0;
}

/* tlsstart starts TLS with h's host on its connected socket */
static int
tlsstart(struct http *h)
{
	h->c.tls = tls_open(h->u.host, h->cafile, sockread, sockwrite, h);
	return h->c.tls ? 0 : -1;
}

/* connectto connects h to its URL's server, through a proxy if set */
static int
connectto(struct http *h)
{
	char *env = getenv("HTTPS_PROXY");
	struct url proxy;
	char purl[URLMAX];

	if (!env || !*env)
		env = getenv("https_proxy");
	if (!h->u.tls || !env || !*env || noproxy(h->u.host)) {
		if ((h->c.fd = dial(h, "", h->u.host, h->u.port)) < 0)
			return -1;
		return h->u.tls ? tlsstart(h) : 0;
	}
	snprintf(purl, sizeof(purl), "%s%s", strstr(env, "://") ? "" : "http://", env);
	if (parseurl(&proxy, purl) < 0)
		return -1;
	if (proxy.tls) {
		fail(h, "HTTPS_PROXY %s: only http:// proxies are supported", proxy.text);
		return -1;
	}
	if ((h->c.fd = dial(h, "proxy ", proxy.host, proxy.port)) < 0 || tunnel(h, &proxy) < 0)
		return -1;
	return tlsstart(h);
}

/*
 * request opens a connection and GETs h's URL, from byte from onwards
 * (a Range request, If-Range on the validator we have), and reads the
 * response head.  It returns 0 or -1, reported.
 */
static int
request(struct http *h, uint64_t from)
{
	char req[URLMAX + AUTHMAX + ACCEPTMAX + 2048], auth[AUTHMAX + 32] = "", range[400] = "";
	const char *cred, *v6 = strchr(h->u.host, ':') ? "[" : "";
	int n, dflt = !strcmp(h->u.port, h->u.tls ? "443" : "80");

	hangup(h);
	*h->drop = '\0';
	h->win.tv_sec = h->win.tv_nsec = 0;
	/* the caller's Authorization is for the origin it named; a redirect
	 * elsewhere (registries send blobs to a CDN) must not carry it */
	if (h->auth && sameorigin(&h->u, &h->origin))
		snprintf(auth, sizeof(auth), "Authorization: %s\r\n", h->auth);
	else if (!h->auth && (cred = credentials(&h->u))) {
		strcpy(auth, "Authorization: Basic ");
		http_base64(auth + strlen(auth), (const unsigned char *)cred, MIN(strlen(cred), 255));
		strcat(auth, "\r\n");
	}
	/* a mirror may rewrite https to http: no secret goes out in clear
	 * but to this machine */
	if (*auth && !h->u.tls && !loopback(h->u.host)) {
		explicit_bzero(auth, sizeof(auth));
		fail(h, "not sending credentials over plain http");
		return -1;
	}
	if (connectto(h) < 0) {
		explicit_bzero(auth, sizeof(auth));
		return -1;
	}
	if (from)
		snprintf(range, sizeof(range), "Range: bytes=%llu-\r\n%s%s%s",
		         (unsigned long long)from, *h->etag || *h->lastmod ? "If-Range: " : "",
		         *h->etag ? h->etag : h->lastmod, *h->etag || *h->lastmod ? "\r\n" : "");
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n"
	             "User-Agent: pieces/" VERSION "\r\nAccept: %s\r\n"
	             "Accept-Encoding: identity\r\nConnection: close\r\n%s%s\r\n",
	             h->u.path, v6, h->u.host, *v6 ? "]" : "", dflt ? "" : ":",
	             dflt ? "" : h->u.port, h->accept ? h->accept : "*/*", auth, range);
	n = put(h, req, n);
	explicit_bzero(auth, sizeof(auth));
	explicit_bzero(req, sizeof(req));
	return n < 0 || response(h) < 0 ? -1 : 0;
}

static struct http *
newhttp(int flags)
{
	struct http *h = ecalloc(1, sizeof(*h));

	h->c.fd = -1;
	h->timeout = (conf_timeout() ? conf_timeout() : TIMEOUT) * 1000;
	h->tty = !(flags & HTTP_QUIET) && isatty(2);
	clock_gettime(CLOCK_MONOTONIC, &h->start);
	h->last = h->start;
	return h;
}

/*
 * local answers a URL that a mirror rewrote to a file:// URL or a plain
 * path, for machines with no network at all (a USB stick holding the
 * tarballs and their sums under the official names): the file is the body
 * of a 200 response with its size as Content-Length.  Only a mirror's
 * target is ever local; the rest of the path came from a URL that a
 * Piecefile or a registry may have written, so a ".." in it, which would
 * climb out of the mirror's directory, is refused.  A regular file only,
 * opened non-blocking: a FIFO or a device there hangs nothing.
 */
static int
local(struct http *h, const char *url)
{
	const char *path = strncmp(url, "file://", 7) ? url : url + 7, *p;
	struct stat st;

	snprintf(h->u.text, sizeof(h->u.text), "%s", url);
	for (p = path; (p = strstr(p, "/..")); p += 3)
		if (p[3] == '/' || !p[3]) {
			fail(h, "'..' in a mirrored path");
			return -1;
		}
	if (*path != '/') {
		fail(h, "a local mirror must be an absolute path");
		return -1;
	}
	if ((h->c.fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    fstat(h->c.fd, &st) < 0) {
		fail(h, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(h, "not a regular file");
		return -1;
	}
	h->file = (struct fdin){ h->c.fd, path };
	h->src = (struct reader){ fd_read, &h->file };
	h->status = 200;
	snprintf(h->reason, sizeof(h->reason), "OK");
	h->framing = LENGTH;
	h->haslen = 1;
	h->len = h->left = h->total = st.st_size;
	h->origin = h->u;
	return 0;
}

/*
 * follow moves h to the URL its redirect names.  Credentials written in
 * a URL go with it only to the same scheme, host and port; going from
 * https to http is refused, since it would give up the verification that
 * got us here.
 */
static int
follow(struct http *h)
{
	char abs[URLMAX], url[URLMAX];
	struct url next;

	if (!*h->location) {
		fail(h, "%d %s without a Location", h->status, h->reason);
		return -1;
	}
	if (resolve(abs, sizeof(abs), &h->u, h->location) < 0) {
		fail(h, "redirect: Location too long");
		return -1;
	}
	if (rewrite(url, sizeof(url), abs) < 0 || parseurl(&next, url) < 0)
		return -1;
	if (h->u.tls && !next.tls) {
		fail(h, "refusing the redirect from https to %s", next.text);
		return -1;
	}
	if (!*next.auth && sameorigin(&next, &h->u))
		memcpy(next.auth, h->u.auth, sizeof(next.auth));
	h->u = next;
	return 0;
}

/* hdrok says whether a caller's header value can go into a request as it is */
static int
hdrok(const char *v, size_t max)
{
	const char *p;

	for (p = v; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return 0;
	return p - v < (ptrdiff_t)max;
}

struct http *
http_open(const char *url, const char *cafile, int flags)
{
	struct httpreq rq = { NULL, NULL, flags };

	return http_get(url, cafile, &rq);
}

struct http *
http_get(const char *url, const char *cafile, const struct httpreq *rq)
{
	char buf[URLMAX];
	struct http *h;
	int redirects = 0, r;

	if (conf_load() < 0)
		return NULL;
	h = newhttp(rq->flags);
	h->cafile = cafile;
	h->any = rq->flags & HTTP_ANY;
	if ((r = rewrite(buf, sizeof(buf), url)) < 0)
		goto fail;
	if (r && (*buf == '/' || !strncmp(buf, "file://", 7))) {
		if (local(h, buf) < 0)
			goto fail;
		return h;
	}
	if (parseurl(&h->u, buf) < 0)
		goto fail;
	if ((rq->accept && !hdrok(rq->accept, ACCEPTMAX)) || (rq->auth && !hdrok(rq->auth, AUTHMAX))) {
		fail(h, "request header too long or with control characters");
		goto fail;
	}
	h->accept = rq->accept;
	h->auth = rq->auth;
	h->origin = h->u;
	for (;;) {
		if (request(h, 0) < 0)
			goto fail;
		if (h->status != 301 && h->status != 302 && h->status != 303 &&
		    h->status != 307 && h->status != 308)
			break;
		if (++redirects > REDIRMAX) {
			fail(h, "more than %d redirects (a loop?)", REDIRMAX);
			goto fail;
		}
		if (follow(h) < 0)
			goto fail;
	}
	if (h->status != 200 && !h->any) {
		fail(h, "%d%s%s", h->status, *h->reason ? " " : "", h->reason);
		goto fail;
	}
	h->total = h->framing == LENGTH ? h->len : 0;
	return h;
fail:
	http_close(h);
	return NULL;
}

struct http *
http_parse(struct reader in)
{
	struct http *h = newhttp(HTTP_QUIET);

	h->src = in;
	strcpy(h->u.text, "response");
	if (response(h) < 0) {
		http_close(h);
		return NULL;
	}
	h->total = h->framing == LENGTH ? h->len : 0;
	return h;
}

/*
 * resume asks again for the rest of a body whose connection dropped.  The
 * answer must be 206 for exactly the bytes that are missing; anything
 * else (the file changed, the server ignores Range) ends the download.
 */
static int
resume(struct http *h)
{
	uint64_t total = h->total;
	int ranges = h->ranges;

	if (request(h, h->got) < 0)
		return -1;
	h->ranges = ranges;
	if (h->status != 206 || !h->hasrange || h->rstart != h->got ||
	    (total && h->rtotal != total)) {
		fail(h, "resuming at byte %llu: got %d %s%s", (unsigned long long)h->got,
		     h->status, h->reason, h->status == 200 ? " (the file changed?)" : "");
		return -1;
	}
	return 0;
}

ssize_t
http_read(void *arg, void *buf, size_t n)
{
	struct http *h = arg;
	ssize_t r;

	for (;;) {
		if ((r = body(h, buf, n)) > 0) {
			h->got += r;
			progress(h);
			return r;
		}
		if (r == 0) {
			h->last.tv_sec = 0;
			progress(h);
			endprogress(h);
			return 0;
		}
		if (!*h->drop)
			return -1;
		if (h->src.read || !h->ranges || h->resumes == RESUMEMAX) {
			if (h->total)
				fail(h, "body cut short at %llu of %llu bytes: %s", (unsigned long long)h->got,
				     (unsigned long long)h->total, h->drop);
			else
				fail(h, "body cut short after %llu bytes: %s", (unsigned long long)h->got,
				     h->drop);
			return -1;
		}
		h->resumes++;
		endprogress(h);
		weprintf("%s: %s after %llu bytes; resuming (%d of %d)", h->u.text, h->drop,
		         (unsigned long long)h->got, h->resumes, RESUMEMAX);
		if (resume(h) < 0)
			return -1;
	}
}

int
http_status(const struct http *h)
{
	return h->status;
}

const char *
http_url(const struct http *h)
{
	return h->u.text;
}

int
http_moved(const struct http *h)
{
	return !sameorigin(&h->u, &h->origin);
}

int
http_header(const struct http *h, const char *name, char *buf, size_t len)
{
	const char *line, *end, *v, *e;
	size_t n = strlen(name);

	/* the head was checked by parsehead: lines end in \n, no NULs */
	for (line = strchr(h->head, '\n'); line && *++line; line = strchr(line, '\n')) {
		end = line + strcspn(line, "\r\n");
		if ((size_t)(end - line) <= n || strncasecmp(line, name, n) || line[n] != ':')
			continue;
		v = line + n + 1 + strspn(line + n + 1, " \t");
		for (e = end; e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if ((size_t)(e - v) >= len)
			return -1;
		memcpy(buf, v, e - v);
		buf[e - v] = '\0';
		return 1;
	}
	return 0;
}

void
http_close(struct http *h)
{
	if (!h)
		return;
	endprogress(h);
	hangup(h);
	free(h);
}
