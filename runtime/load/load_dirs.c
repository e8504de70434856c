/* load_dirs.c - destination directories: opened without following a symlink, made with
 * the captured owner and mode, existing ones narrowed (dirsafe.h); payload directories. */
#include "load_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirnames.h"
#include "fsutil.h"
#include "sha256.h"

/* Mark DIR and every directory above it as holding restored objects (only those of the
 * directory table count: the others get no times set). */
void touch_dirs(struct loader *L, const char *dir)
{
	if (L->lasttouch && !strcmp(L->lasttouch, dir))
		return; /* consecutive objects share their directory */
	free(L->lasttouch);
	L->lasttouch = strdup(dir);
	char *p = strdup(dir);
	while (p && strcmp(p, "/") != 0) {
		if (dm_touch(&L->dirs, p) == 0)
			break; /* its parents are marked already */
		char *slash = strrchr(p, '/');
		if (!slash)
			break;
		if (slash == p)
			slash[1] = 0;
		else
			*slash = 0;
	}
	free(p);
}

/* Owner, group and mode for a directory we must make at LOGICAL: the catalog's record
 * of it, else inherited from the directory it is made in. */
static void dir_meta(struct loader *L, const char *logical, int parentfd, uid_t *uid, gid_t *gid,
		     mode_t *mode)
{
	const struct dir_meta *r = dm_meta(&L->dirs, dm_find(&L->dirs, logical));
	if (r) {
		*uid = r->uid;
		*gid = r->gid;
		*mode = (mode_t)(r->mode & 07777);
		return;
	}
	struct stat st;
	if (fstat(parentfd, &st) == 0) {
		*uid = st.st_uid;
		*gid = st.st_gid;
		*mode = st.st_mode & 03777; /* no set-uid on a directory we invent */
	} else {
		*uid = 0;
		*gid = 0;
		*mode = 0755;
	}
}

static void dest_stats(struct loader *L)
{
	L->st->dirs_tightened = L->safe.tightened;
	L->st->dirs_wide = L->safe.left_wide;
	L->st->dirs_owner = L->safe.owner_differs;
	L->st->dirs_acl = L->safe.acl_narrowed;
	L->st->dirs_acl_kept = L->safe.acl_kept;
}

static bool is_refused(const struct loader *L, const struct stat *st)
{
	for (size_t i = 0; i < L->nrefused; i++)
		if (L->refused[i].dev == st->st_dev && L->refused[i].ino == st->st_ino)
			return true;
	return false;
}

/* NAME appeared in FD while load was making it (another process made it between load's
 * look and its rename). Taken only as a directory (O_NOFOLLOW: a symlink is ELOOP)
 * owned by UID, the owner load would have given it, or by root, and then narrowed to
 * MODE like any existing directory (dirsafe). Another user's is refused, for this and
 * every later object below it: files placed there would be theirs to reach. */
static int adopt_dir(struct loader *L, int fd, const char *name, const char *logical, uid_t uid,
		     mode_t mode)
{
	int nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (nfd < 0 || fstat(nfd, &st) != 0) {
		int e = errno;
		if (nfd >= 0)
			close(nfd);
		errno = e;
		return -1;
	}
	if (st.st_uid != uid && st.st_uid != 0) {
		rlog_msg(L->log, RL_ERROR,
			 "%s: made by uid %u while load was making it for uid %u: refused, nothing "
			 "is placed in it (remove it, or check and chown it, then run load again)",
			 rlog_esc(L->log, logical), (unsigned)st.st_uid, (unsigned)uid);
		struct dirsafe_id *q = realloc(L->refused, (L->nrefused + 1) * sizeof *q);
		if (q) {
			L->refused = q;
			L->refused[L->nrefused].dev = st.st_dev;
			L->refused[L->nrefused++].ino = st.st_ino;
		}
		close(nfd);
		L->in_refused = true;
		errno = EPERM;
		return -1;
	}
	rlog_msg(L->log, RL_WARN, "%s: made by another process while load was making it: taken",
		 rlog_esc(L->log, logical));
	if (dirsafe_first(&L->safe, nfd, &st))
		dirsafe_apply(&L->safe, nfd, &st, logical, uid, mode);
	dest_stats(L);
	return nfd;
}

