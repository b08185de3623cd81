/* See LICENSE file for copyright and license details. */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define LEN(a)		(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

/* named limits */
#define PATHMAX		4096		/* a path inside an image */
#define PAXMAX		(1 << 20)	/* one pax extended header */
#define NAMEMAX		128		/* an image name */
#define REFMAX		512		/* an image reference, as written */
#define LEAFMAX		256		/* one path component, with its NUL */
#define DIRMAX		(1 << 20)	/* directories whose times wait for the end of an unpack */
#define LAYERMAX	(1 << 22)	/* paths one layer may create (whiteout bookkeeping) */
#define METAMAX		(64 << 10)	/* an image's metadata file */
#define PIECEFILEMAX	(1 << 20)	/* a Piecefile */

/* util.c */
extern char *argv0;

/* a byte source: read returns the count read, 0 at its end, or -1 on an
 * error it has already reported */
struct reader {
	ssize_t (*read)(void *arg, void *buf, size_t n);
	void *arg;
};

/* a struct reader on an fd; fd_read reports a failed read, naming it */
struct fdin {
	int fd;
	const char *name;
};
ssize_t fd_read(void *arg, void *buf, size_t n);

/* rd_drain reads r to its end (a digest or a framing checked there):
 * 0, or -1 (reported by r) */
int rd_drain(struct reader r);

/*
 * pieces.c: the command line.  cli_root is the store's root (-r,
 * PIECES_ROOT).  cli_lookup finds a command of the table by name (NULL:
 * none); cli_usage prints its usage to stderr and exits 1 (125 for run
 * and exec, as Docker); cli_help prints its help and exits 0.  cli_storageopt reads
 * --storage-opt size=SIZE; cli_limitopt reads the limit flag ch (one of
 * LIMITOPTS) into l: 1, 0 if ch is none, or -1 after saying what is
 * wrong; cli_limitsok checks them together: 0, or -1 (reported).
 */
struct cmd;
struct limits;
extern const char *cli_root;
const struct cmd *cli_lookup(const char *name);
_Noreturn void cli_usage(const struct cmd *c);
_Noreturn void cli_help(const struct cmd *c);
int cli_storageopt(const char *arg, uint64_t *size);
int cli_limitopt(int ch, const char *arg, struct limits *l);
int cli_limitsok(const struct limits *l);

/* the resource limit flags run and build take, as Docker spells them */
enum { LIMSWAP = 0x100, LIMPIDS, LIMCPUS, LIMSHARES };
#define LIMITOPTS \
	{ "memory", required_argument, NULL, 'm' }, \
	{ "memory-swap", required_argument, NULL, LIMSWAP }, \
	{ "pids-limit", required_argument, NULL, LIMPIDS }, \
	{ "cpus", required_argument, NULL, LIMCPUS }, \
	{ "cpu-shares", required_argument, NULL, LIMSHARES }

/* pieces.c: the command line's memory, for a process to retitle itself */
extern char *argmem;
extern size_t argmemlen;
extern char *envmem;		/* the environment's strings, as main found them */
extern size_t envmemlen;

/*
 * eprintf prints "pieces: " and the message to stderr and exits 1;
 * enprintf exits with status; weprintf only prints.  A format ending in
 * ':' appends strerror(errno).
 */
void eprintf(const char *fmt, ...);
/* where every message goes, without its "pieces: " and newline: stderr
 * by default; a caller may point it elsewhere (an OCI runtime's JSON log)
 * before the first message */
extern void (*errsink)(const char *msg);
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
 * readcap reads the whole of fd into buf of cap bytes, NUL-terminated: its
 * length, or -1 with errno set, EFBIG for a file of cap bytes or more
 * (never cut short), printing nothing.  The fd is the caller's.
 */
ssize_t readcap(int fd, char *buf, size_t cap);

/* digestok says whether s is "sha256:" and 64 lower-case hex digits, as
 * a digest is written everywhere pieces keeps or checks one */
#define DIGESTLEN	71
int digestok(const char *s);

/* pidstart reads the start time of pid, field 22 of /proc/PID/stat:
 * 0 if there is no such process, or it is a zombie */
unsigned long long pidstart(pid_t pid);

/* fd_send sends len bytes of buf and the fd fd (SCM_RIGHTS) on the
 * socket sock: sendmsg's result, printing nothing */
ssize_t fd_send(int sock, const void *buf, size_t len, int fd);

/* wstatus turns a wait status into a shell's: the exit code, or 128+signal */
int wstatus(int st);

/*
 * rmtree removes name below dirfd, a directory with all it holds, never
 * following a symlink nor entering a file system mounted below it.  It
 * returns 0 or -1 with errno set (ENOENT if name is not there, EXDEV for
 * such a mount), printing nothing.
 */
int rmtree(int dirfd, const char *name);

/*
 * fmtsize writes a human size ("3.1M") of n bytes into buf of len bytes;
 * it returns buf.
 */
char *fmtsize(char *buf, size_t len, uint64_t n);

/*
 * fmtdur writes s seconds into buf (len bytes) in Docker's words ("About
 * a minute", "3 hours"); fmtago how long ago t was ("5 seconds ago").
 * Both return buf.  fmttable prints a table as Docker's tabwriter does:
 * the heads, then n rows of ncol cells (row i's cell c is cells[i *
 * stride + c]), a column as wide as its widest cell and 3 more, 10 at
 * least, the last as it is; at most 16 columns.
 */
char *fmtdur(char *buf, size_t len, long long s);
char *fmtago(char *buf, size_t len, time_t t);
void fmttable(const char *const *head, int ncol, int stride, char *const *cells, size_t n);

/*
 * parsesize reads a size as Docker's flags take it: digits, then maybe
 * one of b k m g t (any case, binary: 64m is 64 MiB) and a "b" after a
 * unit ("1gb").  It sets *v and returns 0, or -1 for anything else or a
 * value over max, printing nothing.
 */
int parsesize(const char *s, uint64_t max, uint64_t *v);

/*
 * Lists of strings ending in NULL, NULL being the empty one.  vpush
 * appends a copy of s; vsetenv sets "KEY=value" in an environment,
 * replacing KEY's entry or appending; vfree frees a list.
 */
void vpush(char ***v, const char *s);
void vsetenv(char ***env, const char *kv);
void vfree(char **v);

/* sha256.c */
struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
};

/*
 * SHA-256 on the CPU's SHA extensions where it has them (x86 SHA-NI,
 * chosen once by CPUID; PIECES_NO_SHANI=1 forbids them), else on BearSSL's
 * portable code.  sha256_impl names the one in use: "sha-ni" or "portable".
 */
void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
void sha256_out(struct sha256 *c, unsigned char out[32]);
const char *sha256_impl(void);

/* sha256_hex finishes c into hex: 64 lower-case hex digits and a NUL */
void sha256_hex(struct sha256 *c, char *hex);

/*
 * A reader that passes in's bytes through, hashing and counting them, and
 * writing them to the fd copy too unless it is -1 (a failed write is
 * reported, naming name).  Set in, copy and name, and sha256_init sha.
 */
struct hashin {
	struct reader in;
	struct sha256 sha;
	uint64_t got;
	int copy;
	const char *name;
};
ssize_t hash_read(void *arg, void *buf, size_t n);

/* json.c */
#define JSONMAX		(4 << 20)	/* a JSON document: manifest, index, config */
#define JSONDEPTH	64		/* arrays and objects inside each other */
#define JSONSTRMAX	(1 << 20)	/* one string, decoded; or a number as written */
#define JSONNODEMAX	(1 << 18)	/* values in one document */

enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	int type;			/* JSON_* */
	int b;				/* a bool's value */
	char *key;			/* a member's name, in an object; else NULL */
	char *s;			/* a string, decoded (no NUL inside); a number as written */
	size_t len;			/* of s */
	struct json *child;		/* an array's or object's first value */
	struct json *next;		/* the next value of the same array or object */
};

/*
 * json_parse parses the JSON document buf of len bytes, named name in
 * messages, strictly (RFC 8259, valid UTF-8, no repeated member names, no
 * \u0000) and under the caps above.  It returns the tree, to be freed
 * with json_free (NULL is allowed), or NULL after reporting one line,
 * "NAME: offset N: reason" (nothing if name is NULL).
 */
struct json *json_parse(const char *name, const char *buf, size_t len);
void json_free(struct json *j);

/*
 * json_strings reads the JSON array of nothing but strings that starts
 * buf (len bytes) as json_parse reads a document, but taking any byte
 * past 0x7f in a string as it is (a Piecefile's exec form: an argv), and
 * calls each(arg, s, n) for every string in turn, decoded (n bytes, NUL
 * after; each copies what it keeps).  It returns 0 with *end just past
 * the ']' (what follows is the caller's); -1 with *why NULL if each
 * returned -1, which stops it; or -1 with *end the offset of the error
 * and *why its reason ("want a string").  It prints nothing itself.
 */
int json_strings(const char *buf, size_t len, int (*each)(void *arg, const char *s, size_t n),
                 void *arg, size_t *end, const char **why);

/*
 * json_quote writes s as a JSON string at o: in quotes, with '"', '\'
 * and control bytes escaped, other bytes as they are.  It needs
 * JSONQUOTE(strlen(s)) bytes, writes no NUL, and returns the end.
 */
#define JSONQUOTE(n)	(6 * (n) + 2)
char *json_quote(char *o, const char *s);

/*
 * json_get returns the member key of the object obj, or NULL (obj NULL or
 * not an object, or no such member); json_str the same if it is a string,
 * as its text.  json_u64 reads a non-negative integer: 0, or -1 if j is
 * not one or it overflows.  json_strv copies an array of strings into a
 * new NULL-terminated list in *out (NULL for a missing or null arr): 0,
 * or -1 if arr holds anything else.  None of them prints.
 */
struct json *json_get(const struct json *obj, const char *key);
const char *json_str(const struct json *obj, const char *key);
int json_u64(const struct json *j, uint64_t *v);
int json_strv(const struct json *arr, char ***out);

/* root.c */
/*
 * root_open opens path below the directory rootfd with open(2) flags,
 * every symlink and ".." resolved inside the root (openat2 RESOLVE_IN_ROOT,
 * or a walk on kernels without it, or when PIECES_NO_OPENAT2 is set).
 * With O_NOFOLLOW the last component is not followed.  It returns an fd
 * or -1 with errno set, printing nothing.
 */
int root_open(int rootfd, const char *path, int flags);

/*
 * root_parent opens the directory holding path below rootfd (resolved as
 * root_open does) and copies its last component into leaf (LEAFMAX
 * bytes), for use with *at() calls.  It returns the fd or -1 with errno
 * set (EINVAL for a last component of "", "." or ".."), printing nothing.
 */
int root_parent(int rootfd, const char *path, char *leaf);

/*
 * root_mkdirs creates the missing directories of path below rootfd, mode
 * 0755, each through the resolver; for a dangling symlink on the way it
 * makes what the link names inside the root.  It returns 0 or -1 with
 * errno set.
 */
int root_mkdirs(int rootfd, const char *path);

/*
 * root_openfile opens path below rootfd (resolved as root_open does; of
 * flags only O_NOFOLLOW counts) for reading, non-blocking, if it is a
 * regular file or a directory, its fstat in st.  A fifo, device, socket
 * is never opened: -1 with errno EINVAL.  It returns the fd or -1 with
 * errno set, printing nothing.
 */
