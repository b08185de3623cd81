/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer harness for json.c and the readers of what registries send
 * (registry.c): every input is parsed by json_parse, then read as a
 * manifest or index (reg_manifest), an index's platform chosen for a few
 * machines (reg_select), and read as an image config (reg_config).
 *
 * The first byte is control: bits 0-2 pick the Content-Type the manifest
 * reader is given (none, each of the four it accepts, a JSON one, an
 * unknown one), bits 3-5 the layer count the config must match.  The
 * rest is the document.
 *
 * The harness aborts if a tree breaks the contract in pieces.h: a string
 * whose length is not its strlen (a NUL inside), nesting past JSONDEPTH,
 * an object member without a name or an array value with one, a number
 * json_u64 reads that is not what strtoull reads; or if reg_select picks
 * an entry that is out of range, an attestation or not linux; or if
 * reg_config returns diff_ids not of the form sha256:HEX.  pieces dying
 * in eprintf shows as "fuzz target exited".  Rejections are reported on
 * stderr: add -close_fd_mask=2.  The seeds in test/fuzz/json-seeds/ are
 * documents behind such a byte: `tail -c +2 SEED` shows one.
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
	fprintf(stderr, "json-fuzz: %s\n", why);
	abort();
}

static void
walk(const struct json *j, int depth, int inobj)
{
	uint64_t v;
	char *end;

	for (; j; j = j->next) {
		if (depth > JSONDEPTH)
			die("nested past JSONDEPTH");
		if (inobj != (j->key != NULL))
			die("member name where none belongs, or none where one does");
		if (j->key && strlen(j->key) > JSONSTRMAX)
			die("member name past JSONSTRMAX");
		switch (j->type) {
		case JSON_STRING:
		case JSON_NUMBER:
			if (!j->s || strlen(j->s) != j->len || j->len > JSONSTRMAX)
				die("string length is not its strlen");
			if (j->type == JSON_NUMBER && json_u64(j, &v) == 0 &&
			    (strtoull(j->s, &end, 10) != v || *end))
				die("json_u64 disagrees with strtoull");
			break;
		case JSON_ARRAY:
		case JSON_OBJECT:
			walk(j->child, depth + 1, j->type == JSON_OBJECT);
			break;
		case JSON_NULL:
		case JSON_BOOL:
			if (j->s || j->child)
				die("a scalar with a string or children");
			break;
		default:
			die("unknown type");
		}
	}
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
	char (*diffid)[72] = NULL;
	struct manifest m;
	struct meta meta;
	struct json *j;
	const char *buf;
	size_t len, i, nlayer;
	int k;

	if (size < 1)
		return 0;
	buf = (const char *)data + 1;
	len = size - 1;
	if ((j = json_parse("fuzz", buf, len))) {
		if (j->key)
			die("the top value has a name");
		walk(j, 0, 0);
		json_free(j);
	}
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
			if (strncmp(m.d[i].digest, "sha256:", 7) || strlen(m.d[i].digest) != 71)
				die("a descriptor with a bad digest");
		reg_free(&m);
	}
	memset(&meta, 0, sizeof(meta));
	nlayer = data[0] >> 3 & 7;
	if (reg_config("fuzz", buf, len, nlayer, &meta, &diffid) == 0) {
		for (i = 0; i < nlayer; i++)
			if (strncmp(diffid[i], "sha256:", 7) || strlen(diffid[i]) != 71)
				die("a diff_id that is not sha256:HEX");
	}
	free(diffid);
	meta_free(&meta);
	return 0;
}
