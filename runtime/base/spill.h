/* spill.h - an append-only list of byte records, read back once in order, whose memory
 * does not grow with its length: beyond a budget the records move to an unlinked
 * temporary file (O_TMPFILE), made in a given directory first (the store's, so the
 * bytes land on the filesystem that has the room), else in $TMPDIR, else /tmp. When no
 * file can be made at all, everything stays in memory (slower to fail than to refuse).
 *
 * scan keeps its item list here (scan_items.c), load its per-object lists (the
 * decisions of its first pass, the copies whose times are checked at the end), rd and
 * verify theirs. MIGSTATE_TEST_ITEMS_MEM=N (64 or more) lowers every budget to N bytes,
 * so the tests exercise the file with small trees. */
#ifndef MIGRT_SPILL_H
#define MIGRT_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spill {
	unsigned char *buf;  /* records not in the file yet; while reading, the read buffer */
	size_t len, cap;
	size_t budget;
	int dirfd;           /* where to make the file first (not owned), -1 */
	int fd;              /* the unlinked file, -1: none yet */
	bool nofile;         /* none could be made: all of it stays in buf */
	uint64_t flen;       /* bytes in the file */
	uint64_t count;      /* records appended */
	bool reading;
	uint64_t next;       /* reading: offset of the next record (file or buf) */
	uint64_t roff;       /* file offset of buf[0] while reading from the file */
	int err;             /* errno of the first failure (sticky) */
};

/* An empty list: records beyond BUDGET bytes go to a file made in DIRFD (-1: $TMPDIR
 * or /tmp). */
void spill_init(struct spill *s, int dirfd, size_t budget);
/* Append a record of N bytes. 0, or -1 with errno. */
int spill_put(struct spill *s, const void *rec, size_t n);
/* Append one record made of A[0..AN) then B[0..BN). */
int spill_put2(struct spill *s, const void *a, size_t an, const void *b, size_t bn);
/* Start reading from the first record (no more spill_put after this). 0 or -1. */
int spill_rewind(struct spill *s);
/* The next record (valid until the next call; the caller may change its bytes) and its
 * length; NULL at the end or on an error (then s->err). */
unsigned char *spill_get(struct spill *s, size_t *n);
/* Readers of their own (scan's item list: its planning loops, pass 2 and pass 2's
 * read-ahead thread): each has its read position and cache, reads from the first record,
 * and may rewrite bytes of the record it is at. spill_cur_open moves what is still
 * buffered to the file when there is one; no spill_put while a reader is open.
 * spill_rewind/spill_get are the one-reader form of the same. */
struct spill_cur {
	struct spill *s;
	unsigned char *rbuf; /* file bytes [roff, roff + rlen) */
	size_t rlen, rcap;
	uint64_t roff;
	uint64_t at, next; /* offsets of the current and the next record */
	int err;	   /* errno of the first failure (sticky) */
};
/* 0, or -1 with c->err. */
int spill_cur_open(struct spill_cur *c, struct spill *s);
/* The next record and its length; NULL at the end or on an error (then c->err). Valid
 * until the next call. */
unsigned char *spill_cur_get(struct spill_cur *c, size_t *n);
/* Replace bytes [OFF, OFF + N) of the record the reader is at. 0, or -1 with c->err. */
int spill_cur_rewrite(struct spill_cur *c, size_t off, const void *bytes, size_t n);
void spill_cur_close(struct spill_cur *c);

/* Did the records move to a file? */
static inline bool spill_in_file(const struct spill *s) { return s->fd >= 0; }
void spill_free(struct spill *s);

/* BUDGET, or the test hook's smaller one. */
size_t spill_budget(size_t budget);

#endif
