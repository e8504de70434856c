/* fsutil.c - symlink-safe path resolution (openat2 RESOLVE_IN_ROOT|NO_SYMLINKS where the
 * kernel has it, else one O_NOFOLLOW openat per component), and the metadata calls
 * retried on EINTR. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

static int walk_components(int rootfd, const char *p, size_t len)
{
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t i = 0;
	while (fd >= 0 && i < len) {
		while (i < len && p[i] == '/')
			i++;
		size_t s = i;
		while (i < len && p[i] != '/')
			i++;
		if (i == s)
			break;
		char name[NAME_MAX + 1];
		if (i - s > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, p + s, i - s);
		name[i - s] = 0;
		if (!strcmp(name, "..") || !strcmp(name, ".")) {
			close(fd);
			errno = EINVAL; /* logical paths are normalised: no dot segments */
			return -1;
		}
		int nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int saved = errno;
		close(fd);
		errno = saved;
		fd = nfd;
	}
	return fd;
}

static int open_beneath(int rootfd, const char *p, size_t len)
{
#ifdef SYS_openat2
	static int no_openat2;
	if (!no_openat2 && len < PATH_MAX) {
		char rel[PATH_MAX + 2];
		size_t off = 0;
		while (off < len && p[off] == '/')
			off++;
		rel[0] = '.';
		rel[1] = '/';
		memcpy(rel + 2, p + off, len - off);
		rel[2 + len - off] = 0;
		struct open_how how = {
		    .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS && errno != EPERM && errno != EAGAIN)
			return -1;
		if (errno == ENOSYS)
			no_openat2 = 1;
	}
#endif
	return walk_components(rootfd, p, len);
}

int fs_open_dir(int rootfd, const char *logical)
{
	return open_beneath(rootfd, logical, strlen(logical));
}

int fs_open_parent(int rootfd, const char *logical, const char **leaf)
{
	const char *slash = strrchr(logical, '/');
	if (!slash || !slash[1]) {
		errno = EINVAL;
		return -1;
	}
	*leaf = slash + 1;
	return open_beneath(rootfd, logical, (size_t)(slash - logical));
}

bool fs_link_dangles(int rootfd, const char *logical, int dirfd, const char *name)
{
#ifdef SYS_openat2
	size_t n = strlen(logical) + 2;
	char *rel = malloc(n);
	if (rel) {
		snprintf(rel, n, ".%s", logical);
		struct open_how how = {.flags = O_PATH | O_CLOEXEC,
				       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
		long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
		int e = errno;
		free(rel);
		if (fd >= 0) {
			close((int)fd);
			return false;
		}
		if (e != ENOSYS && e != EPERM && e != EAGAIN)
			return true;
	}
#endif
	struct stat st;
	return fstatat(dirfd, name, &st, 0) != 0;
}

/* --- EINTR ------------------------------------------------------------------------- */

#define RETRY(call)                                                                                \
	do {                                                                                       \
		int rc_, n_ = 0;                                                                   \
		while ((rc_ = (call)) != 0 && errno == EINTR && ++n_ < FS_EINTR_TRIES)             \
			;                                                                          \
		return rc_;                                                                        \
	} while (0)

int fs_linkat(int olddirfd, const char *oldname, int newdirfd, const char *newname, int flags)
{
	RETRY(linkat(olddirfd, oldname, newdirfd, newname, flags));
}

int fs_mkdirat(int dirfd, const char *name, mode_t mode)
{
	RETRY(mkdirat(dirfd, name, mode));
}

int fs_renameat(int olddirfd, const char *oldname, int newdirfd, const char *newname)
{
	RETRY(renameat(olddirfd, oldname, newdirfd, newname));
}

int fs_renameat2(int olddirfd, const char *oldname, int newdirfd, const char *newname,
		 unsigned flags)
{
	RETRY(renameat2(olddirfd, oldname, newdirfd, newname, flags));
}

int fs_pwrite_all(int fd, const void *b, size_t n, off_t off)
{
	const unsigned char *p = b;
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

int fs_tmpfile(int dirfd)
{
	const char *tmp = getenv("TMPDIR");
	int fd = -1;
	if (dirfd >= 0)
		fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && tmp && *tmp)
		fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return fd;
}

/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; without it the kernel answers ENOENT and
 * /proc's link to the fd does the same job (remembered, so an unprivileged run asks
 * once). */
int fs_link_fd(int ofd, int dfd, const char *name)
{
	static bool no_empty_path;
	if (!no_empty_path) {
		if (fs_linkat(ofd, "", dfd, name, AT_EMPTY_PATH) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
	}
	char proc[40];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", ofd);
	if (fs_linkat(AT_FDCWD, proc, dfd, name, AT_SYMLINK_FOLLOW) != 0)
		return -1;
	no_empty_path = true; /* ENOENT came from the missing capability, not the file */
	return 0;
}
