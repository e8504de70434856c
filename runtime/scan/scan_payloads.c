/* scan_payloads.c - where each file's payload goes (a link, a clone or a copy, into which
 * store) and what that costs per volume; which volumes get a store; the space check. */
#include "scan_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "copyfile.h"
#include "fsutil.h"

/* Could volume V hold a store of its own (links and clones into it)? */
static bool store_capable(const struct scan *s, const struct svol *v)
{
	return v->master || (s->so->o.hardlink && !v->subvol && !v->no_links && !v->readonly);
}

/* Does (or will) volume V have a store? */
static bool store_ok(const struct svol *v)
{
	return v->master || v->store_real;
}

/* A directory on the filesystem and mount of volume D's store to try clones in: its
 * payload directory once created, else the deepest existing directory of its path. */
static int probe_dir(struct scan *s, size_t d)
{
	struct svol *v = &s->sv[d];
	if (v->file_fd >= 0)
		return v->file_fd;
	if (v->probe_fd == -1) {
		char *sp =
		    v->master ? strdup(s->store_real) : scan_volume_store_path(s, v->mnt_real);
		v->probe_fd = sp ? scan_open_deepest(sp, v->mnt_id, NULL) : -1;
		free(sp);
		if (v->probe_fd < 0)
			v->probe_fd = -2; /* tried: no directory there */
	}
	return v->probe_fd;
}

/* Can the files of IT's volume be cloned (FICLONE) into the store of volume D? Tried for
 * real, once per pair of volumes, on the first file that asks (copy_can_clone: nothing
 * is created, no data written): the filesystem decides, not a table of types. */
static bool can_clone(struct scan *s, const struct item *it, int d)
{
	if (d < 0)
		return false;
	for (size_t i = 0; i < s->nprobes; i++)
		if (s->probes[i].src == it->vol && s->probes[i].dst == (uint32_t)d &&
		    s->probes[i].lower == it->copyup)
			return s->probes[i].ok;
	int dfd = probe_dir(s, (size_t)d);
	int ok = 0, e = ENOENT;
	if (dfd >= 0) {
		char *dir = strndup(it->path, it->dirlen);
		int sfd = dir ? fs_open_dir(s->rootfd, dir) : -1;
		free(dir);
		if (sfd < 0)
			return false; /* gone: another file of the volume will tell */
		ok = copy_can_clone(sfd, item_name(it), dfd);
		e = errno;
		close(sfd);
		if (ok < 0)
			return false;
	}
	struct clone_probe *q = realloc(s->probes, (s->nprobes + 1) * sizeof *q);
	if (q) {
		s->probes = q;
		q[s->nprobes++] = (struct clone_probe){it->vol, (uint32_t)d, it->copyup, ok == 1};
	}
	rlog_msg(&s->log, RL_DEBUG,
		 "clones from the volume mounted at %s (%s) into the store on %s: %s%s%s",
		 rlog_esc(&s->log, s->sv[it->vol].mnt_real), s->sv[it->vol].fstype,
		 rlog_esc(&s->log, s->sv[d].mnt_real), ok == 1 ? "yes" : "no", ok == 1 ? "" : ", ",
		 ok == 1 ? "" : strerror(e));
	return ok == 1;
}

/* Payload directories the store of V must make for a file in DIR (LEN bytes): the
 * components of DIR below what it shares with the last directory counted there. Items
 * come in walk order (pre-order: a directory's subtree is contiguous), so a directory
 * left behind never comes back and one path per store is enough to count each once. */
static uint64_t new_payload_dirs(struct svol *v, const char *dir, size_t len)
{
	if (len == 1 && dir[0] == '/')
		len = 0; /* File/ itself */
	const char *p = v->plan_dir;
	size_t pl = v->plan_dirlen, k = 0, common;
	while (k < len && k < pl && dir[k] == p[k])
		k++;
	if (k == len && (k == pl || p[k] == '/'))
		common = len; /* DIR is the last one or above it */
	else if (k == pl && dir[k] == '/')
		common = k; /* the last one is above DIR */
	else
		for (common = k; common > 0 && (common >= len || dir[common] != '/');)
			common--; /* back to the component where they part */
	uint64_t n = 0;
	for (size_t i = common; i < len; i++)
		n += dir[i] == '/';
	if (len + 1 > v->plan_dircap) {
		size_t cap = len + 256;
		char *q = realloc(v->plan_dir, cap);
		if (!q)
			return n + 64; /* cannot follow the path: count its depth again next time */
		v->plan_dir = q;
		v->plan_dircap = cap;
	}
	memcpy(v->plan_dir, dir, len);
	v->plan_dirlen = len;
	return n;
}

/* Does this name of IT need a file of its own in the store of volume D? Names of one
 * inode share one copy (or clone) there: the first name makes it, the others are links
 * to it, and a fresh one starts only where the store's filesystem refuses another link
 * (EMLINK). Only inodes with other names are remembered, until all of them came. */
