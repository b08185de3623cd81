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
 *
 * Variables are expanded when the build reaches a step, from the image's
 * environment then, which only the build knows; whether a '$' expands
 * depends on its quoting, which only the parser sees.  So the parser
 * writes the arguments of the instructions that expand variables in
 * Docker's own escape syntax, "\$" for a '$' that does not expand and
 * "\\" for a '\' (struct pfstep), checks their ${...} here, where it can
 * name the line, and pf_expand, at the end of this file, reads that.
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

/* a word in final form: a byte of the line may take two, as "\$" */
#define WORDMAX		(2 * PFLINEMAX + 2)

#define STOPBLANK	1	/* unq stops at an unquoted blank */
#define STOPEQ		2	/* unq stops at an unquoted '=' */
#define VARS		4	/* unq keeps what expands apart (struct pfstep) */

/* Docker's special parameters but 0, a digit: names of one byte ($$, $@) */
#define SPECIAL		"@*#?-$!"

struct pf {
	const char *name;		/* of the file, for messages */
	const char *cur, *end;		/* the input not read yet */
	int lineno;			/* of the last line read */
	int line;			/* of the instruction being parsed */
	int lead;			/* blanks before it: JSON columns count them */
	char *tmp;			/* WORDMAX bytes for unquoted words */
	char *lit;			/* WORDMAX bytes for what plain makes of one */
	int from;			/* the FROM has been read */
	struct pfstep st;		/* the step being built */
	int argcap, stepcap;
	struct piecefile *out;
};

static const char *const names[] = {
	[PF_FROM] = "FROM", [PF_FROM_URL] = "FROM_URL", [PF_RUN] = "RUN",
	[PF_CMD] = "CMD", [PF_ENTRYPOINT] = "ENTRYPOINT", [PF_ENV] = "ENV",
	[PF_WORKDIR] = "WORKDIR", [PF_USER] = "USER", [PF_COPY] = "COPY",
	[PF_LABEL] = "LABEL", [PF_EXPOSE] = "EXPOSE", [PF_ARG] = "ARG",
};

