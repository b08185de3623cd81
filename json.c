/* See LICENSE file for copyright and license details. */
/*
 * A strict JSON (RFC 8259) reader for what registries send: manifests,
 * indexes, image configs and token responses; the same reader, held to an
 * array of strings, for a Piecefile's exec form; and the writer of a JSON
 * string, for what pieces prints and keeps.  All that is read is hostile
 * input, so the reader accepts exactly the grammar and nothing more:
 * no comments, no trailing commas, no leading zeros, no bare control
 * characters in strings, only valid UTF-8 (but in an exec form, whose
 * strings become an argv, and argv are bytes), surrogate escapes in pairs.
 *
 * Two rules go beyond the grammar.  A member name repeated in one object
 * is refused: parsers disagree on which of the two wins (the first, the
 * last), and a manifest that means one thing to the registry and another
 * to us is the start of an attack.  And a string may not hold NUL
 * (\u0000): every consumer here is C.
 *
 * Every dimension has a cap, so a document costs bounded time and memory
 * whatever it holds: its size (JSONMAX), nesting (JSONDEPTH, which also
 * bounds the recursion), one string (JSONSTRMAX) and the values in all
 * (JSONNODEMAX).  A rejection names the document and the byte offset.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pieces.h"

struct parser {
	const char *name;
	const unsigned char *p;
	size_t len, off;
	size_t nodes;
	int failed;
	size_t erroff;			/* where the first error was */
	const char *why;		/* and what it was */
	/* json_strings: an array of strings, no more, each handed to each */
	int (*each)(void *arg, const char *s, size_t n);
	void *arg;
};

static struct json *value(struct parser *, int);

/* badat reports the first error of a document, at offset off */
static void
badat(struct parser *ps, size_t off, const char *why)
{
	if (ps->failed)
		return;
	if (ps->name)
		weprintf("%s: offset %zu: %s", ps->name, off, why);
	ps->failed = 1;
	ps->erroff = off;
	ps->why = why;
}

static void
bad(struct parser *ps, const char *why)
{
	badat(ps, ps->off, why);
}

static void
blanks(struct parser *ps)
{
	while (ps->off < ps->len && strchr(" \t\n\r", ps->p[ps->off]) && ps->p[ps->off])
		ps->off++;
}

/* peek returns the next byte, or -1 at the end */
static int
peek(struct parser *ps)
{
	return ps->off < ps->len ? ps->p[ps->off] : -1;
}

static struct json *
node(struct parser *ps, int type)
{
	struct json *j;

	if (++ps->nodes > JSONNODEMAX) {
		bad(ps, "more than JSONNODEMAX values");
		return NULL;
	}
	j = ecalloc(1, sizeof(*j));
	j->type = type;
	return j;
}

void
json_free(struct json *j)
{
	struct json *next;

	for (; j; j = next) {
		next = j->next;
		json_free(j->child);
		free(j->key);
		free(j->s);
		free(j);
	}
}

/* hex4 reads the 4 hex digits of a \u escape: 0, or -1 */
static int
hex4(struct parser *ps, unsigned *v)
{
	int i, c;

	*v = 0;
	for (i = 0; i < 4; i++) {
		c = peek(ps);
		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 32) >= 'a' && (c | 32) <= 'f')
			c = (c | 32) - 'a' + 10;
		else
			return -1;
		*v = *v << 4 | c;
		ps->off++;
	}
	return 0;
}

/*
 * utf8 checks the UTF-8 sequence starting at the parser's offset (its
 * first byte >= 0x80) and returns its length, or 0 if it is not valid:
 * overlong forms, surrogates and values past U+10FFFF are refused.
 */