struct stat;
int root_openfile(int rootfd, const char *path, int flags, struct stat *st);

/*
 * root_fddir makes root_openfile reopen through dirfd, an fd of this
 * process's own /proc/PID/fd, rather than /proc/self/fd (-1 again: that):
 * for exec, in a container's mount namespace whose /proc is of a PID
 * namespace it is not in, where "self" is no one.
 */
void root_fddir(int dirfd);

/*
 * root_readfile reads the regular file path below rootfd (opened as
 * root_openfile does) into buf of cap bytes, NUL-terminated: its length,
 * or -1 with errno set, printing nothing: EINVAL for what is not a
 * regular file or directory, EISDIR, EFBIG for a file of cap bytes or more.
 */
ssize_t root_readfile(int rootfd, const char *path, char *buf, size_t cap);

/* gzip.c */
#define GZBUF		(64 << 10)	/* compressed input buffered */
struct gz;

/*
 * gz_open sniffs the start of in: gzip is inflated, xz, bzip2, zstd and
 * other compressors are refused by name, anything else passes through as
 * plain data.  It returns a new gz or NULL on an error it reported.
 */
struct gz *gz_open(struct reader in);

/*
 * gz_read reads up to n uncompressed bytes into buf.  It returns the count,
 * 0 at the end of a complete stream (every member's CRC-32 and ISIZE
 * checked), or -1 on corrupt or truncated input, already reported.
 * gz_reader is the same as a struct reader callback (arg a struct gz).
 */
ssize_t gz_read(struct gz *g, void *buf, size_t n);
ssize_t gz_reader(void *arg, void *buf, size_t n);

/* gz_close frees g; NULL is allowed */
void gz_close(struct gz *g);

/* tar.c */
#define TAR_LAYER	1	/* apply OCI whiteouts */

/*
 * tar_extract unpacks the tar stream in below the directory rootfd,
 * keeping every entry inside it.  With TAR_LAYER, whiteout members remove
 * what lower layers left instead of being unpacked.  It returns 0 and the
 * bytes of file data in *bytes (if not NULL), or -1 on an error it
 * reported, naming the member and its offset; what was unpacked stays.
 */
int tar_extract(int rootfd, struct reader in, int flags, uint64_t *bytes);

/* a byte sink: write takes all n bytes, 0, or -1 on an error it has
 * already reported */
struct writer {
	int (*write)(void *arg, const void *buf, size_t n);
	void *arg;
};

/*
 * tar_tree writes what is below the directory dirfd to out as tar
 * members (ustar, pax where a field does not fit; no end marker), in
 * byte order of names, never following a symlink: directories, regular
 * files (with a security.capability xattr), symlinks, hard links (the
 * first path of a file is the target of the others), devices and fifos,
 * with modes, numeric owners and mtimes.  Sockets are left out, with a
 * warning; a name starting ".wh." is refused, as a loader would take it
 * for a whiteout.  It returns 0, or -1 (reported, naming the path).
 */
int tar_tree(int dirfd, struct writer out);

/*
 * tar_put writes one member name to out: a directory if mode says so
 * (S_IFDIR), else a regular file of exactly size bytes read from in (one
 * that ends early is an error), with mode's permissions, owner 0 and
 * mtime.  tar_end writes the end-of-archive blocks.  Both return 0, or
 * -1 (reported).
 */
int tar_put(struct writer out, const char *name, mode_t mode, time_t mtime, struct reader in,
            uint64_t size);
int tar_end(struct writer out);

/* tls.c */
struct tls;

/*
 * tls_open starts a TLS 1.2 client for host over the transport of rd and
 * wr (callbacks as br_sslio's: a count, or -1 on any failure, EOF
 * included), verifying the server against the PEM CA file cafile, else
 * the config file's (conf_cafile), else SSL_CERT_FILE, else the system
 * bundle (read once a process).  host is a name (SNI and name check) or
 * an IP address (checked against the certificate's addresses).  The
 * handshake runs with the first write.
 * It returns a new tls, or NULL after reporting why.
 */
struct tls *tls_open(const char *host, const char *cafile,
                     int (*rd)(void *, unsigned char *, size_t),
                     int (*wr)(void *, const unsigned char *, size_t), void *arg);

/*
 * tls_read reads up to n bytes: the count, 0 after the server's
 * close_notify, or -1.  tls_write sends and flushes n bytes: 0 or -1.
 * Neither prints; after -1, tls_error says why in words, or is NULL when
 * the transport failed (the callbacks know how).  tls_close frees t (NULL
 * is allowed); the transport is the caller's.
 */
ssize_t tls_read(struct tls *t, void *buf, size_t n);
int tls_write(struct tls *t, const void *buf, size_t n);
const char *tls_error(struct tls *t);
void tls_close(struct tls *t);

/* config.c */
#define CONFIGMAX	(64 << 10)	/* the config file, the credentials file */
#define CREDMAX		512		/* "user:password", with its NUL */

/*
 * conf_load reads the config file (PIECES_CONFIG, else /etc/pieces/config,
 * which may be missing) and PIECES_MIRRORS and PIECES_TIMEOUT, once a
 * process: 0, or -1 after reporting one line ("FILE:LINE: reason"), and
 * the same -1, unreported, on every later call.  The accessors answer
 * from what it read, and as if nothing were set before it:
 *	conf_mirror	the prefix that replaces the first mirror FROM url
 *			starts with, that FROM's length in *n; or NULL
 *	conf_auth	the user:password of the first auth line for host
 *			or host:port (any case), or NULL
 *	conf_cafile	the cafile line's file, or NULL
 *	conf_timeout	the timeout in seconds (PIECES_TIMEOUT's, else the
 *			file's), or 0 if neither sets one
 */
int conf_load(void);
const char *conf_mirror(const char *url, size_t *n);
const char *conf_auth(const char *host, const char *port);
const char *conf_cafile(void);
int conf_timeout(void);

/*
 * The credentials file: conf_authfile names it (PIECES_AUTH, else
 * /etc/pieces/auth).  conf_cred copies the user:password stored for
 * domain in file (NULL: conf_authfile's) into cred (CREDMAX bytes), for
 * the caller to wipe: 1, 0 if there is none or no file, or -1 (reported).
 * conf_credstage writes the file with domain's line replaced by
 * user:password (that fits CREDMAX) to a new file beside it, mode 0600,
 * and its path into tmp (PATHMAX bytes): 0, or -1 (reported, nothing
 * left).  conf_credend with keep puts tmp in the file's place, else
 * removes it: 0, or -1 (reported; tmp removed).  What they read or write
 * is wiped before it is freed.
 */
const char *conf_authfile(void);
int conf_cred(const char *file, const char *domain, char *cred);
int conf_credstage(const char *domain, const char *user, const char *password, char *tmp);
int conf_credend(const char *tmp, int keep);

/* http.c */
#define URLMAX		4096		/* a URL, after rewriting */
#define HDRMAX		(32 << 10)	/* a response's status line and headers */
#define REDIRMAX	10		/* redirects followed */
#define RESUMEMAX	3		/* Range requests to finish one dropped body */
#define CAFILEMAX	(4 << 20)	/* a PEM bundle of CA certificates */

#define AUTHMAX		(16 << 10)	/* an Authorization header's value */
#define ACCEPTMAX	1024		/* an Accept header's value */

#define HTTP_QUIET	1		/* no progress line, even on a terminal */
#define HTTP_ANY	2		/* hand any final status to the caller */

struct http;

/* what http_get sends besides a plain GET; the strings must outlive the handle */
struct httpreq {
	const char *accept;		/* the Accept header's value; NULL: any */
	const char *auth;		/* an Authorization value; NULL: the config's */
	int flags;			/* HTTP_QUIET, HTTP_ANY */
};

/* http_isurl says whether s starts with http:// or https:// */
int http_isurl(const char *s);

/*
 * http_open GETs url, rewritten by the mirror list, following redirects,
 * verifying TLS against the CA file cafile (NULL: the config's,
 * SSL_CERT_FILE's or the system's).  It returns a handle on a 200
 * response whose body http_read yields, or NULL on an error it reported.
 */
struct http *http_open(const char *url, const char *cafile, int flags);

/*
 * http_get is http_open with rq's headers.  rq->auth goes only to the
 * scheme, host and port of url (after rewriting), never after a redirect
 * elsewhere.  With HTTP_ANY, any final status (4xx, 5xx) comes back as a
 * handle, unreported, its body readable, for the caller to judge.
 * http_status returns the handle's status, http_url its URL to print.
 * http_header copies the trimmed value of the response header name (the
 * first of that name) into buf: 1, 0 if absent, -1 if longer than len.
 */
struct http *http_get(const char *url, const char *cafile, const struct httpreq *rq);
int http_status(const struct http *h);
const char *http_url(const struct http *h);

/*
 * http_deadline gives the rest of h's body ten timeouts (PIECES_TIMEOUT,
 * 300 s by default) to come, for small bodies a server could otherwise
 * trickle for hours; past it http_read fails, reported.
 */
void http_deadline(struct http *h);

/* http_moved says whether h's response came from another scheme, host or
 * port than the first URL's (after rewriting): a redirect elsewhere */
int http_moved(const struct http *h);
int http_header(const struct http *h, const char *name, char *buf, size_t len);

/* http_base64 writes the base64 of s[0..n) into dst, 4 * ((n + 2) / 3) + 1 bytes */
void http_base64(char *dst, const unsigned char *s, size_t n);

/*
 * http_parse reads one response from in as http_open reads a server's
 * (for the fuzzer and tests): a handle on its body, or NULL (reported).
 */
struct http *http_parse(struct reader in);

/*
 * http_read is a reader callback on a struct http: up to n body bytes, 0
 * once the body is complete by its framing, or -1 on an error reported
 * (after a few Range resumptions of a dropped connection, where allowed).
 * It draws the progress line.  http_close closes and frees h; NULL is
 * allowed.
 */
ssize_t http_read(void *arg, void *buf, size_t n);
void http_close(struct http *h);

/* oci.c */
#define REFMAX		512		/* an image reference, as written */
#define DESCMAX		1024		/* layers of a manifest, entries of an index */
#define DESCTYPEMAX	256		/* a media type */

/* the media types pieces reads */
#define MT_OCI_INDEX	"application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG	"application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER	"application/vnd.oci.image.layer.v1.tar"
#define MT_DOCKER_LIST	"application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_V2	"application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER	"application/vnd.docker.image.rootfs.diff.tar.gzip"

/* an image reference, parsed: docker.io/library/alpine:3.20 */
struct ref {
	char domain[256];		/* as Docker names it: "docker.io", "localhost:5000" */
	char host[256];			/* where its API is: "registry-1.docker.io" */
	char repo[REFMAX];		/* "library/alpine" */
	char tag[132];			/* "latest" if neither tag nor digest was given */
	char digest[72];		/* "sha256:HEX", or "" */
};

/* an OCI descriptor, with the platform of an index entry */
struct desc {
	char type[DESCTYPEMAX];
	char digest[72];
	uint64_t size;
	char os[32], arch[32], variant[16];
	int attest;			/* an attestation, or an entry we skip */
};

