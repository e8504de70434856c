/* pool.c - bump allocator (see pool.h). */
#include "pool.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define POOL_CHUNK 65536u

struct rt_pool_chunk {
	struct rt_pool_chunk *next;
	alignas(max_align_t) char data[];
};

void *rt_pool_alloc(struct rt_pool *p, size_t size)
{
	const size_t al = alignof(max_align_t);
	size = (size + al - 1) & ~(al - 1);
	if (size == 0)
		size = al;
	if (size > p->left) {
		/* a large request gets a chunk of its own; the head keeps its free space */
		size_t cap = size > POOL_CHUNK / 4 ? size : POOL_CHUNK;
		struct rt_pool_chunk *c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		if (cap == size && p->head) {
			c->next = p->head->next;
			p->head->next = c;
			return c->data;
		}
		c->next = p->head;
		p->head = c;
		p->cur = c->data;
		p->left = cap;
	}
	void *r = p->cur;
	p->cur += size;
	p->left -= size;
	return r;
}

char *rt_pool_strndup(struct rt_pool *p, const char *s, size_t n)
{
	char *r = rt_pool_alloc(p, n + 1);
	if (r) {
		memcpy(r, s, n);
		r[n] = 0;
	}
	return r;
}

void rt_pool_free(struct rt_pool *p)
{
	while (p->head) {
		struct rt_pool_chunk *n = p->head->next;
		free(p->head);
		p->head = n;
	}
	p->cur = NULL;
	p->left = 0;
}
