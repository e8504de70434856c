/* storeloc.c - will the store survive the reinstall? (rules in storeloc.h) */
#include "storeloc.h"

#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fsutil.h"
#include "volumes.h"

const char *const storeloc_rule_names[SL__N] = {"system-directory", "other-subvolume",
						"root-filesystem"};

/* Top-level directories installers replace or empty (any /lib* too). */
static const char *const system_dirs[] = {"bin", "boot", "dev", "etc", "sbin",
					  "usr", "var", "tmp", "run"};

/* The first component of LOGICAL if it is a system directory, else NULL. */
static const char *system_dir_of(const char *logical, char *buf, size_t bufsz)
{
	while (*logical == '/')
		logical++;
	size_t n = strcspn(logical, "/");
	if (n == 0 || n >= bufsz)
		return NULL;
	memcpy(buf, logical, n);
	buf[n] = 0;
	if (!strncmp(buf, "lib", 3))
		return buf;
	for (size_t i = 0; i < sizeof system_dirs / sizeof system_dirs[0]; i++)
		if (!strcmp(buf, system_dirs[i]))
			return buf;
	return NULL;
}

/* Where a directory is: device, filesystem type, and on btrfs the filesystem's id and
 * the subvolume holding it. */
struct place {
	dev_t dev;
	bool btrfs;
	unsigned char fsid[BTRFS_FSID_SIZE];
	uint64_t subvol;
};

static int place_of(int fd, struct place *p)
{
	struct stat st;
	struct statfs sf;
	memset(p, 0, sizeof *p);
	if (fstat(fd, &st) != 0 || fstatfs(fd, &sf) != 0)
		return -1;
	p->dev = st.st_dev;
	if ((uint64_t)sf.f_type != VOL_BTRFS_MAGIC)
		return 0;
	struct btrfs_ioctl_fs_info_args fi;
	struct btrfs_ioctl_ino_lookup_args il;
	memset(&fi, 0, sizeof fi);
	memset(&il, 0, sizeof il);
	/* treeid 0 + the first free objectid: "which subvolume holds this?", unprivileged */
	il.objectid = BTRFS_FIRST_FREE_OBJECTID;
	if (ioctl(fd, BTRFS_IOC_FS_INFO, &fi) != 0 || ioctl(fd, BTRFS_IOC_INO_LOOKUP, &il) != 0)
		return 0; /* cannot tell: judged as any other filesystem */
	p->btrfs = true;
	memcpy(p->fsid, fi.fsid, sizeof p->fsid);
	p->subvol = il.treeid;
	return 0;
}

/* The deepest existing directory of the real path PATH (the store may not exist yet). */
static int open_deepest_dir(const char *path)
{
	char *p = strdup(path);
	int fd = -1;
	while (p) {
		fd = open(*p ? p : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char *sl = strrchr(p, '/');
		if (fd >= 0 || !sl)
			break;
		*sl = 0;
	}
	free(p);
	return fd;
}

void storeloc_assess(int rootfd, const char *store_logical, const char *store_real,
		     const struct rt_user *users, size_t nusers, struct storeloc *out)
{
	memset(out, 0, sizeof *out);
	char top[64];
	const char *sys = store_logical ? system_dir_of(store_logical, top, sizeof top) : NULL;
	if (sys) {
		out->mask |= 1u << SL_SYSTEM_DIR;
		snprintf(out->detail[SL_SYSTEM_DIR], sizeof out->detail[0],
			 "it is under /%s, which installers replace or empty", sys);
	}
	struct place store, root;
	int sfd = open_deepest_dir(store_real);
	bool ok = sfd >= 0 && place_of(sfd, &store) == 0 && place_of(rootfd, &root) == 0;
	if (sfd >= 0)
		close(sfd);
	if (!ok)
		return;
	for (size_t i = 0; i < nusers; i++) {
		int hfd = users[i].home ? fs_open_dir(rootfd, users[i].home) : -1;
		struct place home;
		bool have = hfd >= 0 && place_of(hfd, &home) == 0;
		if (hfd >= 0)
			close(hfd);
		if (!have)
			continue;
		if (!(out->mask & (1u << SL_OTHER_SUBVOLUME)) && store.btrfs && home.btrfs &&
		    !memcmp(store.fsid, home.fsid, sizeof store.fsid) && store.subvol != home.subvol) {
			out->mask |= 1u << SL_OTHER_SUBVOLUME;
			snprintf(out->detail[SL_OTHER_SUBVOLUME], sizeof out->detail[0],
				 "it is in btrfs subvolume %llu, the home %.200s in subvolume %llu: "
				 "installers recreate every subvolume but the homes'",
				 (unsigned long long)store.subvol, users[i].home,
				 (unsigned long long)home.subvol);
		}
		if (!(out->mask & (1u << SL_ROOT_FS)) && store.dev == root.dev &&
		    home.dev != root.dev) {
			out->mask |= 1u << SL_ROOT_FS;
			snprintf(out->detail[SL_ROOT_FS], sizeof out->detail[0],
				 "it is on the root filesystem, which installers format, and the "
				 "home %.200s is on a filesystem of its own",
				 users[i].home);
		}
	}
}