/* an index (index set: d are its entries) or an image manifest (config, layers d) */
struct manifest {
	int index;
	struct desc config;
	struct desc *d;
	size_t n;
};

/*
 * reg_parse parses an image reference as Docker does: an optional
 * registry host[:port] (docker.io if none; "library/" added to its
 * one-component names), the repository, ":TAG" (default latest),
 * "@sha256:HEX".  It returns NULL, or why s is not one, printing nothing.
 * reg_canon writes r in full ("docker.io/library/alpine:3.20") into buf.
 * reg_name writes the store name of r into name (len bytes): Docker Hub's
 * docker.io/ and library/ dropped, ":latest" dropped, '/' as '_', ':' and
 * '@' as '-' ("alpine-3.20", "ghcr.io_owner_app-1.2"): 0, or -1 if it
 * would be longer than NAMEMAX-1, printing nothing.
 */
const char *reg_parse(const char *s, struct ref *r);
void reg_canon(const struct ref *r, char *buf, size_t len);
int reg_name(const struct ref *r, char *name, size_t len);

/*
 * reg_registry sets r's domain and host for the registry domain[0..n)
 * ("docker.io", "index.docker.io", "localhost:5000") as reg_parse does
 * for a reference's: 0, or -1 if it is not a registry host (name or IPv4
 * labels, then maybe ":PORT"), printing nothing.
 */
int reg_registry(const char *domain, size_t n, struct ref *r);

/*
 * The readers of what a registry sends, named name in messages, each
 * 0 or -1 (reported).  reg_manifest reads an index or an image manifest
 * (ctype: its Content-Type, or NULL) into m, to be freed with reg_free.
 * reg_select returns the index of idx's entry for the platform arch
 * (OCI or uname names) and variant, or -1 if there is none.
 * reg_config reads an image config for a manifest of nlayer layers into
 * m's workdir, user, env, cmd, entrypoint and labels (freed with meta_free
 * even on failure) and its diff_ids into a new array *diffid.
 */
int reg_manifest(const char *name, const char *buf, size_t len, const char *ctype,
                 struct manifest *m);
void reg_free(struct manifest *m);
int reg_select(const char *name, const struct manifest *idx, const char *arch,
               const char *variant);
struct meta;
int reg_config(const char *name, const char *buf, size_t len, size_t nlayer, struct meta *m,
               char (**diffid)[72]);

/* registry.c */
/*
 * reg_pull pulls the image reference ref into the store s (open for
 * writing) as image name (NULL: reg_name's), for this machine's platform,
 * verified throughout, atomically; an image of that name pulled from the
 * same reference with the same manifest digest is left as it is, after
 * one manifest request.  cafile and flags (HTTP_QUIET) go to http_get.
 * It returns 0, or -1 (reported) with nothing stored.
 */
struct store;
int reg_pull(struct store *s, const char *ref, const char *name, const char *cafile, int flags);

/*
 * reg_login checks user and password against the registry domain
 * ("docker.io", "host:port") and on success stores them in the
 * credentials file (conf_authfile) that pulls use.  password is wiped
 * before return.  0, or -1 (reported).
 */
int reg_login(const char *domain, const char *user, char *password, const char *cafile);

/* store.c */
struct store {
	const char *root;
	int fd, imgfd, tmpfd, cachefd, lockfd;
};

struct meta {
	char name[NAMEMAX];
	char ref[REFMAX];		/* the name it was given as written, or "" (store_ref) */
	char source[PATHMAX];
	char digest[80];		/* sha256:HEX of what was imported */
	time_t created;
	uint64_t size;			/* bytes of file data */
	char workdir[PATHMAX];		/* "" if unset, as user */
	char user[64];
	char **entrypoint, **cmd, **env;	/* NULL-terminated; NULL if unset */
	char **label;			/* "KEY=value" each */
	char **expose;			/* "PORT/PROTO" each */
	char build[72];			/* sha256:HEX of the build step that made it */
};

/* a work tree: an image being made, invisible until store_commit */
struct work {
	char name[NAMEMAX + 32];	/* its directory below tmp/ */
	int fd, rootfd;			/* the tree (flocked) and its rootfs/ */
};

/*
 * store_name checks an image name before it touches the file system:
 * letters, digits, '.', '_' and '-', starting with a letter or digit, at
 * most NAMEMAX-1 long.  It returns 0, or -1 after saying what is wrong.
 * store_word checks a name of another kind, what ("container"), so.
 */
int store_name(const char *name);
int store_word(const char *name, const char *what);

/*
 * store_open opens the store at root; with write it creates what is
 * missing and removes work trees that dead writers left.  A store that
 * does not exist opens empty for reading.  It returns 0, or -1 (reported).
 * store_close closes it.
 */
int store_open(struct store *s, const char *root, int write);
void store_close(struct store *s);

/*
 * store_ref records in m the name an image was given, as the user wrote
 * it (alpine:3.18, my/app:1, alpine-3.18): the meta's "ref" line, which
 * images shows as REPOSITORY and TAG.  import, build and a fetched
 * tarball record one; a pull records none, its source being its
 * reference, nor did stores older than the line.  It returns 0, or -1
 * after saying that ref is longer than REFMAX-1.
 */
int store_ref(struct meta *m, const char *ref);

/*
 * store_import unpacks the (gzip or plain) tar stream in as image name,
 * atomically replacing an image of that name only when all went well.  If
 * want ("sha256:HEX") is set, the stream's digest must match it.  source
 * and ref (store_ref; NULL: none) are recorded.  It returns 0, or -1
 * (reported) with nothing stored.
 */
int store_import(struct store *s, const char *name, struct reader in,
                 const char *source, const char *want, const char *ref);

/*
 * store_unpack unpacks the (gzip or plain) tar stream in into the work
 * tree w, filling m's source (source, as given), digest and size.  With
 * want ("sha256:HEX"), the stream's digest must match it.  With keep, the
 * stream is also kept as blobs/sha256/HEX once it matched, recorded as
 * having come from source (a warning if it cannot be).  It returns 0, or
 * -1 (reported) with w to be aborted.
 */
int store_unpack(struct store *s, struct work *w, struct reader in, const char *source,
                 const char *want, int keep, struct meta *m);

/*
 * store_cached unpacks into w, as store_unpack does, the blob of digest
 * want that was kept from source, and only from source: a digest proves a
 * file only to whoever already has it.  It returns 0; 1 if the cache has
 * no such blob from source (unreported); or -1 (reported), the blob
 * dropped from the cache if it failed its digest, with w to be aborted.
 */
int store_cached(struct store *s, struct work *w, const char *want, const char *src,
                 struct meta *m);

/*
 * store_begin makes a fresh work tree with an empty rootfs/ for image
 * name: 0, or -1 (reported).  store_commit writes m (created set to now if
 * 0) as the meta of w and makes it image name, atomically replacing one of
 * that name: 0, or -1 (reported); w is closed, and removed on failure.
 * store_abort removes w and closes it.
 */
int store_begin(struct store *s, const char *name, struct work *w);
int store_commit(struct store *s, struct work *w, const char *name, struct meta *m);
void store_abort(struct store *s, struct work *w);

/*
 * The build cache: a tree for each build step that changed one, named by
 * the step's key (hex).  store_step opens cache/HEX as store_image opens
 * an image: its fd, or -1 with errno ENOENT if there is none (unreported)
 * or after reporting another error.  store_commitstep commits w as
 * cache/HEX as store_commit does.
 */
int store_step(struct store *s, const char *hex, struct meta *m);

/* store_metaok says whether m fits in METAMAX: 0, or -1 */
int store_metaok(struct meta *m);
int store_commitstep(struct store *s, struct work *w, const char *hex, struct meta *m);

/*
 * store_prune empties the build cache, saying how many steps it removed;
 * a tree a build is using goes once it is done.  0, or -1 (reported).
 */
int store_prune(struct store *s);

/*
 * store_blob opens the cached blobs/sha256/HEX read-only: an fd, or -1
 * with errno set (ENOENT: not cached), printing nothing.  store_keep moves
 * the file file of work tree w, already verified against hex, into that
 * cache: 0, or -1 (warned: it costs a download next time).
 */
int store_blob(struct store *s, const char *hex);
int store_keep(struct store *s, struct work *w, const char *file, const char *hex);

/*
 * store_image opens image name for use and reads its metadata into m (to
 * be freed with meta_free).  It returns the image directory's fd, holding
 * a shared lock that keeps a replaced tree from being removed while it is
 * in use, or -1 on an error it reported.
 */
int store_image(struct store *s, const char *name, struct meta *m);

/*
 * store_rootfs describes for ns.c a container's root on the tree sub/name
 * of s ("images", or "cache" for a build step; open as fd, locked): its
 * rootfs/ as fs's lower, w's directory as the upper layer on disk (for a
 * build step) or none, tmp/ as the scratch.  0, or -1 (reported).
 */
struct rootfs;
int store_rootfs(struct store *s, const char *sub, const char *name, int fd,
                 const struct work *w, struct rootfs *fs);

/*
 * store_meta reads the metadata of image name into m: 0, or -1 with errno
 * set, printing nothing; meta_free frees the lists it allocated.
 * store_names puts the names of the store's images, sorted, in a new list
 * *names (NULL for none; vfree frees it): 0, or -1 (reported).
 * store_remove removes image name: 0, or -1 (reported).
 */
int store_meta(struct store *s, const char *name, struct meta *m);

/* store_has says whether the store has an image name */
int store_has(struct store *s, const char *name);
void meta_free(struct meta *m);
int store_names(struct store *s, char ***names);
int store_remove(struct store *s, const char *name);

/* tree.c */
#define DEPTHMAX	(PATHMAX / 2)	/* directories deep a tree may be walked */

struct work;

/*
 * tree_clone fills the empty rootfs/ of w with the tree rootfs/ of the
 * image directory treefd, as hard links, directories made anew with
 * their modes, owners, times and xattrs; *bytes is its file data.
 * tree_apply moves w's overlayfs upper/ onto its rootfs/, a clone of the
 * lower tree: whiteouts remove, opaque directories replace, the rest
 * replaces what was there.  Both return 0, or -1 with errno set,
 * printing nothing.  tree_sub opens the subdirectory name of fd (no
 * symlink followed): its fd, or -1.  tree_each calls fn(arg, fd, name)
 * on each entry of the directory fd but . and ..: 0, or fn's first -1.
 * tree_gone removes name from fd, whatever it is: 0 (also if it was not
 * there), or -1 with errno set.
 */
int tree_clone(int treefd, struct work *w, uint64_t *bytes);
int tree_apply(struct work *w);
int tree_sub(int fd, const char *name);
int tree_each(int fd, int (*fn)(void *, int, const char *), void *arg);
int tree_gone(int fd, const char *name);

/* what a tree holds on disk: a file's blocks shared by its links counted
 * once in all; tree_du adds the directory fd's (d zeroed first by the
 * caller): 0, or -1 with errno set (ELOOP past DEPTHMAX) */
struct du {
	uint64_t bytes, files;
	int depth;
};
int tree_du(int fd, struct du *d);

/* known.c */
#define SUMSMAX		(1 << 20)	/* a SHA256SUMS file read */

