/* firstboot.c - the first-boot manifest: writing it (scan) and trusting it (firstboot).
 * The format and the trust rule are in firstboot.h. */
#include "firstboot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"

#define FUSE_MAGIC 0x65735546u

/* Why ST (of NAME) cannot be trusted, or NULL. */
static const char *untrusted(int fd, const struct stat *st, const char *name, char *err,
			     size_t errsz)
{
	struct statfs sf;
	if (st->st_uid != 0)
		snprintf(err, errsz, "%s is owned by uid %u, not root", name, (unsigned)st->st_uid);
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		snprintf(err, errsz, "%s is writable by %s (mode %04o)", name,
			 (st->st_mode & S_IWGRP) ? "its group" : "others",
			 (unsigned)(st->st_mode & 07777));
	else if (fstatfs(fd, &sf) != 0 || (uint32_t)sf.f_type == FUSE_MAGIC)
		snprintf(err, errsz, "%s is on a FUSE filesystem (owners there are invented)",
			 name);
	else
		return NULL;
	return err;
}

int fb_open_trusted(const char *path, char *err, size_t errsz)
{
	if (path[0] != '/') {
		snprintf(err, errsz, "%s: not an absolute path", path);
		errno = EINVAL;
		return -1;
	}
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errsz, "/: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (untrusted(fd, &st, "/", err, errsz)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	char *p = strdup(path), *save = NULL;
	if (!p) {
		close(fd);
		return -1;
	}
	size_t done = 0;
	for (char *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, ".") || !strcmp(c, "..")) {
			snprintf(err, errsz, "%s: '.' and '..' are not allowed", path);
			errno = EINVAL;
			goto fail;
		}
		int next = openat(fd, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		done = (size_t)(c - p) + strlen(c);
		if (next < 0) {
			snprintf(err, errsz, "%.*s: %s", (int)done, path, strerror(errno));
			goto fail;
		}
		close(fd);
		fd = next;
		if (fstat(fd, &st) != 0) {
			snprintf(err, errsz, "%.*s: %s", (int)done, path, strerror(errno));
			goto fail;
		}
		char name[FB_PATH_MAX];
		snprintf(name, sizeof name, "%.*s", (int)done, path);
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errsz, "%s is %s", name,
				 S_ISLNK(st.st_mode) ? "a symbolic link (not followed)"
						     : "not a directory");
			errno = EPERM;
			goto fail;
		}
		if (untrusted(fd, &st, name, err, errsz)) {
			errno = EPERM;
			goto fail;
		}
	}
	free(p);
	/* the checked directory itself, opened for reading through its checked fd */
	int dir = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
	close(fd);
	return dir;
fail:;
	int e = errno;
	free(p);
	close(fd);
	errno = e;
	return -1;
}

/* Open NAME in DIRFD for reading: a regular file, trusted (root's, not writable by
 * group or others). */
static int open_trusted_file(int dirfd, const char *name, struct stat *st, char *err,
			     size_t errsz)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errsz, "%s: %s", name,
			 e == ELOOP ? "a symbolic link (not followed)" : strerror(e));
		errno = e == ELOOP ? EPERM : e;
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", name);
		close(fd);
		errno = EPERM;
		return -1;
	}
	if (untrusted(fd, st, name, err, errsz)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

static bool yes(const char *v) { return !strcmp(v, "yes"); }

int fb_read(int dirfd, struct fb_manifest *m, char *err, size_t errsz)
{
	struct stat st;
	char buf[8192];
	memset(m, 0, sizeof *m);
	int pfd = open_trusted_file(dirfd, FB_PLAN, &st, err, errsz);
	if (pfd < 0)
		return -1;
	close(pfd);
	int fd = open_trusted_file(dirfd, FB_MANIFEST, &st, err, errsz);
	if (fd < 0)
		return -1;
	ssize_t n = st.st_size < (off_t)sizeof buf ? read(fd, buf, sizeof buf - 1) : -1;
	close(fd);
	if (n < 0 || strncmp(buf, FB_MAGIC, strlen(FB_MAGIC)) != 0) {
		snprintf(err, errsz, "%s: not a first-boot manifest of ours", FB_MANIFEST);
		errno = EINVAL;
		return -1;
	}
	buf[n] = 0;
	char *save = NULL;
	for (char *l = strtok_r(buf + strlen(FB_MAGIC), "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *v = strstr(l, ": ");
		if (!v)
			continue;
		*v = 0;
		v += 2;
		if (!strcmp(l, "store"))
			snprintf(m->store, sizeof m->store, "%s", v);
		else if (!strcmp(l, "hardlink"))
			m->hardlink = yes(v);
		else if (!strcmp(l, "lac"))
			m->lac = yes(v);
	}
	/* the store lies beneath the directory holding the manifest's: no way up or out */
	bool bad = !m->store[0] || m->store[0] == '/';
	for (const char *c = m->store; !bad && *c; c += strcspn(c, "/"), c += *c == '/') {
		size_t k = strcspn(c, "/");
		bad = k == 0 || (k == 2 && !strncmp(c, "..", 2)) || (k == 1 && *c == '.');
	}
	if (bad) {
		snprintf(err, errsz, "%s: the store path '%s' is not a plain relative path",
			 FB_MANIFEST, m->store);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Write N bytes of BUF as NAME in DIRFD atomically (NAME.tmp, fsync, rename). */
static int write_atomic(int dirfd, const char *name, const void *buf, size_t n)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%s.tmp", name);
	unlinkat(dirfd, tmp, 0);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = fs_pwrite_all(fd, buf, n, 0);
	if (rc == 0)
		rc = fsync(fd);
	int e = errno;
	close(fd);
	if (rc == 0)
		rc = renameat(dirfd, tmp, dirfd, name);
	if (rc != 0) {
		e = errno;
		unlinkat(dirfd, tmp, 0);
	}
	errno = e;
	return rc;
}

int fb_write(const char *base, const struct fb_manifest *m, const void *plan, size_t plansz,
	     char *err, size_t errsz)
{
	int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dfd = -1, rc = -1;
	struct stat st;
	if (bfd < 0) {
		snprintf(err, errsz, "%s: %s", base, strerror(errno));
		return -1;
	}
	if (mkdirat(bfd, FB_DIR, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errsz, "%s/%s: %s", base, FB_DIR, strerror(errno));
		goto out;
	}
	dfd = openat(bfd, FB_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) != 0 || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, errsz, "%s/%s: %s", base, FB_DIR,
			 dfd < 0 ? strerror(errno) : "not ours, or writable by others: left alone");
		goto out;
	}
	/* the result of an earlier first boot says nothing about this store */
	unlinkat(dfd, FB_RESULT, 0);
	unlinkat(dfd, FB_DONE, 0);
	if (write_atomic(dfd, FB_PLAN, plan, plansz) != 0) {
		snprintf(err, errsz, "%s/%s/%s: %s", base, FB_DIR, FB_PLAN, strerror(errno));
		goto out;
	}
	char buf[FB_PATH_MAX + 256];
	snprintf(buf, sizeof buf, FB_MAGIC "store: %s\nhardlink: %s\nlac: %s\ncreated: %lld\n",
		 m->store, m->hardlink ? "yes" : "no", m->lac ? "yes" : "no",
		 (long long)time(NULL));
	if (write_atomic(dfd, FB_MANIFEST, buf, strlen(buf)) != 0 || fsync(dfd) != 0) {
		snprintf(err, errsz, "%s/%s/%s: %s", base, FB_DIR, FB_MANIFEST, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	close(bfd);
	return rc;
}
