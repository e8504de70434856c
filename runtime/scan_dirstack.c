/* scan_dirstack.c - directory stacks: the directories along one logical path, kept open
 * from one item to the next (sources in pass 2, payload directories in the stores). */
#include "scan_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

/* The directories along one logical path, each opened from its parent (O_NOFOLLOW: no
 * symlink is followed) and kept open. Items come in walk order, so the next item's
 * directory is mostly this one, a child, or a sibling of an ancestor: an open per new
 * directory instead of a resolution of the whole path per directory change. MKDIRS:
 * missing directories are made (0700) on the way down (a store's payload tree). */
void ds_free(struct dstack *d)
{
	for (size_t i = 1; i < d->n; i++)
		close(d->fd[i]);
	free(d->path);
	free(d->fd);
	free(d->end);
	memset(d, 0, sizeof *d);
}

/* An fd of directory DIR (LEN bytes, logical) beneath BASE ("/"), owned by the stack
 * (valid until the next ds_open). -1 with errno. */
int ds_open(struct dstack *d, int base, const char *dir, size_t len, bool mkdirs)
{
	if (d->n && d->fd[0] != base)
		ds_free(d);
	if (len + 1 > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		while (cap < len + 1)
			cap *= 2;
		char *q = realloc(d->path, cap);
		if (!q)
			return -1;
		d->path = q;
		d->cap = cap;
	}
	if (!d->n) {
		if (!d->capn) {
			d->fd = malloc(16 * sizeof *d->fd);
			d->end = malloc(16 * sizeof *d->end);
			if (!d->fd || !d->end) {
				ds_free(d);
				errno = ENOMEM;
				return -1;
			}
			d->capn = 16;
		}
		d->fd[0] = base;
		d->end[0] = 1;
		d->path[0] = '/';
		d->n = 1;
	}
	/* the deepest open directory that is DIR or an ancestor of it (depth 0 always is) */
	size_t i = d->n - 1;
	while (i > 0 && !(d->end[i] <= len && !memcmp(d->path, dir, d->end[i]) &&
			  (d->end[i] == len || dir[d->end[i]] == '/'))) {
		close(d->fd[i]);
		i--;
	}
	d->n = i + 1;
	memcpy(d->path, dir, len);
	d->path[len] = 0;
	size_t pos = d->end[i];
	while (pos < len) {
		while (pos < len && d->path[pos] == '/')
			pos++;
		size_t s0 = pos;
		while (pos < len && d->path[pos] != '/')
			pos++;
		if (pos == s0)
			break;
		if (d->n == d->capn) {
			size_t cap = d->capn * 2;
			int *f = realloc(d->fd, cap * sizeof *f);
			size_t *e = f ? realloc(d->end, cap * sizeof *e) : NULL;
			if (f)
				d->fd = f;
			if (!e) {
				errno = ENOMEM;
				return -1;
			}
			d->end = e;
			d->capn = cap;
		}
		char save = d->path[pos];
		d->path[pos] = 0;
		const char *name = d->path + s0;
		int parent = d->fd[d->n - 1], fd = -1;
		if (!mkdirs || fs_mkdirat(parent, name, 0700) == 0 || errno == EEXIST)
			fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d->path[pos] = save;
		if (fd < 0)
			return -1;
		d->fd[d->n] = fd;
		d->end[d->n] = pos;
		d->n++;
	}
	return d->fd[d->n - 1];
}
