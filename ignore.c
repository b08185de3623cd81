/* See LICENSE file for copyright and license details. */
/*
 * .piecesignore and .dockerignore: what a build's COPY leaves out of the
 * build directory, with Docker's rules.  A line is a pattern, trimmed;
 * empty lines and those starting with '#' say nothing; a leading '!'
 * takes back what an earlier pattern left out.  A pattern is a path
 * relative to the build directory (a leading '/', "./" and a trailing
 * '/' mean nothing), made of components where '*' is any run of
 * characters but '/', '?' one of them, "[...]" a class ("[!...]" or
 * "[^...]" its complement) and '\' quotes the next; "**" is any number
 * of whole components, none included.  A path is left out when the last
 * pattern that matches it or one of its parent directories is not a '!'
 * one.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pieces.h"

/* class matches c against the class at p (after its '['), *end past it:
 * 1, 0, or -1 for a class with no ']' (the pattern matches nothing) */
static int
class(const char *p, int c, const char **end)
{
	int neg = *p == '!' || *p == '^', in = 0, lo;

	p += neg;
	do {
		if (*p == '\\' && p[1])
			p++;
		if (!*p)
			return -1;
		lo = (unsigned char)*p++;
		if (*p == '-' && p[1] && p[1] != ']') {
			p += 1 + (p[1] == '\\' && p[2]);
			in |= c >= lo && c <= (unsigned char)*p++;
		} else {
			in |= c == lo;
		}
	} while (*p != ']');
	*end = p + 1;
	return in != neg;
}

/*
 * one matches the path component s[0..sn) against the pattern component
 * p[0..pn): '*' runs, '?' and classes single characters.  On a mismatch
 * it goes back to the last '*' only, one character further: linear in
 * both, so that no pattern a stranger writes can take exponential time.
 */
static int
one(const char *p, size_t pn, const char *s, size_t sn)
{
	const char *pe = p + pn, *se = s + sn, *star = NULL, *ss = s, *end;
	int r;

	while (s < se) {
		if (p < pe && *p == '*') {
			while (p < pe && *p == '*')
				p++;
			star = p;
			ss = s;
			continue;
		}
		if (p < pe && *p == '[') {
			r = class(p + 1, (unsigned char)*s, &end);
			if (r > 0 && end <= pe) {
				p = end;
				s++;
				continue;
			}
		} else if (p < pe && (*p == '?' || (*p == '\\' && p + 1 < pe ? p[1] == *s : *p == *s))) {
			p += *p == '\\' && p + 1 < pe ? 2 : 1;
			s++;
			continue;
		}
		if (!star)
			return 0;
		p = star;
		s = ++ss;
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

/* comp finds the component of s that starts at s: its length */
static size_t
comp(const char *s)
{
	return strcspn(s, "/");
}

/* next steps past the component of s that starts at s, and its '/' */
static const char *
next(const char *s)
{
	s += comp(s);
	return s + (*s == '/');
}

/*
 * match says whether all of s matches the pattern p, component by
 * component; a "**" component matches any number of them, and as '*'
 * does in one, a mismatch goes back to the last "**" only
 */
static int
match(const char *p, const char *s)
{
	const char *star = NULL, *ss = s;

	for (;;) {
		if (*p && comp(p) == 2 && !strncmp(p, "**", 2)) {
			p = next(p);
			star = p;
			ss = s;
			continue;
		}
		if (!*s && !*p)
			return 1;
		if (*s && *p && one(p, comp(p), s, comp(s))) {
			p = next(p);
			s = next(s);
			continue;
		}
		if (!star || !*ss)
			return 0;
		p = star;
		s = ss = next(ss);
	}
}

/* tidy makes a pattern as Docker cleans it: no "./", "//", leading or trailing '/' */
static void
tidy(char *p)
{
	char *o = p, *s = p;

	while (*s) {
		if (*s == '/' || (s[0] == '.' && (s[1] == '/' || !s[1]) && (s == p || s[-1] == '/'))) {
			s++;
			continue;
		}
		if (o > p)
			*o++ = '/';
		while (*s && *s != '/')
			*o++ = *s++;
	}
	*o = '\0';
}

int
ign_load(int dirfd, struct ignore *ig)
{
	static const char *const files[] = { ".piecesignore", ".dockerignore" };
	char *buf = emalloc(PIECEFILEMAX);
	ssize_t n = 0;
	size_t i;

	memset(ig, 0, sizeof(*ig));
	for (i = 0; i < LEN(files); i++) {
		if ((n = root_readfile(dirfd, files[i], buf, PIECEFILEMAX)) >= 0)
			break;
		if (errno == ENOENT)
			continue;
		if (errno == EFBIG)
			weprintf("%s: larger than PIECEFILEMAX (%d bytes)", files[i], PIECEFILEMAX);
		else if (errno == EINVAL)
			weprintf("%s: not a regular file", files[i]);
		else
			weprintf("%s:", files[i]);
		free(buf);
		return -1;
	}
	if (i < LEN(files) && ign_parse(buf, n, ig) < 0) {
		weprintf("%s: more than IGNOREMAX (%d) patterns", files[i], IGNOREMAX);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

int
ign_parse(const char *text, size_t len, struct ignore *ig)
{
	char *buf = emalloc(len + 1), *line, *save, *e;
	int neg;

	memset(ig, 0, sizeof(*ig));
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t\r");
		for (e = line + strlen(line); e > line && strchr(" \t\r", e[-1]); e--)
			;
		*e = '\0';
		if (!*line || *line == '#')
			continue;
		if ((neg = *line == '!'))
			line++;
		tidy(line);
		if (!*line)
			continue;
		/* each path COPY walks is matched against every pattern */
		if (ig->n == IGNOREMAX) {
			free(buf);
			ign_free(ig);
			return -1;
		}
		ig->pat = erealloc(ig->pat, (ig->n + 1) * sizeof(*ig->pat));
		ig->pat[ig->n].text = estrdup(line);
		ig->pat[ig->n].neg = neg;
		ig->n++;
	}
	free(buf);
	return 0;
}

int
ign_match(const struct ignore *ig, const char *path)
{
	char buf[PATH_MAX], *slash;
	size_t i;
	int out = 0, hit;

	for (i = 0; i < ig->n; i++) {
		/* the path, or one of the directories it is in */
		snprintf(buf, sizeof(buf), "%s", path);
		for (hit = match(ig->pat[i].text, buf); !hit && (slash = strrchr(buf, '/'));) {
			*slash = '\0';
			hit = match(ig->pat[i].text, buf);
		}
		if (hit)
			out = !ig->pat[i].neg;
	}
	return out;
}

int
ign_walk(const struct ignore *ig, const char *dir)
{
	size_t i, n = strlen(dir);

	/* as Docker: a '!' pattern that starts with the directory's path */
	for (i = 0; i < ig->n; i++)
		if (ig->pat[i].neg && !strncmp(ig->pat[i].text, dir, n) &&
		    (ig->pat[i].text[n] == '/' || !ig->pat[i].text[n]))
			return 1;
	return 0;
}

void
ign_free(struct ignore *ig)
{
	size_t i;

	for (i = 0; i < ig->n; i++)
		free(ig->pat[i].text);
	free(ig->pat);
	memset(ig, 0, sizeof(*ig));
}
