/* See LICENSE file for copyright and license details. */
/*
 * What an image name means, for run, build's FROM, pull and import: one
 * answer, here.
 *
 * A name is written as the store keeps it (alpine-3.18), as NAME:TAG
 * (alpine:3.18) or as a registry reference (ghcr.io/o/app:1.2,
 * alpine@sha256:HEX); its store name is reg_name's for a reference, else
 * NAME:TAG as NAME-TAG.  It stands for one of:
 *
 *   a known image (known.c), its tarball fetched and checked against the
 *	sha256 pinned in config.h or the sum published beside it; a known
 *	name for a registry reference stands for that reference;
 *   a reference with a tag, host or digest: pulled, under its store name;
 *   a bare name: the store's image of that name, or nothing, so that a
 *	typo of one never goes to Docker Hub.
 *
 * The store's image of the name answers it when it is that image.  For a
 * known tarball that means its digest is the pinned one, or, for one
 * published with a sums file, that it was fetched from the known URL;
 * a reference's image is the one pull left under its name.  Otherwise
 * the image is fetched, as Podman's --pull says:
 *
 *   missing (the default): the store's image when it answers, else fetched;
 *   always: fetched or pulled anew, whatever the store has (a pinned
 *	tarball may still come from the blob cache; a pull asks the
 *	registry for the manifest again); a bare name has nowhere else to
 *	come from and is the store's;
 *   never: no network at all: what the store does not answer is an error.
 *
 * One exception, and it is run's: to run, the store's image of a name
 * is used whatever made it, under missing and never.  An image the user
 * built or imported under a known name is theirs, and `pieces build`
 * names a build after its FROM (FROM alpine:3.18 builds alpine-3.18).
 * A build's FROM (IMAGE_BASE) does not get it: there the store's
 * alpine-3.18 could be the last build of this very Piecefile, which would
 * become its own base.  So a FROM takes a known name's store image only
 * when it is verified as above, and otherwise fetches the tarball; either
 * way its tree goes into the build cache under the tarball's key, where
 * the next build finds it after this one replaced the store's copy, and
 * the store's images are left alone.  For the same reason a known
 * registry image lives under its reference's store name
 * (registry.fedoraproject.org_fedora-38), which no build is named after.
 *
 * Fetches go to the network only through http_open and reg_pull; the
 * store is changed only through store.c.
 */
#include <stdio.h>
#include <string.h>

#include "pieces.h"

int
image_pull(const char *s)
{
	if (!s || !strcmp(s, "always"))
		return IMAGE_ALWAYS;
	if (!strcmp(s, "missing"))
		return IMAGE_MISSING;
	if (!strcmp(s, "never"))
		return IMAGE_NEVER;
	return -1;
}

int
image_name(const char *arg, char *name)
{
	char buf[NAMEMAX + 8], *colon;
	struct ref r;

	if (*arg && arg[strlen(arg) - 1] == ':') {
		weprintf("%s: an empty tag", arg);
		return -1;
	}
	/* one longer than NAMEMAX stays too long for store_name to refuse */
	if (reg_parse(arg, &r) || reg_name(&r, buf, sizeof(buf)) < 0) {
		/* the store's names have no ':': NAME:TAG is kept as NAME-TAG */
		snprintf(buf, sizeof(buf), "%s", arg);
		if ((colon = strchr(buf, ':')) && !strchr(colon + 1, ':') && !strchr(buf, '/'))
			*colon = '-';
	}
	if (store_name(buf) < 0)
		return -1;
	memcpy(name, buf, strlen(buf) + 1);
	return 0;
}

/* pullref makes im the registry reference ref, under pull's name for it:
 * 0, or -1 (reported) */
static int
pullref(const char *ref, struct image *im)
{
	const char *why;
	struct ref r;

	if ((why = reg_parse(ref, &r))) {
		weprintf("%.*s: %s", REFMAX, ref, why);
		return -1;
	}
	if (reg_name(&r, im->name, sizeof(im->name)) < 0) {
		weprintf("%s: store name longer than NAMEMAX (%d)", ref, NAMEMAX - 1);
		return -1;
	}
	im->url = NULL;
	im->ref = ref;
	return store_name(im->name);
}

/* verified says whether the store's image im->name is the known tarball im */
static int
verified(struct store *s, const struct image *im)
{
	struct meta m;
	int r;

	if (!store_has(s, im->name) || store_meta(s, im->name, &m) < 0)
		return 0;
	r = *im->want ? !strcmp(m.digest, im->want) : !strcmp(m.source, im->url);
	meta_free(&m);
	return r;
}

/* refof writes the canonical form of the reference ref into buf: 0, or -1 */
static int
refof(const char *ref, char *buf, size_t len)
{
	struct ref r;

	if (!*ref || reg_parse(ref, &r))
		return -1;
	reg_canon(&r, buf, len);
	return 0;
}