static size_t
utf8(struct parser *ps)
{
	const unsigned char *s = ps->p + ps->off;
	size_t n, i, left = ps->len - ps->off;
	uint32_t c;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

/* a string being decoded */
struct str {
	char *buf;
	size_t len, cap;
};

/* append adds the n bytes at p to the string being decoded */
static int
append(struct parser *ps, struct str *s, const void *p, size_t n)
{
	if (s->len + n > JSONSTRMAX) {
		bad(ps, "string longer than JSONSTRMAX");
		return -1;
	}
	if (s->len + n + 1 > s->cap) {
		s->cap = MIN(JSONSTRMAX + 1, MAX(s->cap * 2, 64));
		s->buf = erealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

/* put appends the code point c to the string being decoded, as UTF-8 */
static int
put(struct parser *ps, struct str *s, uint32_t c)
{
	unsigned char u[4];
	size_t n;

	if (c < 0x80)
		u[0] = c, n = 1;
	else if (c < 0x800)
		u[0] = 0xc0 | c >> 6, u[1] = 0x80 | (c & 0x3f), n = 2;
	else if (c < 0x10000)
		u[0] = 0xe0 | c >> 12, u[1] = 0x80 | (c >> 6 & 0x3f), u[2] = 0x80 | (c & 0x3f), n = 3;
	else
		u[0] = 0xf0 | c >> 18, u[1] = 0x80 | (c >> 12 & 0x3f),
		u[2] = 0x80 | (c >> 6 & 0x3f), u[3] = 0x80 | (c & 0x3f), n = 4;
	return append(ps, s, u, n);
}

/*
 * escape decodes the escape at the parser's offset, its backslash, into a
 * code point.  A bad one is reported where it starts, at the backslash.
 */
static int
escape(struct parser *ps, uint32_t *c)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	size_t start = ps->off++;
	const char *p;
	unsigned hi, lo;
	int e = peek(ps);

	if (e > 0 && e != 'u' && (p = strchr(from, e))) {
		ps->off++;
		*c = (unsigned char)to[p - from];
		return 0;
	}
	if (e != 'u') {
		badat(ps, start, "bad escape");
		return -1;
	}
	ps->off++;
	if (hex4(ps, &hi) < 0) {
		badat(ps, start, "bad \\u escape");
		return -1;
	}
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (ps->off + 2 > ps->len || ps->p[ps->off] != '\\' || ps->p[ps->off + 1] != 'u' ||
		    (ps->off += 2, hex4(ps, &lo) < 0) || lo < 0xdc00 || lo > 0xdfff) {
			badat(ps, start, "unpaired surrogate");
			return -1;
		}
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	} else if (hi >= 0xdc00 && hi <= 0xdfff) {
		badat(ps, start, "unpaired surrogate");
		return -1;
	}
	if (hi == 0) {
		badat(ps, start, "\\u0000 in a string");
		return -1;
	}
	*c = hi;
	return 0;
}

/*
 * string reads a string at the opening quote into *out (NUL-ended).  In an
 * array of strings (json_strings), bytes past 0x7f are taken as they
 * come, UTF-8 or not: they become an argv, and argv are bytes.
 */
static int
string(struct parser *ps, char **out, size_t *outlen)
{
	struct str s = { 0 };
	uint32_t c;
	size_t n;
	int b;

	ps->off++;
	for (;;) {
		if ((b = peek(ps)) < 0) {
			bad(ps, "unterminated string");
			goto fail;
		}
		if (b == '"')
			break;
		if (b < 0x20) {
			bad(ps, "control character in a string");
			goto fail;
		}
		if (b == '\\') {
			if (escape(ps, &c) < 0 || put(ps, &s, c) < 0)
				goto fail;
			continue;
		}
		n = b < 0x80 || ps->each ? 1 : utf8(ps);
		if (!n) {
			bad(ps, "bad UTF-8 in a string");
			goto fail;
		}
		if (append(ps, &s, ps->p + ps->off, n) < 0)
			goto fail;
		ps->off += n;
	}
	ps->off++;
	if (!s.buf)
		s.buf = emalloc(1);
	s.buf[s.len] = '\0';
	*out = s.buf;
	*outlen = s.len;
	return 0;
fail:
	free(s.buf);
	return -1;
}

static size_t
digits(struct parser *ps)
{
	size_t start = ps->off;

	while (ps->off < ps->len && ps->p[ps->off] >= '0' && ps->p[ps->off] <= '9')
		ps->off++;
	return ps->off - start;
}

/* number reads a number into j->s as written */
static int
number(struct parser *ps, struct json *j)
{
	size_t start = ps->off, n;

	if (peek(ps) == '-')
		ps->off++;
	if (peek(ps) == '0') {
		ps->off++;
		if (digits(ps)) {
			bad(ps, "number with a leading zero");
			return -1;
		}
	} else if (!digits(ps)) {
		bad(ps, "bad number");
		return -1;
	}
	if (peek(ps) == '.') {
		ps->off++;
		if (!digits(ps)) {
			bad(ps, "bad number: no digits after '.'");
			return -1;
		}
	}
	if (peek(ps) == 'e' || peek(ps) == 'E') {
		ps->off++;
		if (peek(ps) == '+' || peek(ps) == '-')
			ps->off++;
		if (!digits(ps)) {
			bad(ps, "bad number: no digits in the exponent");
			return -1;
		}
	}
	if ((n = ps->off - start) > JSONSTRMAX) {
		bad(ps, "number longer than JSONSTRMAX");
		return -1;
	}
	j->s = emalloc(n + 1);
	memcpy(j->s, ps->p + start, n);
	j->s[n] = '\0';
	j->len = n;
	return 0;
}

static int
cmpkey(const void *a, const void *b)
{
	return strcmp((*(struct json *const *)a)->key, (*(struct json *const *)b)->key);
}

/* unique refuses an object that names a member twice (sorted: n log n) */
static int
unique(struct parser *ps, struct json *obj, size_t n)
{
	struct json **v, *m;
	size_t i = 0;
	int ret = 0;

	if (n < 2)
		return 0;
	v = ecalloc(n, sizeof(*v));
	for (m = obj->child; m; m = m->next)
		v[i++] = m;
	qsort(v, n, sizeof(*v), cmpkey);
	/* found at the object's end: the offset is just past its '}' */
	for (i = 1; i < n && !ret; i++)
		if (!strcmp(v[i - 1]->key, v[i]->key)) {
			if (ps->name)
				weprintf("%s: offset %zu: member \"%.64s\" given twice in the object "
				         "ending here", ps->name, ps->off, v[i]->key);
			ps->failed = 1;
			ps->erroff = ps->off;
			ps->why = "a member given twice";
			ret = -1;
		}
	free(v);
	return ret;
}

/* members reads an array's values or an object's members, at the '[' or '{' */
static int
members(struct parser *ps, struct json *j, int depth)
{
	int obj = j->type == JSON_OBJECT, close = obj ? '}' : ']';
	struct json **tail = &j->child, *m;
	char *key = NULL;
	size_t n = 0, keylen;

	if (depth >= JSONDEPTH) {
		bad(ps, "nested deeper than JSONDEPTH");
		return -1;
	}
	ps->off++;
	blanks(ps);
	if (peek(ps) == close) {
		ps->off++;
		return 0;
	}
	for (;;) {
		if (obj) {
			blanks(ps);
			if (peek(ps) != '"') {
				bad(ps, "want a member name");
				return -1;
			}
			if (string(ps, &key, &keylen) < 0)
				return -1;
			blanks(ps);
			if (peek(ps) != ':') {
				free(key);
				bad(ps, "want ':' after a member name");
				return -1;
			}
			ps->off++;
		}
		if (!(m = value(ps, depth + 1))) {
			free(key);
			return -1;
		}
		m->key = key;
		key = NULL;
		*tail = m;
		tail = &m->next;
		n++;
		blanks(ps);
		if (peek(ps) == close)
			break;
		if (peek(ps) != ',') {
			bad(ps, obj ? "want ',' or '}'" : "want ',' or ']'");
			return -1;
		}
		ps->off++;
	}
	ps->off++;
	return obj ? unique(ps, j, n) : 0;
}

static int
word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);

	if (ps->len - ps->off < n || memcmp(ps->p + ps->off, w, n)) {
		bad(ps, "unexpected character");
		return -1;
	}
	ps->off += n;
	return 0;
}

