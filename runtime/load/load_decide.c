/* load_decide.c - every catalog record decided again (as `migc explain` does) into the
 * action list and the directory table. */
#include "load_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "relocate.h"

/* The decision for record R, as `migc explain` makes it. Returns 1 with A filled when
 * the object is restored, 0 when the rules drop it, -1 out of memory: the decision
 * failed (never another verdict, nor another destination). */
static int decide(struct loader *L, const struct sw_rec *r, struct action *a)
{
	bool is_dir = r->r.type == CT_DIR;
	const char *leaf;
	memset(a, 0, sizeof *a);
	char *dir = is_dir ? strdup(r->path) : load_parent_of(r->path, &leaf);
	if (!dir)
		return -1;
	const char *name = is_dir ? "" : leaf;
	struct vm_obj o = {
	    .dir = dir,
	    .dirlen = strlen(dir),
	    .name = name,
	    .namelen = strlen(name),
	    .is_dir = is_dir,
	    .is_link = r->r.type == CT_SYMLINK,
	    .size = r->r.size,
	    .mtime = r->r.mtime_ns / 1000000000,
	    .ctime = r->r.ctime_ns / 1000000000,
	    .atime = r->r.atime_ns / 1000000000,
	};
	struct decision d;
	/* records come in walk order: consecutive ones mostly share their directory, looked
	 * up in the path index once (the fast path of decide.h; same verdicts) */
	if (!L->dcdir || strcmp(L->dcdir, dir) != 0) {
		free(L->dcdir);
		L->dcdir = strdup(dir);
		if (!L->dcdir || rt_dir_begin(&L->dc, &L->b, dir, o.dirlen) != 0) {
			free(L->dcdir);
			L->dcdir = NULL; /* looked up again for the next record */
			free(dir);
			return -1;
		}
	}
	if (rt_decide_in(&L->dc, &o, &d) != 0) {
		free(dir);
		return -1;
	}
	a->merge = d.merge;
	a->ctx = d.ctx;
	if (d.verdict != V_INCLUDE) {
		free(dir);
		return 0;
	}
	if (d.keep_original || d.nlocmod == 0)
		a->dest[a->ndest++] = strdup(r->path);
	for (size_t i = 0; i < d.nlocmod; i++) {
		char *dst;
		if (rt_relocate(&L->b, d.locmod_ctx[i], d.locmod[i], dir, name, &dst) != 0) {
			free(dir);
			return -1;
		}
		if (dst && is_dir && !*name) {
			/* a directory object: the helper appended an empty name */
			size_t dl = strlen(dst);
			while (dl > 1 && dst[dl - 1] == '/')
				dst[--dl] = 0;
		}
		if (dst)
			a->dest[a->ndest++] = dst;
		else if (a->ndest == 0)
			a->dest[a->ndest++] = strdup(r->path); /* the rule does not apply: stays */
	}
	free(dir);
	for (size_t i = 0; i < a->ndest; i++) {
		if (!a->dest[i] || !(a->dest[i] = load_rebase_home(L, a->dest[i])))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(a->dest[i], a->dest[j])) {
				free(a->dest[i]);
				a->dest[i--] = a->dest[--a->ndest];
				break;
			}
	}
	return 1;
}

/* A relocated object's new parent directories take the metadata of the directories they
 * stand for: going up from SRC and DEST together while the names agree
 * (Old/sub/f -> New/sub/f: New/sub is made like Old/sub). */
static int map_moved_parents(struct loader *L, const char *src, const char *dest)
{
	char *a = strdup(src), *b = strdup(dest);
	int rc = a && b ? 0 : -1;
	while (rc == 0) {
		char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
		if (!sa || !sb || sa == a || sb == b || strcmp(sa, sb) != 0)
			break;
		*sa = *sb = 0; /* now the parents */
		uint32_t mi = dm_find(&L->dirs, a);
		if (mi == DM_NONE || dm_put(&L->dirs, b, mi, false) < 0)
			break;
	}
	free(a);
	free(b);
	return rc;
}

