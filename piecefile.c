/* See LICENSE file for copyright and license details. */
/*
 * The Piecefile parser: a small Dockerfile, read whole from memory into a
 * list of steps with their arguments in final form, so that a build, its
 * cache keys and the tests all see the same thing (pf_fmt).
 *
 * Lines are split on "\n" (a "\r" before it dropped); a line whose first
 * non-blank is '#' is a comment, and the comments at the very top may be
 * parser directives ("# syntax=...", ignored; "# escape=`" refused, since
 * we would misread everything after it).  A '\' ending a line (blanks may
 * follow it) joins the next line to it, as Docker does: comment and blank
 * lines inside such a run are skipped.  An instruction is a keyword in any
 * case and its arguments; it keeps the number of its first line.
 *
 * The file is the user's, but builds run it from checkouts of anything,
 * and the fuzzer feeds it garbage: the input, a line, the steps and the
 * arguments of a step each have a named cap, a NUL byte is refused, and
 * every error is one line naming the file and line, reported once here.
 * Variables ($VAR) are not expanded: a '$' is kept as written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pieces.h"

#define STOPBLANK	1	/* unq stops at an unquoted blank */
#define STOPEQ		2	/* unq stops at an unquoted '=' */

struct pf {
	const char *name;		/* of the file, for messages */
	const char *cur, *end;		/* the input not read yet */
	int lineno;			/* of the last line read */
	int line;			/* of the instruction being parsed */
	int lead;			/* blanks before it: JSON columns count them */
	char *tmp;			/* PFLINEMAX + 1 bytes for unquoted words */
	struct pfstep st;		/* the step being built */
	int argcap, stepcap;
	struct piecefile *out;
};

static const char *const names[] = {
	[PF_FROM] = "FROM", [PF_FROM_URL] = "FROM_URL", [PF_RUN] = "RUN",
	[PF_CMD] = "CMD", [PF_ENTRYPOINT] = "ENTRYPOINT", [PF_ENV] = "ENV",
	[PF_WORKDIR] = "WORKDIR", [PF_USER] = "USER", [PF_COPY] = "COPY",
	[PF_LABEL] = "LABEL", [PF_EXPOSE] = "EXPOSE",
};

/* Docker's instructions we do not have: said by name, not as unknown */
static const char *const unsupported[] = {
	"ADD", "ARG", "HEALTHCHECK", "MAINTAINER", "ONBUILD", "SHELL",
	"STOPSIGNAL", "VOLUME",
};

static int
blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static const char *
skip(const char *s)
{
	while (blank(*s))
		s++;
	return s;
}

/*
 * show copies up to 40 bytes of s[0..n) into buf (48 bytes) for a message,
 * with control bytes as '?' so a hostile file cannot drive the terminal,
 * and "..." when it cut.
 */
