/* inotab.h - a table keyed by an inode's identity (three 64-bit words: a device or a
 * catalog volume, an inode number, and whatever else tells two copies apart), each key
 * holding a small value of a fixed size.
 *
 * scan counts every inode once (the space check, --estimate) and makes later names of a
 * copied inode links of its first copy; load does the same for copies it restores. Only
 * objects with more than one name go in (st_nlink > 1), and an entry is removed once
 * every name of its inode has been seen, so the table holds the inodes whose names are
 * still to come: memory follows the hard-linked files, not the tree. */
#ifndef MIGRT_INOTAB_H
#define MIGRT_INOTAB_H

#include <stddef.h>
#include <stdint.h>

struct inotab {
	unsigned char *slots; /* cap slots: key, used flag, value */
	size_t vsize;	      /* bytes of a value */
	size_t cap, n;
};

/* An empty table whose values are VSIZE bytes. */
void inotab_init(struct inotab *t, size_t vsize);
/* The value of key (A, B, C), NULL when absent. Valid until the next put or del. */
void *inotab_get(const struct inotab *t, uint64_t a, uint64_t b, uint64_t c);
/* The value of key (A, B, C), added zeroed when absent; NULL when out of memory. */
void *inotab_put(struct inotab *t, uint64_t a, uint64_t b, uint64_t c);
/* Remove key (A, B, C) if present. */
void inotab_del(struct inotab *t, uint64_t a, uint64_t b, uint64_t c);
/* Visit every value (for the owner to free what values point to). */
void inotab_each(struct inotab *t, void (*fn)(void *val));
/* Empty it (VSIZE kept); inotab_free releases the memory too. */
void inotab_clear(struct inotab *t);
void inotab_free(struct inotab *t);

#endif
