/* sumfile.c - checksummed text files of the store (sumfile.h). */
#include "sumfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "sha256.h"

int sumfile_write(int meta_fd, const char *name, const char *body, size_t len)
{
	char tmp[256];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", name) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unsigned char h[32];
	char hex[65], tail[80];
	sha256(body, len, h);
	sha256_hex(h, hex);
	int tl = snprintf(tail, sizeof tail, "sha256\t%s\n", hex);
	int fd = openat(meta_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc = fd < 0 ? -1 : 0;
	if (rc == 0)
		rc = fs_pwrite_all(fd, body, len, 0);
	if (rc == 0)
		rc = fs_pwrite_all(fd, tail, (size_t)tl, (off_t)len);
	if (rc == 0)
		while ((rc = fsync(fd)) != 0 && errno == EINTR)
			;
	int saved = errno;
	if (fd >= 0)
		close(fd);
	if (rc == 0 && fs_renameat(meta_fd, tmp, meta_fd, name) != 0)
		rc = -1, saved = errno;
	if (rc == 0)
		fsync(meta_fd);
	else
		unlinkat(meta_fd, tmp, 0);
	errno = saved;
	return rc;
}

static char *read_all(int meta_fd, const char *name, size_t max, size_t *len)
{
	int fd = openat(meta_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = malloc(n + 1);
	while (buf && got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			free(buf);
			buf = NULL;
			errno = k == 0 ? EINVAL : errno;
		} else {
			got += (size_t)k;
		}
	}
	close(fd);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}

char *sumfile_read(int meta_fd, const char *name, const char *magic, size_t max, char *err,
		   size_t errsz)
{
	size_t len;
	char *buf = read_all(meta_fd, name, max, &len);
	if (!buf) {
		int e = errno;
		snprintf(err, errsz, "MIGSTATE/%s: %s", name,
			 e == ENOENT ? "absent (a store made by an older migstate)" : strerror(e));
		errno = e;
		return NULL;
	}
	/* the last line is the checksum of everything before it */
	char *last = len >= 2 ? memrchr(buf, '\n', len - 1) : NULL;
	size_t ml = strlen(magic);
	unsigned char h[32];
	char hex[65];
	bool ok = last && buf[len - 1] == '\n' && !strncmp(last + 1, "sha256\t", 7) &&
		  len - (size_t)(last + 1 - buf) == 7 + 64 + 1 && !strncmp(buf, magic, ml) &&
		  buf[ml] == '\n' && !memchr(buf, 0, len);
	if (ok) {
		sha256(buf, (size_t)(last + 1 - buf), h);
		sha256_hex(h, hex);
		ok = !strncmp(last + 8, hex, 64);
	}
	if (!ok) {
		free(buf);
		snprintf(err, errsz, "MIGSTATE/%s is damaged (its checksum or header is wrong)",
			 name);
		errno = EINVAL;
		return NULL;
	}
	last[1] = 0;
	return buf;
}

int sumfile_lines(int meta_fd, const char *name, const char *magic, size_t max,
		  int (*each)(void *ctx, char *line), void *ctx, char *err, size_t errsz)
{
	char *buf = sumfile_read(meta_fd, name, magic, max, err, errsz);
	if (!buf)
		return -1;
	size_t lineno = 1;
	char *save = NULL;
	strtok_r(buf, "\n", &save); /* the magic */
	for (char *l; (l = strtok_r(NULL, "\n", &save));) {
		lineno++;
		if (each(ctx, l) < 0) {
			snprintf(err, errsz, "MIGSTATE/%s: line %zu is malformed", name, lineno);
			free(buf);
			errno = EINVAL;
			return -1;
		}
	}
	free(buf);
	return 0;
}