/* value reads one value at depth; NULL (reported) on failure */
static struct json *
value(struct parser *ps, int depth)
{
	struct json *j = NULL;
	int c, r;

	blanks(ps);
	c = peek(ps);
	if (c < 0) {
		bad(ps, "unexpected end of input");
		return NULL;
	}
	/* json_strings' array is read no deeper than its strings */
	if (ps->each && (depth ? c != '"' : c != '[')) {
		bad(ps, depth ? "want a string" : "want an array of strings");
		return NULL;
	}
	switch (c) {
	case '{': case '[':
		if (!(j = node(ps, c == '{' ? JSON_OBJECT : JSON_ARRAY)))
			return NULL;
		r = members(ps, j, depth);
		break;
	case '"':
		if (!(j = node(ps, JSON_STRING)))
			return NULL;
		r = string(ps, &j->s, &j->len);
		/* each string as it comes: the caller's error beats a later one */
		if (r == 0 && ps->each && ps->each(ps->arg, j->s, j->len) < 0) {
			ps->failed = 1;
			r = -1;
		}
		break;
	case 't': case 'f':
		if (!(j = node(ps, JSON_BOOL)))
			return NULL;
		j->b = c == 't';
		r = word(ps, c == 't' ? "true" : "false");
		break;
	case 'n':
		if (!(j = node(ps, JSON_NULL)))
			return NULL;
		r = word(ps, "null");
		break;
	default:
		if (c != '-' && (c < '0' || c > '9')) {
			bad(ps, "unexpected character");
			return NULL;
		}
		if (!(j = node(ps, JSON_NUMBER)))
			return NULL;
		r = number(ps, j);
	}
	if (r < 0) {
		json_free(j);
		return NULL;
	}
	return j;
}

