/* See LICENSE file for copyright and license details. */
/*
 * Pulling images from OCI registries (the distribution API, v2).
 *
 * A pull reads the manifest of a reference: an image index (OCI) or
 * manifest list (Docker), from which the entry for this machine's
 * platform is chosen and read in turn, or an image manifest directly.
 * The manifest names the image config (a JSON blob: environment, command,
 * working directory, user, and the diff_ids, the digests of the layers
 * uncompressed) and the layers, tar streams applied in order, with their
 * whiteouts, into one tree.
 *
 * Everything a registry sends is checked before it is used.  Manifests
 * and configs are read whole under JSONMAX and hashed: one fetched by
 * digest must have that digest, one fetched by tag must have the digest
 * the registry claims in Docker-Content-Digest.  Layers are hashed as
 * they stream, compressed (against the manifest's digest and size, so an
 * endless blob stops at its size) and uncompressed (against the config's
 * diff_id), and a layer counts only once both matched.  The image is
 * built in a store work tree and appears only when every layer passed;
 * any failure leaves the store as it was.  Layer blobs are kept in the
 * store's blob cache by digest, so images sharing a base download it
 * once, and a repeated pull of an unchanged tag costs one request: the
 * manifest, whose digest is the one recorded with the image.
 *
 * Authentication follows the registry's 401 challenge (WWW-Authenticate):
 * Bearer sends us to a token service (realm, service, scope) for a token,
 * anonymous or with the credentials `pieces login` stored; Basic takes
 * those credentials directly.  The token goes only to the registry's own
 * host: http.c drops it on a redirect to blob storage elsewhere.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "pieces.h"

#define CHALLENGEMAX	2048		/* a WWW-Authenticate header */

static const char accept[] = MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", "
	MT_DOCKER_V2;

/* a pull in progress: where it goes and how it authenticates */
struct sess {
	struct ref r;
	char text[REFMAX];		/* the reference, to print */
	char authz[AUTHMAX];		/* "Bearer TOKEN" or "Basic ...", or "" */
	const char *cafile;
	int flags;
	int pinged;			/* /v2/ was asked, its challenge answered */
	const char *authpath;		/* the credentials file, if not conf_authfile() */
};

/* ---- requests ---- */

/* basic makes "Basic BASE64(cred)" in out (AUTHMAX) */
static void
basic(char *out, const char *cred)
{
	strcpy(out, "Basic ");
	http_base64(out + 6, (const unsigned char *)cred, strlen(cred));
}

/* printable copies the printable ASCII of s into buf, for messages */
static char *
printable(char *buf, size_t len, const char *s)
{
	size_t i = 0;

	for (; *s && i + 1 < len; s++)
		buf[i++] = *s >= ' ' && *s < 0x7f ? *s : '?';
	buf[i] = '\0';
	return buf;
}

/*
 * slurp reads h's body, at most max bytes, into a new buffer (*len
 * bytes, NUL after) and its SHA-256 into hex: the buffer, or NULL
 * (reported, naming what).
 */
static char *
slurp(struct http *h, const char *what, size_t max, size_t *len, char *hex)
{
	struct sha256 c;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	ssize_t r;

	/* JSON documents are small: no server may take hours over one */
	http_deadline(h);
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				weprintf("%s: larger than %zu bytes", what, max);
				free(buf);
				return NULL;
			}
			cap = cap ? MIN(cap * 2, max + 1) : MIN(max + 1, 64 << 10);
			buf = erealloc(buf, cap + 1);
		}
		if ((r = http_read(h, buf + n, cap - n)) < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += r;
	}
	if (n > max) {
		weprintf("%s: larger than %zu bytes", what, max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	sha256_init(&c);
	sha256_update(&c, buf, n);
	sha256_hex(&c, hex);
	*len = n;
	return buf;
}

/* param finds the parameter key of a challenge ("k=v, k2="v2"") into buf */
static int
param(const char *ch, const char *key, char *buf, size_t len)
{
	const char *p = ch, *k, *v;
	size_t kl, i;

	while (*p) {
		p += strspn(p, " \t,");
		k = p;
		p += strcspn(p, "= \t,");
		kl = p - k;
		if (*p != '=')
			return -1;
		v = ++p;
		i = 0;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				if (i + 1 < len)
					buf[i++] = *p;
			}
			if (*p++ != '"')
				return -1;
		} else {
			p += strcspn(p, " \t,");
			for (; v < p && i + 1 < len; v++)
				buf[i++] = *v;
		}
		buf[i] = '\0';
		if (kl == strlen(key) && !strncasecmp(k, key, kl))
			return i + 1 < len ? 0 : -1;
	}
	*buf = '\0';
	return 0;
}

