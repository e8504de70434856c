/* load_conflict.c - a destination already taken: kept, replaced or renamed by the merge
 * rule (collision), or both versions kept (diverged: saved again after the scan). */
#include "load_int.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

/* --dry-run: the line saying what would be done at DIR/NAME, that path first and DETAIL
 * after it; or, with SUBJECT (a rename), SUBJECT first and that path after it. */
static void dry_line(struct loader *L, const char *verb, const char *dir, const char *name,
		     const char *subject, const char *detail)
{
	char *p = load_join(dir, name);
	const char *where = p ? p : name;
	if (subject)
		load_out_line(L, verb, subject, where);
	else
		load_out_line(L, verb, where, detail);
	free(p);
}

/* The original path holds another file than the captured one: keep both. */
int load_resolve_diverged(struct obj *ob, int dfd, const char *dir, const char *name,
			  const struct stat *dst, enum merge_mode mm, const char *pattern)
{
	struct loader *L = ob->L;
	bool captured_newer = load_ns_of(&ob->pst.st_mtim) > load_ns_of(&dst->st_mtim);
	bool captured_wins =
	    mm == MM_SOURCE || ((mm == MM_RENAME || mm == MM_NEWEST) && captured_newer);
	char side[512];
	bool already = false;
	enum placed how;
	char msg[256];
	snprintf(msg, sizeof msg,
		 "captured %lld bytes mtime %lld.%09ld, on disk %lld bytes mtime "
		 "%lld.%09ld",
		 (long long)ob->pst.st_size, (long long)ob->pst.st_mtim.tv_sec,
		 ob->pst.st_mtim.tv_nsec, (long long)dst->st_size, (long long)dst->st_mtim.tv_sec,
		 dst->st_mtim.tv_nsec);
	if (!captured_wins) {
		int rc;
		if (mm == MM_PATTERN) {
			rc = merge_find_place(dfd, name, false, pattern, load_is_ours, ob, side,
					      sizeof side, &already);
		} else {
			char tagged[512];
			rc = merge_tagged(name, "captured", tagged, sizeof tagged);
			if (rc == 0)
				rc = merge_find_place(dfd, tagged, true, NULL, load_is_ours, ob,
						      side, sizeof side, &already);
		}
		if (rc != 0)
			return -1;
		if (!already && L->o->dry_run) {
			dry_line(L, "diverged", dir, side, NULL, msg);
			L->st->diverged++;
			return 0;
		}
		if (!already && load_place_object(ob, dfd, side, false, &how) != 0)
			return -1;
		if (already) {
			L->st->present++;
		} else {
			count_placed(L, how);
			L->st->diverged++;
			rlog_msg(L->log, RL_WARN,
				 "diverged %s: %s; the file on disk keeps the name, the "
				 "captured version is kept as %s",
				 rlog_esc(L->log, ob->r->path), msg, rlog_esc(L->log, side));
		}
		load_placed(L, ob, dir, side, "(captured version)");
		return 0;
	}
	/* the captured version takes the name: the one on disk moves aside first */
	char tagged[512];
	if (merge_tagged(name, "diverged", tagged, sizeof tagged) != 0 ||
	    merge_find_place(dfd, tagged, true, NULL, NULL, NULL, side, sizeof side, &already) != 0)
		return -1;
	L->st->diverged++;
	if (L->o->dry_run) {
		dry_line(L, "diverged", dir, side, NULL, msg);
		return 0;
	}
	if (fs_renameat2(dfd, name, dfd, side, RENAME_NOREPLACE) != 0)
		return -1;
	rlog_msg(L->log, RL_WARN,
		 "diverged %s: %s; the captured version keeps the name, the file on "
		 "disk is kept as %s",
		 rlog_esc(L->log, ob->r->path), msg, rlog_esc(L->log, side));
	if (load_place_object(ob, dfd, name, false, &how) != 0)
		return -1;
	count_placed(L, how);
	load_placed(L, ob, dir, name, NULL);
	return 0;
}

