/* pendrec.h - pending records (rd.h): one file per store in the pending directory,
 * NAME = the first 32 hex digits of sha256(store real path) + ".pending":
 *   migstate-pending 1 / store PATH / root PATH / id HEX / dev N / ino N / entry PATH...
 * (values escaped \xNN). rd_run writes it, `rd --pending` reads it, a scan that makes
 * a new store at the same path retires it. */
#ifndef MIGRT_PENDREC_H
#define MIGRT_PENDREC_H

#include <stdbool.h>
#include <stddef.h>

#include "rd.h"
#include "spill.h"
#include "store.h"

/* A pending record: the store's path and root, and which store instance it is about. */
struct pending_rec {
	char *store, *root;
	char id[STORE_INSTANCE_HEX + 1]; /* "" in records written before ids */
	bool have_top;
	unsigned long long dev, ino; /* the store top's identity when the record was made */
};

/* The record's file name for the store at STORE_REAL. */
void pendrec_name(const char *store_real, char out[80]);
/* Open the pending directory DIR, made (root's, 0700) when CREATE and missing. -1 with
 * errno (ENOENT: absent) and WHY; *UNTRUSTED when it is not safe. */
int pendrec_dir_open(const char *dir, bool create, bool *untrusted, char *why, size_t whysz);
/* Write S's record in DIR listing the N real paths in ENTRIES (NUL-terminated records),
 * or remove it when N is 0. LOST: an entry could not be kept, so the record is left as
 * it was (-1). 0 or -1 with errno. */
int pendrec_write(const char *dir, const struct sw_store *s, struct spill *entries, size_t n,
		  bool lost);
/* Read record NAME of directory DFD into P: 0, or -1 when it is not a record of ours. */
int pendrec_read(int dfd, const char *name, struct pending_rec *p);
void pendrec_free(struct pending_rec *p);
/* NULL when the opened store S is the one record P is about, still being removed;
 * else why not. */
const char *pendrec_mismatch(const struct sw_store *s, const struct pending_rec *p);
/* Set record NAME aside as NAME.retired. */
int pendrec_retire_at(int dfd, const char *name);

#endif
