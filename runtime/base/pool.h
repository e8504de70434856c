/* pool.h - bump allocation for what a bound plan keeps until rt_unbind: thousands of
 * small strings and arrays (one per bound glob) cost one malloc per 64 KiB chunk and
 * are freed at once, instead of a malloc and a free each. */
#ifndef MIGRT_POOL_H
#define MIGRT_POOL_H

#include <stddef.h>

struct rt_pool_chunk;

struct rt_pool {
	struct rt_pool_chunk *head;
	char *cur; /* free space of the head chunk */
	size_t left;
};

/* SIZE bytes aligned for any object (not zeroed), or NULL when out of memory. */
void *rt_pool_alloc(struct rt_pool *p, size_t size);
/* A NUL-terminated copy of the N bytes at S, or NULL. */
char *rt_pool_strndup(struct rt_pool *p, const char *s, size_t n);
/* Free every chunk; the pool is empty again. */
void rt_pool_free(struct rt_pool *p);

#endif
