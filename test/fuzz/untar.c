/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer harness for the stream parsers of an unpack: gz_open and
 * gz_read (gzip.c) under tar_extract (tar.c), with the in-root resolver
 * (root.c) and rmtree (util.c) they call.  Each input is unpacked below a
 * scratch root, as `pieces untar` would, and must leave everything outside
 * that root as it was.
 *
 * An input is one control byte, then the stream (gzip or plain tar):
 *	bit 0		the last pass is a layer (TAR_LAYER: whiteouts apply)
 *	bit 1		two passes: the stream is unpacked plain first, then
 *			again over what that left, so members meet a lower
 *			layer (whiteouts, replaced trees, links into them)
 *	bit 2		the input fails (-1, reported) where the stream ends
 *			instead of saying end of file: an I/O error wherever a
 *			truncation can happen
 *	bits 3-4	read sizes: as asked, or at most 8, 512 or 8192 bytes,
 *			picked by a generator seeded from bit 7 and the length
 *	bit 5		the harness first writes the right checksum into each
 *			tar header of a stream that is not gzip: a mutated
 *			header then reaches the code after the checksum test
 *	bit 6		the harness gzips the stream (after bit 5), so
 *			mutations of plain tar run through inflate too
 * The seeds in test/fuzz/seeds/ are archives behind such a byte:
 * `tail -c +2 SEED | pieces untar [-l] DIR` unpacks one by hand (with
 * bit 5 or 6 set, only if its checksums are already right).
 *
 * The scratch tree is made once per process by mkdtemp, in $TMPDIR or
 * else /dev/shm (tmpfs: the unpacks never touch a disk):
 *	BASE/sentinel
 *	BASE/up/sentinel
 *	BASE/up/root/		removed and made again for each input
 * Two levels of sentinels catch ".." that climbs one or two levels out.
 * After each input the harness aborts if BASE or BASE/up holds anything
 * else, if a sentinel changed (inode, mode, owner, link count, size,
 * mtime, ctime, content: ctime also betrays chmod, chown, xattrs and new
 * hardlinks), if root is not the directory it made, if the input leaked an
 * fd, or if tar_extract succeeded without reading the stream to its end.
 * ASan does not see what a system call reads, so fsetxattr, whose name and
 * value point into tar.c's pax buffer, is wrapped here to check them first.
 * pieces dying in eprintf (out of memory, broken invariant) shows as
 * libFuzzer's "fuzz target exited": no input may get there either.  A
 * crash leaves BASE behind for a look; a clean exit removes it.
 *
 * The resolver is chosen once per process: run with PIECES_NO_OPENAT2=1
 * to fuzz the walk that kernels before 5.6 use.  Run as root (devices,
 * owners, xattrs), an escape writes wherever the archive says: run long
 * campaigns in a mount namespace with / read-only, for example
 *	unshare -m --propagation private sh -c \
 *	    'mount --bind build/fuzz build/fuzz && mount -t tmpfs tmpfs /dev/shm &&
 *	     mount -o remount,bind,ro / && exec ./untar-fuzz ...'
 * pieces reports bad archives on stderr, a line or two an input: add
 * -close_fd_mask=2 to keep only libFuzzer's own output and crash reports.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <sanitizer/asan_interface.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "../../pieces.h"

#define SENTINEL	"pieces untar-fuzz sentinel: no archive may touch this\n"
#define BLOCK		512

enum {
	LAYER = 1, TWICE = 2, FAIL = 4, FIXSUM = 1 << 5, GZIP = 1 << 6
};

/* the input as a struct reader that hands it out in chunks; for gzip it
 * is read from gzip.c's inflate thread, and only from there */
struct mem {
	const unsigned char *p;
	size_t len, off;
	size_t chunk;			/* most bytes one read gives; 0: all asked */
	uint32_t rng;
	int fail;			/* end with an error, not end of file */
};

/* what may not change outside the root */
struct guard {
	int fd;				/* the directory holding it */
	const char *name;
	struct stat st;
};

static char base[PATHMAX];
static int basefd = -1, upfd = -1, busy;
static struct guard guards[2];
static struct stat basest, upst;

/* die reports a broken rule and aborts, so libFuzzer keeps the input */
static _Noreturn void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "untar-fuzz: %s: ", base);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static ssize_t
memread(void *arg, void *buf, size_t n)
{
	struct mem *m = arg;
	size_t k;

	/* 0 means end of input: a caller asking for nothing would misread it */
	if (n == 0)
		die("a reader was asked for 0 bytes");
	if (m->off == m->len) {
		if (!m->fail)
			return 0;
		weprintf("fuzz: input fails at offset %zu", m->off);
		return -1;
	}
	k = MIN(n, m->len - m->off);
	if (m->chunk) {
		/* xorshift32: the sizes depend only on the input */
		m->rng ^= m->rng << 13;
		m->rng ^= m->rng >> 17;
		m->rng ^= m->rng << 5;
		k = MIN(k, 1 + m->rng % m->chunk);
	}
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return k;
}

