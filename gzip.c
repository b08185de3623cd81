/* See LICENSE file for copyright and license details. */
/*
 * Streaming gunzip on zlib's inflate.  zlib's gzip wrapper (windowBits
 * 16+15) parses the whole header (FEXTRA, FNAME, FCOMMENT and a checked
 * FHCRC) and checks the trailer's CRC-32 and ISIZE; this file adds what a
 * stream of strangers' bytes needs around it: format sniffing, members
 * concatenated one after the other, and the rule that input ending anywhere
 * but after a complete member is an error, never a short result.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "pieces.h"

enum { MEMBER, BETWEEN, DONE };

struct gz {
	struct reader in;
	z_stream z;
	int gzip, state, members;
	uint64_t inoff;			/* input offset of buf[0] */
	size_t pos, len;
	unsigned char buf[GZBUF];
};

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
	if (g->gzip && inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK)
		eprintf("inflateInit2: out of memory");
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
	weprintf("gzip: member %d, input offset %llu: %s", g->members + 1,
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
		weprintf("gzip: input offset %llu: trailing garbage after member %d",
		         (unsigned long long)(g->inoff + g->pos), g->members);
		return -1;
	}
	if (inflateReset(&g->z) != Z_OK)
		eprintf("inflateReset: broken zlib state");
	g->state = MEMBER;
	return 1;
}

ssize_t
gz_read(struct gz *g, void *buf, size_t n)
{
	ssize_t r;
	int ret;

	if (!g->gzip)
		return plain(g, buf, n);
	g->z.next_out = buf;
	g->z.avail_out = n;
	while (g->z.avail_out > 0 && g->state != DONE) {
		/* return what is there rather than wait for more input */
		if (g->pos == g->len && g->z.avail_out < n)
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
				weprintf("gzip: member %d: input ends at offset %llu: truncated",
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
	if (g->gzip)
		inflateEnd(&g->z);
	free(g);
}
