/* specificity.h - how specific a location pattern is, for include/exclude precedence.
 *
 * USMT never defines "more specific"; we use the total order of spec 6.2, node first:
 *   1. more leading literal node segments (the drive or root variable counts as one)
 *   2. an exact directory beats a recursive one (a node ending in `\*` or holding `*`)
 *   3. leaf: a literal name beats a partial wildcard (more literal characters first),
 *      which beats a bare `*`; no leaf at all ranks lowest
 * Ties between an include and an exclude go to the exclude (decided by the caller). */
#ifndef MIGC_SPECIFICITY_H
#define MIGC_SPECIFICITY_H

#include <stdint.h>

#include "pattern.h"

struct spec_key {
	uint16_t literal_segs; /* leading segments without '*' (root counts as one) */
	uint8_t exact_dir;     /* 1 when the node has no '*' at all */
	uint8_t leaf_rank;     /* 3 literal, 2 partial wildcard, 1 bare '*', 0 no leaf */
	uint16_t leaf_literal; /* literal characters in the leaf */
};

void spec_of(const struct pat *p, struct spec_key *out);
/* <0 if A is less specific than B, 0 if equal, >0 if more specific. */
int spec_compare(const struct spec_key *a, const struct spec_key *b);
/* The key packed into 32 bits so that integer order is specificity order (for the plan). */
uint32_t spec_pack(const struct spec_key *k);

#endif
