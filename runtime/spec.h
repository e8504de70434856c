/* spec.h - the packed specificity key shared by the compiler (lint) and the runtime.
 *
 * Spec 6.2's order, node first: leading literal segments (root counts as one), then
 * an exact directory over a recursive/wildcard one, then the leaf (literal name over a
 * partial wildcard over a bare '*' over no leaf), then literal characters in the leaf.
 * Packed so that integer order is specificity order. */
#ifndef MIGRT_SPEC_H
#define MIGRT_SPEC_H

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
	return (uint32_t)segs << 14 | (uint32_t)(exact & 1) << 13 | (uint32_t)(leaf_rank & 3) << 11 |
	       (uint32_t)leaf_literal;
}

static inline unsigned spec_segs(uint32_t s) { return s >> 14; }
static inline unsigned spec_exact(uint32_t s) { return (s >> 13) & 1; }
static inline unsigned spec_leaf_rank(uint32_t s) { return (s >> 11) & 3; }

/* Leaf part of a plan leaf glob (NULL: no leaf). */
uint32_t spec_leaf_of_glob(const char *leaf, unsigned *rank);
/* Full key of a bound node glob plus a leaf glob. */
uint32_t spec_of_globs(const char *node, size_t nodelen, const char *leaf);

#endif
