/* See LICENSE file for copyright and license details. */
/*
 * Image archives: what `docker save` writes and `docker load` reads, and
 * an OCI image layout in a tar (`skopeo copy oci-archive:`, BuildKit's
 * type=oci output).  Docker 25 and later write both in one archive; the
 * docker half, manifest.json, is read when it is there.
 *
 *   docker save	manifest.json: [{"Config": "HEX.json", "RepoTags": [...],
 *			"Layers": ["ID/layer.tar", ...]}], paths into the archive.
 *			The config's name is its sha256; its rootfs.diff_ids
 *			are the layers' sha256, as tars (which may be gzipped).
 *   OCI layout	oci-layout, index.json (an index: its entry for this
 *			platform, an image manifest or an index again), and
 *			every blob as blobs/sha256/HEX, HEX its sha256.
 *
 * An archive is a stranger's, and it cannot be read as a stream: the
 * documents that say what its members are come anywhere, often last.  So
 * it is unpacked whole by tar_extract, which keeps every member inside
 * its root, into archive/ of the image's work tree, beside rootfs/ and
 * never in it; every document and blob is then opened below that root
 * through root.c, which resolves symlinks and ".." inside it and opens
 * only regular files (a fifo would hang us, a device act on the host).
 * The top documents must be regular files themselves, not links.  Paths
 * that manifest.json names must be relative and free of "..": one that is
 * not is refused, rather than quietly resolved somewhere else.  Documents
 * are read whole under JSONMAX, an image has at most DESCMAX layers, and
 * every blob is checked against its digest: a docker config against its
 * name, a layer against its diff_id as it is applied, an OCI blob against
 * its descriptor's digest and size as well.  The work tree becomes the
 * image only when all of that passed, with archive/ removed first; a
 * failure, or a kill, leaves nothing but a work tree the next writer
 * sweeps.
 *
 * Saving writes the Docker 25 shape: blobs/sha256/ with one layer (the
 * image's tree), the config and an OCI manifest, then index.json,
 * manifest.json and oci-layout, so both `docker load` and `skopeo copy
 * docker-archive:` (or oci-archive:) take it.  The config names the layer
 * by its digest, and the config's own digest names it, so the layer is
 * written first to a file in a work tree of the store, hashed on the way:
 * one walk of the tree, whose bytes are the ones hashed by construction.
 * Walking twice would save that disk space, but the second walk's bytes
 * would have to be trusted to equal the first's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "pieces.h"

#define SCRATCH		"archive"	/* the unpacked archive, in the work tree */
#define NESTMAX		2		/* indexes inside index.json followed */


/* a load in progress */
struct load {
	struct work w;
	int fd;				/* archive/, the unpacked archive */
	const char *what;		/* the archive, as messages name it */
	const char *arg;		/* the store name asked for, or NULL */
	char name[NAMEMAX];		/* the one it gets */
	char tag[REFMAX];		/* the name the archive gives, or "" */
	char *buf;			/* the document read last: JSONMAX + 1 bytes */
	size_t len;
	char (*diffid)[72];
	struct meta m;
};

