/* See LICENSE file for copyright and license details. */
/*
 * What images and inspect print: the store's images as a Docker user
 * reads them.
 *
 * An image's name for people is its ref, the name it was given as
 * written (store_ref).  REPOSITORY is the ref up to its tag, TAG what
 * follows the last ':' after the last '/': "latest" if there is none, as
 * Docker reads a name without one, "<none>" for a reference by digest
 * alone.  A pull records no ref: its source is its canonical reference
 * (docker.io/library/alpine:3.20), shown as it is, as Podman shows what
 * it pulled; Docker's shorter "alpine" would hide which registry it came
 * from.  An image of a store older than the ref line shows its store
 * name and "latest", not Docker's "<none>", which says an image has no
 * name left and may go: alpine-3.18:latest is a name run takes, and it
 * finds that very image (reg_name drops ":latest").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pieces.h"

/* pulled says whether m's source is a registry reference in full, as
 * reg_pull records it; no tarball's (a path, a URL, "stdin") is one */
static int
pulled(const struct meta *m)
{
	char canon[REFMAX + 80];
	struct ref r;

	if (reg_parse(m->source, &r))
		return 0;
	reg_canon(&r, canon, sizeof(canon));
	return !strcmp(canon, m->source);
}

/* naming splits what m is called into repo and tag, REFMAX bytes each */
static void
naming(const struct meta *m, char *repo, char *tag)
{
	const char *ref = *m->ref ? m->ref : pulled(m) ? m->source : NULL;
	const char *p, *colon = NULL, *end;

	if (!ref) {
		snprintf(repo, REFMAX, "%s", m->name);
		strcpy(tag, "latest");
		return;
	}
	end = ref + strcspn(ref, "@");
	for (p = ref; p < end; p++)
		if (*p == '/')
			colon = NULL;
		else if (*p == ':')
			colon = p;
	if (colon) {
		snprintf(repo, REFMAX, "%.*s", (int)(colon - ref), ref);
		snprintf(tag, REFMAX, "%.*s", (int)(end - colon - 1), colon + 1);
	} else {
		snprintf(repo, REFMAX, "%.*s", (int)(end - ref), ref);
		strcpy(tag, *end ? "<none>" : "latest");
	}
}

/* one matches c against the item at pat of a pattern: what follows the
 * item, or NULL if c is not what it stands for */
static const char *
one(const char *p, unsigned char c)
{
	unsigned char lo, hi;
	int neg, hit = 0;

	if (*p == '?')
		return c == '/' ? NULL : p + 1;
	if (*p == '\\' && p[1])
		return (unsigned char)p[1] == c ? p + 2 : NULL;
	if (*p != '[')
		return *p && (unsigned char)*p == c ? p + 1 : NULL;
	if (c == '/')
		return NULL;
	neg = p[1] == '^';
	for (p += 1 + neg; *p != ']'; ) {
		if (!*p)
			return NULL;	/* no ']': a pattern that matches nothing */
		lo = hi = *p == '\\' && p[1] ? *++p : *p;
		if (*++p == '-' && p[1] && p[1] != ']') {
			hi = p[1] == '\\' && p[2] ? *(p += 2) : *++p;
			p++;
		}
		hit |= lo <= c && c <= hi;
	}
	return hit != neg ? p + 1 : NULL;
}

/*
 * glob says whether s matches pat as Go's path.Match, which Docker's
 * filters use, has it: '*' any bytes but '/', '?' one, [a-z] and [^a-z]
 * classes, '\' quoting.  fnmatch would do, but brings the C library's
 * wide-character tables (20 KiB).  Backtracking to the last '*' only
 * keeps it to length times length: a '*' can never cross a '/', which
 * nothing but a '/' matches, so an earlier one has nothing to give.
 */