/* The catalog's next record into R (path and target in the loader's buffers): 1, 0 at
 * the end, -1 malformed (catr_open checked every record: not expected). */
int load_next_record(struct loader *L, struct sw_rec *r)
{
	int k = catr_next(&L->s.cat, &r->r, L->pathbuf, CAT_MAX_PATH + 1);
	if (k != 1)
		return k;
	r->path = L->pathbuf;
	r->target = NULL;
	if (r->r.type == CT_SYMLINK && catr_target(&L->s.cat, L->tgtbuf, CAT_MAX_PATH + 1))
		r->target = L->tgtbuf;
	return 1;
}

/* A directory's metadata as load makes or checks it: its owner is the captured owner's
 * account here (idmap.h); one with no account here gets a directory of root's that
 * nobody else may enter, never one another person could use. */
static struct dir_meta meta_of(struct loader *L, const struct cat_record *r)
{
	uint32_t uid, gid, mode = r->mode;
	if (idmap_owner(&L->map, r->uid, r->gid, &uid, &gid) != 0) {
		uid = gid = 0;
		mode &= ~(uint32_t)077;
	}
	return (struct dir_meta){.ino = r->ino,
				 .atime_ns = r->atime_ns,
				 .mtime_ns = r->mtime_ns,
				 .uid = uid,
				 .gid = gid,
				 .mode = mode,
				 .cap_uid = r->uid,
				 .cap_gid = r->gid};
}

/* An action as a list record: u32 rec, u32 merge, u8 flags, u8 ndest, then the
 * destinations, each NUL-terminated; flag 1: the first one is the record's own path
 * (the common case, not repeated). */
static int push_action(struct loader *L, const struct sw_rec *r, const struct action *a)
{
	size_t n = 10;
	bool own = a->ndest && !strcmp(a->dest[0], r->path);
	for (size_t i = own ? 1 : 0; i < a->ndest; i++)
		n += strlen(a->dest[i]) + 1;
	unsigned char stackbuf[512];
	unsigned char *b = n <= sizeof stackbuf ? stackbuf : malloc(n);
	if (!b)
		return -1;
	memcpy(b, &a->rec, 4);
	memcpy(b + 4, &a->merge, 4);
	b[8] = own ? 1 : 0;
	b[9] = (unsigned char)a->ndest;
	size_t off = 10;
	for (size_t i = own ? 1 : 0; i < a->ndest; i++) {
		size_t l = strlen(a->dest[i]) + 1;
		memcpy(b + off, a->dest[i], l);
		off += l;
	}
	int rc = spill_put(&L->acts, b, n);
	if (b != stackbuf)
		free(b);
	return rc;
}

/* Decode list record B (N bytes) into A; its destinations point into B, and the first
 * one at PATH when flagged. -1 when it is not one of ours. */
int load_pop_action(unsigned char *b, size_t n, char *path, struct action *a)
{
	memset(a, 0, sizeof *a);
	if (n < 10 || b[9] > DECIDE_MAX_DEST + 1)
		return -1;
	memcpy(&a->rec, b, 4);
	memcpy(&a->merge, b + 4, 4);
	size_t nd = b[9], off = 10;
	if ((b[8] & 1) && nd)
		a->dest[a->ndest++] = path;
	while (a->ndest < nd) {
		char *e = off < n ? memchr(b + off, 0, n - off) : NULL;
		if (!e)
			return -1;
		a->dest[a->ndest++] = (char *)b + off;
		off = (size_t)((unsigned char *)e - b) + 1;
	}
	return 0;
}

/* Decide every record, in catalog order, into the action list; build the directory
 * table. Two reads of the catalog: the directories first, so a directory's own record
 * always wins over what a relocation makes of another one. */
