/* load_cleanup.c - destinationCleanup: the destination files its rules name, deleted
 * before anything is applied. */
#include "load_int.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "vm.h"

struct cleanup {
	struct loader *L;
	char *start; /* logical directory the walk started at */
	char *cdir;  /* directory whose candidates are cached */
	struct rt_cands c;
};

/* Is LOGICAL (a directory) one of the store's directories? Never cleaned. */
static bool is_store_dir(struct loader *L, const char *logical)
{
	for (size_t i = 0; i < L->s.nvols; i++) {
		const char *sd = L->s.cat.vols[i].store_dir;
		if (sd && *sd && !(L->s.cat.vols[i].v.flags & CV_OUTSIDE_ROOT) &&
		    !strcmp(sd, logical))
			return true;
	}
	return false;
}

static int cleanup_visit(const struct sw_visit *v, void *ctx)
{
	struct cleanup *cu = ctx;
	struct loader *L = cu->L;
	if (v->error || v->foreign || v->post)
		return 0;
	char *logical = load_join(cu->start, v->rel);
	if (!logical)
		return -1;
	if (S_ISDIR(v->st->st_mode)) {
		int skip =
		    is_store_dir(L, logical) || !rt_reachable(&L->b, logical, strlen(logical));
		free(logical);
		return skip;
	}
	const char *name;
	char *dir = load_parent_of(logical, &name);
	if (!dir) {
		free(logical);
		return -1;
	}
	if (!cu->cdir || strcmp(cu->cdir, dir) != 0) {
		free(cu->cdir);
		cu->cdir = strdup(dir);
		if (!cu->cdir || rt_candidates(&L->b, dir, strlen(dir), &cu->c) != 0) {
			/* out of memory: a candidate left out is a cleanup rule not applied */
			free(cu->cdir);
			cu->cdir = NULL;
			free(dir);
			free(logical);
			return -1;
		}
	}
	struct vm_obj o = {
	    .dir = dir,
	    .dirlen = strlen(dir),
	    .name = name,
	    .namelen = strlen(name),
	    .is_link = S_ISLNK(v->st->st_mode),
	    .size = (uint64_t)v->st->st_size,
	    .mtime = v->st->st_mtime,
	    .ctime = v->st->st_ctime,
	    .atime = v->st->st_atime,
	};
	const struct plan *p = &L->plan;
	for (size_t i = 0; i < cu->c.n; i++) {
		const struct rt_binding *bd = cu->c.v[i];
		const struct plan_ent *en = &p->ents[bd->ent];
		const struct plan_rule *ru = &p->rules[en->rule];
		if (ru->kind != PRK_DEST_CLEANUP)
			continue;
		struct vm_env ve = {.plan = p,
				    .bound = &L->b,
				    .ctx = bd->ctx,
				    .obj = &o,
				    .ent_pat = en->pat,
				    .trace = NULL};
		int m = vm_run(&ve, en->prog);
		if (m < 0) { /* out of memory: the rule's answer is unknown */
			free(dir);
			free(logical);
			return -1;
		}
		if (!m)
			continue;
		if (L->o->dry_run) {
			load_out_line(L, "cleanup", logical, NULL);
			L->st->cleaned++;
		} else if (unlinkat(v->dirfd, v->name, 0) == 0) {
			L->st->cleaned++;
			rlog_msg(L->log, RL_INFO, "destinationCleanup removed %s (%s:%u)",
				 rlog_esc(L->log, logical),
				 rlog_esc(L->log, plan_str(p, p->srcs[ru->src].path)), ru->line);
		} else {
			rlog_msg(L->log, RL_WARN, "destinationCleanup could not remove %s: %s",
				 rlog_esc(L->log, logical), strerror(errno));
		}
		break;
	}
	free(dir);
	free(logical);
	return 0;
}

/* Delete, before anything is applied, the destination files destinationCleanup rules
 * name. The walks start at the literal part of each cleanup pattern. */
void load_run_cleanup(struct loader *L)
{
	const struct plan *p = &L->plan;
	struct smap starts = {0};
	for (unsigned ctx = 0; ctx < L->b.nctx; ctx++) {
		for (uint32_t e = 0; e < p->nents; e++) {
			const struct plan_ent *en = &p->ents[e];
			if (p->rules[en->rule].kind != PRK_DEST_CLEANUP ||
			    !L->b.rule_on[ctx * p->nrules + en->rule])
				continue;
			size_t n;
			const struct rt_glob *g = rt_pattern_globs(&L->b, ctx, en->pat, &n);
			for (size_t i = 0; i < n; i++) {
				char *lit = strndup(g[i].node, g[i].nodelen);
				if (!lit)
					continue;
				/* the literal leading segments of the glob */
				char *star = strchr(lit, '*');
				if (star) {
					*star = 0;
					char *slash = strrchr(lit, '/');
					if (slash)
						slash[slash == lit ? 1 : 0] = 0;
				}
				char *o = lit, *w = lit;
				for (; *o; o++) { /* unescape */
					if (*o == '\\' && o[1])
						o++;
					*w++ = *o;
				}
				*w = 0;
				if (*lit)
					smap_put(&starts, lit, 0);
				free(lit);
			}
		}
	}
	for (size_t i = 0; i < starts.cap; i++) {
		const char *s = starts.key[i];
		if (!s)
			continue;
		/* a start below another start is walked by that one */
		bool covered = false;
		for (size_t j = 0; j < starts.cap && !covered; j++) {
			const char *t = starts.key[j];
			size_t tl = t ? strlen(t) : 0;
			covered = t && j != i && tl < strlen(s) && !strncmp(s, t, tl) &&
				  (s[tl] == '/' || !strcmp(t, "/"));
		}
		if (covered)
			continue;
		int fd = sw_open_dir(&L->s, s);
		if (fd < 0)
			continue;
		struct cleanup cu = {.L = L, .start = (char *)s};
		sw_walk(fd, cleanup_visit, &cu);
		free(cu.cdir);
		rt_cands_free(&cu.c);
		close(fd);
	}
	smap_free(&starts);
}
