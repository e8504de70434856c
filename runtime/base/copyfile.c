/* copyfile.c - clone / copy_file_range / read-write copy with holes and metadata
 * (see copyfile.h). */
#include "copyfile.h"
#include "fsutil.h"
#include "setid.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define RW_BUF (256u << 10)
#define XATTR_LIST_MAX_ (64u << 10)

static int open_source(int dir, const char *name)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
	int fd = openat(dir, name, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(dir, name, flags); /* O_NOATIME needs ownership or CAP_FOWNER */
	return fd;
}

/* A fresh temporary name in DIR, opened O_EXCL. */
static int open_temp(int dir, char *name, size_t namesz)
{
	static unsigned long seq;
	for (int tries = 0; tries < 100; tries++) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(name, namesz, ".migtmp.%d.%lx.%lx", (int)getpid(), ++seq,
			 (unsigned long)ts.tv_nsec);
		int fd =
		    openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/* Write LEN bytes of SRC at OFF to DST at the same offset. *WSIDE says a failure was
 * on the writing side. */
static int copy_range(int src, int dst, off_t off, off_t len, bool *use_cfr, char *buf,
		      uint64_t *bytes, bool *wside)
{
	while (len > 0) {
		if (*use_cfr) {
			loff_t in = off, out = off;
			ssize_t n = copy_file_range(src, &in, dst, &out, (size_t)len, 0);
			if (n > 0) {
				off += n;
				len -= n;
				*bytes += (uint64_t)n;
				continue;
			}
			if (n == 0)
				return 0; /* the source shrank: what is there is copied */
			if (errno == EINTR)
				continue;
			if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
			    errno != EOPNOTSUPP && errno != EBADF) {
				*wside = errno == ENOSPC || errno == EDQUOT || errno == EFBIG;
				return -1;
			}
			*use_cfr = false; /* fall back for the rest of the file */
		}
		size_t want = len < (off_t)RW_BUF ? (size_t)len : RW_BUF;
		ssize_t r = pread(src, buf, want, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*wside = false;
			return -1;
		}
		if (r == 0)
			return 0;
		if (fs_pwrite_all(dst, buf, (size_t)r, off) != 0) {
			*wside = true;
			return -1;
		}
		off += r;
		len -= r;
		*bytes += (uint64_t)r;
	}
	return 0;
}

