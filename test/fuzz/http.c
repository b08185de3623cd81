/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer harness for the response parser of http.c: the status line,
 * the headers and the three body framings (Content-Length, chunked with
 * extensions and trailers, close-delimited), through http_parse and
 * http_read, the way a server's bytes reach them.
 *
 * An input is one control byte, then the response:
 *	bits 0-1	read sizes the source gives: as asked, or at most 1,
 *			7 or 4096 bytes
 *	bit 2		the source fails (-1) where the input ends, instead
 *			of saying end of file: a connection that breaks
 *	bits 3-4	buffer sizes http_read is asked to fill: 65536, 1,
 *			100 or 4096 bytes
 * The harness aborts if http_read returns more than it was asked for,
 * returns data after saying the body ended, or passes on more bytes than
 * the input held.  pieces dying in eprintf shows as libFuzzer's "fuzz
 * target exited": no input may get there.  Malformed responses are
 * reported on stderr: add -close_fd_mask=2 to keep only libFuzzer's own
 * output.  The seeds in test/fuzz/http-seeds/ are responses behind such a
 * byte: `tail -c +2 SEED` shows one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../../pieces.h"

struct src {
	const uint8_t *p;
	size_t len, off, max;
	int fail;
};

static ssize_t
srcread(void *arg, void *buf, size_t n)
{
	struct src *s = arg;

	if (s->off == s->len)
		return s->fail ? -1 : 0;
	n = MIN(n, MIN(s->max, s->len - s->off));
	memcpy(buf, s->p + s->off, n);
	s->off += n;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t reads[] = { SIZE_MAX, 1, 7, 4096 };
	static const size_t bufs[] = { 65536, 1, 100, 4096 };
	static unsigned char buf[65536];
	struct src s = { 0 };
	struct http *h;
	uint64_t total = 0;
	size_t want;
	ssize_t r;

	if (size < 1)
		return 0;
	s.p = data + 1;
	s.len = size - 1;
	s.max = reads[data[0] & 3];
	s.fail = data[0] >> 2 & 1;
	want = bufs[data[0] >> 3 & 3];
	if (!(h = http_parse((struct reader){ srcread, &s })))
		return 0;
	while ((r = http_read(h, buf, want)) > 0) {
		if ((size_t)r > want)
			abort();
		total += r;
		if (total > s.len)
			abort();
	}
	if (r == 0 && http_read(h, buf, want) != 0)
		abort();
	http_close(h);
	return 0;
}
