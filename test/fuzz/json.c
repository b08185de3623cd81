/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer harness for json.c alone: every input is parsed as a document
 * (json_parse), as a Piecefile's exec form (json_strings), and each string
 * either hands over is written again by json_quote and read back.
 *
 * The first byte is control, kept so that the seeds in
 * test/fuzz/json-seeds/ serve this harness and oci-fuzz alike; the rest
 * is the document (`tail -c +2 SEED` shows one).
 *
 * The harness aborts if a tree breaks the contract in pieces.h: a string
 * whose length is not its strlen (a NUL inside), nesting past JSONDEPTH,
 * an object member without a name or an array value with one, a number
 * json_u64 reads that is not what strtoull reads; if json_strings says
 * an array ended past the input or hands over a string with a NUL; or if
 * a string json_quote wrote does not read back as itself, to the byte.
 * pieces dying in eprintf shows as "fuzz target exited".  Rejections are
 * reported on stderr: add -close_fd_mask=2.
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

static int
nop(void *arg, const char *s, size_t n)
{
	(void)arg, (void)s, (void)n;
	return 0;
}

/* again writes s with json_quote and reads it back, as a document and as an exec form */
static void
again(const char *s, size_t n, int strict)
{
	char *buf = emalloc(JSONQUOTE(n) + 2), *o;
	struct json *j;
	const char *why;
	size_t end;

	buf[0] = '[';
	o = json_quote(buf + 1, s);
	if ((size_t)(o - buf - 1) > JSONQUOTE(n))
		die("json_quote wrote past JSONQUOTE");
	*o++ = ']';
	/* a document must be UTF-8: only a valid string reads back there */
	if (strict && (!(j = json_parse(NULL, buf + 1, o - buf - 2)) || j->type != JSON_STRING ||
	    j->len != n || memcmp(j->s, s, n)))
		die("a string json_quote wrote does not read back as a document");
	if (strict)
		json_free(j);
	if (json_strings(buf, o - buf, nop, NULL, &end, &why) < 0 || end != (size_t)(o - buf))
		die("a string json_quote wrote does not read back as an exec form");
	free(buf);
}

static int
each(void *arg, const char *s, size_t n)
{
	if (strlen(s) != n)
		die("json_strings handed over a string that is not its strlen");
	again(s, n, *(int *)arg);
	return 0;
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
			again(j->s, j->len, 1);
			/* fall through */
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
	struct json *j;
	const char *buf, *why;
	size_t len, end;
	int strict = 0;

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
	if (json_strings(buf, len, each, &strict, &end, &why) < 0) {
		if (!why || end > len)
			die("json_strings failed without a reason, or past the input");
	} else if (end > len || buf[end - 1] != ']') {
		die("json_strings ended past the input, or not at a ']'");
	}
	return 0;
}
