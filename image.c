/* See LICENSE file for copyright and license details. */
/*
 * Fetching what an image name stands for: the network's part of an
 * image, through http_open, while the store (store.c) only keeps what
 * it is given.
 */
#include <stdio.h>
#include <string.h>

#include "pieces.h"

/* nocreds copies url into buf without a "user:password@" part */
static void
nocreds(char *buf, size_t len, const char *url)
{
	const char *a = strstr(url, "://"), *at, *end;

	a = a ? a + 3 : url;
	end = a + strcspn(a, "/?#");
	for (at = end; at > a && at[-1] != '@'; at--)
		;
	snprintf(buf, len, "%.*s%s", (int)(a - url), url, at);
}

int
image_fetch(struct store *s, struct work *w, const struct image *im, const char *cafile,
            int flags, struct meta *m)
{
	char src[PATHMAX], want[DIGESTLEN + 1];
	struct http *h;
	int r;

	memcpy(want, im->want, sizeof(want));
	/* a sum published beside the file is fetched only to fetch the file */
	if (!*want && im->sums && known_sum(im->sums, im->url, want) < 0)
		return -1;
	/* the source recorded, and the one a cached blob must have come from */
	nocreds(src, sizeof(src), im->url);
	if (*want && (r = store_cached(s, w, want, src, m)) <= 0)
		return r;
	if (!(h = http_open(im->url, cafile, flags)))
		return -1;
	r = store_unpack(s, w, (struct reader){ http_read, h }, src, *want ? want : NULL,
	                 *want != '\0', m);
	http_close(h);
	return r;
}
