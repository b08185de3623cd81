/* See LICENSE file for copyright and license details. */
/*
 * What an image reference means, and what a registry's documents say:
 * the decoding half of pulling, with no I/O, so that it can be read,
 * tested and fuzzed alone (it needs json.c and util.c, nothing more).
 *
 * A reference is read by Docker's grammar (distribution/reference):
 * [host[:port]/]path[:tag][@sha256:hex], the first component a host only
 * if it looks like one, Docker Hub's names completed to
 * docker.io/library/NAME.  Piecefiles' FROM lines, pulls and the store's
 * names all go through reg_parse, so an image name means one thing
 * everywhere.
 *
 * Manifests, indexes and image configs come from the network and are
 * hostile: json.c reads them strictly, and these readers take only what
 * they understand, each field checked before it is copied (digests as
 * sha256:HEX, sizes as integers, strings under their buffers), an
 * attestation or a platform we cannot hold skipped rather than misread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pieces.h"

static int
alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* component checks one path component: [a-z0-9]+ runs joined by . _ __ or -+ */
static int
component(const char *s, size_t n)
{
	size_t i = 0, j, k;

	for (;;) {
		for (j = i; j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= '0' && s[j] <= '9')); j++)
			;
		if (j == i)
			return 0;
		if (j == n)
			return 1;
		for (k = j; k < n && (s[k] == '.' || s[k] == '_' || s[k] == '-'); k++)
			;
		if (!((k - j == 1 && s[j] != '-') || (k - j == 2 && s[j] == '_' && s[j + 1] == '_') ||
		    strspn(s + j, "-") >= k - j))
			return 0;
		i = k;
	}
}

/* domainok checks a registry host: name or IPv4 labels, then :port */
static int
domainok(const char *s, size_t n)
{
	size_t i, lab = 0, port = 0;

	for (i = 0; i < n; i++) {
		if (port) {
			if (s[i] < '0' || s[i] > '9' || ++port > 6)
				return 0;
		} else if (s[i] == ':') {
			if (!lab || s[i - 1] == '-')
				return 0;
			port = 1;
		} else if (s[i] == '.') {
			if (!lab || s[i - 1] == '-')
				return 0;
			lab = 0;
		} else if ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') {
			lab++;
		} else if ((s[i] >= '0' && s[i] <= '9') || (s[i] == '-' && lab)) {
			lab++;
		} else {
			return 0;
		}
	}
	if (port)
		return port > 1;
	return lab && s[n - 1] != '-';
}

int
reg_registry(const char *domain, size_t n, struct ref *r)
{
	if (n >= sizeof(r->domain) || !domainok(domain, n))
		return -1;
	snprintf(r->domain, sizeof(r->domain), "%.*s", (int)n, domain);
	if (!strcmp(r->domain, "index.docker.io"))
		strcpy(r->domain, "docker.io");
	strcpy(r->host, !strcmp(r->domain, "docker.io") ? "registry-1.docker.io" : r->domain);
	return 0;
}

/*
 * tag reads the ":TAG" of s[0..*end), what follows the last ':' after the
 * last '/', into r (latest if there is neither a tag nor a digest) and
 * moves *end to its ':': NULL, or why it is not a tag
 */
static const char *
tag(const char *s, const char **end, struct ref *r)
{
	const char *colon = NULL, *p;
	size_t n, i;

	for (p = s; p < *end; p++) {
		if (*p == '/')
			colon = NULL;
		else if (*p == ':')
			colon = p;
	}
	if (!colon) {
		if (!*r->digest)
			strcpy(r->tag, "latest");
		return NULL;
	}
	n = *end - colon - 1;
	if (!n || n > 128 || !(alnum(colon[1]) || colon[1] == '_'))
		return "bad tag";
	for (i = 1; i < n; i++)
		if (!alnum(colon[1 + i]) && !strchr("_.-", colon[1 + i]))
			return "bad tag";
	snprintf(r->tag, sizeof(r->tag), "%.*s", (int)n, colon + 1);
	*end = colon;
	return NULL;
}

