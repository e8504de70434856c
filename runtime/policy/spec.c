/* spec.c - specificity of bound globs (see spec.h). */
#include "spec.h"

#include <string.h>

#include "match.h"

uint32_t spec_leaf_of_glob(const char *leaf, unsigned *rank)
{
	unsigned stars = 0, lit = 0;
	if (!leaf) {
		*rank = LEAF_NONE;
		return 0;
	}
	for (const char *c = leaf; *c; c++) {
		if (*c == '\\' && c[1]) {
			c++;
			lit++;
		} else if (*c == '*') {
			stars++;
		} else {
			lit++;
		}
	}
	*rank = stars == 0 ? LEAF_LITERAL : lit ? LEAF_PARTIAL : LEAF_STAR;
	return lit;
}

uint32_t spec_of_node(const char *node, size_t pre, bool star, unsigned leaf_rank,
		      unsigned leaf_literal)
{
	unsigned segs = 1; /* the root */
	for (size_t i = 1; i < pre; i++) {
		if (node[i] == '\\') {
			i++;
			continue;
		}
		if (node[i] == '/')
			segs++;
	}
	if (pre > 1)
		segs++; /* the last segment of the prefix */
	return spec_pack_parts(segs, !star, leaf_rank, leaf_literal);
}

uint32_t spec_of_globs(const char *node, size_t nodelen, const char *leaf)
{
	unsigned rank;
	unsigned lit = spec_leaf_of_glob(leaf, &rank);
	return spec_of_node(node, glob_literal_prefix(node, nodelen), glob_has_star(node, nodelen),
			    rank, lit);
}

uint32_t spec_of_bound(const char *node, size_t len, unsigned leaf_rank, unsigned leaf_literal,
		       size_t *pre, bool *star)
{
	if (memchr(node, '\\', len)) { /* escapes: the general scans */
		*pre = glob_literal_prefix(node, len);
		*star = glob_has_star(node, len);
		return spec_of_node(node, *pre, *star, leaf_rank, leaf_literal);
	}
	/* no escapes: the prefix ends at the last '/' before the first '*' (0 when there
	 * is none), and library scans find both */
	const char *st = memchr(node, '*', len);
	*star = st != NULL;
	if (st) {
		const char *sl = memrchr(node, '/', (size_t)(st - node));
		*pre = sl ? (size_t)(sl - node) : 0;
	} else {
		*pre = len;
	}
	unsigned segs = 1; /* the root */
	for (const char *q = node + 1; *pre > 1 && (q = memchr(q, '/', *pre - (size_t)(q - node)));
	     q++)
		segs++;
	if (*pre > 1)
		segs++; /* the last segment of the prefix */
	return spec_pack_parts(segs, !*star, leaf_rank, leaf_literal);
}
