/* bind.c - bind a plan to a machine (see bind.h): expand patterns per context, decide
 * which components and rules are active, and fill the path index. */
#include "bind.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expand.h"
#include "fsutil.h"
#include "match.h"
#include "opcodes.h"
#include "spec.h"
#include "trie.h"
#include "vm.h"

#define PAT_SHARED(p, k) (!((p)->pats[k].flags & (PP_USER | PP_EACH_USER)))

const struct rt_glob *rt_pattern_globs(const struct rt_bound *b, unsigned ctx, uint32_t k,
				       size_t *n)
{
	const struct plan *p = b->plan;
	const struct rt_globset *gs = &b->globs[(PAT_SHARED(p, k) ? 0 : ctx) * p->npats + k];
	*n = gs->n;
	return gs->v;
}

static const struct rt_user *ctx_user(const struct rt_bound *b, unsigned ctx)
{
	return ctx == 0 ? NULL : &b->env->users[ctx - 1];
}

/* Add pattern K's globs for user U to GS. Expansion goes through the bind's cache XC;
 * the globs and their text live in the bound plan's pool. */
static int add_globs(struct rt_bound *b, struct rt_xcache *xc, struct rt_globset *gs,
		     const struct rt_user *u, uint32_t k, char *err, size_t errsz)
{
	const struct plan *p = b->plan;
	const struct plan_pat *pt = &p->pats[k];
	const char *tmpl = plan_str(p, pt->node);
	struct rt_xout l;
	int rc = rt_expand_cached(xc, u, tmpl, true, &l, err, errsz);
	if (rc == EXP_ERROR)
		return -1;
	if (rc == EXP_UNBOUND)
		b->nunbound++;
	if (l.n == 0)
		return 0;
	/* a set grows only for GenerateUserPatterns (once per user): copy it then */
	struct rt_glob *v = rt_pool_alloc(&b->pool, (gs->n + l.n) * sizeof *v);
	if (!v) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (gs->n)
		memcpy(v, gs->v, gs->n * sizeof *v);
	gs->v = v;
	unsigned rank;
	unsigned lit =
	    spec_leaf_of_glob(pt->leaf == PLAN_NONE ? NULL : plan_str(p, pt->leaf), &rank);
	bool fixed = !strncmp(tmpl, "{drives:Fixed}", 14);
	for (size_t i = 0; i < l.n; i++) {
		struct rt_glob *g = &gs->v[gs->n];
		if (!(g->node = rt_pool_strndup(&b->pool, l.v[i], l.len[i]))) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		g->nodelen = l.len[i];
		g->spec = spec_of_bound(g->node, g->nodelen, rank, lit, &g->prelen, &g->star);
		g->fixed_drive = fixed;
		gs->n++;
	}
	return 0;
}

static int expand_pattern(struct rt_bound *b, struct rt_xcache *xc, unsigned ctx, uint32_t k,
			  char *err, size_t errsz)
{
	const struct plan *p = b->plan;
	const struct plan_pat *pt = &p->pats[k];
	struct rt_globset *gs = &b->globs[ctx * p->npats + k];
	gs->done = true;
	if (!(pt->flags & PP_EACH_USER))
		return add_globs(b, xc, gs, ctx_user(b, ctx), k, err, errsz);
	/* GenerateUserPatterns: once per migrated user, maybe not the current one */
	for (size_t u = 0; u < b->env->nusers; u++) {
		if ((pt->flags & PP_EXCEPT_SELF) && ctx == u + 1)
			continue;
		if (add_globs(b, xc, gs, &b->env->users[u], k, err, errsz))
			return -1;
	}
	return 0;
}

static int insert_bindings(struct rt_bound *b, struct rt_tbuild *tb, unsigned ctx, char *err,
			   size_t errsz)
{
	const struct plan *p = b->plan;
	for (uint32_t e = 0; e < p->nents; e++) {
		const struct plan_ent *en = &p->ents[e];
		if (!b->rule_on[ctx * p->nrules + en->rule])
			continue;
		size_t n;
		const struct rt_glob *g = rt_pattern_globs(b, ctx, en->pat, &n);
		for (size_t i = 0; i < n; i++) {
			char pre[4096];
			/* without escapes the prefix is its own unescaped form (cut as
			 * glob_unescape cuts it to the buffer) */
			const char *key = g[i].node;
			size_t klen = g[i].prelen < sizeof pre - 1 ? g[i].prelen : sizeof pre - 1;
			if (memchr(key, '\\', g[i].prelen)) {
				klen = glob_unescape(g[i].node, g[i].prelen, pre, sizeof pre);
				key = pre;
			}
			struct rt_binding bd = {e, ctx, g[i].spec};
			if (trie_insert(b->trie, tb, key, klen, g[i].star, &bd)) {
				snprintf(err, errsz, "out of memory");
				return -1;
			}
			b->nbindings++;
		}
	}
	return 0;
}

