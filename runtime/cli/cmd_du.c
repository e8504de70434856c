/* cmd_du.c - `migstate du STORE [--json] [--root DIR]`: what the store really costs.
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
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "disasm.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "extsort.h"
#include "storewalk.h"

enum du_cat {
	DU_LINKED,
	DU_STORE_ONLY,
	DU_COPIED,
	DU_REFLINKED,
	DU_DIRS,
	DU_META,
	DU_OTHER,
	DU__N
};
static const char *const du_names[DU__N] = {"linked",	   "store_only", "copied", "reflinked",
					    "directories", "catalog",	 "other"};
static const char *const du_help[DU__N] = {
    "shared with the user's files: no extra space",
    "linked, but every name of the file is in the store: rd frees it",
    "data copied into the store",
    "shares extents with the original: costs only what no longer is shared",
    "the store's directories",
    "catalog, store.id, restore journal",
    "symlinks, special files and files the catalog does not name",
};

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
	size_t n; /* inodes */
	uint64_t apparent;
	size_t names;
	size_t vol;
	size_t count[DU__N];
	uint64_t bytes[DU__N]; /* apparent bytes per category */
	uint64_t cost[DU__N];  /* bytes the store alone pays for */
	int walk_err;	       /* part of a store could not be read (errno): no total */
	char *walk_where;
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
	if (v->error && !d->walk_err) {
		/* a total that leaves out what could not be read would be a wrong total */
		d->walk_err = v->error;
		d->walk_where = strdup(v->rel);
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
	d->names++;
	if (!nm.is_dir) {
		d->apparent += (uint64_t)st->st_size;
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
	d->count[c]++;
	d->bytes[c] += in->size;
	if (c != DU_LINKED && c != DU_REFLINKED && (exclusive || in->is_dir))
		d->cost[c] += in->blocks;
	else if (c == DU_REFLINKED && exclusive) /* what it no longer shares */
		d->cost[c] += in->unshared < in->blocks ? in->unshared : in->blocks;
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
			d->n++;
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

static void human(uint64_t b, char *out, size_t n)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double x = (double)b;
	int i = 0;
	while (x >= 1024 && i < 4) {
		x /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(out, n, "%llu B", (unsigned long long)b);
	else
		snprintf(out, n, "%.1f %s", x, u[i]);
}

/* Count volume V's store directory and everything below it. */
static int walk_volume(struct du *d, size_t v)
{
	struct sw_store *s = d->s;
	struct stat st;
	if (s->vol_fd[v] < 0 || fstat(s->vol_fd[v], &st) != 0)
		return 0;
	d->vol = v;
	if (sw_cursor_open(&d->cur, s, (uint32_t)v) != 0)
		return -1;
	struct sw_visit top = {s->vol_fd[v], ".", "", &st, false, false, 0};
	int rc = du_visit(&top, d);
	if (rc == 0)
		rc = sw_walk(s->vol_fd[v], du_visit, d);
	if (rc != 0 && !d->walk_err && errno) {
		d->walk_err = errno;
		d->walk_where = strdup("");
	}
	sw_cursor_close(&d->cur);
	return rc < 0 ? -1 : 0;
}

static void print_text(const struct du *d)
{
	char h[32];
	fputs("du ", stdout);
	text_str(stdout, d->s->real);
	printf(" (%zu volume%s, %zu names, %zu inodes)\n", d->s->nvols, d->s->nvols == 1 ? "" : "s",
	       d->names, d->n);
	uint64_t cost = 0;
	for (int c = 0; c < DU__N; c++) {
		human(c == DU_LINKED || c == DU_REFLINKED ? d->bytes[c] : d->cost[c], h, sizeof h);
		printf("  %-12s %8zu %-5s %10s  %s\n", du_names[c], d->count[c],
		       c == DU_DIRS ? "dirs" : "files", h, du_help[c]);
		cost += d->cost[c];
	}
	human(cost, h, sizeof h);
	printf("  %-12s %25s  what removing the store frees (%llu bytes)\n", "real cost", h,
	       (unsigned long long)cost);
	human(d->apparent, h, sizeof h);
	printf("  %-12s %25s  what tools counting every name report (%llu bytes)\n", "apparent", h,
	       (unsigned long long)d->apparent);
}

static void print_json(const struct du *d)
{
	uint64_t cost = 0;
	fputs("{\"store\":", stdout);
	json_str(stdout, d->s->real);
	printf(",\"volumes\":%zu,\"names\":%zu,\"inodes\":%zu", d->s->nvols, d->names, d->n);
	for (int c = 0; c < DU__N; c++) {
		printf(",\"%s\":{\"count\":%zu,\"bytes\":%llu,\"cost\":%llu}", du_names[c],
		       d->count[c], (unsigned long long)d->bytes[c],
		       (unsigned long long)d->cost[c]);
		cost += d->cost[c];
	}
	printf(",\"cost\":%llu,\"apparent\":%llu}\n", (unsigned long long)cost,
	       (unsigned long long)d->apparent);
}

int cmd_du(int argc, char **argv)
{
	const char *store = NULL, *root = NULL;
	bool json = false;
	int rc =
	    cli_store_args(argc, argv, "du",
			   "usage: migstate du STORE [--json] [--root DIR]\n"
			   "What the store costs, each inode counted once: linked files (no extra\n"
			   "space), copies (their blocks), directories, catalog; and the apparent\n"
			   "size tools that count every name would report. Exit 0; 27 not a store\n"
			   "of ours (or one another user owns or can write); 29 another migstate\n"
			   "command is using the store.\n",
			   &store, &root, &json);
	if (rc >= 0)
		return rc;
	struct sw_store s;
	char err[512];
	int ec;
	if (sw_open(&s, store, root, SW_ALLOW_PARTIAL | SW_NO_CATALOG | SW_ORDERED, err, sizeof err,
		    &ec)) {
		fprintf(stderr, "migstate du: %s\n", err);
		sw_close(&s);
		return ec;
	}
	struct du d = {.s = &s};
	/* the sort's file (beyond 4 MiB of names) in $TMPDIR or /tmp: du writes nothing in
	 * the store it measures */
	xs_init(&d.x, -1, (size_t)4 << 20, dname_cmp);
	int bad = 0;
	for (size_t v = 0; v < s.nvols && !bad; v++)
		bad = walk_volume(&d, v);
	if (d.walk_err) {
		fprintf(stderr, "migstate du: cannot read all of the store (");
		text_str(stderr, d.walk_where ? d.walk_where : "");
		fprintf(stderr, ": %s)%s: no total\n", strerror(d.walk_err),
			fs_out_of_fds(d.walk_err) ? ", too many open files" : "");
		free(d.walk_where);
		xs_free(&d.x);
		sw_close(&s);
		return EXIT_FAILED;
	}
	if (bad || classify(&d) != 0) {
		fprintf(stderr, "migstate du: %s\n", strerror(d.x.err ? d.x.err : ENOMEM));
		xs_free(&d.x);
		sw_close(&s);
		return EXIT_FAILED;
	}
	if (json)
		print_json(&d);
	else
		print_text(&d);
	xs_free(&d.x);
	sw_close(&s);
	return EXIT_OK;
}
