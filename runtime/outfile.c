/* outfile.c - output files that cannot be redirected by another user (see outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

/* Set WHY and errno; returns -1. */
static int why_set(char *why, size_t whysz, int err, const char *text)
{
	snprintf(why, whysz, "%s", text ? text : strerror(err));
	errno = err;
	return -1;
}

int outfile_dir(const char *path, const char **leaf, char *why, size_t whysz)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	if (!*path)
		return why_set(why, whysz, EINVAL, "an empty file name");
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return why_set(why, whysz, EISDIR, "it names a directory, not a file");
	int fd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return why_set(why, whysz, errno, NULL);
	for (const char *p = path; p < name;) {
		const char *end = strchr(p, '/'); /* there is one: p is before the last '/' */
		size_t len = (size_t)(end - p);
		char comp[NAME_MAX + 1];
		if (len > NAME_MAX) {
			close(fd);
			return why_set(why, whysz, ENAMETOOLONG, NULL);
		}
		memcpy(comp, p, len);
		comp[len] = 0;
		p = end + 1;
		if (!len)
			continue;
		/* ".." is the real parent of what was opened: no symlink is ever taken back */
		int nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			int e = errno;
			struct stat st;
			bool link = e == ENOTDIR && fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISLNK(st.st_mode);
			close(fd);
			if (link)
				return why_set(why, whysz, ELOOP,
					       "a directory on its path is a symbolic link (not "
					       "followed: give the real path)");
			return why_set(why, whysz, e, NULL);
		}
		close(fd);
		fd = nfd;
	}
	*leaf = name;
	return fd;
}

int outfile_reusable(const struct stat *st, char *why, size_t whysz)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, whysz, "it exists and is not a regular file (left alone)");
	} else if (st->st_uid != geteuid()) {
		snprintf(why, whysz,
			 "it exists and belongs to uid %u, not to uid %u running this (left alone)",
			 (unsigned)st->st_uid, (unsigned)geteuid());
	} else if (st->st_nlink != 1) {
		snprintf(why, whysz,
			 "it exists with %lu hard links, so it may be another file (left alone)",
			 (unsigned long)st->st_nlink);
	} else {
		return 0;
	}
	errno = EPERM;
	return -1;
}

int outfile_open(const char *path, mode_t mode, char *why, size_t whysz)
{
	const char *leaf;
	int dfd = outfile_dir(path, &leaf, why, whysz);
	if (dfd < 0)
		return -1;
	/* no O_TRUNC: what is there is looked at before anything of it is changed */
	int fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
			mode);
	int e = errno;
	struct stat st;
	if (fd < 0) {
		/* say what is there: in a sticky directory a symlink or another user's file
		 * gives EACCES, not ELOOP */
		bool there = fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0;
		close(dfd);
		if (there && S_ISLNK(st.st_mode))
			return why_set(why, whysz, ELOOP, "it is a symbolic link (not followed)");
		if (there && outfile_reusable(&st, why, whysz) != 0)
			return -1;
		return why_set(why, whysz, e, NULL);
	}
	close(dfd);
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		return why_set(why, whysz, e, NULL);
	}
	if (outfile_reusable(&st, why, whysz) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	if ((st.st_size != 0 && ftruncate(fd, 0) != 0) ||
	    ((st.st_mode & 0777 & ~mode) && fchmod(fd, st.st_mode & 0777 & mode) != 0) ||
	    fcntl(fd, F_SETFL, 0) != 0) { /* O_NONBLOCK off again */
		e = errno;
		close(fd);
		return why_set(why, whysz, e, NULL);
	}
	return fd;
}

FILE *outfile_fopen(const char *path, char *why, size_t whysz)
{
	int fd = outfile_open(path, 0600, why, whysz);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		why_set(why, whysz, e, NULL);
	}
	return f;
}
