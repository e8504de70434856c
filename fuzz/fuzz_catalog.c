/* fuzz_catalog.c - libFuzzer harness: the catalog reader (runtime/catalog.h) on
 * arbitrary bytes. A store's catalog is read by load, rd, verify and du; whatever the
 * bytes, the reader must refuse them or hand out records that stay inside the file.
 *
 * Each input is tried three ways, in a scratch directory standing for MIGSTATE/:
 *   1. as MIGSTATE/catalog, unchanged (catr_open: magic, trailer, hash, records);
 *   2. as MIGSTATE/catalog.partial (catr_open_partial: header, records, no hash);
 *   3. "sealed": a trailing trailer, if any, is cut off and a fresh one with a correct
 *      SHA-256 is appended, so mutations of a real catalog get past the checksum and
 *      reach the header, table and record parsers.
 * Every record a successful open yields is read with a full-size buffer and a tiny one,
 * and its symlink target fetched. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TRAILER 48 /* "MIGCEND\n" u64 nrecords u8 sha256[32] */

static int meta_fd = -1;
static char meta_dir[64];
static unsigned char *sealed;
static size_t sealed_cap;

static void cleanup(void)
{
	if (meta_fd >= 0) {
		unlinkat(meta_fd, "catalog", 0);
		unlinkat(meta_fd, "catalog.partial", 0);
		close(meta_fd);
		rmdir(meta_dir);
	}
	free(sealed);
}

static int put_file(const char *name, const void *buf, size_t len)
{
	int fd = openat(meta_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	const unsigned char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return 0;
}

static void walk(struct cat_reader *r)
{
	static char path[CAT_MAX_PATH + 1], target[CAT_MAX_PATH + 1];
	struct cat_record rec;
	char tiny[4];
	int k;
	while ((k = catr_next(r, &rec, path, sizeof path)) == 1) {
		size_t n = catr_target(r, target, sizeof target);
		if (n > CAT_MAX_PATH || strlen(path) > rec.path_len)
			abort();
		if (rec.volume >= r->nvols || rec.src_volume >= r->nvols)
			abort();
		(void)catr_target(r, tiny, sizeof tiny);
	}
	catr_rewind(r);
	if (catr_next(r, &rec, tiny, sizeof tiny) == 1 && strlen(tiny) >= sizeof tiny)
		abort();
	for (size_t i = 0; i < r->nusers; i++)
		if (!r->users[i].name || !r->users[i].home)
			abort();
	for (size_t i = 0; i < r->nvols; i++)
		if (!r->vols[i].mount || !r->vols[i].store_dir)
			abort();
}

static void le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cat_reader r;
	char err[256];
	if (meta_fd < 0) {
		const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(meta_dir, sizeof meta_dir, "%s/fuzz_catalog.XXXXXX", base);
		if (!mkdtemp(meta_dir))
			abort();
		meta_fd = open(meta_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (meta_fd < 0)
			abort();
		atexit(cleanup);
	}
	if (size > (16u << 20))
		return 0;

	/* 1. as a committed catalog */
	if (put_file("catalog", data, size) == 0 && catr_open(meta_fd, "catalog", &r, err, sizeof err) == 0) {
		walk(&r);
		catr_close(&r);
	}

	/* 2. as the partial catalog of an interrupted scan */
	uint64_t n = 0;
	if (put_file("catalog.partial", data, size) == 0 && catr_open_partial(meta_fd, &r, err, sizeof err) == 0) {
		n = r.nrecords;
		walk(&r);
		catr_close(&r);
	}

	/* 3. sealed with a correct trailer */
	size_t body = size;
	if (size >= TRAILER && memcmp(data + size - TRAILER, CAT_END, 8) == 0) {
		body = size - TRAILER;
		n = 0;
		for (int i = 0; i < 8; i++)
			n |= (uint64_t)data[body + 8 + i] << (8 * i);
	}
	if (body + TRAILER > sealed_cap) {
		free(sealed);
		sealed_cap = body + TRAILER;
		sealed = malloc(sealed_cap);
		if (!sealed)
			abort();
	}
	memcpy(sealed, data, body);
	memcpy(sealed + body, CAT_END, 8);
	le64(sealed + body + 8, n);
	sha256(sealed, body + 16, sealed + body + 16);
	if (put_file("catalog", sealed, body + TRAILER) == 0 &&
	    catr_open(meta_fd, "catalog", &r, err, sizeof err) == 0) {
		walk(&r);
		catr_close(&r);
	}
	return 0;
}
