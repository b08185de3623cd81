/* See LICENSE file for copyright and license details. */
/*
 * What the machine's owner sets, read in one place: the config file and
 * the credentials file.
 *
 * The config file (PIECES_CONFIG, else /etc/pieces/config, which may be
 * missing) is lines of a key and its words, blanks between them, '#'
 * starting a comment line.  Each key is a row of the table below: its
 * words, how many, and what sets them; a line that fits no row, or a
 * value its row refuses, is an error naming the file and line
 * ("FILE:LINE: reason"), and the whole file is refused, not the line
 * skipped: a mirror or CA file half read would be obeyed wrongly.  The
 * environment adds PIECES_MIRRORS (before the file's mirrors, so its
 * match comes first) and PIECES_TIMEOUT (which beats the file's).
 *
 * The credentials file (PIECES_AUTH, else /etc/pieces/auth; mode 0600)
 * holds "DOMAIN USER:PASSWORD" lines, written by `pieces login`.  The
 * rest of the line is the secret, blanks and all, so it is not split
 * into words.  A new file is written beside the old and renamed over it
 * once the registry took the credentials, so a refused login leaves the
 * file as it was.  Every buffer that held either file is wiped before
 * it is freed: both may hold passwords.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pieces.h"

#define WORDMAX		8		/* words of a config line looked at */

struct pair {
	char *from, *to;
};

/* the configuration, read once */
static struct {
	int loaded, ret;
	struct pair *mirror;		/* URL prefix, its replacement */
	size_t nmirror;
	struct pair *auth;		/* host[:port], user:password */
	size_t nauth;
	char *cafile;
	int timeout;			/* seconds; 0: unset */
} cf;

static int setmirror(char **, const char *);
static int setauth(char **, const char *);
static int setcafile(char **, const char *);
static int settimeout(char **, const char *);

/* a config line: its key, how many words follow it, what they mean */
static const struct key {
	const char *name;
	int nargs;
	const char *usage;		/* for the message that lists them all */
	int (*set)(char **arg, const char *where);
} keys[] = {
	{ "mirror", 2, "mirror FROM TO", setmirror },
	{ "auth", 2, "auth HOST USER:PASSWORD", setauth },
	{ "cafile", 1, "cafile FILE", setcafile },
	{ "timeout", 1, "timeout SECONDS", settimeout },
};

/*
 * readsecret reads the whole of file, under CONFIGMAX, into a new buffer,
 * NUL-terminated, for the caller to wipe (CONFIGMAX + 1 bytes) and free.
 * It returns the buffer, or NULL: with *missing set if there is no file
 * (unreported), else reported.
 */
static char *
readsecret(const char *file, int *missing)
{
	char *buf;
	int fd;

	*missing = 0;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			*missing = 1;
		else
			weprintf("%s:", file);
		return NULL;
	}
	buf = emalloc(CONFIGMAX + 1);
	if (readcap(fd, buf, CONFIGMAX + 1) < 0) {
		if (errno == EFBIG)
			weprintf("%s: larger than CONFIGMAX (%d bytes)", file, CONFIGMAX);
		else
			weprintf("%s:", file);
		explicit_bzero(buf, CONFIGMAX + 1);
		free(buf);
		buf = NULL;
	}
	(void)close(fd);
	return buf;
}

/* burn wipes and frees what readsecret returned; NULL is allowed */
static void
burn(char *buf)
{
	if (buf)
		explicit_bzero(buf, CONFIGMAX + 1);
	free(buf);
}

/* nextline cuts the line at *p out of its buffer and moves *p past it */
static char *
nextline(char **p)
{
	char *line = *p, *nl = line + strcspn(line, "\n");

	*p = *nl ? nl + 1 : nl;
	*nl = '\0';
	return line;
}

/* ---- the config file ---- */

static void
addpair(struct pair **v, size_t *n, const char *from, const char *to)
{
	*v = erealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].from = estrdup(from);
	(*v)[*n].to = estrdup(to);
	(*n)++;
}

static int
setmirror(char **arg, const char *where)
{
	(void)where;
	addpair(&cf.mirror, &cf.nmirror, arg[0], arg[1]);
	return 0;
}

