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
	if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode) && !S_ISCHR(st->st_mode)) {
		snprintf(why, whysz, "it exists and is not a regular file, a FIFO or a terminal "
				     "(left alone)");
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

/* Open the existing DFD/LEAF for writing: looked at through an O_PATH fd first, then
 * that very inode is opened (through /proc/self/fd, or by name and compared), so what
 * is written to is what was checked. A regular file is then truncated. */
static int open_existing(int dfd, const char *leaf, mode_t mode, char *why, size_t whysz)
{
	int pfd = openat(dfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return why_set(why, whysz, errno, NULL);
	struct stat st, now;
	int fd = -1, e;
	if (fstat(pfd, &st) != 0) {
		e = errno;
		goto fail;
	}
	if (S_ISLNK(st.st_mode)) {
		close(pfd);
		return why_set(why, whysz, ELOOP, "it is a symbolic link (not followed)");
	}
	if (outfile_reusable(&st, why, whysz) != 0) {
		close(pfd);
		errno = EPERM;
		return -1;
	}
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
	fd = open(proc, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) /* no /proc: by name, compared below */
		fd = openat(dfd, leaf, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &now) != 0) {
		e = errno;
		goto fail;
	}
	if (now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
		close(fd);
		close(pfd);
		return why_set(why, whysz, EAGAIN, "it was replaced while it was opened");
	}
	close(pfd);
	if (S_ISREG(st.st_mode) &&
	    ((st.st_size != 0 && ftruncate(fd, 0) != 0) ||
	     ((st.st_mode & 0777 & ~mode) && fchmod(fd, st.st_mode & 0777 & mode) != 0))) {
		e = errno;
		close(fd);
		return why_set(why, whysz, e, NULL);
	}
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	close(pfd);
	return why_set(why, whysz, e, NULL);
}

int outfile_open(const char *path, mode_t mode, char *why, size_t whysz)
{
	const char *leaf;
	int dfd = outfile_dir(path, &leaf, why, whysz);
	if (dfd < 0)
		return -1;
	int fd = -1;
	for (int tries = 0; fd < 0 && tries < 2; tries++) {
		fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
			    mode);
		if (fd >= 0)
			break; /* made now: ours, MODE under the umask */
		int e = errno;
		struct stat st;
		if (e == EEXIST) {
			fd = open_existing(dfd, leaf, mode, why, whysz);
			if (fd < 0 && errno == ENOENT)
				continue; /* gone in between: make it */
			break;
		}
		/* say what is there: in a sticky directory a symlink or another user's file
		 * can give EACCES rather than EEXIST */
		bool there = fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0;
		if (there && S_ISLNK(st.st_mode))
			why_set(why, whysz, ELOOP, "it is a symbolic link (not followed)");
		else if (!there || outfile_reusable(&st, why, whysz) == 0)
			why_set(why, whysz, e, NULL);
		break;
	}
	int e = errno;
	close(dfd);
	errno = e;
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