/* urlenc appends s to buf (len bytes), percent-encoded */
static int
urlenc(char *buf, size_t len, const char *s)
{
	/* RFC 3986's unreserved characters go as they are */
	static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-._~";
	size_t n = strlen(buf);

	for (; *s; s++) {
		if (n + 4 >= len)
			return -1;
		if (strchr(plain, *s))
			buf[n++] = *s;
		else
			n += snprintf(buf + n, 4, "%%%02X", (unsigned char)*s);
	}
	buf[n] = '\0';
	return 0;
}

/* tokenurl appends the service and scope parameters to url */
static int
tokenurl(char *url, size_t len, const char *service, const char *scope)
{
	if (*service && (strlen(url) + 9 >= len || !strcat(url, "service=") ||
	    urlenc(url, len, service) < 0))
		return -1;
	if (*scope && (strlen(url) + 8 >= len || !strcat(url, *service ? "&scope=" : "scope=") ||
	    urlenc(url, len, scope) < 0))
		return -1;
	return 0;
}

/*
 * token asks the Bearer challenge's realm for a token for the challenge's
 * service and scope (or the pull scope of our repository), with the
 * stored credentials if there are any, into s->authz.
 */
static int
token(struct sess *s, const char *ch)
{
	char realm[URLMAX / 2], service[256], scope[1024], url[URLMAX], cred[CREDMAX], hex[65], msg[128];
	char *body = NULL, auth[AUTHMAX];
	struct httpreq rq = { "application/json", NULL, HTTP_QUIET | HTTP_ANY };
	struct http *h = NULL;
	struct json *j = NULL;
	const char *t;
	size_t len;
	int r, ret = -1;

	if (param(ch, "realm", realm, sizeof(realm)) < 0 || !*realm ||
	    param(ch, "service", service, sizeof(service)) < 0 ||
	    param(ch, "scope", scope, sizeof(scope)) < 0) {
		weprintf("%s: bad Bearer challenge from %s", s->text, s->r.host);
		return -1;
	}
	if (!*scope && *s->r.repo)
		snprintf(scope, sizeof(scope), "repository:%s:pull", s->r.repo);
	snprintf(url, sizeof(url), "%s%s", realm, strchr(realm, '?') ? "&" : "?");
	if (tokenurl(url, sizeof(url), service, scope) < 0) {
		weprintf("%s: token URL longer than URLMAX", s->text);
		return -1;
	}
	if ((r = conf_cred(s->authpath, s->r.domain, cred)) < 0)
		return -1;
	if (r) {
		/* credentials go to the token service only over TLS */
		if (strncasecmp(realm, "https://", 8)) {
			explicit_bzero(cred, sizeof(cred));
			weprintf("%s: token service %s is not https: not sending credentials",
			         s->text, printable(msg, sizeof(msg), realm));
			return -1;
		}
		basic(auth, cred);
		explicit_bzero(cred, sizeof(cred));
		rq.auth = auth;
	}
	h = http_get(url, s->cafile, &rq);
	if (r)
		explicit_bzero(auth, sizeof(auth));
	if (!h)
		return -1;
	if (http_status(h) != 200) {
		weprintf("%s: token service %s: %d%s", s->text, printable(msg, sizeof(msg), realm),
		         http_status(h), http_status(h) == 401 ? r ? " (credentials refused)" :
		         " (no credentials: pieces login)" : "");
		goto out;
	}
	if (!(body = slurp(h, "token response", JSONMAX, &len, hex)) ||
	    !(j = json_parse("token response", body, len)))
		goto out;
	if (!(t = json_str(j, "token")) || !*t)
		t = json_str(j, "access_token");
	if (!t || !*t || strlen(t) + 8 > AUTHMAX || strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~+/=") != strlen(t)) {
		weprintf("%s: token service %s: no usable token", s->text,
		         printable(msg, sizeof(msg), realm));
		goto out;
	}
	snprintf(s->authz, sizeof(s->authz), "Bearer %s", t);
	explicit_bzero((char *)t, strlen(t));
	ret = 0;
out:
	json_free(j);
	if (body)
		explicit_bzero(body, len);
	free(body);
	http_close(h);
	return ret;
}

