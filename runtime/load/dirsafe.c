/* dirsafe.c - existing destination directories no wider than the captured ones
 * (dirsafe.h). */
#include "dirsafe.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diracl.h"
#include "disasm.h"

void dirsafe_init(struct dirsafe *d, struct rlog *log, bool keep, bool dry_run, FILE *out)
{
	memset(d, 0, sizeof *d);
	d->log = log;
	d->keep = keep;
	d->dry_run = dry_run;
	d->out = out;
}

void dirsafe_free(struct dirsafe *d)
{
	free(d->seen);
	d->seen = NULL;
	d->cap = d->n = 0;
}

mode_t dirsafe_extra(mode_t now, mode_t captured)
{
	return now & (S_IRWXG | S_IRWXO) & ~captured;
}

static size_t slot_of(const struct dirsafe *d, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15ull) ^ (uint64_t)dev;
	size_t j = (size_t)(h ^ (h >> 29)) & (d->cap - 1);
	while (d->seen[j].ino && (d->seen[j].ino != ino || d->seen[j].dev != dev))
		j = (j + 1) & (d->cap - 1);
	return j;
}

bool dirsafe_first(struct dirsafe *d, int fd, struct stat *st)
{
	if (fstat(fd, st) != 0)
		return false;
	if ((d->n + 1) * 2 > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct dirsafe_id *q = calloc(cap, sizeof *q);
		if (!q)
			return true; /* looked at again later: harmless */
		struct dirsafe old = *d;
		d->seen = q;
		d->cap = cap;
		for (size_t i = 0; i < old.cap; i++)
			if (old.seen[i].ino)
				d->seen[slot_of(d, old.seen[i].dev, old.seen[i].ino)] = old.seen[i];
		free(old.seen);
	}
	size_t j = slot_of(d, st->st_dev, st->st_ino);
	if (d->seen[j].ino)
		return false;
	d->seen[j].dev = st->st_dev;
	d->seen[j].ino = st->st_ino ? st->st_ino : 1; /* 0 marks a free slot */
	d->n++;
	return true;
}

/* ACLs of FD granting beyond captured MODE (diracl.h): removed, or reported. True when
 * something was removed (the mode may have changed with it). */
static bool acl_apply(struct dirsafe *d, int fd, const char *logical, mode_t mode)
{
	unsigned which = diracl_check(fd, mode);
	if (!which)
		return false;
	const char *what = which == DIRACL_ACCESS    ? "named ACL entries"
			   : which == DIRACL_DEFAULT ? "a default ACL with named entries"
						     : "named ACL entries and a default ACL";
	if (d->keep) {
		d->acl_kept++;
		rlog_msg(
		    d->log, RL_WARN,
		    "%s: %s grant access the captured directory (%04o) did not: kept "
		    "(--keep-dir-modes); what is restored in it may be reachable by more users "
		    "than before",
		    rlog_esc(d->log, logical), what, (unsigned)(mode & 07777));
		return false;
	}
	if (d->dry_run) {
		d->acl_narrowed++;
		fprintf(d->out, "tighten-acl\t");
		text_str(d->out, logical);
		fprintf(d->out, "\t%s\n",
			which == DIRACL_ACCESS	  ? "access"
			: which == DIRACL_DEFAULT ? "default"
						  : "access,default");
		return false;
	}
	if (diracl_narrow(fd, which) != 0) {
		d->acl_kept++;
		rlog_msg(
		    d->log, RL_WARN,
		    "%s: cannot remove %s granting access the captured directory (%04o) did "
		    "not: %s; what is restored in it may be reachable by more users than before",
		    rlog_esc(d->log, logical), what, (unsigned)(mode & 07777), strerror(errno));
		return false;
	}
	d->acl_narrowed++;
	rlog_msg(d->log, RL_WARN,
		 "%s: removed %s granting access the captured directory (%04o, no ACL in the "
		 "catalog) did not (--keep-dir-modes keeps them)",
		 rlog_esc(d->log, logical), what, (unsigned)(mode & 07777));
	return true;
}

void dirsafe_apply(struct dirsafe *d, int fd, const struct stat *st0, const char *logical,
		   uid_t uid, mode_t mode)
{
	/* ACLs first: narrowing the access ACL rewrites the group bits */
	struct stat cur = *st0;
	if (acl_apply(d, fd, logical, mode) && fstat(fd, &cur) != 0)
		cur = *st0;
	const struct stat *st = &cur;
	mode_t now = st->st_mode & 07777, extra = dirsafe_extra(now, mode);
	if (st->st_uid != uid) {
		d->owner_differs++;
		rlog_msg(d->log, RL_WARN,
			 "%s: owned by uid %u here but by uid %u when captured: left so (load "
			 "never chowns a directory it did not make; chown it if the captured owner "
			 "should have it)",
			 rlog_esc(d->log, logical), (unsigned)st->st_uid, (unsigned)uid);
	}
	if (!extra)
		return;
	mode_t want = now & ~extra;
	if (d->keep) {
		d->left_wide++;
		rlog_msg(
		    d->log, RL_WARN,
		    "%s: mode %04o grants group/other permissions (%04o) the captured "
		    "directory (%04o) did not: kept (--keep-dir-modes); what is restored in it "
		    "may be readable by more users than before",
		    rlog_esc(d->log, logical), (unsigned)now, (unsigned)extra,
		    (unsigned)(mode & 07777));
		return;
	}
	if (d->dry_run) {
		d->tightened++;
		fprintf(d->out, "tighten\t");
		text_str(d->out, logical);
		fprintf(d->out, "\t%04o -> %04o\n", (unsigned)now, (unsigned)want);
		return;
	}
	/* through the fd load walked: never a symlink, never another directory by the name */
	if (fchmod(fd, want) != 0) {
		d->left_wide++;
		rlog_msg(d->log, RL_WARN,
			 "%s: cannot remove group/other permissions (%04o) the captured directory "
			 "did not grant: %s; what is restored in it may be readable by more users "
			 "than before",
			 rlog_esc(d->log, logical), (unsigned)extra, strerror(errno));
		return;
	}
	d->tightened++;
	rlog_msg(d->log, RL_WARN,
		 "tightened %s: mode %04o -> %04o (the captured directory was %04o; "
		 "--keep-dir-modes keeps the wider mode)",
		 rlog_esc(d->log, logical), (unsigned)now, (unsigned)want,
		 (unsigned)(mode & 07777));
}
