/* See LICENSE file for copyright and license details. */
/*
 * Known images: the names pieces can fetch by itself, from a table the
 * user edits (config.def.h, copied to config.h).  `pieces run alpine-3.18`
 * on an empty store fetches the pinned tarball for this machine's
 * architecture, verified by its SHA-256, as `docker run` pulls.
 */
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "pieces.h"

struct known {
	const char *name, *tag, *arch, *url, *sha256, *why;
};

#include "config.h"

void
known_name(const char *ref, char *name, size_t len)
{
	char *colon;

	snprintf(name, len, "%s", ref);
	/* the store's names have no ':': NAME:TAG is kept as NAME-TAG */
	if ((colon = strchr(name, ':')) && !strchr(colon + 1, ':') && !strchr(name, '/'))
		*colon = '-';
}

int
known_find(const char *name, const char **url, const char **sha256)
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
		*sha256 = known[i].sha256;
		return 1;
	}
	return 0;
}