/* authorize answers h's 401 challenge into s->authz: 0, or -1 (reported) */
static int
authorize(struct sess *s, struct http *h)
{
	char ch[CHALLENGEMAX], cred[CREDMAX];
	int r;

	if (http_header(h, "www-authenticate", ch, sizeof(ch)) <= 0) {
		weprintf("%s: %s: 401 without a usable WWW-Authenticate challenge", s->text,
		         s->r.host);
		return -1;
	}
	if (!strncasecmp(ch, "Bearer ", 7))
		return token(s, ch + 7);
	if (strncasecmp(ch, "Basic", 5) || (ch[5] && ch[5] != ' ')) {
		weprintf("%s: %s: unsupported authentication '%.16s'", s->text, s->r.host, ch);
		return -1;
	}
	if ((r = conf_cred(s->authpath, s->r.domain, cred)) <= 0) {
		if (r == 0)
			weprintf("%s: %s wants credentials: pieces login %s", s->text, s->r.host,
			         s->r.domain);
		return -1;
	}
	basic(s->authz, cred);
	explicit_bzero(cred, sizeof(cred));
	return 0;
}

/*
 * apiget GETs path on the registry with our authorization, answering one
 * 401 challenge: the handle (any status), or NULL (reported).
 */
static struct http *
apiget(struct sess *s, const char *path, const char *acc)
{
	struct httpreq rq = { acc, NULL, s->flags | HTTP_ANY };
	char url[URLMAX];
	struct http *h;
	int tries;

	/* first the API root, as Docker does: its challenge gets the token
	 * before the manifest is asked for, which a 401 would otherwise
	 * cost a second request for (Docker Hub counts them) */
	if (!s->pinged) {
		s->pinged = 1;
		snprintf(url, sizeof(url), "https://%s/v2/", s->r.host);
		if (!(h = http_get(url, s->cafile, &rq)))
			return NULL;
		tries = http_status(h) == 401 && !http_moved(h) ? authorize(s, h) : 0;
		http_close(h);
		if (tries < 0)
			return NULL;
	}
	snprintf(url, sizeof(url), "https://%s/v2/%s", s->r.host, path);
	for (tries = 0; ; tries++) {
		rq.auth = *s->authz ? s->authz : NULL;
		if (!(h = http_get(url, s->cafile, &rq)))
			return NULL;
		/* a challenge is the registry's to make: one from where it
		 * redirected to (blob storage) would get its credentials */
		if (http_status(h) != 401 || tries || http_moved(h))
			return h;
		if (authorize(s, h) < 0) {
			http_close(h);
			return NULL;
		}
		http_close(h);
	}
}

/*
 * failed reports a registry's error response to what: the status and
 * the first message of its error document, if it sent one
 */
static void
failed(struct sess *s, struct http *h, const char *what)
{
	char hex[65], msg[256] = "", *body;
	struct json *j = NULL, *e;
	const char *m;
	size_t len;
	int st = http_status(h);

	if ((body = slurp(h, "error response", 64 << 10, &len, hex)) &&
	    (j = json_parse(NULL, body, len)) &&
	    (e = json_get(j, "errors")) && e->type == JSON_ARRAY && e->child &&
	    ((m = json_str(e->child, "message")) || (m = json_str(e->child, "code"))))
		printable(msg, sizeof(msg), m);
	json_free(j);
	free(body);
	if (st == 404)
		weprintf("%s: %snot found (404%s%s)", s->text, what, *msg ? ": " : "", msg);
	else
		weprintf("%s: %s%d%s%s%s", s->text, what, st, st == 401 ? " unauthorized" :
		         st == 403 ? " forbidden" : "", *msg ? ": " : "", msg);
}

