/* See LICENSE file for copyright and license details. */
/*
 * Streaming gunzip on zlib's inflate.  zlib's gzip wrapper (windowBits
 * 16+15) parses the whole header (FEXTRA, FNAME, FCOMMENT and a checked
 * FHCRC) and checks the trailer's CRC-32 and ISIZE; this file adds what a
 * stream of strangers' bytes needs around it: format sniffing, members
 * concatenated one after the other, and the rule that input ending anywhere
 * but after a complete member is an error, never a short result.
 *
 * Inflate runs in a thread of its own, a few chunks ahead of the reader:
 * unpacking a rootfs is inflate (user time) plus file writes (system
 * time), and on two cores they overlap.  The thread keeps its errors in
 * the chunk where they happened, and the reader reports one when it gets
 * there, so a tar error earlier in the stream is still the one said.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "pieces.h"

#define NCHUNK		4		/* chunks inflate may run ahead */
#define CHUNK		(64 << 10)

enum { MEMBER, BETWEEN, DONE };

struct chunk {
	ssize_t len;			/* bytes; 0 at the end, -1 on error */
	char err[256];			/* the error, for len -1 */
	unsigned char data[CHUNK];
};

struct gz {
	struct reader in;
	z_stream z;
	int gzip, state, members;
	uint64_t inoff;			/* input offset of buf[0] */
	size_t pos, len;
	unsigned char buf[GZBUF];
	char *err;			/* where pull's errors go */

	/* the inflate thread and the ring it fills */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, stop;
	unsigned head, tail;		/* chunks filled; chunks consumed */
	size_t cpos;			/* consumed of ring[tail] */
	struct chunk ring[NCHUNK];
};

static void *producer(void *);

static void
gzerr(struct gz *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->err, sizeof(((struct chunk *)0)->err), fmt, ap);
	va_end(ap);
}

static const struct {
	const char *name;
	const char *magic;
	size_t len;
} refused[] = {
	{ "xz",    "\xfd" "7zXZ\0", 6 },
	{ "bzip2", "BZh",           3 },
	{ "zstd",  "\x28\xb5\x2f\xfd", 4 },
	{ "lzip",  "LZIP",          4 },
	{ "lz4",   "\x04\x22\x4d\x18", 4 },
	{ "compress (.Z)", "\x1f\x9d", 2 },
};

/* fill reads more compressed input; it returns 0 at end, -1 on error */
static ssize_t
fill(struct gz *g)
{
	ssize_t n;

	if (g->pos == g->len) {
		g->inoff += g->len;
		g->pos = g->len = 0;
	}
	if (g->len == sizeof(g->buf))
		return 1;
	if ((n = g->in.read(g->in.arg, g->buf + g->len, sizeof(g->buf) - g->len)) > 0)
		g->len += n;
	return n;
}

struct gz *
gz_open(struct reader in)
{
	struct gz *g;
	size_t i;
	ssize_t n;

	g = ecalloc(1, sizeof(*g));
	g->in = in;
	while (g->len < 6 && (n = fill(g)) != 0)
		if (n < 0)
			goto fail;
	for (i = 0; i < LEN(refused); i++)
		if (g->len >= refused[i].len &&
		    !memcmp(g->buf, refused[i].magic, refused[i].len)) {
			weprintf("input is %s-compressed: not supported (gzip or plain tar only)",
			         refused[i].name);
			goto fail;
		}
	g->gzip = g->len >= 2 && g->buf[0] == 0x1f && g->buf[1] == 0x8b;
	if (!g->gzip)
		return g;
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK)
		eprintf("inflateInit2: out of memory");
	g->err = g->ring[0].err;
	/* without a thread, inflate runs in the reader's own calls */
	if (pthread_mutex_init(&g->mu, NULL) == 0 && pthread_cond_init(&g->cv, NULL) == 0)
		g->running = pthread_create(&g->thread, NULL, producer, g) == 0;
	return g;
fail:
	free(g);
	return NULL;
}

static ssize_t
plain(struct gz *g, unsigned char *buf, size_t n)
{
	size_t k;

	if (g->pos < g->len) {
		k = MIN(n, g->len - g->pos);
		memcpy(buf, g->buf + g->pos, k);
		g->pos += k;
		return k;
	}
	return g->in.read(g->in.arg, buf, n);
}

static int
zerror(struct gz *g, int ret)
{
	const char *msg = g->z.msg ? g->z.msg : "corrupt data";

	if (ret == Z_MEM_ERROR)
		eprintf("inflate: out of memory");
	if (!strcmp(msg, "incorrect data check"))
		msg = "CRC-32 mismatch";
	else if (!strcmp(msg, "incorrect length check"))
		msg = "ISIZE (length) mismatch";
	gzerr(g, "gzip: member %d, input offset %llu: %s", g->members + 1,
	         (unsigned long long)(g->inoff + g->pos), msg);
	return -1;
}

