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

/* USMT's drive types, as classes of mounted filesystems (vol_drive_class decides). */
enum drive_class { DC_FIXED, DC_REMOVABLE, DC_REMOTE, DC_CDROM, DC__N };
extern const char *const drive_class_names[DC__N]; /* "Fixed", "Removable", ... */

struct vol {
	uint32_t mnt_id, parent_id;
	dev_t dev;     /* major:minor of the mountinfo line (= st_dev) */
	char *mnt;     /* mount point, absolute in our mount namespace */
	char *fsroot;  /* the directory of the filesystem mounted there ("/" unless bind) */
	char *fstype;  /* "ext4", "tmpfs", "fuseblk", "fuse.fusefat" ... */
	char *source;  /* mount source ("/dev/loop0", "fusefat", ...) */
	bool pseudo;   /* proc, sysfs, devtmpfs, cgroup ...: never walked */
	bool no_links; /* FAT and friends: cannot hold hard links */
	bool readonly; /* mounted ro, or its filesystem is (squashfs, erofs: super option ro) */
	bool nosuid;   /* mount option nosuid: set-id bits and file capabilities ignored */
	bool nodev;    /* mount option nodev: device nodes cannot be opened */
	char *upperdir; /* overlayfs: the upper layer's directory as mounted (NULL: none) */
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
/* USMT's drive type of a mount, as an enum drive_class: network filesystems
 * are Remote, iso9660/udf CDROM, a block device whose disk says removable (or a mount
 * under /media or /run/media of the migrated system, LOGICAL being its mount point as
 * seen there, where desktops mount them) Removable, the rest Fixed. */
int vol_drive_class(const struct vol *v, const char *logical);

/* statfs f_type values migstate treats specially. */
#define VOL_OVERLAYFS_MAGIC 0x794c7630u
#define VOL_BTRFS_MAGIC 0x9123683eu
#define VOL_XFS_MAGIC 0x58465342u
#define VOL_EXT4_MAGIC 0xef53u
#define VOL_TMPFS_MAGIC 0x01021994u

/* The most hard links one inode can have on a filesystem of type FS_MAGIC (statfs
 * f_type), from the kernel's own limits (ext2/3/4 65000, btrfs 65535, xfs 2^31-1), not
 * pathconf(_PC_LINK_MAX), which guesses. UINT64_MAX when there is no limit or it is not
 * known: link() answering EMLINK is then the only sign. */
uint64_t vol_link_max(uint64_t fs_magic);

/* statx of NAME relative to DIRFD (AT_EMPTY_PATH when NAME is ""), never following a
 * symlink nor triggering an automount, asking for the mount id. 0 or -1 with errno.
 * MNT_ID is set from stx_mnt_id, or from /proc/self/fdinfo on kernels without it. */
int vol_statx(int dirfd, const char *name, struct statx *stx, uint32_t *mnt_id);

/* Mount id of an open file descriptor. 0 or -1. */
int vol_fd_mnt_id(int fd, uint32_t *mnt_id);

/* After ERR examining or opening DIRFD/NAME (DIRFD on mount DIR_MNT): is NAME the root of
 * another mount that refuses us? A FUSE mount without allow_other denies every other
 * uid, root included (EACCES), even a stat, but a statx asking for nothing still
 * answers with its mount id. */
bool vol_mount_refuses(int dirfd, const char *name, uint32_t dir_mnt, int err);
/* The length of the longest prefix of directory LOGICAL beneath ROOTFD that is the root of
 * a mount refusing us (walked one directory at a time, O_NOFOLLOW, one fd open); 0 when
 * none is on the way. */
size_t vol_refusing_mount_on(int rootfd, const char *logical);

#endif