const char *
reg_parse(const char *s, struct ref *r)
{
	const char *at, *name, *slash, *end, *p, *why;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (strlen(s) >= REFMAX)
		return "reference longer than REFMAX";
	end = s + strlen(s);
	if ((at = strchr(s, '@'))) {
		if (strncmp(at + 1, "sha256:", 7))
			return "only sha256 digests are supported";
		if (!digestok(at + 1))
			return "bad digest: want sha256: and 64 lowercase hex digits";
		snprintf(r->digest, sizeof(r->digest), "%s", at + 1);
		end = at;
	}
	if ((why = tag(s, &end, r)))
		return why;
	/* the first component is a registry if it looks like a host, as
	 * Docker decides: a '.', a ':', "localhost", or capitals (which no
	 * repository name has) */
	name = s;
	slash = memchr(s, '/', end - s);
	for (p = s, n = 0; slash && p < slash; p++)
		n |= *p >= 'A' && *p <= 'Z';
	if (slash && (memchr(s, '.', slash - s) || memchr(s, ':', slash - s) ||
	    (slash - s == 9 && !strncmp(s, "localhost", 9)) || n)) {
		if (slash - s >= (ptrdiff_t)sizeof(r->domain))
			return "name longer than 255 characters";
		if (reg_registry(s, slash - s, r) < 0)
			return "bad registry host";
		name = slash + 1;
	} else {
		(void)reg_registry("docker.io", 9, r);
	}
	if (end - name + 8 >= (ptrdiff_t)sizeof(r->repo))
		return "name longer than 255 characters";
	snprintf(r->repo, sizeof(r->repo), "%s%.*s",
	         !strcmp(r->domain, "docker.io") && !memchr(name, '/', end - name) ? "library/" : "",
	         (int)(end - name), name);
	/* Docker's cap is on the name in full, "library/" counted, so
	 * that the canonical form of a reference is one too */
	if (strlen(r->domain) + 1 + strlen(r->repo) > 255)
		return "name longer than 255 characters";
	for (p = r->repo; ; p = slash + 1) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (!component(p, n))
			return "bad repository name (lowercase letters, digits, separators)";
		if (!slash)
			break;
	}
	return NULL;
}

void
reg_canon(const struct ref *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s%s%s%s", r->domain, r->repo, *r->tag ? ":" : "",
	         r->tag, *r->digest ? "@" : "", r->digest);
}

int
reg_name(const struct ref *r, char *name, size_t len)
{
	char buf[3 * REFMAX], *p;
	const char *repo = r->repo;
	int hub = !strcmp(r->domain, "docker.io");

	if (hub && !strncmp(repo, "library/", 8))
		repo += 8;
	snprintf(buf, sizeof(buf), "%s%s%s%s%s%s%s", hub ? "" : r->domain, hub ? "" : "/", repo,
	         *r->tag && strcmp(r->tag, "latest") ? ":" : "",
	         strcmp(r->tag, "latest") ? r->tag : "",
	         *r->digest ? "@" : "", r->digest);
	for (p = buf; *p; p++)
		if (*p == '/')
			*p = '_';
		else if (*p == ':' || *p == '@')
			*p = '-';
	if (strlen(buf) >= len || strlen(buf) >= NAMEMAX)
		return -1;
	strcpy(name, buf);
	return 0;
}

/* ---- manifests, indexes and configs ---- */

/* member copies the string member key of j into buf (len bytes), if any */
static int
member(const struct json *j, const char *key, char *buf, size_t len)
{
	struct json *m = json_get(j, key);

	*buf = '\0';
	if (!m || m->type == JSON_NULL)
		return 0;
	if (m->type != JSON_STRING || m->len >= len)
		return -1;
	memcpy(buf, m->s, m->len + 1);
	return 0;
}

/* descriptor reads an OCI content descriptor */
static int
descriptor(const char *name, const char *what, const struct json *j, struct desc *d)
{
	struct json *plat, *ann;
	const char *t;

	memset(d, 0, sizeof(*d));
	if (!j || j->type != JSON_OBJECT || !digestok(json_str(j, "digest")) ||
	    json_u64(json_get(j, "size"), &d->size) < 0) {
		weprintf("%s: %s: want a descriptor with a mediaType, a sha256 digest and a size",
		         name, what);
		return -1;
	}
	strcpy(d->digest, json_str(j, "digest"));
	/* a type or platform we cannot hold makes the entry one we skip
	 * (as an image's layer, its type is refused), not a bad document */
	plat = json_get(j, "platform");
	if (member(j, "mediaType", d->type, sizeof(d->type)) < 0 ||
	    (plat && (plat->type != JSON_OBJECT || member(plat, "os", d->os, sizeof(d->os)) < 0 ||
	     member(plat, "architecture", d->arch, sizeof(d->arch)) < 0 ||
	     member(plat, "variant", d->variant, sizeof(d->variant)) < 0))) {
		*d->type = *d->os = *d->arch = *d->variant = '\0';
		d->attest = 1;
		return 0;
	}
	/* BuildKit's attestations ride in indexes as unknown/unknown */
	ann = json_get(j, "annotations");
	t = json_str(ann, "vnd.docker.reference.type");
	d->attest = (t && !strcmp(t, "attestation-manifest")) ||
	            (!strcmp(d->os, "unknown") && !strcmp(d->arch, "unknown"));
	return 0;
}