static bool new_payload_inode(struct scan *s, const struct item *it, size_t d)
{
	if (it->nlink <= 1)
		return true;
	uint64_t *names = inotab_put(&s->plan_copies, it->dev, it->ino, d);
	if (!names)
		return true; /* no memory: counted per name (more, never less) */
	uint64_t lmax = s->sv[d].link_max ? s->sv[d].link_max : 1;
	bool fresh = *names % lmax == 0;
	if (++*names >= it->nlink)
		inotab_del(&s->plan_copies, it->dev, it->ino, d);
	return fresh;
}

/* Where each file's payload goes and what that costs, per volume. Run after the walk,
 * and again when the stores exist (a store that could not be made sends its files on
 * to the master): an item only ever moves from link to clone to copy.
 *   A_LINK     its own volume's store; on overlayfs a lower-layer file is copied up by
 *              the kernel first (costs its size there), unless --overlay says otherwise;
 *   A_REFLINK  a clone in its home store (its own, the enclosing mount's for a btrfs
 *              subvolume): immutable and append-only files, files at the link limit,
 *              subvolumes -- free where the filesystem shares extents;
 *   A_COPY     the master store: by a clone when the master can take one, else copied.
 * Bytes and inodes are counted once per inode (new_payload_inode), the directories of
 * each store once (new_payload_dirs). */
void scan_plan_payloads(struct scan *s)
{
	for (size_t i = 0; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		v->n_link = v->n_copy = v->copy_bytes = v->n_reflink = v->n_copyup = 0;
		v->copyup_bytes = v->from_bytes = v->n_inodes = 0;
		v->plan_dirlen = 0;
	}
	if (!s->plan_copies.vsize)
		inotab_init(&s->plan_copies, sizeof(uint64_t));
	inotab_clear(&s->plan_copies);
	enum overlay_mode om = s->so->overlay;
	struct icur cur;
	for (struct item *it = ic_first(&s->items, &cur, true); it; it = ic_next(&cur)) {
		if (it->type != CT_FILE)
			continue;
		struct svol *v = &s->sv[it->vol];
		int h = v->home;
		bool home_ok = h >= 0 && store_ok(&s->sv[h]);
		if (it->act == A_LINK &&
		    (h != (int)it->vol || !home_ok || v->no_links || v->readonly))
			it->act = A_COPY;
		/* a copy-up costs the file's size; a clone beside it costs nothing */
		if (it->act == A_LINK && it->copyup && om != OVL_LINK &&
		    (om == OVL_COPY || v->no_copyup || can_clone(s, it, h)))
			it->act = A_COPY;
		if (it->act == A_COPY && !it->plain && home_ok && can_clone(s, it, h))
			it->act = A_REFLINK;
		else if (it->act == A_REFLINK && !(home_ok && can_clone(s, it, h)))
			it->act = A_COPY;
		size_t d = it->act == A_COPY ? 0 : (size_t)h; /* the store taking its payload */
		s->sv[d].n_inodes += new_payload_dirs(&s->sv[d], it->path, it->dirlen);
		if (it->act == A_LINK && it->copyup) {
			v->n_copyup++;
			v->copyup_bytes += it->est;
		} else if (it->act == A_LINK) {
			v->n_link++;
		} else if (it->act == A_REFLINK || (!it->plain && can_clone(s, it, 0))) {
			v->n_reflink++;
			s->sv[d].n_inodes += new_payload_inode(s, it, d);
		} else {
			v->n_copy++;
			if (new_payload_inode(s, it, 0)) {
				v->from_bytes += it->est;
				s->sv[0].copy_bytes += it->est;
				s->sv[0].n_inodes++;
			}
		}
	}
	ic_end(&cur);
}

/* Decide which volumes get a store of their own (before anything is created): those
 * that can hold one and receive a link or a clone. */