/* touch makes ASan report a read of n bytes at p if they are not live */
static void
touch(const void *p, size_t n)
{
	const char *bad;

	if ((bad = __asan_region_is_poisoned((void *)p, n)))
		(void)*(const volatile char *)bad;
}

/*
 * fsetxattr stands in for libc's (the executable's own definition wins):
 * a stale name or value pointer becomes a heap-use-after-free report with
 * the stacks of its malloc and free, instead of the kernel quietly reading
 * whatever the freed memory holds now.
 */
int
fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)
{
	touch(name, strlen(name) + 1);
	touch(value, size);
	return syscall(SYS_fsetxattr, fd, name, value, size, flags);
}

static void
sentinel(struct guard *g, int fd, const char *name)
{
	int sfd;

	g->fd = fd;
	g->name = name;
	if ((sfd = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0 ||
	    writeall(sfd, SENTINEL, sizeof(SENTINEL) - 1) < 0 || fstat(sfd, &g->st) < 0 ||
	    close(sfd) < 0)
		die("%s: %s", name, strerror(errno));
}

static void
cleanup(void)
{
	/* pieces exited in the middle of an input: keep its tree to look at */
	if (busy || basefd < 0)
		return;
	if (rmtree(AT_FDCWD, base) < 0)
		fprintf(stderr, "untar-fuzz: rmtree %s: %s\n", base, strerror(errno));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	umask(022);
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	if ((size_t)snprintf(base, sizeof(base), "%s/untar-fuzz.XXXXXX", tmp) >= sizeof(base))
		die("TMPDIR too long");
	if (!mkdtemp(base))
		die("mkdtemp: %s", strerror(errno));
	if ((basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    mkdirat(basefd, "up", 0755) < 0 ||
	    (upfd = openat(basefd, "up", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		die("%s", strerror(errno));
	sentinel(&guards[0], basefd, "sentinel");
	sentinel(&guards[1], upfd, "sentinel");
	if (fstat(basefd, &basest) < 0 || fstat(upfd, &upst) < 0)
		die("fstat: %s", strerror(errno));
	if (atexit(cleanup) != 0)
		die("atexit failed");
	return 0;
}

/* fresh makes an empty root and returns its fd */
static int
fresh(void)
{
	int fd;

	if (rmtree(upfd, "root") < 0 && errno != ENOENT)
		die("rmtree up/root: %s", strerror(errno));
	if (mkdirat(upfd, "root", 0755) < 0 ||
	    (fd = openat(upfd, "root", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		die("up/root: %s", strerror(errno));
	return fd;
}

/* only checks that directory fd (path dir) holds the entries a and b */
static void
only(int fd, const char *dir, const char *a, const char *b)
{
	struct dirent *de;
	DIR *d;
	int dfd, n = 0;

	if ((dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    !(d = fdopendir(dfd)))
		die("%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strcmp(de->d_name, a) && strcmp(de->d_name, b))
			die("escape: %s/%s appeared outside the root", dir, de->d_name);
		n++;
	}
	closedir(d);
	if (n != 2)
		die("escape: %s holds %d of its 2 entries", dir, n);
}

static int
sametime(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static void
guard(const struct guard *g)
{
	char buf[sizeof(SENTINEL)];
	struct stat st;
	ssize_t n;
	int fd;

	if (fstatat(g->fd, g->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		die("escape: sentinel %s: %s", g->name, strerror(errno));
	if (st.st_ino != g->st.st_ino || st.st_mode != g->st.st_mode ||
	    st.st_uid != g->st.st_uid || st.st_gid != g->st.st_gid ||
	    st.st_nlink != g->st.st_nlink || st.st_size != g->st.st_size ||
	    !sametime(&st.st_mtim, &g->st.st_mtim) || !sametime(&st.st_ctim, &g->st.st_ctim))
		die("escape: sentinel %s changed", g->name);
	if ((fd = openat(g->fd, g->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		die("sentinel %s: %s", g->name, strerror(errno));
	n = readall(fd, buf, sizeof(buf));
	close(fd);
	if (n != sizeof(SENTINEL) - 1 || memcmp(buf, SENTINEL, n))
		die("escape: sentinel %s content changed", g->name);
}

static void
check(int rootfd)
{
	struct stat st, rst;

	only(basefd, "BASE", "sentinel", "up");
	only(upfd, "BASE/up", "sentinel", "root");
	guard(&guards[0]);
	guard(&guards[1]);
	/* BASE's entries never change; up's do, as root comes and goes */
	if (fstat(basefd, &st) < 0 || st.st_mode != basest.st_mode ||
	    st.st_uid != basest.st_uid || st.st_gid != basest.st_gid ||
	    !sametime(&st.st_mtim, &basest.st_mtim) || !sametime(&st.st_ctim, &basest.st_ctim))
		die("escape: BASE changed");
	if (fstat(upfd, &st) < 0 || st.st_mode != upst.st_mode ||
	    st.st_uid != upst.st_uid || st.st_gid != upst.st_gid)
		die("escape: BASE/up changed");
	if (fstat(rootfd, &rst) < 0 || fstatat(upfd, "root", &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_ino != rst.st_ino || !S_ISDIR(st.st_mode))
		die("escape: BASE/up/root was replaced");
}

/* unpack runs the stream through gz_open and tar_extract once */
static void
unpack(int rootfd, const uint8_t *data, size_t size, unsigned ctl, int flags)
{
	static const size_t chunks[] = { 0, 8, 512, 8192 };
	struct mem m = { 0 };
	struct reader in;
	struct gz *g;
	uint64_t bytes;
	int r;

	m.p = data;
	m.len = size;
	m.chunk = chunks[ctl >> 3 & 3];
	m.rng = (0x9e3779b9u * (ctl >> 7) ^ (uint32_t)size * 2654435761u) | 1;
	m.fail = ctl & FAIL;
	in.read = memread;
	in.arg = &m;
	if (!(g = gz_open(in)))
		return;
	in.read = gz_reader;
	in.arg = g;
	r = tar_extract(rootfd, in, flags, &bytes);
	/* after the inflate thread is gone: it is the one that reads m */
	gz_close(g);
	if (r == 0 && (m.fail || m.off != m.len))
		die("tar_extract succeeded at input offset %zu of %zu%s", m.off, m.len,
		    m.fail ? ", though the input fails at its end" : "");
}

/*
 * fixsums writes the checksum of each header of the tar stream in b, as
 * tar.c will walk them: a zero block ends it, and each header is followed
 * by the data blocks its size field says (pax size records aside).
 */
static void
fixsums(unsigned char *b, size_t len)
{
	uint64_t size;
	size_t off = 0, i;
	unsigned sum;

	while (len - off >= BLOCK) {
		for (i = 0, sum = 0; i < BLOCK; i++)
			sum += i >= 148 && i < 156 ? ' ' : b[off + i];
		if (sum == 8 * ' ')
			return;
		snprintf((char *)b + off + 148, 8, "%06o", sum);
		b[off + 155] = ' ';
		size = 0;
		if (b[off + 124] & 0x80) {
			for (i = 125; i < 136 && size >> 56 == 0; i++)
				size = size << 8 | b[off + i];
		} else {
			for (i = 124; i < 136 && b[off + i] == ' '; i++)
				;
			for (; i < 136 && b[off + i] >= '0' && b[off + i] <= '7' &&
			     size >> 60 == 0; i++)
				size = size << 3 | (b[off + i] - '0');
		}
		if (size > len)
			return;
		off += BLOCK + (size + BLOCK - 1) / BLOCK * BLOCK;
		if (off > len)
			return;
	}
}

/* gzip compresses in[0..n) into a new buffer, its length in *outlen */
static unsigned char *
gzip(const unsigned char *in, size_t n, size_t *outlen)
{
	unsigned char *out;
	z_stream z = { 0 };

	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2 failed");
	*outlen = deflateBound(&z, n);
	out = emalloc(*outlen);
	z.next_in = (unsigned char *)in;
	z.avail_in = n;
	z.next_out = out;
	z.avail_out = *outlen;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("deflate failed");
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *copy = NULL, *gz = NULL;
	unsigned ctl = size ? data[0] : 0;
	int rootfd, mark, fd;

	if (basefd < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	data += !!size;
	size -= !!size;
	if ((ctl & FIXSUM) && !(size >= 2 && data[0] == 0x1f && data[1] == 0x8b)) {
		copy = emalloc(size);
		memcpy(copy, data, size);
		fixsums(copy, size);
		data = copy;
	}
	if (ctl & GZIP)
		data = gz = gzip(data, size, &size);
	/* the lowest free fd: one more at the end is a leak */
	if ((mark = fcntl(basefd, F_DUPFD_CLOEXEC, 0)) < 0)
		die("fcntl: %s", strerror(errno));
	close(mark);
	rootfd = fresh();
	busy = 1;
	if (ctl & TWICE)
		unpack(rootfd, data, size, ctl, 0);
	unpack(rootfd, data, size, ctl, ctl & LAYER ? TAR_LAYER : 0);
	busy = 0;
	check(rootfd);
	close(rootfd);
	if ((fd = fcntl(basefd, F_DUPFD_CLOEXEC, 0)) < 0)
		die("fcntl: %s", strerror(errno));
	close(fd);
	if (fd != mark)
		die("fd %d leaked", mark);
	free(copy);
	free(gz);
	return 0;
}
