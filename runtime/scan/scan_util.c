/* scan_util.c - the small helpers the capture engine's files share (scan_int.h): paths
 * beneath the root, free space, sizes, catalog types. */
#include "scan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

bool scan_within(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return p[0] == '/';
	return !strncmp(p, dir, n) && (p[n] == 0 || p[n] == '/');
}

/* Logical path of the real path REAL ("/" for the root), NULL when outside it. */
char *scan_logical_of(const struct scan *s, const char *real)
{
	if (!scan_within(real, s->root_real))
		return NULL;
	if (!strcmp(s->root_real, "/"))
		return strdup(real);
	const char *rest = real + strlen(s->root_real);
	return strdup(*rest ? rest : "/");
}

/* statvfs of PATH or of its deepest existing ancestor. 0, or -1. */
static int statvfs_at(const char *path, struct statvfs *v)
{
	char *p = strdup(path);
	int rc = -1;
	if (!p)
		return -1;
	for (;;) {
		if (statvfs(p, v) == 0) {
			rc = 0;
			break;
		}
		char *sl = strrchr(p, '/');
		if (!sl || sl == p) {
			rc = statvfs("/", v);
			break;
		}
		*sl = 0;
	}
	free(p);
	return rc;
}

/* statvfs free bytes at PATH or its deepest existing ancestor. */
uint64_t scan_free_at(const char *path, uint64_t *total)
{
	struct statvfs v;
	if (statvfs_at(path, &v) != 0)
		return 0;
	if (total)
		*total = (uint64_t)v.f_blocks * v.f_frsize;
	return (uint64_t)v.f_bavail * v.f_frsize;
}

bool scan_free_inodes_at(const char *path, uint64_t *avail)
{
	struct statvfs v;
	if (statvfs_at(path, &v) != 0 || v.f_files == 0)
		return false; /* no fixed number of inodes (btrfs, FAT ...): nothing to count */
	*avail = (uint64_t)v.f_favail;
	return true;
}

const char *scan_mb(uint64_t bytes, char *buf, size_t n)
{
	snprintf(buf, n, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
	return buf;
}

uint8_t scan_cat_type_of(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return CT_DIR;
	case S_IFLNK:
		return CT_SYMLINK;
	case S_IFIFO:
		return CT_FIFO;
	case S_IFSOCK:
		return CT_SOCKET;
	case S_IFCHR:
		return CT_CHR;
	case S_IFBLK:
		return CT_BLK;
	}
	return CT_FILE;
}