/*
 * known_find looks a store name (alpine-3.18) up in the known images for
 * this architecture: 1 with its *url and, for a tarball, its pinned digest
 * in want (DIGESTLEN + 1 bytes, "sha256:HEX") or "" there and *sums the
 * URL of the sums file published beside it; for a registry reference to
 * pull (*url not http_isurl), want "" and *sums NULL.  It returns 0 if
 * name is not known, or -1 after saying why a known one cannot be fetched
 * (or that its pinned sum is malformed).
 */
int known_find(const char *name, const char **url, char *want, const char **sums);

/*
 * known_sum fetches the sha256sum-style file at sums (under SUMSMAX) and
 * writes the "sha256:HEX" it gives for url's file name into want
 * (DIGESTLEN + 1 bytes): 0, or -1 (reported).
 */
int known_sum(const char *sums, const char *url, char *want);

/* image.c */
#define IMAGE_MISSING	0	/* the store's image if it is the one named, else fetched */
#define IMAGE_ALWAYS	1	/* fetched or pulled anew */
#define IMAGE_NEVER	2	/* never the network: the store's, or an error */
#define IMAGE_BASE	4	/* a build's FROM: a known name is the known image only */
#define IMAGE_REF	8	/* a registry reference and nothing else, as pull takes it */

/* what an image name stands for: the store's image name, or what to fetch */
struct image {
	char name[NAMEMAX];		/* the store name it has, or gets */
	int store;			/* 1: the store's image name is the answer */
	const char *url;		/* else a tarball to fetch, or NULL */
	char want[DIGESTLEN + 1];	/* its "sha256:HEX", or "" */
	const char *sums;		/* or the sums file that gives it, or NULL */
	const char *ref;		/* else a registry reference to pull, or NULL */
	const char *as;			/* the name as written, for store_ref; or NULL */
};

/*
 * image_pull reads a --pull value (NULL: --pull alone, always): its
 * IMAGE_MISSING, IMAGE_ALWAYS or IMAGE_NEVER, or -1, printing nothing.
 */
int image_pull(const char *s);

/*
 * image_name writes the store name of the image name arg into name
 * (NAMEMAX bytes): a reference's is reg_name's (alpine:3.18 is
 * alpine-3.18, ghcr.io/o/app:1 ghcr.io_o_app-1), else NAME:TAG is
 * NAME-TAG and a store name is itself.  It returns 0, or -1 after saying
 * what is wrong (an empty tag, what store_name refuses).
 */
int image_name(const char *arg, char *name);

/*
 * image_find answers what the image name arg means in the store s, with
 * how: one of IMAGE_MISSING, _ALWAYS, _NEVER, maybe with IMAGE_BASE or
 * IMAGE_REF (see image.c for the policy; with IMAGE_REF s is not used
 * and may be NULL).  It fills im, whose url, ref and as point into arg or
 * the known table, and returns 0; or -1 after saying why (no such image,
 * --pull=never and not in the store, a bad name).  It never touches the
 * network.
 */
int image_find(struct store *s, const char *arg, int how, struct image *im);

/*
 * image_holds refuses the store's image name when it is known to come
 * from another reference than canon (canonical, as reg_canon writes it):
 * the name it was given, or its pull's source.  0 (no such image, or
 * not known to be another), or -1 after saying what it holds.
 */
int image_holds(struct store *s, const char *name, const char *canon);

/*
 * image_get brings im (not im->store) into the store s, open for
 * writing, as image im->name, atomically: its tarball fetched and
 * verified (image_fetch), im->as recorded as its ref, or its reference
 * pulled (reg_pull).  cafile
 * and flags go to http_open.  It returns 0, or -1 (reported) with
 * nothing stored.
 */
int image_get(struct store *s, const struct image *im, const char *cafile, int flags);

/*
 * image_fetch unpacks im's tarball into the work tree w, filling m's
 * source (the URL without credentials), digest and size.  Its digest is
 * im->want, else the one im->sums gives (fetched first); with one, the
 * blob cache serves it if it holds the file from that URL, and a
 * download joins the cache once it matched.  It returns 0, or -1
 * (reported) with w to be aborted.
 */
int image_fetch(struct store *s, struct work *w, const struct image *im, const char *cafile,
                int flags, struct meta *m);

/* archive.c */
#define ARC_DOCKER	1		/* a docker save archive: manifest.json */
#define ARC_OCI		2		/* an OCI image layout: oci-layout, index.json */

/*
 * arc_kind says what the unpacked tree at rootfd is: ARC_DOCKER (a
 * manifest.json that is a JSON array, or not a regular file), ARC_OCI
 * (oci-layout and index.json), or 0: anything else, and any tree with a
 * bin/ (a root file system, whatever else it holds).  It prints nothing.
 */
int arc_kind(int rootfd);

/*
 * arc_load stores the docker save archive or OCI image layout tarball
 * (gzip or plain) read from in, named what in messages, as an image of
 * the store s (open for writing), atomically: its layers applied in
 * order, each checked against its digests, its config checked and read
 * into the metadata, with source recorded and the config's digest as
 * the digest.  The image is name (a store name) if that is not NULL,
 * else the name the archive gives, as image_name maps it; the name it
 * got is copied into out (NAMEMAX bytes).  It returns 0, or -1
 * (reported, naming the member and why) with nothing stored.
 */
int arc_load(struct store *s, struct reader in, const char *what, const char *source,
             const char *name, char *out);

/*
 * arc_save writes the image arg (as run names it) of the store s to fd,
 * named what in messages, as a docker save archive that is an OCI image
 * layout too: one layer holding the image's tree, the config from its
 * metadata, RepoTags arg as a reference in full (none, with a warning,
 * if arg is not one with a tag).  s must be open for writing: the layer
 * is made in a work tree first, for its digest.  It returns 0, or -1
 * (reported), the archive then cut short: the caller's to remove.
 */
int arc_save(struct store *s, const char *arg, int fd, const char *what);

/* show.c */
#define SHOW_QUIET	1	/* images -q: store names only */
#define SHOW_NOTRUNC	2	/* images --no-trunc: whole digests, and the source */

/*
 * show_images prints the images of s that pat names (NULL: all; a name
 * or a pattern, as docker images takes them), newest first: Docker's
 * table of REPOSITORY, TAG, IMAGE ID, CREATED and SIZE, each column as
 * wide as its cells need (show.c says what the names shown are); with
 * SHOW_QUIET only their store names, a line each.  It returns 0, or -1
 * after reporting an image whose metadata it could not read (the others
 * are printed).
 */
int show_images(struct store *s, const char *pat, int flags);

#define FORMATMAX	4096		/* inspect -f's template */

/*
 * show_inspect prints the images the n names in args name (as run takes
 * them) as docker inspect does: a JSON array of an object each, indented
 * as Docker's, with the image's Id, Name, RepoTags, RepoDigests, Source,
 * Digest, Created, Size and Config; or with fmt (not NULL), a line an
 * image made by that template, of the forms show.c reads.  A template it
 * cannot read is reported before anything is printed; a name of no
 * image, or an image the template cannot be applied to (an index out of
 * range), is reported, and the others printed.  It returns 0, or -1 if
 * anything was reported.
 */
int show_inspect(struct store *s, char **args, int n, const char *fmt);

/* seccomp.c */
/*
 * seccomp_load confines the calling process, and all it starts, to
 * Docker's default seccomp profile for a container that keeps the
 * capabilities caps, which widen it as Docker's do; no_new_privs must be
 * set (or CAP_SYS_ADMIN held).  Foreign ABIs' calls kill the process.  It
 * returns 0, or -1 with errno set (EINVAL if its own tables are out of
 * order), printing nothing.
 */
int seccomp_load(uint64_t caps);

/*
 * seccomp_check runs the same program on a call, as the kernel would: the
 * audit architecture arch (0: this one's), number nr and first argument
 * arg0 it comes with.  It sets *ret to the action (SECCOMP_RET_ALLOW, _ERRNO with the
 * errno in the low 16 bits, _KILL_PROCESS) and returns 0, or -1 with errno
 * set, printing nothing.  seccomp_nr looks a call's name up in the
 * architecture's table: 0, or -1 if it has no such call.
 */
int seccomp_check(uint64_t caps, uint32_t arch, uint32_t nr, uint64_t arg0, uint32_t *ret);
int seccomp_nr(const char *name, uint32_t *nr);

/*
 * An OCI seccomp profile (config.json's linux.seccomp), as spec.c reads
 * it: a default action, and rules, each naming calls (names this
 * architecture lacks are skipped, as runc skips them) with an action
 * taken when every comparison of an argument holds (runc's rule: when
 * two compare the same argument, when any one holds).  A call's rules
 * are tried in the profile's order, the first to hold deciding.
 */
#define SCRULEMAX	4096		/* rules of a profile */
#define SCNAMEMAX	64		/* a call's name, with its NUL */
#define SCARGMAX	6		/* comparisons of one rule */

enum { SC_KILL_THREAD, SC_KILL_PROCESS, SC_TRAP, SC_ERRNO, SC_TRACE, SC_ALLOW, SC_LOG };
enum { SC_NE, SC_LT, SC_LE, SC_EQ, SC_GE, SC_GT, SC_MASKED_EQ };

struct scaction {
	int act;			/* SC_* */
	uint32_t errnoret;		/* for SC_ERRNO and SC_TRACE */
};

struct sccmp {
	unsigned index;			/* the argument, 0-5 */
	int op;				/* SC_NE ... */
	uint64_t value, value2;		/* MASKED_EQ: (arg & value) == value2 */
};

struct scrule {
	char **names;			/* the calls, NULL-terminated */
	struct scaction action;
	struct sccmp arg[SCARGMAX];
	int narg;
};

struct scprofile {
	struct scaction action;		/* what a call no rule decides gets */
	struct scrule *rule;
	int nrule;
};

/*
 * seccomp_profile_load confines the calling process, and all it starts,
 * to the profile p, compiled for this architecture; seccomp_profile_check
 * runs that program on a call of the audit architecture arch (0: this
 * one's), number nr and arguments args, setting *ret to the action, as
 * seccomp_check does.  Calls of other ABIs are killed, as with the
 * default profile.  Both return 0, or -1 with errno set (E2BIG for a
 * program past BPF_MAXINSNS), printing nothing.
 */
int seccomp_profile_load(const struct scprofile *p);
int seccomp_profile_check(const struct scprofile *p, uint32_t arch, uint32_t nr,
                          const uint64_t args[6], uint32_t *ret);

/* ns.c: the container runtime; it knows nothing of the store (see ns.c) */
/* a volume: a host path bound in, or a tmpfs of its own (--tmpfs) */
struct vol {
	char *src, *dst;		/* host path, or NULL: a tmpfs; absolute path inside */
	int ro;
	uint64_t size;			/* a tmpfs's bound */
	unsigned mode;			/* its root's */
	int exec;			/* its files may be executed */
};

/* a directory, by path (opened again in the container's mount namespace)
 * and by the device and inode it must have there */
struct tree {
	char path[PATHMAX];
	dev_t dev;
	ino_t ino;
};