int
image_holds(struct store *s, const char *name, const char *canon)
{
	char other[REFMAX + 80];
	struct meta old;
	int bad = 0;

	if (store_meta(s, name, &old) < 0)
		return 0;
	/* the name it was given, else a pull's source, which is canonical */
	if (refof(old.ref, other, sizeof(other)) == 0 && (strchr(old.ref, '/') ||
	    strchr(old.ref, '@')))
		bad = strcmp(other, canon);
	else if (!*old.ref && refof(old.source, other, sizeof(other)) == 0)
		bad = !strcmp(other, old.source) && strcmp(old.source, canon);
	if (bad)
		weprintf("%s: holds %s, not %s: remove it first (pieces rmi %s)", name,
		         *old.ref ? old.ref : old.source, canon, name);
	meta_free(&old);
	return bad ? -1 : 0;
}

/*
 * mine says whether the store's image name may stand for arg: a
 * reference with a host, a path or a digest must be the one the image
 * came from, since reg_name maps two of them to one name (a/b_c, a_b/c;
 * x@sha256:H, x:sha256-H).  0, or -1 (reported).
 */
static int
mine(struct store *s, const char *arg, const char *name)
{
	char canon[REFMAX + 80];

	if (!strpbrk(arg, "/@") || refof(arg, canon, sizeof(canon)) < 0)
		return 0;
	return image_holds(s, name, canon);
}

int
image_find(struct store *s, const char *arg, int how, struct image *im)
{
	int k, pull = how & (IMAGE_ALWAYS | IMAGE_NEVER), base = how & IMAGE_BASE;
	struct ref r;

	memset(im, 0, sizeof(*im));
	im->as = arg;
	if (how & IMAGE_REF)
		return pullref(arg, im);
	if (image_name(arg, im->name) < 0)
		return -1;
	if (!base && pull != IMAGE_ALWAYS && store_has(s, im->name)) {
		im->store = 1;
		return mine(s, arg, im->name);
	}
	if ((k = known_find(im->name, &im->url, im->want, &im->sums)) < 0)
		return -1;
	if (k && http_isurl(im->url)) {
		im->store = pull != IMAGE_ALWAYS && verified(s, im);
	} else if (k || (strpbrk(arg, ":/@") && !reg_parse(arg, &r))) {
		if (pullref(k ? im->url : arg, im) < 0 || (!k && mine(s, arg, im->name) < 0))
			return -1;
		im->store = pull != IMAGE_ALWAYS && store_has(s, im->name);
	} else if (!store_has(s, im->name)) {
		weprintf("%s: no such image", im->name);
		return -1;
	} else {
		im->store = 1;
	}
	/* a FROM's tarball may still be in the build cache: build says */
	if (!im->store && pull == IMAGE_NEVER && !(base && im->url)) {
		weprintf("%s: not in the store, and --pull=never", im->name);
		return -1;
	}
	return 0;
}

int
image_get(struct store *s, const struct image *im, const char *cafile, int flags)
{
	struct meta m = { 0 };
	struct work w;

	if (im->ref)
		return reg_pull(s, im->ref, im->name, cafile, flags);
	if (im->as && store_ref(&m, im->as) < 0)
		return -1;
	if (store_begin(s, im->name, &w) < 0)
		return -1;
	if (image_fetch(s, &w, im, cafile, flags, &m) < 0) {
		store_abort(s, &w);
		return -1;
	}
	return store_commit(s, &w, im->name, &m);
}

/* nocreds copies url into buf without a "user:password@" part */
static void
nocreds(char *buf, size_t len, const char *url)
{
	const char *a = strstr(url, "://"), *at, *end;

	a = a ? a + 3 : url;
	end = a + strcspn(a, "/?#");
	for (at = end; at > a && at[-1] != '@'; at--)
		;
	snprintf(buf, len, "%.*s%s", (int)(a - url), url, at);
}

int
image_fetch(struct store *s, struct work *w, const struct image *im, const char *cafile,
            int flags, struct meta *m)
{
	char src[PATHMAX], want[DIGESTLEN + 1];
	struct http *h;
	int r;

	memcpy(want, im->want, sizeof(want));
	/* a sum published beside the file is fetched only to fetch the file */
	if (!*want && im->sums && known_sum(im->sums, im->url, want) < 0)
		return -1;
	/* the source recorded, and the one a cached blob must have come from */
	nocreds(src, sizeof(src), im->url);
	if (*want && (r = store_cached(s, w, want, src, m)) <= 0)
		return r;
	if (!(h = http_open(im->url, cafile, flags)))
		return -1;
	r = store_unpack(s, w, (struct reader){ http_read, h }, src, *want ? want : NULL,
	                 *want != '\0', m);
	http_close(h);
	return r;
}
