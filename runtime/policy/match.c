/* match.c - the glob matcher: iterative, with backtracking only to the last star, so a
 * match costs O(len(pattern) * len(subject)) at worst and never recurses. */
#include "match.h"

static unsigned char fold(unsigned char c, unsigned flags)
{
	if ((flags & MATCH_FOLD) && c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c;
}

bool glob_match(const char *pat, size_t plen, const char *s, size_t slen, unsigned flags)
{
	size_t p = 0, i = 0;
	size_t star_p = (size_t)-1, star_i = 0;

	while (i < slen) {
		if (p < plen && pat[p] == '*') {
			star_p = ++p;
			star_i = i;
			continue;
		}
		if (p < plen) {
			unsigned char pc = (unsigned char)pat[p];
			size_t step = 1;
			if (pc == '\\' && p + 1 < plen) {
				pc = (unsigned char)pat[p + 1];
				step = 2;
			}
			if (fold(pc, flags) == fold((unsigned char)s[i], flags)) {
				p += step;
				i++;
				continue;
			}
		}
		if (star_p == (size_t)-1)
			return false;
		p = star_p;
		i = ++star_i;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

bool glob_node_match(const char *glob, size_t glen, const char *dir, size_t dlen, unsigned flags)
{
	if (glob_match(glob, glen, dir, dlen, flags))
		return true;
	/* "/x/ *" also names /x itself. The '/' must be a separator: preceded by an even
	 * run of backslashes ("/x\\/ *" is the directory "x\" recursively; "\/" would be
	 * an escaped byte). */
	size_t bs = 0;
	while (glen >= 3 + bs && glob[glen - 3 - bs] == '\\')
		bs++;
	if (glen >= 2 && glob[glen - 1] == '*' && glob[glen - 2] == '/' && bs % 2 == 0) {
		size_t base = glen - 2;
		if (base == 0) /* "/ *": the root itself */
			return dlen == 1 && dir[0] == '/';
		return glob_match(glob, base, dir, dlen, flags);
	}
	return false;
}

bool glob_has_star(const char *glob, size_t glen)
{
	for (size_t i = 0; i < glen; i++) {
		if (glob[i] == '\\') {
			i++;
			continue;
		}
		if (glob[i] == '*')
			return true;
	}
	return false;
}

size_t glob_literal_prefix(const char *glob, size_t glen)
{
	size_t last_sep = 0;
	for (size_t i = 0; i < glen; i++) {
		if (glob[i] == '\\') {
			i++;
			continue;
		}
		if (glob[i] == '/')
			last_sep = i;
		if (glob[i] == '*')
			return last_sep;
	}
	return glen;
}

size_t glob_unescape(const char *glob, size_t glen, char *out, size_t outsz)
{
	size_t n = 0;
	for (size_t i = 0; i < glen && n + 1 < outsz; i++) {
		if (glob[i] == '\\' && i + 1 < glen)
			i++;
		out[n++] = glob[i];
	}
	if (outsz)
		out[n] = 0;
	return n;
}