/* The data: every data extent of SRC (holes skipped), then the size. */
static int copy_data(int src, int dst, off_t size, struct copy_result *res, bool *wside)
{
	bool use_cfr = true;
	char *buf = malloc(RW_BUF);
	off_t off = 0;
	int rc = 0;
	if (!buf)
		return -1;
	while (off < size) {
		off_t data = lseek(src, off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; /* only a hole is left */
		if (data < 0) {
			data = off; /* no SEEK_DATA here: everything is data */
		}
		off_t hole = lseek(src, data, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		if (hole <= data)
			hole = size;
		if (copy_range(src, dst, data, hole - data, &use_cfr, buf, &res->bytes, wside)) {
			rc = -1;
			break;
		}
		off = hole;
	}
	free(buf);
	/* the size (a trailing hole); fusefat refuses ftruncate: fine when already right */
	struct stat dst_st;
	if (rc == 0 && ftruncate(dst, size) != 0 &&
	    !(fstat(dst, &dst_st) == 0 && dst_st.st_size == size)) {
		*wside = true;
		rc = -1;
	}
	res->how = use_cfr ? COPY_RANGE : COPY_RW;
	return rc;
}

/* Every xattr of SRC onto DST (without file capabilities under NO_CAPS, *DROPPED set
 * when there were some); a destination that cannot hold one is not an error. */
static void copy_xattrs(int src, int dst, bool no_caps, bool *dropped)
{
	ssize_t n = flistxattr(src, NULL, 0);
	if (n <= 0 || (size_t)n > XATTR_LIST_MAX_)
		return;
	char *names = malloc((size_t)n), *val = NULL;
	if (!names)
		return;
	n = flistxattr(src, names, (size_t)n);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		const char *k = names + i;
		if (no_caps && !strcmp(k, SETID_CAPS_XATTR)) {
			*dropped = true;
			continue;
		}
		ssize_t vl = fgetxattr(src, k, NULL, 0);
		if (vl < 0)
			continue;
		char *q = realloc(val, (size_t)vl + 1);
		if (!q)
			break;
		val = q;
		vl = fgetxattr(src, k, val, (size_t)vl);
		if (vl >= 0)
			fsetxattr(dst, k, val, (size_t)vl, 0);
	}
	free(val);
	free(names);
}

/* An error the destination gives for metadata it cannot keep (FAT: no owners, modes). */
static bool unsupported(int err)
{
	return err == EPERM || err == ENOSYS || err == EOPNOTSUPP || err == ENOTSUP;
}

/* Give the finished temporary TMP its real name NAME, never replacing an entry. */
static int place_name(int dir, const char *tmp, const char *name)
{
	if (fs_renameat2(dir, tmp, dir, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* no RENAME_NOREPLACE here: link + unlink never replaces either */
	if (fs_linkat(dir, tmp, dir, name, 0) == 0) {
		unlinkat(dir, tmp, 0);
		return 0;
	}
	if (errno == EEXIST || !(unsupported(errno) || errno == EMLINK))
		return -1;
	/* nor links (FAT): a plain rename once the name is seen free */
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return fs_renameat(dir, tmp, dir, name);
}

int copy_can_clone(int srcdir, const char *srcname, int dstdir)
{
	int src = open_source(srcdir, srcname);
	if (src < 0)
		return -1;
	int dst = openat(dstdir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	int ok = dst >= 0 && ioctl(dst, FICLONE, src) == 0;
	int saved = errno;
	if (dst >= 0)
		close(dst);
	close(src);
	errno = saved;
	return ok;
}

int copy_file(int srcdir, const char *srcname, int dstdir, const char *dstname, dev_t expect_dev,
	      ino_t expect_ino, unsigned flags, struct copy_result *res)
{
	return copy_file_as(srcdir, srcname, dstdir, dstname, expect_dev, expect_ino, flags,
			    (uid_t)-1, (gid_t)-1, NULL, 0, res);
}

int copy_file_as(int srcdir, const char *srcname, int dstdir, const char *dstname,
		 dev_t expect_dev, ino_t expect_ino, unsigned flags, uid_t uid, gid_t gid,
		 const void *acl, size_t acl_len, struct copy_result *res)
{
	char tmp[64];
	int src = -1, dst = -1, saved = 0;
	bool wside = false;
	struct stat st;
	memset(res, 0, sizeof *res);
	src = open_source(srcdir, srcname);
	if (src < 0)
		return -1;
	if (fstat(src, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode) ||
	    (expect_ino && (st.st_ino != expect_ino || st.st_dev != expect_dev))) {
		errno = ESTALE; /* replaced since it was examined */
		goto fail;
	}
	dst = open_temp(dstdir, tmp, sizeof tmp);
	if (dst < 0) {
		wside = true;
		goto fail;
	}
	if (!(flags & COPY_NO_CLONE) && ioctl(dst, FICLONE, src) == 0) {
		res->how = COPY_CLONE;
	} else if (flags & COPY_CLONE_ONLY) {
		wside = errno == ENOSPC || errno == EDQUOT;
		goto fail_tmp;
	} else if (copy_data(src, dst, st.st_size, res, &wside)) {
		goto fail_tmp;
	}
	/* owner before mode: chown clears set-id bits */
	if (uid == (uid_t)-1)
		uid = st.st_uid;
	if (gid == (gid_t)-1)
		gid = st.st_gid;
	if (fchown(dst, uid, gid) != 0 && !unsupported(errno)) {
		wside = true;
		goto fail_tmp;
	}
	copy_xattrs(src, dst, flags & COPY_DROP_CAPS, &res->dropped);
	/* set-id bits only with the owner they were given for: never on a copy that kept
	 * the running user's owner, never where the caller says no */
	struct stat now;
	bool known = fstat(dst, &now) == 0;
	mode_t drop = 0;
	if ((flags & COPY_DROP_SUID) || !known || now.st_uid != uid)
		drop |= S_ISUID;
	if ((flags & COPY_DROP_SGID) || !known || now.st_gid != gid)
		drop |= S_ISGID;
	res->dropped |= (st.st_mode & drop) != 0;
	if (fchmod(dst, st.st_mode & 07777 & ~drop) != 0 && !unsupported(errno)) {
		wside = true;
		goto fail_tmp;
	}
	if (acl && fsetxattr(dst, "system.posix_acl_access", acl, acl_len, 0) != 0 &&
	    !unsupported(errno)) {
		wside = true;
		goto fail_tmp;
	}
	struct timespec times[2] = {st.st_atim, st.st_mtim};
	futimens(dst, times);
	if (fstat(dst, &res->made) != 0) {
		wside = true;
		goto fail_tmp;
	}
	if (close(dst) != 0) {
		dst = -1;
		wside = true;
		goto fail_tmp;
	}
	dst = -1;
	/* again: FUSE drivers stamp the time when the file is released */
	utimensat(dstdir, tmp, times, AT_SYMLINK_NOFOLLOW);
	if (place_name(dstdir, tmp, dstname) != 0) {
		wside = true;
		goto fail_tmp;
	}
	close(src);
	return 0;
fail_tmp:
	saved = errno;
	if (dst >= 0)
		close(dst);
	dst = -1;
	unlinkat(dstdir, tmp, 0);
	errno = saved;
fail:
	saved = errno;
	if (dst >= 0)
		close(dst);
	if (src >= 0)
		close(src);
	res->store_side = wside;
	errno = saved;
	return -1;
}