/* ---- the pull ---- */

/*
 * fetch GETs the manifest ref (a tag or digest) of s's repository; want,
 * if set, is the digest it must have.  The body and its digest
 * ("sha256:HEX") come back in *buf, *len and dig, for the caller to free.
 */
static int
fetch(struct sess *s, const char *ref, const char *want, char **buf, size_t *len,
      char *dig, char *ctype)
{
	char path[URLMAX], what[REFMAX + 64], hex[65], dcd[128];
	struct http *h;
	int r;

	*buf = NULL;
	snprintf(path, sizeof(path), "%s/manifests/%s", s->r.repo, ref);
	if (!(h = apiget(s, path, accept)))
		return -1;
	if (http_status(h) != 200) {
		snprintf(what, sizeof(what), "manifest %s: ", ref);
		failed(s, h, what);
		http_close(h);
		return -1;
	}
	if (http_header(h, "content-type", ctype, DESCTYPEMAX) <= 0)
		*ctype = '\0';
	ctype[strcspn(ctype, "; ")] = '\0';
	r = http_header(h, "docker-content-digest", dcd, sizeof(dcd));
	snprintf(what, sizeof(what), "%s: manifest", s->text);
	*buf = slurp(h, what, JSONMAX, len, hex);
	http_close(h);
	if (!*buf)
		return -1;
	snprintf(dig, 72, "sha256:%s", hex);
	if (want && strcmp(want, dig)) {
		weprintf("%s: manifest %s: digest mismatch: got %s", s->text, want, dig);
		goto fail;
	}
	/* by tag, the registry's word is all we have: it must at least
	 * agree with what it sent */
	if (!want && r > 0 && !strncmp(dcd, "sha256:", 7) && strcmp(dcd, dig)) {
		weprintf("%s: manifest: digest mismatch: the registry says %.80s, got %s", s->text,
		         dcd, dig);
		goto fail;
	}
	return 0;
fail:
	free(*buf);
	*buf = NULL;
	return -1;
}

/* a blob on its way: counted and hashed as it arrives, copied to the cache */
struct blobin {
	struct hashin h;
	uint64_t size;
	const char *what;
};

static ssize_t
blobread(void *arg, void *buf, size_t n)
{
	struct blobin *b = arg;
	ssize_t r = hash_read(&b->h, buf, n);

	if (r > 0 && b->h.got > b->size) {
		weprintf("%s: more than the %llu bytes the manifest says", b->what,
		         (unsigned long long)b->size);
		return -1;
	}
	return r;
}

/*
 * open opens the blob d: from the cache, else from the registry with a
 * copy going to file in w (*fresh set).  It fills b's source.
 */
