/* volumes.c - /proc/self/mountinfo reader and mount-id lookups (see volumes.h).
 *
 * mountinfo line: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
 * ROOT and MOUNTPOINT escape space, tab, newline and backslash as \ooo octal. */
#include "volumes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *const pseudo_types[] = {
    "proc",	   "sysfs",    "devtmpfs",   "devpts", "securityfs", "debugfs", "tracefs",
    "bpf",	   "mqueue",   "hugetlbfs",  "pstore", "configfs",   "fusectl", "autofs",
    "binfmt_misc", "efivarfs", "rpc_pipefs", "nsfs",   "selinuxfs",
};

bool vol_pseudo_fstype(const char *t)
{
	if (!strncmp(t, "cgroup", 6))
		return true;
	for (size_t i = 0; i < sizeof pseudo_types / sizeof pseudo_types[0]; i++)
		if (!strcmp(t, pseudo_types[i]))
			return true;
	return false;
}

bool vol_nolink_fstype(const char *t, const char *source)
{
	static const char *const fat[] = {"vfat", "msdos", "exfat", "fat", "umsdos"};
	for (size_t i = 0; i < sizeof fat / sizeof fat[0]; i++)
		if (!strcmp(t, fat[i]))
			return true;
	/* FUSE drivers name themselves in the type ("fuse.fusefat") or the source */
	if (!strncmp(t, "fuse", 4)) {
		const char *sub = t[4] == '.' ? t + 5 : "";
		if (strstr(sub, "fat") || strstr(source, "fat"))
			return true;
	}
	return false;
}

const char *const drive_class_names[DC__N] = {"Fixed", "Removable", "Remote", "CDROM"};

int vol_drive_class(const struct vol *v, const char *logical)
{
	static const char *const remote[] = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "9p",
					     "ceph", "glusterfs", "afs", "coda", "lustre", "davfs",
					     "fuse.sshfs", "fuse.rclone", "fuse.davfs2", "fuse.s3fs"};
	for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
		if (!strcmp(v->fstype, remote[i]))
			return DC_REMOTE;
	if (!strcmp(v->fstype, "iso9660") || !strcmp(v->fstype, "udf"))
		return DC_CDROM;
	if (!strncmp(logical, "/media/", 7) || !strncmp(logical, "/run/media/", 11))
		return DC_REMOVABLE;
	char path[128], real[4096];
	snprintf(path, sizeof path, "/sys/dev/block/%u:%u", major(v->dev), minor(v->dev));
	if (!realpath(path, real))
		return DC_FIXED; /* not a block device (tmpfs, FUSE ...): local */
	for (int up = 0; up < 2; up++) {
		char attr[4200];
		snprintf(attr, sizeof attr, "%s/removable", real);
		FILE *f = fopen(attr, "re");
		if (f) {
			int c = fgetc(f);
			fclose(f);
			return c == '1' ? DC_REMOVABLE : DC_FIXED;
		}
		char *slash = strrchr(real, '/'); /* a partition: ask its disk */
		if (!slash)
			break;
		*slash = 0;
	}
	return DC_FIXED;
}

/* Decode \ooo escapes in place. */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') << 6 | (p[2] - '0') << 3 | (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
}

uint64_t vol_link_max(uint64_t m)
{
	switch (m) {
	case VOL_EXT4_MAGIC:
		return 65000; /* EXT4_LINK_MAX; ext2 and ext3 are served by the ext4 driver */
	case VOL_BTRFS_MAGIC:
		return 65535; /* BTRFS_LINK_MAX */
	case VOL_XFS_MAGIC:
		return 2147483647; /* XFS_MAXLINK */
	case 0xf2f52010u:	   /* f2fs */
		return 0xffffffffu;
	}
	return UINT64_MAX;
}

/* Super options (comma-separated, each value escaped): "ro" and overlayfs's upperdir. */
static int parse_superopts(char *opts, struct vol *v)
{
	for (char *save = NULL, *t = strtok_r(opts, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "ro")) {
			v->readonly = true;
		} else if (!strncmp(t, "upperdir=", 9) && !strcmp(v->fstype, "overlay")) {
			unescape(t + 9);
			free(v->upperdir);
			if (!(v->upperdir = strdup(t + 9)))
				return -1;
		}
	}
	return 0;
}

/* Per-mount options (field 6): ro, nosuid, nodev. */
static void parse_mntopts(const char *opts, struct vol *v)
{
	for (const char *t = opts; *t;) {
		size_t n = strcspn(t, ",");
		if (n == 2 && !strncmp(t, "ro", 2))
			v->readonly = true;
		else if (n == 6 && !strncmp(t, "nosuid", 6))
			v->nosuid = true;
		else if (n == 5 && !strncmp(t, "nodev", 5))
			v->nodev = true;
		t += n + (t[n] == ',');
	}
}

