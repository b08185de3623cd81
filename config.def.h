/* See LICENSE file for copyright and license details. */
/*
 * Known images: what `pieces run NAME` fetches when the store has no NAME,
 * and what a Piecefile's FROM NAME builds on.  Copy to config.h (make
 * does, once) and edit that.  A name is NAME:TAG or NAME-TAG; arch is
 * uname -m as arch/ names it.  A file is verified by its pinned SHA-256,
 * or by the sum a sha256sum-style file published beside it gives (fetched
 * over the same verified TLS).  A row without a URL is a name pieces knows
 * but cannot fetch yet, and says why.  A "URL" that is an image reference
 * (no http:// or https://) is pulled from its registry for this machine's
 * platform; its arch is NULL.
 */
#define ALPINE(v, p, a)	"https://dl-cdn.alpinelinux.org/alpine/v" v "/releases/" a \
			"/alpine-minirootfs-" v "." p "-" a ".tar.gz"
#define UBUNTU(v, p, a)	"https://cdimage.ubuntu.com/ubuntu-base/releases/" v \
			"/release/ubuntu-base-" v "." p "-base-" a ".tar.gz"
#define UBUNTUSUMS(v)	"https://cdimage.ubuntu.com/ubuntu-base/releases/" v \
			"/release/SHA256SUMS"

static const struct known known[] = {
	/* name, tag, arch, url, sha256 (of the file at url), sums, or why not */
	{ "alpine", "3.18", "x86_64", ALPINE("3.18", "9", "x86_64"),
	  "1d90362d504b1846488bda4d9fd11ea8b8f3a567eeba01d3d881a9c98e900c3f", NULL, NULL },
	{ "alpine", "3.18", "aarch64", ALPINE("3.18", "9", "aarch64"),
	  "4fa61f93ccc32c1e6097982a6f50effd9cba8139ea64aa3cfcfab3fab0851d33", NULL, NULL },
	{ "alpine", "3.18", "armv7", ALPINE("3.18", "9", "armv7"),
	  "dd97529f4c8e11f472488015671f3f098ccc612887483e28e90e3116713f56e2", NULL, NULL },
	{ "alpine", "3.19", "x86_64", ALPINE("3.19", "4", "x86_64"),
	  NULL, ALPINE("3.19", "4", "x86_64") ".sha256", NULL },
	{ "alpine", "3.19", "aarch64", ALPINE("3.19", "4", "aarch64"),
	  NULL, ALPINE("3.19", "4", "aarch64") ".sha256", NULL },
	{ "alpine", "3.19", "armv7", ALPINE("3.19", "4", "armv7"),
	  NULL, ALPINE("3.19", "4", "armv7") ".sha256", NULL },
	{ "alpine", "3.20", "x86_64", ALPINE("3.20", "3", "x86_64"),
	  NULL, ALPINE("3.20", "3", "x86_64") ".sha256", NULL },
	{ "alpine", "3.20", "aarch64", ALPINE("3.20", "3", "aarch64"),
	  NULL, ALPINE("3.20", "3", "aarch64") ".sha256", NULL },
	{ "alpine", "3.20", "armv7", ALPINE("3.20", "3", "armv7"),
	  NULL, ALPINE("3.20", "3", "armv7") ".sha256", NULL },
	{ "alpine", "3.21", "x86_64", ALPINE("3.21", "3", "x86_64"),
	  NULL, ALPINE("3.21", "3", "x86_64") ".sha256", NULL },
	{ "alpine", "3.21", "aarch64", ALPINE("3.21", "3", "aarch64"),
	  NULL, ALPINE("3.21", "3", "aarch64") ".sha256", NULL },
	{ "alpine", "3.21", "armv7", ALPINE("3.21", "3", "armv7"),
	  NULL, ALPINE("3.21", "3", "armv7") ".sha256", NULL },
	{ "alpine", "3.22", "x86_64", ALPINE("3.22", "0", "x86_64"),
	  NULL, ALPINE("3.22", "0", "x86_64") ".sha256", NULL },
	{ "alpine", "3.22", "aarch64", ALPINE("3.22", "0", "aarch64"),
	  NULL, ALPINE("3.22", "0", "aarch64") ".sha256", NULL },
	{ "alpine", "3.22", "armv7", ALPINE("3.22", "0", "armv7"),
	  NULL, ALPINE("3.22", "0", "armv7") ".sha256", NULL },
	{ "ubuntu", "22.04", "x86_64", UBUNTU("22.04", "5", "amd64"),
	  NULL, UBUNTUSUMS("22.04"), NULL },
	{ "ubuntu", "22.04", "aarch64", UBUNTU("22.04", "5", "arm64"),
	  NULL, UBUNTUSUMS("22.04"), NULL },
	{ "ubuntu", "22.04", "armv7", UBUNTU("22.04", "5", "armhf"),
	  NULL, UBUNTUSUMS("22.04"), NULL },
	/* a registry reference instead of a URL: pulled for any arch */
	{ "fedora", "38", NULL, "registry.fedoraproject.org/fedora:38", NULL, NULL, NULL },
};
