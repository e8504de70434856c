/* du_engine.c - what a store really costs (du_engine.h).
 *
 * Every inode is counted once, wherever its names are. A file whose link count is
 * larger than the names it has inside the store shares its blocks with a file outside
 * (the user's original or restored copy): it costs nothing. A file whose every name is
 * in the store costs its allocated blocks: copies (FAT volumes, immutable files), and
 * linked files whose other names are gone (nothing restored yet). Directories and the
 * catalog cost their blocks. A clone (CA_REFLINKED) shares its extents with the original:
 * it costs only the bytes of extents no longer shared (FIEMAP_EXTENT_SHARED), once every
 * name of it is in the store. The apparent size is the sum of st_size over every name,
 * which is what a tool that follows names (du --count-links, file managers) reports.
 *
 * Memory: every name goes to an external sort (extsort.h) by (device, inode, order
 * seen) and the inodes are counted from its sorted output, one at a time; the payload's
 * catalog records are read alongside the walk (sw_cursor_find). */
#include "du_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extsort.h"
#include "treewalk.h"

const char *const du_cat_names[DU__N] = {"linked",	"store_only", "copied", "reflinked",
					 "directories", "catalog",    "other"};

struct inode {
	dev_t dev;
	ino_t ino;
	nlink_t nlink;
	uint32_t names;	 /* names seen in the store */
	uint64_t blocks; /* bytes allocated */
	uint64_t size;
	uint64_t unshared; /* a clone: bytes in extents it no longer shares */
	int action;	   /* catalog action of a payload name, -1 none */
	bool is_dir, is_meta;
};

struct du {
	struct sw_store *s;
	struct sw_cursor cur; /* the records of the volume being walked */
	struct xsort x;	      /* every name: struct dname, by (dev, ino, seq) */
	uint64_t seq;
	struct du_totals *t;
};

/* One name as sorted: what the stat and the catalog said of it. */
struct dname {
	uint64_t dev, ino, seq, nlink, blocks, size, unshared;
	int32_t action; /* catalog action of a payload name, -1 none */
	uint8_t is_dir, is_meta;
	uint8_t pad[2];
};

static int dname_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	struct dname x, y;
	(void)an;
	(void)bn;
	memcpy(&x, a, sizeof x);
	memcpy(&y, b, sizeof y);
	if (x.dev != y.dev)
		return x.dev < y.dev ? -1 : 1;
	if (x.ino != y.ino)
		return x.ino < y.ino ? -1 : 1;
	return x.seq < y.seq ? -1 : x.seq > y.seq;
}

/* Bytes of FD's extents not flagged FIEMAP_EXTENT_SHARED (0 when it cannot tell). */
static uint64_t unshared_bytes(int fd)
{
	enum { BATCH = 128 };
	size_t sz = sizeof(struct fiemap) + BATCH * sizeof(struct fiemap_extent);
	struct fiemap *fm = malloc(sz);
	uint64_t start = 0, bytes = 0;
	for (bool last = false; fm && !last;) {
		memset(fm, 0, sz);
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0 || fm->fm_mapped_extents == 0)
			break;
		for (uint32_t i = 0; i < fm->fm_mapped_extents; i++) {
			const struct fiemap_extent *e = &fm->fm_extents[i];
			if (!(e->fe_flags & (FIEMAP_EXTENT_SHARED | FIEMAP_EXTENT_UNWRITTEN)))
				bytes += e->fe_length;
			last |= (e->fe_flags & FIEMAP_EXTENT_LAST) != 0;
			start = e->fe_logical + e->fe_length;
		}
	}
	free(fm);
	return bytes;
}

#define FILE_PREFIX STORE_META "/" STORE_PAYLOAD "/"

/* Count one name. REL is relative to the volume's store directory: payload names are
 * below MIGSTATE/File/, the store's own files directly in MIGSTATE/. */
