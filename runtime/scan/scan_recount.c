/* scan_recount.c - count what a store's payload tree holds before the store is called
 * complete (scan_stores.c recount_payload).
 *
 * The count must see what is there, not what the scan believes it put there, but it
 * need not stat every file: the directory entry's type (getdents64 d_type) says
 * "regular file" on the filesystems stores live on; only directories (to enter them,
 * checked to be on the store's volume as treewalk.c does) and entries whose type the
 * filesystem leaves unknown are examined with fstatat. No recursion: a payload tree is
 * as deep as the users' trees (an fdstack holds the way down, fdstack.h). */
#include "scan_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dent64.h"
#include "fdstack.h"
#include "treewalk.h"

/* One directory being counted: the subdirectories still to enter. */
struct rc_frame {
	char **subs;
	size_t n, i;
};

struct recount {
	struct fdstack fds;
	dev_t dev;
	uint64_t mnt;
	struct payload_tally *t;
	struct rc_frame *fr;
	size_t nfr, cap;
};

/* An entry of type MODE (from fstatat): a file, a directory to enter (1), or other. */
static int tally_mode(struct payload_tally *t, mode_t mode)
{
	if (S_ISREG(mode))
		t->files++;
	else if (S_ISDIR(mode))
		return 1;
	else
		t->other++;
	return 0;
}

static int add_sub(struct rc_frame *f, size_t *cap, const char *name)
{
	if (f->n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **q = realloc(f->subs, c * sizeof *q);
		if (!q)
			return -1;
		f->subs = q;
		*cap = c;
	}
	if (!(f->subs[f->n] = strdup(name)))
		return -1;
	f->n++;
	return 0;
}

/* Count the entries of directory DFD into a new frame F (its subdirectories kept for
 * later). A directory that cannot be read counts as one "other" entry. 0, or -1 (ENOMEM). */
static int read_dir(struct recount *rc, int dfd, struct rc_frame *f)
{
	char buf[32768];
	size_t cap = 0;
	memset(f, 0, sizeof *f);
	if (lseek(dfd, 0, SEEK_SET) < 0) {
		rc->t->other++;
		return 0;
	}
	for (;;) {
		long got = syscall(SYS_getdents64, dfd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc->t->other++;
			return 0;
		}
		if (got == 0)
			return 0;
		for (long off = 0; off < got;) {
			const struct dent64 *d = (const struct dent64 *)(buf + off);
			off += d->reclen;
			const char *nm = d->name;
			if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			int dir = 0;
			if (d->type == DT_REG) {
				rc->t->files++;
			} else if (d->type == DT_DIR) {
				dir = 1;
			} else if (d->type == DT_UNKNOWN) {
				struct stat st;
				if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) == 0)
					dir = tally_mode(rc->t, st.st_mode);
				else if (errno != ENOENT)
					rc->t->other++;
			} else {
				rc->t->other++;
			}
			if (dir && add_sub(f, &cap, nm) != 0)
				return -1;
		}
	}
}

static void frame_free(struct rc_frame *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->subs[i]);
	free(f->subs);
}

/* Enter subdirectory NAME of the deepest level when it is a directory on the store's
 * volume: 1 entered (its frame pushed), 0 counted without entering, -1 stop. */
static int enter(struct recount *rc, const char *name)
{
	int pfd = fds_top(&rc->fds);
	struct stat st;
	if (pfd < 0)
		return -1;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno != ENOENT)
			rc->t->other++;
		return 0;
	}
	if (tally_mode(rc->t, st.st_mode) == 0)
		return 0; /* replaced by a non-directory since it was read */
	struct fds_id id = {st.st_dev, st.st_ino};
	int sub = fds_push(&rc->fds, name, strlen(name), NULL, NULL, &id);
	if (sub < 0) {
		rc->t->other++;
		return 0;
	}
	uint64_t m = sw_mnt_id(sub);
	if (st.st_dev != rc->dev || (m && rc->mnt && m != rc->mnt)) {
		rc->t->other++; /* a mount inside the store: never entered */
		return fds_pop(&rc->fds) == 0 ? 0 : -1;
	}
	if (rc->nfr == rc->cap) {
		size_t c = rc->cap ? rc->cap * 2 : 64;
		struct rc_frame *q = realloc(rc->fr, c * sizeof *q);
		if (!q)
			return -1;
		rc->fr = q;
		rc->cap = c;
	}
	if (read_dir(rc, sub, &rc->fr[rc->nfr]) != 0) {
		frame_free(&rc->fr[rc->nfr]);
		return -1;
	}
	rc->nfr++;
	return 1;
}

int scan_count_payload(int top, struct payload_tally *t)
{
	struct stat st;
	if (fstat(top, &st) != 0)
		return -1;
	struct recount rc = {.dev = st.st_dev, .mnt = sw_mnt_id(top), .t = t};
	fds_init(&rc.fds, top, 0);
	int ret = 0, e = 0;
	rc.fr = malloc(64 * sizeof *rc.fr);
	rc.cap = 64;
	if (!rc.fr || read_dir(&rc, top, &rc.fr[0]) != 0) {
		ret = -1;
		e = ENOMEM;
	} else {
		rc.nfr = 1;
	}
	while (ret == 0 && rc.nfr > 0) {
		struct rc_frame *f = &rc.fr[rc.nfr - 1];
		if (f->i < f->n) {
			if (enter(&rc, f->subs[f->i++]) < 0) {
				ret = -1;
				e = errno ? errno : EIO;
			}
			continue;
		}
		frame_free(f);
		rc.nfr--;
		if (rc.nfr > 0 && fds_pop(&rc.fds) != 0) {
			ret = -1; /* where we came from is not the directory it was */
			e = errno;
		}
	}
	while (rc.nfr > 0)
		frame_free(&rc.fr[--rc.nfr]);
	free(rc.fr);
	fds_free(&rc.fds);
	errno = e;
	return ret;
}
