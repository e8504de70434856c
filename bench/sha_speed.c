/* sha_speed.c - SHA-256 throughput of the portable code and of the CPU's SHA
 * instructions (runtime/base/sha256.c), on 64 MiB of pseudo-random bytes.
 *
 * build: cc -std=c11 -D_GNU_SOURCE -O2 -Iruntime/base -o build/sha_speed \
 *          bench/sha_speed.c runtime/base/sha256.c
 * usage: sha_speed [MIB] [REPS]   (defaults 64 and 3; the best of REPS, in CPU time)
 *
 * Two ways of feeding each implementation: one sha256_update over the whole buffer
 * (blocks hashed straight from it), and 150-byte updates, about what the catalog writer
 * passes per record (blocks assembled in the context's buffer). All rows must print the
 * same digest; the exit status is 1 if they do not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sha256.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double run(const unsigned char *buf, size_t len, size_t piece, int reps,
		  unsigned char out[32])
{
	double best = 1e30;
	for (int r = 0; r < reps; r++) {
		struct sha256_ctx c;
		double t0 = now();
		sha256_init(&c);
		for (size_t off = 0; off < len; off += piece)
			sha256_update(&c, buf + off, len - off < piece ? len - off : piece);
		sha256_final(&c, out);
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	int reps = argc > 2 ? atoi(argv[2]) : 3;
	if (mib == 0 || reps <= 0) {
		fprintf(stderr, "usage: sha_speed [MIB] [REPS]\n");
		return 2;
	}
	size_t len = mib << 20;
	unsigned char *buf = malloc(len);
	if (!buf) {
		perror("malloc");
		return 2;
	}
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (unsigned char)(x >> 24);
	}
	int have = sha256_accelerated(1);
	printf("sha256 over %zu MiB, best of %d%s\n", mib, reps,
	       have ? "" : " (no SHA instructions on this CPU: both rows are portable)");
	unsigned char first[32];
	int mismatch = 0, rows = 0;
	for (int impl = 0; impl < 2; impl++) {
		sha256_accelerated(impl);
		for (int shape = 0; shape < 2; shape++) {
			size_t piece = shape ? 150 : len;
			unsigned char d[32];
			char hex[65];
			double t = run(buf, len, piece, reps, d);
			sha256_hex(d, hex);
			printf("%-9s %-14s %8.1f MB/s  %.16s\n", impl ? "sha-ni" : "portable",
			       shape ? "150-byte parts" : "one update", (double)len / t / 1e6, hex);
			if (rows++ == 0)
				memcpy(first, d, 32);
			else if (memcmp(first, d, 32) != 0)
				mismatch = 1;
		}
	}
	free(buf);
	if (mismatch)
		fprintf(stderr, "sha_speed: digests differ\n");
	return mismatch;
}