/* --- the fast path's tables ---------------------------------------------------- */

/* RT_EF_* of the program at PC (verified: operands in range, jumps inside it). */
static uint8_t prog_shape(const struct plan *p, uint32_t pc)
{
	const struct plan_insn *c = p->code;
	uint32_t end = pc + c[pc].k;
	uint8_t f = 0;
	for (uint32_t i = pc + 1; i <= end; i++)
		if (c[i].op == OP_FSIZE || c[i].op == OP_FTIME || c[i].op == OP_DANGLING)
			f |= RT_EF_NEEDMETA;
	if (end < pc + 4 || c[pc + 1].op != OP_ENODE || c[pc + 2].op != OP_JF ||
	    c[pc + 3].op != OP_ELEAF)
		return f;
	uint32_t t1 = pc + 3 + c[pc + 2].k; /* where a false node jumps */
	if (t1 > end || c[t1].op != OP_RET)
		return f;
	if (c[pc + 4].op == OP_RET)
		return RT_EF_GATED | RT_EF_PURE;
	if (c[pc + 4].op == OP_JF) {
		uint32_t t2 = pc + 5 + c[pc + 4].k; /* where a false leaf jumps */
		if (t2 <= end && c[t2].op == OP_RET)
			return f | RT_EF_GATED;
	}
	return f;
}

static uint64_t globset_hash(const struct rt_globset *gs)
{
	uint64_t h = 1469598103934665603ull ^ gs->n;
	for (size_t i = 0; i < gs->n; i++) {
		for (size_t j = 0; j < gs->v[i].nodelen; j++) {
			h ^= (unsigned char)gs->v[i].node[j];
			h *= 1099511628211ull;
		}
		h ^= 0xff;
		h *= 1099511628211ull;
	}
	return h;
}

static bool globset_eq(const struct rt_globset *a, const struct rt_globset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].nodelen != b->v[i].nodelen ||
		    memcmp(a->v[i].node, b->v[i].node, a->v[i].nodelen))
			return false;
	return true;
}

/* Entry shapes, node ids (equal node glob sets share one id, so a directory matches
 * each distinct node once) and every trie list's leaf index. */
static int build_fast_path(struct rt_bound *b)
{
	const struct plan *p = b->plan;
	size_t ngs = b->nctx * (p->npats ? p->npats : 1);
	b->entf = calloc(p->nents ? p->nents : 1, 1);
	b->nodeid = calloc(ngs, sizeof *b->nodeid);
	size_t cap = 16;
	while (cap < ngs * 2)
		cap *= 2;
	size_t *tab = malloc(cap * sizeof *tab); /* globset index + 1, 0 = empty */
	if (!b->entf || !b->nodeid || !tab) {
		free(tab);
		return -1;
	}
	memset(tab, 0, cap * sizeof *tab);
	for (uint32_t e = 0; e < p->nents; e++)
		b->entf[e] = prog_shape(p, p->ents[e].prog);
	for (size_t i = 0; i < ngs; i++) {
		const struct rt_globset *gs = &b->globs[i];
		if (!gs->done)
			continue;
		size_t s = (size_t)globset_hash(gs) & (cap - 1);
		while (tab[s] && !globset_eq(&b->globs[tab[s] - 1], gs))
			s = (s + 1) & (cap - 1);
		if (!tab[s]) {
			tab[s] = i + 1;
			b->nodeid[i] = b->nnodeids++;
		} else {
			b->nodeid[i] = b->nodeid[tab[s] - 1];
		}
	}
	free(tab);
	return trie_index(b->trie, b, &b->pool);
}

static bool ctx_fits(unsigned ctx, unsigned mask)
{
	return (mask & (ctx == 0 ? CTXB_SYSTEM : CTXB_USER)) != 0;
}

