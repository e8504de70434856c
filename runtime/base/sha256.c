/* sha256.c - SHA-256: portable C, and the x86 SHA extensions when the CPU has them.
 * Plans are small, but every catalog byte a scan writes is hashed too (about 150 bytes
 * per captured file): with the SHA instructions that costs a few cycles per byte
 * instead of over ten. Full blocks are hashed straight from the caller's buffer.
 * (Valgrind's CPUID does not report the SHA extensions: under callgrind the portable
 * code runs, and a profile there overstates what hashing costs.) */
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHANI_CODE 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* FIPS 180-4 section 4.1.2: the big and small sigmas, Ch and Maj. */
#define BSIG0(x) (ror(x, 2) ^ ror(x, 13) ^ ror(x, 22))
#define BSIG1(x) (ror(x, 6) ^ ror(x, 11) ^ ror(x, 25))
#define SSIG0(x) (ror(x, 7) ^ ror(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ror(x, 17) ^ ror(x, 19) ^ ((x) >> 10))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))

/* Round T (0..63) of the compression, with the working variables named in their order
 * for this round: instead of shifting eight variables along, the names rotate, so only
 * D and H are written. The schedule keeps the last sixteen words in W[T mod 16]; from
 * round 16 on the word is computed in place before use (section 6.2.2 step 1). */
#define SCHED(t)                                                                                   \
	(w[(t)&15] += SSIG1(w[((t) + 14) & 15]) + w[((t) + 9) & 15] + SSIG0(w[((t) + 1) & 15]))
#define ROUND(a, b, c, d, e, f, g, h, t, wt)                                                       \
	do {                                                                                       \
		uint32_t t1_ = (h) + BSIG1(e) + CH(e, f, g) + K[t] + (wt);                         \
		(d) += t1_;                                                                        \
		(h) = t1_ + BSIG0(a) + MAJ(a, b, c);                                               \
	} while (0)
#define ROUNDS8(t, wt)                                                                             \
	do {                                                                                       \
		ROUND(a, b, c, d, e, f, g, h, (t) + 0, wt((t) + 0));                               \
		ROUND(h, a, b, c, d, e, f, g, (t) + 1, wt((t) + 1));                               \
		ROUND(g, h, a, b, c, d, e, f, (t) + 2, wt((t) + 2));                               \
		ROUND(f, g, h, a, b, c, d, e, (t) + 3, wt((t) + 3));                               \
		ROUND(e, f, g, h, a, b, c, d, (t) + 4, wt((t) + 4));                               \
		ROUND(d, e, f, g, h, a, b, c, (t) + 5, wt((t) + 5));                               \
		ROUND(c, d, e, f, g, h, a, b, (t) + 6, wt((t) + 6));                               \
		ROUND(b, c, d, e, f, g, h, a, (t) + 7, wt((t) + 7));                               \
	} while (0)
#define W_FIRST(t) w[t]
#define W_LATER(t) SCHED(t)

static void blocks_c(uint32_t hs[8], const unsigned char *p, size_t n)
{
	for (; n; n--, p += 64) {
		uint32_t w[16];
		for (int i = 0; i < 16; i++)
			w[i] = get_be32(p + 4 * i);
		uint32_t a = hs[0], b = hs[1], c = hs[2], d = hs[3];
		uint32_t e = hs[4], f = hs[5], g = hs[6], h = hs[7];
		ROUNDS8(0, W_FIRST);
		ROUNDS8(8, W_FIRST);
		ROUNDS8(16, W_LATER);
		ROUNDS8(24, W_LATER);
		ROUNDS8(32, W_LATER);
		ROUNDS8(40, W_LATER);
		ROUNDS8(48, W_LATER);
		ROUNDS8(56, W_LATER);
		hs[0] += a;
		hs[1] += b;
		hs[2] += c;
		hs[3] += d;
		hs[4] += e;
		hs[5] += f;
		hs[6] += g;
		hs[7] += h;
	}
}

#ifdef HAVE_SHANI_CODE
/* The state lives in two registers as (A,B,E,F) and (C,D,G,H), A and C in the top
 * lane (the order SHA256RNDS2 takes). SHA256RNDS2 does two rounds with the W+K of the
 * low two lanes of its third operand; SHA256MSG1 adds sigma0 of the next word to four
 * words, SHA256MSG2 adds sigma1 of the words two back to four words (the last two of
 * them computed by itself), so four schedule words cost MSG1, an add, MSG2. */

/* Four rounds with the schedule words in M (W[4Q] in the low lane). */
#define SHANI_ROUNDS4(m, q)                                                                        \
	do {                                                                                       \
		__m128i wk_ =                                                                      \
		    _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)(const void *)&K[4 * (q)])); \
		st1 = _mm_sha256rnds2_epu32(st1, st0, wk_);                                        \
		st0 = _mm_sha256rnds2_epu32(st0, st1, _mm_shuffle_epi32(wk_, 0x0E));               \
	} while (0)
/* M0..M3 hold W[t-16..t-13], W[t-12..], W[t-8..], W[t-4..t-1]: replace M0 by
 * W[t..t+3] = W[t-16] + sigma0(W[t-15]) + W[t-7] + sigma1(W[t-2]). */
#define SHANI_SCHED(m0, m1, m2, m3)                                                                \
	(m0 = _mm_sha256msg2_epu32(                                                                \
	     _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4)), m3))
#define SHANI_QUAD(m0, m1, m2, m3, q)                                                              \
	do {                                                                                       \
		SHANI_ROUNDS4(m0, q);                                                              \
		SHANI_SCHED(m0, m1, m2, m3);                                                       \
	} while (0)