/* Docker's instructions we do not have: said by name, not as unknown */
static const char *const unsupported[] = {
	"ADD", "HEALTHCHECK", "MAINTAINER", "ONBUILD", "SHELL",
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

static int
namec(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

struct enc {				/* a word unq is writing */
	char *o;
	int vars;			/* it keeps what expands apart */
	int name;			/* 2: just after an expanding '$', 1: in its name */
	int cut;			/* a quote came since: the name has ended */
	int depth;			/* ${ not closed yet */
	unsigned dq;			/* bit i: the (i+1)th opened in "..." */
};

/*
 * lone makes the '$' just written by raw a literal one, "\$": no name
 * follows it, so it expands to itself, in Docker as in sh; written so,
 * equal words have one final form whatever their quotes
 */
static void
lone(struct enc *e)
{
	if (e->vars && e->name == 2) {
		e->o[-1] = '\\';
		*e->o++ = '$';
		e->name = 0;
	}
}

/*
 * With VARS, lit writes a byte that was quoted or escaped and raw one that
 * was not, so that pf_expand reads them as the shell lexer would have:
 * a '$' followed by a quote or an escape is only a '$' (lone), a name
 * ends at a quote (the byte after is escaped: "$A"B is $A\B), a '}'
 * quoted inside a ${ does not end it (\}), a literal '$' or '\' is
 * escaped.  q is the quote raw's byte is in: 0 or '"'.
 */
static void
lit(struct enc *e, int c)
{
	lone(e);
	if (e->vars && (c == '$' || c == '\\' || (c == '}' && e->depth) ||
	    (e->name == 1 && namec(c))))
		*e->o++ = '\\';
	*e->o++ = c;
	e->name = e->cut = 0;
}

static int
raw(struct pf *p, struct enc *e, int c, int q)
{
	if (e->vars && c == '}' && e->depth && q && !(e->dq >> (e->depth - 1) & 1)) {
		lit(e, c);
		return 0;
	}
	if (e->name == 2 && c != '{' && !namec(c) && !strchr(SPECIAL, c))
		lone(e);
	if (e->vars && e->cut && e->name && namec(c)) {
		*e->o++ = '\\';
		e->name = 0;
	} else if (e->name == 2 && strchr(SPECIAL, c)) {
		e->name = 0;
	} else if (e->vars && c == '$') {
		e->name = 2;
	} else if (e->vars && c == '{' && e->name == 2) {
		/* pf_expand recurses on a word in ${...} */
		if (e->depth == PFNESTMAX)
			return perr(p, "%s: over PFNESTMAX (%d) nested '${'", names[p->st.kind],
			            PFNESTMAX);
		e->dq = (e->dq & ~(1u << e->depth)) | (unsigned)(q != 0) << e->depth;
		e->depth++;
		e->name = 1;
	} else if (e->vars && c == '}' && e->depth) {
		e->depth--;
		e->name = 0;
	} else {
		e->name = e->name && namec(c);
	}
	e->cut = 0;
	*e->o++ = c;
	return 0;
}

/* cut marks a quote opened or closed */
static void
cut(struct enc *e)
{
	lone(e);
	e->cut = e->name != 0;
}

/*
 * unq copies the word at *sp into out without its quotes, as Docker's
 * shell lexer does: '...' is literal; in "..." a '\' escapes only '"',
 * '\' and '$' and is kept before anything else; outside quotes it escapes
 * any byte (and is dropped at the end).  With VARS in stops it keeps what
 * expands apart (lit).  It stops at the end or, as stops says, at an
 * unquoted blank or '=', leaving *sp there.  out needs twice as many
 * bytes as the word.  It returns the length written, or -1 after
 * reporting an unterminated quote.
 */
static long
unq(struct pf *p, const char **sp, char *out, int stops)
{
	struct enc e = { out, stops & VARS, 0, 0, 0, 0 };
	const char *s = *sp;
	char q = 0, buf[48];

	for (; *s; s++) {
		if (q == '\'' || (q == '"' && *s == '"')) {
			if (*s == q) {
				q = 0;
				cut(&e);
			} else {
				lit(&e, *s);
			}
		} else if (q == '"') {
			if (*s == '\\' && s[1] && strchr("\"\\$", s[1]))
				lit(&e, *++s);
			else if (*s == '\\')
				lit(&e, '\\');
			else if (raw(p, &e, *s, q) < 0)
				return -1;
		} else if (((stops & STOPBLANK) && blank(*s)) || ((stops & STOPEQ) && *s == '=')) {
			break;
		} else if (*s == '\\') {
			if (s[1])
				lit(&e, *++s);
		} else if (*s == '\'' || *s == '"') {
			q = *s;
			cut(&e);
		} else if (raw(p, &e, *s, 0) < 0) {
			return -1;
		}
	}
	if (q)
		return perr(p, "unterminated %s quote", q == '"' ? "double" : "single");
	lone(&e);
	/* here, where the word is still as written: a blank ends it */
	if (e.depth)
		return perr(p, "%s: '%s': unterminated '${'", names[p->st.kind],
		            show(buf, *sp, s - *sp));
	*sp = s;
	return e.o - out;
}

/* words pushes the blank-separated words of s, unquoted (with vars: VARS) */
static int
words(struct pf *p, const char *s, int vars)
{
	long n;

	while (*(s = skip(s)))
		if ((n = unq(p, &s, p->tmp, STOPBLANK | vars)) < 0 || push(p, p->tmp, n) < 0)
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

	if ((k = unq(p, &w, p->tmp, STOPBLANK | STOPEQ | VARS)) < 0)
		return -1;
	if (*w != '=') {
		w = skip(w);
		if (!*w)
			return perr(p, "%s: want KEY=VALUE or KEY VALUE", what);
		if ((v = unq(p, &w, p->tmp + k + 1, VARS)) < 0)
			return -1;
		return kv(p, k, v);
	}
	while (*(s = skip(s))) {
		w = s;
		if ((k = unq(p, &s, p->tmp, STOPBLANK | STOPEQ | VARS)) < 0)
			return -1;
		if (*s != '=')
			return perr(p, "%s: '%s' is not KEY=VALUE", what, show(buf, w, s - w));
		s++;
		if ((v = unq(p, &s, p->tmp + k + 1, STOPBLANK | VARS)) < 0 || kv(p, k, v) < 0)
			return -1;
	}
	return 0;
}

/* decls parses ARG's words: NAME, or NAME=default, each */
static int
decls(struct pf *p, const char *s)
{
	long k, v;

	while (*(s = skip(s))) {
		if ((k = unq(p, &s, p->tmp, STOPBLANK | STOPEQ | VARS)) < 0)
			return -1;
		/* "NAME" must stay apart from "NAME=default" */
		if (*s != '=' && (!k || memchr(p->tmp, '=', k)))
			return perr(p, k ? "ARG: '=' in a name" : "ARG: empty name");
		if (*s != '=') {
			if (push(p, p->tmp, k) < 0)
				return -1;
			continue;
		}
		s++;
		if ((v = unq(p, &s, p->tmp + k + 1, STOPBLANK | VARS)) < 0 || kv(p, k, v) < 0)
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

/*
 * relex reads COPY's JSON strings again as words, as Docker does: what
 * quotes, escapes and variables they have work as in the other form
 */
static int
relex(struct pf *p)
{
	struct pfstep *st = &p->st;
	const char *s;
	long n;
	int i;

	for (i = 0; i < st->nargs; i++) {
		s = st->args[i];
		if ((n = unq(p, &s, p->tmp, VARS)) < 0)
			return -1;
		free(st->args[i]);
		st->args[i] = emalloc(n + 1);
		memcpy(st->args[i], p->tmp, n);
		st->args[i][n] = '\0';
	}
	return 0;
}

/* seen is plain's pf_expand get: no variable is set, but one is there */
static const char *
seen(void *arg, const char *name, size_t n)
{
	(void)name;
	(void)n;
	*(int *)arg = 1;
	return NULL;
}

/*
 * plain expands s, an argument of the step or a side of its KEY=value,
 * with no variable set into p->lit: 1 if it has a variable, 0 if not
 * (p->lit then says what it is), or -1 (reported) if it is malformed
 */
static int
plain(struct pf *p, const char *s)
{
	const char *why;
	char buf[48];
	int vars = 0;

	if (pf_expand(s, p->lit, WORDMAX, seen, &vars, &why) >= 0)
		return vars;
	return perr(p, "%s: '%s': %s", names[p->st.kind], show(buf, s, strlen(s)),
	            why ? why : "too long");
}

static int
expands(int kind)
{
	return kind != PF_FROM_URL && kind != PF_RUN && kind != PF_CMD && kind != PF_ENTRYPOINT;
}

/*
 * final checks the variables of a step that expands them, and what a
 * FROM or EXPOSE word without any says, as the build does the others
 * once expanded; an EXPOSE word then takes its canonical form
 */
static int
final(struct pf *p)
{
	struct pfstep *st = &p->st;
	char msg[PFMSGMAX], port[PFPORTMAX], *a, *eq;
	int i, r, pair = st->kind == PF_ENV || st->kind == PF_LABEL || st->kind == PF_ARG;

	for (i = 0; i < st->nargs; i++) {
		a = st->args[i];
		/* a name expands too, as in BuildKit */
		if (pair && (eq = strchr(a, '='))) {
			*eq = '\0';
			r = plain(p, a);
			*eq = '=';
			if (r < 0 || plain(p, eq + 1) < 0)
				return -1;
			continue;
		}
		if ((r = plain(p, a)) != 0) {
			if (r < 0)
				return -1;
			continue;
		}
		if (st->kind == PF_FROM && pf_ref(p->lit, msg) < 0)
			return perr(p, "%s", msg);
		if (st->kind == PF_EXPOSE) {
			if (pf_port(p->lit, port, msg) < 0)
				return perr(p, "%s", msg);
			free(a);
			st->args[i] = estrdup(port);
		}
	}
	return 0;
}

/* args parses the arguments rest of the instruction starting at line */
static int
args(struct pf *p, const char *line, const char *rest)
{
	struct pfstep *st = &p->st;
	const char *what = names[st->kind];
	long n;
	int i;

	switch (st->kind) {
	case PF_FROM:
		/* the reference is checked once expanded (final) */
		if (words(p, rest, VARS) < 0)
			return -1;
		if (st->nargs > 1 && !strcasecmp(st->args[1], "as"))
			return perr(p, "FROM: 'AS name': multi-stage builds are not supported");
		if (st->nargs > 1)
			return perr(p, "FROM: want one image reference");
		return 0;
	case PF_FROM_URL:
		return words(p, rest, 0) < 0 ? -1 : fromurl(p);
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
		if (isjson(rest) ? json(p, line, rest) < 0 || relex(p) < 0 : words(p, rest, VARS) < 0)
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
		if ((n = unq(p, &rest, p->tmp, VARS)) < 0)
			return -1;
		return n ? push(p, p->tmp, n) : perr(p, "WORKDIR: empty path");
	case PF_USER:
		if (words(p, rest, VARS) < 0)
			return -1;
		if (st->nargs != 1 || !*st->args[0])
			return perr(p, "USER: want one user[:group]");
		return 0;
	case PF_EXPOSE:
		/* in canonical form once checked (final) */
		return words(p, rest, VARS);
	case PF_ARG:
		return decls(p, rest);
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
	/* an ARG before the FROM is a global one, as Docker's */
	if (!p->from && kind != PF_FROM && kind != PF_FROM_URL && kind != PF_ARG)
		return perr(p, "%s before FROM", names[kind]);
	if (p->from && (kind == PF_FROM || kind == PF_FROM_URL))
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
	if (args(p, s, rest) < 0 || (expands(kind) && final(p) < 0))
		return -1;
	p->from |= kind == PF_FROM || kind == PF_FROM_URL;
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
	p.tmp = emalloc(WORDMAX);
	p.lit = emalloc(WORDMAX);
	while ((r = next(&p, line, &top)) > 0) {
		/* a lone '\' and what it joined may hold nothing */
		for (s = line; blank(*s); s++)
			;
		if (*s && instr(&p, s) < 0)
			goto out;
	}
	p.line = p.lineno ? p.lineno : 1;
	if (r == 0 && !p.from)
		perr(&p, "no FROM");
	else if (r == 0)
		ret = 0;
out:
	freeargs(&p.st);
	if (ret < 0)
		pf_free(out);
	free(line);
	free(p.tmp);
	free(p.lit);
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

const char *
pf_name(int kind)
{
	return kind > 0 && kind < (int)LEN(names) ? names[kind] : "?";
}

int
pf_port(const char *w, char *out, char *msg)
{
	static const char *const protos[] = { "tcp", "udp", "sctp" };
	const char *s = w, *proto;
	char buf[48];
	long lo, hi;
	size_t i;

	hi = lo = port(&s);
	if (*s == '-') {
		s++;
		hi = port(&s);
	}
	proto = *s ? NULL : "tcp";
	for (i = 0; *s == '/' && i < LEN(protos); i++)
		if (!strcasecmp(s + 1, protos[i]))
			proto = protos[i];
	if (!proto || lo == 0 || hi < lo) {
		snprintf(msg, PFMSGMAX, "EXPOSE: bad port '%s': want 1-65535[/tcp|udp|sctp]",
		         show(buf, w, strlen(w)));
		return -1;
	}
	if (hi == lo)
		snprintf(out, PFPORTMAX, "%ld/%s", lo, proto);
	else
		snprintf(out, PFPORTMAX, "%ld-%ld/%s", lo, hi, proto);
	return 0;
}

int
pf_ref(const char *ref, char *msg)
{
	struct ref r;
	char buf[48];

	/* what a pull will take, by the same grammar ("scratch" is one
	 * too: a name, the build's to recognise) */
	if (!reg_parse(ref, &r))
		return 0;
	snprintf(msg, PFMSGMAX, "FROM: bad image reference '%s'", show(buf, ref, strlen(ref)));
	return -1;
}

/*
 * The expansion, as Docker's shell lexer does it on what the parser
 * left: $NAME and ${NAME}, where NAME is letters, digits and '_' not
 * starting with a digit, a run of digits, or one of SPECIAL; ${NAME:-word}
 * (word if NAME is unset or empty) and ${NAME:+word} (word if it is set
 * and not empty), word expanded in turn, up to PFNESTMAX deep.  A '$'
 * with no name after it is a '$'.  A '\' makes the byte after it literal.
 */
struct xp {
	const char *(*get)(void *, const char *, size_t);
	void *arg;
	char *o, *end;			/* where to write, the room for it */
	int skip;			/* in a word not taken: read, not written */
	int full;			/* it did not fit */
	int depth;
	const char *why;
};

static void
xput(struct xp *x, const char *s, size_t n)
{
	if (x->skip)
		return;
	if ((size_t)(x->end - x->o) < n) {
		x->full = 1;
		return;
	}
	memcpy(x->o, s, n);
	x->o += n;
}

/* pname is the length of the name at s, or 0 */
static size_t
pname(const char *s)
{
	size_t n = 0;

	if (*s >= '0' && *s <= '9') {
		while (s[n] >= '0' && s[n] <= '9')
			n++;
		return n;
	}
	if (*s && strchr(SPECIAL, *s))
		return 1;
	while (namec(s[n]))
		n++;
	return n;
}

static const char *
lookup(struct xp *x, const char *name, size_t n)
{
	return x->skip || !x->get ? NULL : x->get(x->arg, name, n);
}

static const char *
bad(struct xp *x, const char *why)
{
	x->why = why;
	return NULL;
}

static const char *word(struct xp *x, const char *s, int brace);

/* dollar expands the variable at s, a '$': where it ends, or NULL (x->why) */
static const char *
dollar(struct xp *x, const char *s)
{
	const char *name, *v;
	size_t n;
	int take;

	if (*++s != '{') {
		if ((n = pname(s)) == 0)
			xput(x, "$", 1);
		else if ((v = lookup(x, s, n)))
			xput(x, v, strlen(v));
		return s + n;
	}
	name = ++s;
	if ((n = pname(s)) == 0)
		return bad(x, *s ? "bad substitution" : "unterminated '${'");
	s += n;
	if (*s == '}') {
		if ((v = lookup(x, name, n)))
			xput(x, v, strlen(v));
		return s + 1;
	}
	if (!*s)
		return bad(x, "unterminated '${'");
	if (*s != ':' || (s[1] != '-' && s[1] != '+'))
		return bad(x, "bad substitution: want ${NAME}, ${NAME:-word} or ${NAME:+word}");
	if (x->depth == PFNESTMAX)
		return bad(x, "over PFNESTMAX nested '${'");
	v = lookup(x, name, n);
	take = s[1] == '-' ? !v || !*v : v && *v;
	if (!take && s[1] == '-')
		xput(x, v, strlen(v));
	x->depth++;
	x->skip += !take;
	s = word(x, s + 2, 1);
	x->skip -= !take;
	x->depth--;
	return s;
}

/* word expands s to its end or, with brace, its '}': after it, or NULL */
static const char *
word(struct xp *x, const char *s, int brace)
{
	while (*s && !(brace && *s == '}')) {
		if (*s == '\\' && s[1]) {
			xput(x, s + 1, 1);
			s += 2;
		} else if (*s == '$') {
			if (!(s = dollar(x, s)))
				return NULL;
		} else {
			xput(x, s++, 1);
		}
	}
	if (brace && !*s)
		return bad(x, "unterminated '${'");
	return brace ? s + 1 : s;
}

long
pf_expand(const char *s, char *out, size_t len,
          const char *(*get)(void *, const char *, size_t), void *arg, const char **why)
{
	struct xp x = { get, arg, out, out + len - 1, 0, 0, 0, NULL };

	if (!word(&x, s, 0) || x.full) {
		*why = x.why;
		return -1;
	}
	*x.o = '\0';
	return x.o - out;
}
