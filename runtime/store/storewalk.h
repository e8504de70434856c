/* storewalk.h - an opened store as load, rd, verify and du see it: the catalog (read in
 * order through a cursor, or read into memory and indexed by (volume, path) when it is
 * out of walk order: catindex.c), one directory fd per volume's store (storewalk.c);
 * with the bottom-up walker (treewalk.h), the restore journal (journal.h) and the
 * content comparison (samecontent.h) its users need.
 *
 * Where things are (store.h): the master store is the STORE argument; every other
 * volume's store is its catalog store_dir, a logical path resolved beneath the root
 * (--root, or the prefix of STORE's real path that precedes the master's logical
 * store_dir). A captured object's payload is <volume store>/MIGSTATE/File/<logical path>
 * in the store of the volume its record names. */
#ifndef MIGRT_STOREWALK_H
#define MIGRT_STOREWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "catalog.h"
#include "fdstack.h"
#include "journal.h"
#include "samecontent.h"
#include "store.h"
#include "treewalk.h"

struct sw_rec {
	struct cat_record r;
	char *path;   /* logical path */
	char *target; /* symlinks: the target the catalog keeps, else NULL */
};

struct sw_store {
	char *arg;    /* STORE as given */
	char *real;   /* its real path */
	int store_fd; /* STORE */
	int meta_fd;  /* STORE/MIGSTATE */
	enum store_state state;
	bool have_cat;
	const char *cat_name; /* "catalog", or "catalog.partial" of an interrupted scan */
	struct cat_reader cat;
	struct sw_rec *recs;
	size_t nrecs;
	uint32_t *index; /* open addressing over recs, UINT32_MAX empty */
	size_t index_cap;
	char *root; /* real path of the root (logical "/") */
	int rootfd;
	size_t master; /* index of the master volume (CV_MASTER) */
	size_t nvols;
	int *vol_fd;	     /* each volume's store directory, -1 when absent */
	int *file_fd;	     /* its MIGSTATE/File, -1 when absent */
	char **vol_real;     /* real path of each volume's store directory */
	bool *vol_unmounted; /* its mount point is not mounted: the store may be there */
	bool root_guessed;   /* no --root and none derivable: "/" assumed */
	bool ordered;	     /* SW_ORDERED: the catalog is in walk order, records are read
				through a cursor (sw_cursor_*) instead of recs */
	struct fdstack *dirs; /* open directories (bounded): [v] in volume v's File/,
				 [nvols] beneath the root (sw_payload_dir, sw_open_parent) */
};

#define SW_ALLOW_PARTIAL 1u /* fall back to catalog.partial (rd of an interrupted scan) */
#define SW_NO_CATALOG 2u    /* a store with neither catalog is still opened (rd) */
#define SW_STREAM                                                                                  \
	4u /* records are not read into recs (no sw_find): the caller                              \
	      reads the catalog in order itself (load) */
#define SW_ORDERED                                                                                 \
	8u /* rd, verify, du: records are not read into recs when the                              \
	      catalog is in walk order (every catalog scan writes is):                             \
	      sw_cursor_* reads them in order, finds them in walk order.                           \
	      A catalog out of that order is read and indexed as before */

#define SW_NO_LOCK 16u /* the caller already holds the store's lock (scan -o) */

/* Open the store at PATH. ROOT NULL: derived as described above. Returns 0, or -1
 * with ERR and *EXIT_CODE (27 not a store of ours, unusable, or not trusted: owned or
 * writable by another user (storeguard.h); 34 not permitted; 75 another migstate
 * command holds the store's lock). The lock is held until sw_close. */
int sw_open(struct sw_store *s, const char *path, const char *root, unsigned flags, char *err,
	    size_t errsz, int *exit_code);
void sw_close(struct sw_store *s);

/* The record of the payload at logical PATH in volume VOL's store, or NULL. */
const struct sw_rec *sw_find(const struct sw_store *s, uint32_t vol, const char *path, size_t len);

/* Walk order of two logical paths: pre-order, names compared by bytes (a path sorts
 * before everything below it, "/a/b" before "/a.txt"): the catalog's record order and
 * sw_walk()'s. <0, 0, >0. */
int sw_path_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Reading the records of one volume (VOL, or every volume: SW_ALL_VOLS) in catalog
 * order, and finding the record of a payload path while walking a store in walk order
 * (sw_walk()). With recs (no SW_ORDERED, or a catalog out of order) this is a plain
 * index; otherwise it streams the catalog: the paths given to sw_cursor_find must not
 * go backwards, and one cursor at a time uses the store's reader. The record returned
 * is valid until the next call. */
#define SW_ALL_VOLS UINT32_MAX
struct sw_cursor {
	struct sw_store *s;
	uint32_t vol;
	size_t i;	/* with recs: the next index */
	bool have, end; /* streaming: rec holds the next record not passed yet */
	struct sw_rec rec;
	size_t len; /* strlen(rec.path) */
	char *tbuf;
};
int sw_cursor_open(struct sw_cursor *c, struct sw_store *s, uint32_t vol);
const struct sw_rec *sw_cursor_next(struct sw_cursor *c);
/* The record of VOL at logical PATH (the first, when the catalog has it twice), or
 * NULL. */
const struct sw_rec *sw_cursor_find(struct sw_cursor *c, const char *path, size_t len);
void sw_cursor_close(struct sw_cursor *c);
/* Number of catalog records. */
size_t sw_nrecords(const struct sw_store *s);

/* Open the directory holding record R's payload (beneath that volume's File/, no
 * symlinks followed); *LEAF is the payload's name. -1 with errno when unavailable.
 * The caller closes the fd; the directories on the way stay open in a bounded stack,
 * so records taken in walk order cost an open per new directory at any depth. */
int sw_payload_dir(const struct sw_store *s, const struct sw_rec *r, const char **leaf);
/* The same for the parent of logical path LOGICAL beneath the root (fs_open_parent,
 * through a stack of its own). */
int sw_open_parent(const struct sw_store *s, const char *logical, const char **leaf);
/* ... and of directory LOGICAL itself. */
int sw_open_dir(const struct sw_store *s, const char *logical);
/* lstat of record R's payload. */
int sw_payload_stat(const struct sw_store *s, const struct sw_rec *r, struct stat *st);

/* Hex of a 32-byte hash into OUT (65 bytes). */
void sw_hex(const unsigned char h[32], char out[65]);

#endif