__attribute__((target("sha,sse4.1,ssse3"))) static void
blocks_shani(uint32_t h[8], const unsigned char *p, size_t n)
{
	/* byte order within each 32-bit lane reversed: the message is big-endian */
	const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	__m128i abcd = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
	__m128i efgh = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
	__m128i badc = _mm_shuffle_epi32(abcd, 0xB1);	 /* lanes low..high: B A D C */
	__m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);	 /* H G F E */
	__m128i st0 = _mm_alignr_epi8(badc, hgfe, 8);	 /* F E B A: (A,B,E,F) */
	__m128i st1 = _mm_blend_epi16(hgfe, badc, 0xF0); /* H G D C: (C,D,G,H) */
	for (; n; n--, p += 64) {
		const __m128i save0 = st0, save1 = st1;
		__m128i m0 =
		    _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), bswap);
		__m128i m1 = _mm_shuffle_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)(p + 16)), bswap);
		__m128i m2 = _mm_shuffle_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)(p + 32)), bswap);
		__m128i m3 = _mm_shuffle_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)(p + 48)), bswap);
		SHANI_QUAD(m0, m1, m2, m3, 0); /* m0 = W16..19 */
		SHANI_QUAD(m1, m2, m3, m0, 1); /* m1 = W20..23 */
		SHANI_QUAD(m2, m3, m0, m1, 2);
		SHANI_QUAD(m3, m0, m1, m2, 3);
		SHANI_QUAD(m0, m1, m2, m3, 4);
		SHANI_QUAD(m1, m2, m3, m0, 5);
		SHANI_QUAD(m2, m3, m0, m1, 6);
		SHANI_QUAD(m3, m0, m1, m2, 7);
		SHANI_QUAD(m0, m1, m2, m3, 8);
		SHANI_QUAD(m1, m2, m3, m0, 9);
		SHANI_QUAD(m2, m3, m0, m1, 10);
		SHANI_QUAD(m3, m0, m1, m2, 11); /* m3 = W60..63 */
		SHANI_ROUNDS4(m0, 12);
		SHANI_ROUNDS4(m1, 13);
		SHANI_ROUNDS4(m2, 14);
		SHANI_ROUNDS4(m3, 15);
		st0 = _mm_add_epi32(st0, save0);
		st1 = _mm_add_epi32(st1, save1);
	}
	__m128i abef = _mm_shuffle_epi32(st0, 0x1B); /* A B E F */
	__m128i ghcd = _mm_shuffle_epi32(st1, 0xB1); /* G H C D */
	abcd = _mm_blend_epi16(abef, ghcd, 0xF0);    /* A B C D */
	efgh = _mm_alignr_epi8(ghcd, abef, 8);	     /* E F G H */
	_mm_storeu_si128((__m128i *)(void *)&h[0], abcd);
	_mm_storeu_si128((__m128i *)(void *)&h[4], efgh);
}

static int shani_usable(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 29)))
		return 0; /* CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29] */
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	return (c & (1u << 19)) && (c & (1u << 9)); /* CPUID.1:ECX.SSE4_1[19], SSSE3[9] */
}

static int shani = -1; /* -1 not probed yet; threads that race compute the same answer */

/* The first choice: the instructions when the CPU has them, unless the environment
 * asks for the portable code (MIGSTATE_SHA256=generic). */
static int shani_default(void)
{
	const char *e = getenv("MIGSTATE_SHA256");
	int v = e && strcmp(e, "generic") == 0 ? 0 : shani_usable();
	__atomic_store_n(&shani, v, __ATOMIC_RELAXED);
	return v;
}
#endif

int sha256_accelerated(int mode)
{
#ifdef HAVE_SHANI_CODE
	if (mode >= 0)
		__atomic_store_n(&shani, mode ? shani_usable() : 0, __ATOMIC_RELAXED);
	int v = __atomic_load_n(&shani, __ATOMIC_RELAXED);
	return v < 0 ? shani_default() : v;
#else
	(void)mode;
	return 0;
#endif
}

/* N 64-byte blocks at P into H, by the fastest code this CPU runs. */
static void blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
#ifdef HAVE_SHANI_CODE
	int v = __atomic_load_n(&shani, __ATOMIC_RELAXED);
	if (v < 0)
		v = shani_default();
	if (v) {
		blocks_shani(h, p, n);
		return;
	}
#endif
	blocks_c(h, p, n);
}

void sha256_init(struct sha256_ctx *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof iv);
	c->len = 0;
	c->nbuf = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	c->len += len;
	if (c->nbuf) {
		size_t n = 64 - c->nbuf;
		if (n > len)
			n = len;
		memcpy(c->buf + c->nbuf, p, n);
		c->nbuf += n;
		p += n;
		len -= n;
		if (c->nbuf < 64)
			return;
		blocks(c->h, c->buf, 1);
		c->nbuf = 0;
	}
	if (len >= 64) {
		blocks(c->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	memcpy(c->buf, p, len);
	c->nbuf = len;
}

/* Padding (section 5.1.1): 0x80, zeros up to 56 mod 64, the length in bits big-endian. */
void sha256_final(struct sha256_ctx *c, unsigned char out[32])
{
	uint64_t bits = c->len * 8;
	size_t n = c->nbuf; /* < 64 */
	c->buf[n++] = 0x80;
	if (n > 56) {
		memset(c->buf + n, 0, 64 - n);
		blocks(c->h, c->buf, 1);
		n = 0;
	}
	memset(c->buf + n, 0, 56 - n);
	for (int i = 0; i < 8; i++)
		c->buf[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	blocks(c->h, c->buf, 1);
	c->nbuf = 0;
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void sha256(const void *data, size_t len, unsigned char out[32])
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, out);
}

void sha256_hex(const unsigned char d[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = 0;
}
