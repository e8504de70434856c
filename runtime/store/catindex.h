/* catindex.h - storewalk.c's use of the catalog index (catindex.c): read the records
 * into memory and index them, unless SW_STREAM, or SW_ORDERED and the catalog is in walk
 * order (then s->ordered, and cursors stream it). */
#ifndef MIGRT_CATINDEX_H
#define MIGRT_CATINDEX_H

#include <stddef.h>

#include "storewalk.h"

/* 0, or -1 with ERR. */
int sw_index_load(struct sw_store *s, unsigned flags, char *err, size_t errsz);
void sw_index_free(struct sw_store *s);

#endif
