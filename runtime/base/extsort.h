/* extsort.h - sort byte records whose number has no bound in memory that has one.
 *
 * Records are kept in memory up to a budget; beyond it each full batch is sorted and
 * written as a run to an unlinked temporary file (O_TMPFILE: in a given directory
 * first, the store's, else $TMPDIR, else /tmp), and the runs are merged when read back
 * (several passes when there are more than XS_FANIN of them). The sort is stable:
 * records that compare equal come back in the order they were put. When no file can be
 * made, everything stays in memory (slower to fail than to refuse).
 *
 * rd and verify sort the restore journal in the catalog's order with it, du the names
 * of its inodes. MIGSTATE_TEST_ITEMS_MEM lowers the budget (spill_budget()), so the
 * tests reach the file and the merge passes with small stores. */
#ifndef MIGRT_EXTSORT_H
#define MIGRT_EXTSORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_FANIN 32u /* runs merged at once */

/* <0, 0, >0 like memcmp. */
typedef int (*xs_cmp_fn)(const unsigned char *a, size_t an, const unsigned char *b, size_t bn);

struct xs_run {
	uint64_t off, len; /* bytes of the run in the file */
};

struct xs_src {		   /* one run being merged */
	uint64_t pos, end; /* file offsets still to read */
	unsigned char *buf;
	size_t len, at, cap; /* buf holds [at, len) not yet returned */
	const unsigned char *rec;
	size_t rlen; /* the run's current record */
};

struct xsort {
	xs_cmp_fn cmp;
	size_t budget;
	int dirfd;	      /* where to make the file first (not owned), -1 */
	unsigned char *arena; /* records not in the file yet: u32 length + bytes */
	size_t alen, acap;
	size_t *offs; /* their offsets in arena, sorted when reading */
	size_t n, ncap;
	int fd; /* the unlinked file, -1 none */
	bool nofile;
	uint64_t flen;
	struct xs_run *runs;
	size_t nruns, capruns;
	bool reading;
	size_t next;	    /* reading from memory: index into offs */
	struct xs_src *src; /* reading from the file: the runs being merged */
	size_t *heap;	    /* indices into src, smallest head first */
	size_t nheap;
	uint64_t count; /* records put */
	int err;	/* errno of the first failure (sticky) */
};

/* An empty sorter: beyond BUDGET bytes, runs go to a file made in DIRFD (-1: $TMPDIR or
 * /tmp). */
void xs_init(struct xsort *x, int dirfd, size_t budget, xs_cmp_fn cmp);
/* Add a record of N bytes. 0, or -1 with errno. */
int xs_put(struct xsort *x, const void *rec, size_t n);
/* Sort, and read from the first record (again, after a first read). 0 or -1. */
int xs_rewind(struct xsort *x);
/* The next record in order (valid until the next call) and its length; NULL at the end
 * or on an error (then x->err). */
const unsigned char *xs_get(struct xsort *x, size_t *n);
/* Did the records move to a file? */
static inline bool xs_in_file(const struct xsort *x)
{
	return x->fd >= 0 && x->nruns > 0;
}
void xs_free(struct xsort *x);

#endif
