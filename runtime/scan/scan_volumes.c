/* scan_volumes.c - the volumes a scan reads from and writes to: one per (mount, device),
 * found as the walk meets them; mount roots by drive type; where each volume's store goes. */
#include "scan_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

void svol_free(struct svol *v)
{
	free(v->mnt_real);
	free(v->mnt_logical);
	free(v->fstype);
	free(v->store_real);
	free(v->store_logical);
	free(v->upper);
	free(v->plan_dir);
	if (v->probe_fd >= 0)
		close(v->probe_fd);
	if (v->meta_fd >= 0)
		close(v->meta_fd);
	if (v->file_fd >= 0)
		close(v->file_fd);
	if (v->pd.fd >= 0)
		close(v->pd.fd);
	free(v->pd.path);
}

/* The deepest existing directory on the way to PATH (PATH itself when it exists), opened
 * O_PATH, when it is on mount MNT_ID; -1 otherwise. *DEV: its device. */
int scan_open_deepest(const char *path, uint32_t mnt_id, dev_t *dev)
{
	char *p = strdup(path);
	int fd = -1;
	if (!p)
		return -1;
	for (;;) {
		fd = open(*p ? p : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			break;
		char *sl = strrchr(p, '/');
		if (!sl)
			break;
		*sl = 0;
	}
	free(p);
	struct statx x;
	uint32_t m;
	if (fd >= 0 && (vol_statx(fd, "", &x, &m) != 0 || m != mnt_id)) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && dev)
		*dev = makedev(x.stx_dev_major, x.stx_dev_minor);
	return fd;
}

/* The svol of (MNT_ID, DEV), added on first sight. -1 when out of memory. */
int svol_of(struct scan *s, uint32_t mnt_id, dev_t dev)
{
	for (size_t i = 0; i < s->nsv; i++)
		if (s->sv[i].mnt_id == mnt_id && (s->sv[i].dev == dev || s->sv[i].overlay))
			return (int)i;
	const struct vol *v = vol_by_id(&s->vt, mnt_id);
	if (!v) {
		char err[256];
		vol_free(&s->vt);
		if (vol_load(&s->vt, err, sizeof err) == 0)
			v = vol_by_id(&s->vt, mnt_id); /* mounted since start-up */
	}
	struct svol *q = realloc(s->sv, (s->nsv + 1) * sizeof *q);
	if (!q)
		return -1;
	s->sv = q;
	struct svol *n = &s->sv[s->nsv];
	memset(n, 0, sizeof *n);
	n->meta_fd = n->file_fd = n->pd.fd = n->probe_fd = -1;
	n->home = -1;
	n->mnt_id = mnt_id;
	n->dev = dev;
	n->link_max = UINT64_MAX;
	if (v) {
		n->mnt_real = strdup(v->mnt);
		n->fstype = strdup(v->fstype);
		n->no_links = v->no_links;
		n->readonly = v->readonly;
		n->nosuid = v->nosuid;
		n->nodev = v->nodev;
		n->overlay = !strcmp(v->fstype, "overlay");
		if (n->overlay && v->upperdir && !(n->upper = strdup(v->upperdir)))
			return -1;
		if (n->overlay && !v->upperdir)
			n->readonly = true; /* an overlay without an upper layer */
	} else {
		n->mnt_real = strdup("?");
		n->fstype = strdup("?");
		n->no_links = true; /* unknown mount: never link, copy */
		n->nosuid = n->nodev = true; /* nor trust what it holds */
	}
	n->mnt_logical = n->mnt_real ? scan_logical_of(s, n->mnt_real) : NULL;
	if (!n->mnt_logical && n->mnt_real && scan_within(s->root_real, n->mnt_real))
		n->mnt_logical = strdup("/"); /* the root lies inside this mount */
	if (!n->mnt_real || !n->fstype)
		return -1;
	struct statfs sf;
	if (v && statfs(v->mnt, &sf) == 0) {
		n->fs_magic = (uint64_t)sf.f_type;
		n->link_max = vol_link_max(n->fs_magic);
		if (sf.f_flags & ST_RDONLY)
			n->readonly = true;
		if (sf.f_flags & ST_NOSUID)
			n->nosuid = true;
		if (sf.f_flags & ST_NODEV)
			n->nodev = true;
		if (n->fs_magic == VOL_OVERLAYFS_MAGIC)
			n->overlay = true; /* whatever mountinfo calls it */
	}
	if (n->upper && statfs(n->upper, &sf) == 0)
		n->link_max = vol_link_max((uint64_t)sf.f_type); /* links are made up there */
	int idx = (int)s->nsv++;
	/* a device other than the one this mount's store would be on: a subvolume (the
	 * master's own volume is found before the store's path is known) */
	if (v && !n->overlay && s->store_rel) {
		char *sp = scan_volume_store_path(s, v->mnt);
		dev_t sdev = 0;
		int fd = sp ? scan_open_deepest(sp, mnt_id, &sdev) : -1;
		free(sp);
		if (fd >= 0 && sdev != dev) {
			int home = svol_of(s, mnt_id, sdev); /* may move s->sv */
			s->sv[idx].subvol = true;
			s->sv[idx].home = home;
			if (home < 0) {
				close(fd);
				return -1;
			}
		}
		if (fd >= 0)
			close(fd);
	}
	return idx;
}

