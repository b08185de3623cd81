/* See LICENSE file for copyright and license details. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LEN(a)		(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

/* named limits */
#define PATHMAX		4096		/* a path inside an image */
#define PAXMAX		(1 << 20)	/* one pax extended header */
#define NAMEMAX		128		/* an image name */
#define DIRMAX		(1 << 20)	/* directories whose times wait for the end of an unpack */
#define LAYERMAX	(1 << 22)	/* paths one layer may create (whiteout bookkeeping) */
#define METAMAX		(64 << 10)	/* an image's metadata file */

/* util.c */
extern char *argv0;

/*
 * eprintf prints "pieces: " and the message to stderr and exits 1;
 * enprintf exits with status; weprintf only prints.  A format ending in
 * ':' appends strerror(errno).
 */
void eprintf(const char *fmt, ...);
void enprintf(int status, const char *fmt, ...);
void weprintf(const char *fmt, ...);

/* allocation that dies on failure */
void *emalloc(size_t n);
void *ecalloc(size_t n, size_t size);
void *erealloc(void *p, size_t n);
char *estrdup(const char *s);

/*
 * readall reads until n bytes or end of file, retrying on EINTR and short
 * reads; it returns the count read (short only at end of file) or -1 with
 * errno set.  writeall writes all n bytes or returns -1 with errno set.
 */
ssize_t readall(int fd, void *buf, size_t n);
ssize_t writeall(int fd, const void *buf, size_t n);

/*
 * fmtsize writes a human size ("3.1M") of n bytes into buf of len bytes;
 * it returns buf.
 */
char *fmtsize(char *buf, size_t len, uint64_t n);