/* between skips the zero padding some writers leave after the last member */
static int
between(struct gz *g)
{
	ssize_t r;

	for (;;) {
		while (g->pos < g->len && g->buf[g->pos] == 0)
			g->pos++;
		if (g->pos < g->len)
			break;
		if ((r = fill(g)) <= 0) {
			g->state = r ? g->state : DONE;
			return r;
		}
	}
	if (g->buf[g->pos] != 0x1f) {
		gzerr(g, "gzip: input offset %llu: trailing garbage after member %d",
		         (unsigned long long)(g->inoff + g->pos), g->members);
		return -1;
	}
	if (inflateReset(&g->z) != Z_OK)
		eprintf("inflateReset: broken zlib state");
	g->state = MEMBER;
	return 1;
}

/*
 * pull inflates up to n bytes into buf: the count, 0 at the end of the
 * last member, or -1 with the error in g->err (or reported by the input).
 * Unless full, it returns what it has rather than wait for more input.
 */
static ssize_t
pull(struct gz *g, void *buf, size_t n, int full)
{
	ssize_t r;
	int ret;

	*g->err = '\0';
	g->z.next_out = buf;
	g->z.avail_out = n;
	while (g->z.avail_out > 0 && g->state != DONE) {
		if (!full && g->pos == g->len && g->z.avail_out < n)
			break;
		if (g->state == BETWEEN && (r = between(g)) <= 0) {
			if (r < 0)
				return -1;
			break;
		}
		if (g->pos == g->len) {
			if ((r = fill(g)) < 0)
				return -1;
			if (r == 0) {
				gzerr(g, "gzip: member %d: input ends at offset %llu: truncated",
				         g->members + 1, (unsigned long long)g->inoff);
				return -1;
			}
		}
		g->z.next_in = g->buf + g->pos;
		g->z.avail_in = g->len - g->pos;
		ret = inflate(&g->z, Z_NO_FLUSH);
		g->pos = g->len - g->z.avail_in;
		if (ret == Z_STREAM_END) {
			g->members++;
			g->state = BETWEEN;
		} else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			return zerror(g, ret);
		}
	}
	return n - g->z.avail_out;
}

static void *
producer(void *arg)
{
	struct gz *g = arg;
	struct chunk *c;

	for (;;) {
		pthread_mutex_lock(&g->mu);
		while (g->head - g->tail == NCHUNK && !g->stop)
			pthread_cond_wait(&g->cv, &g->mu);
		if (g->stop) {
			pthread_mutex_unlock(&g->mu);
			return NULL;
		}
		c = &g->ring[g->head % NCHUNK];
		pthread_mutex_unlock(&g->mu);
		g->err = c->err;
		c->len = pull(g, c->data, CHUNK, 1);
		pthread_mutex_lock(&g->mu);
		g->head++;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
		if (c->len <= 0)
			return NULL;
	}
}

ssize_t
gz_read(struct gz *g, void *buf, size_t n)
{
	struct chunk *c;
	ssize_t r;

	if (!g->gzip)
		return plain(g, buf, n);
	if (!g->running) {
		if ((r = pull(g, buf, n, 0)) < 0 && *g->err)
			weprintf("%s", g->err);
		return r;
	}
	pthread_mutex_lock(&g->mu);
	while (g->head == g->tail)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
	c = &g->ring[g->tail % NCHUNK];
	if (c->len <= 0) {
		if (c->len < 0 && *c->err)
			weprintf("%s", c->err);
		*c->err = '\0';
		return c->len;
	}
	r = MIN(n, (size_t)c->len - g->cpos);
	memcpy(buf, c->data + g->cpos, r);
	if ((g->cpos += r) == (size_t)c->len) {
		g->cpos = 0;
		pthread_mutex_lock(&g->mu);
		g->tail++;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
	}
	return r;
}

ssize_t
gz_reader(void *arg, void *buf, size_t n)
{
	return gz_read(arg, buf, n);
}

void
gz_close(struct gz *g)
{
	if (!g)
		return;
	if (g->running) {
		/* it may be blocked reading input nobody wants now: read(2)
		 * and the wait are its only cancellation points */
		pthread_mutex_lock(&g->mu);
		g->stop = 1;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
		pthread_cancel(g->thread);
		pthread_join(g->thread, NULL);
	}
	if (g->gzip)
		inflateEnd(&g->z);
	free(g);
}
