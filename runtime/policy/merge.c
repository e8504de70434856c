/* merge.c - collision names and merge modes (see merge.h). */
#include "merge.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const char *const merge_mode_names[] = {"rename", "source-priority", "destination-priority",
					"find-file-place-by-pattern", "newest-version"};

enum merge_mode merge_mode_of(const struct plan *p, uint32_t rule, const char **pattern)
{
	*pattern = NULL;
	if (rule == PLAN_NONE || rule >= p->nrules)
		return MM_RENAME;
	const struct plan_rule *r = &p->rules[rule];
	switch (r->helper) {
	case PLAN_HELPER_SOURCE_PRIORITY: return MM_SOURCE;
	case PLAN_HELPER_DESTINATION_PRIORITY: return MM_DEST;
	case PLAN_HELPER_NEWEST_VERSION: return MM_NEWEST;
	case PLAN_HELPER_FIND_FILE_PLACE:
		if (r->args[0] != PLAN_NONE && *plan_str(p, r->args[0])) {
			*pattern = plan_str(p, r->args[0]);
			return MM_PATTERN;
		}
		return MM_RENAME;
	default: return MM_RENAME;
	}
}

void merge_split(const char *name, size_t *baselen, const char **ext)
{
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name || dot[1] == 0) {
		*baselen = strlen(name);
		*ext = NULL;
		return;
	}
	*baselen = (size_t)(dot - name);
	*ext = dot + 1;
}

/* Append LEN bytes of S at *POS in OUT; false when it does not fit. */
static bool put(char *out, size_t outsz, size_t *pos, const char *s, size_t len)
{
	if (*pos + len >= outsz)
		return false;
	memcpy(out + *pos, s, len);
	*pos += len;
	out[*pos] = 0;
	return true;
}

static bool valid_name(const char *s)
{
	return *s && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 && !strchr(s, '/') &&
	       strlen(s) <= 255;
}

/* Expand PATTERN: <F> base, <N> counter, <E> extension. A '.' next to an empty <E> is
 * dropped so "<F> (<N>).<E>" on "README" gives "README (1)", not "README (1).". */
static int expand_pattern(const char *name, const char *pattern, unsigned n, char *out,
			  size_t outsz, bool *has_n)
{
	size_t blen, pos = 0;
	const char *ext;
	char num[16];
	merge_split(name, &blen, &ext);
	snprintf(num, sizeof num, "%u", n);
	*has_n = false;
	out[0] = 0;
	for (const char *s = pattern; *s;) {
		if (!strncmp(s, "<F>", 3) || !strncmp(s, "<f>", 3)) {
			if (!put(out, outsz, &pos, name, blen))
				return -1;
			s += 3;
		} else if (!strncmp(s, "<N>", 3) || !strncmp(s, "<n>", 3)) {
			*has_n = true;
			if (!put(out, outsz, &pos, num, strlen(num)))
				return -1;
			s += 3;
		} else if (!strncmp(s, "<E>", 3) || !strncmp(s, "<e>", 3)) {
			if (ext) {
				if (!put(out, outsz, &pos, ext, strlen(ext)))
					return -1;
			} else if (pos > 0 && out[pos - 1] == '.') {
				out[--pos] = 0;
			} else if (s[3] == '.') {
				s++;
			}
			s += 3;
		} else {
			if (!put(out, outsz, &pos, s, 1))
				return -1;
			s++;
		}
	}
	return 0;
}

int merge_tagged(const char *name, const char *tag, char *out, size_t outsz)
{
	size_t blen;
	const char *ext;
	merge_split(name, &blen, &ext);
	int n = snprintf(out, outsz, "%.*s(%s)%s%s", (int)blen, name, tag, ext ? "." : "",
			 ext ? ext : "");
	if (n < 0 || (size_t)n >= outsz || !valid_name(out))
		return -1;
	return 0;
}

int merge_candidate(const char *name, const char *pattern, unsigned n, char *out, size_t outsz)
{
	if (n == 0)
		return -1;
	if (!pattern) {
		char tag[16];
		snprintf(tag, sizeof tag, "%u", n);
		return merge_tagged(name, tag, out, outsz);
	}
	char first[512];
	bool has_n;
	if (expand_pattern(name, pattern, n, first, sizeof first, &has_n))
		return -1;
	if (has_n || n == 1) {
		if (strlen(first) >= outsz || !valid_name(first))
			return -1;
		memcpy(out, first, strlen(first) + 1);
		return 0;
	}
	/* no <N> in the pattern: its one name, then default-renamed variants of it */
	if (expand_pattern(name, pattern, 1, first, sizeof first, &has_n) || !valid_name(first))
		return -1;
	char tag[16];
	snprintf(tag, sizeof tag, "%u", n - 1);
	return merge_tagged(first, tag, out, outsz);
}

int merge_find_place(int dirfd, const char *base, bool base_first, const char *pattern,
		     merge_is_ours_fn is_ours, void *ctx, char *out, size_t outsz, bool *already)
{
	*already = false;
	for (unsigned n = base_first ? 0 : 1; n <= MERGE_MAX_TRIES; n++) {
		char cand[512];
		if (n == 0) {
			if (strlen(base) >= sizeof cand || !valid_name(base))
				return -1;
			memcpy(cand, base, strlen(base) + 1);
		} else if (merge_candidate(base, pattern, n, cand, sizeof cand)) {
			return -1;
		}
		struct stat st;
		if (fstatat(dirfd, cand, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT)
				return -1;
		} else if (!is_ours || !is_ours(dirfd, cand, ctx)) {
			continue;
		} else {
			*already = true;
		}
		if (strlen(cand) >= outsz)
			return -1;
		memcpy(out, cand, strlen(cand) + 1);
		return 0;
	}
	errno = EEXIST;
	return -1;
}