int rt_bind(const struct plan *p, const struct rt_env *env, struct rt_bound *b, char *err,
	    size_t errsz)
{
	memset(b, 0, sizeof *b);
	b->plan = p;
	b->env = env;
	b->phase = env->phase;
	b->match_flags = (p->flags & PLAN_F_CASE_SENSITIVE) ? 0 : MATCH_FOLD;
	b->nctx = 1 + env->nusers;
	b->globs = calloc(b->nctx * (p->npats ? p->npats : 1), sizeof *b->globs);
	b->comp_on = calloc(b->nctx * (p->ncomps ? p->ncomps : 1), 1);
	b->rule_on = calloc(b->nctx * (p->nrules ? p->nrules : 1), 1);
	b->trie = trie_new(&b->pool);
	if (!b->globs || !b->comp_on || !b->rule_on || !b->trie) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	struct rt_xcache *xc = rt_xcache_new(p, env);
	if (!xc) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	for (unsigned ctx = 0; ctx < b->nctx; ctx++)
		for (uint32_t k = 0; k < p->npats; k++)
			if (ctx == 0 || !PAT_SHARED(p, k))
				if (expand_pattern(b, xc, ctx, k, err, errsz)) {
					rt_xcache_free(xc);
					goto fail;
				}
	rt_xcache_free(xc);
	struct rt_tbuild tb = {.pool = &b->pool, .fold = b->match_flags & MATCH_FOLD};
	for (unsigned ctx = 0; ctx < b->nctx; ctx++) {
		struct vm_env ve = {p, b, ctx, NULL, PLAN_NONE, NULL, 0};
		for (uint32_t c = 0; c < p->ncomps; c++) {
			const struct plan_comp *pc = &p->comps[c];
			int on = ctx_fits(ctx, pc->context);
			if (on && pc->detect_pc != PLAN_NONE && !env->skip_detection)
				on = vm_run(&ve, pc->detect_pc);
			if (on < 0) /* a component left out would lose what it includes */
				goto nomem;
			b->comp_on[ctx * p->ncomps + c] = (unsigned char)on;
		}
		for (uint32_t r = 0; r < p->nrules; r++) {
			const struct plan_rule *pr = &p->rules[r];
			int on =
			    b->comp_on[ctx * p->ncomps + pr->comp] && ctx_fits(ctx, pr->context);
			if (on && pr->cond_pc != PLAN_NONE)
				on = vm_run(&ve, pr->cond_pc);
			if (on < 0)
				goto nomem;
			b->rule_on[ctx * p->nrules + r] = (unsigned char)on;
		}
		if (insert_bindings(b, &tb, ctx, err, errsz)) {
			trie_build_free(&tb);
			goto fail;
		}
	}
	if (trie_finish(b->trie, &tb) || build_fast_path(b)) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	return 0;
nomem:
	trie_build_free(&tb);
	snprintf(err, errsz, "out of memory evaluating a detection or condition (%s)",
		 strerror(ENOMEM));
fail:
	rt_unbind(b);
	return -1;
}

void rt_unbind(struct rt_bound *b)
{
	free(b->globs);
	free(b->comp_on);
	free(b->rule_on);
	free(b->entf);
	free(b->nodeid);
	trie_free(b->trie);
	rt_pool_free(&b->pool); /* the globs, the trie's nodes, lists and leaf indexes */
	memset(b, 0, sizeof *b);
}

int rt_expand_path(const struct rt_bound *b, unsigned ctx, const char *tmpl, char **out)
{
	struct strlist l = {0};
	char err[256];
	*out = NULL;
	errno = 0;
	int rc = rt_expand(b->plan, b->env, ctx_user(b, ctx), tmpl, false, &l, err, sizeof err);
	if (rc == EXP_ERROR && errno == ENOMEM) {
		rt_strlist_free(&l);
		errno = ENOMEM;
		return -1;
	}
	if (rc == EXP_OK && l.n > 0) {
		*out = l.v[0];
		l.v[0] = NULL;
	}
	rt_strlist_free(&l);
	return 0;
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
		if (node_match(g[i].node, g[i].nodelen, dir, len, b->match_flags) &&
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
	bool here = node_match(f->g->node, f->g->nodelen, path, len, f->b->match_flags);
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
