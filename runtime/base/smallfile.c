/* smallfile.c - read a small file beneath the root (see smallfile.h). */
#include "smallfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fsutil.h"

char *small_file_read(int rootfd, const char *logical, size_t *lenp)
{
	const char *leaf;
	int dfd = fs_open_parent(rootfd, logical, &leaf);
	if (dfd < 0)
		return NULL;
	int fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int e = errno;
	close(dfd);
	if (fd < 0) {
		errno = e;
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int err = buf ? 0 : ENOMEM;
	while (buf) {
		if (len + 1 >= cap) {
			if (cap >= SMALL_FILE_MAX) {
				err = EFBIG; /* never half a passwd: users would be dropped */
				break;
			}
			char *q = realloc(buf, cap * 2);
			if (!q) {
				err = ENOMEM;
				break;
			}
			buf = q;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = errno; /* a read error is not the end of the file */
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
}