/* the container's root: an overlay of lower, never written, and an upper layer */
struct rootfs {
	struct tree lower;
	struct tree upper;		/* on disk, to hold upper/ and work/; path "": in scratch */
	char scratch[PATHMAX];		/* a directory init covers with its own tmpfs */
	uint64_t size;			/* bytes the upper layer in scratch may hold */
	int plain;			/* the upper is read back as a tree: no redirects,
					 * index or metadata-only copies */
	int readonly;
	int bind;			/* no overlay: lower itself, written in place
					 * unless readonly (an OCI bundle's rootfs) */
};

/* the process a container runs */
struct proc {
	char **argv, **env;		/* the command, its environment */
	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *groups;			/* supplementary, ngroups of them */
	int ngroups;
	uint64_t caps;			/* capabilities the command keeps */
	uint64_t fsize;			/* the largest file it may write; 0: any */
	int tty, interactive;
	int noseccomp;			/* no seccomp filter: seccomp=unconfined, --privileged */
	/* an OCI bundle's (ctr's oci): its own filter instead of the default
	 * (NULL: none), rlimits, umask, oom_score_adj */
	const struct scprofile *seccomp;
	const struct rlim *rlim;
	int nrlim;
	int umask;			/* -1: left as it is */
	int oomadj, hasoom;
	/* its five capability sets (CAP_BOUNDING... order), or NULL: caps
	 * bounding, effective and permitted, nothing inheritable or ambient */
	const uint64_t *capsets;
	int newprivs;			/* no_new_privs left unset, as the bundle asks */
};

struct ctr {
	const char *name;		/* what messages call it: the image */
	struct rootfs fs;
	struct proc proc;
	const char *hostname;
	struct vol *vol;
	int nvol;
	int privileged;			/* --privileged: no masks on /proc and /sys either */
	int net;			/* NET_HOST, NET_NONE or NET_BRIDGE (net.c) */
	char addr[16];			/* its IPv4 address, for /etc/hosts; "": none */
	char addr6[46];			/* and its IPv6 one; "": none */
	/* at the first gate, init's pid: 0, or -1 (reported) to give up */
	int (*attach)(void *arg, pid_t init);
	void *arg;
	/* at the second gate, set up and waiting to exec, init's pid (its
	 * network's plumbing, net.c): 0, or -1 (reported) to give up */
	int (*plumb)(void *arg, pid_t init);
	void *plumbarg;
	/* once the command has exec'd, init's pid: a container's state
	 * records it (svc.c) */
	void (*up)(void *arg, pid_t init);
	void *uparg;
	/*
	 * oci: an OCI runtime's container (ocirt.c).  init outlives the
	 * pieces that started it (no parent-death signal: an engine's
	 * subreaper adopts it) and, at the second gate, waits for a
	 * connection on startfd, a listening socket, instead of pieces' go
	 * (signals from outside end it there, as they would a process that
	 * had not run yet), then becomes the command, the PID 1 of its
	 * namespace (no init of pieces' reaps or forwards signals there);
	 * pieces' stdio reaches the command as it is.
	 * Only the namespaces of nsflags (CLONE_NEW*) are made: without
	 * the PID one init shares the host's (signals from anyone reach
	 * it), without the mount one it is chrooted and mounts nothing.
	 * hostname is set only if not NULL, and the mounts and masks are
	 * the bundle's: mnt (nmnt of them), masked and rdonly
	 * (NULL-terminated, or NULL), in place of pieces' own.
	 */
	int oci;
	int startfd;
	int nsflags;
	const struct specmnt *mnt;
	int nmnt;
	char **masked, **rdonly;
	char **sysctl;			/* "key=value", NULL-terminated, or NULL */
	const char *const *nspath;	/* by NS_* (spec.c): a namespace to join
					 * instead of making one, or NULL */
	const struct specdev *dev;	/* linux.devices, ndev of them */
	int ndev;
	unsigned long rootprop;		/* the root's propagation (MS_SHARED...); 0: private */
	/*
	 * userns: init runs in a user namespace of the container's: a new
	 * one (CLONE_NEWUSER in nsflags, no nspath) with the maps below,
	 * which pieces writes at the first gate, or the one nspath names.
	 * init becomes that namespace's root once it has opened the root
	 * and the scratch directory (paths of the host's root, 0700).
	 */
	int userns;
	const struct idmap *uidmap, *gidmap;
	int nuidmap, ngidmap;
	int nfds;			/* fds 3 to 3+nfds-1, the engine's, which the
					 * command gets as they are (runc's
					 * --preserve-fds); init closes them */
};

struct run;

/* the value a signal is queued to init with to reach the command's group */
#define NS_GROUP	0x70696563

/*
 * ns_start starts c: init in new PID, mount, UTS, IPC and cgroup
 * namespaces (and network, unless c->net is NET_HOST) on an overlay of
 * c->fs, set up, its command forked and waiting to exec.  On the host's
 * network it takes CAPS_HOSTNET out of c's caps; c must outlive the run.  Those of fds 0-2 that are not a pipe, socket or terminal
 * reach the container as pipes relayed until the end.  It returns 0 with
 * the run in *rp, or 125 (or 126, 127: the command's setup) with nothing
 * left running, reported.  ns_go lets the command exec: 0, or -1
 * (reported).  ns_wait relays signals, stdio and a terminal until init
 * exits and frees the run; without ns_go before, init gives up at its
 * gate.  It returns the command's exit status, 128+signal if it was
 * killed, 126 or 127 if it could not be executed, or 125 if the container
 * could not be set up; every failure is reported.  Once the command has
 * exec'd, ns_wait calls c->up.  ns_run is the three.
 */
int ns_start(struct ctr *c, struct run **rp);
/* ns_pty is the master of the container's pty (c->proc.tty), which r
 * keeps: an fd, or -1 without one */
int ns_pty(const struct run *r);
int ns_go(struct run *r);
int ns_wait(struct run *r);
int ns_run(struct ctr *c);

/*
 * ns_fail, in init or the command only, reports a setup failure to pieces,
 * which prints it, and exits with status; a format ending in ':' appends
 * strerror(errno)
 */
_Noreturn void ns_fail(int status, const char *fmt, ...);

/*
 * ns_reaper is init once it made itself a sealed copy of pieces (ns.c:
 * reexec), run by main for argv[0] "pieces-init": it waits at the second
 * gate, then reaps until the command exits, and exits with its status
 */
int ns_reaper(int argc, char *argv[]);

/*
 * What a process that joins a running container (exec.c) shares with
 * init and its command.  ns_channel makes fd the report channel ns_fail
 * and ns_mkpty write to.  ns_closefds closes every fd but 0-2, the
 * channel and keep[0..n), by the list in /proc/self/fd (the host's /proc
 * before the pivot, the container's after: either way this process's
 * own fds, if it is in the PID namespace of that /proc).  ns_mkpty opens
 * a pty of the devpts at /dev/pts (the container's own, in its mount
 * namespace), sends its master on the channel and returns its slave.
 * ns_confine, every fd it must not keep closed, gives the process p's
 * capabilities (bounding set and capset), user, working directory
 * (checked to be inside the root: runc's CVE-2024-21626), file size
 * limit, no_new_privs and, last, seccomp filter.  ns_execute runs p's
 * command on its PATH as execvpe would; a failure is "NAME: CMD: ..."
 * with 127 or 126.  All of them fail with ns_fail.
 */
void ns_channel(int fd);

/*
 * ns_userroot, in init in a user namespace of the container's (c's
 * userns; else it does nothing), makes init that namespace's root, uid
 * and gid 0 and no groups, its capabilities kept: after what must still
 * be reached as the host's root (the root's path), before anything is
 * made on a file system of the namespace's.  It fails with ns_fail.
 */
void ns_userroot(const struct ctr *c);
void ns_closefds(const int *keep, int n);
int ns_mkpty(void);
void ns_confine(const struct proc *p);
_Noreturn void ns_execute(const struct proc *p, const char *name);

/*
 * ns_report reads the channel fd until it closes (at the command's exec)
 * or, with ready, until init says it is set up: the status of a failed
 * setup (its message printed), or 0, with a pty master in *pty if pty
 * is set and *pty is -1 (left as it is if none came); any other fd that
 * comes is closed.  An end before READY is init's death: 125, said.
 */
int ns_report(int fd, int *pty, int ready);

/* ns_sigs adds to set the signals pieces passes on to a container, and SIGCHLD */
void ns_sigs(sigset_t *set);

/*
 * ns_selfcopy copies pieces' own binary (/proc/self/exe) into a new
 * memfd named name, sealed against every change: its fd, close-on-exec,
 * or -1 with errno set, printing nothing.  ns_selfexec executes such a
 * copy with argv and envp (execveat, or its /proc/self/fd link where
 * execveat is missing: qemu-user); it returns only on failure, -1 with
 * errno set.  A process running the copy shows it as /proc/PID/exe,
 * which nothing can write (runc's CVE-2019-5736).
 */
int ns_selfcopy(const char *name);
int ns_selfexec(int self, char *argv[], char *envp[]);

/* Docker's default capabilities but NET_RAW (see CAPS_HOSTNET): CHOWN
 * DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE
 * SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP */
#define CAPS_DEFAULT	0xa80405fbULL
/* what no container gets while its network is the host's (--net host):
 * NET_RAW, with which it would sniff and spoof the host's traffic,
 * loopback included; ns_start takes it away there */
#define CAPS_HOSTNET	(1ULL << 13)

/* mount.c */
/*
 * mnt_build, in init's new private mount namespace, mounts the container's
 * root and its file systems as c says and pivots into them; it fails with
 * ns_fail
 */
void mnt_build(const struct ctr *c);

/*
 * mnt_chroot is mnt_build for an OCI container without a mount
 * namespace of its own: it mounts nothing (ocirt.c said that the
 * bundle's mounts are not made), enters the root with chroot, which
 * unlike a pivot is no boundary to a process with CAP_SYS_CHROOT, and
 * makes the working directory; it fails with ns_fail
 */
void mnt_chroot(const struct ctr *c);

/* proc.c */
#define LAYERSIZE	(256ULL << 20)	/* run's writable layer, by default */
#define GROUPSMAX	1024		/* a user's supplementary groups */
#define SIZEMAX		(1ULL << 50)	/* a size a flag may give */
/* the PATH of an image that sets none, as Docker's */
#define PATHDEFAULT	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct meta;

/*
 * proc_prepare fills in c what the image (its directory imgfd, metadata m)
 * decides: the user (user, else m's, else root: a name, uid, name:group
 * or uid:gid, looked up in the image's passwd and group files), its
 * supplementary groups unless a group is named, as Docker's, its home, the working
 * directory unless set, the writable layer's size unless set (LAYERSIZE,
 * or a quarter of a smaller RAM; none for an upper layer on disk), a
 * random host name unless set, and the environment: PATH, HOSTNAME, HOME
 * (TERM with a tty), then m's env.  It returns 0, or -1 (reported).
 */
int proc_prepare(struct ctr *c, int imgfd, const struct meta *m, const char *user);

/*
 * proc_user resolves a user spec (name, uid, name:group, uid:gid)
 * against the passwd and group files below rootfd (read through the
 * resolver, no fifo or device opened) into p: its uid, gid (the user's
 * primary group unless named) and, unless a group is named, as Docker's,
 * its supplementary groups (p->groups, the caller's to free); its home
 * in home, len bytes ("/" if unknown).  It returns 0, or -1 after saying
 * what is not there.
 */