static const char *
show(char *buf, const char *s, size_t n)
{
	size_t i, k = MIN(n, 40);

	for (i = 0; i < k; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	strcpy(buf + k, n > k ? "..." : "");
	return buf;
}

static int
perr(struct pf *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	weprintf("%s:%d: %s", p->name, p->line, msg);
	return -1;
}

/* push appends s[0..n) to the step's arguments, keeping them NULL-ended */
static int
push(struct pf *p, const char *s, size_t n)
{
	struct pfstep *st = &p->st;

	if (st->nargs == PFARGMAX)
		return perr(p, "%s: over PFARGMAX (%d) arguments", names[st->kind], PFARGMAX);
	if (st->nargs + 2 > p->argcap) {
		p->argcap = MIN(2 * p->argcap + 8, PFARGMAX + 1);
		st->args = erealloc(st->args, p->argcap * sizeof(*st->args));
	}
	st->args[st->nargs] = emalloc(n + 1);
	memcpy(st->args[st->nargs], s, n);
	st->args[st->nargs][n] = '\0';
	st->args[++st->nargs] = NULL;
	return 0;
}

static void
freeargs(struct pfstep *st)
{
	int i;

	for (i = 0; i < st->nargs; i++)
		free(st->args[i]);
	free(st->args);
	st->args = NULL;
	st->nargs = 0;
}

/*
 * unq copies the word at *sp into out without its quotes, as Docker's
 * shell lexer does, less variables: '...' is literal; in "..." a '\'
 * escapes only '"', '\' and '$' and is kept before anything else; outside
 * quotes it escapes any byte (and is dropped at the end).  It stops at the
 * end or, as stops says, at an unquoted blank or '=', leaving *sp there.
 * out needs as many bytes as the word.  It returns the length written, or
 * -1 after reporting an unterminated quote.
 */
static long
unq(struct pf *p, const char **sp, char *out, int stops)
{
	const char *s = *sp;
	char *o = out, q;

	for (; *s; s++) {
		if (((stops & STOPBLANK) && blank(*s)) || ((stops & STOPEQ) && *s == '='))
			break;
		if (*s == '\\') {
			if (s[1])
				*o++ = *++s;
			continue;
		}
		if (*s != '\'' && *s != '"') {
			*o++ = *s;
			continue;
		}
		for (q = *s++; *s && *s != q; s++) {
			if (q == '"' && *s == '\\' && s[1] && strchr("\"\\$", s[1]))
				s++;
			*o++ = *s;
		}
		if (!*s)
			return perr(p, "unterminated %s quote", q == '"' ? "double" : "single");
	}
	*sp = s;
	return o - out;
}

/* words pushes the blank-separated words of s, unquoted, as arguments */
static int
words(struct pf *p, const char *s)
{
	long n;

	while (*(s = skip(s)))
		if ((n = unq(p, &s, p->tmp, STOPBLANK)) < 0 || push(p, p->tmp, n) < 0)
			return -1;
	return 0;
}

/* kv pushes KEY=VALUE from p->tmp, key k bytes, value v bytes after '=' */
static int
kv(struct pf *p, long k, long v)
{
	const char *what = names[p->st.kind];

	/* "KEY=VALUE" must split back where it was joined */
	if (k == 0)
		return perr(p, "%s: empty name", what);
	if (memchr(p->tmp, '=', k))
		return perr(p, "%s: '=' in a name", what);
	p->tmp[k] = '=';
	return push(p, p->tmp, k + 1 + v);
}

/*
 * pairs parses the arguments of ENV and LABEL: KEY=VALUE pairs, or the
 * legacy KEY VALUE, where the rest of the line is the value (when the
 * first word has no unquoted '=', as Docker decides).
 */
static int
pairs(struct pf *p, const char *s)
{
	const char *w = s, *what = names[p->st.kind];
	char buf[48];
	long k, v;

	if ((k = unq(p, &w, p->tmp, STOPBLANK | STOPEQ)) < 0)
		return -1;
	if (*w != '=') {
		w = skip(w);
		if (!*w)
			return perr(p, "%s: want KEY=VALUE or KEY VALUE", what);
		if ((v = unq(p, &w, p->tmp + k + 1, 0)) < 0)
			return -1;
		return kv(p, k, v);
	}
	while (*(s = skip(s))) {
		w = s;
		if ((k = unq(p, &s, p->tmp, STOPBLANK | STOPEQ)) < 0)
			return -1;
		if (*s != '=')
			return perr(p, "%s: '%s' is not KEY=VALUE", what, show(buf, w, s - w));
		s++;
		if ((v = unq(p, &s, p->tmp + k + 1, STOPBLANK)) < 0 || kv(p, k, v) < 0)
			return -1;
	}
	return 0;
}

static const char *
jskip(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/*
 * isjson says whether s is in JSON (exec) form: '[', then '"' or ']'.  So
 * a shell command such as "[ -f x ] && ..." stays a shell command, while
 * a JSON array with a mistake is an error, not a command to run.
 */
static int
isjson(const char *s)
{
	return *s == '[' && (*jskip(s + 1) == '"' || *jskip(s + 1) == ']');
}

/* pushstr is json_strings' callback: push on a struct pf */
static int
pushstr(void *arg, const char *s, size_t n)
{
	return push(arg, s, n);
}

/*
 * json pushes the strings of s, a JSON array of nothing but strings, as
 * json.c reads one.  An error gives the column: the byte of the
 * instruction's line, counted with continuation lines joined.  line is
 * where the instruction starts.
 */
static int
json(struct pf *p, const char *line, const char *s)
{
	const char *why, *at;
	size_t end;

	if (json_strings(s, strlen(s), pushstr, p, &end, &why) < 0) {
		if (!why)
			return -1;
		at = s + end;
	} else {
		why = "text after ']'";
		if (!*(at = jskip(s + end)))
			return 0;
	}
	return perr(p, "bad JSON at column %ld: %s", p->lead + (long)(at - line) + 1, why);
}

/* port reads a number 1-65535 at *sp: it, or 0 if there is none such */
static long
port(const char **sp)
{
	const char *s = *sp;
	long v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (*s - '0')) > 65535)
			return 0;
	*sp = s;
	return v;
}

