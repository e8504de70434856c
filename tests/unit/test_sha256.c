/* test_sha256.c - SHA-256: FIPS 180-4 vectors, and the CPU's SHA instructions (when it
 * has them) agreeing with the portable code on every length and split of the input. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static void hex_of(const void *data, size_t len, char out[65])
{
	unsigned char d[32];
	sha256(data, len, d);
	sha256_hex(d, out);
}

/* The message of N bytes the padding tests hash (the same as implementations_agree's). */
static void pattern(unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
}

static void vectors(void)
{
	/* FIPS 180-2 appendix B (one block, two blocks) and the 896-bit message of its
	 * SHA-512 examples, hashed with SHA-256 */
	static const struct {
		const char *in, *want;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
	};
	char h[65];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		hex_of(v[i].in, strlen(v[i].in), h);
		cr_expect_str_eq(h, v[i].want, "sha256(\"%s\")", v[i].in);
	}
	/* lengths around the padding's edges (55 is the last that pads within its block),
	 * digests from an independent implementation (Python's hashlib) */
	static const struct {
		size_t len;
		const char *want;
	} pad[] = {
	    {55, "16ed9c4697ca11d5f6fb25ea7900252dd4cb97215d7f6d0b2bb3e2a86ac0ec72"},
	    {56, "939ada93b2fe1e9c596d767bb408567c83e253667f0b25e5be8e16f35f2cbac9"},
	    {57, "ab84281f3b181e6cfc7cf870c7f3e7912be6fd1ac49c7dd6b21f6c25bb9a5eaa"},
	    {63, "6073f83b09ae82016cdbe24c18996c48f0eaa08ca675d0f6b90b807fc29e0149"},
	    {64, "b337ba9b0c69c391364e985fdcb23a889887e59800832c92fbfa22b8a3c40304"},
	    {65, "9d6a3fb113b586b4ab97bc11c993a27bd9b7bbcb756e0646083dc47a679600e6"},
	    {119, "9773fbac8194c3d789af101b49b6a26073076895ef6e0f658432849dd477a43f"},
	    {120, "070a538f085dd94821d4dc197c5c8b791051891d4fa2a1bf25d3c275236676f7"},
	    {128, "485a94e53eba9717a5d8b7b4489cad92a752f1c5722e7dfd29dd164b7c438d11"},
	    {300, "cf2eb35169ce035ca6dfb9c3a303d1495473b02fd17c5635008f1e659b733d8f"},
	};
	unsigned char buf[300];
	pattern(buf, sizeof buf);
	for (size_t i = 0; i < sizeof pad / sizeof pad[0]; i++) {
		hex_of(buf, pad[i].len, h);
		cr_expect_str_eq(h, pad[i].want, "pattern of %zu bytes", pad[i].len);
	}
	/* one million 'a': whole, and in pieces of 1, 2, ... 1000 bytes */
	char *a = malloc(1000000);
	cr_assert_not_null(a);
	memset(a, 'a', 1000000);
	hex_of(a, 1000000, h);
	cr_expect_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	struct sha256_ctx c;
	unsigned char d[32];
	sha256_init(&c);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step % 1000 + 1)
		sha256_update(&c, a + off, off + step > 1000000 ? 1000000 - off : step);
	sha256_final(&c, d);
	sha256_hex(d, h);
	cr_expect_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
			 "one million 'a' in pieces");
	free(a);
}

Test(sha256, vectors_portable)
{
	sha256_accelerated(0);
	cr_expect_eq(sha256_accelerated(-1), 0);
	vectors();
	sha256_accelerated(1);
}

Test(sha256, vectors_accelerated)
{
	int on = sha256_accelerated(1);
	cr_log_info("sha256: SHA instructions %s", on ? "used" : "not available: portable code");
	cr_expect_eq(sha256_accelerated(-1), on);
	vectors();
}

