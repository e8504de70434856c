/* acctfile.c - commonio-style replacement of the account files (see acctfile.h). */
#include "acctfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "smallfile.h"

int (*acctfile_fault)(const char *step, const char *name);

static int fault(const char *step, const char *name)
{
	int e = acctfile_fault ? acctfile_fault(step, name) : 0;
	if (e)
		errno = e;
	return e ? -1 : 0;
}

int acctfile_read(int etcfd, struct acct_file *f)
{
	char path[64];
	snprintf(path, sizeof path, "/%s", f->name);
	f->old = small_file_read(etcfd, path, &f->oldlen);
	if (!f->old)
		return errno == ENOENT ? 0 : -1;
	if (fstatat(etcfd, f->name, &f->st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(f->st.st_mode)) {
		int e = S_ISREG(f->st.st_mode) ? errno : EINVAL;
		free(f->old);
		f->old = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

void acctfile_free(struct acct_file *f)
{
	free(f->old);
	f->old = NULL;
}

/* Write DATA to NAME+ owned and moded as ST (with its times when TIMES), fsynced. */
static int write_temp(int etcfd, const char *name, const char *data, size_t len,
		      const struct stat *st, int times)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%s+", name);
	if (unlinkat(etcfd, tmp, 0) && errno != ENOENT)
		return -1;
	int fd = fault("open", tmp) ? -1
				    : openat(etcfd, tmp,
					     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	int rc = fchown(fd, st->st_uid, st->st_gid) || fchmod(fd, st->st_mode & 07777) ||
		 fault("write", tmp) || fs_pwrite_all(fd, data, len, 0) ||
		 (times && futimens(fd, ts)) || fault("fsync", tmp) || fsync(fd);
	int e = errno;
	if (close(fd) && !rc) {
		rc = 1;
		e = errno;
	}
	if (rc) {
		unlinkat(etcfd, tmp, 0);
		errno = e;
		return -1;
	}
	return 0;
}

static int rename_step(int etcfd, const char *from, const char *to)
{
	return fault("rename", to) || fs_renameat(etcfd, from, etcfd, to) ? -1 : 0;
}

/* Put file F back as it was before its NAME+ was renamed over it. */
static void restore(int etcfd, const struct acct_file *f)
{
	char tmp[64], bak[64];
	snprintf(tmp, sizeof tmp, "%s+", f->name);
	snprintf(bak, sizeof bak, "%s-", f->name);
	if (!f->old) {
		unlinkat(etcfd, f->name, 0);
		return;
	}
	/* through a second name, so the backup stays too */
	unlinkat(etcfd, tmp, 0);
	if (fs_linkat(etcfd, bak, etcfd, tmp, 0) == 0 && fs_renameat(etcfd, tmp, etcfd, f->name) == 0)
		return;
	unlinkat(etcfd, tmp, 0);
	fs_renameat(etcfd, bak, etcfd, f->name);
}

int acctfile_commit(int etcfd, struct acct_file *f, size_t n, char *err, size_t errsz)
{
	size_t i = 0, done = 0;
	int e;
	const char *what = "";
	char name[64];
	/* the backups: NAME- holds the old content before anything else changes */
	for (i = 0; i < n; i++) {
		if (!f[i].new || !f[i].old)
			continue;
		snprintf(name, sizeof name, "%s-", f[i].name);
		char tmp[64];
		snprintf(tmp, sizeof tmp, "%s+", f[i].name);
		what = "cannot write the backup";
		if (write_temp(etcfd, f[i].name, f[i].old, f[i].oldlen, &f[i].st, 1))
			goto fail;
		if (rename_step(etcfd, tmp, name)) {
			e = errno;
			unlinkat(etcfd, tmp, 0);
			errno = e;
			goto fail;
		}
	}
	/* the new contents, all written and synced before the first rename */
	for (i = 0; i < n; i++) {
		if (!f[i].new)
			continue;
		struct stat st = f[i].st;
		if (!f[i].old) {
			memset(&st, 0, sizeof st);
			st.st_mode = f[i].create_mode;
		}
		what = "cannot write";
		snprintf(name, sizeof name, "%s+", f[i].name);
		if (write_temp(etcfd, f[i].name, f[i].new, f[i].newlen, &st, 0))
			goto fail;
	}
	for (done = 0; done < n; done++) {
		if (!f[done].new)
			continue;
		char tmp[64];
		snprintf(tmp, sizeof tmp, "%s+", f[done].name);
		snprintf(name, sizeof name, "%s", f[done].name);
		what = "cannot replace";
		if (rename_step(etcfd, tmp, f[done].name))
			goto fail_renamed;
	}
	/* the renames are made; a directory that cannot be synced does not undo them */
	fsync(etcfd);
	return 0;

fail_renamed:
	e = errno;
	for (size_t j = 0; j < done; j++)
		if (f[j].new)
			restore(etcfd, &f[j]);
	errno = e;
fail:
	e = errno;
	snprintf(err, errsz, "%s etc/%s: %s (the account files are unchanged)", what, name,
		 strerror(e));
	for (size_t j = 0; j < n; j++) {
		char tmp[64];
		snprintf(tmp, sizeof tmp, "%s+", f[j].name);
		if (f[j].new)
			unlinkat(etcfd, tmp, 0);
	}
	fsync(etcfd);
	errno = e;
	return -1;
}