int proc_user(int rootfd, const char *spec, struct proc *p, char *home, size_t len);

/* proc_free frees what proc_prepare and the caller allocated in p: its
 * argv, env and groups */
void proc_free(struct proc *p);

/*
 * proc_cap sets *bits to the capability name ("NET_ADMIN", "CAP_CHOWN",
 * "ALL") stands for: 0, or -1 for an unknown name, printing nothing.
 */
int proc_cap(const char *name, uint64_t *bits);
/* proc_capname is capability i's name without CAP_ ("CHOWN"), NULL past the last */
const char *proc_capname(int i);

/* tty.c */
/*
 * struct relay stands between the container and those of pieces' fds 0-2
 * it must not have.  A pipe or socket is passed as it is; anything else
 * the container could open again through /proc/self/fd/1: a regular file
 * (pieces build . > build.log) to read from its start and rewrite, the
 * user's terminal (without -t) to read what is typed on it.  Such an fd
 * gets a pipe instead, relayed here, as Docker's are without -t.
 */
struct relay {
	int fd[3];		/* our end of the pipe for fd i, or -1 */
	int child[3];		/* the container's end, or -1 */
	char buf[16384];	/* stdin read, not yet in its pipe */
	size_t off, len;
};

struct proc;

/*
 * tty_pipes makes r's pipes for the process p (its tty and interactive
 * say which fds need one): 0, or -1 (reported).  tty_supervise passes
 * signals from sigfd on to pid and relays r until pid exits: its status.
 * tty_drain moves what is left in the pipes once pid is gone, and closes
 * them.
 */
int tty_pipes(struct relay *r, const struct proc *p);
int tty_supervise(pid_t pid, int sigfd, struct relay *r);
void tty_drain(struct relay *r);

/*
 * tty_relay relays the terminal on fds 0 and 1 (stdin only if in) to the
 * pty master, in raw mode, following window size changes and passing
 * other signals from sigfd on to pid, until pid exits: its status.  The
 * terminal is restored on return and at exit.
 */
int tty_relay(int master, int sigfd, pid_t pid, int in);

/* cgroup.c */
#define PIDSDEFAULT	2048		/* a container's processes, as Podman's */
#define CPUPERIOD	100000		/* --cpus's period, in microseconds */

#define HUGEMAX		8		/* hugepageLimits: the page sizes a kernel has */

/* a limit on huge pages of one size (linux.resources.hugepageLimits) */
struct hugelim {
	char size[16];			/* as the kernel names it: "2MB", "1GB" */
	uint64_t limit;			/* bytes */
};

/* what a container may use: none set, no cgroup (but the default pids) */
struct limits {
	uint64_t memory;		/* bytes; 0: no bound */
	int64_t swap;			/* memory and swap together; 0: twice memory; -1: any */
	int64_t pids;			/* processes; 0: PIDSDEFAULT where it can be; -1: any */
	uint64_t quota, period;		/* CPU time a period, microseconds (--cpus); 0: any */
	uint64_t shares;		/* --cpu-shares; 0: the default */
	uint64_t rtperiod;		/* cpu.rt_period_us (v1); 0: the default */
	int64_t rtruntime;		/* cpu.rt_runtime_us (v1); 0: not given */
	const char *cpus, *mems;	/* cpuset.cpus, cpuset.mems; NULL: the parent's */
	struct hugelim huge[HUGEMAX];	/* nhuge of them */
	int nhuge;
	struct devrule *devrule;	/* the device cgroup's list, in order, before
					 * the defaults; ndevrule of them, 0: none */
	int ndevrule;
	int ndevnode;			/* of those, the last are the allows of the
					 * nodes linux.devices makes (ocirt.c) */
	int every;			/* a cgroup in every hierarchy, limits or none
					 * (an OCI container's: update, pause; its v1
					 * device list starts from deny-all) */
	const char *path;		/* an OCI cgroupsPath, below each hierarchy's
					 * root; NULL: pieces/OWNER-N */
};

struct cg;

/*
 * cg_create makes the cgroups for the limits l (cgroup.c: v1, v2 or
 * both, found in mountinfo) and sets them: 0 with them in *gp (NULL when
 * none is needed), or -1 after saying why, naming the controller a limit
 * needs and the kernel lacks.  cg_attach puts pid, at init's first gate,
 * in them (ctr's attach, arg the cg): 0, or -1 (reported).  cg_oom
 * counts the processes the kernel killed at the memory limit.
 * cg_destroy removes them, init being gone, and frees g (NULL allowed).
 */
int cg_create(const struct limits *l, struct cg **gp);
/* cg_run is ns_run(c) in cgroups of the limits l, an OOM kill said; its status */
int cg_run(struct ctr *c, const struct limits *l);
int cg_attach(void *arg, pid_t pid);
unsigned long long cg_oom(const struct cg *g);
void cg_destroy(struct cg *g);

/*
 * cg_dir returns the directory of g's i'th controller ("" for one it
 * has none of), or NULL past the last: where an OCI container's state
 * keeps them, for its delete to remove
 */
const char *cg_dir(const struct cg *g, int i);

/*
 * cg_name returns the name of the i'th controller ("memory", "freezer"),
 * or NULL past the last.  cg_open makes a cg of the n directories dir[i],
 * each the cgroup of the controller name[i] (names cg_name does not know
 * are left out), for a container made earlier: never NULL; cg_destroy
 * frees it (and removes its cgroups: cg_close only frees).
 */
const char *cg_name(int i);
struct cg *cg_open(const char *const *name, const char *const *dir, int n);
void cg_close(struct cg *g);

/*
 * cg_update sets the limits l gives (what l leaves unset, left as it
 * is) in g's cgroups, as cg_create sets them: 0, or -1 (reported,
 * naming a limit the container has no cgroup for).  cg_freeze freezes
 * (on) or thaws g's processes, waiting until the kernel says it is
 * done: 0, or -1 (reported).  cg_frozen says whether g is frozen: 1 or 0.
 */
int cg_update(const struct cg *g, const struct limits *l);
int cg_freeze(const struct cg *g, int on);
int cg_frozen(const struct cg *g);

/*
 * cg_join puts pid, a child of ours, in the cgroups list names: the text
 * of a /proc/PID/cgroup (v1 lines, the v2 one, or both), each hierarchy
 * found in mountinfo, those pid is in already left alone; so that what
 * exec starts is charged to and bound by the container's cgroups.  0,
 * or -1 (reported, naming the cgroup).
 */
#define CGLISTMAX	(64 << 10)	/* a /proc/PID/cgroup */
int cg_join(const char *list, pid_t pid);

/* net.c */
enum { NET_HOST, NET_NONE, NET_BRIDGE };	/* a zeroed struct ctr is on the host's */

/* net_mode reads a --net value (bridge, none, host): NET_*, or -1,
 * printing nothing */
int net_mode(const char *s);

/* relay.c: published ports */
#define PORTMAX		64		/* -p flags of one run */

/* a published port: the host's address and port, the container's port */
struct port {
	uint32_t ip;			/* IPv4, host order; 0: every address */
	uint16_t host, ctr;
	int udp;			/* else TCP */
	const char *spec;		/* as written, for messages */
};

/*
 * relay_port reads a -p value, [IP:]HOSTPORT:PORT[/tcp|/udp], into p
 * (spec points at s): 0, or -1 after saying what is wrong.
 */
int relay_port(const char *s, struct port *p);

/*
 * relay_start binds the host's ends of the n ports p and forks the
 * relay, which forwards each connection or datagram to the same
 * container port of ip (IPv4, host order) until it is killed, or its
 * parent dies.  It returns the relay's pid, or -1 after reporting why (a
 * port in use, or published twice, named), with nothing bound.
 */
pid_t relay_start(const struct port *p, int n, uint32_t ip);

/* what a run's network is: a mode, and the ports published from a bridge */
struct netopts {
	int mode;			/* NET_HOST, NET_NONE, NET_BRIDGE */
	struct port port[PORTMAX];
	int nport;
};

/*
 * net_run is cg_run(c, l) on the network o says, its status: on the
 * host's, in a namespace with only loopback, or on the bridge (net.c)
 * with o's ports relayed, plumbed at the second gate, everything made
 * for it removed after; c->addr and c->addr6 set to its addresses.  A
 * bridge or port that cannot be set up is reported: 125; IPv6 that
 * cannot is a warning, or nothing where the host has none.
 */
int net_run(struct ctr *c, const struct limits *l, const struct netopts *o);

/*
 * net_resolv writes into buf (len bytes) the resolv.conf of a container
 * on mode's network: none, the host's, or the host's without the servers
 * a bridge cannot reach (falling back on systemd-resolved's upstreams,
 * then on Docker's 8.8.8.8).  0, or -1 with errno set (EFBIG: a host's
 * file of len bytes or more), printing nothing.
 */
int net_resolv(int mode, char *buf, size_t len);

/*
 * net_init, in a new network namespace, brings its loopback device up
 * and lets every group ping (ICMP echo sockets, ping_group_range): 0, or
 * -1 with errno set, printing nothing
 */
int net_init(void);

/* ctr.c: containers' state in the store: containers/ID/, names/NAME */
#define CIDLEN		64		/* hex digits of a container's id */
#define CSTATEMAX	(256 << 10)	/* a state.json */

enum { CS_CREATED, CS_RUNNING, CS_STOPPED, CS_PAUSED };	/* OCI's statuses */

/*
 * A container, as containers/ID/state.json holds it: OCI's state
 * (ociVersion, id, status, pid, bundle, annotations) and what pieces
 * needs besides.  proc is what exec enters with: the command, its
 * environment, working directory, user, capabilities and filter.
 */
struct cstate {
	char id[CIDLEN + 1];
	char name[NAMEMAX];		/* "" if it has none */
	char image[NAMEMAX];
	int status;			/* CS_* */
	int stale;			/* running by the file, but its supervisor is gone */
	pid_t pid;			/* init's while running, else 0 */
	unsigned long long pidstart;	/* its start time (/proc/PID/stat) */
	pid_t sup;			/* the supervisor's: init's parent */
	unsigned long long supstart;
	char boot[40];			/* the boot it ran in */
	int exitcode, restarts, detached, autorm, restarting;
	int64_t created, started, finished;
	char restart[32];		/* the policy: no, on-failure[:N], always */
	char **args;			/* run's arguments, for start */
	char **ports;			/* as -p gave them */
	char cwd[PATHMAX];		/* proc.cwd points here */
	struct limits lim;
	struct proc proc;
};

/*
 * ctr_new gives st a fresh id and makes its directory, its name (if st
 * has one: names are unique, a clash refused) and its state: 0, or -1
 * (reported) with nothing made.  ctr_save replaces the state of st
 * atomically: 0, or -1 (reported).  ctr_find reads the container arg
 * names (a name, an id, or an id's unique prefix) into st: 0, or -1
 * (reported: none, or more than one).  ctr_list reads every container,
 * newest first, into a new array *v of *n: 0, or -1 (reported).
 * ctr_remove removes st's directory and name: 0 (also if they are gone
 * already), or -1 (reported).
 * ctr_free frees what they allocated in st.
 */
