/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer harness for the Piecefile parser (piecefile.c).  Each input is
 * a Piecefile, parsed from memory by pf_parse as `pieces piecefile` parses
 * a file.  A failure must leave the result empty.  A success must have the
 * shape the contract in pieces.h promises: a FROM or FROM_URL first and
 * only there, line numbers rising, arguments NULL-ended and as many as
 * each instruction needs, ENV and LABEL pairs with a name.
 *
 * Then the harness writes the steps out again as a Piecefile: RUN, CMD,
 * ENTRYPOINT and COPY in their canonical form (pf_fmt), which is their
 * JSON form, and the other instructions with every argument in double
 * quotes (ENV and LABEL as "KEY"="VALUE").  That file must parse to the
 * same steps: a round trip through pf_fmt's escaping, the JSON reader and
 * the unquoting, which catches a string cut short or misread anywhere.
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

static void
shape(const struct piecefile *pf)
{
	const struct pfstep *st;
	char *eq;
	int i, j, min;

	if (pf->nstep < 1 || pf->nstep > PFSTEPMAX)
		die("step count out of range", NULL);
	for (i = 0; i < pf->nstep; i++) {
		st = &pf->step[i];
		if ((i == 0) != (st->kind == PF_FROM || st->kind == PF_FROM_URL))
			die("a FROM that is not first, or a first step that is not FROM", st);
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
	}
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
	}
	o = buf = emalloc(n);
	for (i = 0; i < pf->nstep; i++) {
		st = &pf->step[i];
		s = pf_fmt(st);
		if (st->kind == PF_RUN || st->kind == PF_CMD || st->kind == PF_ENTRYPOINT ||
		    st->kind == PF_COPY) {
			o += sprintf(o, "%s\n", s);
			free(s);
			continue;
		}
		o += sprintf(o, "%.*s", (int)strcspn(s, " "), s);
		free(s);
		for (j = 0; j < st->nargs; j++) {
			*o++ = ' ';
			eq = st->kind == PF_ENV || st->kind == PF_LABEL ?
			     strchr(st->args[j], '=') : NULL;
			if (eq) {
				o = quote(o, st->args[j], eq - st->args[j]);
				*o++ = '=';
				o = quote(o, eq + 1, strlen(eq + 1));
			} else {
				o = quote(o, st->args[j], strlen(st->args[j]));
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
