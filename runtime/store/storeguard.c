/* storeguard.c - trust and exclusive use of an opened store (see storeguard.h). */
#include "storeguard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dirnames.h"
#include "store.h"

const char *storeguard_unsafe_stat(const struct stat *st, char *why, size_t whysz)
{
	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode)) {
		snprintf(why, whysz, "is neither a directory nor a regular file");
		return why;
	}
	if (st->st_uid != geteuid()) {
		snprintf(why, whysz, "is owned by uid %u, not by the user running migstate (uid %u)",
			 (unsigned)st->st_uid, (unsigned)geteuid());
		return why;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, whysz, "is writable by %s (mode %04o)",
			 (st->st_mode & S_IWGRP) && (st->st_mode & S_IWOTH) ? "group and others"
			 : (st->st_mode & S_IWGRP)			     ? "its group"
									     : "others",
			 (unsigned)(st->st_mode & 07777));
		return why;
	}
	return NULL;
}

/* Check the entry NAME of directory FD (never following it; "": FD itself). */
static int check_entry(int fd, const char *name, const char *shown, char *why, size_t whysz)
{
	struct stat st;
	char r[128];
	if (fstatat(fd, name, &st, *name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH) != 0) {
		if (errno == ENOENT)
			return 0; /* removed meanwhile: nothing of it will be used */
		snprintf(why, whysz, "%s: %s", shown, strerror(errno));
		return -1;
	}
	if (storeguard_unsafe_stat(&st, r, sizeof r)) {
		snprintf(why, whysz, "%s %s", shown, r);
		return -1;
	}
	return 0;
}

int storeguard_check(int meta, char *why, size_t whysz)
{
	if (meta < 0) {
		int e = errno;
		snprintf(why, whysz, "%s cannot be opened: %s", STORE_META, strerror(e));
		errno = e;
		return -1;
	}
	if (check_entry(meta, "", STORE_META, why, whysz) != 0)
		return -1;
	/* a descriptor of its own: the caller's keeps its place in the directory */
	int dfd = openat(meta, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;
	if (dfd < 0 || dirnames_read(dfd, &names, &n) != 0) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		snprintf(why, whysz, "%s cannot be listed: %s", STORE_META, strerror(e));
		errno = e;
		return -1;
	}
	close(dfd);
	int rc = 0;
	char shown[300];
	for (size_t i = 0; rc == 0 && i < n; i++) {
		snprintf(shown, sizeof shown, "%s/%.255s", STORE_META, names[i]);
		rc = check_entry(meta, names[i], shown, why, whysz);
	}
	dirnames_free(names, n);
	return rc;
}

int storeguard_lock(int top, char *why, size_t whysz)
{
	int rc;
	while ((rc = flock(top, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR)
		;
	if (rc == 0)
		return 0;
	int e = errno;
	if (e == EWOULDBLOCK)
		snprintf(why, whysz,
			 "the store is in use by another migstate command (scan, load, verify, du "
			 "or rd); run this one when it has finished");
	else
		snprintf(why, whysz, "cannot lock the store: %s", strerror(e));
	errno = e;
	return -1;
}