int ctr_new(struct store *s, struct cstate *st);
int ctr_save(struct store *s, const struct cstate *st);
int ctr_find(struct store *s, const char *arg, struct cstate *st);
/* ctr_reload reads st's state again: 0, or -1 if it is gone (unreported) */
int ctr_reload(struct store *s, struct cstate *st);
int ctr_list(struct store *s, struct cstate **v, int *n);
int ctr_remove(struct store *s, const struct cstate *st);
void ctr_free(struct cstate *st);

/*
 * ctr_lock takes st's lock, which status changes are made under: its
 * fd, or -1 (reported); close it to unlock.  ctr_alive says whether pid
 * is the process that started at start (pidstart).
 */
int ctr_lock(struct store *s, const struct cstate *st);
int ctr_alive(pid_t pid, unsigned long long start);

/* svc.c: runs with a state, and detached ones' supervisors */
#define LOGMAX		(1 << 20)	/* a detached container's log, by default */

/* how run runs a container as a service */
struct svcopt {
	const char *name;		/* --name, or NULL */
	const char *restart;		/* --restart's policy, or NULL: no */
	const char *reuse;		/* start: the id of the container to run again */
	char **args;			/* run's arguments, kept for start */
	uint64_t logmax;		/* --log-opt max-size */
	int detach, autorm;		/* -d, --rm */
};

/*
 * svc_run is net_run(c, l, o) as the container so describes, its state
 * kept in the store s (open; writable unless the run needs no state)
 * from start to end, restarted as its policy says.  With so->detach it
 * returns once the container runs, its id printed (0), or its setup's
 * failure said (125...); the supervisor it forked goes on.  Otherwise it
 * returns the container's status.  svc_policy checks a --restart value:
 * 0, or -1, printing nothing.  svc_stopped says whether the user stopped
 * st (stop, or kill with SIGKILL), whose policy then does not restart it.
 */
int svc_run(struct store *s, struct ctr *c, const struct limits *l, const struct netopts *o,
            const struct svcopt *so);
int svc_policy(const char *s);
int svc_stopped(struct store *s, const struct cstate *st);

/* ctl.c: the commands on containers */
/*
 * ctl_ps prints the containers of s as docker ps does: the running ones
 * (all: every one), or only their ids (quiet), ids and commands cut
 * unless notrunc.  ctl_logs prints the log of container arg: the last
 * tail lines (-1: all), with their times (stamps), then with follow what
 * comes until it stops.  ctl_stop stops the n containers args: SIGTERM,
 * then after grace ms SIGKILL; with sig > 0 it only sends sig (kill).
 * ctl_rm removes them, refusing a running one unless force, which kills
 * it.  Each prints the names it did, as Docker's, and returns 0, or -1
 * if one failed (reported).  ctl_running says whether st runs: its
 * state says so, its supervisor lives and init is the same process.  ctl_signal reads a signal's name or number:
 * it, or -1.
 */
int ctl_ps(struct store *s, int all, int quiet, int notrunc);
int ctl_logs(struct store *s, const char *arg, long tail, int follow, int stamps);
int ctl_stop(struct store *s, char **args, int n, long grace, int sig);
int ctl_rm(struct store *s, char **args, int n, int force);
int ctl_running(const struct cstate *st);
/* ctl_busy says whether st runs, or waits to be restarted by a live supervisor */
int ctl_busy(const struct cstate *st);
int ctl_signal(const char *s);

/*
 * ctl_due puts in a new list *ids those containers of s that start
 * --all brings back: not running, their policy always, or
 * unless-stopped and not stopped by the user.  0, or -1 (reported).
 */
int ctl_due(struct store *s, char ***ids);

/*
 * ctl_uses says whether a container of s that is kept when it exits was
 * run from image, and so keeps it (reported): 1.  0 if none was; -1
 * (reported) if they cannot be listed.
 */
int ctl_uses(struct store *s, const char *image);

/* run.c: the commands that run containers and act on them */
int cmd_run(int argc, char *argv[]);
int cmd_ps(int argc, char *argv[]);
int cmd_logs(int argc, char *argv[]);
int cmd_stop(int argc, char *argv[]);
int cmd_kill(int argc, char *argv[]);
int cmd_rm(int argc, char *argv[]);
int cmd_start(int argc, char *argv[]);
int cmd_restart(int argc, char *argv[]);

/* exec.c */
/*
 * cmd_exec is "pieces exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR]
 * CONTAINER CMD [ARG...]": CMD run in the running container, entered
 * as its own command is (exec.c)
 */
int cmd_exec(int argc, char *argv[]);

/*
 * exec_sealed makes this process run a sealed copy of pieces
 * (ns_selfcopy), unless it does already: it executes the copy with
 * arg0 and the rest of its command line and environment as they were,
 * and returns in the copy only, made non-dumpable.  Whatever then
 * enters a container runs the copy, never the host's binary.
 */
void exec_sealed(const char *arg0);

/*
 * exec_start starts p in the running container name, whose init is pid
 * if it is still the process that started at since, as pieces exec
 * does (exec.c): the command is set up and confined before it appears
 * in the container, its fds 0-2 and nfds fds past them ours, every other
 * closed.  This process, the sealed copy with the signals ns_sigs names
 * blocked, becomes a subreaper, whose child the command is.  It returns
 * the command's pid once it has exec'd, with p->tty the master of its pty
 * (the container's devpts) in *pty, which must be -1; or -1 with *status
 * that of the failed setup (125, or 126, 127 for its exec), reported.
 */
pid_t exec_start(const char *name, pid_t pid, unsigned long long since, struct proc *p,
                 int nfds, int *pty, int *status);

/* piecefile.c */
#define PFLINEMAX	(64 << 10)	/* a line, or an instruction with its continuations */
#define PFSTEPMAX	4096		/* instructions in a Piecefile */
#define PFARGMAX	4096		/* arguments of one instruction */
#define PFNESTMAX	16		/* ${...} inside the word of a ${NAME:-word} */
#define PFMSGMAX	160		/* what pf_port and pf_ref say is wrong */
#define PFPORTMAX	32		/* an EXPOSE word in canonical form */

enum {
	PF_FROM = 1, PF_FROM_URL, PF_RUN, PF_CMD, PF_ENTRYPOINT, PF_ENV,
	PF_WORKDIR, PF_USER, PF_COPY, PF_LABEL, PF_EXPOSE, PF_ARG
};

/*
 * A step's arguments, in final form: quotes resolved.  FROM, ENV, LABEL,
 * ARG, WORKDIR, USER, COPY and EXPOSE expand variables when built
 * (pf_expand), so theirs keep what expands apart from what does not, in
 * Docker's escape syntax: a '$' starts a variable ($NAME, ${NAME},
 * ${NAME:-word}, ${NAME:+word}), and a '\' makes the byte after it
 * literal.  A '$' or '\' that was literal as written ('$HOME', "\$",
 * \\) is "\$" or "\\" there, and so is escaped a byte that would else
 * join a variable's name ("$A"B is $A\B) or end a ${...}; the rest is as
 * written.  RUN, CMD, ENTRYPOINT and FROM_URL are as written, '$' and
 * '\' too:
 *	FROM		the image reference ("alpine:3.18", "scratch", "alpine:$V")
 *	FROM_URL	the URL, then "sha256:HEX" if given
 *	RUN, CMD, ENTRYPOINT
 *			the argv; the shell form is "/bin/sh" "-c" TEXT
 *	ENV, LABEL	"KEY=value" each
 *	ARG		"NAME" or "NAME=default" each
 *	WORKDIR, USER	the one value
 *	COPY		the sources, then the destination (JSON form too)
 *	EXPOSE		"PORT/PROTO" or "LOW-HIGH/PROTO" each, PROTO tcp unless
 *			written; a word with a variable stays as written
 */
struct pfstep {
	int line;			/* of its first line in the Piecefile */
	int kind;			/* PF_* */
	char **args;			/* nargs strings, then NULL */
	int nargs;
	int shell;			/* RUN, CMD, ENTRYPOINT written in shell form */
};

struct piecefile {
	struct pfstep *step;		/* ARGs (Docker's global ones), then the
					 * FROM or FROM_URL, then the rest */
	int nstep;
};

/*
 * pf_parse parses the Piecefile buf of len bytes (NULs are refused, not
 * ends), named name in messages, into out.  It returns 0 with out's steps
 * to be freed with pf_free, or -1 with out empty after reporting one line,
 * "NAME:LINE: reason".  A malformed ${...} is such an error: what
 * pf_expand reads from it never fails but for its length.
 */
int pf_parse(const char *name, const char *buf, size_t len, struct piecefile *out);

/*
 * pf_load reads the file path ("-": stdin) under PIECEFILEMAX and parses
 * it as pf_parse does, naming it path (or "stdin").  0 or -1 (reported).
 */
int pf_load(const char *path, struct piecefile *out);

/*
 * pf_fmt returns a step in canonical form, a new string for the caller to
 * free: the instruction upper-case, a blank, its arguments as a JSON array
 * of strings: RUN ["/bin/sh","-c","make"].  Equal steps give
 * equal strings.  pf_free frees the steps of pf and leaves it empty.
 * pf_name is the instruction of kind, upper-case ("ENV").
 */
char *pf_fmt(const struct pfstep *st);
void pf_free(struct piecefile *pf);
const char *pf_name(int kind);

/*
 * pf_expand writes s, an argument of an instruction that expands
 * variables (a "KEY=value" pair a side at a time), into out (len bytes,
 * NUL-terminated) with its variables expanded and its escapes resolved.
 * get(arg, name, n) gives the value of the variable name[0..n), or NULL
 * when it is unset (get NULL: all are); an unset one expands to "", as in
 * Docker, and a value is never expanded again.  It returns the length
 * written, or -1 with *why saying what is malformed, or NULL if it did
 * not fit; it prints nothing.
 */
long pf_expand(const char *s, char *out, size_t len,
               const char *(*get)(void *, const char *, size_t), void *arg,
               const char **why);

/*
 * pf_port writes EXPOSE's word w, expanded, in canonical form ("80/tcp",
 * "8000-8010/udp") into out (PFPORTMAX bytes); pf_ref checks FROM's
 * reference ref, expanded, as reg_parse does.  They are the checks the
 * parser makes of a word without variables.  0, or -1 with msg
 * (PFMSGMAX bytes) the parse error's reason; nothing is printed.
 */
int pf_port(const char *w, char *out, char *msg);
int pf_ref(const char *ref, char *msg);

/* ignore.c */
/* the patterns of a build directory's .piecesignore or .dockerignore */
struct ignore {
	struct {
		char *text;
		int neg;		/* a '!' pattern: it takes a path back */
	} *pat;
	size_t n;
};

/*
 * ign_load reads .piecesignore, else .dockerignore, of the build
 * directory dirfd into ig (empty if there is neither), to be freed with
 * ign_free: 0, or -1 (reported).  ign_match says whether COPY leaves out
 * path (relative to the directory, "a/b"), by Docker's rules (ignore.c);
 * ign_walk whether a directory left out must still be walked, since a
 * '!' pattern may take back something in it.
 */
int ign_load(int dirfd, struct ignore *ig);
/* ign_parse reads the patterns of text, len bytes (a NUL ends a line's
 * text there), into ig, as ign_load does a file's: 0, or -1 with ig
 * empty for more than IGNOREMAX patterns, printing nothing */