void
reg_free(struct manifest *m)
{
	free(m->d);
	m->d = NULL;
	m->n = 0;
}

/* descriptors reads the array key of j into m */
static int
descriptors(const char *name, const struct json *j, const char *key, struct manifest *m)
{
	struct json *arr = json_get(j, key), *e;
	char what[64];
	size_t n = 0;

	if (!arr || arr->type != JSON_ARRAY) {
		weprintf("%s: no \"%s\" array", name, key);
		return -1;
	}
	for (e = arr->child; e; e = e->next)
		n++;
	if (n > DESCMAX) {
		weprintf("%s: more than DESCMAX (%d) %s", name, DESCMAX, key);
		return -1;
	}
	m->d = ecalloc(n ? n : 1, sizeof(*m->d));
	for (e = arr->child; e; e = e->next, m->n++) {
		snprintf(what, sizeof(what), "%s[%zu]", key, m->n);
		if (descriptor(name, what, e, &m->d[m->n]) < 0)
			return -1;
	}
	return 0;
}

int
reg_manifest(const char *name, const char *buf, size_t len, const char *ctype,
             struct manifest *m)
{
	char type[DESCTYPEMAX];
	struct json *j;
	uint64_t v;
	int ret = -1;

	memset(m, 0, sizeof(*m));
	if (!(j = json_parse(name, buf, len)))
		return -1;
	if (j->type != JSON_OBJECT || member(j, "mediaType", type, sizeof(type)) < 0) {
		weprintf("%s: not a manifest", name);
		goto out;
	}
	/* the document's own type wins over a Content-Type that is none of
	 * ours (some registries send application/json or octet-stream), but
	 * a manifest type the document contradicts is an error */
	if (*type && ctype && strcmp(type, ctype) && (!strcmp(ctype, MT_OCI_INDEX) ||
	    !strcmp(ctype, MT_DOCKER_LIST) || !strcmp(ctype, MT_OCI_MANIFEST) ||
	    !strcmp(ctype, MT_DOCKER_V2))) {
		weprintf("%s: served as %s but says it is %s", name, ctype, type);
		goto out;
	}
	if (!*type && ctype)
		snprintf(type, sizeof(type), "%s", ctype);
	if (json_get(j, "schemaVersion") && (json_u64(json_get(j, "schemaVersion"), &v) < 0 || v != 2)) {
		weprintf("%s: schema version 1 manifests are not supported", name);
		goto out;
	}
	if (!strcmp(type, MT_OCI_INDEX) || !strcmp(type, MT_DOCKER_LIST)) {
		m->index = 1;
		ret = descriptors(name, j, "manifests", m);
	} else if (!strcmp(type, MT_OCI_MANIFEST) || !strcmp(type, MT_DOCKER_V2)) {
		if (descriptor(name, "config", json_get(j, "config"), &m->config) == 0)
			ret = descriptors(name, j, "layers", m);
	} else if (!strncmp(type, "application/vnd.docker.distribution.manifest.v1", 48)) {
		weprintf("%s: schema version 1 manifests are not supported", name);
	} else {
		weprintf("%s: unknown media type '%.128s'", name, *type ? type : "(none)");
	}
out:
	if (ret < 0)
		reg_free(m);
	json_free(j);
	return ret;
}

/*
 * normarch normalises an architecture and variant as containerd does
 * (platforms.Normalize): Go's names, arm64's v8 and amd64's v1 implied,
 * arm's v7 the default.
 */
static void
normarch(const char *arch, const char *variant, char *a, size_t alen, char *v, size_t vlen)
{
	static const struct { const char *from, *to, *var; } alias[] = {
		{ "x86_64", "amd64", "" }, { "x86-64", "amd64", "" }, { "i386", "386", "" },
		{ "i686", "386", "" }, { "aarch64", "arm64", "" }, { "armhf", "arm", "v7" },
		{ "armel", "arm", "v6" },
	};
	size_t i;

	snprintf(a, alen, "%s", arch);
	snprintf(v, vlen, "%s", variant);
	for (i = 0; i < LEN(alias); i++)
		if (!strcmp(arch, alias[i].from)) {
			snprintf(a, alen, "%s", alias[i].to);
			if (*alias[i].var)
				snprintf(v, vlen, "%s", alias[i].var);
		}
	if ((!strcmp(a, "arm64") && (!strcmp(v, "v8") || !strcmp(v, "8"))) ||
	    (!strcmp(a, "amd64") && !strcmp(v, "v1")))
		*v = '\0';
	if (!strcmp(a, "arm") && !*v)
		snprintf(v, vlen, "v7");
	if (!strcmp(a, "arm") && strlen(v) == 1 && *v >= '5' && *v <= '8') {
		v[1] = v[0];
		v[0] = 'v';
		v[2] = '\0';
	}
}

