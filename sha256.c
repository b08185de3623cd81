/* See LICENSE file for copyright and license details. */
/*
 * SHA-256 of everything pieces downloads or imports.  BearSSL's portable
 * compression does about 230 MB/s, slower than a TLS stream arrives over a
 * fast link; where the CPU has the SHA extensions (x86 SHA-NI, chosen once
 * by CPUID) the rounds run in sha256rnds2 at several times that.  Both run
 * the same block loop and keep the same state, so the portable path is
 * BearSSL's own code driven through br_sha256_set_state, and the test suite
 * checks one against the other (PIECES_NO_SHANI forces the portable one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "cpu.h"
#include "pieces.h"

#ifdef CPU_SHANI
#include <cpuid.h>
#include <immintrin.h>
#endif

static void (*blocks)(uint32_t *, const unsigned char *, size_t);

static void
enc32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
dec32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* portable: BearSSL's rounds on our state, whole blocks only */
static void
blocks_br(uint32_t *h, const unsigned char *p, size_t n)
{
	br_sha256_context c;
	unsigned char st[32];
	int i;

	for (i = 0; i < 8; i++)
		enc32(st + 4 * i, h[i]);
	br_sha256_set_state(&c, st, 0);
	br_sha256_update(&c, p, n * 64);
	(void)br_sha256_state(&c, st);
	for (i = 0; i < 8; i++)
		h[i] = dec32(st + 4 * i);
}

#ifdef CPU_SHANI
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/*
 * sha256rnds2 does two rounds on the state split as ABEF and CDGH, taking
 * W+K for them from the low half of its third operand; sha256msg1 and
 * sha256msg2 compute the message schedule four words at a time:
 * W[t..t+3] = msg2(msg1(W[t-16..], W[t-12..]) + W[t-7..t-4], W[t-4..]).
 */
__attribute__((target("sha,ssse3,sse4.1"))) static void
blocks_ni(uint32_t *h, const unsigned char *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i abef, cdgh, abef0, cdgh0, t, w[4], wk;
	int i;

	t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xb1);
	cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1b);
	abef = _mm_alignr_epi8(t, cdgh, 8);
	cdgh = _mm_blend_epi16(cdgh, t, 0xf0);
	for (; n > 0; n--, p += 64) {
		abef0 = abef;
		cdgh0 = cdgh;
		for (i = 0; i < 16; i++) {
			if (i < 4) {
				w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
			} else {
				t = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
				t = _mm_add_epi32(t, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
				w[i & 3] = _mm_sha256msg2_epu32(t, w[(i + 3) & 3]);
			}
			wk = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)(K + 4 * i)));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	t = _mm_shuffle_epi32(abef, 0x1b);
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t, cdgh, 0xf0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(cdgh, t, 8));
}

static int
hasni(void)
{
	unsigned a, b, c, d;
	const char *env = getenv("PIECES_NO_SHANI");

	if (env && *env)
		return 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) ||
	    (c & (CPU_LEAF1_ECX_SSSE3 | CPU_LEAF1_ECX_SSE41)) !=
	    (CPU_LEAF1_ECX_SSSE3 | CPU_LEAF1_ECX_SSE41))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & CPU_LEAF7_EBX_SHA) != 0;
}
#endif

const char *
sha256_impl(void)
{
	if (!blocks) {
		blocks = blocks_br;
#ifdef CPU_SHANI
		if (hasni())
			blocks = blocks_ni;
#endif
	}
	return blocks == blocks_br ? "portable" : "sha-ni";
}

void
sha256_init(struct sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	(void)sha256_impl();
	memcpy(c->h, iv, sizeof(iv));
	c->len = 0;
}

void
sha256_update(struct sha256 *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t used = c->len % 64, k;

	c->len += n;
	if (used) {
		k = MIN(n, 64 - used);
		memcpy(c->buf + used, p, k);
		p += k;
		n -= k;
		if (used + k < 64)
			return;
		blocks(c->h, c->buf, 1);
	}
	if (n >= 64) {
		blocks(c->h, p, n / 64);
		p += n & ~(size_t)63;
		n %= 64;
	}
	memcpy(c->buf, p, n);
}

void
sha256_out(struct sha256 *c, unsigned char out[32])
{
	unsigned char pad[72] = { 0x80 };
	uint64_t bits = c->len * 8;
	size_t n = 64 - (c->len + 8) % 64;
	int i;

	enc32(pad + n, bits >> 32);
	enc32(pad + n + 4, bits);
	sha256_update(c, pad, n + 8);
	for (i = 0; i < 8; i++)
		enc32(out + 4 * i, c->h[i]);
}

void
sha256_hex(struct sha256 *c, char *hex)
{
	unsigned char sum[32];
	int i;

	sha256_out(c, sum);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
}

ssize_t
hash_read(void *arg, void *buf, size_t n)
{
	struct hashin *h = arg;
	ssize_t r = h->in.read(h->in.arg, buf, n);

	if (r <= 0)
		return r;
	sha256_update(&h->sha, buf, r);
	h->got += r;
	if (h->copy >= 0 && writeall(h->copy, buf, r) < 0) {
		weprintf("%s: write:", h->name);
		return -1;
	}
	return r;
}