#define IGNOREMAX	1024		/* patterns: each path walked meets each */
int ign_parse(const char *text, size_t len, struct ignore *ig);
int ign_match(const struct ignore *ig, const char *path);
int ign_walk(const struct ignore *ig, const char *dir);
void ign_free(struct ignore *ig);

/* build.c */
struct bopts {
	const char *name;		/* the image's, or NULL: after its FROM */
	const char *ref;		/* name as the user wrote it (store_ref) */
	const char *file;		/* the Piecefile, or NULL: DIR/Piecefile */
	const char *dir;		/* the build directory COPY reads */
	const char *cafile;		/* for https downloads, or NULL */
	char **host;			/* directories file:// may read beside dir, or NULL */
	uint64_t size;			/* what one RUN step may write; 0: half the free space */
	int nocache;			/* run every step, whatever the cache has */
	struct limits limits;		/* of every RUN step */
	int pull;			/* for the FROM: IMAGE_MISSING, _ALWAYS, _NEVER */
	int net;			/* every RUN step's network: NET_BRIDGE, _NONE, _HOST */
	char **buildarg;		/* --build-arg "NAME=value" each, or "NAME"
					 * where the host had no such variable */
};

/*
 * build builds the Piecefile of o into an image in store s (opened for
 * writing), printing a line a step and streaming what RUN steps print,
 * and a warning naming the --build-args no ARG took.  It returns 0, or
 * -1 (reported) with the store's images as they were.
 */
struct store;
int build(struct store *s, const struct bopts *o);

/* spec.c: an OCI bundle's config.json (runtime-spec 1.0 to 1.2) */
#define SPECMAX		(1 << 20)	/* config.json */
#define SPECLISTMAX	4096		/* entries of one array or object */
#define SPECFIELDMAX	128		/* a field's name in messages: mounts[3].options[2] */
#define MAPMAX		340		/* lines of a uid or gid map: the kernel's */
#define GROUPMAX	256		/* additionalGids */
#define ARGSTRMAX	(128 << 10)	/* an argument or variable: the kernel's MAX_ARG_STRLEN */
#define HOSTNAMEMAX	64		/* a host or domain name: the kernel's */
#define RLIMITMAX	16		/* RLIMIT_NLIMITS: each limit once */

enum { NS_PID, NS_NET, NS_MNT, NS_IPC, NS_UTS, NS_USER, NS_CGROUP, NSCOUNT };
enum { CAP_BOUNDING, CAP_EFFECTIVE, CAP_INHERITABLE, CAP_PERMITTED, CAP_AMBIENT, CAPSETS };
enum {
	HOOK_PRESTART, HOOK_CREATERUNTIME, HOOK_CREATECONTAINER, HOOK_STARTCONTAINER,
	HOOK_POSTSTART, HOOK_POSTSTOP, HOOKKINDS
};

/* one line of a uid or gid map */
struct idmap {
	uint32_t ctr, host, size;
};

/* a mount: flags and propagation from its options, the rest as data */
struct specmnt {
	const char *dst;		/* absolute, inside the container */
	const char *type;		/* "bind" for every bind mount, whatever was written */
	char *src;			/* a bind's resolved against the bundle; else as
					 * written, or the type if none was */
	unsigned long flags;		/* MS_*, MS_BIND|MS_REC for rbind */
	unsigned long prop;		/* MS_PRIVATE, MS_SLAVE... maybe with MS_REC; 0: none */
	char *data;			/* the other options, comma-joined; NULL: none */
	int copyup;			/* tmpcopyup: a tmpfs starts as what it covers */
};

/* a device node to make (linux.devices) */
struct specdev {
	const char *path;
	int type;			/* 'c', 'b', 'p' ('u' is read as 'c') */
	uint32_t major, minor;
	mode_t mode;			/* permissions; 0666 unless given */
	uid_t uid;
	gid_t gid;
};

/* a line of the device cgroup's list (linux.resources.devices) */
struct devrule {
	int allow;
	int type;			/* 'a', 'c' or 'b' */
	int64_t major, minor;		/* -1: any */
	char access[4];			/* of "rwm" */
};

struct hook {
	const char *path;		/* absolute */
	char **argv, **env;		/* NULL: none */
	int timeout;			/* seconds; 0: none */
};

/* process: what the container runs, and as whom */
struct specproc {
	int terminal;
	unsigned rows, cols;		/* consoleSize; 0: not given */
	uid_t uid;
	gid_t gid;
	int umask;			/* -1: not given (runc: 022) */
	gid_t *groups;			/* additionalGids, ngroups of them */
	int ngroups;
	char **argv, **env;
	const char *cwd;		/* absolute */
	uint64_t caps[CAPSETS];		/* bits as proc_cap gives them */
	struct rlim {
		int type;		/* RLIMIT_* */
		uint64_t soft, hard;
	} rlim[RLIMITMAX];		/* rlimits, nrlim of them, each type once */
	int nrlim;
	int nonewprivs;
	int oomscoreadj;
	int hasoom;			/* oomScoreAdj given */
};

struct spec {
	struct json *doc;		/* the tree the const strings below point into */
	const char *version;		/* ociVersion */
	struct specproc proc;
	char root[PATHMAX];		/* root.path, resolved against the bundle */
	int readonly;			/* root.readonly */
	const char *hostname, *domainname;	/* NULL: not given */
	struct specmnt *mnt;
	int nmnt;
	unsigned long rootprop;		/* linux.rootfsPropagation: MS_*; 0: not given */
	int ns;				/* 1 << NS_* for each namespace listed */
	const char *nspath[NSCOUNT];	/* the one to join; NULL: a new one */
	struct idmap *uidmap, *gidmap;
	int nuidmap, ngidmap;
	struct specdev *dev;
	int ndev;
	struct limits lim;		/* linux.resources: what is not given is no
					 * bound (swap and pids -1), not run's defaults */
	const char *cgpath;		/* linux.cgroupsPath; NULL: not given */
	char **masked, **rdonly;	/* maskedPaths, readonlyPaths; NULL: none */
	const struct json *sysctl;	/* an object of strings (j->key, j->s), or NULL */
	struct scprofile *seccomp;	/* NULL: none */
	struct hook *hook[HOOKKINDS];
	int nhook[HOOKKINDS];
	const struct json *annotations;	/* an object of strings, or NULL */
};

/*
 * spec_load reads bundle/config.json into s: 0, or -1 after reporting
 * one line naming the field and what is wrong with it ("config.json:
 * linux.intelRdt: not supported").  Every field the spec defines is
 * either read or, if pieces cannot honour it, refused when set; keys the
 * spec does not know are ignored, as it requires.  spec_parse does the
 * same for the document buf of len bytes, named name, with bundle the
 * directory relative paths are taken against.  spec_free frees what
 * either left in s (after -1 too).
 */
int spec_load(const char *bundle, struct spec *s);
int spec_parse(const char *name, const char *buf, size_t len, const char *bundle,
               struct spec *s);
void spec_free(struct spec *s);

/*
 * spec_features prints on stdout what runc features prints (runtime-spec
 * features.md): the versions, hooks, mount options, namespaces, cgroup
 * versions and seccomp actions, operators and architecture this reader
 * takes and pieces honours, and nothing it refuses.
 */
#define OCIVERSION	"1.2.0"		/* the newest runtime-spec spec.c knows */
void spec_features(void);

/*
 * spec_process reads a process object (config.json's, or exec --process's
 * file, named name) into p as spec_parse does: 0, or -1 (reported).  Its
 * cwd points into j, which must outlive p; spec_procfree frees what it
 * left in p.
 */
int spec_process(const char *name, const struct json *j, struct specproc *p);

/*
 * spec_resources reads a LinuxResources object j (config.json's
 * linux.resources, or update's --resources document, named name) into
 * l as spec_parse does, refusing by name what pieces cannot set: 0, or
 * -1 (reported).  What j leaves out is left in l as it was (memset and
 * swap, pids -1 first: no bound); its strings point into j and its
 * device list is l->devrule, to free.
 */
int spec_resources(const char *name, const struct json *j, struct limits *l);
void spec_procfree(struct specproc *p);

/* runc.c */
#define FDSMAX		1024		/* --preserve-fds: fds past stdio handed on */
/*
 * runc_main is main for pieces run as pieces-runc: runc's command line,
 * for container engines (runc.c).  It returns the exit status.
 */
int runc_main(int argc, char *argv[]);

/* ocirt.c: the OCI runtime's containers, under runc's --root */
/* what create and run are told: runc's flags */
struct ociopts {
	const char *root;		/* --root, the containers' directory */
	const char *id, *bundle;
	const char *pidfile;		/* --pid-file, or NULL */
	const char *console;		/* --console-socket, or NULL */
	int detach;			/* run -d, exec -d */
	int nfds;			/* --preserve-fds */
};

/* what exec is told, besides: runc's exec flags */
struct ociexec {
	const char *process;		/* --process's file, or NULL: what follows */
	char **argv;			/* the command; NULL with process */
	char **env;			/* -e KEY=value each, or NULL */
	const char *cwd;		/* --cwd, or NULL */
	int64_t uid, gid;		/* -u UID[:GID]; -1: the config's */
	gid_t *groups;			/* --additional-gids, ngroups of them */
	int ngroups;
	uint64_t caps;			/* --cap each, added to every set */
	int tty, nonewprivs, ignorepaused;
};

/*
 * Each verb returns runc's exit status: 0, or 1 after one line saying
 * why, in runc's words where engines read them ("does not exist",
 * "container not running").  ocirt_create makes the container and
 * leaves it created: init set up and waiting, its pid in --pid-file,
 * outliving this process.  ocirt_start lets a created one run;
 * ocirt_state prints its state as runc's; ocirt_kill signals its init
 * (all: every process of it); ocirt_delete removes a stopped (force:
 * any) one, its cgroups too; ocirt_ps prints its pids, ocirt_list the
 * containers, as a table or JSON.  ocirt_run is create and start,
 * returning the container's status unless detached.
 */
int ocirt_create(const struct ociopts *op);
int ocirt_run(const struct ociopts *op);
int ocirt_start(const char *root, const char *id);
int ocirt_state(const char *root, const char *id);
int ocirt_kill(const char *root, const char *id, int sig, int all);
int ocirt_delete(const char *root, const char *id, int force);
int ocirt_ps(const char *root, const char *id, int json);
int ocirt_list(const char *root, int quiet, int json);

/*
 * ocirt_pause freezes a created or running container's processes (its
 * freezer cgroup), ocirt_resume thaws a paused one; ocirt_update sets
 * the limits l gives (spec_resources's) in a container's cgroups, the
 * rest left as they are.  runc's exit status, as the verbs above.
 */
int ocirt_pause(const char *root, const char *id);
int ocirt_resume(const char *root, const char *id);
int ocirt_update(const char *root, const char *id, const struct limits *l);

/*
 * ocirt_exec runs a process in the created or running container op->id,
 * as runc exec: x's process, else the command with the rest from the
 * container's config.json; its status when it exits, or with op->detach
 * 0 once it runs, its pid in --pid-file, the caller's subreaper adopting
 * it; 255, as runc 1.1, when it could not be started (reported)
 */
int ocirt_exec(const struct ociopts *op, const struct ociexec *x);