static int
setauth(char **arg, const char *where)
{
	(void)where;
	addpair(&cf.auth, &cf.nauth, arg[0], arg[1]);
	return 0;
}

static int
setcafile(char **arg, const char *where)
{
	(void)where;
	free(cf.cafile);
	cf.cafile = estrdup(arg[0]);
	return 0;
}

/* seconds reads a timeout for cf.timeout: 0, or -1 (reported) */
static int
seconds(const char *s, const char *where)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 3600) {
		weprintf("%s: timeout '%s': want 1 to 3600 seconds", where, s);
		return -1;
	}
	cf.timeout = v;
	return 0;
}

static int
settimeout(char **arg, const char *where)
{
	return seconds(arg[0], where);
}

/* wantkeys reports a line that fits no key, listing the forms there are */
static void
wantkeys(const char *where)
{
	char msg[512];
	size_t i, n = 0;

	for (i = 0; i < LEN(keys); i++)
		n += snprintf(msg + n, sizeof(msg) - n, "%s'%s'", i == 0 ? "" :
		              i + 1 < LEN(keys) ? ", " : " or ", keys[i].usage);
	weprintf("%s: want %s", where, msg);
}

/* confline applies one line of the config file: 0, or -1 (reported) */
static int
confline(char *line, const char *file, int lineno)
{
	char *w[WORDMAX], *save, *p, where[PATHMAX + 16];
	size_t n, i;

	for (n = 0, p = line; n < WORDMAX && (w[n] = strtok_r(p, " \t\r", &save)); n++)
		p = NULL;
	if (!n || *w[0] == '#')
		return 0;
	snprintf(where, sizeof(where), "%s:%d", file, lineno);
	for (i = 0; i < LEN(keys); i++)
		if (!strcmp(w[0], keys[i].name) && n == (size_t)keys[i].nargs + 1)
			return keys[i].set(w + 1, where);
	wantkeys(where);
	return -1;
}

/* readconf reads the config file name, which unless must may be missing:
 * 0, or -1 (reported) */
static int
readconf(const char *name, int must)
{
	char *buf, *p;
	int lineno = 0, missing, ret = 0;

	if (!(buf = readsecret(name, &missing))) {
		if (missing && must)
			weprintf("%s: %s", name, strerror(ENOENT));
		return missing && !must ? 0 : -1;
	}
	for (p = buf; *p && ret == 0; )
		ret = confline(nextline(&p), name, ++lineno);
	burn(buf);
	return ret;
}

/* envmirrors adds the FROM=TO words of PIECES_MIRRORS: 0, or -1 (reported) */
static int
envmirrors(const char *env)
{
	char *s = estrdup(env), *w, *save, *eq;
	int ret = 0;

	for (w = strtok_r(s, " \t\n", &save); w && ret == 0; w = strtok_r(NULL, " \t\n", &save)) {
		if (!(eq = strchr(w, '=')) || eq == w) {
			weprintf("PIECES_MIRRORS: '%s': want FROM=TO", w);
			ret = -1;
		} else {
			*eq = '\0';
			addpair(&cf.mirror, &cf.nmirror, w, eq + 1);
		}
	}
	free(s);
	return ret;
}

int
conf_load(void)
{
	const char *file = getenv("PIECES_CONFIG"), *env;

	if (cf.loaded)
		return cf.ret;
	cf.loaded = 1;
	cf.ret = -1;
	if ((env = getenv("PIECES_MIRRORS")) && *env && envmirrors(env) < 0)
		return -1;
	if (readconf(file && *file ? file : "/etc/pieces/config", file && *file) < 0)
		return -1;
	if ((env = getenv("PIECES_TIMEOUT")) && *env && seconds(env, "PIECES_TIMEOUT") < 0)
		return -1;
	return cf.ret = 0;
}

const char *
conf_mirror(const char *url, size_t *n)
{
	size_t i;

	for (i = 0; i < cf.nmirror; i++)
		if (!strncmp(url, cf.mirror[i].from, (*n = strlen(cf.mirror[i].from))))
			return cf.mirror[i].to;
	*n = 0;
	return NULL;
}

