/* See LICENSE file for copyright and license details. */
/*
 * Known images: the names pieces can fetch by itself, from a table the
 * user edits (config.def.h, copied to config.h).  `pieces run alpine-3.18`
 * on an empty store fetches the pinned tarball for this machine's
 * architecture, verified by its SHA-256, as `docker run` pulls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "pieces.h"

struct known {
	const char *name, *tag, *arch, *url, *sha256, *sums, *why;
};

#include "config.h"

int
known_find(const char *name, const char **url, char *want, const char **sums)
{
	size_t i, n;

	for (i = 0; i < LEN(known); i++) {
		n = strlen(known[i].name);
		if (strncmp(name, known[i].name, n) || name[n] != '-' ||
		    strcmp(name + n + 1, known[i].tag))
			continue;
		if (!known[i].url) {
			weprintf("%s: %s", name, known[i].why);
			return -1;
		}
		/* a registry reference (arch NULL) has every platform */
		if (known[i].arch && strcmp(known[i].arch, ARCH_NAME))
			continue;
		*url = known[i].url;
		*sums = known[i].sums;
		*want = '\0';
		if (!known[i].sha256)
			return 1;
		/* config.h is edited by hand: a pinned sum that is not one
		 * would fail every download with a mismatch, not say why */
		snprintf(want, DIGESTLEN + 1, "sha256:%s", known[i].sha256);
		if (!digestok(want)) {
			weprintf("%s: config.h: bad sha256 '%s': want 64 lower-case hex digits",
			         name, known[i].sha256);
			return -1;
		}
		return 1;
	}
	return 0;
}

int
known_sum(const char *sums, const char *url, char *want)
{
	const char *file = strrchr(url, '/') + 1;
	char *buf, *line, *name, *save, sum[DIGESTLEN + 1];
	struct http *h;
	size_t n = 0;
	ssize_t r = 0;
	int ret = -1;

	if (!(h = http_open(sums, NULL, HTTP_QUIET)))
		return -1;
	buf = emalloc(SUMSMAX + 1);
	while (n <= SUMSMAX && (r = http_read(h, buf + n, SUMSMAX + 1 - n)) > 0)
		n += r;
	http_close(h);
	if (r < 0)
		goto out;
	/* a sum past the cap is not looked for in what came before it */
	if (n > SUMSMAX) {
		weprintf("%s: over SUMSMAX (%d KiB)", sums, SUMSMAX >> 10);
		goto out;
	}
	buf[n] = '\0';
	/* "HEX  NAME" or "HEX *NAME" lines, as sha256sum writes them */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		snprintf(sum, sizeof(sum), "sha256:%.64s", line);
		if (!digestok(sum) || (line[64] != ' ' && line[64] != '\t'))
			continue;
		name = line + 65 + strspn(line + 65, " \t*");
		if (!strncmp(name, "./", 2))
			name += 2;
		name[strcspn(name, "\r")] = '\0';
		if (!strcmp(name, file)) {
			memcpy(want, sum, sizeof(sum));
			ret = 0;
			goto out;
		}
	}
	weprintf("%s: no sum for %s", sums, file);
out:
	free(buf);
	return ret;
}
