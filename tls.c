/* See LICENSE file for copyright and license details. */
/*
 * The TLS client under http.c: BearSSL's engine with a trimmed profile,
 * trust anchors from a PEM bundle, and the certificate check.
 *
 * The profile is what servers offer today and nothing more: TLS 1.2 (all
 * BearSSL has), ECDHE key exchange signed with RSA or ECDSA, AES-GCM and
 * ChaCha20-Poly1305.  With AES-NI, AES-128-GCM comes first (BearSSL's
 * AES-NI and PCLMUL code is the fastest it has); without, ChaCha20 does,
 * as constant-time software AES is slow.  Everything else BearSSL can do
 * (CBC, CCM, static RSA and ECDH, SHA-1, TLS 1.0) is left out of the
 * binary.
 *
 * Certificates are always verified: x509_minimal checks the chain, the
 * dates and DNS names (wildcards included) against the trust anchors.  A
 * thin wrapper around it adds what it lacks: IP address names, for a URL
 * like https://[::1]/, and the dates of the server's certificate, so that
 * a refusal for its dates can say which date and what the clock says.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "pieces.h"

#define CERTMAX		(16 << 10)	/* the server's certificate, kept for IP names */
#define DAYS1970	719528		/* days from 0000-01-01 to 1970-01-01 */

/* the x509 engine the TLS engine sees: x509_minimal plus what it lacks */
struct xwrap {
	const br_x509_class *vtable;
	br_x509_minimal_context mini;
	br_x509_decoder_context dec;	/* the server's certificate: its dates */
	unsigned char ip[16];		/* an IP literal host, to find in its names */
	size_t iplen;			/* 0: the host is a name */
	int ncert;
	unsigned char der[CERTMAX];
	size_t derlen;			/* CERTMAX + 1: it did not fit */
};