/*
 * ports pushes EXPOSE's words in canonical form: "80/tcp", "8000-8010/udp"
 * (a range, as Docker allows), the protocol tcp unless written.
 */
static int
ports(struct pf *p, const char *s)
{
	static const char *const protos[] = { "tcp", "udp", "sctp" };
	const char *w, *proto;
	char buf[48], out[32];
	long n, lo, hi;
	size_t i;

	while (*(s = skip(s))) {
		if ((n = unq(p, &s, p->tmp, STOPBLANK)) < 0)
			return -1;
		p->tmp[n] = '\0';
		w = p->tmp;
		hi = lo = port(&w);
		if (*w == '-') {
			w++;
			hi = port(&w);
		}
		proto = *w ? NULL : "tcp";
		for (i = 0; *w == '/' && i < LEN(protos); i++)
			if (!strcasecmp(w + 1, protos[i]))
				proto = protos[i];
		if (!proto || lo == 0 || hi < lo)
			return perr(p, "EXPOSE: bad port '%s': want 1-65535[/tcp|udp|sctp]",
			            show(buf, p->tmp, n));
		if (hi == lo)
			n = snprintf(out, sizeof(out), "%ld/%s", lo, proto);
		else
			n = snprintf(out, sizeof(out), "%ld-%ld/%s", lo, hi, proto);
		if (push(p, out, n) < 0)
			return -1;
	}
	return 0;
}

/* fromurl checks FROM_URL's arguments: a URL and maybe its sha256:HEX */
static int
fromurl(struct pf *p)
{
	static const char *const schemes[] = { "http://", "https://", "file://" };
	char **a = p->st.args, buf[48];
	size_t n = strlen(a[0]), i, k, ok = 0;

	if (p->st.nargs > 2)
		return perr(p, "FROM_URL: want a URL and at most a sha256:HEX");
	for (i = 0; i < LEN(schemes); i++)
		if (!strncmp(a[0], schemes[i], (k = strlen(schemes[i]))) && n > k)
			ok = 1;
	if (!ok)
		return perr(p, "FROM_URL: '%s' is not an http, https or file URL",
		            show(buf, a[0], n));
	if (n >= URLMAX)
		return perr(p, "FROM_URL: URL over URLMAX (%d bytes)", URLMAX);
	if (p->st.nargs == 2 && !digestok(a[1]))
		return perr(p, "FROM_URL: bad digest '%s': want sha256: and 64 hex digits",
		            show(buf, a[1], strlen(a[1])));
	return 0;
}

