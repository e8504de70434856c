/* load_place.c - one object put at its destinations: linked from the store, copied or
 * recreated under a temporary name, then renamed into place. */
#include "load_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copyfile.h"
#include "errpolicy.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "setid.h"
#include "sha256.h"
#include "testhooks.h"

/* An error on the object at DEST: ErrorControl, then --continue, decide whether the
 * run goes on. */
bool on_error(struct loader *L, const char *dest, int err, const char *what)
{
	const char *leaf;
	char *dir = load_parent_of(dest, &leaf);
	uint32_t rule = PLAN_NONE;
	enum errp_action a =
	    L->bound && dir ? errp_decide(&L->b, dir, leaf, err, &rule) : ERRP_NONE;
	free(dir);
	char code[16];
	snprintf(code, sizeof code, "%d", err);
	if (a == ERRP_FATAL || (a == ERRP_NONE && !L->o->ro->cont)) {
		rlog_msg(L->log, RL_ERROR, "%s: %s: %s (stopping%s)", rlog_esc(L->log, dest), what,
			 strerror(err),
			 a == ERRP_FATAL ? ": ErrorControl says fatal" : "; -c would skip it");
		rlog_progress(L->log, "error", "UnableToApply", "objectName", dest, "action",
			      "Abort", "errorCode", code, (char *)NULL);
		L->stop = true;
		L->exit = EXIT_STOPPED;
		L->st->stopped = true;
		return false;
	}
	L->st->skipped++;
	rlog_msg(L->log, RL_ERROR, "%s: %s: %s (skipped%s)", rlog_esc(L->log, dest), what,
		 strerror(err), a == ERRP_NONFATAL ? " by ErrorControl" : " by --continue");
	rlog_progress(L->log, "error", "UnableToApply", "objectName", dest, "action", "Ignore",
		      "errorCode", code, (char *)NULL);
	return true;
}

/* Is the entry NAME in DIRFD already this object? A file by sameobj.h's rule (the store's
 * inode, or the same bytes with the captured owner and mode); special files by kind (and
 * symlink target). */
bool load_is_ours(int dirfd, const char *name, void *ctx)
{
	const struct obj *ob = ctx;
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return false;
	switch ((enum cat_type)ob->r->r.type) {
	case CT_FILE:
		if (!ob->has_payload || !S_ISREG(st.st_mode))
			return false;
		return same_object(&ob->L->same, &(struct same_file){ob->sfd, ob->sleaf},
				   &(struct same_file){dirfd, name}, (uid_t)ob->r->r.uid);
	case CT_SYMLINK: {
		if (!S_ISLNK(st.st_mode) || !ob->r->target)
			return false;
		char buf[4096];
		ssize_t n = readlinkat(dirfd, name, buf, sizeof buf - 1);
		if (n < 0)
			return false;
		buf[n] = 0;
		return !strcmp(buf, ob->r->target);
	}
	case CT_FIFO:
		return S_ISFIFO(st.st_mode);
	case CT_CHR:
		return S_ISCHR(st.st_mode) && st.st_rdev == ob->r->r.rdev;
	case CT_BLK:
		return S_ISBLK(st.st_mode) && st.st_rdev == ob->r->r.rdev;
	default:
		return false;
	}
}

/* A temporary name next to NAME, ours by its shape (an earlier crash may have left it:
 * it is removed first). */
static void tmp_name(const char *name, char *out, size_t outsz)
{
	unsigned char h[32];
	char hex[65];
	sha256(name, strlen(name), h);
	sha256_hex(h, hex);
	snprintf(out, outsz, ".migstate-%.24s.tmp", hex);
}

