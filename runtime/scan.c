/* scan.c - the capture engine (see scan.h): set-up, pass 1 (walk, decide, classify),
 * space check and store creation, pass 2 (link / copy / record, catalog), commit. */
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "bind.h"
#include "catalog.h"
#include "copyfile.h"
#include "disasm.h"
#include "errpolicy.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "locks.h"
#include "logging.h"
#include "plan.h"
#include "store.h"
#include "version.h"
#include "volumes.h"
#include "walk.h"

const char *const efs_mode_names[5] = {"abort", "skip", "hardlink", "decryptcopy", "copyraw"};
const char *const overlay_mode_names[3] = {"auto", "copy", "link"};

/* A_LINK: a hard link in the store of its own volume. A_REFLINK: a clone (FICLONE, shared
 * extents) in the store of its home volume (its own, or for a btrfs subvolume the store
 * of the mount it is part of). A_COPY: into the master store (by FICLONE when the master
 * is on the same filesystem and mount, else a real copy). */
enum item_act { A_RECORD, A_LINK, A_COPY, A_REFLINK };

#define FLUSH_EVERY 1024 /* catalog records between two writes to catalog.partial */

/* One object found by pass 1, captured by pass 2. */
struct item {
	char *path;	 /* logical */
	uint32_t dirlen; /* path[0..dirlen) is its directory */
	uint32_t vol;	 /* svol of the original */
	uint32_t rule, ctx;
	uint64_t dev, ino;
	uint64_t est;	/* bytes a copy would take */
	uint16_t flags; /* CF_* */
	uint8_t type;	/* enum cat_type */
	uint8_t act;	/* enum item_act */
	bool parent_only;
	bool lock_copy; /* errorHardLink: a copy that fails is the in-use error */
	bool copyup;	/* overlayfs: its data is in a lower layer (linking copies it up) */
	bool plain;	/* must be a real copy into the master (--efs decryptcopy) */
};

/* A cached open directory (consecutive objects mostly share one). */
struct pdir {
	char *path;
	int fd;
};

/* A volume the scan reads from or writes to: a mount and a device, (mount id, st_dev).
 * A btrfs subvolume that is not mounted on its own shares its mount with the enclosing
 * filesystem but has its own st_dev: links into the mount's store fail (EXDEV), clones
 * work. overlayfs reports the underlying layer's st_dev for files: one volume per
 * mount there. */
struct svol {
	uint32_t mnt_id;
	dev_t dev;
	uint64_t fs_magic;
	uint64_t link_max; /* vol_link_max() of the filesystem holding its files */
	bool subvol;	   /* not the device the mount's store would be on: no store */
	bool overlay;	   /* overlayfs: linking a lower-layer file copies its data up */
	bool no_copyup;	   /* overlay, --overlay auto: no room for copy-ups, copy instead */
	bool readonly;	   /* read-only mount or filesystem (squashfs, erofs ...) */
	char *upper;	   /* overlayfs upper layer directory (NULL: none or not visible) */
	int home;	   /* the svol whose store takes its links and clones; -1: none */
	int probe_fd;	   /* O_PATH fd of the deepest existing directory of its store */
	char *mnt_real;	   /* mount point in our namespace */
	char *mnt_logical; /* as seen beneath the root ("/" when at or above it) */
	char *fstype;
	bool no_links;	  /* cannot hold hard links: copy into the master */
	bool master;	  /* holds the master store */
	bool has_store;	  /* a store of its own (master, or a per-volume store) */
	bool used;	  /* holds included objects */
	char *store_real; /* its store directory (NULL: none) */
	char *store_logical;
	int meta_fd, file_fd;
	uint32_t cat;			     /* index in the catalog's volume table */
	uint64_t n_link, n_copy, copy_bytes; /* plan (copy_bytes: on the master, every copy) */
	uint64_t n_reflink, n_copyup;	     /* plan: clones (anywhere), links copying up */
	uint64_t copyup_bytes;		     /* plan: bytes copied up on this volume */
	uint64_t from_bytes;		     /* plan: bytes of its files copied into the master */
	uint64_t did_link;		     /* captured */
	struct pdir pd;			     /* last payload directory */
};

/* (dev, ino) -> item index of the first copy of an inode and the svol whose store holds
 * it, so later names link to it. */
struct ihash {
	uint64_t *dev, *ino;
	size_t *idx;
	uint32_t *vol;
	size_t cap, n;
};

/* Can files of volume SRC be cloned into the store of volume DST? Tried once per pair
 * (and per layer on overlayfs: LOWER). */
struct clone_probe {
	uint32_t src, dst;
	bool lower, ok;
};

struct counters {
	uint64_t linked, copied, reflinked, recorded, bytes_copied;
	uint64_t copied_up, bytes_copied_up; /* overlayfs links that copied data up */
	uint64_t skipped_continue, skipped_rule, efs_skipped, parents, vanished;
};

/* The item list: every object pass 1 found, in walk order (see "the item list" below). */
struct items {
	unsigned char *buf; /* records not in the file */
	size_t len, cap;
	int fd;		    /* unlinked temporary file (-1: none yet) */
	int tmpfd;	    /* directory to make it in first (the store's volume), -1 */
	bool nofile;	    /* no temporary file could be made: all of it stays here */
	uint64_t flen;	    /* bytes in the file */
	char *last;	    /* the previous record's path (front coding) */
	size_t lastlen, lastcap;
	int err; /* errno of the first failure (sticky) */
};

/* Directories along one logical path, kept open (see "directory stacks" below). */
struct dstack {
	char *path;
	size_t cap;
	int *fd;     /* fd[0]: the base (not ours); fd[i]: depth i */
	size_t *end; /* end[i]: length of the path of depth i */
	size_t n, capn;
};

/* The first copy of an inode with several names: later names link to it. */
struct first_copy {
	char *path;
	uint8_t act;
};

struct scan {
	const struct scan_opts *so;
	const struct rt_opts *o;
	volatile sig_atomic_t *stop;
	struct rlog log;
	bool log_open;
	struct plan plan;
	bool plan_open;
	int rootfd;
	char *root_real;
	struct vol_table vt;
	struct user_list users;
	struct user_choice *choices;
	size_t nchoices;
	struct rt_bound b;
	bool bound;
	struct lock_set locks;
	char **fixed;
	size_t nfixed;
	char **classroots[DC__N]; /* Removable, Remote, CDROM mount roots ([DC_FIXED] unused) */
	size_t nclassroots[DC__N];
	char *store_real, *store_logical, *store_rel;
	struct svol *sv;
	size_t nsv;
	struct items items; /* what pass 1 found, streamed */
	size_t nit;
	struct cat_writer *cw;
	struct dstack src;   /* source directories (pass 2) */
	struct dstack *pstk; /* payload directories, per svol */
	size_t npstk;
	char *dirbuf; /* item_dir() */
	size_t dirbufcap;
	struct ihash copies; /* -> firsts */
	struct first_copy *firsts;
	size_t nfirsts;
	struct clone_probe *probes;
	size_t nprobes;
	struct counters c;
	int exit;     /* set when something decided to stop the run */
	bool started; /* the walk began: a summary means something */
};

/* --- small helpers -------------------------------------------------------------- */

static bool within(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return p[0] == '/';
	return !strncmp(p, dir, n) && (p[n] == 0 || p[n] == '/');
}

/* Absolute path of P with every existing leading part resolved (realpath) and the rest
 * appended lexically ("." dropped, ".." refused). NULL on failure. */
static char *abs_path(const char *p)
{
	char *full;
	if (p[0] == '/') {
		full = strdup(p);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return NULL;
		if (asprintf(&full, "%s/%s", cwd, p) < 0)
			full = NULL;
	}
	if (!full)
		return NULL;
	size_t len = strlen(full);
	while (len > 1 && full[len - 1] == '/')
		full[--len] = 0;
	/* find the longest existing prefix */
	char *cut = full + len;
	char *res = NULL;
	for (;;) {
		char save = *cut;
		*cut = 0;
		res = realpath(*full ? full : "/", NULL);
		*cut = save;
		if (res || cut == full)
			break;
		do
			cut--;
		while (cut > full && *cut != '/');
	}
	if (!res) {
		free(full);
		return NULL;
	}
	/* append the missing components */
	for (char *q = cut; *q;) {
		while (*q == '/')
			q++;
		char *e = q;
		while (*e && *e != '/')
			e++;
		size_t n = (size_t)(e - q);
		if (n == 0)
			break;
		if ((n == 2 && !strncmp(q, "..", 2))) {
			free(res);
			free(full);
			return NULL;
		}
		if (!(n == 1 && *q == '.')) {
			char *r2;
			if (asprintf(&r2, "%s%s%.*s", res, strcmp(res, "/") ? "/" : "", (int)n, q) <
			    0) {
				free(res);
				free(full);
				return NULL;
			}
			free(res);
			res = r2;
		}
		q = e;
	}
	free(full);
	return res;
}

/* Logical path of the real path REAL ("/" for the root), NULL when outside it. */
static char *logical_of(const struct scan *s, const char *real)
{
	if (!within(real, s->root_real))
		return NULL;
	if (!strcmp(s->root_real, "/"))
		return strdup(real);
	const char *rest = real + strlen(s->root_real);
	return strdup(*rest ? rest : "/");
}

/* statvfs free bytes at PATH or its deepest existing ancestor. */
static uint64_t free_at(const char *path, uint64_t *total)
{
	char *p = strdup(path);
	struct statvfs v;
	uint64_t r = 0;
	if (!p)
		return 0;
	for (;;) {
		if (statvfs(p, &v) == 0) {
			r = (uint64_t)v.f_bavail * v.f_frsize;
			if (total)
				*total = (uint64_t)v.f_blocks * v.f_frsize;
			break;
		}
		char *sl = strrchr(p, '/');
		if (!sl || sl == p) {
			if (statvfs("/", &v) == 0)
				r = (uint64_t)v.f_bavail * v.f_frsize;
			break;
		}
		*sl = 0;
	}
	free(p);
	return r;
}

static const char *mb(uint64_t bytes, char *buf, size_t n)
{
	snprintf(buf, n, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
	return buf;
}

static uint8_t cat_type_of(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return CT_DIR;
	case S_IFLNK:
		return CT_SYMLINK;
	case S_IFIFO:
		return CT_FIFO;
	case S_IFSOCK:
		return CT_SOCKET;
	case S_IFCHR:
		return CT_CHR;
	case S_IFBLK:
		return CT_BLK;
	}
	return CT_FILE;
}

/* What a copy of a file of SIZE bytes with BLOCKS 512-byte blocks costs (sparse copies
 * keep holes), rounded up to 4 KiB. */
static uint64_t copy_cost(uint64_t size, uint64_t blocks)
{
	uint64_t b = size;
	if (blocks && blocks * 512 < size)
		b = blocks * 512;
	return (b + 4095) & ~(uint64_t)4095;
}

static const char *item_name(const struct item *it)
{
	return it->path + it->dirlen + (it->dirlen > 1 ? 1 : 0);
}

/* --- the item list ------------------------------------------------------------------ */

/* Records are a struct item (its path pointer meaningless) and two lengths, then the
 * bytes of its path that differ from the previous record's (front coding: a walk's
 * consecutive paths share most of their bytes). The list is written once by pass 1
 * and read in order by the planning loops (which may change an item: written back in
 * place) and by pass 2. Beyond ITEMS_MEM bytes it moves to an unlinked temporary file,
 * so the scan's memory does not grow with the number of files. */
#define ITEMS_MEM (4u << 20)
#define ITEMS_READ (1u << 20)

/* Test hook: MIGSTATE_TEST_ITEMS_MEM=N moves the list to its file beyond N bytes (and
 * reads it back N bytes at a time), so the tests exercise the file with small trees. */