/* args parses the arguments rest of the instruction starting at line */
static int
args(struct pf *p, const char *line, const char *rest)
{
	struct pfstep *st = &p->st;
	const char *what = names[st->kind];
	struct ref r;
	char buf[48];
	long n;
	int i;

	switch (st->kind) {
	case PF_FROM:
		if (words(p, rest) < 0)
			return -1;
		if (st->nargs > 1 && !strcasecmp(st->args[1], "as"))
			return perr(p, "FROM: 'AS name': multi-stage builds are not supported");
		if (st->nargs > 1)
			return perr(p, "FROM: want one image reference");
		/* what a pull will take, by the same grammar ("scratch" is
		 * one too: a name, the build's to recognise) */
		if (reg_parse(st->args[0], &r))
			return perr(p, "FROM: bad image reference '%s'",
			            show(buf, st->args[0], strlen(st->args[0])));
		return 0;
	case PF_FROM_URL:
		return words(p, rest) < 0 ? -1 : fromurl(p);
	case PF_RUN:
	case PF_CMD:
	case PF_ENTRYPOINT:
		if (isjson(rest)) {
			if (json(p, line, rest) < 0)
				return -1;
			if (!st->nargs)
				return perr(p, "empty %s", what);
			return 0;
		}
		/* the shell form: the text as written, the shell unquotes it */
		st->shell = 1;
		if (push(p, "/bin/sh", 7) < 0 || push(p, "-c", 2) < 0)
			return -1;
		return push(p, rest, strlen(rest));
	case PF_COPY:
		if ((isjson(rest) ? json(p, line, rest) : words(p, rest)) < 0)
			return -1;
		if (st->nargs < 2)
			return perr(p, "COPY: want a source and a destination");
		for (i = 0; i < st->nargs; i++)
			if (!*st->args[i])
				return perr(p, "COPY: empty path");
		return 0;
	case PF_ENV:
	case PF_LABEL:
		return pairs(p, rest);
	case PF_WORKDIR:
		/* the rest of the line is the path, blanks and all, as Docker */
		if ((n = unq(p, &rest, p->tmp, 0)) < 0)
			return -1;
		return n ? push(p, p->tmp, n) : perr(p, "WORKDIR: empty path");
	case PF_USER:
		if (words(p, rest) < 0)
			return -1;
		if (st->nargs != 1 || !*st->args[0])
			return perr(p, "USER: want one user[:group]");
		return 0;
	case PF_EXPOSE:
		return ports(p, rest);
	}
	return perr(p, "broken instruction table");
}

/* instr parses the instruction s, its lines joined, into a new step */
static int
instr(struct pf *p, char *s)
{
	struct piecefile *out = p->out;
	char buf[48], *e, *rest;
	size_t i, n = 0;
	int kind = 0;

	while (s[n] && !blank(s[n]))
		n++;
	for (i = 1; i < LEN(names); i++)
		if (strlen(names[i]) == n && !strncasecmp(s, names[i], n))
			kind = i;
	for (i = 0; !kind && i < LEN(unsupported); i++)
		if (strlen(unsupported[i]) == n && !strncasecmp(s, unsupported[i], n))
			return perr(p, "%s is not supported%s", unsupported[i],
			            i == 0 ? ": use COPY, or FROM_URL for a root file system" : "");
	if (!kind)
		return perr(p, "unknown instruction '%s'", show(buf, s, n));
	if (!out->nstep && kind != PF_FROM && kind != PF_FROM_URL)
		return perr(p, "%s before FROM", names[kind]);
	if (out->nstep && (kind == PF_FROM || kind == PF_FROM_URL))
		return perr(p, "a second FROM: multi-stage builds are not supported");
	if (out->nstep == PFSTEPMAX)
		return perr(p, "over PFSTEPMAX (%d) instructions", PFSTEPMAX);
	for (rest = s + n; blank(*rest); rest++)
		;
	for (e = rest + strlen(rest); e > rest && blank(e[-1]); e--)
		;
	*e = '\0';
	if (!*rest)
		return perr(p, kind == PF_RUN || kind == PF_CMD || kind == PF_ENTRYPOINT ?
		            "empty %s" : "%s: missing argument", names[kind]);
	/* BuildKit's --platform, --mount, --chown...: refused, not misread */
	if ((kind == PF_FROM || kind == PF_RUN || kind == PF_COPY) && !strncmp(rest, "--", 2))
		return perr(p, "%s: option '%s' is not supported", names[kind],
		            show(buf, rest, strcspn(rest, " \t")));
	/* the lines of a BuildKit heredoc would be read as instructions */
	if ((kind == PF_RUN || kind == PF_COPY) && !strncmp(rest, "<<", 2))
		return perr(p, "%s: heredocs are not supported", names[kind]);
	p->st.line = p->line;
	p->st.kind = kind;
	if (args(p, s, rest) < 0)
		return -1;
	if (out->nstep == p->stepcap) {
		p->stepcap = MIN(2 * p->stepcap + 16, PFSTEPMAX);
		out->step = erealloc(out->step, p->stepcap * sizeof(*out->step));
	}
	/* the step moves to out */
	out->step[out->nstep++] = p->st;
	memset(&p->st, 0, sizeof(p->st));
	p->argcap = 0;
	return 0;
}