int scan_choose_stores(struct scan *s)
{
	for (size_t i = 1; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		free(v->store_real);
		free(v->store_logical);
		v->store_real = v->store_logical = NULL;
		if (v->subvol) {
			if (v->used && s->so->o.hardlink)
				rlog_msg(
				    &s->log, RL_INFO,
				    "a subvolume of the %s mounted at %s (device %u:%u) holds "
				    "captured files: links cannot leave it, so they are cloned "
				    "into the store of that mount where it can, else copied",
				    v->fstype, rlog_esc(&s->log, v->mnt_real), major(v->dev),
				    minor(v->dev));
			continue; /* home: the enclosing mount's volume (svol_of) */
		}
		v->home = -1;
		if (!store_capable(s, v)) {
			if (v->used && s->so->o.hardlink)
				rlog_msg(&s->log, RL_INFO,
					 "the volume mounted at %s (%s) %s: no store there; its "
					 "files are copied into the master store",
					 rlog_esc(&s->log, v->mnt_real), v->fstype,
					 v->no_links ? "cannot hold hard links" : "is read-only");
			continue;
		}
		v->store_real = scan_volume_store_path(s, v->mnt_real);
		if (!v->store_real)
			return -1;
		if (!strcmp(v->store_real, s->store_real)) {
			free(v->store_real); /* that is the master itself */
			v->store_real = NULL;
			v->home = 0;
			continue;
		}
		if (probe_dir(s, i) < 0) {
			free(v->store_real); /* its path leads onto another mount */
			v->store_real = NULL;
			continue;
		}
		v->store_logical = scan_logical_of(s, v->store_real);
		v->home = (int)i;
	}
	scan_plan_payloads(s);
	/* --overlay auto: copy-ups that do not fit go to the master instead */
	bool again = false;
	for (size_t i = 0; i < s->nsv && s->so->overlay == OVL_AUTO; i++) {
		struct svol *v = &s->sv[i];
		if (!v->overlay || !v->copyup_bytes || !store_ok(v))
			continue;
		uint64_t need = s->so->min_free + v->copyup_bytes + (v->master ? v->copy_bytes : 0);
		if (scan_free_at(v->master ? s->store_real : v->store_real, NULL) >= need)
			continue;
		char a[32];
		rlog_msg(&s->log, RL_INFO,
			 "overlayfs mounted at %s: no room to copy up %s of lower-layer files "
			 "for links: they are copied into the master store (--overlay auto)",
			 rlog_esc(&s->log, v->mnt_real), scan_mb(v->copyup_bytes, a, sizeof a));
		v->no_copyup = again = true;
	}
	if (again)
		scan_plan_payloads(s);
	/* no store where nothing goes */
	bool *wanted = calloc(s->nsv, sizeof *wanted);
	if (!wanted)
		return -1;
	struct icur cur;
	for (const struct item *it = ic_first(&s->items, &cur, false); it; it = ic_next(&cur)) {
		if (it->type == CT_FILE && (it->act == A_LINK || it->act == A_REFLINK) &&
		    s->sv[it->vol].home >= 0)
			wanted[s->sv[it->vol].home] = true;
	}
	ic_end(&cur);
	for (size_t i = 1; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (v->store_real && !wanted[i]) {
			free(v->store_real);
			free(v->store_logical);
			v->store_real = v->store_logical = NULL;
		}
	}
	free(wanted);
	return 0;
}

/* Inodes a store takes besides its payload: MIGSTATE, File/, store.id and its
 * replacement, the catalog, lists moved to temporary files, missing parents. */
#define STORE_OWN_INODES 16
/* --min-free keeps inodes free too: as many as that much space holds on a filesystem
 * made with ext4's default ratio (one inode per 16 KiB). */
#define MIN_FREE_BYTES_PER_INODE 16384

uint64_t scan_store_inodes(const struct scan *s, const struct svol *v, uint64_t *keep)
{
	*keep = s->so->min_free / MIN_FREE_BYTES_PER_INODE;
	return v->n_inodes + STORE_OWN_INODES;
}

/* Space: min_free on every store volume, plus every copied byte on the master's and
 * every byte overlayfs will copy up on an overlay volume's; and the inodes each store
 * takes (payload directories, copies, clones) plus as many as min_free would hold. */
int scan_check_space(struct scan *s, bool quiet)
{
	char a[32], b2[32], c[32], d[32];
	for (size_t i = 0; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (!v->master && !v->store_real)
			continue;
		const char *where = v->master ? s->store_real : v->store_real;
		uint64_t copies = (v->master ? v->copy_bytes : 0) + v->copyup_bytes;
		uint64_t need = s->so->min_free + copies;
		uint64_t have = scan_free_at(where, NULL);
		uint64_t keep, inodes = scan_store_inodes(s, v, &keep), ifree;
		bool inodes_ok = !scan_free_inodes_at(where, &ifree) || ifree >= inodes + keep;
		if (have >= need && inodes_ok)
			continue;
		if (!quiet && have < need)
			rlog_msg(&s->log, RL_ERROR,
				 "not enough free space on the volume mounted at %s (store %s): "
				 "%s free, %s needed (%s to copy + %s to keep free)",
				 rlog_esc(&s->log, v->mnt_real), rlog_esc(&s->log, where),
				 scan_mb(have, a, sizeof a), scan_mb(need, b2, sizeof b2),
				 scan_mb(copies, c, sizeof c),
				 scan_mb(s->so->min_free, d, sizeof d));
		else if (!quiet)
			rlog_msg(&s->log, RL_ERROR,
				 "not enough free inodes on the volume mounted at %s (store %s): "
				 "%" PRIu64 " free, %" PRIu64 " needed (%" PRIu64
				 " for the store's copies and directories + %" PRIu64
				 " to keep free, --min-free / 16 KiB)",
				 rlog_esc(&s->log, v->mnt_real), rlog_esc(&s->log, where), ifree,
				 inodes + keep, inodes, keep);
		return -1;
	}
	return 0;
}
