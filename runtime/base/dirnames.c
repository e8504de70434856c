/* dirnames.c - the names in a directory, read once (see dirnames.h). */
#include "dirnames.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dent64.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void dirnames_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int dirnames_read(int dfd, char ***out, size_t *n)
{
	char buf[32768];
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	*out = NULL;
	if (lseek(dfd, 0, SEEK_SET) < 0)
		return -1;
	for (;;) {
		long got = syscall(SYS_getdents64, dfd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			dirnames_free(v, *n);
			*n = 0;
			errno = e;
			return -1;
		}
		if (got == 0)
			break;
		for (long off = 0; off < got;) {
			const struct dent64 *d = (const struct dent64 *)(buf + off);
			off += d->reclen;
			if (d->name[0] == '.' &&
			    (!d->name[1] || (d->name[1] == '.' && !d->name[2])))
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 32;
				char **q = realloc(v, cap * sizeof *q);
				if (!q)
					goto nomem;
				v = q;
			}
			if (!(v[*n] = strdup(d->name)))
				goto nomem;
			(*n)++;
		}
	}
	if (*n)
		qsort(v, *n, sizeof *v, cmp_names);
	*out = v;
	return 0;
nomem:
	dirnames_free(v, *n);
	*n = 0;
	errno = ENOMEM;
	return -1;
}


int dirnames_empty(int dfd)
{
	char buf[4096];
	if (lseek(dfd, 0, SEEK_SET) < 0)
		return -1;
	for (;;) {
		long got = syscall(SYS_getdents64, dfd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			return 1;
		for (long off = 0; off < got;) {
			const struct dent64 *d = (const struct dent64 *)(buf + off);
			off += d->reclen;
			if (!(d->name[0] == '.' &&
			      (!d->name[1] || (d->name[1] == '.' && !d->name[2]))))
				return 0;
		}
	}
}
