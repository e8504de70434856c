/* arena.c - bump allocator for the compiler front end.
 *
 * Memory is handed out from a chain of blocks; nothing is freed until arena_free().
 * Requests larger than a quarter block get a block of their own so that a big
 * allocation does not waste the rest of the current one. */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16u
#define ARENA_BLOCK (64u * 1024u)

struct arena_block {
	struct arena_block *next;
	size_t size; /* usable bytes in data[] */
	size_t used;
	_Alignas(16) unsigned char data[];
};

struct arena {
	struct arena_block *head; /* block being filled */
	struct arena_block *big;  /* dedicated blocks for large requests */
};

static void arena_oom(size_t size)
{
	fprintf(stderr, "migc: out of memory (allocating %zu bytes)\n", size);
	abort();
}

static struct arena_block *block_new(size_t size)
{
	if (size > SIZE_MAX - sizeof(struct arena_block))
		arena_oom(size);
	struct arena_block *b = malloc(sizeof(*b) + size);
	if (!b)
		arena_oom(size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

/* Create an empty arena. */
struct arena *arena_new(void)
{
	struct arena *a = calloc(1, sizeof(*a));
	if (!a)
		arena_oom(sizeof(*a));
	return a;
}

static void chain_free(struct arena_block *b)
{
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
}

/* Release every allocation made from A, and A itself. */
void arena_free(struct arena *a)
{
	if (!a)
		return;
	chain_free(a->head);
	chain_free(a->big);
	free(a);
}

/* Forget every allocation made from A but keep its newest block for reuse: a scratch
 * arena reset before each small job allocates from the same memory every time. */
void arena_reset(struct arena *a)
{
	chain_free(a->big);
	a->big = NULL;
	if (a->head) {
		chain_free(a->head->next);
		a->head->next = NULL;
		a->head->used = 0;
	}
}

/* Zeroed, 16-byte aligned memory from A. */
void *arena_alloc(struct arena *a, size_t size)
{
	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_ALIGN)
		arena_oom(size);
	size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (rounded > ARENA_BLOCK / 4) {
		struct arena_block *b = block_new(rounded);
		b->next = a->big;
		a->big = b;
		memset(b->data, 0, rounded);
		return b->data;
	}
	if (!a->head || a->head->size - a->head->used < rounded) {
		struct arena_block *b = block_new(ARENA_BLOCK);
		b->next = a->head;
		a->head = b;
	}
	void *p = a->head->data + a->head->used;
	a->head->used += rounded;
	memset(p, 0, rounded);
	return p;
}

/* Copy at most N bytes of S into the arena, NUL-terminated. */
char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	const char *end = memchr(s, '\0', n);
	size_t len = end ? (size_t)(end - s) : n;
	char *p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Copy the NUL-terminated string S into the arena. */
char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

/* Capacity of an array holding N elements: the next power of two (minimum 4). */
static size_t push_capacity(size_t n)
{
	size_t cap = 4;
	while (cap < n)
		cap *= 2;
	return cap;
}

/* Append P to *ARR (length *N). The array grows by doubling; the old storage stays
 * in the arena (a few wasted bytes are the price of never freeing one by one). */
void arena_push(struct arena *a, void ***arr, size_t *n, void *p)
{
	size_t cap = *arr ? push_capacity(*n) : 0;
	if (*n == cap) {
		size_t ncap = push_capacity(*n + 1);
		void **grown = arena_alloc(a, ncap * sizeof(void *));
		if (*n)
			memcpy(grown, *arr, *n * sizeof(void *));
		*arr = grown;
	}
	(*arr)[(*n)++] = p;
}
