/* test_sha256.c - SHA-256: FIPS 180-4 vectors, and the CPU's SHA instructions (when it
 * has them) agreeing with the portable code on every length and split of the input. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static void hex_of(const void *data, size_t len, char out[65])
{
	unsigned char d[32];
	sha256(data, len, d);
	sha256_hex(d, out);
}

static void vectors(void)
{
	static const struct {
		const char *in, *want;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	char h[65];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		hex_of(v[i].in, strlen(v[i].in), h);
		cr_expect_str_eq(h, v[i].want, "sha256(\"%s\")", v[i].in);
	}
	char *a = malloc(1000000);
	cr_assert_not_null(a);
	memset(a, 'a', 1000000);
	hex_of(a, 1000000, h);
	cr_expect_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
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
	sha256_accelerated(1);
	vectors();
}

/* Every length up to 300 bytes, fed whole and in uneven pieces, both implementations. */
Test(sha256, implementations_agree)
{
	unsigned char buf[300], a[32], b[32], c[32];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
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