/*
 * phys finds the next physical line: [*ls, *ls + *n), without its "\n"
 * and a "\r" before it.  It returns 1, 0 at the end of the input, or -1
 * on a line over PFLINEMAX (reported).
 */
static int
phys(struct pf *p, const char **ls, size_t *n)
{
	const char *nl;

	if (p->cur == p->end)
		return 0;
	p->lineno++;
	*ls = p->cur;
	nl = memchr(p->cur, '\n', p->end - p->cur);
	*n = (nl ? nl : p->end) - p->cur;
	p->cur = nl ? nl + 1 : p->end;
	if (*n && (*ls)[*n - 1] == '\r')
		(*n)--;
	if (*n > PFLINEMAX) {
		p->line = p->lineno;
		return perr(p, "line over PFLINEMAX (%d bytes)", PFLINEMAX);
	}
	return 1;
}

/*
 * join appends s[0..n) to buf at *used; a '\' ending it, blanks allowed
 * after, is dropped and says that the next line continues this one.
 */
static int
join(char *buf, size_t *used, const char *s, size_t n)
{
	size_t k = n;
	int more;

	while (k && blank(s[k - 1]))
		k--;
	if ((more = k && s[k - 1] == '\\'))
		n = k - 1;
	memcpy(buf + *used, s, n);
	*used += n;
	return more;
}

/*
 * directive looks at a comment at the top of the file: a parser directive
 * "# key=value" or not (which ends them).  syntax= and check= are BuildKit
 * front-end business and ignored; escape= other than '\' is refused, since
 * every continuation after it would be misread.
 */
static int
directive(struct pf *p, const char *s, size_t n, int *top)
{
	const char *e = s + n, *k, *v;
	size_t kn;

	/* the line is not NUL-terminated: every scan stops at e */
	for (s++; s < e && blank(*s); s++)
		;
	for (k = s; s < e && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'z'; s++)
		;
	kn = s - k;
	while (s < e && blank(*s))
		s++;
	if (kn == 0 || s == e || *s != '=') {
		*top = 0;
		return 0;
	}
	for (v = s + 1; v < e && blank(*v); v++)
		;
	while (e > v && blank(e[-1]))
		e--;
	if (kn == 6 && !strncasecmp(k, "escape", 6) && (e - v != 1 || *v != '\\'))
		return perr(p, "escape directive: only '\\' is supported");
	return 0;
}

/* lead counts the blanks that start s[0..n) */
static size_t
lead(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && blank(s[i]))
		i++;
	return i;
}

/*
 * next reads the next instruction into line (PFLINEMAX + 1 bytes), its
 * continuation lines joined, skipping comments and blank lines and
 * checking directives while *top.  It returns 1 with p->line and p->lead
 * set, 0 at the end of the input, or -1 on an error it reported.
 */
