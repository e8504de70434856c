/* spec.c - specificity of bound globs (see spec.h). */
#include "spec.h"

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

uint32_t spec_of_globs(const char *node, size_t nodelen, const char *leaf)
{
	size_t pre = glob_literal_prefix(node, nodelen);
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
	unsigned rank;
	unsigned lit = spec_leaf_of_glob(leaf, &rank);
	return spec_pack_parts(segs, !glob_has_star(node, nodelen), rank, lit);
}
