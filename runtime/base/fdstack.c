/* fdstack.c - a bounded stack of open directories along one path (see fdstack.h). */
#include "fdstack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

void fds_init(struct fdstack *s, int base, size_t max_open)
{
	memset(s, 0, sizeof *s);
	s->base = base;
	s->max_open = max_open ? (max_open < 2 ? 2 : max_open) : FDS_MAX_OPEN;
}

void fds_free(struct fdstack *s)
{
	for (size_t i = 1; i < s->n; i++)
		if (s->lv[i].fd >= 0)
			close(s->lv[i].fd);
	free(s->path);
	free(s->lv);
	int base = s->base;
	size_t max = s->max_open;
	memset(s, 0, sizeof *s);
	s->base = base;
	s->max_open = max;
}

/* Level 0 (the base) and the buffers, on first use. */
static int ensure(struct fdstack *s, size_t levels, size_t pathlen)
{
	if (levels > s->capn) {
		size_t cap = s->capn ? s->capn : 16;
		while (cap < levels)
			cap *= 2;
		struct fds_level *q = realloc(s->lv, cap * sizeof *q);
		if (!q)
			return -1;
		s->lv = q;
		s->capn = cap;
	}
	if (pathlen + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		while (cap < pathlen + 1)
			cap *= 2;
		char *q = realloc(s->path, cap);
		if (!q)
			return -1;
		s->path = q;
		s->cap = cap;
	}
	if (!s->n) {
		s->lv[0] = (struct fds_level){s->base, true, 0, 0, 0};
		s->path[0] = 0;
		s->n = 1;
	}
	return 0;
}

size_t fds_depth(const struct fdstack *s)
{
	return s->n ? s->n - 1 : 0;
}

const char *fds_path(const struct fdstack *s, size_t *len)
{
	*len = s->n ? s->lv[s->n - 1].end : 0;
	return s->n ? s->path : "";
}

