/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer harness for the Piecefile parser (piecefile.c).  Each input is
 * a Piecefile, parsed from memory by pf_parse as `pieces piecefile` parses
 * a file.  A failure must leave the result empty.  A success must have the
 * shape the contract in pieces.h promises: ARGs, then one FROM or
 * FROM_URL, line numbers rising, arguments NULL-ended and as many as each
 * instruction needs, ENV, LABEL and ARG pairs with a name, and every
 * argument that expands variables expanding without error (pf_expand),
 * with no variable set and with every one set to a value full of '$', '\'
 * and '}', which must come out as they are: a value is never expanded.
 *
 * Then the harness writes the steps out again as a Piecefile: RUN, CMD,
 * ENTRYPOINT in their canonical form (pf_fmt), which is their JSON form,
 * COPY as JSON too, and the other instructions with every argument in
 * double quotes (ENV, LABEL and ARG as "KEY"="VALUE"); the arguments that
 * expand are written back from their escaped form (qenc).  That file must
 * parse to the same steps: a round trip through pf_fmt's escaping, the
 * JSON reader, the unquoting and the escaping of what does not expand,
 * which catches a string cut short or misread anywhere.
 *
 * pieces dying in eprintf shows as libFuzzer's "fuzz target exited": no
 * input may get there.  Bad Piecefiles are reported on stderr, a line
 * each: add -close_fd_mask=2 to keep only libFuzzer's own output.  The
 * seeds in test/fuzz/piecefile-seeds/ are Piecefiles:
 * `pieces piecefile SEED` shows one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../../pieces.h"

static _Noreturn void
die(const char *why, const struct pfstep *st)
{
	char *s = st ? pf_fmt(st) : NULL;

	fprintf(stderr, "piecefile-fuzz: %s%s%s\n", why, s ? ": " : "", s ? s : "");
	abort();
}

static int
expands(int kind)
{
	return kind != PF_FROM_URL && kind != PF_RUN && kind != PF_CMD && kind != PF_ENTRYPOINT;
}

#define VALUE	"$X\\${}}\\"

/* full is a get for pf_expand: every variable is set, to VALUE */
static const char *
full(void *arg, const char *name, size_t n)
{
	(void)name;
	(void)n;
	++*(int *)arg;
	return VALUE;
}

/* expandok expands each side of the argument a of st, with none and with all set */
static void
expandok(const struct pfstep *st, const char *a)
{
	static char out[PFLINEMAX + 1], lone[PFLINEMAX + 1];
	char *side = strdup(a), *eq, *p;
	const char *why;
	long n, m;
	int set = 0;

	if (!side)
		abort();
	eq = st->kind == PF_ENV || st->kind == PF_LABEL || st->kind == PF_ARG ?
	     strchr(side, '=') : NULL;
	if (eq)
		*eq = '\0';
	for (p = side; p; p = eq ? eq + 1 : NULL, eq = NULL) {
		if ((n = pf_expand(p, lone, sizeof(lone), NULL, NULL, &why)) < 0)
			die(why ? why : "a word expands past its length with nothing set", st);
		if ((size_t)n > strlen(p))
			die("a word with nothing set expands longer than it is", st);
		m = pf_expand(p, out, sizeof(out), full, &set, &why);
		if (m < 0 && why)
			die(why, st);
		/* each variable gives VALUE, whole, and nothing else grows */
		if (m >= 0 && (size_t)m > strlen(p) + (size_t)set * strlen(VALUE))
			die("an expansion longer than its values", st);
		set = 0;
	}
	free(side);
}

static void
shape(const struct piecefile *pf)
{
	const struct pfstep *st;
	char *eq;
	int i, j, min, from = -1;

	if (pf->nstep < 1 || pf->nstep > PFSTEPMAX)
		die("step count out of range", NULL);
	for (i = 0; i < pf->nstep; i++) {
		st = &pf->step[i];
		if (st->kind == PF_FROM || st->kind == PF_FROM_URL) {
			if (from >= 0)
				die("a second FROM", st);
			from = i;
		} else if (from < 0 && st->kind != PF_ARG) {
			die("a step before FROM that is not ARG", st);
		}
		if (i && st->line <= pf->step[i - 1].line)
			die("line numbers do not rise", st);
		min = st->kind == PF_COPY ? 2 : 1;
		if (st->nargs < min || st->nargs > PFARGMAX || st->args[st->nargs])
			die("arguments miscounted", st);
		for (j = 0; j < st->nargs; j++)
			if (!st->args[j])
				die("NULL argument", st);
		if (st->shell && (st->nargs != 3 || strcmp(st->args[0], "/bin/sh") ||
		    strcmp(st->args[1], "-c") || (st->kind != PF_RUN &&
		    st->kind != PF_CMD && st->kind != PF_ENTRYPOINT)))
			die("a shell form that is not /bin/sh -c TEXT", st);
		for (j = 0; (st->kind == PF_ENV || st->kind == PF_LABEL) && j < st->nargs; j++)
			if (!(eq = strchr(st->args[j], '=')) || eq == st->args[j])
				die("a pair without a name", st);
		for (j = 0; st->kind == PF_ARG && j < st->nargs; j++)
			if (!*st->args[j] || *st->args[j] == '=')
				die("an ARG without a name", st);
		for (j = 0; expands(st->kind) && j < st->nargs; j++)
			expandok(st, st->args[j]);
	}
	if (from < 0)
		die("no FROM", NULL);
}

