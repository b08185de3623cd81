/* See LICENSE file for copyright and license details. */
/*
 * Known images: what `pieces run NAME` fetches when the store has no NAME.
 * Copy to config.h (make does, once) and edit that.  A name is NAME:TAG or
 * NAME-TAG; arch is uname -m as arch/ names it.  A row without a URL is a
 * name pieces knows but cannot fetch yet, and says why.  A "URL" that is
 * an image reference (no http:// or https://) is pulled from its
 * registry for this machine's platform; its arch is NULL.
 */
static const struct known known[] = {
	/* name, tag, arch, url, sha256 (of the file at url), or why not */
	{ "alpine", "3.18", "x86_64",
	  "https://dl-cdn.alpinelinux.org/alpine/v3.18/releases/x86_64/"
	  "alpine-minirootfs-3.18.9-x86_64.tar.gz",
	  "1d90362d504b1846488bda4d9fd11ea8b8f3a567eeba01d3d881a9c98e900c3f", NULL },
	{ "alpine", "3.18", "aarch64",
	  "https://dl-cdn.alpinelinux.org/alpine/v3.18/releases/aarch64/"
	  "alpine-minirootfs-3.18.9-aarch64.tar.gz",
	  "4fa61f93ccc32c1e6097982a6f50effd9cba8139ea64aa3cfcfab3fab0851d33", NULL },
	{ "alpine", "3.18", "armv7",
	  "https://dl-cdn.alpinelinux.org/alpine/v3.18/releases/armv7/"
	  "alpine-minirootfs-3.18.9-armv7.tar.gz",
	  "dd97529f4c8e11f472488015671f3f098ccc612887483e28e90e3116713f56e2", NULL },
	/* a registry reference instead of a URL: pulled for any arch */
	{ "fedora", "38", NULL, "registry.fedoraproject.org/fedora:38", NULL, NULL },
};