/* Close level I, its identity recorded first (to know it when it is opened again). */
static void evict(struct fdstack *s, size_t i)
{
	struct fds_level *l = &s->lv[i];
	struct stat st;
	if (!l->known && fstat(l->fd, &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
		l->known = true;
	}
	close(l->fd);
	l->fd = -1;
	s->nopen--;
}

/* Room for one more open level: the shallowest open one goes, never the deepest nor
 * KEEP (the one about to be opened from). */
static void make_room(struct fdstack *s, size_t keep)
{
	for (size_t i = 1; s->nopen >= s->max_open && i + 1 < s->n; i++)
		if (i != keep && s->lv[i].fd >= 0)
			evict(s, i);
}

static bool same_id(const struct fds_level *l, int fd)
{
	struct stat st;
	return l->known && fstat(fd, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino;
}

/* Level I's name, NUL-terminated in NAME (a copy: the path buffer is not touched). */
static const char *level_name(const struct fdstack *s, size_t i, char *buf, size_t bufsz)
{
	size_t a = s->lv[i - 1].end + 1, b = s->lv[i].end;
	if (b - a >= bufsz)
		return NULL;
	memcpy(buf, s->path + a, b - a);
	buf[b - a] = 0;
	return buf;
}

/* Open the closed level I again: up from the nearest open level below it with "..",
 * else (or when that fails) down from the deepest open level above it. Either way each
 * directory on the way must be the one recorded. */
static int reopen(struct fdstack *s, size_t i)
{
	size_t j = i + 1;
	while (j < s->n && s->lv[j].fd < 0)
		j++;
	size_t a = i - 1;
	while (a > 0 && s->lv[a].fd < 0)
		a--;
	int err = ESTALE;
	if (j < s->n && j - i <= i - a) {
		/* up: each ".." is one directory's parent, no name is resolved */
		int fd = s->lv[j].fd;
		for (size_t k = j; k > i; k--) {
			make_room(s, k);
			int up = openat(fd, "..", DIR_FLAGS);
			if (fd != s->lv[j].fd)
				close(fd);
			fd = up;
			if (fd < 0 || !same_id(&s->lv[k - 1], fd)) {
				err = fd < 0 ? errno : ESTALE;
				if (fd >= 0)
					close(fd);
				fd = -1;
				break;
			}
		}
		if (fd >= 0) {
			s->lv[i].fd = fd;
			s->nopen++;
			s->reopened++;
			return fd;
		}
		if (err == EMFILE || err == ENFILE || err == ENOMEM)
			goto failed;
	}
	/* down, one component at a time from a directory the stack holds */
	int fd = s->lv[a].fd;
	char name[256];
	for (size_t k = a + 1; k <= i; k++) {
		make_room(s, k - 1);
		const char *nm = level_name(s, k, name, sizeof name);
		int nfd = nm ? openat(fd, nm, DIR_FLAGS) : -1;
		err = nm ? errno : ENAMETOOLONG;
		if (k - 1 > a)
			close(fd);
		fd = nfd;
		if (fd >= 0 && !same_id(&s->lv[k], fd)) {
			close(fd);
			fd = -1;
			err = ESTALE;
		}
		if (fd < 0)
			goto failed;
	}
	s->lv[i].fd = fd;
	s->nopen++;
	s->reopened++;
	return fd;
failed:
	errno = err;
	return -1;
}

int fds_at(struct fdstack *s, size_t level)
{
	if (!s->n && ensure(s, 1, 0) != 0)
		return -1;
	if (level >= s->n) {
		errno = EINVAL;
		return -1;
	}
	if (s->lv[level].fd >= 0)
		return s->lv[level].fd;
	return reopen(s, level);
}

int fds_top(struct fdstack *s)
{
	if (!s->n && ensure(s, 1, 0) != 0)
		return -1;
	return fds_at(s, s->n - 1);
}

int fds_push(struct fdstack *s, const char *name, size_t nl, fds_open_fn fn, void *ctx,
	     const struct fds_id *expect)
{
	if (!nl || memchr(name, '/', nl) || (name[0] == '.' && (nl == 1 || (nl == 2 && name[1] == '.')))) {
		errno = EINVAL; /* one component, never a way up */
		return -1;
	}
	size_t pend = s->n ? s->lv[s->n - 1].end : 0;
	if (ensure(s, s->n + 1, pend + 1 + nl) != 0) {
		errno = ENOMEM;
		return -1;
	}
	int parent = fds_top(s);
	if (parent < 0)
		return -1;
	make_room(s, s->n - 1);
	size_t end = pend + 1 + nl;
	s->path[pend] = '/';
	memmove(s->path + pend + 1, name, nl);
	s->path[end] = 0;
	const char *nm = s->path + pend + 1;
	int fd = fn ? fn(ctx, parent, nm, s->path, end) : openat(parent, nm, DIR_FLAGS);
	if (fd >= 0 && expect) {
		struct stat st;
		if (fstat(fd, &st) != 0 || st.st_dev != expect->dev || st.st_ino != expect->ino) {
			close(fd);
			fd = -1;
			errno = ESTALE; /* replaced since it was examined */
		}
	}
	if (fd < 0) {
		int e = errno;
		s->path[pend] = 0;
		errno = e;
		return -1;
	}
	s->lv[s->n++] = (struct fds_level){fd, false, 0, 0, end};
	s->nopen++;
	return fd;
}

/* Leave every level below LEVEL; LEVEL is opened again first if it was closed (while
 * the levels below it can still lead there). */
static int cut(struct fdstack *s, size_t level)
{
	int rc = 0;
	if (level > 0 && level + 1 < s->n && s->lv[level].fd < 0 && reopen(s, level) < 0)
		rc = -1;
	int e = errno;
	while (s->n > level + 1) {
		struct fds_level *l = &s->lv[--s->n];
		if (l->fd >= 0) {
			close(l->fd);
			s->nopen--;
		}
	}
	s->path[s->lv[level].end] = 0;
	errno = e;
	return rc;
}

int fds_pop(struct fdstack *s)
{
	if (s->n <= 1)
		return 0;
	return cut(s, s->n - 2);
}

int fds_goto(struct fdstack *s, const char *dir, size_t len, fds_open_fn fn, void *ctx)
{
	if (ensure(s, 1, len) != 0) {
		errno = ENOMEM;
		return -1;
	}
	size_t cur = s->lv[s->n - 1].end, cp = 0;
	while (cp < cur && cp < len && s->path[cp] == dir[cp])
		cp++;
	/* the deepest level that is DIR or an ancestor of it */
	size_t m = s->n - 1;
	while (m > 0 && !(s->lv[m].end <= cp && (s->lv[m].end == len || dir[s->lv[m].end] == '/')))
		m--;
	if (m + 1 < s->n && cut(s, m) != 0)
		return -1;
	size_t pos = s->lv[m].end;
	for (;;) {
		while (pos < len && dir[pos] == '/')
			pos++;
		size_t s0 = pos;
		while (pos < len && dir[pos] != '/')
			pos++;
		if (pos == s0)
			break;
		if (fds_push(s, dir + s0, pos - s0, fn, ctx, NULL) < 0)
			return -1;
	}
	return fds_top(s);
}
