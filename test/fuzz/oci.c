/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer harness for oci.c, linked with json.c and util.c alone: every
 * input is read as a manifest or index (reg_manifest), an index's
 * platform chosen for a few machines (reg_select), read as an image
 * config (reg_config), and, up to its first NUL, as an image reference
 * (reg_parse, reg_canon, reg_name).
 *
 * The first byte is control: bits 0-2 pick the Content-Type the manifest
 * reader is given (none, each of the four it accepts, a JSON one, an
 * unknown one), bits 3-5 the layer count the config must match.  The
 * rest is the document.
 *
 * The harness aborts if reg_select picks an entry that is out of range,
 * an attestation or not linux; if a descriptor or diff_id is not of the
 * form sha256:HEX; if a reference reg_parse takes does not come back the
 * same from its canonical form, or gets a store name that store_name
 * would refuse.  pieces dying in eprintf shows as "fuzz target exited".
 * Rejections are reported on stderr: add -close_fd_mask=2.  The seeds in
 * test/fuzz/json-seeds/ are documents behind such a byte: `tail -c +2
 * SEED` shows one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../../pieces.h"

static _Noreturn void
die(const char *why)
{
	fprintf(stderr, "oci-fuzz: %s\n", why);
	abort();
}

/* freemeta frees what reg_config put in m, as store.c's meta_free would */
static void
freemeta(struct meta *m)
{
	vfree(m->entrypoint);
	vfree(m->cmd);
	vfree(m->env);
	vfree(m->label);
	vfree(m->expose);
}

/* ref reads s as an image reference, and its canonical form again */
static void
ref(const char *s)
{
	char canon[3 * REFMAX], name[NAMEMAX];
	struct ref r, r2;

	if (reg_parse(s, &r))
		return;
	if (!*r.domain || !*r.host || !*r.repo || (!*r.tag && !*r.digest) ||
	    (*r.digest && !digestok(r.digest)))
		die("reg_parse took a reference and left a part empty or bad");
	reg_canon(&r, canon, sizeof(canon));
	if (reg_parse(canon, &r2) || strcmp(r.domain, r2.domain) || strcmp(r.host, r2.host) ||
	    strcmp(r.repo, r2.repo) || strcmp(r.tag, r2.tag) || strcmp(r.digest, r2.digest))
		die("a reference does not come back the same from its canonical form");
	if (reg_name(&r, name, sizeof(name)) < 0)
		return;
	if (!*name || strlen(name) >= NAMEMAX || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(name) || strchr("._-", *name))
		die("reg_name made a name store_name refuses");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *ctypes[] = {
		NULL, "application/vnd.oci.image.index.v1+json",
		"application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.oci.image.manifest.v1+json",
		"application/vnd.docker.distribution.manifest.v2+json",
		"application/json", "text/html", "",
	};
	static const char *plat[][2] = {
		{ "amd64", "" }, { "x86_64", "" }, { "arm64", "v8" }, { "arm", "v7" },
		{ "armhf", "" }, { "arm", "v5" }, { "386", "" },
	};
	char (*diffid)[72] = NULL, text[REFMAX + 16];
	struct manifest m;
	struct meta meta;
	const char *buf;
	size_t len, i, nlayer;
	int k;

	if (size < 1)
		return 0;
	buf = (const char *)data + 1;
	len = size - 1;
	if (reg_manifest("fuzz", buf, len, ctypes[data[0] & 7], &m) == 0) {
		if (m.index) {
			for (i = 0; i < LEN(plat); i++) {
				k = reg_select("fuzz", &m, plat[i][0], plat[i][1]);
				if (k >= (int)m.n || (k >= 0 && (m.d[k].attest ||
				    strcmp(m.d[k].os, "linux"))))
					die("reg_select picked an entry it may not");
			}
		}
		for (i = 0; i < m.n; i++)
			if (!digestok(m.d[i].digest))
				die("a descriptor with a bad digest");
		reg_free(&m);
	}
	memset(&meta, 0, sizeof(meta));
	nlayer = data[0] >> 3 & 7;
	if (reg_config("fuzz", buf, len, nlayer, &meta, &diffid) == 0) {
		for (i = 0; i < nlayer; i++)
			if (!digestok(diffid[i]))
				die("a diff_id that is not sha256:HEX");
	}
	free(diffid);
	freemeta(&meta);
	snprintf(text, sizeof(text), "%.*s", (int)MIN(len, sizeof(text) - 1), buf);
	ref(text);
	return 0;
}