static int
next(struct pf *p, char *line, int *top)
{
	const char *ls;
	size_t n, k, used = 0;
	int r, more;

	for (;;) {
		if ((r = phys(p, &ls, &n)) <= 0)
			return r;
		p->line = p->lineno;
		if ((k = lead(ls, n)) == n)
			*top = 0;
		else if (ls[k] != '#')
			break;
		else if (*top && directive(p, ls + k, n - k, top) < 0)
			return -1;
	}
	*top = 0;
	p->lead = k;
	more = join(line, &used, ls + k, n - k);
	while (more && (r = phys(p, &ls, &n)) > 0) {
		if ((k = lead(ls, n)) == n || ls[k] == '#')
			continue;
		if (used + n > PFLINEMAX)
			return perr(p, "instruction over PFLINEMAX (%d bytes)", PFLINEMAX);
		more = join(line, &used, ls, n);
	}
	line[used] = '\0';
	return r < 0 ? -1 : 1;
}

int
pf_parse(const char *name, const char *buf, size_t len, struct piecefile *out)
{
	const char *nl, *nul;
	struct pf p = { 0 };
	char *line = NULL, *s;
	int top = 1, ret = -1, r;

	out->step = NULL;
	out->nstep = 0;
	p.name = name;
	p.out = out;
	if (len > PIECEFILEMAX) {
		weprintf("%s: over PIECEFILEMAX (%d bytes)", name, PIECEFILEMAX);
		return -1;
	}
	if ((nul = memchr(buf, '\0', len))) {
		for (p.line = 1; (nl = memchr(buf, '\n', nul - buf)); buf = nl + 1)
			p.line++;
		return perr(&p, "NUL byte");
	}
	p.cur = buf;
	p.end = buf + len;
	/* a UTF-8 byte order mark, as editors on Windows write, as Docker */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		p.cur += 3;
	line = emalloc(PFLINEMAX + 1);
	p.tmp = emalloc(PFLINEMAX + 1);
	while ((r = next(&p, line, &top)) > 0) {
		/* a lone '\' and what it joined may hold nothing */
		for (s = line; blank(*s); s++)
			;
		if (*s && instr(&p, s) < 0)
			goto out;
	}
	p.line = p.lineno ? p.lineno : 1;
	if (r == 0 && !out->nstep)
		perr(&p, "no FROM");
	else if (r == 0)
		ret = 0;
out:
	freeargs(&p.st);
	if (ret < 0)
		pf_free(out);
	free(line);
	free(p.tmp);
	return ret;
}
int
pf_load(const char *path, struct piecefile *out)
{
	int in = !strcmp(path, "-"), fd = 0, ret;
	const char *name = in ? "stdin" : path;
	ssize_t n;
	char *buf;

	out->step = NULL;
	out->nstep = 0;
	if (!in && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		weprintf("%s: open:", path);
		return -1;
	}
	buf = emalloc(PIECEFILEMAX + 1);
	if ((n = readcap(fd, buf, PIECEFILEMAX + 1)) < 0 && errno == EFBIG)
		weprintf("%s: over PIECEFILEMAX (%d bytes)", name, PIECEFILEMAX);
	else if (n < 0)
		weprintf("%s: read:", name);
	if (!in)
		(void)close(fd);
	ret = n < 0 ? -1 : pf_parse(name, buf, n, out);
	free(buf);
	return ret;
}

char *
pf_fmt(const struct pfstep *st)
{
	size_t n = strlen(names[st->kind]) + 4;
	char *buf, *o;
	int i;

	for (i = 0; i < st->nargs; i++)
		n += JSONQUOTE(strlen(st->args[i])) + 1;
	o = buf = emalloc(n);
	o += sprintf(o, "%s [", names[st->kind]);
	for (i = 0; i < st->nargs; i++) {
		if (i)
			*o++ = ',';
		o = json_quote(o, st->args[i]);
	}
	strcpy(o, "]");
	return buf;
}

void
pf_free(struct piecefile *pf)
{
	int i;

	for (i = 0; i < pf->nstep; i++)
		freeargs(&pf->step[i]);
	free(pf->step);
	pf->step = NULL;
	pf->nstep = 0;
}