int
arc_kind(int rootfd)
{
	char buf[65];
	struct stat st;
	ssize_t n;
	int fd;

	/* a tree with bin/ is a root file system, whatever else it holds */
	if (faccessat(rootfd, "bin", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (fstatat(rootfd, "manifest.json", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* docker's is an array; an app's manifest.json is an object */
		if (!S_ISREG(st.st_mode))
			return ARC_DOCKER;
		if ((fd = root_openfile(rootfd, "manifest.json", O_NOFOLLOW, &st)) < 0)
			return 0;
		n = readall(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (buf[strspn(buf, " \t\r\n")] == '[')
			return ARC_DOCKER;
	}
	if (fstatat(rootfd, "oci-layout", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fstatat(rootfd, "index.json", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return ARC_OCI;
	return 0;
}

/* ---- loading ---- */

/*
 * doc reads the archive's file path whole into l->buf, under JSONMAX;
 * with O_NOFOLLOW in flags, path itself must not be a symlink.  0, or -1
 * (reported, naming the member).
 */
static int
doc(struct load *l, const char *path, int flags)
{
	struct stat st;
	ssize_t n;
	int fd, saved;

	if ((fd = root_openfile(l->fd, path, flags, &st)) >= 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		fd = -1;
		errno = EISDIR;
	}
	if (fd >= 0) {
		n = readcap(fd, l->buf, JSONMAX + 1);
		saved = errno;
		close(fd);
		errno = saved;
		if (n >= 0) {
			l->len = n;
			return 0;
		}
	}
	if (errno == ENOENT)
		weprintf("%s: %s: not in the archive", l->what, path);
	else if (errno == EFBIG)
		weprintf("%s: %s: larger than JSONMAX (%d bytes)", l->what, path, JSONMAX);
	else if (errno == EINVAL || errno == EISDIR || errno == ELOOP)
		weprintf("%s: %s: not a regular file", l->what, path);
	else
		weprintf("%s: %s:", l->what, path);
	return -1;
}

/* sum checks l->buf against digest ("sha256:HEX") and, unless -1, size */
static int
sum(struct load *l, const char *path, const char *digest, int64_t size)
{
	struct sha256 sha;
	char hex[65];

	if (size >= 0 && l->len != (uint64_t)size) {
		weprintf("%s: %s: %zu bytes, but its descriptor says %lld", l->what, path, l->len,
		         (long long)size);
		return -1;
	}
	sha256_init(&sha);
	sha256_update(&sha, l->buf, l->len);
	sha256_hex(&sha, hex);
	if (strcmp(hex, digest + 7)) {
		weprintf("%s: %s: digest mismatch: got sha256:%s, want %s", l->what, path, hex,
		         digest);
		return -1;
	}
	return 0;
}

/* blobpath writes where an OCI layout keeps the blob digest */
static void
blobpath(char *buf, size_t len, const char *digest)
{
	snprintf(buf, len, "blobs/sha256/%s", digest + 7);
}

/*
 * layer applies the archive's file path as layer i of n to the tree: its
 * bytes (gzip or plain) must have digest and size if digest is set, the
 * tar in them diffid.  0, or -1 (reported).
 */
static int
layer(struct load *l, size_t i, size_t n, const char *path, const char *digest,
      uint64_t size, const char *diffid)
{
	char hex[65];
	struct fdin in = { -1, path };
	struct hashin c = { 0 }, u = { 0 };
	struct gz *g = NULL;
	struct stat st;
	uint64_t got = 0;
	int ret = -1;

	if ((in.fd = root_openfile(l->fd, path, 0, &st)) < 0 || S_ISDIR(st.st_mode)) {
		weprintf(in.fd >= 0 || errno == EINVAL ? "%s: %s: layer %zu of %zu: not a regular file" :
		         errno == ENOENT ? "%s: %s: layer %zu of %zu: not in the archive" :
		         "%s: %s: layer %zu of %zu:", l->what, path, i + 1, n);
		goto out;
	}
	if (digest && (uint64_t)st.st_size != size) {
		weprintf("%s: %s: %lld bytes, but its descriptor says %llu", l->what, path,
		         (long long)st.st_size, (unsigned long long)size);
		goto out;
	}
	c.in = (struct reader){ fd_read, &in };
	c.copy = u.copy = -1;
	c.name = u.name = path;
	sha256_init(&c.sha);
	sha256_init(&u.sha);
	if (!(g = gz_open((struct reader){ hash_read, &c })))
		goto fail;
	u.in = (struct reader){ gz_reader, g };
	if (tar_extract(l->w.rootfd, (struct reader){ hash_read, &u }, TAR_LAYER, &got) < 0 ||
	    rd_drain((struct reader){ hash_read, &u }) < 0 || rd_drain((struct reader){ hash_read, &c }) < 0)
		goto fail;
	l->m.size += got;
	sha256_hex(&c.sha, hex);
	if (digest && strcmp(hex, digest + 7)) {
		weprintf("%s: %s: digest mismatch: got sha256:%s, want %s", l->what, path, hex, digest);
		goto out;
	}
	sha256_hex(&u.sha, hex);
	if (strcmp(hex, diffid + 7)) {
		weprintf("%s: %s: digest mismatch: got sha256:%s, want diff_id %s", l->what, path,
		         hex, diffid);
		goto out;
	}
	ret = 0;
	goto out;
fail:
	/* tar and gzip name the member and offset; this names the layer */
	weprintf("%s: %s: layer %zu of %zu refused", l->what, path, i + 1, n);
out:
	gz_close(g);
	if (in.fd >= 0)
		close(in.fd);
	return ret;
}

/* portok says whether s is PORT[-PORT][/tcp|/udp|/sctp], as EXPOSE writes it */
static int
portok(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n < 1 || n > 5)
		return 0;
	s += n;
	if (*s == '-') {
		n = strspn(++s, "0123456789");
		if (n < 1 || n > 5)
			return 0;
		s += n;
	}
	return !*s || !strcmp(s, "/tcp") || !strcmp(s, "/udp") || !strcmp(s, "/sctp");
}

/*
 * ports reads the config in l->buf for its ExposedPorts ({"80/tcp": {}})
 * into m's expose.  reg_config does not read them (yet: they belong
 * there, for pull too).  0, or -1 (reported).
 */
static int
ports(struct load *l, const char *what)
{
	struct json *j, *e;
	char kv[32];
	int ret = -1;

	if (!(j = json_parse(what, l->buf, l->len)))
		return -1;
	e = json_get(json_get(j, "config"), "ExposedPorts");
	for (e = e && e->type == JSON_OBJECT ? e->child : NULL; e; e = e->next) {
		if (!portok(e->key)) {
			weprintf("%s: ExposedPorts: '%.32s': want PORT/PROTO", what, e->key);
			goto out;
		}
		snprintf(kv, sizeof(kv), "%s%s", e->key, strchr(e->key, '/') ? "" : "/tcp");
		vpush(&l->m.expose, kv);
	}
	ret = 0;
out:
	json_free(j);
	return ret;
}

/* config reads and checks the config at path, for nlayer layers, into l->m */
static int
config(struct load *l, const char *path, const char *digest, int64_t size, size_t nlayer)
{
	char what[PATHMAX + 64];

	snprintf(what, sizeof(what), "%s: %s", l->what, path);
	if (doc(l, path, 0) < 0 || sum(l, path, digest, size) < 0 ||
	    reg_config(what, l->buf, l->len, nlayer, &l->m, &l->diffid) < 0 || ports(l, what) < 0)
		return -1;
	if (store_metaok(&l->m) < 0) {
		weprintf("%s: its metadata is larger than METAMAX (%d KiB)", what, METAMAX >> 10);
		return -1;
	}
	/* the image's ID, as docker images shows it */
	snprintf(l->m.digest, sizeof(l->m.digest), "%s", digest);
	return 0;
}

/* naming settles the image's name, before its layers cost anything;
 * where says where the archive would have given one */
static int
naming(struct load *l, const char *where)
{
	if (l->arg) {
		snprintf(l->name, sizeof(l->name), "%s", l->arg);
		return 0;
	}
	if (!*l->tag) {
		weprintf("%s: no image name in the archive (%s): give one, pieces load -i FILE NAME",
		         l->what, where);
		return -1;
	}
	if (image_name(l->tag, l->name) < 0) {
		weprintf("%s: the name it gives is no image name: give one, pieces load -i FILE NAME",
		         l->what);
		return -1;
	}
	return 0;
}

/* inside says whether p, as manifest.json gives it, is a path inside the
 * archive as written: relative, no ".." */
static int
inside(const char *p)
{
	const char *c;
	size_t n;

	if (!*p || *p == '/' || strlen(p) >= PATHMAX)
		return 0;
	for (c = p; *c; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		if (n == 2 && !strncmp(c, "..", 2))
			return 0;
	}
	return 1;
}

/* paths checks manifest.json's Layers (what: where, in messages): their count, or -1 */
static long
paths(const char *what, const struct json *lay)
{
	const struct json *x;
	long n = 0;

	if (!lay || lay->type != JSON_ARRAY) {
		weprintf("%s: no Layers array", what);
		return -1;
	}
	for (x = lay->child; x; x = x->next, n++) {
		if (n == DESCMAX) {
			weprintf("%s: more than DESCMAX (%d) Layers", what, DESCMAX);
			return -1;
		}
		if (x->type != JSON_STRING || !inside(x->s)) {
			weprintf("%s: Layers[%ld] '%.200s': not a relative path inside the archive",
			         what, n, x->type == JSON_STRING ? x->s : "");
			return -1;
		}
	}
	return n;
}

/* docker loads the image manifest.json describes */
static int
docker(struct load *l)
{
	char what[PATHMAX], dig[DIGESTLEN + 1];
	const struct json *e, *x, *tags;
	const char *cfg, *base;
	struct json *j;
	long n, i;
	int ret = -1;

	snprintf(what, sizeof(what), "%s: manifest.json", l->what);
	if (doc(l, "manifest.json", O_NOFOLLOW) < 0 || !(j = json_parse(what, l->buf, l->len)))
		return -1;
	if (j->type != JSON_ARRAY || !(e = j->child) || e->type != JSON_OBJECT) {
		weprintf("%s: want an array of images", what);
		goto out;
	}
	if (e->next) {
		weprintf("%s: more than one image: pieces load takes an archive of one", what);
		goto out;
	}
	if ((n = paths(what, json_get(e, "Layers"))) < 0)
		goto out;
	if (!(cfg = json_str(e, "Config")) || !inside(cfg)) {
		weprintf("%s: Config '%.200s': not a relative path inside the archive", what,
		         cfg ? cfg : "");
		goto out;
	}
	/* its name is its digest: HEX.json, or blobs/sha256/HEX */
	base = strrchr(cfg, '/') ? strrchr(cfg, '/') + 1 : cfg;
	snprintf(dig, sizeof(dig), "sha256:%.64s", base);
	if (!digestok(dig) || (base[64] && strcmp(base + 64, ".json"))) {
		weprintf("%s: Config '%.200s': its name is not a sha256", what, cfg);
		goto out;
	}
	tags = json_get(e, "RepoTags");
	if (tags && tags->type == JSON_ARRAY && tags->child && tags->child->type == JSON_STRING &&
	    tags->child->len < sizeof(l->tag))
		memcpy(l->tag, tags->child->s, tags->child->len + 1);
	if (config(l, cfg, dig, -1, n) < 0 || naming(l, "RepoTags") < 0)
		goto out;
	for (i = 0, x = json_get(e, "Layers")->child; x; x = x->next, i++)
		if (layer(l, i, n, x->s, NULL, 0, l->diffid[i]) < 0)
			goto out;
	ret = 0;
out:
	json_free(j);
	return ret;
}

/*
 * pick returns the entry of idx (named what) to load: this platform's, or
 * the one entry of an index that gives none; -1 (reported) if neither
 */
static int
pick(const char *what, const struct manifest *idx)
{
	size_t k, n = 0, plat = 0;
	int last = -1;

	for (k = 0; k < idx->n; k++)
		if (!idx->d[k].attest) {
			n++;
			last = k;
			plat += *idx->d[k].os != '\0';
		}
	if (n == 0) {
		weprintf("%s: no image in the index", what);
		return -1;
	}
	if (n == 1 && !plat)
		return last;
	if (!plat) {
		weprintf("%s: %zu images and no platform to choose by: pieces load takes an "
		         "archive of one", what, n);
		return -1;
	}
	return reg_select(what, idx, ARCH_OCI, ARCH_VARIANT);
}

/* refname takes the name of entry i of the index j from its annotations */
static void
refname(struct load *l, const struct json *j, int i)
{
	const struct json *e = json_get(j, "manifests"), *ann;
	const char *s;

	for (e = e ? e->child : NULL; e && i > 0; e = e->next)
		i--;
	ann = json_get(e, "annotations");
	/* containerd's is the whole reference; the OCI one often just a tag */
	if (!(s = json_str(ann, "io.containerd.image.name")))
		s = json_str(ann, "org.opencontainers.image.ref.name");
	if (s && strlen(s) < sizeof(l->tag))
		strcpy(l->tag, s);
}

/* manifest reads the image manifest that d names, through indexes, into m */
static int
manifest(struct load *l, struct desc d, struct manifest *m)
{
	char path[PATHMAX], what[PATHMAX + 64];
	int depth, i;

	for (depth = 0; ; depth++) {
		blobpath(path, sizeof(path), d.digest);
		snprintf(what, sizeof(what), "%s: %s", l->what, path);
		if (doc(l, path, 0) < 0 || sum(l, path, d.digest, d.size) < 0 ||
		    reg_manifest(what, l->buf, l->len, *d.type ? d.type : NULL, m) < 0)
			return -1;
		if (!m->index)
			break;
		if (depth == NESTMAX) {
			weprintf("%s: indexes nested deeper than %d", what, NESTMAX);
			return -1;
		}
		if ((i = pick(what, m)) < 0)
			return -1;
		d = m->d[i];
		reg_free(m);
	}
	if (*m->config.type && strcmp(m->config.type, MT_OCI_CONFIG) &&
	    strcmp(m->config.type, MT_DOCKER_CONFIG)) {
		weprintf("%s: not a container image: config of type '%.128s'", what, m->config.type);
		return -1;
	}
	return 0;
}

/* oci loads the image of the OCI layout for this platform */
static int
oci(struct load *l)
{
	char what[PATHMAX], path[PATHMAX];
	struct manifest idx = { 0 }, m = { 0 };
	const char *v;
	struct json *j;
	size_t k;
	int i, ret = -1;

	snprintf(what, sizeof(what), "%s: oci-layout", l->what);
	if (doc(l, "oci-layout", O_NOFOLLOW) < 0 || !(j = json_parse(what, l->buf, l->len)))
		return -1;
	if (!(v = json_str(j, "imageLayoutVersion")) || strncmp(v, "1.", 2)) {
		weprintf("%s: want an imageLayoutVersion 1.x", what);
		goto out;
	}
	json_free(j);
	j = NULL;
	snprintf(what, sizeof(what), "%s: index.json", l->what);
	if (doc(l, "index.json", O_NOFOLLOW) < 0 || !(j = json_parse(what, l->buf, l->len)) ||
	    reg_manifest(what, l->buf, l->len, MT_OCI_INDEX, &idx) < 0)
		goto out;
	if (!idx.index) {
		weprintf("%s: not an image index", what);
		goto out;
	}
	if ((i = pick(what, &idx)) < 0 || manifest(l, idx.d[i], &m) < 0)
		goto out;
	refname(l, j, i);
	blobpath(path, sizeof(path), m.config.digest);
	if (config(l, path, m.config.digest, m.config.size, m.n) < 0 ||
	    naming(l, "an org.opencontainers.image.ref.name annotation") < 0)
		goto out;
	for (k = 0; k < m.n; k++) {
		blobpath(path, sizeof(path), m.d[k].digest);
		if (layer(l, k, m.n, path, m.d[k].digest, m.d[k].size, l->diffid[k]) < 0)
			goto out;
	}
	ret = 0;
out:
	json_free(j);
	reg_free(&idx);
	reg_free(&m);
	return ret;
}

int
arc_load(struct store *s, struct reader in, const char *what, const char *source,
         const char *name, char *out)
{
	struct load l = { 0 };
	struct gz *g = NULL;
	int kind, ret = -1;

	l.fd = -1;
	l.what = what;
	l.arg = name;
	if (store_begin(s, name ? name : "load", &l.w) < 0)
		return -1;
	if (mkdirat(l.w.fd, SCRATCH, 0700) < 0 || (l.fd = openat(l.w.fd, SCRATCH,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		weprintf("%s/tmp/%s/%s:", s->root, l.w.name, SCRATCH);
		goto out;
	}
	if (!(g = gz_open(in)) || tar_extract(l.fd, (struct reader){ gz_reader, g }, 0, NULL) < 0) {
		weprintf("%s: refused", what);
		goto out;
	}
	l.buf = emalloc(JSONMAX + 1);
	if (!(kind = arc_kind(l.fd))) {
		weprintf("%s: not a docker save archive or an OCI image layout (no manifest.json, "
		         "nor oci-layout and index.json)", what);
		goto out;
	}
	if ((kind == ARC_DOCKER ? docker(&l) : oci(&l)) < 0)
		goto out;
	/* none of the archive's own files is the image's */
	close(l.fd);
	l.fd = -1;
	if (rmtree(l.w.fd, SCRATCH) < 0) {
		weprintf("%s/tmp/%s/%s: remove:", s->root, l.w.name, SCRATCH);
		goto out;
	}
	snprintf(l.m.source, sizeof(l.m.source), "%s", source);
	memcpy(out, l.name, sizeof(l.name));
	ret = store_commit(s, &l.w, l.name, &l.m);
out:
	if (l.fd >= 0)
		close(l.fd);
	if (ret < 0)
		store_abort(s, &l.w);
	gz_close(g);
	free(l.buf);
	free(l.diffid);
	meta_free(&l.m);
	return ret;
}

/* ---- saving ---- */

/* a JSON document being written */
struct jb {
	char *p;
	size_t len, cap;
};

static void
grow(struct jb *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = MAX(2 * b->cap, b->len + n + 1024);
		b->p = erealloc(b->p, b->cap);
	}
}

static void
jput(struct jb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	grow(b, n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/* jstr writes s as a JSON string (json_quote is the one writer of them) */
static void
jstr(struct jb *b, const char *s)
{
	grow(b, 6 * strlen(s) + 2);
	b->len = json_quote(b->p + b->len, s) - b->p;
	b->p[b->len] = '\0';
}

/*
 * jlist writes the member key for the list v, if set, after *sep: as an
 * array of strings (how 0), an object of "KEY=value" items (1), or an
 * object of the items as keys of empty objects (2, ExposedPorts)
 */
static void
jlist(struct jb *b, const char **sep, const char *key, char **v, int how)
{
	char *k, *eq;
	size_t i;

	if (!v)
		return;
	jput(b, "%s\"%s\":%c", *sep, key, how ? '{' : '[');
	for (i = 0; v[i]; i++) {
		if (i)
			jput(b, ",");
		if (!how) {
			jstr(b, v[i]);
			continue;
		}
		k = estrdup(v[i]);
		if (how == 1 && (eq = strchr(k, '=')))
			*eq++ = '\0';
		else
			eq = "";
		jstr(b, k);
		jput(b, ":");
		if (how == 1)
			jstr(b, eq);
		else
			jput(b, "{}");
		free(k);
	}
	jput(b, "%c", how ? '}' : ']');
	*sep = ",";
}

/* cfgdoc writes the image config of m, its one layer of diff_id sha256:hex */
static void
cfgdoc(struct jb *b, const struct meta *m, const char *when, const char *hex)
{
	const char *sep = "";

	jput(b, "{\"architecture\":\"%s\",", ARCH_OCI);
	if (*ARCH_VARIANT)
		jput(b, "\"variant\":\"%s\",", ARCH_VARIANT);
	jput(b, "\"os\":\"linux\",\"created\":\"%s\",\"config\":{", when);
	jlist(b, &sep, "Env", m->env, 0);
	jlist(b, &sep, "Entrypoint", m->entrypoint, 0);
	jlist(b, &sep, "Cmd", m->cmd, 0);
	if (*m->workdir) {
		jput(b, "%s\"WorkingDir\":", sep);
		jstr(b, m->workdir);
		sep = ",";
	}
	if (*m->user) {
		jput(b, "%s\"User\":", sep);
		jstr(b, m->user);
		sep = ",";
	}
	jlist(b, &sep, "Labels", m->label, 1);
	jlist(b, &sep, "ExposedPorts", m->expose, 2);
	jput(b, "},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]},"
	     "\"history\":[{\"created\":\"%s\",\"created_by\":\"pieces save\"}]}", hex, when);
}

/* hexof writes the sha256 of b's document into hex */
static void
hexof(const struct jb *b, char *hex)
{
	struct sha256 sha;

	sha256_init(&sha);
	sha256_update(&sha, b->p, b->len);
	sha256_hex(&sha, hex);
}

/*
 * docs writes the config, the OCI manifest, index.json and manifest.json
 * for the layer of lhex (llen bytes) into d[0..3], their digests in hex
 */
static void
docs(struct jb *d, char (*hex)[65], const struct meta *m, const struct ref *r,
     const char *tag, const char *lhex, uint64_t llen)
{
	char when[32];
	struct tm tm;

	gmtime_r(&m->created, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cfgdoc(&d[0], m, when, lhex);
	hexof(&d[0], hex[0]);
	jput(&d[1], "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\",\"config\":"
	     "{\"mediaType\":\"" MT_OCI_CONFIG "\",\"digest\":\"sha256:%s\",\"size\":%zu},"
	     "\"layers\":[{\"mediaType\":\"" MT_OCI_LAYER "\",\"digest\":\"sha256:%s\","
	     "\"size\":%llu}]}", hex[0], d[0].len, lhex, (unsigned long long)llen);
	hexof(&d[1], hex[1]);
	jput(&d[2], "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":"
	     "[{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"sha256:%s\",\"size\":%zu,"
	     "\"platform\":{\"architecture\":\"%s\",\"os\":\"linux\"%s%s%s}", hex[1], d[1].len,
	     ARCH_OCI, *ARCH_VARIANT ? ",\"variant\":\"" : "", ARCH_VARIANT,
	     *ARCH_VARIANT ? "\"" : "");
	if (*tag) {
		jput(&d[2], ",\"annotations\":{\"io.containerd.image.name\":");
		jstr(&d[2], tag);
		jput(&d[2], ",\"org.opencontainers.image.ref.name\":");
		jstr(&d[2], r->tag);
		jput(&d[2], "}");
	}
	jput(&d[2], "}]}");
	jput(&d[3], "[{\"Config\":\"blobs/sha256/%s\",\"RepoTags\":", hex[0]);
	if (*tag) {
		jput(&d[3], "[");
		jstr(&d[3], tag);
		jput(&d[3], "]");
	} else {
		jput(&d[3], "null");
	}
	jput(&d[3], ",\"Layers\":[\"blobs/sha256/%s\"]}]", lhex);
}

/* a writer to an fd, hashing and counting what goes through if hash is set */
struct out {
	int fd;
	const char *name;
	int hash;
	struct sha256 sha;
	uint64_t n;
};

static int
put(void *arg, const void *buf, size_t n)
{
	struct out *o = arg;

	if (writeall(o->fd, buf, n) < 0) {
		weprintf("%s: write:", o->name);
		return -1;
	}
	if (o->hash)
		sha256_update(&o->sha, buf, n);
	o->n += n;
	return 0;
}

struct memin {
	const char *p;
	size_t len;
};

static ssize_t
mem_read(void *arg, void *buf, size_t n)
{
	struct memin *m = arg;

	n = MIN(n, m->len);
	memcpy(buf, m->p, n);
	m->p += n;
	m->len -= n;
	return n;
}

/* putdoc writes the document b as the member name */
static int
putdoc(struct writer out, const char *name, time_t t, const struct jb *b)
{
	struct memin in = { b->p, b->len };

	return tar_put(out, name, S_IFREG | 0644, t, (struct reader){ mem_read, &in }, b->len);
}

/*
 * archive writes the archive to out: blobs/sha256/ with the layer (lay,
 * of digest lhex) and the config and manifest (d[0], d[1], digests in
 * hex), then index.json (d[2]), manifest.json (d[3]) and oci-layout
 */
static int
archive(struct writer out, time_t t, struct out *lay, const char *lhex, const struct jb *d,
        char (*hex)[65])
{
	static char version[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	static const struct reader none = { NULL, NULL };
	const struct jb layout = { version, sizeof(version) - 1, 0 };
	char path[PATHMAX];
	struct fdin in = { lay->fd, lay->name };
	int i;

	if (tar_put(out, "blobs", S_IFDIR | 0755, t, none, 0) < 0 ||
	    tar_put(out, "blobs/sha256", S_IFDIR | 0755, t, none, 0) < 0)
		return -1;
	if (lseek(lay->fd, 0, SEEK_SET) < 0) {
		weprintf("%s: seek:", lay->name);
		return -1;
	}
	snprintf(path, sizeof(path), "blobs/sha256/%s", lhex);
	if (tar_put(out, path, S_IFREG | 0644, t, (struct reader){ fd_read, &in }, lay->n) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "blobs/sha256/%s", hex[i]);
		if (putdoc(out, path, t, &d[i]) < 0)
			return -1;
	}
	if (putdoc(out, "index.json", t, &d[2]) < 0 || putdoc(out, "manifest.json", t, &d[3]) < 0 ||
	    putdoc(out, "oci-layout", t, &layout) < 0)
		return -1;
	return tar_end(out);
}

int
arc_save(struct store *s, const char *arg, int fd, const char *what)
{
	char name[NAMEMAX], tag[REFMAX + 300], lpath[PATHMAX], lhex[65], hex[2][65];
	struct jb d[4] = { { 0 } };
	struct out lay = { .fd = -1 }, o = { .fd = fd, .name = what };
	struct work w = { .fd = -1, .rootfd = -1 };
	struct meta m;
	struct ref r;
	int imgfd, rootfd = -1, ret = -1, i;

	if (image_name(arg, name) < 0 || (imgfd = store_image(s, name, &m)) < 0)
		return -1;
	/* the name docker load gives it: arg as a reference, in full */
	*tag = '\0';
	if (!reg_parse(arg, &r) && !*r.digest)
		reg_canon(&r, tag, sizeof(tag));
	else
		weprintf("%s: not a reference with a tag: saved without a name", arg);
	if ((rootfd = openat(imgfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		weprintf("%s/images/%s/rootfs:", s->root, name);
		goto out;
	}
	if (store_begin(s, name, &w) < 0)
		goto out;
	snprintf(lpath, sizeof(lpath), "%s/tmp/%s/layer.tar", s->root, w.name);
	lay.name = lpath;
	lay.hash = 1;
	sha256_init(&lay.sha);
	if ((lay.fd = openat(w.fd, "layer.tar", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		weprintf("%s:", lpath);
		goto out;
	}
	if (tar_tree(rootfd, (struct writer){ put, &lay }) < 0 ||
	    tar_end((struct writer){ put, &lay }) < 0) {
		weprintf("%s: its tree cannot be saved", name);
		goto out;
	}
	sha256_hex(&lay.sha, lhex);
	docs(d, hex, &m, &r, tag, lhex, lay.n);
	ret = archive((struct writer){ put, &o }, m.created, &lay, lhex, d, hex);
out:
	if (lay.fd >= 0)
		close(lay.fd);
	store_abort(s, &w);
	if (rootfd >= 0)
		close(rootfd);
	close(imgfd);
	for (i = 0; i < 4; i++)
		free(d[i].p);
	meta_free(&m);
	return ret;
}