static int du_visit(const struct sw_visit *v, void *ctx)
{
	struct du *d = ctx;
	if (v->error && !d->t->walk_err) {
		/* a total that leaves out what could not be read would be a wrong total */
		d->t->walk_err = v->error;
		d->t->walk_where = strdup(v->rel);
	}
	if (v->error || v->post || v->foreign)
		return 0;
	const struct stat *st = v->st;
	struct dname nm = {.dev = (uint64_t)st->st_dev,
			   .ino = (uint64_t)st->st_ino,
			   .seq = d->seq++,
			   .nlink = (uint64_t)st->st_nlink,
			   .blocks = (uint64_t)st->st_blocks * 512,
			   .size = (uint64_t)st->st_size,
			   .action = -1,
			   .is_dir = S_ISDIR(st->st_mode)};
	d->t->names++;
	if (!nm.is_dir) {
		d->t->apparent += (uint64_t)st->st_size;
		size_t pl = strlen(FILE_PREFIX);
		if (S_ISREG(st->st_mode) && !strncmp(v->rel, FILE_PREFIX, pl)) {
			const char *logical = v->rel + pl - 1; /* keeps the '/' */
			const struct sw_rec *r = sw_cursor_find(&d->cur, logical, strlen(logical));
			if (r)
				nm.action = r->r.action;
			/* what a clone no longer shares counts for the first name of its inode
			 * (classify() takes it from there) */
			if (r && r->r.action == CA_REFLINKED) {
				int fd =
				    openat(v->dirfd, v->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
				if (fd >= 0) {
					nm.unshared = unshared_bytes(fd);
					close(fd);
				}
			}
		} else if (!strncmp(v->rel, STORE_META "/", strlen(STORE_META) + 1) &&
			   !strchr(v->rel + strlen(STORE_META) + 1, '/')) {
			nm.is_meta = 1;
		}
	}
	return xs_put(&d->x, &nm, sizeof nm);
}

/* Count inode IN in its category. */
static void classify_one(struct du *d, const struct inode *in)
{
	enum du_cat c;
	bool exclusive = in->names >= in->nlink;
	if (in->is_dir)
		c = DU_DIRS;
	else if (in->is_meta)
		c = DU_META;
	else if (in->action == CA_COPIED)
		c = exclusive ? DU_COPIED : DU_LINKED;
	else if (in->action == CA_REFLINKED)
		c = DU_REFLINKED;
	else if (in->action == CA_LINKED)
		c = exclusive ? DU_STORE_ONLY : DU_LINKED;
	else
		c = DU_OTHER;
	d->t->count[c]++;
	d->t->bytes[c] += in->size;
	if (c != DU_LINKED && c != DU_REFLINKED && (exclusive || in->is_dir))
		d->t->cost[c] += in->blocks;
	else if (c == DU_REFLINKED && exclusive) /* what it no longer shares */
		d->t->cost[c] += in->unshared < in->blocks ? in->unshared : in->blocks;
}

/* The names sorted by inode: each inode from all of its names (the last name's stat, the
 * last catalog action seen, the first name's unshared bytes), as the names came. */
static int classify(struct du *d)
{
	if (xs_rewind(&d->x) != 0)
		return -1;
	struct inode in = {0};
	bool open = false;
	size_t n;
	for (const unsigned char *p; (p = xs_get(&d->x, &n));) {
		struct dname nm;
		memcpy(&nm, p, sizeof nm);
		if (open && (in.dev != (dev_t)nm.dev || in.ino != (ino_t)nm.ino)) {
			classify_one(d, &in);
			open = false;
		}
		if (!open) {
			in = (struct inode){.dev = (dev_t)nm.dev,
					    .ino = (ino_t)nm.ino,
					    .action = -1,
					    .unshared = nm.unshared};
			d->t->inodes++;
			open = true;
		}
		in.nlink = (nlink_t)nm.nlink;
		in.blocks = nm.blocks;
		in.size = nm.size;
		in.is_dir = nm.is_dir;
		in.is_meta |= nm.is_meta != 0;
		if (nm.action >= 0)
			in.action = nm.action;
		in.names++;
	}
	if (open)
		classify_one(d, &in);
	return d->x.err ? -1 : 0;
}

/* Count volume V's store directory and everything below it. */
static int walk_volume(struct du *d, size_t v)
{
	struct sw_store *s = d->s;
	struct stat st;
	if (s->vol_fd[v] < 0 || fstat(s->vol_fd[v], &st) != 0)
		return 0;
	if (sw_cursor_open(&d->cur, s, (uint32_t)v) != 0)
		return -1;
	struct sw_visit top = {s->vol_fd[v], ".", "", &st, false, false, 0};
	int rc = du_visit(&top, d);
	if (rc == 0)
		rc = sw_walk(s->vol_fd[v], du_visit, d);
	if (rc != 0 && !d->t->walk_err && errno) {
		d->t->walk_err = errno;
		d->t->walk_where = strdup("");
	}
	sw_cursor_close(&d->cur);
	return rc < 0 ? -1 : 0;
}

int du_measure(struct sw_store *s, struct du_totals *t)
{
	memset(t, 0, sizeof *t);
	struct du d = {.s = s, .t = t};
	xs_init(&d.x, -1, (size_t)4 << 20, dname_cmp);
	int bad = 0;
	for (size_t v = 0; v < s->nvols && !bad; v++)
		bad = walk_volume(&d, v);
	if (!t->walk_err && (bad || classify(&d) != 0))
		t->err = d.x.err ? d.x.err : ENOMEM;
	xs_free(&d.x);
	return t->walk_err || t->err ? -1 : 0;
}

void du_totals_free(struct du_totals *t)
{
	free(t->walk_where);
	t->walk_where = NULL;
}
