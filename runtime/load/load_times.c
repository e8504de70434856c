/* load_times.c - times set again at the end of a load: copies a filesystem stamped late,
 * then the directories that hold something restored. */
#include "load_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

/* A copy's times, set again at the end of the run: a FUSE driver may stamp the file
 * when it is released, after our futimens. Spilled as this, then the path and a NUL. */
struct fixup {
	struct timespec t[2];
};

/* Remember to check the times of the copy DFD/NAME (the logical path of DFD is the
 * destination directory open_dest_dir returned last) at the end of the run. */
void load_add_fixup(struct loader *L, int dfd, const char *name, const struct stat *pst)
{
	const char *dir = load_dest_dir_path(L, dfd);
	if (!dir)
		return;
	char *p = load_join(dir, name);
	size_t pl = p ? strlen(p) + 1 : 0;
	unsigned char *b = p ? malloc(sizeof(struct fixup) + pl) : NULL;
	if (b) {
		struct fixup f = {{pst->st_atim, pst->st_mtim}};
		memcpy(b, &f, sizeof f);
		memcpy(b + sizeof f, p, pl);
		spill_put(&L->fix, b, sizeof f + pl); /* best effort, as the check itself */
	}
	free(b);
	free(p);
}

/* Copies whose mtime is not the captured one (stamped late by their filesystem). */
void fix_copy_times(struct loader *L)
{
	unsigned char *b;
	size_t n;
	if (!L->fix.count)
		return;
	if (spill_rewind(&L->fix) != 0) {
		rlog_msg(L->log, RL_WARN, "cannot check the times of the copies: %s",
			 strerror(errno));
		return;
	}
	while ((b = spill_get(&L->fix, &n))) {
		struct fixup f;
		if (n <= sizeof f || b[n - 1])
			break;
		memcpy(&f, b, sizeof f);
		const char *leaf, *path = (const char *)b + sizeof f;
		int pfd = sw_open_parent(&L->s, path, &leaf);
		if (pfd < 0)
			continue;
		struct stat st;
		if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtim.tv_sec != f.t[1].tv_sec)
			utimensat(pfd, leaf, f.t, AT_SYMLINK_NOFOLLOW);
		close(pfd);
	}
}

/* Is the directory FD (logical path P) the root of a mount? Its times belong to that
 * filesystem, not to what we restored (and a FUSE FAT driver dies on epoch times). */
static bool is_mount_root(struct loader *L, int fd, const char *p)
{
	if (!strcmp(p, "/"))
		return true;
	const char *leaf;
	int pfd = sw_open_parent(&L->s, p, &leaf);
	if (pfd < 0)
		return true;
	uint64_t a = sw_mnt_id(fd), b = sw_mnt_id(pfd);
	struct stat sa, sb;
	bool root = a && b ? a != b : (fstat(fd, &sa) || fstat(pfd, &sb) || sa.st_dev != sb.st_dev);
	close(pfd);
	return root;
}

/* Directory times last: creating entries changed them. Only directories that hold
 * something restored and still have the recorded owner and mode (ours, not a directory
 * the new system made differently) get the recorded times. */
static int fix_dir_time(const char *p, const struct dir_meta *r, void *ctx)
{
	struct loader *L = ctx;
	int fd = sw_open_dir(&L->s, p);
	if (fd < 0)
		return 0;
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_uid == r->uid && st.st_gid == r->gid &&
	    (st.st_mode & 07777) == (r->mode & 07777) && load_ns_of(&st.st_mtim) != r->mtime_ns &&
	    !is_mount_root(L, fd, p)) {
		struct timespec t[2] = {load_ts_of(r->atime_ns), load_ts_of(r->mtime_ns)};
		futimens(fd, t);
	}
	close(fd);
	return 0;
}

void fix_dir_times(struct loader *L)
{
	dm_each_touched(&L->dirs, fix_dir_time, L);
}
