/* specificity.c - the precedence order of spec 6.2 (see specificity.h). */
#include "specificity.h"

static int seg_has_star(const struct pat_seg *s)
{
	for (size_t i = 0; i < s->natoms; i++)
		if (s->atoms[i].kind == PA_STAR)
			return 1;
	return 0;
}

void spec_of(const struct pat *p, struct spec_key *out)
{
	unsigned lit = (p->root == PR_DRIVE || p->root == PR_HIVE || p->root == PR_SEP) ? 1u : 0u;
	size_t i = 0;
	int star = 0;

	for (; i < p->nsegs; i++) {
		if (seg_has_star(&p->segs[i])) {
			star = 1;
			break;
		}
		lit++;
	}
	out->literal_segs = (uint16_t)(lit > 0xffff ? 0xffff : lit);
	out->exact_dir = star ? 0 : 1;

	unsigned stars = 0, chars = 0;
	for (size_t j = 0; j < p->nleaf; j++) {
		if (p->leaf[j].kind == PA_STAR)
			stars++;
		else if (p->leaf[j].text)
			for (const char *c = p->leaf[j].text; *c; c++)
				chars++;
	}
	if (!p->has_leaf)
		out->leaf_rank = 0;
	else if (stars == 0)
		out->leaf_rank = 3;
	else if (chars > 0)
		out->leaf_rank = 2;
	else
		out->leaf_rank = 1;
	out->leaf_literal = (uint16_t)(chars > 0xffff ? 0xffff : chars);
}

uint32_t spec_pack(const struct spec_key *k)
{
	uint32_t segs = k->literal_segs > 0x3ff ? 0x3ff : k->literal_segs;
	uint32_t lch = k->leaf_literal > 0x7ff ? 0x7ff : k->leaf_literal;
	/* 10 bits segments | 1 bit exact | 2 bits leaf rank | 11 bits leaf literal chars */
	return (segs << 14) | ((uint32_t)k->exact_dir << 13) | ((uint32_t)k->leaf_rank << 11) | lch;
}

int spec_compare(const struct spec_key *a, const struct spec_key *b)
{
	uint32_t x = spec_pack(a), y = spec_pack(b);
	return x < y ? -1 : x > y ? 1 : 0;
}