/* Every length up to 300 bytes, fed whole and in uneven pieces, both implementations. */
Test(sha256, implementations_agree)
{
	unsigned char buf[300], a[32], b[32], c[32];
	pattern(buf, sizeof buf);
	for (size_t len = 0; len <= sizeof buf; len++) {
		sha256_accelerated(0);
		sha256(buf, len, a);
		sha256_accelerated(1);
		sha256(buf, len, b);
		struct sha256_ctx x;
		sha256_init(&x);
		for (size_t off = 0, step = 1; off < len; off += step, step = step * 3 % 97 + 1)
			sha256_update(&x, buf + off, off + step > len ? len - off : step);
		sha256_final(&x, c);
		cr_expect(!memcmp(a, b, 32), "length %zu: portable and accelerated differ", len);
		cr_expect(!memcmp(a, c, 32), "length %zu: split updates differ", len);
	}
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: deterministic, so a failure reproduces */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Hash LEN bytes at P through sha256_update in random pieces (empty ones included). */
static void hash_split(const unsigned char *p, size_t len, uint64_t *rng, unsigned char out[32])
{
	struct sha256_ctx x;
	sha256_init(&x);
	size_t off = 0;
	while (off < len) {
		uint64_t r = rng_next(rng);
		/* mostly short pieces, now and then one of several blocks, sometimes nothing */
		size_t max = (r & 3) == 0 ? len - off : 80;
		size_t n = (size_t)((r >> 8) % (max + 1));
		if (n > len - off)
			n = len - off;
		sha256_update(&x, p + off, n);
		off += n;
	}
	if (rng_next(rng) & 1)
		sha256_update(&x, p, 0);
	sha256_final(&x, out);
}

/* Random messages of 0..4096 bytes at random alignments: one-shot and randomly split,
 * with each implementation, all four digests the same. */
Test(sha256, random_lengths_and_splits)
{
	enum { MAXLEN = 4096, ROUNDS = 1500 };
	unsigned char *buf = malloc(MAXLEN + 16);
	cr_assert_not_null(buf);
	uint64_t rng = 0x6a09e667f3bcc908ULL;
	for (size_t i = 0; i < MAXLEN + 16; i++)
		buf[i] = (unsigned char)(rng_next(&rng) >> 56);
	int on = sha256_accelerated(1);
	for (int round = 0; round < ROUNDS; round++) {
		/* a few rounds at the extremes, the rest anywhere in 0..4096 */
		size_t len = round == 0	  ? 0
			     : round == 1 ? MAXLEN
					  : (size_t)(rng_next(&rng) % (MAXLEN + 1));
		const unsigned char *p = buf + rng_next(&rng) % 16;
		unsigned char d[4][32];
		uint64_t split = rng_next(&rng);
		for (int impl = 0; impl < 2; impl++) {
			uint64_t s = split; /* the same pieces for both */
			sha256_accelerated(impl);
			sha256(p, len, d[2 * impl]);
			hash_split(p, len, &s, d[2 * impl + 1]);
		}
		cr_assert(!memcmp(d[0], d[1], 32), "round %d, %zu bytes: portable, split differs",
			  round, len);
		cr_assert(!memcmp(d[0], d[2], 32),
			  "round %d, %zu bytes: accelerated differs from portable", round, len);
		cr_assert(!memcmp(d[0], d[3], 32),
			  "round %d, %zu bytes: accelerated, split differs", round, len);
		/* a byte flipped anywhere changes the digest (both implementations) */
		if (len) {
			unsigned char *q = buf + (p - buf) + rng_next(&rng) % len;
			*q ^= 0x01;
			unsigned char e[32];
			for (int impl = 0; impl < 2; impl++) {
				sha256_accelerated(impl);
				sha256(p, len, e);
				cr_assert(memcmp(d[0], e, 32) != 0,
					  "round %d: flipped byte not seen", round);
			}
			*q ^= 0x01;
		}
	}
	sha256_accelerated(on);
	free(buf);
}

/* A context carries partial blocks across updates: the same digest whether the state is
 * hashed by one implementation throughout or switched between them mid-message (the
 * state layout is shared). */
Test(sha256, switch_mid_message)
{
	unsigned char buf[1000], a[32], b[32];
	pattern(buf, sizeof buf);
	sha256_accelerated(0);
	sha256(buf, sizeof buf, a);
	struct sha256_ctx x;
	sha256_init(&x);
	for (size_t off = 0, i = 0; off < sizeof buf; off += 100, i++) {
		sha256_accelerated((int)(i & 1));
		sha256_update(&x, buf + off, 100);
	}
	sha256_final(&x, b);
	cr_expect(!memcmp(a, b, 32), "switching implementations mid-message changed the digest");
	sha256_accelerated(1);
}