static size_t items_mem(void)
{
	static size_t v;
	if (!v) {
		const char *e = getenv("MIGSTATE_TEST_ITEMS_MEM");
		unsigned long long n = e && *e ? strtoull(e, NULL, 10) : 0;
		v = n >= 64 && n < ITEMS_MEM ? (size_t)n : ITEMS_MEM;
	}
	return v;
}

struct irec_head {
	struct item it;
	uint32_t keep, rest; /* bytes of the previous path kept; bytes that follow */
};

/* A reader: ic_first, ic_next ... NULL (at the end, or on an error: items.err). */
struct icur {
	struct items *l;
	bool update;	     /* write changed items back */
	unsigned char *rbuf; /* file bytes from roff */
	size_t rlen, rcap;
	uint64_t roff;
	uint64_t at, next; /* offsets of the current and the next record */
	bool have;
	char *path;
	size_t pathcap;
	struct item it, orig;
};

static int write_all(int fd, const void *p, size_t n, uint64_t off)
{
	const unsigned char *b = p;
	while (n) {
		ssize_t w = pwrite(fd, b, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* Move the buffered records to the temporary file (made on first use). */
static int items_spill(struct items *l)
{
	if (l->fd < 0 && !l->nofile) {
		const char *tmp = getenv("TMPDIR");
		if (l->tmpfd >= 0)
			l->fd = openat(l->tmpfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (l->fd < 0 && tmp && *tmp)
			l->fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (l->fd < 0)
			l->fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		l->nofile = l->fd < 0; /* then it all stays in memory */
	}
	if (l->fd < 0 || !l->len)
		return 0;
	if (write_all(l->fd, l->buf, l->len, l->flen) != 0) {
		l->err = errno ? errno : EIO;
		return -1;
	}
	l->flen += l->len;
	l->len = 0;
	return 0;
}

/* Append IT (its path: PLEN bytes). 0, or -1 with errno. */
static int items_push(struct items *l, const struct item *it, size_t plen)
{
	if (l->err) {
		errno = l->err;
		return -1;
	}
	const char *p = it->path;
	size_t keep = 0, max = plen < l->lastlen ? plen : l->lastlen;
	while (keep < max && p[keep] == l->last[keep])
		keep++;
	size_t need = sizeof(struct irec_head) + plen - keep;
	if (l->len + need > items_mem() && l->len && items_spill(l) != 0) {
		errno = l->err;
		return -1;
	}
	if (l->len + need > l->cap) {
		size_t cap = l->cap ? l->cap : 64u << 10;
		while (cap < l->len + need)
			cap *= 2;
		unsigned char *q = realloc(l->buf, cap);
		if (!q)
			return -1;
		l->buf = q;
		l->cap = cap;
	}
	if (plen + 1 > l->lastcap) {
		size_t cap = l->lastcap ? l->lastcap * 2 : 256;
		while (cap < plen + 1)
			cap *= 2;
		char *q = realloc(l->last, cap);
		if (!q)
			return -1;
		l->last = q;
		l->lastcap = cap;
	}
	struct irec_head h;
	memset(&h, 0, sizeof h);
	memcpy(&h.it, it, sizeof h.it);
	h.it.path = NULL;
	h.keep = (uint32_t)keep;
	h.rest = (uint32_t)(plen - keep);
	memcpy(l->buf + l->len, &h, sizeof h);
	memcpy(l->buf + l->len + sizeof h, p + keep, plen - keep);
	l->len += need;
	memcpy(l->last + keep, p + keep, plen - keep);
	l->lastlen = plen;
	return 0;
}

static void items_free(struct items *l)
{
	free(l->buf);
	free(l->last);
	if (l->fd >= 0)
		close(l->fd);
	if (l->tmpfd >= 0)
		close(l->tmpfd);
	l->buf = NULL;
	l->last = NULL;
	l->fd = l->tmpfd = -1;
}

/* Bytes [c->next, c->next + N) of the file in the read buffer. */
static int ic_fill(struct icur *c, size_t n)
{
	if (c->next >= c->roff && c->next + n <= c->roff + c->rlen)
		return 0;
	size_t chunk = items_mem() < ITEMS_READ ? items_mem() : ITEMS_READ;
	size_t want = n > chunk ? n : chunk;
	if (want > c->rcap) {
		unsigned char *q = realloc(c->rbuf, want);
		if (!q) {
			c->l->err = ENOMEM;
			return -1;
		}
		c->rbuf = q;
		c->rcap = want;
	}
	c->roff = c->next;
	c->rlen = 0;
	while (c->rlen < want && c->roff + c->rlen < c->l->flen) {
		ssize_t r = pread(c->l->fd, c->rbuf + c->rlen, want - c->rlen,
				  (off_t)(c->roff + c->rlen));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			c->l->err = r < 0 ? errno : EIO;
			return -1;
		}
		c->rlen += (size_t)r;
	}
	if (c->rlen < n) {
		c->l->err = EIO; /* truncated under us */
		return -1;
	}
	return 0;
}

/* Write the current item back when the caller changed it. */
static void ic_sync(struct icur *c)
{
	if (!c->have || !c->update || !memcmp(&c->it, &c->orig, sizeof c->it))
		return;
	struct item w;
	memcpy(&w, &c->it, sizeof w);
	w.path = NULL;
	if (c->l->fd >= 0) {
		if (write_all(c->l->fd, &w, sizeof w, c->at + offsetof(struct irec_head, it)) != 0)
			c->l->err = errno ? errno : EIO;
	} else {
		memcpy(c->l->buf + c->at + offsetof(struct irec_head, it), &w, sizeof w);
	}
	memcpy(&c->orig, &c->it, sizeof c->it);
}

static struct item *ic_next(struct icur *c)
{
	struct items *l = c->l;
	ic_sync(c);
	c->have = false;
	uint64_t total = l->fd >= 0 ? l->flen : l->len;
	if (l->err || c->next >= total)
		return NULL;
	struct irec_head h;
	const unsigned char *rest;
	if (l->fd >= 0) {
		if (ic_fill(c, sizeof h))
			return NULL;
		memcpy(&h, c->rbuf + (c->next - c->roff), sizeof h);
		if (ic_fill(c, sizeof h + h.rest))
			return NULL;
		rest = c->rbuf + (c->next - c->roff) + sizeof h;
	} else {
		memcpy(&h, l->buf + c->next, sizeof h);
		rest = l->buf + c->next + sizeof h;
	}
	size_t plen = (size_t)h.keep + h.rest;
	if (plen + 1 > c->pathcap) {
		size_t cap = c->pathcap ? c->pathcap * 2 : 256;
		while (cap < plen + 1)
			cap *= 2;
		char *q = realloc(c->path, cap);
		if (!q) {
			l->err = ENOMEM;
			return NULL;
		}
		c->path = q;
		c->pathcap = cap;
	}
	memcpy(c->path + h.keep, rest, h.rest);
	c->path[plen] = 0;
	memcpy(&c->it, &h.it, sizeof c->it);
	c->it.path = c->path;
	memcpy(&c->orig, &c->it, sizeof c->it);
	c->at = c->next;
	c->next += sizeof h + h.rest;
	c->have = true;
	return &c->it;
}

/* Start reading the list (UPDATE: changes to the items returned are written back). */
static struct item *ic_first(struct items *l, struct icur *c, bool update)
{
	memset(c, 0, sizeof *c);
	c->l = l;
	c->update = update;
	if (l->fd >= 0 && l->len && items_spill(l) != 0)
		return NULL;
	return ic_next(c);
}

static void ic_end(struct icur *c)
{
	ic_sync(c);
	c->have = false;
	free(c->rbuf);
	free(c->path);
	c->rbuf = NULL;
	c->path = NULL;
}

/* IT's directory as a string, in a buffer reused from call to call. */
static const char *item_dir(struct scan *s, const struct item *it)
{
	if (it->dirlen + 1 > s->dirbufcap) {
		size_t cap = s->dirbufcap ? s->dirbufcap * 2 : 256;
		while (cap < it->dirlen + 1)
			cap *= 2;
		char *q = realloc(s->dirbuf, cap);
		if (!q)
			return NULL;
		s->dirbuf = q;
		s->dirbufcap = cap;
	}
	memcpy(s->dirbuf, it->path, it->dirlen);
	s->dirbuf[it->dirlen] = 0;
	return s->dirbuf;
}

/* --- directory stacks ------------------------------------------------------------- */

/* The directories along one logical path, each opened from its parent (O_NOFOLLOW: no
 * symlink is followed) and kept open. Items come in walk order, so the next item's
 * directory is mostly this one, a child, or a sibling of an ancestor: an open per new
 * directory instead of a resolution of the whole path per directory change. MKDIRS:
 * missing directories are made (0700) on the way down (a store's payload tree). */
static void ds_free(struct dstack *d)
{
	for (size_t i = 1; i < d->n; i++)
		close(d->fd[i]);
	free(d->path);
	free(d->fd);
	free(d->end);
	memset(d, 0, sizeof *d);
}

/* An fd of directory DIR (LEN bytes, logical) beneath BASE ("/"), owned by the stack
 * (valid until the next ds_open). -1 with errno. */
static int ds_open(struct dstack *d, int base, const char *dir, size_t len, bool mkdirs)
{
	if (d->n && d->fd[0] != base)
		ds_free(d);
	if (len + 1 > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		while (cap < len + 1)
			cap *= 2;
		char *q = realloc(d->path, cap);
		if (!q)
			return -1;
		d->path = q;
		d->cap = cap;
	}
	if (!d->n) {
		if (!d->capn) {
			d->fd = malloc(16 * sizeof *d->fd);
			d->end = malloc(16 * sizeof *d->end);
			if (!d->fd || !d->end) {
				ds_free(d);
				errno = ENOMEM;
				return -1;
			}
			d->capn = 16;
		}
		d->fd[0] = base;
		d->end[0] = 1;
		d->path[0] = '/';
		d->n = 1;
	}
	/* the deepest open directory that is DIR or an ancestor of it (depth 0 always is) */
	size_t i = d->n - 1;
	while (i > 0 && !(d->end[i] <= len && !memcmp(d->path, dir, d->end[i]) &&
			  (d->end[i] == len || dir[d->end[i]] == '/'))) {
		close(d->fd[i]);
		i--;
	}
	d->n = i + 1;
	memcpy(d->path, dir, len);
	d->path[len] = 0;
	size_t pos = d->end[i];
	while (pos < len) {
		while (pos < len && d->path[pos] == '/')
			pos++;
		size_t s0 = pos;
		while (pos < len && d->path[pos] != '/')
			pos++;
		if (pos == s0)
			break;
		if (d->n == d->capn) {
			size_t cap = d->capn * 2;
			int *f = realloc(d->fd, cap * sizeof *f);
			size_t *e = f ? realloc(d->end, cap * sizeof *e) : NULL;
			if (f)
				d->fd = f;
			if (!e) {
				errno = ENOMEM;
				return -1;
			}
			d->end = e;
			d->capn = cap;
		}
		char save = d->path[pos];
		d->path[pos] = 0;
		const char *name = d->path + s0;
		int parent = d->fd[d->n - 1], fd = -1;
		if (!mkdirs || fs_mkdirat(parent, name, 0700) == 0 || errno == EEXIST)
			fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d->path[pos] = save;
		if (fd < 0)
			return -1;
		d->fd[d->n] = fd;
		d->end[d->n] = pos;
		d->n++;
	}
	return d->fd[d->n - 1];
}

static const char *rule_where(const struct scan *s, uint32_t rule, char *buf, size_t n)
{
	if (rule == PLAN_NONE || rule >= s->plan.nrules) {
		snprintf(buf, n, "-");
		return buf;
	}
	const struct plan_rule *r = &s->plan.rules[rule];
	snprintf(buf, n, "%s:%u", plan_str(&s->plan, s->plan.srcs[r->src].path), r->line);
	return buf;
}

/* --- copies already made, by inode --------------------------------------------- */

static size_t ih_slot(const struct ihash *h, uint64_t dev, uint64_t ino)
{
	uint64_t k = (dev * 0x9e3779b97f4a7c15ull) ^ (ino * 0xc2b2ae3d27d4eb4full);
	return (size_t)(k ^ (k >> 29)) & (h->cap - 1);
}

static bool ih_find(const struct ihash *h, uint64_t dev, uint64_t ino, size_t *idx, uint32_t *vol)
{
	if (!h->cap)
		return false;
	for (size_t i = ih_slot(h, dev, ino);; i = (i + 1) & (h->cap - 1)) {
		if (h->idx[i] == SIZE_MAX)
			return false;
		if (h->dev[i] == dev && h->ino[i] == ino) {
			*idx = h->idx[i];
			*vol = h->vol[i];
			return true;
		}
	}
}

static void ih_free(struct ihash *h)
{
	free(h->dev);
	free(h->ino);
	free(h->idx);
	free(h->vol);
}

static void ih_put(struct ihash *h, uint64_t dev, uint64_t ino, size_t idx, uint32_t vol)
{
	if ((h->n + 1) * 2 > h->cap) {
		struct ihash g = {0};
		g.cap = h->cap ? h->cap * 2 : 256;
		g.dev = malloc(g.cap * sizeof *g.dev);
		g.ino = malloc(g.cap * sizeof *g.ino);
		g.idx = malloc(g.cap * sizeof *g.idx);
		g.vol = malloc(g.cap * sizeof *g.vol);
		if (!g.dev || !g.ino || !g.idx || !g.vol) {
			ih_free(&g);
			return; /* no dedup under memory pressure: copies stay correct */
		}
		for (size_t i = 0; i < g.cap; i++)
			g.idx[i] = SIZE_MAX;
		for (size_t i = 0; i < h->cap; i++)
			if (h->idx[i] != SIZE_MAX)
				ih_put(&g, h->dev[i], h->ino[i], h->idx[i], h->vol[i]);
		ih_free(h);
		*h = g;
	}
	size_t i = ih_slot(h, dev, ino);
	while (h->idx[i] != SIZE_MAX)
		i = (i + 1) & (h->cap - 1);
	h->dev[i] = dev;
	h->ino[i] = ino;
	h->idx[i] = idx;
	h->vol[i] = vol;
	h->n++;
}

/* --- errors --------------------------------------------------------------------- */

/* An error on DIR/NAME (NAME NULL: the directory itself): ErrorControl first, then
 * --continue. Returns 0 to skip the object and go on, -1 to stop (s->exit set). */
static int scan_error(struct scan *s, const char *dir, const char *name, int err, const char *what)
{
	uint32_t rule = PLAN_NONE;
	enum errp_action a = s->bound ? errp_decide(&s->b, dir, name, err, &rule) : ERRP_NONE;
	char obj[8192], where[512] = "";
	snprintf(obj, sizeof obj, "%s%s%s", dir, name && *name && strcmp(dir, "/") ? "/" : "",
		 name ? name : "");
	if (rule != PLAN_NONE) {
		const struct plan_errc *e = &s->plan.errcs[rule];
		snprintf(where, sizeof where, " (ErrorControl %s rule at %s:%u)",
			 e->fatal ? "fatal" : "nonFatal",
			 plan_str(&s->plan, s->plan.srcs[e->src].path), e->line);
	}
	char code[16];
	snprintf(code, sizeof code, "%d", err);
	bool skip = a == ERRP_NONFATAL || (a == ERRP_NONE && s->o->cont);
	rlog_msg(&s->log, skip ? RL_WARN : RL_ERROR, "%s %s: %s%s: %s", what,
		 rlog_esc(&s->log, obj), strerror(err), where,
		 skip ? (a == ERRP_NONFATAL ? "skipped" : "skipped (--continue)")
		      : (a == ERRP_FATAL ? "stopping"
					 : "stopping (no ErrorControl rule, no --continue)"));
	rlog_progress(&s->log, "error", "UnableToCopy", "objectName", obj, "action",
		      skip ? "Ignore" : "Abort", "errorCode", code, NULL);
	if (skip) {
		if (a == ERRP_NONFATAL)
			s->c.skipped_rule++;
		else
			s->c.skipped_continue++;
		return 0;
	}
	if (!s->exit)
		s->exit = EXIT_STOPPED;
	return -1;
}

/* A store-side failure: the store cannot be written. */
static int store_failure(struct scan *s, const char *what, const char *path, int err)
{
	rlog_msg(&s->log, RL_ERROR, "%s %s: %s: the capture failed", what, rlog_esc(&s->log, path),
		 strerror(err));
	if (!s->exit)
		s->exit = EXIT_FAILED;
	return -1;
}

/* --- volumes -------------------------------------------------------------------- */

static void svol_free(struct svol *v)
{
	free(v->mnt_real);
	free(v->mnt_logical);
	free(v->fstype);
	free(v->store_real);
	free(v->store_logical);
	free(v->upper);
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

static char *volume_store_path(const struct scan *s, const char *mnt);

/* The deepest existing directory on the way to PATH (PATH itself when it exists), opened
 * O_PATH, when it is on mount MNT_ID; -1 otherwise. *DEV: its device. */
static int open_deepest(const char *path, uint32_t mnt_id, dev_t *dev)
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
static int svol_of(struct scan *s, uint32_t mnt_id, dev_t dev)
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
		n->overlay = !strcmp(v->fstype, "overlay");
		if (n->overlay && v->upperdir && !(n->upper = strdup(v->upperdir)))
			return -1;
		if (n->overlay && !v->upperdir)
			n->readonly = true; /* an overlay without an upper layer */
	} else {
		n->mnt_real = strdup("?");
		n->fstype = strdup("?");
		n->no_links = true; /* unknown mount: never link, copy */
	}
	n->mnt_logical = n->mnt_real ? logical_of(s, n->mnt_real) : NULL;
	if (!n->mnt_logical && n->mnt_real && within(s->root_real, n->mnt_real))
		n->mnt_logical = strdup("/"); /* the root lies inside this mount */
	if (!n->mnt_real || !n->fstype)
		return -1;
	struct statfs sf;
	if (v && statfs(v->mnt, &sf) == 0) {
		n->fs_magic = (uint64_t)sf.f_type;
		n->link_max = vol_link_max(n->fs_magic);
		if (sf.f_flags & ST_RDONLY)
			n->readonly = true;
		if (n->fs_magic == VOL_OVERLAYFS_MAGIC)
			n->overlay = true; /* whatever mountinfo calls it */
	}
	if (n->upper && statfs(n->upper, &sf) == 0)
		n->link_max = vol_link_max((uint64_t)sf.f_type); /* links are made up there */
	int idx = (int)s->nsv++;
	/* a device other than the one this mount's store would be on: a subvolume (the
	 * master's own volume is found before the store's path is known) */
	if (v && !n->overlay && s->store_rel) {
		char *sp = volume_store_path(s, v->mnt);
		dev_t sdev = 0;
		int fd = sp ? open_deepest(sp, mnt_id, &sdev) : -1;
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
static int fixed_roots(struct scan *s)
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
		if (v->pseudo || !within(v->mnt, s->root_real) || !strcmp(v->mnt, s->root_real))
			continue;
		char *l = logical_of(s, v->mnt);
		int c = l ? vol_drive_class(v, l) : DC_FIXED;
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
static const char *store_base(const struct scan *s, const char *mnt)
{
	return within(s->root_real, mnt) ? s->root_real : mnt;
}

/* Real path of the store of the volume mounted at MNT: base + the store's relative path. */
static char *volume_store_path(const struct scan *s, const char *mnt)
{
	char *p;
	const char *base = store_base(s, mnt);
	if (asprintf(&p, "%s%s%s", base, strcmp(base, "/") ? "/" : "", s->store_rel) < 0)
		return NULL;
	return p;
}

/* Directories the walk must never enter: the master store and whatever would be a
 * per-volume store of this store path on any walkable mount (an earlier run's). */
static int skip_lists(struct scan *s, struct walk_skip **skip, size_t *nskip, char ***paths,
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
		if (!within(v->mnt, s->root_real) && !within(s->root_real, v->mnt))
			continue;
		char *p = volume_store_path(s, v->mnt);
		if (p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			(*skip)[(*nskip)++] = (struct walk_skip){st.st_dev, st.st_ino};
		char *l = p ? logical_of(s, p) : NULL;
		if (l)
			(*paths)[(*npaths)++] = l;
		free(p);
	}
	return 0;
}

/* --- pass 1: walk, decide, classify ------------------------------------------------ */

static bool stx_encrypted(const struct statx *x)
{
	return (x->stx_attributes_mask & STATX_ATTR_ENCRYPTED) &&
	       (x->stx_attributes & STATX_ATTR_ENCRYPTED);
}

static bool stx_os_locked(const struct statx *x)
{
	return x->stx_attributes & (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND);
}

/* Is the data of IT, on an overlayfs volume, in a lower layer (so that linking it makes
 * the kernel copy it up first)? It is unless the upper layer holds the file itself with
 * its data (not a metacopy). Without a visible upper layer: assumed lower. */
static bool ovl_lower(const struct scan *s, const struct item *it)
{
	const struct svol *v = &s->sv[it->vol];
	if (!v->upper)
		return true;
	char *real = NULL;
	if (asprintf(&real, "%s%s", strcmp(s->root_real, "/") ? s->root_real : "", it->path) < 0)
		return true;
	const char *rel = real;
	if (strcmp(v->mnt_real, "/")) {
		if (!within(real, v->mnt_real)) {
			free(real);
			return true;
		}
		rel = real + strlen(v->mnt_real);
	}
	char *up = NULL;
	bool lower = true;
	struct stat st;
	if (asprintf(&up, "%s%s", v->upper, rel) >= 0 && lstat(up, &st) == 0 && S_ISREG(st.st_mode))
		lower = lgetxattr(up, "trusted.overlay.metacopy", NULL, 0) >= 0 ||
			lgetxattr(up, "user.overlay.metacopy", NULL, 0) >= 0;
	free(up);
	free(real);
	return lower;
}

/* How to capture the regular file IT (statx X). 1 = capture, 0 = leave it out (skipped
 * by policy or by an error rule), -1 = stop. RAISE: report lock errors (pass 1 only). */
static int classify(struct scan *s, struct item *it, const struct statx *x)
{
	const struct scan_opts *so = s->so;
	char *dir = NULL; /* made when a lock needs it */
	const char *name = item_name(it);
	int rc = 1;
	it->flags = 0;
	it->lock_copy = it->copyup = it->plain = false;
	it->act = so->o.hardlink ? A_LINK : A_COPY;
	if (stx_encrypted(x)) {
		it->flags |= CF_ENCRYPTED;
		switch (so->efs) {
		case EFS_ABORT:
			rlog_msg(
			    &s->log, RL_ERROR,
			    "encrypted file %s: the scan stops (--efs abort, the default; --efs "
			    "skip, hardlink or decryptcopy say what to do with such files)",
			    rlog_esc(&s->log, it->path));
			s->exit = EXIT_CANCELED;
			rc = -1;
			goto out;
		case EFS_SKIP:
			rlog_msg(&s->log, RL_INFO, "encrypted file %s: left out (--efs skip)",
				 rlog_esc(&s->log, it->path));
			s->c.efs_skipped++;
			rc = 0;
			goto out;
		case EFS_DECRYPTCOPY:
			it->act = A_COPY;
			it->plain = true; /* the plaintext, never a clone of the ciphertext */
			break;
		case EFS_HARDLINK:
		case EFS_COPYRAW:
			break;
		}
	}
	if (stx_os_locked(x)) {
		it->flags |= CF_IMMUTABLE; /* "locked by the OS": cannot be linked, is copied */
		it->act = A_COPY;
	}
	const struct lock_key *lk =
	    locks_find(&s->locks, makedev(x->stx_dev_major, x->stx_dev_minor), (ino_t)x->stx_ino);
	if (lk && !(dir = strndup(it->path, it->dirlen)))
		return -1;
	if (lk) {
		it->flags |= CF_LOCKED;
		uint32_t r = PLAN_NONE;
		enum hlnk_action h = so->o.hardlink ? hlnk_decide(&s->b, dir, name, &r) : HLNK_NONE;
		if (h == HLNK_CREATE) {
			rlog_msg(&s->log, RL_INFO,
				 "%s is in use (pid %d): linked anyway (createHardLink)",
				 rlog_esc(&s->log, it->path), lk->pid);
		} else if (h == HLNK_ERROR) {
			it->act = A_COPY;
			it->lock_copy = true;
			rlog_msg(&s->log, RL_INFO, "%s is in use (pid %d): copied (errorHardLink)",
				 rlog_esc(&s->log, it->path), lk->pid);
		} else {
			rc = scan_error(s, dir, name, EBUSY,
					lk->writer ? "in use (open for writing by another process)"
						   : "in use (locked by another process)") == 0
				 ? 0
				 : -1;
			goto out;
		}
	}
	const struct svol *v = &s->sv[it->vol];
	if (it->act == A_LINK && v->no_links)
		it->act = A_COPY;
	if (v->overlay)
		it->copyup = ovl_lower(s, it);
	/* one more link would be refused (EMLINK): cloned or copied instead (a lower-layer
	 * file gets a fresh upper inode when linking copies it up) */
	if (it->act == A_LINK && !it->copyup && (uint64_t)x->stx_nlink >= v->link_max) {
		rlog_msg(&s->log, RL_DEBUG, "%s has %u links, the most its filesystem allows",
			 rlog_esc(&s->log, it->path), x->stx_nlink);
		it->act = A_COPY;
	}
	it->est = copy_cost(x->stx_size, x->stx_blocks);
out:
	free(dir);
	return rc;
}

static int push_item(struct scan *s, const struct item *it, size_t plen)
{
	if (items_push(&s->items, it, plen) != 0)
		return -1;
	s->nit++;
	return 0;
}

static int p1_object(void *ctx, const struct walk_obj *o)
{
	struct scan *s = ctx;
	struct item it = {0};
	if (s->stop && *s->stop)
		return WALK_STOPPED;
	int v = svol_of(s, o->mnt_id, makedev(o->stx->stx_dev_major, o->stx->stx_dev_minor));
	it.path = (char *)o->path; /* borrowed: the list keeps its own copy */
	if (v < 0) {
		s->exit = EXIT_FAILED;
		rlog_msg(&s->log, RL_ERROR, "out of memory");
		return -1;
	}
	it.dirlen = (uint32_t)o->dirlen;
	it.vol = (uint32_t)v;
	it.type = cat_type_of(o->stx->stx_mode);
	it.parent_only = o->parent_only;
	it.rule = o->d ? o->d->rule : PLAN_NONE;
	it.ctx = o->d ? o->d->ctx : 0;
	it.dev = makedev(o->stx->stx_dev_major, o->stx->stx_dev_minor);
	it.ino = o->stx->stx_ino;
	it.act = A_RECORD;
	if (it.type == CT_FILE) {
		int c = classify(s, &it, o->stx);
		if (c <= 0)
			return c;
	}
	s->sv[v].used = true;
	if ((s->nit + 1) % 1024 == 0)
		rlog_count(&s->log, "scanning", s->nit + 1);
	if (push_item(s, &it, o->pathlen)) {
		s->exit = EXIT_FAILED;
		rlog_msg(&s->log, RL_ERROR, "cannot keep the list of objects found: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int p1_error(void *ctx, const char *dir, const char *name, int err, const char *what)
{
	return scan_error(ctx, dir, name, err, what);
}

static void p1_skipped(void *ctx, const char *path, const char *why)
{
	struct scan *s = ctx;
	rlog_msg(&s->log, RL_DEBUG, "not entered: %s (%s)", rlog_esc(&s->log, path), why);
}

/* --- stores ----------------------------------------------------------------------- */

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
		char *sp = v->master ? strdup(s->store_real) : volume_store_path(s, v->mnt_real);
		v->probe_fd = sp ? open_deepest(sp, v->mnt_id, NULL) : -1;
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
	rlog_msg(&s->log, RL_DEBUG, "clones from the volume mounted at %s (%s) into the store on %s: %s%s%s",
		 rlog_esc(&s->log, s->sv[it->vol].mnt_real), s->sv[it->vol].fstype,
		 rlog_esc(&s->log, s->sv[d].mnt_real), ok == 1 ? "yes" : "no",
		 ok == 1 ? "" : ", ", ok == 1 ? "" : strerror(e));
	return ok == 1;
}

/* Where each file's payload goes and what that costs, per volume. Run after the walk,
 * and again when the stores exist (a store that could not be made sends its files on
 * to the master): an item only ever moves from link to clone to copy.
 *   A_LINK     its own volume's store; on overlayfs a lower-layer file is copied up by
 *              the kernel first (costs its size there), unless --overlay says otherwise;
 *   A_REFLINK  a clone in its home store (its own, the enclosing mount's for a btrfs
 *              subvolume): immutable and append-only files, files at the link limit,
 *              subvolumes -- free where the filesystem shares extents;
 *   A_COPY     the master store: by a clone when the master can take one, else copied. */
static void plan_payloads(struct scan *s)
{
	for (size_t i = 0; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		v->n_link = v->n_copy = v->copy_bytes = v->n_reflink = v->n_copyup = 0;
		v->copyup_bytes = v->from_bytes = 0;
	}
	enum overlay_mode om = s->so->overlay;
	struct icur cur;
	for (struct item *it = ic_first(&s->items, &cur, true); it; it = ic_next(&cur)) {
		if (it->type != CT_FILE)
			continue;
		struct svol *v = &s->sv[it->vol];
		int h = v->home;
		bool home_ok = h >= 0 && store_ok(&s->sv[h]);
		if (it->act == A_LINK && (h != (int)it->vol || !home_ok || v->no_links || v->readonly))
			it->act = A_COPY;
		/* a copy-up costs the file's size; a clone beside it costs nothing */
		if (it->act == A_LINK && it->copyup && om != OVL_LINK &&
		    (om == OVL_COPY || v->no_copyup || can_clone(s, it, h)))
			it->act = A_COPY;
		if (it->act == A_COPY && !it->plain && home_ok && can_clone(s, it, h))
			it->act = A_REFLINK;
		else if (it->act == A_REFLINK && !(home_ok && can_clone(s, it, h)))
			it->act = A_COPY;
		if (it->act == A_LINK && it->copyup) {
			v->n_copyup++;
			v->copyup_bytes += it->est;
		} else if (it->act == A_LINK) {
			v->n_link++;
		} else if (it->act == A_REFLINK || (!it->plain && can_clone(s, it, 0))) {
			v->n_reflink++;
		} else {
			v->n_copy++;
			v->from_bytes += it->est;
			s->sv[0].copy_bytes += it->est;
		}
	}
	ic_end(&cur);
}

/* Decide which volumes get a store of their own (before anything is created): those
 * that can hold one and receive a link or a clone. */
static int choose_stores(struct scan *s)
{
	for (size_t i = 1; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		free(v->store_real);
		free(v->store_logical);
		v->store_real = v->store_logical = NULL;
		if (v->subvol) {
			if (v->used && s->so->o.hardlink)
				rlog_msg(&s->log, RL_INFO,
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
		v->store_real = volume_store_path(s, v->mnt_real);
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
		v->store_logical = logical_of(s, v->store_real);
		v->home = (int)i;
	}
	plan_payloads(s);
	/* --overlay auto: copy-ups that do not fit go to the master instead */
	bool again = false;
	for (size_t i = 0; i < s->nsv && s->so->overlay == OVL_AUTO; i++) {
		struct svol *v = &s->sv[i];
		if (!v->overlay || !v->copyup_bytes || !store_ok(v))
			continue;
		uint64_t need = s->so->min_free + v->copyup_bytes + (v->master ? v->copy_bytes : 0);
		if (free_at(v->master ? s->store_real : v->store_real, NULL) >= need)
			continue;
		char a[32];
		rlog_msg(&s->log, RL_INFO,
			 "overlayfs mounted at %s: no room to copy up %s of lower-layer files "
			 "for links: they are copied into the master store (--overlay auto)",
			 rlog_esc(&s->log, v->mnt_real), mb(v->copyup_bytes, a, sizeof a));
		v->no_copyup = again = true;
	}
	if (again)
		plan_payloads(s);
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

/* Space: min_free on every store volume, plus every copied byte on the master's and
 * every byte overlayfs will copy up on an overlay volume's. */
static int check_space(struct scan *s, bool quiet)
{
	char a[32], b2[32], c[32], d[32];
	for (size_t i = 0; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (!v->master && !v->store_real)
			continue;
		uint64_t copies = (v->master ? v->copy_bytes : 0) + v->copyup_bytes;
		uint64_t need = s->so->min_free + copies;
		uint64_t have = free_at(v->master ? s->store_real : v->store_real, NULL);
		if (have >= need)
			continue;
		if (!quiet)
			rlog_msg(&s->log, RL_ERROR,
				 "not enough free space on the volume mounted at %s (store %s): "
				 "%s free, %s needed (%s to copy + %s to keep free)",
				 rlog_esc(&s->log, v->mnt_real),
				 rlog_esc(&s->log, v->master ? s->store_real : v->store_real),
				 mb(have, a, sizeof a), mb(need, b2, sizeof b2),
				 mb(copies, c, sizeof c),
				 mb(s->so->min_free, d, sizeof d));
		return -1;
	}
	return 0;
}

/* Remove per-volume stores an earlier scan of this store made that this one will not
 * reuse (read from the old catalog's volume table before the master is reset). */
static void drop_old_volume_stores(struct scan *s)
{
	char err[256];
	int meta = store_open_meta(s->store_real, err, sizeof err);
	if (meta < 0)
		return;
	struct cat_reader r;
	if (catr_open(meta, STORE_CATALOG, &r, err, sizeof err) != 0 &&
	    catr_open_partial(meta, &r, err, sizeof err) != 0) {
		close(meta);
		return;
	}
	for (size_t i = 0; i < r.nvols; i++) {
		const struct cat_vol_info *v = &r.vols[i];
		if ((v->v.flags & (CV_MASTER | CV_NO_STORE)) || !*v->store_dir)
			continue;
		char *real;
		if (asprintf(&real, "%s%s", strcmp(s->root_real, "/") ? s->root_real : "",
			     v->store_dir) < 0)
			continue;
		bool reused = false;
		for (size_t k = 0; k < s->nsv; k++)
			reused |= s->sv[k].store_real && !strcmp(s->sv[k].store_real, real);
		struct stat st;
		if (!reused && store_probe(real) != SS_NONE && store_probe(real) != SS_FOREIGN &&
		    lstat(real, &st) == 0) {
			int m2 = store_open_meta(real, err, sizeof err);
			bool vol = m2 >= 0 && store_get_role(m2) == SR_VOLUME;
			if (m2 >= 0)
				close(m2);
			if (vol) {
				size_t left = store_rmtree_at(AT_FDCWD, real, st.st_dev);
				rlog_msg(&s->log, left ? RL_WARN : RL_INFO,
					 "old per-volume store %s removed%s",
					 rlog_esc(&s->log, real), left ? " in part" : "");
			}
		}
		free(real);
	}
	catr_close(&r);
	close(meta);
}

static int open_file_dir(struct svol *v)
{
	v->file_fd =
	    openat(v->meta_fd, STORE_PAYLOAD, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return v->file_fd < 0 ? -1 : 0;
}

/* Create the master store and the per-volume ones; a volume whose store cannot be made
 * (read-only, the path leads onto another mount, ...) is copied into the master. */
static int create_stores(struct scan *s)
{
	char err[512];
	struct svol *m = &s->sv[0];
	if (s->so->overwrite)
		drop_old_volume_stores(s);
	m->meta_fd = store_create(s->store_real, s->so->overwrite, err, sizeof err);
	if (m->meta_fd < 0 || open_file_dir(m)) {
		rlog_msg(&s->log, RL_ERROR, "store %s: %s", rlog_esc(&s->log, s->store_real), err);
		s->exit = EXIT_BAD_STORE;
		return -1;
	}
	m->has_store = true;
	rlog_msg(&s->log, RL_INFO, "master store %s created", rlog_esc(&s->log, s->store_real));
	for (size_t i = 1; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (!v->store_real)
			continue;
		int mfd = open(store_base(s, v->mnt_real), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int top = -1;
		uint32_t got = 0;
		const char *why = NULL;
		if (mfd < 0) {
			why = strerror(errno);
		} else {
			v->meta_fd = store_create_volume(mfd, s->store_rel, s->so->overwrite, &top,
							 err, sizeof err);
			int e = errno;
			close(mfd);
			if (v->meta_fd < 0 && (e == EEXIST || e == ENOTEMPTY)) {
				rlog_msg(&s->log, RL_ERROR, "store %s: %s",
					 rlog_esc(&s->log, v->store_real), err);
				s->exit = EXIT_BAD_STORE;
				return -1;
			}
			if (v->meta_fd < 0)
				why = err;
			else if (vol_fd_mnt_id(top, &got) != 0 || got != v->mnt_id)
				why = "its path leads onto another mount";
		}
		if (!why && open_file_dir(v))
			why = strerror(errno);
		if (why) {
			rlog_msg(
			    &s->log, RL_WARN,
			    "no store on the volume mounted at %s (%s): its files are copied into "
			    "the master store",
			    rlog_esc(&s->log, v->mnt_real), why);
			if (top >= 0 && v->meta_fd >= 0) {
				struct stat st;
				if (fstat(top, &st) == 0)
					store_rmtree_at(top, STORE_META, st.st_dev);
				/* the top itself may have existed before: left empty */
			}
			if (v->meta_fd >= 0)
				close(v->meta_fd);
			v->meta_fd = -1;
			free(v->store_real);
			free(v->store_logical);
			v->store_real = v->store_logical = NULL;
		} else {
			v->has_store = true;
			rlog_msg(&s->log, RL_INFO, "store %s created for the volume mounted at %s",
				 rlog_esc(&s->log, v->store_real), rlog_esc(&s->log, v->mnt_real));
		}
		if (top >= 0)
			close(top);
	}
	plan_payloads(s);
	if (check_space(s, false)) {
		s->exit = EXIT_STARTUP;
		return -1;
	}
	return 0;
}

static int open_catalog(struct scan *s)
{
	struct cat_vol_info *vi = calloc(s->nsv, sizeof *vi);
	struct cat_user_info *ui = calloc(s->users.n ? s->users.n : 1, sizeof *ui);
	size_t n = 0;
	if (!vi || !ui) {
		free(vi);
		free(ui);
		return -1;
	}
	for (size_t i = 0; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (!v->master && !v->used && !v->has_store)
			continue;
		v->cat = (uint32_t)n;
		struct cat_vol_info *c = &vi[n++];
		c->v.dev = (uint64_t)v->dev;
		c->v.mnt_id = v->mnt_id;
		c->v.fs_magic = v->fs_magic;
		c->v.flags = (v->master ? CV_MASTER : 0) | (v->has_store ? 0 : CV_NO_STORE) |
			     (v->subvol ? CV_SUBVOLUME : 0);
		c->mount = v->mnt_logical ? v->mnt_logical : v->mnt_real;
		if (v->master) {
			c->store_dir = s->store_logical ? s->store_logical : s->store_real;
			if (!s->store_logical)
				c->v.flags |= CV_OUTSIDE_ROOT;
		} else {
			c->store_dir = v->has_store && v->store_logical ? v->store_logical : "";
		}
	}
	for (size_t i = 0; i < s->users.n; i++) {
		const struct rt_user *u = &s->users.v[i];
		ui[i].uid = u->uid;
		ui[i].gid = u->gid;
		ui[i].name = u->name;
		ui[i].home = u->home;
		for (int x = 0; x < CAT_XDG_N && x < XDG__N; x++)
			ui[i].xdg[x] = u->xdg[x];
	}
	s->cw = catw_open_ex(s->sv[0].meta_fd, s->plan.ruleset, vi, n, ui, s->users.n);
	int e = errno;
	free(vi);
	free(ui);
	errno = e;
	return s->cw ? 0 : -1;
}

/* --- pass 2: capture --------------------------------------------------------------- */

/* An fd of directory DIR (logical) beneath the root (directory stack). */
static int source_dir(struct scan *s, const char *dir)
{
	return ds_open(&s->src, s->rootfd, dir, strlen(dir), false);
}

/* The payload directory stack of volume V. */
static struct dstack *payload_stack(struct scan *s, const struct svol *v)
{
	size_t i = (size_t)(v - s->sv);
	if (i >= s->npstk) {
		struct dstack *q = realloc(s->pstk, s->nsv * sizeof *q);
		if (!q)
			return NULL;
		memset(q + s->npstk, 0, (s->nsv - s->npstk) * sizeof *q);
		s->pstk = q;
		s->npstk = s->nsv;
	}
	return &s->pstk[i];
}

/* An fd of File/<DIR> in the store of V, made as needed (0700), kept open. */
static int payload_dir(struct scan *s, struct svol *v, const char *dir)
{
	struct dstack *d = payload_stack(s, v);
	if (!d) {
		errno = ENOMEM;
		return -1;
	}
	return ds_open(d, v->file_fd, dir, strlen(dir), true);
}

static void fill_record(struct cat_record *r, const struct item *it, const struct statx *x)
{
	memset(r, 0, sizeof *r);
	r->type = cat_type_of(x->stx_mode);
	r->user = it->ctx;
	r->ino = x->stx_ino;
	r->size = x->stx_size;
	r->mtime_ns = (int64_t)x->stx_mtime.tv_sec * 1000000000 + x->stx_mtime.tv_nsec;
	r->atime_ns = (int64_t)x->stx_atime.tv_sec * 1000000000 + x->stx_atime.tv_nsec;
	r->ctime_ns = (int64_t)x->stx_ctime.tv_sec * 1000000000 + x->stx_ctime.tv_nsec;
	r->mode = x->stx_mode;
	r->uid = x->stx_uid;
	r->gid = x->stx_gid;
	r->nlink = x->stx_nlink;
	r->rule = it->rule;
	r->rdev = makedev(x->stx_rdev_major, x->stx_rdev_minor);
	r->flags = it->flags;
	if (it->parent_only)
		r->flags |= CF_PARENT;
}

/* Copy IT into the store of volume D (the master, or by COPY_CLONE_ONLY a clone into its
 * home store). 0 done, -1 failed (errno; *STORE_SIDE). */
static int do_copy(struct scan *s, struct item *it, int sfd, const struct statx *x,
		   struct cat_record *r, bool *store_side, size_t d, unsigned flags)
{
	struct svol *m = &s->sv[d];
	const char *name = item_name(it);
	char *dir = strndup(it->path, it->dirlen);
	*store_side = false;
	if (!dir)
		return -1;
	int dfd = payload_dir(s, m, dir);
	free(dir);
	if (dfd < 0) {
		*store_side = true;
		return -1;
	}
	size_t first;
	uint32_t fvol;
	uint64_t dev = makedev(x->stx_dev_major, x->stx_dev_minor), ino = x->stx_ino;
	if (ih_find(&s->copies, dev, ino, &first, &fvol) && fvol == d) {
		/* another name of an inode already copied: one more link to that copy */
		const char *fp = s->firsts[first].path + 1;
		if (fs_linkat(m->file_fd, fp, dfd, name, 0) == 0) {
			r->action = s->firsts[first].act == A_REFLINK ? CA_REFLINKED : CA_COPIED;
			r->flags |= CF_SHARED;
			r->volume = m->cat;
			if (r->action == CA_REFLINKED)
				s->c.reflinked++;
			else
				s->c.copied++;
			return 0;
		}
	}
	struct copy_result cr;
	if (copy_file(sfd, name, dfd, name, (dev_t)dev, (ino_t)ino, flags, &cr) != 0) {
		*store_side = cr.store_side;
		return -1;
	}
	r->action = cr.how == COPY_CLONE ? CA_REFLINKED : CA_COPIED;
	r->volume = m->cat;
	it->act = cr.how == COPY_CLONE ? A_REFLINK : A_COPY; /* what later names share */
	if (cr.how == COPY_CLONE)
		s->c.reflinked++;
	else
		s->c.copied++;
	s->c.bytes_copied += cr.bytes;
	if (x->stx_nlink > 1) { /* only an inode with other names can come again */
		struct first_copy *q = realloc(s->firsts, (s->nfirsts + 1) * sizeof *q);
		char *fp = q ? strdup(it->path) : NULL;
		if (q)
			s->firsts = q;
		if (fp) {
			q[s->nfirsts] = (struct first_copy){fp, it->act};
			ih_put(&s->copies, dev, ino, s->nfirsts++, (uint32_t)d);
		}
	}
	return 0;
}

/* Link the inode behind OFD as DFD/NAME. AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH;
 * without it the kernel answers ENOENT and /proc's link to the fd does the same job
 * (remembered, so an unprivileged scan asks once). */
static int link_fd(int ofd, int dfd, const char *name)
{
	static bool no_empty_path;
	if (!no_empty_path) {
		if (fs_linkat(ofd, "", dfd, name, AT_EMPTY_PATH) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
	}
	char proc[40];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", ofd);
	if (fs_linkat(AT_FDCWD, proc, dfd, name, AT_SYMLINK_FOLLOW) != 0)
		return -1;
	no_empty_path = true; /* ENOENT came from the missing capability, not the file */
	return 0;
}

/* Link IT into the store of its volume. 0 linked; 1 cannot link here (clone or copy it);
 * -1 failed (errno). */
static int do_link(struct scan *s, struct item *it, int sfd, const struct statx *x,
		   struct cat_record *r)
{
	struct svol *v = &s->sv[it->vol];
	struct svol *st = v->has_store ? v : NULL;
	const char *name = item_name(it);
	if (!st)
		return 1;
	char *dir = strndup(it->path, it->dirlen);
	if (!dir)
		return -1;
	int dfd = payload_dir(s, st, dir);
	free(dir);
	if (dfd < 0)
		return store_failure(s, "creating the payload directory for", it->path, errno);
	/* Link the file examined, by fd: a name swapped in between (for a symlink, or for a
	 * hard link of someone else's file) is never linked into the store, not even for
	 * the moment a check after the link would need (a crash there would keep it). */
	int ofd = openat(sfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat pre;
	if (ofd < 0 || fstat(ofd, &pre) != 0 || !S_ISREG(pre.st_mode) ||
	    pre.st_ino != (ino_t)x->stx_ino ||
	    pre.st_dev != makedev(x->stx_dev_major, x->stx_dev_minor)) {
		int e = ofd < 0 ? errno : ESTALE;
		if (ofd >= 0)
			close(ofd);
		errno = e;
		return -1;
	}
	int lrc = pre.st_nlink > 0 ? link_fd(ofd, dfd, name) : (errno = ENOENT, -1);
	int le = errno;
	close(ofd);
	errno = le;
	if (lrc != 0) {
		int e = errno;
		if (e == ENOSPC || e == EDQUOT || e == EIO)
			return store_failure(s, "linking into the store", it->path, e);
		if (e == EXDEV || e == EPERM || e == EMLINK || e == EROFS || e == EOPNOTSUPP) {
			if (e == EPERM && stx_os_locked(x))
				r->flags |= CF_IMMUTABLE;
			rlog_msg(&s->log, RL_DEBUG, "%s cannot be linked (%s): cloned or copied",
				 rlog_esc(&s->log, it->path), strerror(e));
			return 1;
		}
		errno = e;
		return -1;
	}
	/* what was linked must be what was examined (a rename in between swaps names); on
	 * overlayfs the copy-up may give the file a new inode number: then the source name
	 * must show the same new inode */
	struct stat chk, now;
	bool ok = fstatat(dfd, name, &chk, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(chk.st_mode);
	if (ok && chk.st_ino != (ino_t)x->stx_ino)
		ok = v->overlay && fstatat(sfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		     now.st_ino == chk.st_ino && now.st_dev == chk.st_dev;
	if (!ok) {
		unlinkat(dfd, name, 0);
		errno = ESTALE;
		return -1;
	}
	r->ino = chk.st_ino;
	r->action = CA_LINKED;
	r->volume = st->cat;
	st->did_link++;
	s->c.linked++;
	if (it->copyup) { /* it was in a lower layer: overlayfs copied it up to link it */
		r->flags |= CF_COPIED_UP;
		s->c.copied_up++;
		s->c.bytes_copied_up += it->est;
	}
	return 0;
}

static int capture_file(struct scan *s, struct item *it, int sfd, const struct statx *x,
			struct cat_record *r)
{
	char *dir = NULL;
	int rc;
	/* re-classify on the fresh metadata: the file may have changed since pass 1 */
	enum item_act planned = (enum item_act)it->act;
	uint16_t keep = it->flags & CF_LOCKED;
	bool lock_copy = it->lock_copy;
	if (!(it->flags & CF_LOCKED) && (rc = classify(s, it, x)) <= 0)
		return rc < 0 ? -1 : 0;
	it->flags |= keep;
	it->lock_copy |= lock_copy;
	if (planned != A_LINK)
		it->act = planned; /* the plan moved it to a clone or a copy */
	else if (it->act != A_LINK || stx_os_locked(x))
		it->act = it->plain ? A_COPY : A_REFLINK; /* cannot be linked any more */
	r->flags = it->flags;
	if (it->act == A_LINK) {
		rc = do_link(s, it, sfd, x, r);
		if (rc == 0)
			return 1;
		if (rc < 0) {
			if (s->exit)
				return -1;
			int e = errno;
			dir = strndup(it->path, it->dirlen);
			rc = scan_error(s, dir ? dir : "?", item_name(it), e, "linking");
			free(dir);
			return rc < 0 ? -1 : 0;
		}
		it->act = A_REFLINK; /* refused after all (EMLINK, EPERM ...) */
	}
	bool store_side;
	int e, h = s->sv[it->vol].home;
	if (it->act == A_REFLINK && h > 0 && s->sv[h].has_store) {
		if (do_copy(s, it, sfd, x, r, &store_side, (size_t)h, COPY_CLONE_ONLY) == 0)
			return 1;
		e = errno;
		if (store_side && (e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS))
			return store_failure(s, "cloning", it->path, e);
		rlog_msg(&s->log, RL_DEBUG, "%s cannot be cloned into %s (%s): copied",
			 rlog_esc(&s->log, it->path), rlog_esc(&s->log, s->sv[h].store_real),
			 strerror(e));
	}
	if (do_copy(s, it, sfd, x, r, &store_side, 0, it->plain ? COPY_NO_CLONE : 0) == 0)
		return 1;
	e = errno;
	if (store_side && (e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS))
		return store_failure(s, "copying", it->path, e);
	dir = strndup(it->path, it->dirlen);
	if (it->lock_copy)
		e = EBUSY; /* errorHardLink: a locked file that cannot be copied is "in use" */
	rc = scan_error(s, dir ? dir : "?", item_name(it), e, "copying");
	free(dir);
	return rc < 0 ? -1 : 0;
}

static const char *action_name(uint8_t a)
{
	static const char *const n[] = {"linked", "copied", "reflinked", "recorded"};
	return a < 4 ? n[a] : "?";
}

/* The quick way to capture a file planned as a link: open it as a path (O_PATH: no
 * permission check, no open file), check by that fd that it is still the inode pass 1
 * examined, and link that fd. Nothing swapped in under the name after the check can be
 * linked, not even for a moment (the identity check comes before the link, on the very
 * inode linked). 1 captured (R filled), 0 take the general path (which examines the file
 * afresh and handles every refusal of the link), -1 stop. */
static int link_first(struct scan *s, struct item *it, int sfd, struct cat_record *r)
{
	struct svol *v = &s->sv[it->vol];
	if (it->act != A_LINK || it->copyup || (it->flags & CF_LOCKED) || !v->has_store ||
	    v->overlay || v->file_fd < 0)
		return 0;
	const char *name = item_name(it);
	int ofd = openat(sfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (ofd < 0)
		return 0;
	struct statx x;
	if (statx(ofd, "", AT_EMPTY_PATH | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &x) != 0 ||
	    !S_ISREG(x.stx_mode) || x.stx_ino != it->ino ||
	    makedev(x.stx_dev_major, x.stx_dev_minor) != it->dev || x.stx_nlink == 0) {
		close(ofd); /* replaced or removed since pass 1: examined afresh */
		return 0;
	}
	struct dstack *d = payload_stack(s, v);
	int dfd = d ? ds_open(d, v->file_fd, it->path, it->dirlen, true) : -1;
	if (dfd < 0) {
		int e = d ? errno : ENOMEM;
		close(ofd);
		return store_failure(s, "creating the payload directory for", it->path, e);
	}
	int lrc = link_fd(ofd, dfd, name);
	close(ofd);
	if (lrc != 0)
		return 0;
	fill_record(r, it, &x);
	r->src_volume = v->cat;
	r->action = CA_LINKED;
	r->volume = v->cat;
	v->did_link++;
	s->c.linked++;
	return 1;
}

/* Capture one item. 0 go on, -1 stop. */
static int capture(struct scan *s, struct item *it)
{
	const char *dir = item_dir(s, it);
	const char *name = item_name(it);
	char *target = NULL;
	struct cat_record r;
	int rc = 0;
	if (!dir)
		return store_failure(s, "capturing", it->path, ENOMEM);
	int sfd = source_dir(s, dir);
	if (sfd < 0) {
		if (errno == ENOENT) {
			rlog_msg(&s->log, RL_WARN, "%s vanished during the scan: not captured",
				 rlog_esc(&s->log, it->path));
			s->c.vanished++;
			goto out;
		}
		rc = scan_error(s, dir, NULL, errno, "opening the directory");
		goto out;
	}
	if (it->type == CT_FILE && (rc = link_first(s, it, sfd, &r)) != 0) {
		if (rc < 0)
			goto out;
		rc = 0;
		goto record;
	}
	struct statx x;
	uint32_t mnt;
	if (vol_statx(sfd, name, &x, &mnt) != 0) {
		if (errno == ENOENT) {
			/* deleted since pass 1: nothing left to migrate, not an error */
			rlog_msg(&s->log, RL_WARN, "%s vanished during the scan: not captured",
				 rlog_esc(&s->log, it->path));
			s->c.vanished++;
			goto out;
		}
		rc = scan_error(s, dir, name, errno, "examining");
		goto out;
	}
	if (cat_type_of(x.stx_mode) != it->type) {
		rc = scan_error(s, dir, name, ESTALE,
				"examining (its type changed during the scan)");
		goto out;
	}
	fill_record(&r, it, &x);
	r.src_volume = s->sv[it->vol].cat;
	r.volume = r.src_volume;
	r.action = CA_RECORDED;
	if (it->type == CT_FILE) {
		int c = capture_file(s, it, sfd, &x, &r);
		if (c <= 0) {
			rc = c;
			goto out;
		}
	} else if (it->type == CT_SYMLINK) {
		size_t cap = x.stx_size ? x.stx_size + 1 : PATH_MAX;
		target = malloc(cap + 1);
		ssize_t n = target ? readlinkat(sfd, name, target, cap) : -1;
		if (n < 0) {
			free(target);
			rc = scan_error(s, dir, name, target ? errno : ENOMEM,
					"reading the symlink");
			goto out;
		}
		target[n] = 0;
		s->c.recorded++;
	} else if (it->parent_only) {
		s->c.parents++;
	} else {
		s->c.recorded++;
	}
record:
	if (catw_add_ex(s->cw, &r, it->path, target) != 0) {
		free(target);
		rc = store_failure(s, "writing the catalog entry of", it->path, errno);
		goto out;
	}
	free(target);
	if (it->type != CT_DIR)
		rlog_listfile(&s->log, it->path);
	if (s->o->verbose & RTV_OBJECTS) {
		char where[512];
		rlog_msg(&s->log, RL_INFO, "%s %s (%s)", action_name(r.action),
			 rlog_esc(&s->log, it->path), rule_where(s, it->rule, where, sizeof where));
	}
out:
	return rc;
}

/* --- payload directories made ahead ------------------------------------------------ */

/* A store's payload tree repeats the directories of what is linked into it, and making a
 * directory is the dearest call of a capture (an inode to allocate; on ext4 without a
 * journal also a scan past the inodes freed in the last minute). With a second CPU a
 * helper thread reads the item list ahead of pass 2 and makes the payload directories
 * of the files planned as links, so pass 2 mostly finds them made (its own mkdirat then
 * answers EEXIST, as on a rerun). The helper makes directories and nothing else (0700,
 * like pass 2); it shares with pass 2 only read-only state (the list's records, the
 * volumes) and two atomics, and blocks every signal so they reach the main thread. A
 * directory made for a file that then vanishes stays empty: verify and rd take the
 * payload's directories as they come. */
#define AHEAD_MIN_ITEMS 8192

struct ahead {
	struct scan *s;
	struct items list; /* its own view of the list (its own error state) */
	pthread_t th;
	atomic_size_t done; /* items pass 2 has reached: nothing to make there any more */
	atomic_int quit;
	bool running;
};

static void *ahead_main(void *arg)
{
	struct ahead *a = arg;
	struct scan *s = a->s;
	struct dstack *st = calloc(s->nsv, sizeof *st);
	struct icur cur;
	size_t i = 0;
	if (!st)
		return NULL;
	for (struct item *it = ic_first(&a->list, &cur, false); it; it = ic_next(&cur), i++) {
		if (atomic_load_explicit(&a->quit, memory_order_relaxed))
			break;
		if (i < atomic_load_explicit(&a->done, memory_order_relaxed))
			continue; /* pass 2 got there first */
		const struct svol *v = &s->sv[it->vol];
		if (it->type != CT_FILE || it->act != A_LINK || !v->has_store || v->overlay ||
		    v->file_fd < 0)
			continue;
		ds_open(&st[it->vol], v->file_fd, it->path, it->dirlen, true); /* pass 2 reports */
	}
	ic_end(&cur);
	for (size_t k = 0; k < s->nsv; k++)
		ds_free(&st[k]);
	free(st);
	return NULL;
}

/* Start the helper (after pass 2's reader flushed the list to its file, if it has one). */
static void ahead_start(struct scan *s, struct ahead *a)
{
	a->s = s;
	a->running = false;
	atomic_init(&a->done, 0);
	atomic_init(&a->quit, 0);
	/* small captures go without: a thread is not worth it there, and their system calls
	 * stay in one deterministic sequence (the fault-injection tests count them) */
	if (!s->so->o.hardlink || s->nit < AHEAD_MIN_ITEMS || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	a->list = s->items;
	a->list.err = 0;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	a->running = pthread_create(&a->th, NULL, ahead_main, a) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void ahead_stop(struct ahead *a)
{
	if (!a->running)
		return;
	atomic_store(&a->quit, 1);
	pthread_join(a->th, NULL);
	a->running = false;
}

static int pass2(struct scan *s)
{
	unsigned last_pct = 0;
	int rc = 0;
	rlog_progress(&s->log, "PHASE", "Collecting", NULL);
	struct icur cur;
	struct ahead ah;
	size_t i = 0;
	struct item *it = ic_first(&s->items, &cur, false);
	ahead_start(s, &ah);
	for (; it; it = ic_next(&cur), i++) {
		atomic_store_explicit(&ah.done, i, memory_order_relaxed);
		if (s->stop && *s->stop) {
			s->exit = EXIT_CANCELED;
			rlog_msg(&s->log, RL_ERROR, "interrupted: the store is left incomplete");
			rc = -1;
			break;
		}
		if (capture(s, it) < 0) {
			rc = -1;
			break;
		}
		/* stream: what an interruption leaves in catalog.partial stays close to the
		 * payload already in the store */
		if ((i + 1) % FLUSH_EVERY == 0 && catw_flush(s->cw) != 0) {
			rc = store_failure(s, "writing the catalog of", s->store_real, errno);
			break;
		}
		rlog_bar(&s->log, i + 1, s->nit);
		unsigned pct = (unsigned)((i + 1) * 100 / s->nit);
		if (pct / 10 != last_pct / 10) {
			char p[16];
			snprintf(p, sizeof p, "%u", pct);
			rlog_progress(&s->log, "totalPercentageCompleted", p, NULL);
			last_pct = pct;
		}
	}
	ahead_stop(&ah);
	ic_end(&cur);
	if (rc < 0)
		return rc;
	rlog_bar_end(&s->log);
	if (s->items.err)
		return store_failure(s, "reading back the list of objects found for",
				     s->store_real, s->items.err);
	return 0;
}

/* Flush every store, commit the catalog, then mark the stores complete (master last). */
static int commit(struct scan *s)
{
	rlog_progress(&s->log, "PHASE", "Saving", NULL);
	for (size_t i = 0; i < s->nsv; i++)
		if (s->sv[i].meta_fd >= 0)
			syncfs(s->sv[i].meta_fd);
	struct cat_writer *w = s->cw;
	s->cw = NULL;
	if (catw_commit(w) != 0)
		return store_failure(s, "committing the catalog of", s->store_real, errno);
	for (size_t i = s->nsv; i-- > 0;)
		if (s->sv[i].meta_fd >= 0 && store_set_state(s->sv[i].meta_fd, SS_COMPLETE) != 0)
			return store_failure(
			    s, "marking complete",
			    s->sv[i].store_real ? s->sv[i].store_real : s->store_real, errno);
	return 0;
}

/* --- reports ----------------------------------------------------------------------- */

static void xml_attr(FILE *f, const char *name, const char *v)
{
	fprintf(f, " %s=\"", name);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "&#x%x;", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* --estimate FILE: USMT /p's shape, plus one element per store volume. */
static int write_estimate(struct scan *s)
{
	FILE *f = fopen(s->so->estimate, "we");
	if (!f) {
		rlog_msg(&s->log, RL_ERROR, "cannot write the estimate %s: %s",
			 rlog_esc(&s->log, s->so->estimate), strerror(errno));
		return -1;
	}
	uint64_t files = 0, catalog = 4096;
	struct icur cur;
	for (const struct item *it = ic_first(&s->items, &cur, false); it; it = ic_next(&cur)) {
		files += it->type == CT_FILE;
		catalog += 96 + strlen(it->path);
	}
	ic_end(&cur);
	catalog = (catalog + 4095) & ~(uint64_t)4095;
	bool fits = check_space(s, true) == 0;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PreMigration>\n");
	fprintf(f, "  <storeSize><size clusterSize=\"4096\">%" PRIu64 "</size></storeSize>\n",
		s->sv[0].copy_bytes);
	fprintf(f, "  <temporarySpace><size>0</size></temporarySpace>\n");
	fprintf(f,
		"  <migstate objects=\"%zu\" files=\"%" PRIu64 "\" minFree=\"%" PRIu64
		"\" fits=\"%s\">\n",
		s->nit, files, s->so->min_free, fits ? "yes" : "no");
	for (size_t i = 0; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (!v->master && !v->used && !v->store_real)
			continue;
		uint64_t total = 0, fr = free_at(v->master	 ? s->store_real
						 : v->store_real ? v->store_real
								 : v->mnt_real,
						 &total);
		fprintf(f, "    <volume");
		xml_attr(f, "mount", v->mnt_real);
		xml_attr(f, "fstype", v->fstype);
		xml_attr(f, "store",
			 v->master	 ? s->store_real
			 : v->store_real ? v->store_real
					 : "");
		fprintf(f,
			" master=\"%s\" filesToLink=\"%" PRIu64 "\" filesToCopy=\"%" PRIu64
			"\" bytesToCopy=\"%" PRIu64 "\" freeBytes=\"%" PRIu64 "\"",
			v->master ? "yes" : "no", v->n_link, v->n_copy,
			v->master ? v->copy_bytes : 0, fr);
		/* what each way costs: links and clones nothing; copies of this volume's files
		 * their allocated size on the master; copy-ups theirs here. bytesUsed: what
		 * the free space of this volume's filesystem drops by (the master's also holds
		 * the catalog; directories, a few KiB each, are not counted) */
		fprintf(f,
			" subvolume=\"%s\" filesToReflink=\"%" PRIu64 "\" filesToCopyUp=\"%" PRIu64
			"\" bytesToCopyUp=\"%" PRIu64 "\" bytesCopiedToMaster=\"%" PRIu64
			"\" bytesUsed=\"%" PRIu64 "\"/>\n",
			v->subvol ? "yes" : "no", v->n_reflink, v->n_copyup, v->copyup_bytes,
			v->from_bytes,
			v->copyup_bytes + (v->master ? v->copy_bytes + catalog : 0));
	}
	fprintf(f, "  </migstate>\n</PreMigration>\n");
	if (fclose(f) != 0)
		return -1;
	rlog_msg(&s->log, RL_INFO, "estimate written to %s: %s to copy into the master store",
		 rlog_esc(&s->log, s->so->estimate), mb(s->sv[0].copy_bytes, (char[32]){0}, 32));
	return 0;
}

static void summary(struct scan *s, int rc, bool estimate)
{
	double secs = rlog_elapsed(&s->log);
	const struct counters *c = &s->c;
	char buf[32], ubuf[32], up[96] = "";
	if (c->copied_up)
		snprintf(up, sizeof up, " (%" PRIu64 " copied up by overlayfs: %s)", c->copied_up,
			 mb(c->bytes_copied_up, ubuf, sizeof ubuf));
	rlog_msg(
	    &s->log, RL_INFO,
	    "summary: %zu users, %" PRIu64 " files linked%s, %" PRIu64 " copied, %" PRIu64
	    " reflinked, %s copied, %" PRIu64 " other objects recorded, %" PRIu64
	    " errors skipped (--continue), %" PRIu64 " skipped by ErrorControl, %.1f s, exit %d",
	    s->users.n, c->linked, up, c->copied, c->reflinked,
	    mb(c->bytes_copied, buf, sizeof buf), c->recorded, c->skipped_continue,
	    c->skipped_rule, secs, rc);
	if (s->o->json) {
		FILE *o = stdout;
		fputs("{\"command\":\"scan\",\"store\":", o);
		json_str(o, s->store_real ? s->store_real : s->o->store);
		fprintf(o, ",\"exit_code\":%d,\"estimate\":%s,\"state\":\"%s\",\"users\":[", rc,
			estimate ? "true" : "false",
			estimate			      ? "none"
			: rc == EXIT_OK || rc == EXIT_SKIPPED ? "complete"
							      : "incomplete");
		for (size_t i = 0; i < s->users.n; i++) {
			if (i)
				fputc(',', o);
			json_str(o, s->users.v[i].name);
		}
		fprintf(o,
			"],\"objects\":%zu,\"files_linked\":%" PRIu64 ",\"files_copied\":%" PRIu64
			",\"files_reflinked\":%" PRIu64 ",\"bytes_copied\":%" PRIu64
			",\"files_copied_up\":%" PRIu64 ",\"bytes_copied_up\":%" PRIu64
			",\"objects_recorded\":%" PRIu64 ",\"parent_directories\":%" PRIu64
			",\"errors_skipped\":%" PRIu64 ",\"errors_ignored_by_rule\":%" PRIu64
			",\"encrypted_skipped\":%" PRIu64 ",\"vanished\":%" PRIu64
			",\"seconds\":%.3f,\"volumes\":[",
			s->nit, c->linked, c->copied, c->reflinked, c->bytes_copied, c->copied_up,
			c->bytes_copied_up, c->recorded, c->parents, c->skipped_continue,
			c->skipped_rule, c->efs_skipped, c->vanished, secs);
		bool first = true;
		for (size_t i = 0; i < s->nsv; i++) {
			struct svol *v = &s->sv[i];
			if (!v->master && !v->used && !v->store_real)
				continue;
			fputs(first ? "{\"mount\":" : ",{\"mount\":", o);
			first = false;
			json_str(o, v->mnt_real);
			fputs(",\"store\":", o);
			if (v->master || v->store_real)
				json_str(o, v->master ? s->store_real : v->store_real);
			else
				fputs("null", o);
			fprintf(o, ",\"fstype\":");
			json_str(o, v->fstype);
			fprintf(o,
				",\"master\":%s,\"subvolume\":%s,\"files_to_link\":%" PRIu64
				",\"files_to_copy\":%" PRIu64 ",\"bytes_to_copy\":%" PRIu64
				",\"files_to_reflink\":%" PRIu64 ",\"files_to_copy_up\":%" PRIu64
				",\"bytes_to_copy_up\":%" PRIu64 "}",
				v->master ? "true" : "false", v->subvol ? "true" : "false",
				v->n_link, v->n_copy, v->master ? v->copy_bytes : 0, v->n_reflink,
				v->n_copyup, v->copyup_bytes);
		}
		fputs("]}\n", o);
	} else if (!estimate && s->started) {
		printf("migstate scan: %zu users, %" PRIu64 " files linked%s, %" PRIu64
		       " reflinked, %" PRIu64 " copied (%s), "
		       "%" PRIu64 " errors skipped, %.1f s%s\n",
		       s->users.n, c->linked, up, c->reflinked, c->copied,
		       mb(c->bytes_copied, buf, sizeof buf), c->skipped_continue + c->skipped_rule,
		       secs,
		       rc == EXIT_OK	    ? ""
		       : rc == EXIT_SKIPPED ? ": errors were skipped, read the log"
					    : ": the store is incomplete");
	}
}

/* --- set-up ------------------------------------------------------------------------ */

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Output files named on the command line must not be inside the store. */
static int outside_store(struct scan *s, const char *what, const char *path)
{
	if (!path)
		return 0;
	char *a = abs_path(path);
	bool in = a && within(a, s->store_real);
	free(a);
	if (in) {
		fprintf(stderr,
			"migstate scan: the %s %s is inside the store %s: it would be "
			"overwritten; put it elsewhere\n",
			what, path, s->store_real);
		return -1;
	}
	return 0;
}

static int setup_paths(struct scan *s)
{
	const struct rt_opts *o = s->o;
	s->rootfd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->root_real = realpath(o->root, NULL);
	if (s->rootfd < 0 || !s->root_real) {
		fprintf(stderr, "migstate scan: --root %s: %s\n", o->root, strerror(errno));
		return EXIT_USAGE;
	}
	s->store_real = abs_path(o->store);
	if (!s->store_real) {
		fprintf(stderr, "migstate scan: the store path %s cannot be used: %s\n", o->store,
			strerror(errno));
		return EXIT_BAD_STORE;
	}
	s->store_logical = logical_of(s, s->store_real);
	if (outside_store(s, "log", o->log ? o->log : "migstate-scan.log") ||
	    outside_store(s, "progress log", o->progress) ||
	    outside_store(s, "file list", s->so->listfiles) ||
	    outside_store(s, "estimate", s->so->estimate))
		return EXIT_USAGE;
	return 0;
}

/* The master volume and the store's path relative to it. */
static int setup_master(struct scan *s)
{
	char *p = strdup(s->store_real);
	struct statx x;
	uint32_t mnt = 0;
	int rc = -1;
	if (!p)
		return -1;
	/* the deepest existing ancestor is on the mount the store will be on */
	for (;;) {
		int fd = open(*p ? p : "/", O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			rc = vol_statx(fd, "", &x, &mnt);
			close(fd);
			break;
		}
		char *sl = strrchr(p, '/');
		if (!sl)
			break;
		*sl = 0;
	}
	free(p);
	if (rc != 0)
		return -1;
	int v = svol_of(s, mnt, makedev(x.stx_dev_major, x.stx_dev_minor));
	if (v != 0)
		return -1; /* the master is always the first volume */
	struct svol *m = &s->sv[0];
	m->master = true;
	m->home = 0;
	/* relative path: from the logical mount point when both are beneath the root */
	const char *base = m->mnt_real, *full = s->store_real;
	if (s->store_logical && m->mnt_logical) {
		base = m->mnt_logical;
		full = s->store_logical;
	}
	size_t bl = strcmp(base, "/") ? strlen(base) : 0;
	if (!within(full, base) || !full[bl] || !full[bl + 1]) {
		fprintf(stderr,
			"migstate scan: the store %s is the root of a filesystem: give a "
			"directory inside it\n",
			s->store_real);
		return -2;
	}
	s->store_rel = strdup(full + bl + 1);
	return s->store_rel ? 0 : -1;
}

static int setup_bind(struct scan *s)
{
	struct plan_error pe;
	char err[512];
	if (plan_open(s->o->plan, &s->plan, &pe) != PLAN_OK) {
		rlog_msg(&s->log, RL_ERROR, "plan %s: %s: %s", rlog_esc(&s->log, s->o->plan),
			 plan_status_name(pe.status), pe.msg);
		return EXIT_BAD_PLAN;
	}
	s->plan_open = true;
	if (rtopts_select_users(s->o, s->rootfd, &s->users, &s->choices, &s->nchoices, err,
				sizeof err)) {
		rlog_msg(&s->log, RL_ERROR, "users: %s", err);
		return EXIT_ENVIRONMENT;
	}
	for (size_t i = 0; i < s->nchoices; i++) {
		rlog_msg(&s->log, RL_INFO, "user %s (uid %u): %s",
			 rlog_esc(&s->log, s->choices[i].name), s->choices[i].uid,
			 s->choices[i].reason);
		rlog_progress(&s->log, "detectedUser", s->choices[i].name, "includedInMigration",
			      s->choices[i].selected ? "Yes" : "No", NULL);
	}
	if (fixed_roots(s))
		return EXIT_FAILED;
	static struct utsname un;
	uname(&un);
	static struct rt_env env;
	env = (struct rt_env){
	    .rootfd = s->rootfd,
	    .users = s->users.v,
	    .nusers = s->users.n,
	    .defines = s->o->defines,
	    .ndefines = s->o->ndefines,
	    .drives = s->o->drives,
	    .ndrives = s->o->ndrives,
	    .fixed_roots = (const char *const *)s->fixed,
	    .nfixed = s->nfixed,
	    .class_roots = {NULL, (const char *const *)s->classroots[DC_REMOVABLE],
			    (const char *const *)s->classroots[DC_REMOTE],
			    (const char *const *)s->classroots[DC_CDROM]},
	    .nclass = {0, s->nclassroots[DC_REMOVABLE], s->nclassroots[DC_REMOTE],
		       s->nclassroots[DC_CDROM]},
	    .phase = PHASE_SCAN,
	    .os_release = un.release,
	};
	if (rt_bind(&s->plan, &env, &s->b, err, sizeof err) != 0) {
		rlog_msg(&s->log, RL_ERROR, "cannot bind the plan to this system: %s", err);
		return EXIT_BAD_PLAN;
	}
	s->bound = true;
	if (locks_load(&s->locks, s->so->in_use_writers ? LOCKS_WRITERS : 0) != 0)
		rlog_msg(&s->log, RL_WARN,
			 "cannot read /proc/locks: locked files are not detected");
	return 0;
}

static int pass1(struct scan *s)
{
	struct walk_skip *skip;
	char **paths;
	size_t nskip, npaths;
	if (skip_lists(s, &skip, &nskip, &paths, &npaths)) {
		free(skip);
		free(paths);
		return store_failure(s, "preparing", "the walk", ENOMEM);
	}
	struct walk_config wc = {&s->b,	 s->rootfd,
				 &s->vt, skip,
				 nskip,	 (const char *const *)paths,
				 npaths, s->so->trace ? stderr : NULL,
				 s->stop};
	struct walk_ops ops = {p1_object, p1_error, p1_skipped};
	struct walk_stats ws;
	rlog_progress(&s->log, "PHASE", "Scanning", NULL);
	s->started = true;
	if (s->items.tmpfd < 0)
		s->items.tmpfd = open_deepest(s->store_real, s->sv[0].mnt_id, NULL);
	int rc = walk_run(&wc, &ops, s, &ws);
	free(skip);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	char kept[64];
	mb(s->items.flen + s->items.len, kept, sizeof kept);
	rlog_msg(&s->log, RL_INFO,
		 "walk: %" PRIu64 " directories entered, %" PRIu64 " objects decided, %" PRIu64
		 " included (their list: %s, %s)",
		 ws.dirs, ws.decided, ws.included, kept,
		 s->items.fd >= 0 ? "in a temporary file" : "in memory");
	if (rc == WALK_STOPPED) {
		s->exit = EXIT_CANCELED;
		rlog_msg(&s->log, RL_ERROR, "interrupted");
	}
	return rc < 0 ? -1 : 0;
}

static void cleanup(struct scan *s)
{
	if (s->cw)
		catw_abort(s->cw);
	items_free(&s->items);
	ds_free(&s->src);
	for (size_t i = 0; i < s->npstk; i++)
		ds_free(&s->pstk[i]);
	free(s->pstk);
	free(s->dirbuf);
	for (size_t i = 0; i < s->nsv; i++)
		svol_free(&s->sv[i]);
	free(s->sv);
	ih_free(&s->copies);
	for (size_t i = 0; i < s->nfirsts; i++)
		free(s->firsts[i].path);
	free(s->firsts);
	free(s->probes);
	locks_free(&s->locks);
	if (s->bound)
		rt_unbind(&s->b);
	for (size_t i = 0; i < s->nfixed; i++)
		free(s->fixed[i]);
	free(s->fixed);
	for (int c = 1; c < DC__N; c++) {
		for (size_t i = 0; i < s->nclassroots[c]; i++)
			free(s->classroots[c][i]);
		free(s->classroots[c]);
	}
	users_free(&s->users);
	rtopts_choices_free(s->choices, s->nchoices);
	if (s->plan_open)
		plan_close(&s->plan);
	vol_free(&s->vt);
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->root_real);
	free(s->store_real);
	free(s->store_logical);
	free(s->store_rel);
}

int scan_run(const struct scan_opts *so, volatile sig_atomic_t *stop)
{
	struct scan s = {0};
	char err[512];
	int rc;
	s.so = so;
	s.o = &so->o;
	s.stop = stop;
	s.rootfd = -1;
	s.items.fd = s.items.tmpfd = -1;
	raise_nofile();
	if ((rc = setup_paths(&s)))
		goto out;
	if (rlog_open(&s.log, so->o.log ? so->o.log : "migstate-scan.log", so->o.progress,
		      so->estimate ? NULL : so->listfiles, so->o.verbose, err, sizeof err)) {
		fprintf(stderr, "migstate scan: %s\n", err);
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	s.log_open = true;
	rlog_progress(&s.log, "program", "migstate scan", "productVersion", MIGSTATE_VERSION, NULL);
	rlog_progress(&s.log, "PHASE", "Initializing", NULL);
	rlog_msg(&s.log, RL_INFO, "migstate %s scan: store %s, root %s, plan %s, %s store",
		 MIGSTATE_VERSION, rlog_esc(&s.log, s.store_real), rlog_esc(&s.log, s.root_real),
		 rlog_esc(&s.log, so->o.plan), so->o.hardlink ? "hard-link" : "copy");
	if (vol_load(&s.vt, err, sizeof err)) {
		rlog_msg(&s.log, RL_ERROR, "%s", err);
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	int m = setup_master(&s);
	if (m) {
		if (m == -1)
			rlog_msg(&s.log, RL_ERROR, "cannot find the volume of the store %s",
				 rlog_esc(&s.log, s.store_real));
		rc = EXIT_BAD_STORE;
		goto out;
	}
	/* an existing store is refused before any work (27), unless -o and ours */
	enum store_state st = store_probe(s.store_real);
	if (!so->estimate && (st == SS_FOREIGN || (st != SS_NONE && !so->overwrite))) {
		if (st == SS_FOREIGN)
			rlog_msg(&s.log, RL_ERROR,
				 "store %s: exists and is not a migstate store: left "
				 "untouched",
				 rlog_esc(&s.log, s.store_real));
		else
			rlog_msg(&s.log, RL_ERROR,
				 "store %s: a store (state %s%s) already exists there: "
				 "-o overwrites it",
				 rlog_esc(&s.log, s.store_real), store_state_names[st],
				 st == SS_COMPLETE ? "" : ", incomplete");
		rc = EXIT_BAD_STORE;
		goto out;
	}
	if ((rc = setup_bind(&s)))
		goto out;
	if (pass1(&s)) {
		rc = s.exit ? s.exit : EXIT_FAILED;
		goto out;
	}
	if (choose_stores(&s)) {
		rc = EXIT_FAILED;
		goto out;
	}
	char a[32];
	rlog_progress(&s.log, "totalSizeInMBToTransfer", mb(s.sv[0].copy_bytes, a, sizeof a), NULL);
	if (so->estimate) {
		rc = write_estimate(&s) ? EXIT_FAILED : EXIT_OK;
		summary(&s, rc, true);
		if (rc == EXIT_OK && !so->o.json)
			printf("migstate scan: estimate written to %s: %s to copy into the master "
			       "store\n",
			       so->estimate, mb(s.sv[0].copy_bytes, a, sizeof a));
		goto out;
	}
	if (check_space(&s, false)) {
		rc = EXIT_STARTUP;
		goto out;
	}
	if (create_stores(&s) || open_catalog(&s)) {
		if (!s.exit)
			store_failure(&s, "opening the catalog of", s.store_real, errno);
		rc = s.exit;
		goto out;
	}
	if (pass2(&s) || commit(&s)) {
		rc = s.exit ? s.exit : EXIT_FAILED;
		goto out;
	}
	rc = s.c.skipped_continue ? EXIT_SKIPPED : EXIT_OK;
	rlog_msg(&s.log, RL_INFO, "store %s complete", rlog_esc(&s.log, s.store_real));
out:
	if (s.log_open) {
		if (!so->estimate || rc != EXIT_OK)
			summary(&s, rc, false);
		snprintf(err, sizeof err, "%" PRIu64, s.c.skipped_continue + s.c.skipped_rule);
		rlog_progress(&s.log, "numberOfIgnoredErrors", err, "message",
			      rc == EXIT_OK	   ? "successful run"
			      : rc == EXIT_SKIPPED ? "completed with skipped errors"
						   : "stopped",
			      NULL);
		if (rlog_close(&s.log) && rc == EXIT_OK)
			rc = EXIT_ENVIRONMENT;
	}
	cleanup(&s);
	return rc;
}