/* quote writes s in double quotes, escaping what unq unescapes there */
static char *
quote(char *o, const char *s, size_t n)
{
	*o++ = '"';
	for (; n--; s++) {
		if (*s == '"' || *s == '\\' || *s == '$')
			*o++ = '\\';
		*o++ = *s;
	}
	*o++ = '"';
	return o;
}

/*
 * qenc writes s, an argument in the escaped form of struct pfstep, in
 * double quotes that read back to it: "\$" and "\\" are as they are
 * there, another "\c" is written outside them, as "\c" again
 */
static char *
qenc(char *o, const char *s, size_t n)
{
	const char *e = s + n;

	*o++ = '"';
	for (; s < e; s++) {
		if (*s == '\\' && s + 1 < e && (s[1] == '$' || s[1] == '\\')) {
			*o++ = *s++;
			*o++ = *s;
		} else if (*s == '\\' && s + 1 < e) {
			o += sprintf(o, "\"\\%c\"", *++s);
		} else {
			if (*s == '"')
				*o++ = '\\';
			*o++ = *s;
		}
	}
	*o++ = '"';
	return o;
}

/* word writes argument s of st in double quotes, as the kind of st wants */
static char *
word(char *o, const struct pfstep *st, const char *s, size_t n)
{
	return expands(st->kind) ? qenc(o, s, n) : quote(o, s, n);
}

/* copyjson writes COPY's arguments as JSON strings of what qenc writes */
static char *
copyjson(char *o, const struct pfstep *st)
{
	char *q;
	int j;

	o += sprintf(o, "COPY [");
	for (j = 0; j < st->nargs; j++) {
		q = malloc(2 * strlen(st->args[j]) + 3);
		if (!q)
			abort();
		*qenc(q, st->args[j], strlen(st->args[j])) = '\0';
		o += sprintf(o, "%s", j ? "," : "");
		o = json_quote(o, q);
		free(q);
	}
	o += sprintf(o, "]\n");
	return o;
}

/* rewrite writes pf out as a Piecefile into a new buffer, its length in *len */
static char *
rewrite(const struct piecefile *pf, size_t *len)
{
	const struct pfstep *st;
	size_t n = 1;
	char *buf, *o, *s, *eq;
	int i, j;

	for (i = 0; i < pf->nstep; i++) {
		s = pf_fmt(&pf->step[i]);
		n += 2 * strlen(s) + 8;
		free(s);
		for (j = 0; j < pf->step[i].nargs; j++)
			n += JSONQUOTE(2 * strlen(pf->step[i].args[j]) + 2) + 8;
	}
	o = buf = emalloc(n);
	for (i = 0; i < pf->nstep; i++) {
		st = &pf->step[i];
		if (st->kind == PF_COPY) {
			o = copyjson(o, st);
			continue;
		}
		s = pf_fmt(st);
		if (st->kind == PF_RUN || st->kind == PF_CMD || st->kind == PF_ENTRYPOINT) {
			o += sprintf(o, "%s\n", s);
			free(s);
			continue;
		}
		o += sprintf(o, "%.*s", (int)strcspn(s, " "), s);
		free(s);
		for (j = 0; j < st->nargs; j++) {
			*o++ = ' ';
			eq = st->kind == PF_ENV || st->kind == PF_LABEL || st->kind == PF_ARG ?
			     strchr(st->args[j], '=') : NULL;
			if (eq) {
				o = word(o, st, st->args[j], eq - st->args[j]);
				*o++ = '=';
				o = word(o, st, eq + 1, strlen(eq + 1));
			} else {
				o = word(o, st, st->args[j], strlen(st->args[j]));
			}
		}
		*o++ = '\n';
	}
	*len = o - buf;
	return buf;
}

static void
same(const struct piecefile *a, const struct piecefile *b)
{
	int i, j;

	if (a->nstep != b->nstep)
		die("the rewritten Piecefile has another number of steps", NULL);
	for (i = 0; i < a->nstep; i++) {
		if (a->step[i].kind != b->step[i].kind || a->step[i].nargs != b->step[i].nargs)
			die("a rewritten step differs", &a->step[i]);
		for (j = 0; j < a->step[i].nargs; j++)
			if (strcmp(a->step[i].args[j], b->step[i].args[j]))
				die("a rewritten argument differs", &a->step[i]);
	}
}

/* fits says whether every line of buf is within PFLINEMAX */
static int
fits(const char *buf, size_t len)
{
	const char *nl, *end = buf + len;

	if (len > PIECEFILEMAX)
		return 0;
	for (; buf < end; buf = nl + 1) {
		if (!(nl = memchr(buf, '\n', end - buf)))
			nl = end;
		if (nl - buf > PFLINEMAX)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct piecefile pf, again;
	size_t len;
	char *buf;

	if (pf_parse("fuzz", (const char *)data, size, &pf) < 0) {
		if (pf.nstep || pf.step)
			die("a failed parse left steps", NULL);
		return 0;
	}
	shape(&pf);
	buf = rewrite(&pf, &len);
	if (fits(buf, len)) {
		if (pf_parse("rewritten", buf, len, &again) < 0)
			die("the rewritten Piecefile does not parse", NULL);
		same(&pf, &again);
		pf_free(&again);
	}
	free(buf);
	pf_free(&pf);
	return 0;
}
