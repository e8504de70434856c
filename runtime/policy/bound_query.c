/* bound_query.c - what a bound plan answers (bind.h): a pattern's globs in a context,
 * whether globs name a directory, and the condition helpers the VM runs (exists, same
 * object, OS version). bind.c builds what these read and runs the VM; vm.c and decide.c
 * ask these; none of them calls back into bind.c. */
#include "bind.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "match.h"

const struct rt_glob *rt_pattern_globs(const struct rt_bound *b, unsigned ctx, uint32_t k,
				       size_t *n)
{
	const struct plan *p = b->plan;
	const struct rt_globset *gs = &b->globs[(RT_PAT_SHARED(p, k) ? 0 : ctx) * p->npats + k];
	*n = gs->n;
	return gs->v;
}

bool rt_on_other_drive(const struct rt_bound *b, const char *dir, size_t len)
{
	for (int c = DC_FIXED + 1; c < DC__N; c++)
		for (size_t i = 0; i < b->env->nclass[c]; i++) {
			const char *r = b->env->class_roots[c][i];
			size_t rl = strlen(r);
			if (len >= rl && !memcmp(dir, r, rl) &&
			    (len == rl || dir[rl] == '/' || rl == 1))
				return true;
		}
	return false;
}

bool rt_globs_match_dir(const struct rt_bound *b, const struct rt_glob *g, size_t n,
			const char *dir, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (glob_node_match(g[i].node, g[i].nodelen, dir, len, b->match_flags) &&
		    !(g[i].fixed_drive && rt_on_other_drive(b, dir, len)))
			return true;
	return false;
}

/* --- conditions ---------------------------------------------------------------- */

#define EXISTS_MAX_DIRS 4096

struct finder {
	const struct rt_bound *b;
	const struct rt_glob *g;
	const char *leaf;
	size_t budget;
};

static bool leaf_hit(const struct finder *f, const char *name)
{
	return glob_match(f->leaf, strlen(f->leaf), name, strlen(name), f->b->match_flags);
}

/* Depth-first search below directory PATH (open as DFD) for an object the glob names:
 * 1 found, 0 not, -1 out of memory (errno ENOMEM): an answer nobody knows is not "no". */
static int find_below(struct finder *f, int dfd, char *path, size_t len)
{
	bool here = glob_node_match(f->g->node, f->g->nodelen, path, len, f->b->match_flags);
	DIR *d = fdopendir(dfd);
	int hit = 0;
	if (!d) {
		int e = errno;
		close(dfd);
		errno = e;
		return e == ENOMEM ? -1 : 0;
	}
	if (here && !f->leaf) {
		closedir(d);
		return 1; /* the directory itself is the object */
	}
	struct dirent *de;
	while (!hit && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		bool isdir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			isdir = !fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
				S_ISDIR(st.st_mode);
		}
		if (!isdir) {
			if (here && f->leaf && leaf_hit(f, de->d_name))
				hit = 1;
			continue;
		}
		if (!glob_has_star(f->g->node, f->g->nodelen) || f->budget == 0)
			continue;
		f->budget--;
		size_t nl = strlen(de->d_name);
		if (len + 1 + nl >= 4096)
			continue;
		size_t olen = len;
		if (len > 1)
			path[len++] = '/';
		memcpy(path + len, de->d_name, nl + 1);
		len += nl;
		int sub =
		    openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			hit = find_below(f, sub, path, len);
		len = olen;
		path[len] = 0;
	}
	int e = errno;
	closedir(d);
	errno = e;
	return hit;
}

int rt_exists(const struct rt_bound *b, unsigned ctx, uint32_t k)
{
	const struct plan *p = b->plan;
	const char *leaf = p->pats[k].leaf == PLAN_NONE ? NULL : plan_str(p, p->pats[k].leaf);
	size_t n;
	const struct rt_glob *g = rt_pattern_globs(b, ctx, k, &n);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		size_t plen = glob_literal_prefix(g[i].node, g[i].nodelen);
		size_t len = glob_unescape(g[i].node, plen, path, sizeof path);
		if (len == 0) {
			path[0] = '/';
			path[1] = 0;
			len = 1;
		}
		int fd = fs_open_dir(b->env->rootfd, path);
		if (fd < 0) {
			if (errno == ENOMEM)
				return -1;
			continue;
		}
		struct finder f = {b, &g[i], leaf, EXISTS_MAX_DIRS};
		int hit = find_below(&f, fd, path, len);
		if (hit)
			return hit;
	}
	return 0;
}

/* The one object a literal pattern names: dev/ino, or -1 when it does not exist. */
static int stat_literal(const struct rt_bound *b, unsigned ctx, uint32_t k, struct stat *st)
{
	const struct plan *p = b->plan;
	size_t n;
	const struct rt_glob *g = rt_pattern_globs(b, ctx, k, &n);
	if (n == 0 || glob_has_star(g[0].node, g[0].nodelen))
		return -1;
	char path[4096];
	glob_unescape(g[0].node, g[0].nodelen, path, sizeof path);
	int fd = fs_open_dir(b->env->rootfd, path);
	if (fd < 0)
		return -1;
	int rc;
	if (p->pats[k].leaf == PLAN_NONE) {
		rc = fstat(fd, st);
	} else {
		char leaf[1024];
		const char *lg = plan_str(p, p->pats[k].leaf);
		if (glob_has_star(lg, strlen(lg))) {
			close(fd);
			return -1;
		}
		glob_unescape(lg, strlen(lg), leaf, sizeof leaf);
		rc = fstatat(fd, leaf, st, AT_SYMLINK_NOFOLLOW);
	}
	close(fd);
	return rc;
}

int rt_same_object(const struct rt_bound *b, unsigned ctx, uint32_t k1, uint32_t k2)
{
	struct stat a, c;
	if (stat_literal(b, ctx, k1, &a) || stat_literal(b, ctx, k2, &c))
		return 0;
	return a.st_dev == c.st_dev && a.st_ino == c.st_ino;
}

/* Compare dotted numeric versions ("6.1.0-13-amd64" vs "5.10"): missing parts are 0. */
static int vercmp(const char *a, const char *b)
{
	while (*a || *b) {
		unsigned long x = strtoul(a, (char **)&a, 10), y = strtoul(b, (char **)&b, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		else
			a = "";
		if (*b == '.')
			b++;
		else
			b = "";
	}
	return 0;
}

int rt_os_compare(const struct rt_bound *b, unsigned cmp, const char *version)
{
	const char *rel = b->env->os_release ? b->env->os_release : "0";
	int c = vercmp(rel, version);
	switch (cmp) {
	case CMP_EQ:
		return c == 0;
	case CMP_NEQ:
		return c != 0;
	case CMP_LT:
		return c < 0;
	case CMP_LTE:
		return c <= 0;
	case CMP_GT:
		return c > 0;
	case CMP_GTE:
		return c >= 0;
	}
	return 0;
}

int rt_os_match(const struct rt_bound *b, const char *glob)
{
	const char *rel = b->env->os_release ? b->env->os_release : "";
	return glob_match(glob, strlen(glob), rel, strlen(rel), MATCH_FOLD);
}