int
reg_select(const char *name, const struct manifest *idx, const char *arch, const char *variant)
{
	/* what an arm CPU runs besides its own variant, best first */
	static const char *arm[] = { "v8", "v7", "v6", "v5" };
	char want[32], wantv[16], a[32], v[16];
	size_t i, k, first;
	int best = -1, rank = 99;

	normarch(arch, variant, want, sizeof(want), wantv, sizeof(wantv));
	for (first = 0; first < LEN(arm) && strcmp(arm[first], wantv); first++)
		;
	for (i = 0; i < idx->n; i++) {
		if (idx->d[i].attest || strcmp(idx->d[i].os, "linux"))
			continue;
		normarch(idx->d[i].arch, idx->d[i].variant, a, sizeof(a), v, sizeof(v));
		if (strcmp(a, want))
			continue;
		if (!strcmp(v, wantv)) {
			k = 0;
		} else if (!strcmp(want, "arm") && first < LEN(arm)) {
			for (k = first; k < LEN(arm) && strcmp(arm[k], v); k++)
				;
			if (k == LEN(arm))
				continue;
			k = k - first + 1;
		} else {
			continue;
		}
		if ((int)k < rank) {
			rank = k;
			best = i;
		}
	}
	if (best < 0)
		weprintf("%s: no image for linux/%s%s%s in the index", name, want, *wantv ? "/" : "",
		         wantv);
	return best;
}

/* strlist copies the string array key of the config c into *out */
static int
strlist(const char *name, const struct json *c, const char *key, char ***out)
{
	if (json_strv(json_get(c, key), out) < 0) {
		weprintf("%s: config: %s: want an array of strings", name, key);
		return -1;
	}
	return 0;
}

int
reg_config(const char *name, const char *buf, size_t len, size_t nlayer, struct meta *m,
           char (**diffid)[72])
{
	struct json *j, *c, *rootfs, *ids, *e, *lab;
	char kv[8192];
	size_t n = 0, i;
	int ret = -1;

	*diffid = NULL;
	if (!(j = json_parse(name, buf, len)))
		return -1;
	if (j->type != JSON_OBJECT) {
		weprintf("%s: not an image config", name);
		goto out;
	}
	c = json_get(j, "config");
	if (c && c->type != JSON_OBJECT && c->type != JSON_NULL) {
		weprintf("%s: config: want an object", name);
		goto out;
	}
	if (strlist(name, c, "Env", &m->env) < 0 || strlist(name, c, "Cmd", &m->cmd) < 0 ||
	    strlist(name, c, "Entrypoint", &m->entrypoint) < 0)
		goto out;
	if (member(c, "WorkingDir", m->workdir, sizeof(m->workdir)) < 0 ||
	    member(c, "User", m->user, sizeof(m->user)) < 0) {
		weprintf("%s: config: bad WorkingDir or User", name);
		goto out;
	}
	if ((lab = json_get(c, "Labels")) && lab->type == JSON_OBJECT) {
		for (e = lab->child; e; e = e->next, n++)
			;
		m->label = ecalloc(n + 1, sizeof(*m->label));
		for (e = lab->child, i = 0; e; e = e->next) {
			if (e->type != JSON_STRING || snprintf(kv, sizeof(kv), "%s=%s", e->key, e->s) >=
			    (int)sizeof(kv)) {
				weprintf("%s: config: label %.64s: want a string under 8 KiB", name, e->key);
				goto out;
			}
			m->label[i++] = estrdup(kv);
		}
	}
	rootfs = json_get(j, "rootfs");
	ids = json_get(rootfs, "diff_ids");
	if (!rootfs || !json_str(rootfs, "type") || strcmp(json_str(rootfs, "type"), "layers") ||
	    !ids || ids->type != JSON_ARRAY) {
		weprintf("%s: config: no rootfs of type layers with diff_ids", name);
		goto out;
	}
	for (n = 0, e = ids->child; e; e = e->next, n++)
		if (!digestok(e->type == JSON_STRING ? e->s : NULL)) {
			weprintf("%s: config: diff_ids[%zu]: want a sha256 digest", name, n);
			goto out;
		}
	if (n != nlayer) {
		weprintf("%s: config: %zu diff_ids for %zu layers", name, n, nlayer);
		goto out;
	}
	*diffid = ecalloc(n ? n : 1, sizeof(**diffid));
	for (i = 0, e = ids->child; e; e = e->next, i++)
		strcpy((*diffid)[i], e->s);
	ret = 0;
out:
	json_free(j);
	return ret;
}