const char *
conf_auth(const char *host, const char *port)
{
	char hp[300];
	size_t i;

	snprintf(hp, sizeof(hp), "%s:%s", host, port);
	for (i = 0; i < cf.nauth; i++)
		if (!strcasecmp(cf.auth[i].from, host) || !strcasecmp(cf.auth[i].from, hp))
			return cf.auth[i].to;
	return NULL;
}

const char *
conf_cafile(void)
{
	return cf.cafile;
}

int
conf_timeout(void)
{
	return cf.timeout;
}

/* ---- the credentials file ---- */

const char *
conf_authfile(void)
{
	const char *f = getenv("PIECES_AUTH");

	return f && *f ? f : "/etc/pieces/auth";
}

/* forthis says whether line is the credentials line of domain */
static int
forthis(const char *line, const char *domain)
{
	size_t n = strlen(domain);

	return !strncmp(line, domain, n) && line[n] == ' ';
}

int
conf_cred(const char *file, const char *domain, char *cred)
{
	char *buf, *p, *line, *v;
	int missing, found = 0;

	if (!file)
		file = conf_authfile();
	if (!(buf = readsecret(file, &missing)))
		return missing ? 0 : -1;
	for (p = buf; *p && !found; ) {
		if (!forthis(line = nextline(&p), domain))
			continue;
		v = line + strlen(domain) + 1;
		if (strlen(v) >= CREDMAX || !strchr(v, ':')) {
			weprintf("%s: credentials for %s: want 'DOMAIN USER:PASSWORD'", file, domain);
			found = -1;
		} else {
			strcpy(cred, v);
			found = 1;
		}
	}
	burn(buf);
	return found;
}

/* mkparent makes the directory file is to go in, if it is missing (warned) */
static void
mkparent(const char *file)
{
	char *dir = estrdup(file), *slash = strrchr(dir, '/');

	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			weprintf("%s: mkdir:", dir);
	}
	free(dir);
}

/*
 * credlines writes into a new buffer of CONFIGMAX + 1 bytes the lines of
 * old (NULL: none) but domain's, then domain's new one: its length, or -1
 * (reported) if that passes CONFIGMAX, which the next read would refuse
 */
static long
credlines(char *old, const char *file, const char *domain, const char *cred, char **out)
{
	char *p, *line;
	size_t len = 0, n;

	*out = emalloc(CONFIGMAX + 1);
	for (p = old; p && *p; ) {
		line = nextline(&p);
		if (!*line || forthis(line, domain))
			continue;
		/* old came under CONFIGMAX: its lines fit */
		len += snprintf(*out + len, CONFIGMAX + 1 - len, "%s\n", line);
	}
	n = strlen(domain) + strlen(cred) + 2;
	if (len + n > CONFIGMAX) {
		weprintf("%s: larger than CONFIGMAX (%d bytes) with %s's line", file, CONFIGMAX,
		         domain);
		return -1;
	}
	len += snprintf(*out + len, CONFIGMAX + 1 - len, "%s %s\n", domain, cred);
	return len;
}

int
conf_credstage(const char *domain, const char *user, const char *password, char *tmp)
{
	const char *file = conf_authfile();
	char cred[CREDMAX], *old, *out = NULL;
	long len;
	int fd, missing, ret = -1;

	if ((size_t)snprintf(tmp, PATHMAX, "%s.%ld", file, (long)getpid()) >= PATHMAX) {
		weprintf("%s: path longer than PATHMAX", file);
		return -1;
	}
	if (!(old = readsecret(file, &missing)) && !missing)
		return -1;
	mkparent(file);
	snprintf(cred, sizeof(cred), "%s:%s", user, password);
	if ((len = credlines(old, file, domain, cred, &out)) < 0)
		goto out;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		weprintf("%s:", tmp);
	} else if (writeall(fd, out, len) < 0 || fsync(fd) < 0 || close(fd) < 0) {
		weprintf("%s:", tmp);
		(void)unlink(tmp);
	} else {
		ret = 0;
	}
out:
	explicit_bzero(cred, sizeof(cred));
	burn(old);
	burn(out);
	return ret;
}

int
conf_credend(const char *tmp, int keep)
{
	const char *file = conf_authfile();

	if (!keep) {
		(void)unlink(tmp);
		return 0;
	}
	if (rename(tmp, file) < 0) {
		weprintf("%s: rename:", file);
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}