/* Mount points of every walkable (non-pseudo) mount at or beneath the root, logical,
 * sorted into USMT's drive types for GenerateDrivePatterns: the root and local disks are
 * Fixed; network, optical and removable media go to their own classes. */
int scan_fixed_roots(struct scan *s)
{
	s->fixed = calloc(s->vt.n + 1, sizeof *s->fixed);
	if (!s->fixed)
		return -1;
	for (int c = 1; c < DC__N; c++)
		if (!(s->classroots[c] = calloc(s->vt.n + 1, sizeof(char *))))
			return -1;
	s->fixed[s->nfixed++] = strdup("/");
	for (size_t i = 0; i < s->vt.n; i++) {
		const struct vol *v = &s->vt.v[i];
		if (v->pseudo || !scan_within(v->mnt, s->root_real) ||
		    !strcmp(v->mnt, s->root_real))
			continue;
		char *l = scan_logical_of(s, v->mnt);
		int c = l ? vol_drive_class(v, l) : DC_FIXED;
		if (c != DC_FIXED) {
			uint32_t *q = realloc(s->nonlocal, (s->nnonlocal + 1) * sizeof *q);
			if (!q) {
				free(l);
				return -1;
			}
			s->nonlocal = q;
			s->nonlocal[s->nnonlocal++] = v->mnt_id;
		}
		char **list = c == DC_FIXED ? s->fixed : s->classroots[c];
		size_t *n = c == DC_FIXED ? &s->nfixed : &s->nclassroots[c];
		bool dup = false;
		for (size_t k = 0; l && k < *n; k++)
			dup |= !strcmp(list[k], l);
		if (l && !dup)
			list[(*n)++] = l;
		else
			free(l);
	}
	return 0;
}

/* Where a volume mounted at MNT gets its store re-rooted: its mount point, or the root
 * itself when the root lies inside that mount (the volume starts there, logically). */
const char *scan_store_base(const struct scan *s, const char *mnt)
{
	return scan_within(s->root_real, mnt) ? s->root_real : mnt;
}

/* Real path of the store of the volume mounted at MNT: base + the store's relative path. */
char *scan_volume_store_path(const struct scan *s, const char *mnt)
{
	char *p;
	const char *base = scan_store_base(s, mnt);
	if (asprintf(&p, "%s%s%s", base, strcmp(base, "/") ? "/" : "", s->store_rel) < 0)
		return NULL;
	return p;
}

/* Directories the walk must never enter: the master store and whatever would be a
 * per-volume store of this store path on any walkable mount (an earlier run's). */
int scan_skip_lists(struct scan *s, struct walk_skip **skip, size_t *nskip, char ***paths,
		    size_t *npaths)
{
	*skip = calloc(s->vt.n + 2, sizeof **skip);
	*paths = calloc(s->vt.n + 2, sizeof **paths);
	*nskip = *npaths = 0;
	if (!*skip || !*paths)
		return -1;
	struct stat st;
	if (stat(s->store_real, &st) == 0)
		(*skip)[(*nskip)++] = (struct walk_skip){st.st_dev, st.st_ino};
	if (s->store_logical)
		(*paths)[(*npaths)++] = strdup(s->store_logical);
	for (size_t i = 0; i < s->vt.n; i++) {
		const struct vol *v = &s->vt.v[i];
		if (v->pseudo)
			continue;
		if (!scan_within(v->mnt, s->root_real) && !scan_within(s->root_real, v->mnt))
			continue;
		char *p = scan_volume_store_path(s, v->mnt);
		if (p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			(*skip)[(*nskip)++] = (struct walk_skip){st.st_dev, st.st_ino};
		char *l = p ? scan_logical_of(s, p) : NULL;
		if (l)
			(*paths)[(*npaths)++] = l;
		free(p);
	}
	return 0;
}