/* Recreate a symlink or special file under the temporary TMP in DFD. */
static int make_special(struct obj *ob, int dfd, const char *tmp)
{
	const struct cat_record *r = &ob->r->r;
	int rc;
	if (r->type == CT_SYMLINK) {
		if (!ob->r->target) {
			errno = ENODATA;
			return -1;
		}
		rc = symlinkat(ob->r->target, dfd, tmp);
	} else {
		mode_t fmt = r->type == CT_FIFO ? S_IFIFO : r->type == CT_CHR ? S_IFCHR : S_IFBLK;
		rc = mknodat(dfd, tmp, fmt | (r->mode & 07777), (dev_t)r->rdev);
	}
	if (rc != 0)
		return -1;
	if (fchownat(dfd, tmp, ob->ouid, ob->ogid, AT_SYMLINK_NOFOLLOW) != 0 &&
	    !load_unsupported(errno)) {
		int saved = errno;
		unlinkat(dfd, tmp, 0);
		errno = saved;
		return -1;
	}
	/* never through a symlink: TMP's directory may be writable by the user, who could
	 * swap the node for a link to /etc/shadow in between */
	if (r->type != CT_SYMLINK)
		fchmodat(dfd, tmp, r->mode & 07777, AT_SYMLINK_NOFOLLOW);
	struct timespec t[2] = {load_ts_of(r->atime_ns), load_ts_of(r->mtime_ns)};
	utimensat(dfd, tmp, t, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* copy_file() flags for OB's payload: what it must not pass on. Off a nosuid mount: set-id
 * bits and capabilities (a linked payload is the original inode and may still have
 * them); a set-id bit whose owner or group is not the captured one, nor capabilities
 * then. */
unsigned load_setid_drops(const struct cat_record *r, const struct stat *pst, uint32_t ouid,
			  uint32_t ogid)
{
	unsigned f = r->flags & CF_NOSUID ? COPY_NOSUID : 0;
	/* the captured owner, or its account here (an earlier load re-owned the entry) */
	if (pst->st_uid != r->uid && pst->st_uid != ouid)
		f |= COPY_DROP_SUID | COPY_DROP_CAPS;
	if (pst->st_gid != r->gid && pst->st_gid != ogid)
		f |= COPY_DROP_SGID;
	return f;
}

static unsigned setid_drops(const struct obj *ob)
{
	return load_setid_drops(&ob->r->r, &ob->pst, ob->ouid, ob->ogid);
}

/* Would a link of the payload pass on something DROPS says must go? Then it is copied
 * without it instead. */
static bool link_passes_privilege(const struct obj *ob, unsigned drops)
{
	mode_t m = ob->pst.st_mode;
	return ((drops & COPY_DROP_SUID) && (m & S_ISUID)) ||
	       ((drops & COPY_DROP_SGID) && (m & S_ISGID)) ||
	       ((drops & COPY_DROP_CAPS) && setid_has_caps(ob->sfd, ob->sleaf) != 0);
}

static void note_stripped(struct obj *ob)
{
	struct loader *L = ob->L;
	L->st->setid_stripped++;
	rlog_msg(L->log, RL_WARN, "%s: %s: restored without its set-id bits and file capabilities",
		 rlog_esc(L->log, ob->r->path),
		 ob->r->r.flags & CF_NOSUID ? "from a nosuid mount at capture"
					    : "its store entry is not owned as captured");
}

/* Put the object at DFD/NAME. With REPLACE an existing entry there is replaced
 * atomically (rename over it); without, EEXIST says something appeared there. */
int load_place_object(struct obj *ob, int dfd, const char *name, bool replace, enum placed *how)
{
	struct loader *L = ob->L;
	char tmp[64];
	struct copy_result cr;
	if (ob->r->r.type != CT_FILE || replace)
		tmp_name(name, tmp, sizeof tmp);
	if (ob->r->r.type != CT_FILE) {
		unlinkat(dfd, tmp, 0);
		if (make_special(ob, dfd, tmp) != 0)
			return -1;
		*how = P_SPECIAL;
	} else {
		bool linked = false, payload_linked = false;
		unsigned drops = setid_drops(ob);
		if (!L->o->copy_only && !(drops && link_passes_privilege(ob, drops))) {
			if (!replace && fs_linkat(ob->sfd, ob->sleaf, dfd, name, 0) == 0) {
				*how = P_LINKED;
				owners_reown_payload(ob);
				return 0;
			}
			if (!replace && errno == EEXIST)
				return -1;
			if (replace) {
				unlinkat(dfd, tmp, 0);
				linked = payload_linked =
				    fs_linkat(ob->sfd, ob->sleaf, dfd, tmp, 0) == 0;
			}
			if (!linked && errno != EXDEV && errno != EPERM && errno != EMLINK &&
			    errno != ENOTSUP && errno != EOPNOTSUPP &&
			    !(replace && errno == EEXIST))
				return -1;
		}
		if (!linked) {
			const char *target = replace ? tmp : name;
			if (replace)
				unlinkat(dfd, tmp, 0);
			/* another name of the same captured inode was copied already: a link
			 * of that copy (load_links.c) */
			int lr = links_restore(L, ob, dfd, target);
			if (lr < 0)
				return -1;
			linked = lr == 1;
		}
		if (!linked) {
			const char *target = replace ? tmp : name;
			/* a clone where the filesystem shares extents (the payload of a reflinked
			 * entry back into its btrfs subvolume: free), else a copy; FAT and other
			 * filesystems without owners or modes get the data (copyfile.h) */
			/* its captured ACL by name, set before the copy has its name */
			size_t alen = 0, adrop = 0;
			unsigned char *acl =
			    acls_target(L, ob->r->path, ACLREC_ACCESS, &alen, &adrop);
			int crc = copy_file_as(ob->sfd, ob->sleaf, dfd, target, ob->pst.st_dev,
					       ob->pst.st_ino, drops, ob->ouid, ob->ogid, acl, alen,
					       &cr);
			free(acl);
			if (crc != 0)
				return -1;
			if (acl) {
				L->st->acls_remapped++;
				L->st->acl_entries_dropped += adrop;
			}
			if (cr.dropped)
				note_stripped(ob);
			*how = P_COPIED;
			if (cr.how == COPY_CLONE)
				L->st->reflinked++;
			load_add_fixup(L, dfd, name, &ob->pst);
			if (!replace) {
				links_remember(L, ob, dfd, name, &cr.made);
				return 0;
			}
		} else {
			*how = P_LINKED;
			if (payload_linked)
				owners_reown_payload(ob);
			if (!replace)
				return 0;
		}
	}
	int rc = replace ? fs_renameat(dfd, tmp, dfd, name)
			 : fs_renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE);
	if (rc != 0) {
		int saved = errno;
		unlinkat(dfd, tmp, 0);
		errno = saved;
		return -1;
	}
	if (*how == P_COPIED)
		links_remember(L, ob, dfd, name, &cr.made);
	return 0;
}

void count_placed(struct loader *L, enum placed how)
{
	if (how == P_LINKED)
		L->st->linked++;
	else if (how == P_COPIED)
		L->st->copied++;
	else
		L->st->special++;
}

static const char *how_name(const struct loader *L, const struct obj *ob)
{
	if (ob->r->r.type != CT_FILE)
		return "create";
	return L->o->copy_only ? "copy" : "link";
}

/* Record a placement: journal, log, directory times later. */
void load_placed(struct loader *L, const struct obj *ob, const char *dir, const char *name,
		 const char *note)
{
	char *full = load_join(dir, name);
	if (!full)
		return;
	if (L->journal && sw_journal_add(L->journal, ob->r->r.volume, ob->r->path, full) != 0) {
		/* stop at the first failure: later lines would follow a torn one (and the
		 * unwritten ones are dropped, not retried). rd keeps
		 * what the journal does not show restored, so nothing is lost, only kept. */
		rlog_msg(L->log, RL_WARN,
			 "cannot write the restore journal in the store: %s (from %s on, rd will "
			 "keep copied entries it cannot match)",
			 strerror(errno ? errno : EIO), rlog_esc(L->log, full));
		sw_journal_drop(L->journal);
		L->journal = NULL;
	}
	touch_dirs(L, dir);
	if (L->log->verbose & RTV_OBJECTS)
		rlog_msg(L->log, RL_INFO, "%s -> %s%s%s", rlog_esc(L->log, ob->r->path),
			 rlog_esc(L->log, full), note ? " " : "", note ? note : "");
	free(full);
	test_crash_point();
}

/* Apply object OB at DEST. */
static int apply_at(struct obj *ob, const char *dest, uint32_t merge_rule, bool is_original)
{
	struct loader *L = ob->L;
	const char *name;
	char *dir = load_parent_of(dest, &name);
	if (!dir) {
		errno = ENOMEM;
		return -1;
	}
	int rc = -1;
	int dfd = open_dest_dir(L, dir);
	if (dfd == DRY_NEW) {
		load_out_line(L, how_name(L, ob), ob->r->path, dest);
		touch_dirs(L, dir); /* its directories' ACLs are counted at the end */
		if (ob->r->r.type == CT_FILE && !L->o->copy_only)
			L->st->linked++;
		else
			count_placed(L, ob->r->r.type == CT_FILE ? P_COPIED : P_SPECIAL);
		free(dir);
		return 0;
	}
	if (dfd < 0)
		goto out;
	const char *pattern;
	enum merge_mode mm = merge_mode_of(&L->plan, merge_rule, &pattern);
	/* a file linked from the store is tried first: its link fails with EEXIST when
	 * something is there, so the usual case (nothing there) needs no look before */
	bool blind = !L->o->dry_run && !L->o->copy_only && ob->r->r.type == CT_FILE &&
		     ob->has_payload;
	for (int attempt = 0; attempt < 3; attempt++) {
		struct stat dst;
		if ((blind && attempt == 0) || fstatat(dfd, name, &dst, AT_SYMLINK_NOFOLLOW) != 0) {
			if (!(blind && attempt == 0) && errno != ENOENT)
				goto out;
			if (L->o->dry_run) {
				load_out_line(L, how_name(L, ob), ob->r->path, dest);
				touch_dirs(L, dir);
				if (ob->r->r.type == CT_FILE && !L->o->copy_only && ob->has_payload)
					L->st->linked++;
				else
					count_placed(L, ob->r->r.type == CT_FILE ? P_COPIED
										 : P_SPECIAL);
				rc = 0;
				goto out;
			}
			enum placed how;
			if (load_place_object(ob, dfd, name, false, &how) == 0) {
				count_placed(L, how);
				load_placed(L, ob, dir, name, NULL);
				rc = 0;
				goto out;
			}
			if (errno == EEXIST)
				continue; /* something appeared there: look again */
			goto out;
		}
		if (load_is_ours(dfd, name, ob)) {
			L->st->present++;
			if (ob->r->r.type == CT_FILE && dst.st_ino == ob->pst.st_ino &&
			    dst.st_dev == ob->pst.st_dev)
				owners_reown_payload(ob); /* the installer kept it: same inode */
			else if (ob->r->r.type != CT_FILE)
				owners_reown_special(ob, dfd, name);
			if (!L->o->dry_run)
				load_placed(L, ob, dir, name, "(present)");
			else
				touch_dirs(L, dir);
			rc = 0;
			goto out;
		}
		if (is_original && ob->r->r.type == CT_FILE && S_ISREG(dst.st_mode) &&
		    load_same_dir_as_captured(L, dfd, dir))
			rc = load_resolve_diverged(ob, dfd, dir, name, &dst, mm, pattern);
		else
			rc = load_resolve_collision(ob, dfd, dir, name, &dst, mm, pattern);
		goto out;
	}
	errno = EEXIST;
out:
	free(dir);
	return rc;
}

/* A directory object: made (with its recorded metadata) if missing. */
static int apply_dir(struct loader *L, const char *dest)
{
	int fd = open_dest_dir(L, dest);
	if (fd == DRY_NEW) {
		touch_dirs(L, dest);
		return 0;
	}
	if (fd < 0)
		return -1;
	touch_dirs(L, dest);
	return 0;
}

#define REFUSED_WHAT                                                                               \
	"cannot restore: a directory on its way was made by another user while load ran"

void apply_action(struct loader *L, const struct sw_rec *r, const struct action *a)
{
	struct obj ob = {.L = L, .r = r, .sfd = -1};
	if (r->r.type == CT_DIR) {
		for (size_t i = 0; i < a->ndest && !L->stop; i++)
			if (apply_dir(L, a->dest[i]) != 0)
				on_error(L, a->dest[i], errno,
					 L->in_refused ? REFUSED_WHAT
						       : "cannot make the directory");
		return;
	}
	if (!owners_of(L, &ob))
		return;
	if (L->o->dry_run)
		acls_dry_run(L, r->path, false);
	if ((r->r.type == CT_CHR || r->r.type == CT_BLK) && (r->r.flags & CF_NODEV)) {
		L->st->devices_skipped++;
		rlog_msg(L->log, RL_WARN, "%s: a device node from a nodev mount at capture: not restored",
			 rlog_esc(L->log, r->path));
		return;
	}
	if (r->r.type == CT_SOCKET) {
		L->st->excluded++;
		rlog_msg(L->log, RL_DEBUG,
			 "%s: a socket is not restored (its program makes it again)",
			 rlog_esc(L->log, r->path));
		return;
	}
	if (r->r.type == CT_FILE) {
		errno = 0;
		ob.sfd = open_payload_dir(L, r, &ob.sleaf);
		int err = ob.sfd < 0							 ? errno
			  : fstatat(ob.sfd, ob.sleaf, &ob.pst, AT_SYMLINK_NOFOLLOW) != 0 ? errno
			  : !S_ISREG(ob.pst.st_mode)					 ? EINVAL
											 : 0;
		if (err) {
			on_error(L, r->path, err, "the store entry is missing or damaged");
			return;
		}
		ob.has_payload = true;
		/* a hard-link restore gives back the captured inode itself: its owner here
		 * first (an earlier load may have given it another account's ids) */
		if (!L->o->copy_only)
			owners_reown_payload(&ob);
	}
	bool stays = false;
	for (size_t i = 0; i < a->ndest; i++)
		stays |= !strcmp(a->dest[i], r->path);
	if (!stays)
		load_note_moved_original(&ob);
	for (size_t i = 0; i < a->ndest && !L->stop; i++) {
		errno = 0;
		if (apply_at(&ob, a->dest[i], a->merge, !strcmp(a->dest[i], r->path)) != 0) {
			int err = errno ? errno : EIO;
			on_error(L, a->dest[i], err,
				 err == ENOTDIR || err == ELOOP
				     ? "cannot restore: a symlink or a file is in the way (never "
				       "followed)"
				 : L->in_refused ? REFUSED_WHAT
						 : "cannot restore");
		}
	}
}