/* Make directory NAME in FD (logical path LOGICAL) with its owner and mode: it is made
 * under a temporary name, given owner and mode there and renamed into place, so neither
 * a failure nor a kill can leave NAME with the wrong owner or mode (a rerun takes a
 * directory that exists as it is: a half-made one would lock its user out for good).
 * Returns an fd of it, or -1 with errno. */
static int make_dest_dir(struct loader *L, int fd, const char *name, const char *logical)
{
	uid_t uid;
	gid_t gid;
	mode_t mode;
	dir_meta(L, logical, fd, &uid, &gid, &mode);
	unsigned char h[32];
	char hex[65], tmp[64];
	sha256(name, strlen(name), h);
	sha256_hex(h, hex);
	snprintf(tmp, sizeof tmp, ".migstate-d%.24s.tmp", hex);
	/* a killed run may have left it: still empty, as nothing goes in before the rename */
	if (fs_mkdirat(fd, tmp, 0700) != 0 && errno != EEXIST)
		return -1;
	int tfd = openat(fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0)
		return -1;
	struct stat st;
	int rc = -1;
	/* closed to everyone else first; owner before mode: chown clears set-id bits; FAT
	 * refuses both (unsupported: the directory stays as the filesystem makes it) */
	if ((fchmod(tfd, 0700) == 0 || load_unsupported(errno)) &&
	    (fchown(tfd, uid, gid) == 0 || load_unsupported(errno)) && fstat(tfd, &st) == 0) {
		/* not empty: someone else's directory by that name; not readable: errno says
		 * why (never taken for someone else's) */
		int e = dirnames_empty(tfd);
		if (e == 0)
			errno = ENOTEMPTY;
		else if (e == 1 && (fchmod(tfd, mode) == 0 || load_unsupported(errno)))
			rc = 0;
	}
	if (rc == 0 && fs_renameat2(fd, tmp, fd, name, RENAME_NOREPLACE) != 0) {
		struct stat ex;
		rc = -1;
		/* no RENAME_NOREPLACE (FUSE FAT): a plain rename once the name is seen free */
		if ((errno == EINVAL || errno == ENOSYS) &&
		    fstatat(fd, name, &ex, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT &&
		    fs_renameat(fd, tmp, fd, name) == 0)
			rc = 0;
	}
	if (rc != 0) {
		int saved = errno;
		close(tfd);
		unlinkat(fd, tmp, AT_REMOVEDIR);
		errno = saved;
		if (saved == EEXIST) /* made by someone else meanwhile: looked at first */
			return adopt_dir(L, fd, name, logical, uid, mode);
		return -1;
	}
	/* what is at NAME now must be the directory made here */
	struct stat now;
	if (fstatat(fd, name, &now, AT_SYMLINK_NOFOLLOW) != 0 || now.st_ino != st.st_ino ||
	    now.st_dev != st.st_dev) {
		close(tfd);
		errno = ESTALE;
		return -1;
	}
	L->st->dirs++;
	if (acls_made_dir(L, &st) != 0) {
		close(tfd);
		errno = ENOMEM;
		return -1;
	}
	rlog_msg(L->log, RL_DEBUG, "mkdir %s", rlog_esc(L->log, logical));
	return tfd;
}

/* The directory FD at the first LEN bytes of LOGICAL is on the way to a destination:
 * if it existed and stands for a captured directory, it grants no group/other
 * permission that one did not (dirsafe.h). MADE: load made it just now (as captured). */
static void check_dest_dir(struct loader *L, int fd, const char *logical, size_t len, bool made)
{
	struct stat st;
	if (!dirsafe_first(&L->safe, fd, &st) || made)
		return;
	char *p = strndup(logical, len);
	const struct dir_meta *m = p ? dm_meta(&L->dirs, dm_find(&L->dirs, p)) : NULL;
	if (m) {
		/* the captured directory itself, kept by the installer: its owner by name */
		owners_reown_dir(L, fd, &st, p, m);
		if (fstat(fd, &st) == 0)
			dirsafe_apply(&L->safe, fd, &st, p, m->uid, (mode_t)m->mode);
	}
	free(p);
	dest_stats(L);
}

/* fds_open_fn of the destination stack: directory NAME in PARENT (PATH, LEN bytes: its
 * logical path) on the way to L->dest_want, opened without following a symlink, looked
 * at (dirsafe) on first sight, made when missing. */
static int dest_open(void *ctx, int parent, const char *name, const char *path, size_t len)
{
	struct loader *L = ctx;
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		errno = EINVAL; /* logical paths have no dot segments: never climb out */
		return -1;
	}
	int nfd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat rst;
	if (nfd >= 0 && L->nrefused && fstat(nfd, &rst) == 0 && is_refused(L, &rst)) {
		close(nfd);
		nfd = -1;
		L->in_refused = true;
		errno = EPERM; /* another user's directory (adopt_dir) */
	}
	if (nfd >= 0)
		check_dest_dir(L, nfd, path, len, false);
	if (nfd >= 0 || errno != ENOENT)
		return nfd;
	if (L->o->dry_run) {
		/* this one and everything below it would be made */
		const char *want = L->dest_want;
		size_t wl = strlen(want);
		for (size_t k = len;; k++) {
			if (k == wl || want[k] == '/') {
				char *p = strndup(want, k);
				if (p && smap_put(&L->simulated, p, 0) == 1) {
					load_out_line(L, "mkdir", p, NULL);
					L->st->dirs++;
				}
				free(p);
				if (k == wl)
					break;
			}
		}
		L->dest_dry_new = true;
		errno = ENOENT;
		return -1;
	}
	nfd = make_dest_dir(L, parent, name, path);
	if (nfd >= 0)
		check_dest_dir(L, nfd, path, len, true);
	return nfd;
}