static int
glob(const char *pat, const char *s)
{
	const char *star = NULL, *from = NULL, *next;

	while (*s) {
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			star = pat;
			from = s;
		} else if ((next = one(pat, *s))) {
			pat = next;
			s++;
		} else if (!star || *from == '/') {
			return 0;
		} else {
			pat = star;
			s = ++from;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

/*
 * matches says whether pat, a name or a pattern (glob), names the image
 * called name in the store, repo and tag by naming: any of those,
 * REPOSITORY:TAG, or either as Docker reads it, so that alpine is
 * docker.io/library/alpine and the other way round
 */
static int
matches(const char *pat, const char *name, const char *repo, const char *tag)
{
	char full[2 * REFMAX], canon[sizeof(((struct ref *)0)->domain) + REFMAX];
	char cs[sizeof(canon) + 136], fs[sizeof(canon) + 136];
	const char *cand[7] = { name, repo }, *fam;
	int tagged = strcmp(tag, "<none>");
	size_t n = 2, i;
	struct ref r;

	snprintf(full, sizeof(full), "%s:%s", repo, tag);
	if (tagged)
		cand[n++] = full;
	if (!reg_parse(tagged ? full : repo, &r)) {
		/* Docker's familiar name drops docker.io/ and library/ */
		snprintf(canon, sizeof(canon), "%s/%s", r.domain, r.repo);
		fam = strcmp(r.domain, "docker.io") ? canon :
		      r.repo + (strncmp(r.repo, "library/", 8) ? 0 : 8);
		cand[n++] = canon;
		cand[n++] = fam;
		snprintf(cs, sizeof(cs), "%s:%s", canon, r.tag);
		snprintf(fs, sizeof(fs), "%s:%s", fam, r.tag);
		if (tagged) {
			cand[n++] = cs;
			cand[n++] = fs;
		}
	}
	for (i = 0; i < n; i++)
		if (glob(pat, cand[i]))
			return 1;
	return 0;
}

/* a line of the table: its cells, and what it is sorted by */
enum { REPO, TAG, ID, CREATED, SIZE, SOURCE, NCOL };

struct row {
	char *cell[NCOL];
	char *name;
	time_t created;
};

/* newest first, as Docker's; then by store name */
static int
cmprow(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* fill makes the row of m, if pat (NULL: any) names it: 1, else 0 */
static int
fill(struct row *w, const struct meta *m, const char *pat, int flags)
{
	char repo[REFMAX], tag[REFMAX], buf[sizeof(m->digest) + 16];
	const char *id = *m->digest ? m->digest : "<none>";

	naming(m, repo, tag);
	if (pat && !matches(pat, m->name, repo, tag))
		return 0;
	memset(w, 0, sizeof(*w));
	w->name = estrdup(m->name);
	w->created = m->created;
	w->cell[REPO] = estrdup(repo);
	w->cell[TAG] = estrdup(tag);
	/* Docker's short ID: twelve digits of the digest */
	if (!(flags & SHOW_NOTRUNC) && !strncmp(id, "sha256:", 7))
		snprintf(buf, sizeof(buf), "%.12s", id + 7);
	else
		snprintf(buf, sizeof(buf), "%s", id);
	w->cell[ID] = estrdup(buf);
	fmtago(buf, sizeof(buf), m->created);
	w->cell[CREATED] = estrdup(buf);
	w->cell[SIZE] = estrdup(fmtsize(buf, sizeof(buf), m->size));
	w->cell[SOURCE] = estrdup(m->source);
	return 1;
}

/* showtable prints the first ncol columns of the rows under their heads */
static void
showtable(struct row *rows, size_t n, int ncol)
{
	static const char *head[NCOL] = {
		"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SOURCE"
	};
	char **cells = ecalloc(n * NCOL + 1, sizeof(*cells));
	size_t i;

	for (i = 0; i < n; i++)
		memcpy(cells + i * NCOL, rows[i].cell, sizeof(rows[i].cell));
	fmttable(head, ncol, NCOL, cells, n);
	free(cells);
}

int
show_images(struct store *s, const char *pat, int flags)
{
	struct row *rows = NULL;
	struct meta m;
	char **names;
	size_t n = 0, i;
	int c, ret = 0;

	if (store_names(s, &names) < 0)
		return -1;
	for (i = 0; names && names[i]; i++) {
		if (store_meta(s, names[i], &m) < 0) {
			/* one removed since the listing is no longer there */
			if (errno != ENOENT) {
				weprintf("%s/images/%s/meta:", s->root, names[i]);
				ret = -1;
			}
			continue;
		}
		rows = erealloc(rows, (n + 1) * sizeof(*rows));
		n += fill(&rows[n], &m, pat, flags);
		meta_free(&m);
	}
	if (n)
		qsort(rows, n, sizeof(*rows), cmprow);
	if (flags & SHOW_QUIET)
		for (i = 0; i < n; i++)
			printf("%s\n", rows[i].name);
	else
		showtable(rows, n, flags & SHOW_NOTRUNC ? NCOL : SOURCE);
	for (i = 0; i < n; i++) {
		for (c = 0; c < NCOL; c++)
			free(rows[i].cell[c]);
		free(rows[i].name);
	}
	free(rows);
	vfree(names);
	return ret;
}

/*
 * inspect's image, as Docker's docker inspect names its fields: a tree of
 * fields (each a member of the object "in"), the same for the JSON and
 * for -f's templates
 */
enum { V_STR, V_NUM, V_LIST, V_MAP, V_SET, V_OBJ };

enum {
	F_ROOT, F_ID, F_NAME, F_TAGS, F_DIGESTS, F_SOURCE, F_DIGEST, F_CREATED, F_SIZE,
	F_CONFIG, F_USER, F_WORKDIR, F_ENV, F_ENTRY, F_CMD, F_LABELS, F_PORTS, NFIELD
};

static const struct field {
	const char *name;
	int in, type;
} fields[NFIELD] = {
	[F_ROOT] = { ".", -1, V_OBJ },
	[F_ID] = { "Id", F_ROOT, V_STR },
	[F_NAME] = { "Name", F_ROOT, V_STR },
	[F_TAGS] = { "RepoTags", F_ROOT, V_LIST },
	[F_DIGESTS] = { "RepoDigests", F_ROOT, V_LIST },
	[F_SOURCE] = { "Source", F_ROOT, V_STR },
	[F_DIGEST] = { "Digest", F_ROOT, V_STR },
	[F_CREATED] = { "Created", F_ROOT, V_STR },
	[F_SIZE] = { "Size", F_ROOT, V_NUM },
	[F_CONFIG] = { "Config", F_ROOT, V_OBJ },
	[F_USER] = { "User", F_CONFIG, V_STR },
	[F_WORKDIR] = { "WorkingDir", F_CONFIG, V_STR },
	[F_ENV] = { "Env", F_CONFIG, V_LIST },
	[F_ENTRY] = { "Entrypoint", F_CONFIG, V_LIST },
	[F_CMD] = { "Cmd", F_CONFIG, V_LIST },
	[F_LABELS] = { "Labels", F_CONFIG, V_MAP },
	[F_PORTS] = { "ExposedPorts", F_CONFIG, V_SET },
};

/* an image as inspect shows it: its metadata, and what is made of it */
struct view {
	const struct meta *m;
	char created[32];
	char tag[2 * REFMAX + 8], dig[REFMAX + 88];
	char *tags[2], *digests[2];	/* RepoTags, RepoDigests: [] or one */
};

/* view fills w for m */
static void
view(struct view *w, const struct meta *m)
{
	char repo[REFMAX], tag[REFMAX];
	struct tm tm;

	memset(w, 0, sizeof(*w));
	w->m = m;
	gmtime_r(&m->created, &tm);
	strftime(w->created, sizeof(w->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	naming(m, repo, tag);
	if (strcmp(tag, "<none>")) {
		snprintf(w->tag, sizeof(w->tag), "%s:%s", repo, tag);
		w->tags[0] = w->tag;
	}
	/* a pull's digest is its manifest's: the one to pull it again by */
	if (!*m->ref && pulled(m) && *m->digest) {
		snprintf(w->dig, sizeof(w->dig), "%s@%s", repo, m->digest);
		w->digests[0] = w->dig;
	}
}

/* a field's value in w: its string, number, or list (NULL: null) */
struct val {
	const char *s;
	uint64_t n;
	char **v;
};

static struct val
value(const struct view *w, int f)
{
	const struct meta *m = w->m;
	struct val v = { 0 };

	switch (f) {
	case F_ID: case F_DIGEST: v.s = m->digest; break;
	case F_NAME: v.s = m->name; break;
	case F_TAGS: v.v = (char **)w->tags; break;
	case F_DIGESTS: v.v = (char **)w->digests; break;
	case F_SOURCE: v.s = m->source; break;
	case F_CREATED: v.s = w->created; break;
	case F_SIZE: v.n = m->size; break;
	case F_USER: v.s = m->user; break;
	case F_WORKDIR: v.s = m->workdir; break;
	case F_ENV: v.v = m->env; break;
	case F_ENTRY: v.v = m->entrypoint; break;
	case F_CMD: v.v = m->cmd; break;
	case F_LABELS: v.v = m->label; break;
	case F_PORTS: v.v = m->expose; break;
	}
	return v;
}

/* keylen is the length of the key of a map's "K=V" or a set's "K" */
static size_t
keylen(const char *kv)
{
	return strcspn(kv, "=");
}

static int
cmpkey(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t n = keylen(x), k = keylen(y);
	int r = memcmp(x, y, MIN(n, k));

	return r ? r : (n > k) - (n < k);
}

/* sorted returns a new copy of the list of pointers v, by key, as Go
 * prints a map's members */
static char **
sorted(char **v)
{
	size_t n = 0;
	char **s;

	while (v[n])
		n++;
	s = ecalloc(n + 1, sizeof(*s));
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmpkey);
	return s;
}

/* jstr prints the n bytes of s as a JSON string */
static void
jstr(FILE *f, const char *s, size_t n)
{
	char *t = emalloc(n + 1), *o = emalloc(6 * n + 3);

	memcpy(t, s, n);
	t[n] = '\0';
	*json_quote(o, t) = '\0';
	fputs(o, f);
	free(o);
	free(t);
}

/* nl starts a line at depth, as Go's json.Indent with four spaces;
 * at depth -1 (compact, as json.Marshal) nothing */
static void
nl(FILE *f, int depth)
{
	if (depth >= 0)
		fprintf(f, "\n%*s", 4 * depth, "");
}

/* deeper is the depth inside one at depth */
static int
deeper(int depth)
{
	return depth < 0 ? depth : depth + 1;
}

/* jlist prints v of type t (V_LIST, V_MAP, V_SET) as JSON */
static void
jlist(FILE *f, char **v, int t, int depth)
{
	const char *val;
	char **s, **p;
	size_t k;

	if (!v || !*v) {
		fputs(!v ? "null" : t == V_LIST ? "[]" : "{}", f);
		return;
	}
	s = t == V_LIST ? v : sorted(v);
	fputc(t == V_LIST ? '[' : '{', f);
	for (p = s; *p; p++) {
		fputs(p == s ? "" : ",", f);
		nl(f, deeper(depth));
		k = t == V_LIST ? strlen(*p) : keylen(*p);
		jstr(f, *p, k);
		if (t != V_LIST)
			fputs(depth >= 0 ? ": " : ":", f);
		val = (*p)[k] ? *p + k + 1 : "";
		if (t == V_MAP)
			jstr(f, val, strlen(val));
		else if (t == V_SET)
			fputs("{}", f);
	}
	nl(f, depth);
	fputc(t == V_LIST ? ']' : '}', f);
	if (s != v)
		free(s);
}

/* jfield prints field fld of w as JSON, an object's members in order */
static void
jfield(FILE *f, const struct view *w, int fld, int depth)
{
	struct val v = value(w, fld);
	int i, first = 1;

	switch (fields[fld].type) {
	case V_STR:
		jstr(f, v.s, strlen(v.s));
		break;
	case V_NUM:
		fprintf(f, "%llu", (unsigned long long)v.n);
		break;
	case V_OBJ:
		fputc('{', f);
		for (i = 0; i < NFIELD; i++) {
			if (fields[i].in != fld)
				continue;
			fputs(first ? "" : ",", f);
			first = 0;
			nl(f, deeper(depth));
			fprintf(f, "\"%s\":%s", fields[i].name, depth >= 0 ? " " : "");
			jfield(f, w, i, deeper(depth));
		}
		nl(f, depth);
		fputc('}', f);
		break;
	default:
		jlist(f, v.v, fields[fld].type, depth);
	}
}

/*
 * inspect -f: a template as Go's text/template writes them, for the forms
 * people type: {{.Field}} and {{.Config.Field}} (a map's member too,
 * {{.Config.Labels.key}}), {{json .Field}}, {{index .Field "key"}} or
 * {{index .Field 0}}, with the text around them kept.  Values print as Go
 * prints them: a list as [a b], a map as map[k:v], an object as {v ...}.
 * A template is checked whole before any image is shown, every field
 * against the table above, so a misspelt one is an error naming it.
 */
enum { T_TEXT, T_FIELD, T_JSON, T_INDEX };

struct item {
	int kind;
	const char *s;			/* T_TEXT: its bytes, len of them; else the action */
	size_t len;
	int fld;			/* the field */
	const char *key;		/* a map's member: {{.M.key}} or index's "key" */
	size_t keylen;
	long idx;			/* index's element of a list */
	int member;			/* key came as .M.key: "<no value>" if missing */
};

/* word takes the next word of an action, up to a blank or a quoted
 * string's end, into *w, *n */
static const char *
word(const char *p, const char *end, const char **w, size_t *n)
{
	const char *q;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	*w = p;
	if (p < end && (*p == '"' || *p == '`') && (q = memchr(p + 1, *p, end - p - 1)))
		p = q + 1;
	for (; p < end && *p != ' ' && *p != '\t'; p++)
		;
	*n = p - *w;
	return p;
}

/* path reads .A.B (or .) of n bytes at p into it: 0, or -1 (reported) */
static int
path(struct item *it, const char *p, size_t n)
{
	const char *end = p + n, *id;
	int f = F_ROOT, i;
	size_t k;

	if (!n || *p != '.')
		goto bad;
	for (p++; p < end; p = id + k + 1) {
		id = p;
		k = MIN(strcspn(id, "."), (size_t)(end - id));
		/* "..", or a '.' at the end */
		if (!k || id + k + 1 == end)
			goto bad;
		if (fields[f].type == V_MAP || fields[f].type == V_SET) {
			if (it->key)
				goto bad;
			it->key = id, it->keylen = k, it->member = 1;
			continue;
		}
		for (i = 0; i < NFIELD; i++)
			if (fields[i].in == f && strlen(fields[i].name) == k &&
			    !memcmp(fields[i].name, id, k))
				break;
		if (i == NFIELD) {
			weprintf("%.*s: no field %.*s", (int)it->len, it->s, (int)k, id);
			return -1;
		}
		f = i;
	}
	it->fld = f;
	return 0;
bad:
	weprintf("%.*s: want a field, as {{.Config.Cmd}}", (int)it->len, it->s);
	return -1;
}

/* key reads index's key, "key", `key` or a number, for its field: 0, or -1 */
static int
key(struct item *it, const char *w, size_t n)
{
	int t = fields[it->fld].type;
	char *end;

	if (it->key)
		return -1;
	if (t == V_LIST && n && w[0] >= '0' && w[0] <= '9') {
		it->idx = strtol(w, &end, 10);
		return end == w + n && n < 10 ? 0 : -1;
	}
	if ((t == V_MAP || t == V_SET) && n >= 2 && (*w == '"' || *w == '`') &&
	    w[n - 1] == *w && !memchr(w + 1, '\\', n - 2) && !memchr(w + 1, *w, n - 2)) {
		it->key = w + 1, it->keylen = n - 2;
		return 0;
	}
	return -1;
}

/* action reads the action it->s, "{{...}}", into it: 0, or -1 (reported) */
static int
action(struct item *it)
{
	const char *p = it->s + 2, *end = it->s + it->len - 2, *w, *arg;
	size_t n, an;

	p = word(p, end, &w, &n);
	it->kind = n == 4 && !memcmp(w, "json", 4) ? T_JSON :
	           n == 5 && !memcmp(w, "index", 5) ? T_INDEX : T_FIELD;
	if (it->kind != T_FIELD)
		p = word(p, end, &w, &n);
	if (n && *w != '.')
		goto unknown;
	if (path(it, w, n) < 0)
		return -1;
	p = word(p, end, &arg, &an);
	if (it->kind == T_INDEX && key(it, arg, an) < 0) {
		weprintf("%.*s: want {{index .List N}} or {{index .Map \"key\"}}",
		         (int)it->len, it->s);
		return -1;
	}
	if (it->kind == T_INDEX)
		p = word(p, end, &arg, &an);
	if (!an)
		return 0;
unknown:
	weprintf("%.*s: only {{.Field}}, {{json .Field}} and {{index .Field key}} "
	         "are understood", (int)it->len, it->s);
	return -1;
}

/* compile reads the template fmt into a new array of its items: their
 * count, or -1 (reported) */
static long
compile(const char *fmt, struct item **out)
{
	const char *p = fmt, *open, *close;
	struct item *it;
	long n = 0;

	if (strlen(fmt) > FORMATMAX) {
		weprintf("-f: template longer than FORMATMAX (%d bytes)", FORMATMAX);
		return -1;
	}
	/* at most a text and an action for each "{{", and the text after */
	*out = it = ecalloc(2 * (strlen(fmt) / 2) + 2, sizeof(*it));
	for (; *p; p = close + 2) {
		if (!(open = strstr(p, "{{")))
			open = p + strlen(p);
		if (open > p)
			it[n++] = (struct item){ .kind = T_TEXT, .s = p, .len = open - p };
		if (!*open)
			break;
		if (!(close = strstr(open + 2, "}}"))) {
			weprintf("%.40s: no closing }}", open);
			goto fail;
		}
		it[n] = (struct item){ .kind = T_FIELD, .s = open, .len = close + 2 - open };
		if (action(&it[n++]) < 0)
			goto fail;
	}
	return n;
fail:
	free(*out);
	*out = NULL;
	return -1;
}

/* text prints field fld of w as Go's templates print a value */
static void
text(FILE *f, const struct view *w, int fld)
{
	struct val v = value(w, fld);
	int t = fields[fld].type, i, first = 1;
	char **s, **p;
	size_t k;

	if (t == V_STR) {
		fputs(v.s, f);
	} else if (t == V_NUM) {
		fprintf(f, "%llu", (unsigned long long)v.n);
	} else if (t == V_OBJ) {
		fputc('{', f);
		for (i = 0; i < NFIELD; i++)
			if (fields[i].in == fld) {
				fputs(first ? "" : " ", f);
				first = 0;
				text(f, w, i);
			}
		fputc('}', f);
	} else {
		fputs(t == V_LIST ? "[" : "map[", f);
		s = !v.v || t == V_LIST ? v.v : sorted(v.v);
		for (p = s; p && *p; p++) {
			k = keylen(*p);
			if (t == V_LIST)
				fprintf(f, "%s%s", p == s ? "" : " ", *p);
			else
				fprintf(f, "%s%.*s:%s", p == s ? "" : " ", (int)k, *p,
				        t == V_SET ? "{}" : (*p)[k] ? *p + k + 1 : "");
		}
		fputc(']', f);
		if (s != v.v)
			free(s);
	}
}

/* member finds the member key of the list v (a map's or a set's) */
static const char *
member(char **v, const char *key, size_t n)
{
	for (; v && *v; v++)
		if (keylen(*v) == n && !memcmp(*v, key, n))
			return *v;
	return NULL;
}

/* item prints it for w: 0, or -1 if an index is out of range, printing
 * nothing (with f NULL, only that is checked) */
static int
item(FILE *f, const struct item *it, const struct view *w)
{
	struct val v = value(w, it->fld);
	const char *kv, *s;
	long n = 0;

	if (it->kind == T_TEXT) {
		if (f)
			fwrite(it->s, 1, it->len, f);
		return 0;
	}
	if (!it->key && it->kind != T_INDEX) {
		if (f && it->kind == T_JSON)
			jfield(f, w, it->fld, -1);
		else if (f)
			text(f, w, it->fld);
		return 0;
	}
	if (!it->key) {
		while (v.v && v.v[n])
			n++;
		if (it->idx >= n)
			return -1;
		s = v.v[it->idx];
	} else if ((kv = member(v.v, it->key, it->keylen))) {
		s = fields[it->fld].type == V_SET ? "{}" : kv[it->keylen] ? kv + it->keylen + 1 : "";
	} else {
		/* Go: a missing member is no value, index's the zero value */
		s = it->member ? NULL : fields[it->fld].type == V_SET ? "{}" : "";
	}
	if (!f)
		return 0;
	if (it->kind == T_JSON && !s)
		fputs("null", f);
	else if (it->kind == T_JSON)
		jstr(f, s, strlen(s));
	else
		fputs(s ? s : "<no value>", f);
	return 0;
}

/* format prints w by the n items of a template and a newline: 0, or -1
 * (reported, nothing printed) if one cannot be */
static int
format(const struct item *it, long n, const struct view *w)
{
	long i;

	for (i = 0; i < n; i++)
		if (item(NULL, &it[i], w) < 0) {
			weprintf("%s: %.*s: index %ld out of range", w->m->name, (int)it[i].len,
			         it[i].s, it[i].idx);
			return -1;
		}
	for (i = 0; i < n; i++)
		item(stdout, &it[i], w);
	putchar('\n');
	return 0;
}

/* lookup reads the metadata of the image arg names into m: 0, or -1 (reported) */
static int
lookup(struct store *s, const char *arg, struct meta *m)
{
	char name[NAMEMAX];

	if (image_name(arg, name) < 0)
		return -1;
	if (s->imgfd < 0 || store_meta(s, name, m) < 0) {
		weprintf(s->imgfd < 0 || errno == ENOENT ? "%s: no such image" : "%s:", name);
		return -1;
	}
	return 0;
}

int
show_inspect(struct store *s, char **args, int n, const char *fmt)
{
	struct item *it = NULL;
	struct view w;
	struct meta m;
	long nit = 0;
	int i, shown = 0, ret = 0;

	if (fmt && (nit = compile(fmt, &it)) < 0)
		return -1;
	if (!fmt)
		printf("[");
	for (i = 0; i < n; i++) {
		if (lookup(s, args[i], &m) < 0) {
			ret = -1;
			continue;
		}
		view(&w, &m);
		if (fmt && format(it, nit, &w) < 0)
			ret = -1;
		if (!fmt) {
			printf("%s\n    ", shown++ ? "," : "");
			jfield(stdout, &w, F_ROOT, 1);
		}
		meta_free(&m);
	}
	if (!fmt)
		printf("%s]\n", shown ? "\n" : "");
	free(it);
	return ret;
}