struct tls {
	br_ssl_client_context sc;
	struct xwrap xw;
	br_sslio_context io;
	char err[256];			/* tls_error's words, when made up */
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* trust anchors, loaded once */
static br_x509_trust_anchor *tas;
static size_t ntas;

static const uint16_t suites_aesni[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

static const uint16_t suites_soft[] = {
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

struct der {
	unsigned char *p;
	size_t len, cap;
};

static void
derappend(void *arg, const void *buf, size_t n)
{
	struct der *d = arg;

	if (d->len + n > d->cap) {
		d->cap = MAX(d->cap * 2, d->len + n);
		d->p = erealloc(d->p, d->cap);
	}
	memcpy(d->p + d->len, buf, n);
	d->len += n;
}

static void *
memdup(const void *p, size_t n)
{
	return memcpy(emalloc(n), p, n);
}

/*
 * addanchor makes a trust anchor of one DER certificate: its subject DN
 * and public key, and whether it is a CA.  Keys BearSSL cannot use are
 * skipped, as every TLS client skips what it cannot parse in a bundle.
 */
static void
addanchor(const unsigned char *cert, size_t len)
{
	br_x509_decoder_context dc;
	struct der dn = { 0 };
	const br_x509_pkey *pk;
	br_x509_trust_anchor *ta;

	br_x509_decoder_init(&dc, derappend, &dn);
	br_x509_decoder_push(&dc, cert, len);
	if (!(pk = br_x509_decoder_get_pkey(&dc))) {
		free(dn.p);
		return;
	}
	tas = erealloc(tas, (ntas + 1) * sizeof(*tas));
	ta = &tas[ntas++];
	memset(ta, 0, sizeof(*ta));
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = memdup(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = memdup(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = memdup(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
}

/* freeanchors drops what a failed load kept */
static void
freeanchors(void)
{
	size_t i;

	for (i = 0; i < ntas; i++) {
		free(tas[i].dn.data);
		if (tas[i].pkey.key_type == BR_KEYTYPE_RSA) {
			free(tas[i].pkey.key.rsa.n);
			free(tas[i].pkey.key.rsa.e);
		} else {
			free(tas[i].pkey.key.ec.q);
		}
	}
	free(tas);
	tas = NULL;
	ntas = 0;
}

/* pemcerts adds the CERTIFICATE objects of a PEM bundle as anchors */
static int
pemcerts(const char *name, const unsigned char *buf, size_t len)
{
	br_pem_decoder_context pc;
	struct der d = { 0 };
	int incert = 0;
	size_t k;

	br_pem_decoder_init(&pc);
	while (len > 0) {
		k = br_pem_decoder_push(&pc, buf, len);
		buf += k;
		len -= k;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			incert = !strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") ||
			         !strcmp(br_pem_decoder_name(&pc), "X509 CERTIFICATE");
			d.len = 0;
			br_pem_decoder_setdest(&pc, incert ? derappend : NULL, &d);
			break;
		case BR_PEM_END_OBJ:
			if (incert)
				addanchor(d.p, d.len);
			incert = 0;
			break;
		case BR_PEM_ERROR:
			free(d.p);
			weprintf("%s: bad PEM", name);
			return -1;
		}
	}
	free(d.p);
	return 0;
}

/*
 * loadanchors reads the trust anchors, once a process: from file, else
 * the config file's cafile, else SSL_CERT_FILE, else the first system
 * bundle there is.
 */
static int
loadanchors(const char *file)
{
	static const char *bundles[] = {
		"/etc/ssl/certs/ca-certificates.crt",	/* Debian, Alpine, Arch */
		"/etc/ssl/cert.pem",			/* Alpine, OpenWrt, BSD */
		"/etc/pki/tls/certs/ca-bundle.crt",	/* Fedora, RHEL */
		"/etc/ssl/ca-bundle.pem",		/* openSUSE */
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	};
	unsigned char *buf;
	const char *env = getenv("SSL_CERT_FILE");
	ssize_t n;
	size_t i;
	int fd, ret = -1;

	if (tas)
		return 0;
	if (!file)
		file = conf_cafile();
	if (!file)
		file = env && *env ? env : NULL;
	for (i = 0; !file && i < LEN(bundles); i++)
		if (access(bundles[i], R_OK) == 0)
			file = bundles[i];
	if (!file) {
		weprintf("no CA certificates: set SSL_CERT_FILE or install ca-certificates");
		return -1;
	}
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		weprintf("%s: CA file:", file);
		return -1;
	}
	buf = emalloc(CAFILEMAX + 1);
	if ((n = readcap(fd, (char *)buf, CAFILEMAX + 1)) < 0 && errno == EFBIG) {
		weprintf("%s: larger than CAFILEMAX (%d bytes)", file, CAFILEMAX);
	} else if (n < 0) {
		weprintf("%s: read:", file);
	} else {
		/* a last line without its newline still ends the object */
		buf[n++] = '\n';
		if ((ret = pemcerts(file, buf, n)) == 0 && !ntas) {
			weprintf("%s: no usable CA certificates", file);
			ret = -1;
		}
	}
	close(fd);
	free(buf);
	if (ret < 0)
		freeanchors();
	return ret;
}

/*
 * tlv reads one DER element at *p (below end): its tag in *tag, its
 * content's length in *len; it returns the content and moves *p past it,
 * or NULL if the element is malformed or overruns end.
 */
static const unsigned char *
tlv(const unsigned char **p, const unsigned char *end, int *tag, size_t *len)
{
	const unsigned char *q = *p;
	size_t n, k;

	if (end - q < 2)
		return NULL;
	*tag = *q++;
	n = *q++;
	if (n & 0x80) {
		k = n & 0x7f;
		if (k == 0 || k > 3 || (size_t)(end - q) < k)
			return NULL;
		for (n = 0; k > 0; k--)
			n = n << 8 | *q++;
	}
	if ((size_t)(end - q) < n)
		return NULL;
	*len = n;
	*p = q + n;
	return q;
}

/* sanip looks for the address ip in the GeneralNames at p..end */
static int
sanip(const unsigned char *p, const unsigned char *end, const unsigned char *ip, size_t iplen)
{
	const unsigned char *v;
	size_t n;
	int tag;

	while (p < end) {
		if (!(v = tlv(&p, end, &tag, &n)))
			return 0;
		if (tag == 0x87 && n == iplen && !memcmp(v, ip, n))
			return 1;
	}
	return 0;
}

/*
 * ipmatch says whether the certificate der names the address ip (iplen
 * bytes) in its subjectAltName, as an iPAddress ([7]) entry.  BearSSL
 * checks only dNSName entries; x509_minimal has already verified this
 * certificate's signature when this runs, so its bytes are the CA's.
 */
static int
ipmatch(const unsigned char *der, size_t derlen, const unsigned char *ip, size_t iplen)
{
	static const unsigned char san[] = { 0x55, 0x1d, 0x11 };	/* 2.5.29.17 */
	const unsigned char *p = der, *c, *end, *x, *xe, *v, *ve;
	size_t n;
	int tag;

	if (!(c = tlv(&p, der + derlen, &tag, &n)) || tag != 0x30)	/* Certificate */
		return 0;
	if (!(c = tlv(&c, c + n, &tag, &n)) || tag != 0x30)	/* tbsCertificate */
		return 0;
	for (p = c, end = c + n; p < end; ) {
		if (!(c = tlv(&p, end, &tag, &n)))
			return 0;
		if (tag != 0xa3)				/* [3] extensions */
			continue;
		if (!(x = tlv(&c, c + n, &tag, &n)) || tag != 0x30)
			return 0;
		for (xe = x + n; x < xe; ) {
			if (!(v = tlv(&x, xe, &tag, &n)) || tag != 0x30)
				return 0;
			ve = v + n;
			if (!(c = tlv(&v, ve, &tag, &n)) || tag != 0x06)
				return 0;
			if (n != sizeof(san) || memcmp(c, san, n))
				continue;
			while ((c = tlv(&v, ve, &tag, &n)) && tag != 0x04)
				;				/* critical */
			if (!c || !(c = tlv(&c, c + n, &tag, &n)) || tag != 0x30)
				return 0;
			return sanip(c, c + n, ip, iplen);
		}
	}
	return 0;
}

#define XW(ctx) ((struct xwrap *)(void *)(ctx))

static void
xw_start_chain(const br_x509_class **ctx, const char *name)
{
	struct xwrap *x = XW(ctx);

	x->ncert = 0;
	x->mini.vtable->start_chain(&x->mini.vtable, name);
}

static void
xw_start_cert(const br_x509_class **ctx, uint32_t len)
{
	struct xwrap *x = XW(ctx);

	if (x->ncert == 0) {
		br_x509_decoder_init(&x->dec, NULL, NULL);
		x->derlen = 0;
	}
	x->mini.vtable->start_cert(&x->mini.vtable, len);
}

static void
xw_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct xwrap *x = XW(ctx);

	if (x->ncert == 0) {
		br_x509_decoder_push(&x->dec, buf, len);
		if (x->derlen + len <= CERTMAX)
			memcpy(x->der + x->derlen, buf, len);
		x->derlen = MIN(x->derlen + len, CERTMAX + 1);
	}
	x->mini.vtable->append(&x->mini.vtable, buf, len);
}

static void
xw_end_cert(const br_x509_class **ctx)
{
	struct xwrap *x = XW(ctx);

	x->ncert++;
	x->mini.vtable->end_cert(&x->mini.vtable);
}

static unsigned
xw_end_chain(const br_x509_class **ctx)
{
	struct xwrap *x = XW(ctx);
	unsigned r = x->mini.vtable->end_chain(&x->mini.vtable);

	if (r == BR_ERR_OK && x->iplen &&
	    (x->derlen > CERTMAX || !ipmatch(x->der, x->derlen, x->ip, x->iplen)))
		r = BR_ERR_X509_BAD_SERVER_NAME;
	return r;
}

static const br_x509_pkey *
xw_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct xwrap *x = (const void *)ctx;

	return x->mini.vtable->get_pkey(&x->mini.vtable, usages);
}

static const br_x509_class xwrap_class = {
	sizeof(struct xwrap), xw_start_chain, xw_start_cert, xw_append,
	xw_end_cert, xw_end_chain, xw_get_pkey,
};

static const struct {
	int err;
	const char *what;
} tlserrs[] = {
	{ BR_ERR_BAD_PARAM, "bad TLS parameter" },
	{ BR_ERR_UNSUPPORTED_VERSION, "server does not speak TLS 1.2" },
	{ BR_ERR_BAD_VERSION, "server chose a TLS version we did not offer" },
	{ BR_ERR_BAD_LENGTH, "malformed TLS record" },
	{ BR_ERR_TOO_LARGE, "TLS record too large" },
	{ BR_ERR_BAD_MAC, "TLS record failed its integrity check (data corrupted in transit)" },
	{ BR_ERR_NO_RANDOM, "no random source for TLS" },
	{ BR_ERR_UNKNOWN_TYPE, "unknown TLS record type" },
	{ BR_ERR_UNEXPECTED, "unexpected TLS message" },
	{ BR_ERR_BAD_HANDSHAKE, "malformed TLS handshake" },
	{ BR_ERR_BAD_CIPHER_SUITE, "no cipher suite in common (we offer ECDHE with AES-GCM "
	  "or ChaCha20-Poly1305)" },
	{ BR_ERR_BAD_SIGNATURE, "bad signature on the server's key exchange" },
	{ BR_ERR_WRONG_KEY_USAGE, "server key not usable for its key exchange" },
	{ BR_ERR_INVALID_ALGORITHM, "server used a signature algorithm we did not offer" },
	{ BR_ERR_LIMIT_EXCEEDED, "TLS handshake exceeds a limit" },
	{ BR_ERR_X509_EMPTY_CHAIN, "server sent no certificate" },
	{ BR_ERR_X509_NOT_TRUSTED, "certificate not trusted: not signed by a known CA" },
	{ BR_ERR_X509_BAD_SERVER_NAME, "certificate is not for this host name" },
	{ BR_ERR_X509_NOT_CA, "certificate chain has a link that is not a CA" },
	{ BR_ERR_X509_BAD_SIGNATURE, "certificate signature does not verify" },
	{ BR_ERR_X509_CRITICAL_EXTENSION, "certificate has an unsupported critical extension" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE, "certificate key usage forbids TLS" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY, "certificate key too weak" },
	{ BR_ERR_X509_UNSUPPORTED, "certificate uses an unsupported algorithm" },
	{ BR_ERR_X509_LIMIT_EXCEEDED, "certificate chain exceeds a limit" },
	{ BR_ERR_X509_DN_MISMATCH, "certificate chain is out of order" },
	{ BR_ERR_X509_TIME_UNKNOWN, "certificate validity cannot be checked: no clock" },
};

static const struct {
	int alert;
	const char *name;
} alerts[] = {
	{ 0, "close_notify" }, { 10, "unexpected_message" }, { 20, "bad_record_mac" },
	{ 40, "handshake_failure" }, { 42, "bad_certificate" }, { 46, "certificate_unknown" },
	{ 47, "illegal_parameter" }, { 48, "unknown_ca" }, { 50, "decode_error" },
	{ 51, "decrypt_error" }, { 70, "protocol_version" }, { 71, "insufficient_security" },
	{ 80, "internal_error" }, { 112, "unrecognized_name" },
};

/* day formats days since 1970 as YYYY-MM-DD into buf */
static char *
day(char *buf, size_t len, long long days)
{
	time_t t = days * 86400;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d", &tm))
		snprintf(buf, len, "day %lld", days);
	return buf;
}

/*
 * datewhy explains a certificate outside its dates: which date, and what
 * the clock says.  A router without a real-time clock boots in 1970 until
 * NTP runs; that is the usual cause, so it is named.
 */
static void
datewhy(struct tls *t)
{
	br_x509_decoder_context *d = &t->xw.dec;
	char nb[32], na[32], now[32];
	time_t sec = time(NULL);
	long long today = sec / 86400 + DAYS1970;
	const char *wrong = "";
	struct tm tm;

	day(now, sizeof(now), today - DAYS1970);
	if (gmtime_r(&sec, &tm) && tm.tm_year + 1900 < 2020)
		wrong = ", which is probably wrong: set it";
	day(nb, sizeof(nb), (long long)d->notbefore_days - DAYS1970);
	day(na, sizeof(na), (long long)d->notafter_days - DAYS1970);
	if (d->decoded && today < d->notbefore_days)
		snprintf(t->err, sizeof(t->err), "certificate is not valid before %s; "
		         "the clock says %s%s", nb, now, wrong);
	else if (d->decoded && today > d->notafter_days)
		snprintf(t->err, sizeof(t->err), "certificate expired on %s; the clock says %s%s",
		         na, now, wrong);
	else
		snprintf(t->err, sizeof(t->err), "a certificate in the chain is expired or "
		         "not yet valid; the clock says %s%s", now, wrong);
}

const char *
tls_error(struct tls *t)
{
	int err = br_ssl_engine_last_error(&t->sc.eng);
	const char *name = "";
	size_t i;

	if (err == BR_ERR_IO)
		return NULL;
	if (err == BR_ERR_X509_EXPIRED) {
		datewhy(t);
		return t->err;
	}
	if (err >= BR_ERR_RECV_FATAL_ALERT) {
		for (i = 0; i < LEN(alerts); i++)
			if (alerts[i].alert == (err & 255))
				name = alerts[i].name;
		snprintf(t->err, sizeof(t->err), "TLS alert %d %s %s", err & 255, name,
		         err >= BR_ERR_SEND_FATAL_ALERT ? "sent" : "from the server");
		return t->err;
	}
	for (i = 0; i < LEN(tlserrs); i++)
		if (tlserrs[i].err == err)
			return tlserrs[i].what;
	snprintf(t->err, sizeof(t->err), err > BR_ERR_X509_OK ?
	         "bad certificate (BearSSL X.509 error %d)" : "TLS error %d", err);
	return t->err;
}

/* profile sets up the trimmed client profile on t's engine */
static void
profile(struct tls *t)
{
	br_ssl_engine_context *e = &t->sc.eng;
	br_x509_minimal_context *m = &t->xw.mini;
	int aesni = br_aes_x86ni_ctr_get_vtable() != NULL;

	br_ssl_client_zero(&t->sc);
	br_ssl_engine_set_versions(e, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(e, aesni ? suites_aesni : suites_soft, LEN(suites_aesni));
	br_x509_minimal_init(m, &br_sha256_vtable, tas, ntas);
	/* SHA-256 and SHA-384 for the PRFs and handshake hashes; with
	 * SHA-512 they are what certificates are signed with today */
	br_ssl_engine_set_hash(e, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(e, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_hash(e, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_hash(m, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(m, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(m, br_sha512_ID, &br_sha512_vtable);
	br_ssl_engine_set_default_rsavrfy(e);
	br_ssl_engine_set_default_ecdsa(e);
	br_x509_minimal_set_rsa(m, br_ssl_engine_get_rsavrfy(e));
	br_x509_minimal_set_ecdsa(m, br_ssl_engine_get_ec(e), br_ssl_engine_get_ecdsa(e));
	br_ssl_engine_set_prf_sha256(e, br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(e, br_tls12_sha384_prf);
	/* these pick AES-NI and PCLMUL, or SSE2 ChaCha20, where the CPU
	 * has them, and constant-time portable code elsewhere */
	br_ssl_engine_set_default_aes_gcm(e);
	br_ssl_engine_set_default_chapol(e);
}

struct tls *
tls_open(const char *host, const char *cafile,
         int (*rd)(void *, unsigned char *, size_t),
         int (*wr)(void *, const unsigned char *, size_t), void *arg)
{
	struct tls *t;
	struct xwrap *x;

	if (loadanchors(cafile) < 0)
		return NULL;
	t = ecalloc(1, sizeof(*t));
	x = &t->xw;
	profile(t);
	x->vtable = &xwrap_class;
	x->iplen = inet_pton(AF_INET, host, x->ip) == 1 ? 4 :
	           inet_pton(AF_INET6, host, x->ip) == 1 ? 16 : 0;
	br_ssl_engine_set_x509(&t->sc.eng, &x->vtable);
	br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof(t->iobuf), 1);
	/* an IP address is no server name: no SNI, and xwrap checks it */
	if (!br_ssl_client_reset(&t->sc, x->iplen ? NULL : host, 0)) {
		weprintf("%s: TLS: %s", host, tls_error(t) ? tls_error(t) : "cannot start");
		free(t);
		return NULL;
	}
	br_sslio_init(&t->io, &t->sc.eng, rd, arg, wr, arg);
	return t;
}

ssize_t
tls_read(struct tls *t, void *buf, size_t n)
{
	int r;

	if ((r = br_sslio_read(&t->io, buf, MIN(n, INT_MAX))) > 0)
		return r;
	if (br_ssl_engine_last_error(&t->sc.eng) == BR_ERR_OK &&
	    br_ssl_engine_current_state(&t->sc.eng) == BR_SSL_CLOSED)
		return 0;
	return -1;
}

int
tls_write(struct tls *t, const void *buf, size_t n)
{
	if (br_sslio_write_all(&t->io, buf, n) < 0 || br_sslio_flush(&t->io) < 0)
		return -1;
	return 0;
}

void
tls_close(struct tls *t)
{
	free(t);
}
