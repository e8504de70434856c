/* volumes.h - the mount table, as the store needs it.
 *
 * A "volume" is a mount, identified by its mount id, not by st_dev: a bind mount of a
 * filesystem shares st_dev with the original but the kernel refuses a hard link
 * across the two mounts (EXDEV), so for linking purposes it is a volume of its own.
 * The table is read once from /proc/self/mountinfo; objects are mapped to their mount
 * with statx(STATX_MNT_ID). */
#ifndef MIGRT_VOLUMES_H
#define MIGRT_VOLUMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct vol {
	uint32_t mnt_id, parent_id;
	dev_t dev;     /* major:minor of the mountinfo line (= st_dev) */
	char *mnt;     /* mount point, absolute in our mount namespace */
	char *fsroot;  /* the directory of the filesystem mounted there ("/" unless bind) */
	char *fstype;  /* "ext4", "tmpfs", "fuseblk", "fuse.fusefat" ... */
	char *source;  /* mount source ("/dev/loop0", "fusefat", ...) */
	bool pseudo;   /* proc, sysfs, devtmpfs, cgroup ...: never walked */
	bool no_links; /* FAT and friends: cannot hold hard links */
	bool readonly; /* mounted ro */
};

struct vol_table {
	struct vol *v;
	size_t n;
};

/* Read /proc/self/mountinfo. Returns 0 or -1 with ERR. */
int vol_load(struct vol_table *t, char *err, size_t errsz);
void vol_free(struct vol_table *t);
/* The entry of mount MNT_ID, or NULL (a mount made after vol_load). */
const struct vol *vol_by_id(const struct vol_table *t, uint32_t mnt_id);

/* Filesystems that hold no user data (proc, sysfs, devtmpfs, devpts, cgroup*, ...). */
bool vol_pseudo_fstype(const char *fstype);
/* Filesystems that cannot hold hard links (vfat, msdos, exfat, FUSE FAT drivers). */
bool vol_nolink_fstype(const char *fstype, const char *source);

/* statx of NAME relative to DIRFD (AT_EMPTY_PATH when NAME is ""), never following a
 * symlink nor triggering an automount, asking for the mount id. 0 or -1 with errno.
 * MNT_ID is set from stx_mnt_id, or from /proc/self/fdinfo on kernels without it. */
int vol_statx(int dirfd, const char *name, struct statx *stx, uint32_t *mnt_id);

/* Mount id of an open file descriptor. 0 or -1. */
int vol_fd_mnt_id(int fd, uint32_t *mnt_id);

#endif
