/* sha256.h - SHA-256 (FIPS 180-4), for plan checksums and rule-set hashes. */
#ifndef MIGRT_SHA256_H
#define MIGRT_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256_ctx {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, unsigned char out[32]);
/* One-shot convenience. */
void sha256(const void *data, size_t len, unsigned char out[32]);
/* Whether the CPU's SHA instructions are used (1) or the portable code (0). MODE -1
 * only asks; 0 forces the portable code, 1 uses the instructions when the CPU has them
 * (tests compare the two). Until set, the instructions are used when the CPU has them,
 * unless MIGSTATE_SHA256=generic was in the environment at the first hash. Both give
 * the same digests. */
int sha256_accelerated(int mode);
/* Lower-case hex of a digest into OUT (65 bytes). */
void sha256_hex(const unsigned char d[32], char out[65]);

#endif