struct json *
json_parse(const char *name, const char *buf, size_t len)
{
	struct parser ps = { 0 };
	struct json *j;

	ps.name = name;
	ps.p = (const unsigned char *)buf;
	ps.len = len;
	if (len > JSONMAX) {
		if (name)
			weprintf("%s: larger than JSONMAX (%d bytes)", name, JSONMAX);
		return NULL;
	}
	if (!(j = value(&ps, 0)))
		return NULL;
	blanks(&ps);
	if (ps.off != ps.len) {
		bad(&ps, "data after the value");
		json_free(j);
		return NULL;
	}
	return j;
}

int
json_strings(const char *buf, size_t len, int (*each)(void *, const char *, size_t), void *arg,
             size_t *end, const char **why)
{
	struct parser ps = { 0 };
	struct json *j = NULL;

	ps.p = (const unsigned char *)buf;
	ps.len = len;
	ps.each = each;
	ps.arg = arg;
	if (len > JSONMAX)
		bad(&ps, "larger than JSONMAX");
	else
		j = value(&ps, 0);
	*end = j ? ps.off : ps.erroff;
	*why = ps.why;
	json_free(j);
	return j ? 0 : -1;
}

struct json *
json_get(const struct json *obj, const char *key)
{
	struct json *m;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (m = obj->child; m; m = m->next)
		if (!strcmp(m->key, key))
			return m;
	return NULL;
}

const char *
json_str(const struct json *obj, const char *key)
{
	struct json *m = json_get(obj, key);

	return m && m->type == JSON_STRING ? m->s : NULL;
}

int
json_u64(const struct json *j, uint64_t *v)
{
	const char *s;
	uint64_t n = 0;

	if (!j || j->type != JSON_NUMBER || *j->s == '-')
		return -1;
	for (s = j->s; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	if (*s)
		return -1;
	*v = n;
	return 0;
}

int
json_strv(const struct json *arr, char ***out)
{
	const struct json *m;
	size_t n = 0, i = 0;

	*out = NULL;
	if (!arr || arr->type == JSON_NULL)
		return 0;
	if (arr->type != JSON_ARRAY)
		return -1;
	for (m = arr->child; m; m = m->next, n++)
		if (m->type != JSON_STRING)
			return -1;
	*out = ecalloc(n + 1, sizeof(**out));
	for (m = arr->child; m; m = m->next)
		(*out)[i++] = estrdup(m->s);
	return 0;
}

char *
json_quote(char *o, const char *s)
{
	static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
	const char *c;

	*o++ = '"';
	for (; *s; s++) {
		if ((c = strchr(from, *s))) {
			*o++ = '\\';
			*o++ = to[c - from];
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			o += sprintf(o, "\\u%04x", (unsigned char)*s);
		} else {
			*o++ = *s;
		}
	}
	*o++ = '"';
	return o;
}