/* Open directory LOGICAL beneath the root, making what is missing (never following a
 * symlink). The directories on the way stay open in a bounded stack (fdstack.h), so
 * consecutive objects cost an open per new directory at any depth. The fd belongs to
 * the stack: do not close it; it is valid until the next call. DRY_NEW under --dry-run
 * when it would be made; -1 with errno on failure (ELOOP/ENOTDIR: something else is in
 * the way). */
int open_dest_dir(struct loader *L, const char *logical)
{
	L->in_refused = false;
	if (L->o->dry_run && smap_get(&L->simulated, logical))
		return DRY_NEW;
	if (!L->dest_ready) {
		fds_init(&L->dest, L->s.rootfd, 0);
		L->dest_ready = true;
	}
	L->dest_want = logical;
	L->dest_dry_new = false;
	int fd = fds_goto(&L->dest, logical, strlen(logical), dest_open, L);
	L->dest_want = NULL;
	if (fd < 0 && L->dest_dry_new)
		return DRY_NEW;
	return fd;
}

/* The logical path of DFD when it is the directory open_dest_dir returned last. */
const char *load_dest_dir_path(struct loader *L, int dfd)
{
	if (!L->dest_ready || dfd != fds_top(&L->dest))
		return NULL;
	size_t len;
	const char *p = fds_path(&L->dest, &len);
	return len ? p : "/";
}

/* The payload's directory for record R (cached: do not close). */
int open_payload_dir(struct loader *L, const struct sw_rec *r, const char **leaf)
{
	const char *lf;
	char *dir = load_parent_of(r->path, &lf);
	if (!dir)
		return -1;
	*leaf = lf;
	if (L->scache && L->scache_vol == r->r.volume && !strcmp(L->scache, dir)) {
		free(dir);
		return L->scache_fd;
	}
	int fd = sw_payload_dir(&L->s, r, &lf);
	if (fd < 0) {
		free(dir);
		return -1;
	}
	if (L->scache_fd >= 0)
		close(L->scache_fd);
	free(L->scache);
	L->scache = dir;
	L->scache_vol = r->r.volume;
	L->scache_fd = fd;
	return fd;
}
