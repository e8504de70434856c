/* fiemap.c - the extents of files, for the end-to-end tests of reflinks.
 *
 *   fiemap FILE...   one line per file: "extents N shared M bytes B shared_bytes S"
 * N extents of B bytes, M of them (S bytes) flagged FIEMAP_EXTENT_SHARED: data another
 * file (a clone, a snapshot) shares. Exit 1 when a file cannot be mapped (tmpfs, FUSE
 * answer EOPNOTSUPP: "unsupported" is printed).
 * Build: cc -std=c11 -D_GNU_SOURCE tests/helpers/fiemap.c (needs nothing else). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BATCH 256

static int map(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fiemap: %s: %s\n", path, strerror(errno));
		return 1;
	}
	size_t sz = sizeof(struct fiemap) + BATCH * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, sz);
	uint64_t start = 0, n = 0, shared = 0, bytes = 0, sbytes = 0;
	int rc = 0;
	for (bool last = false; fm && !last;) {
		memset(fm, 0, sz);
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0) {
			if (errno == EOPNOTSUPP || errno == ENOTTY)
				printf("unsupported\n");
			else
				fprintf(stderr, "fiemap: %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		if (fm->fm_mapped_extents == 0)
			break;
		for (uint32_t i = 0; i < fm->fm_mapped_extents; i++) {
			const struct fiemap_extent *e = &fm->fm_extents[i];
			n++;
			bytes += e->fe_length;
			if (e->fe_flags & FIEMAP_EXTENT_SHARED) {
				shared++;
				sbytes += e->fe_length;
			}
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				last = true;
			start = e->fe_logical + e->fe_length;
		}
	}
	if (rc == 0)
		printf("extents %llu shared %llu bytes %llu shared_bytes %llu\n",
		       (unsigned long long)n, (unsigned long long)shared, (unsigned long long)bytes,
		       (unsigned long long)sbytes);
	free(fm);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fiemap FILE...\n");
		return 2;
	}
	int rc = 0;
	for (int i = 1; i < argc; i++)
		rc |= map(argv[i]);
	return rc;
}