static int parse_line(char *line, struct vol *v)
{
	char *f[64];
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " ", &save); t && n < 64;
	     t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	int dash = -1;
	for (int i = 6; i < n; i++)
		if (!strcmp(f[i], "-")) {
			dash = i;
			break;
		}
	unsigned maj, min;
	if (n < 10 || dash < 0 || dash + 2 >= n || sscanf(f[2], "%u:%u", &maj, &min) != 2)
		return -1;
	memset(v, 0, sizeof *v);
	v->mnt_id = (uint32_t)strtoul(f[0], NULL, 10);
	v->parent_id = (uint32_t)strtoul(f[1], NULL, 10);
	v->dev = makedev(maj, min);
	unescape(f[3]);
	unescape(f[4]);
	unescape(f[dash + 2]);
	v->fsroot = strdup(f[3]);
	v->mnt = strdup(f[4]);
	v->fstype = strdup(f[dash + 1]);
	v->source = strdup(f[dash + 2]);
	parse_mntopts(f[5], v);
	if (!v->fsroot || !v->mnt || !v->fstype || !v->source)
		return -1;
	if (dash + 3 < n && parse_superopts(f[dash + 3], v))
		return -1;
	v->pseudo = vol_pseudo_fstype(v->fstype);
	v->no_links = vol_nolink_fstype(v->fstype, v->source);
	return 0;
}

static void vol_free_one(struct vol *v)
{
	free(v->mnt);
	free(v->fsroot);
	free(v->fstype);
	free(v->source);
	free(v->upperdir);
}

int vol_load(struct vol_table *t, char *err, size_t errsz)
{
	t->v = NULL;
	t->n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		snprintf(err, errsz, "cannot read /proc/self/mountinfo: %s", strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = 0;
		struct vol v = {0};
		if (parse_line(line, &v)) {
			vol_free_one(&v);
			continue;
		}
		struct vol *q = realloc(t->v, (t->n + 1) * sizeof *q);
		if (!q) {
			vol_free_one(&v);
			break;
		}
		t->v = q;
		t->v[t->n++] = v;
	}
	free(line);
	fclose(f);
	if (t->n == 0) {
		snprintf(err, errsz, "/proc/self/mountinfo lists no mounts");
		return -1;
	}
	return 0;
}

void vol_free(struct vol_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		vol_free_one(&t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const struct vol *vol_by_id(const struct vol_table *t, uint32_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].mnt_id == id)
			return &t->v[i];
	return NULL;
}

int vol_fd_mnt_id(int fd, uint32_t *mnt_id)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_NO_AUTOMOUNT, STATX_MNT_ID, &stx) == 0 &&
	    (stx.stx_mask & STATX_MNT_ID)) {
		*mnt_id = (uint32_t)stx.stx_mnt_id;
		return 0;
	}
	/* kernels before 5.8: /proc/self/fdinfo/FD has a mnt_id line */
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	ssize_t n = read(f, buf, sizeof buf - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	const char *m = strstr(buf, "mnt_id:");
	if (!m)
		return -1;
	*mnt_id = (uint32_t)strtoul(m + 7, NULL, 10);
	return 0;
}

bool vol_mount_refuses(int dirfd, const char *name, uint32_t dir_mnt, int err)
{
	struct statx x;
	if ((err != EACCES && err != EPERM) ||
	    statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, 0, &x) != 0)
		return false;
	if (x.stx_mask & STATX_MNT_ID)
		return (uint32_t)x.stx_mnt_id != dir_mnt;
	struct stat d; /* kernels before 5.8: another device is another mount */
	return fstat(dirfd, &d) == 0 &&
	       makedev(x.stx_dev_major, x.stx_dev_minor) != d.st_dev;
}

size_t vol_refusing_mount_on(int rootfd, const char *logical)
{
	int fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	size_t found = 0;
	char name[256];
	for (const char *p = logical; fd >= 0 && *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (!n || n >= sizeof name)
			break;
		memcpy(name, p, n);
		name[n] = 0;
		p += n;
		uint32_t mnt;
		int sub = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		struct statx x;
		/* O_PATH crosses into a mount without asking it: a stat is what it refuses */
		if (sub >= 0 && statx(sub, "", AT_EMPTY_PATH | AT_NO_AUTOMOUNT, STATX_MODE, &x) != 0) {
			e = errno;
			close(sub);
			sub = -1;
		}
		if (sub < 0 && vol_fd_mnt_id(fd, &mnt) == 0 && vol_mount_refuses(fd, name, mnt, e))
			found = (size_t)(p - logical);
		close(fd);
		fd = sub;
	}
	if (fd >= 0)
		close(fd);
	return found;
}

int vol_statx(int dirfd, const char *name, struct statx *stx, uint32_t *mnt_id)
{
	int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH);
	unsigned mask = STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID;
	if (statx(dirfd, name, flags, mask, stx) != 0)
		return -1;
	if (!mnt_id)
		return 0;
	if (stx->stx_mask & STATX_MNT_ID) {
		*mnt_id = (uint32_t)stx->stx_mnt_id;
		return 0;
	}
	if (!*name)
		return vol_fd_mnt_id(dirfd, mnt_id);
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = vol_fd_mnt_id(fd, mnt_id);
	close(fd);
	return rc;
}