int load_plan_actions(struct loader *L)
{
	struct sw_rec rb, *r = &rb;
	int k;
	catr_rewind(&L->s.cat);
	while ((k = load_next_record(L, r)) == 1) {
		if (r->r.type != CT_DIR)
			continue;
		struct dir_meta m = meta_of(L, &r->r);
		m.acl_path = acls_dir_key(L, r->path);
		if (dm_find(&L->dirs, r->path) != DM_NONE)
			continue;
		uint32_t mi = dm_add_meta(&L->dirs, &m);
		if (mi == DM_NONE || dm_put(&L->dirs, r->path, mi, false) < 0)
			return -1;
	}
	if (k < 0)
		return -1;
	catr_rewind(&L->s.cat);
	for (uint32_t i = 0; (k = load_next_record(L, r)) == 1; i++) {
		L->st->objects++;
		if (r->r.user > 0 &&
		    (r->r.user > L->s.cat.nusers || L->user_ctx[r->r.user - 1] < 0)) {
			bool missing = r->r.user > L->s.cat.nusers ||
				       L->user_ctx[r->r.user - 1] == USER_MISSING;
			if (missing && r->r.type != CT_DIR) {
				L->st->skipped++;
				/* still an owner to check: her old id may be someone else's now */
				idmap_need(&L->map, r->r.uid, r->r.gid);
				if (idmap_owner(&L->map, r->r.uid, r->r.gid, &(uint32_t){0},
						&(uint32_t){0}) != 0)
					owners_note_skipped(L, r);
				else
					rlog_msg(L->log, RL_DEBUG,
						 "%s: its user is not on this system: not "
						 "restored",
						 rlog_esc(L->log, r->path));
			} else {
				L->st->excluded++;
			}
			continue;
		}
		struct action a;
		int rc = decide(L, r, &a);
		a.rec = i;
		if (rc < 0) {
			/* the object's error, under ErrorControl and -c like any other */
			int err = errno;
			for (size_t d = 0; d < a.ndest; d++)
				free(a.dest[d]);
			if (!on_error(L, r->path, err, "deciding"))
				return -1; /* stopped: L->stop, L->exit */
			continue;
		}
		if (rc == 0 || (rc > 0 && r->r.type == CT_DIR && (r->r.flags & CF_PARENT))) {
			if (rc == 0 && !(r->r.flags & CF_PARENT)) {
				L->st->excluded++;
				if (L->log->verbose & RTV_OBJECTS)
					rlog_msg(L->log, RL_INFO, "not restored (rules): %s",
						 rlog_esc(L->log, r->path));
			}
			rc = 0;
		}
		uint32_t own = DM_NONE; /* this directory's metadata, kept when first needed */
		for (size_t d = 0; rc > 0 && d < a.ndest; d++) {
			if (r->r.type == CT_DIR && dm_find(&L->dirs, a.dest[d]) == DM_NONE) {
				struct dir_meta m = meta_of(L, &r->r);
				m.acl_path = acls_dir_key(L, r->path);
				if (own == DM_NONE)
					own = dm_add_meta(&L->dirs, &m);
				if (own == DM_NONE || dm_put(&L->dirs, a.dest[d], own, false) < 0)
					rc = -1;
			}
			if (rc > 0 && strcmp(a.dest[d], r->path) != 0 &&
			    map_moved_parents(L, r->path, a.dest[d]) < 0)
				rc = -1;
		}
		if (rc > 0 && push_action(L, r, &a) != 0) {
			rc = -1;
		} else if (rc > 0) {
			L->nacts++;
			if (!(r->r.type == CT_DIR && (r->r.flags & CF_PARENT)))
				idmap_need(&L->map, r->r.uid, r->r.gid);
		}
		for (size_t d = 0; d < a.ndest; d++)
			free(a.dest[d]);
		if (rc < 0)
			return -1;
	}
	return k < 0 ? -1 : 0;
}
