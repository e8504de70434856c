/* spec.h - the packed specificity key shared by the compiler (lint) and the runtime.
 *
 * Spec 6.2's order, node first: leading literal segments (root counts as one), then
 * an exact directory over a recursive/wildcard one, then the leaf (literal name over a
 * partial wildcard over a bare '*' over no leaf), then literal characters in the leaf.
 * Packed so that integer order is specificity order. */
#ifndef MIGRT_SPEC_H
#define MIGRT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum leaf_rank { LEAF_NONE, LEAF_STAR, LEAF_PARTIAL, LEAF_LITERAL };

static inline uint32_t spec_pack_parts(unsigned segs, unsigned exact, unsigned leaf_rank,
				       unsigned leaf_literal)
{
	if (segs > 0x3ff)
		segs = 0x3ff;
	if (leaf_literal > 0x7ff)
		leaf_literal = 0x7ff;
	return (uint32_t)segs << 14 | (uint32_t)(exact & 1) << 13 |
	       (uint32_t)(leaf_rank & 3) << 11 | (uint32_t)leaf_literal;
}

static inline unsigned spec_segs(uint32_t s)
{
	return s >> 14;
}
static inline unsigned spec_exact(uint32_t s)
{
	return (s >> 13) & 1;
}
static inline unsigned spec_leaf_rank(uint32_t s)
{
	return (s >> 11) & 3;
}

/* Leaf part of a plan leaf glob (NULL: no leaf). */
uint32_t spec_leaf_of_glob(const char *leaf, unsigned *rank);
/* Full key of a bound node glob plus a leaf glob. */
uint32_t spec_of_globs(const char *node, size_t nodelen, const char *leaf);
/* The same from parts computed once: the node's literal prefix length PRE
 * (glob_literal_prefix), whether it has a star, and the leaf's spec_leaf_of_glob. */
uint32_t spec_of_node(const char *node, size_t pre, bool star, unsigned leaf_rank,
		      unsigned leaf_literal);
/* spec_of_node of a bound node glob, with its prefix length and star found on the way
 * (*PRE = glob_literal_prefix, *STAR = glob_has_star): one scan per glob for rt_bind. */
uint32_t spec_of_bound(const char *node, size_t len, unsigned leaf_rank, unsigned leaf_literal,
		       size_t *pre, bool *star);

#endif