/* Something that is not this object is at DFD/NAME: the merge rule decides. */
int load_resolve_collision(struct obj *ob, int dfd, const char *dir, const char *name,
			   const struct stat *dst, enum merge_mode mm, const char *pattern)
{
	struct loader *L = ob->L;
	bool same_kind = (S_ISREG(dst->st_mode) && ob->r->r.type == CT_FILE) ||
			 (S_ISLNK(dst->st_mode) && ob->r->r.type == CT_SYMLINK);
	bool newer = ob->has_payload && load_ns_of(&ob->pst.st_mtim) > load_ns_of(&dst->st_mtim);
	if (!ob->has_payload)
		newer = ob->r->r.mtime_ns > load_ns_of(&dst->st_mtim);
	if (same_kind && (mm == MM_DEST || (mm == MM_NEWEST && !newer))) {
		L->st->kept++;
		if (L->o->dry_run) {
			dry_line(L, "keep", dir, name, NULL,
				 "the existing file stays (merge rule)");
		} else {
			rlog_msg(L->log, RL_INFO, "kept the existing %s/%s (%s): %s not applied",
				 rlog_esc(L->log, dir), rlog_esc(L->log, name),
				 merge_mode_names[mm], rlog_esc(L->log, ob->r->path));
		}
		return 0;
	}
	enum placed how;
	if (same_kind && (mm == MM_SOURCE || mm == MM_NEWEST)) {
		L->st->replaced++;
		if (L->o->dry_run) {
			dry_line(L, "replace", dir, name, NULL, ob->r->path);
			return 0;
		}
		if (load_place_object(ob, dfd, name, true, &how) != 0)
			return -1;
		count_placed(L, how);
		rlog_msg(L->log, RL_INFO, "replaced %s/%s with %s (%s)", rlog_esc(L->log, dir),
			 rlog_esc(L->log, name), rlog_esc(L->log, ob->r->path),
			 merge_mode_names[mm]);
		load_placed(L, ob, dir, name, "(replaced)");
		return 0;
	}
	char alt[512];
	bool already;
	if (merge_find_place(dfd, name, false, mm == MM_PATTERN ? pattern : NULL, load_is_ours, ob,
			     alt, sizeof alt, &already) != 0)
		return -1;
	if (already) {
		L->st->present++;
		load_placed(L, ob, dir, alt, "(present)");
		return 0;
	}
	L->st->renamed++;
	if (L->o->dry_run) {
		dry_line(L, "rename", dir, alt, ob->r->path, NULL);
		return 0;
	}
	if (load_place_object(ob, dfd, alt, false, &how) != 0)
		return -1;
	count_placed(L, how);
	/* a system file beside the new system's own (fstab, hosts, sudoers ...) is for the
	 * administrator to review: a warning; a user's file beside another is routine */
	bool sys = ob->r->r.user == 0;
	rlog_msg(L->log, sys ? RL_WARN : RL_INFO, "collision at %s/%s: %s restored as %s%s",
		 rlog_esc(L->log, dir), rlog_esc(L->log, name), rlog_esc(L->log, ob->r->path),
		 rlog_esc(L->log, alt),
		 sys ? " (the new system's own is kept: compare the two)" : "");
	load_placed(L, ob, dir, alt, "(renamed)");
	return 0;
}

/* Report an original that differs from the captured file when the object goes
 * elsewhere (nothing to resolve: both stay where they are). */
void load_note_moved_original(struct obj *ob)
{
	struct loader *L = ob->L;
	if (ob->r->r.type != CT_FILE || !ob->has_payload)
		return;
	const char *leaf;
	int ofd = sw_open_parent(&L->s, ob->r->path, &leaf);
	if (ofd < 0)
		return;
	struct stat o;
	if (fstatat(ofd, leaf, &o, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(o.st_mode) &&
	    !load_is_ours(ofd, leaf, ob)) {
		L->st->diverged++;
		rlog_msg(
		    L->log, RL_WARN,
		    "diverged %s: the original was saved again after the scan "
		    "(captured %lld bytes, on disk %lld bytes); it stays, the captured version "
		    "goes to its new place",
		    rlog_esc(L->log, ob->r->path), (long long)ob->pst.st_size,
		    (long long)o.st_size);
	}
	close(ofd);
}

/* Is DFD the very directory the scan saw at LOGICAL: the recorded inode, born before the
 * scan? Then a different file at the object's original path in it was saved again after
 * the scan (diverged). A directory made anew (the system was reinstalled, a tool
 * recreated it) makes it a collision with a file of the new system instead. */
bool load_same_dir_as_captured(struct loader *L, int dfd, const char *logical)
{
	const struct dir_meta *r = dm_meta(&L->dirs, dm_find(&L->dirs, logical));
	if (!r)
		return false;
	struct statx sx;
	if (statx(dfd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_BTIME, &sx) !=
		0 ||
	    sx.stx_ino != r->ino)
		return false;
	/* an inode number can be reused by a directory made after the scan */
	if ((sx.stx_mask & STATX_BTIME) && sx.stx_btime.tv_sec > 0 &&
	    sx.stx_btime.tv_sec > L->s.cat.created)
		return false;
	return true;
}
