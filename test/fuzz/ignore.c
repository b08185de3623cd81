/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer harness for .dockerignore patterns (ignore.c).  An input is
 * a pattern file, then a NUL, then paths apart by NULs, each matched
 * against the patterns as COPY matches its entries.  Nothing may crash,
 * and no pattern may take long: matching backs up only to the last '*'
 * or "**", so -timeout catches one that would be exponential.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../../pieces.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *nul, *p;
	char path[4096];
	struct ignore ig;
	size_t n;

	nul = memchr(s, '\0', size);
	if (ign_parse(s, nul ? (size_t)(nul - s) : size, &ig) < 0)
		return 0;
	for (p = nul ? nul + 1 : end; p < end; p += n + 1) {
		nul = memchr(p, '\0', end - p);
		n = nul ? (size_t)(nul - p) : (size_t)(end - p);
		if (n >= sizeof(path))
			break;
		memcpy(path, p, n);
		path[n] = '\0';
		(void)ign_match(&ig, path);
		(void)ign_walk(&ig, path);
	}
	ign_free(&ig);
	return 0;
}
