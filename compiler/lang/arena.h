/* arena.h - bump allocation for the compiler: one arena per run, freed at once,
 * so that error paths in the front end cannot leak. */
#ifndef MIGC_ARENA_H
#define MIGC_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);
/* Release every allocation but keep one block: for a scratch arena reused per job. */
void arena_reset(struct arena *a);
/* Zeroed, 16-byte aligned memory; aborts with a message on out-of-memory. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Append P to the growable array *ARR of *N pointers (arena-backed). */
void arena_push(struct arena *a, void ***arr, size_t *n, void *p);

#endif
