/* du_engine.h - the engine of `migstate du`: what a store really costs, each inode
 * counted once wherever its names are (the rules are in du_engine.c). cli/cmd_du.c
 * parses the command line and prints what this counts. */
#ifndef MIGRT_DU_ENGINE_H
#define MIGRT_DU_ENGINE_H

#include <stddef.h>
#include <stdint.h>

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
/* The categories' names, as the JSON report spells them. */
extern const char *const du_cat_names[DU__N];

struct du_totals {
	size_t names;	   /* names seen in the store */
	size_t inodes;	   /* each counted once */
	uint64_t apparent; /* st_size over every name that is not a directory */
	size_t count[DU__N];
	uint64_t bytes[DU__N]; /* apparent bytes per category */
	uint64_t cost[DU__N];  /* bytes the store alone pays for */
	int walk_err;	       /* part of the store could not be read (errno): no total */
	char *walk_where;      /* where (relative to a volume's store; NULL: unknown) */
	int err;	       /* the count itself failed (errno): no total */
};

/* Count every volume's store of S (opened with SW_ORDERED) into T. 0, or -1 with
 * T->walk_err or T->err set. The sort's file (beyond 4 MiB of names) goes to $TMPDIR
 * or /tmp: du writes nothing in the store it measures. du_totals_free(T) either way. */
int du_measure(struct sw_store *s, struct du_totals *t);
void du_totals_free(struct du_totals *t);

#endif