static int
blobopen(struct sess *s, struct store *st, struct work *w, const struct desc *d,
         const char *file, struct blobin *b, struct http **h, int *fd, int *fresh)
{
	char path[URLMAX], what[128];

	*h = NULL;
	*fresh = 0;
	if ((*fd = store_blob(st, d->digest + 7)) >= 0) {
		b->h.in = (struct reader){ fd_read, NULL };
		return 0;
	}
	snprintf(path, sizeof(path), "%s/blobs/%s", s->r.repo, d->digest);
	if (!(*h = apiget(s, path, NULL)))
		return -1;
	if (http_status(*h) != 200) {
		snprintf(what, sizeof(what), "blob %s: ", d->digest);
		failed(s, *h, what);
		return -1;
	}
	b->h.in = (struct reader){ http_read, *h };
	if (file && (b->h.copy = openat(w->fd, file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) < 0) {
		weprintf("%s/tmp/%s/%s:", st->root, w->name, file);
		return -1;
	}
	*fresh = 1;
	return 0;
}

/* layertype says whether a layer media type is one we apply */
static int
layertype(const char *what, const char *t)
{
	if (!strcmp(t, MT_OCI_LAYER) || !strcmp(t, MT_OCI_LAYER "+gzip") ||
	    !strcmp(t, MT_DOCKER_LAYER) ||
	    !strcmp(t, "application/vnd.oci.image.layer.nondistributable.v1.tar") ||
	    !strcmp(t, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"))
		return 0;
	if (strstr(t, "zstd"))
		weprintf("%s: zstd layers are not supported (%s)", what, t);
	else
		weprintf("%s: unknown media type '%.128s'", what, t);
	return -1;
}

/*
 * layer applies layer i (d, uncompressed digest diffid) to w, adding its
 * file bytes to *bytes; a blob downloaded now is left in w as layer.I,
 * verified, for the cache.  0, or -1 (reported).
 */
static int
layer(struct sess *s, struct store *st, struct work *w, size_t i, size_t n,
      const struct desc *d, const char *diffid, uint64_t *bytes, int *fresh)
{
	char what[REFMAX + 128], file[32], dig[72], path[PATHMAX];
	struct blobin b = { 0 };
	struct hashin u = { 0 };
	struct fdin in = { -1, path };
	struct http *h = NULL;
	struct gz *g = NULL;
	uint64_t got = 0;
	int ret = -1;

	snprintf(what, sizeof(what), "%s: layer %zu of %zu (%.19s)", s->text, i + 1, n, d->digest);
	snprintf(file, sizeof(file), "layer.%zu", i);
	if (layertype(what, d->type) < 0)
		return -1;
	b.h.copy = u.copy = -1;
	b.h.name = b.what = what;
	b.size = d->size;
	sha256_init(&b.h.sha);
	sha256_init(&u.sha);
	if (blobopen(s, st, w, d, file, &b, &h, &in.fd, fresh) < 0)
		goto out;
	if (in.fd >= 0) {
		snprintf(path, sizeof(path), "%s/blobs/sha256/%s", st->root, d->digest + 7);
		b.h.in.arg = &in;
	}
	if (!(g = gz_open((struct reader){ blobread, &b })))
		goto fail;
	u.in = (struct reader){ gz_reader, g };
	if (tar_extract(w->rootfd, (struct reader){ hash_read, &u }, TAR_LAYER, &got) < 0 ||
	    rd_drain((struct reader){ hash_read, &u }) < 0 ||
	    rd_drain((struct reader){ blobread, &b }) < 0)
		goto fail;
	ret = -2;
	*bytes += got;
	strcpy(dig, "sha256:");
	sha256_hex(&b.h.sha, dig + 7);
	if (b.h.got != d->size) {
		weprintf("%s: %llu bytes, but the manifest says %llu", what,
		         (unsigned long long)b.h.got, (unsigned long long)d->size);
		goto out;
	}
	if (strcmp(dig, d->digest)) {
		weprintf("%s: digest mismatch: got %s%s", what, dig,
		         in.fd >= 0 ? " from the cache (remove it)" : "");
		goto out;
	}
	sha256_hex(&u.sha, dig + 7);
	if (strcmp(dig, diffid)) {
		weprintf("%s: uncompressed digest mismatch: got %s, want diff_id %s", what, dig, diffid);
		goto out;
	}
	if (b.h.copy >= 0 && close(b.h.copy) < 0) {
		b.h.copy = -1;
		weprintf("%s/tmp/%s/%s:", st->root, w->name, file);
		goto out;
	}
	b.h.copy = -1;
	ret = 0;
	goto out;
fail:
	/* tar and gzip name the member or offset; this names the layer */
	if (ret == -1)
		weprintf("%s: refused", what);
out:
	gz_close(g);
	http_close(h);
	if (in.fd >= 0)
		close(in.fd);
	if (b.h.copy >= 0)
		close(b.h.copy);
	return ret < 0 ? -1 : 0;
}

/* configblob reads the config blob d (under JSONMAX) whole, checked, into a new buffer */
static char *
configblob(struct sess *s, const struct desc *d, size_t *len)
{
	char path[URLMAX], what[REFMAX + 32], hex[65], *buf;
	struct http *h;

	if (strcmp(d->type, MT_OCI_CONFIG) && strcmp(d->type, MT_DOCKER_CONFIG)) {
		weprintf("%s: not a container image: config of type '%.128s'", s->text, d->type);
		return NULL;
	}
	if (d->size > JSONMAX) {
		weprintf("%s: config larger than JSONMAX (%d bytes)", s->text, JSONMAX);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/blobs/%s", s->r.repo, d->digest);
	if (!(h = apiget(s, path, NULL)))
		return NULL;
	if (http_status(h) != 200) {
		snprintf(what, sizeof(what), "config %.19s: ", d->digest);
		failed(s, h, what);
		http_close(h);
		return NULL;
	}
	snprintf(what, sizeof(what), "%s: config", s->text);
	buf = slurp(h, what, d->size, len, hex);
	http_close(h);
	if (buf && (*len != d->size || strcmp(hex, d->digest + 7))) {
		weprintf("%s: config: digest mismatch: got sha256:%s (%zu bytes)", s->text, hex, *len);
		free(buf);
		return NULL;
	}
	return buf;
}

/* unpack reads the image manifest m: config into meta, layers into w */
static int
unpack(struct sess *s, struct store *st, const struct manifest *m, const char *name,
      struct meta *meta)
{
	char (*diffid)[72] = NULL, what[REFMAX + 32], file[32];
	struct work w;
	char *buf;
	size_t len, i;
	int *fresh = NULL, ret = -1;

	if (!(buf = configblob(s, &m->config, &len)))
		return -1;
	snprintf(what, sizeof(what), "%s: config", s->text);
	if (reg_config(what, buf, len, m->n, meta, &diffid) < 0) {
		free(buf);
		return -1;
	}
	free(buf);
	if (store_metaok(meta) < 0) {
		weprintf("%s: its metadata is larger than METAMAX (%d KiB)", what, METAMAX >> 10);
		goto out;
	}
	for (i = 0; i < m->n; i++)
		if (layertype(s->text, m->d[i].type) < 0)
			goto out;
	if (store_begin(st, name, &w) < 0)
		goto out;
	fresh = ecalloc(m->n + 1, sizeof(*fresh));
	for (i = 0; i < m->n; i++)
		if (layer(s, st, &w, i, m->n, &m->d[i], diffid[i], &meta->size, &fresh[i]) < 0) {
			store_abort(st, &w);
			goto out;
		}
	/* every layer matched: what was downloaded joins the cache */
	for (i = 0; i < m->n; i++) {
		snprintf(file, sizeof(file), "layer.%zu", i);
		if (fresh[i])
			(void)store_keep(st, &w, file, m->d[i].digest + 7);
	}
	ret = store_commit(st, &w, name, meta);
out:
	free(fresh);
	free(diffid);
	return ret;
}

/*
 * platform replaces the index m by the image manifest of its entry for
 * this machine: 0, or -1 (reported)
 */
static int
platform(struct sess *s, struct manifest *m)
{
	char dig[72], ctype[DESCTYPEMAX], what[REFMAX + 64], *buf;
	struct manifest idx = *m;
	size_t len;
	int i, r;

	memset(m, 0, sizeof(*m));
	if ((i = reg_select(s->text, &idx, ARCH_OCI, ARCH_VARIANT)) < 0)
		goto fail;
	snprintf(dig, sizeof(dig), "%s", idx.d[i].digest);
	if (idx.d[i].size > JSONMAX) {
		weprintf("%s: manifest %s larger than JSONMAX", s->text, dig);
		goto fail;
	}
	if (fetch(s, dig, dig, &buf, &len, dig, ctype) < 0)
		goto fail;
	snprintf(what, sizeof(what), "%s: manifest %.19s", s->text, dig);
	r = reg_manifest(what, buf, len, ctype, m);
	free(buf);
	if (r == 0 && m->index) {
		weprintf("%s: an index inside an index", what);
		reg_free(m);
		r = -1;
	}
	reg_free(&idx);
	return r;
fail:
	reg_free(&idx);
	return -1;
}

/* uptodate says whether image name is ref at manifest digest dig */
static int
uptodate(struct store *st, const char *name, const char *canon, const char *dig)
{
	struct meta old;
	int r;

	if (store_meta(st, name, &old) < 0)
		return 0;
	r = !strcmp(old.source, canon) && !strcmp(old.digest, dig);
	meta_free(&old);
	return r;
}

int
reg_pull(struct store *st, const char *ref, const char *name, const char *cafile, int flags)
{
	char canon[REFMAX + 80], dig[72], ctype[DESCTYPEMAX], what[REFMAX + 32];
	char store[NAMEMAX];
	struct manifest m = { 0 };
	struct meta meta = { 0 };
	struct sess *s = ecalloc(1, sizeof(*s));
	const char *why;
	char *buf = NULL;
	size_t len;
	int ret = -1;

	s->cafile = cafile;
	s->flags = flags;
	snprintf(s->text, sizeof(s->text), "%s", ref);
	if ((why = reg_parse(ref, &s->r))) {
		weprintf("%.*s: %s", REFMAX, ref, why);
		goto out;
	}
	reg_canon(&s->r, canon, sizeof(canon));
	if (!name && reg_name(&s->r, store, sizeof(store)) < 0) {
		weprintf("%s: store name longer than NAMEMAX (%d)", ref, NAMEMAX - 1);
		goto out;
	}
	name = name ? name : store;
	if (store_name(name) < 0 || image_holds(st, name, canon) < 0)
		goto out;
	/* by digest, an image that has it needs no request at all */
	if (*s->r.digest && uptodate(st, name, canon, s->r.digest)) {
		weprintf("%s: up to date (%s)", name, s->r.digest);
		ret = 0;
		goto out;
	}
	if (fetch(s, *s->r.digest ? s->r.digest : s->r.tag, *s->r.digest ? s->r.digest : NULL,
	    &buf, &len, dig, ctype) < 0)
		goto out;
	if (uptodate(st, name, canon, dig)) {
		weprintf("%s: up to date (%s)", name, dig);
		ret = 0;
		goto out;
	}
	snprintf(what, sizeof(what), "%s: manifest", s->text);
	if (reg_manifest(what, buf, len, ctype, &m) < 0 || (m.index && platform(s, &m) < 0))
		goto out;
	snprintf(meta.source, sizeof(meta.source), "%s", canon);
	snprintf(meta.digest, sizeof(meta.digest), "%s", dig);
	if (unpack(s, st, &m, name, &meta) < 0)
		goto out;
	ret = 0;
out:
	meta_free(&meta);
	reg_free(&m);
	free(buf);
	explicit_bzero(s->authz, sizeof(s->authz));
	free(s);
	return ret;
}

int
reg_login(const char *domain, const char *user, char *password, const char *cafile)
{
	char path[PATHMAX];
	struct sess *s = ecalloc(1, sizeof(*s));
	struct http *h = NULL;
	int ret = -1;

	s->cafile = cafile;
	s->flags = HTTP_QUIET;
	snprintf(s->text, sizeof(s->text), "login %s", domain);
	if (reg_registry(domain, strlen(domain), &s->r) < 0) {
		weprintf("%s: bad registry host", domain);
		goto out;
	}
	if (!*user || strchr(user, ':') || strchr(user, '\n') || strchr(password, '\n') ||
	    strlen(user) + strlen(password) + 2 > CREDMAX) {
		weprintf("login %s: bad user name or password", domain);
		goto out;
	}
	domain = s->r.domain;
	/* the credentials go to a file of our own first, so that the check
	 * uses them as a pull would; the real file changes only after it */
	if (conf_credstage(domain, user, password, path) < 0)
		goto out;
	s->authpath = path;
	if (!(h = apiget(s, "", NULL)) || http_status(h) != 200) {
		if (h)
			failed(s, h, "");
		(void)conf_credend(path, 0);
		goto out;
	}
	if (conf_credend(path, 1) < 0)
		goto out;
	ret = 0;
out:
	http_close(h);
	explicit_bzero(password, strlen(password));
	explicit_bzero(s->authz, sizeof(s->authz));
	free(s);
	return ret;
}
