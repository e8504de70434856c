/* explain.c - see explain.h. */
#include "explain.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disasm.h"
#include "fsutil.h"
#include "relocate.h"

static char *normalise(const char *in, bool *trailing)
{
	size_t n = strlen(in);
	char *o = malloc(n + 2);
	size_t j = 0;
	if (!o)
		return NULL;
	*trailing = n > 1 && in[n - 1] == '/';
	if (in[0] != '/')
		o[j++] = '/';
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '/' && j > 0 && o[j - 1] == '/')
			continue;
		o[j++] = in[i];
	}
	while (j > 1 && o[j - 1] == '/')
		j--;
	o[j] = 0;
	return o;
}

int rt_explain(const struct rt_bound *b, const char *path, FILE *trace, struct explain_result *r)
{
	bool trailing;
	char *p = normalise(path, &trailing);
	if (!p)
		return -1;
	memset(r, 0, sizeof *r);
	struct vm_obj o = {0};
	struct stat st;
	bool have = false;
	if (strcmp(p, "/") != 0) {
		const char *leaf;
		int dfd = fs_open_parent(b->env->rootfd, p, &leaf);
		if (dfd >= 0) {
			have = fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0;
			if (have && S_ISLNK(st.st_mode)) {
				o.is_link = true;
				o.dangling = fs_link_dangles(b->env->rootfd, p, dfd, leaf);
			}
			close(dfd);
		}
	}
	r->exists = have;
	r->is_dir = trailing || !strcmp(p, "/") || (have && S_ISDIR(st.st_mode));
	char *slash = strrchr(p, '/');
	char *dir = r->is_dir ? strdup(p) : strndup(p, slash == p ? 1 : (size_t)(slash - p));
	const char *name = r->is_dir ? "" : slash + 1;
	if (!dir) {
		free(p);
		return -1;
	}
	o.dir = dir;
	o.dirlen = strlen(dir);
	o.name = name;
	o.namelen = strlen(name);
	o.is_dir = r->is_dir;
	if (have) {
		o.size = (uint64_t)st.st_size;
		o.mtime = st.st_mtime;
		o.ctime = st.st_ctime;
		o.atime = st.st_atime;
	}
	struct rt_cands c = {0};
	int rc = rt_candidates(b, dir, o.dirlen, &c) || rt_decide(b, &c, &o, trace, &r->d) ? -1 : 0;
	rt_cands_free(&c);
	if (rc == 0 && r->d.verdict == V_INCLUDE) {
		if (r->d.keep_original || r->d.nlocmod == 0)
			r->dests[r->ndests++] = strdup(p);
		for (size_t i = 0; rc == 0 && i < r->d.nlocmod; i++) {
			char *dst;
			if (rt_relocate(b, r->d.locmod_ctx[i], r->d.locmod[i], dir, name, &dst))
				rc = -1;
			else if (dst)
				r->dests[r->ndests++] = dst;
			else if (r->ndests == 0)
				r->dests[r->ndests++] = strdup(p); /* rule does not apply: stays put */
		}
		for (size_t i = 0; i < r->ndests; i++)
			if (!r->dests[i])
				rc = -1;
	}
	free(dir);
	free(p);
	if (rc)
		rt_explain_free(r); /* out of memory: no answer rather than another one */
	return rc;
}

void rt_explain_free(struct explain_result *r)
{
	for (size_t i = 0; i < r->ndests; i++)
		free(r->dests[i]);
	r->ndests = 0;
}

static void rule_loc(const struct plan *p, uint32_t rule, FILE *out, bool json)
{
	const struct plan_rule *r = &p->rules[rule];
	char buf[64];
	snprintf(buf, sizeof buf, ":%u", r->line);
	if (json) {
		fputs("{\"file\":", out);
		json_str(out, plan_str(p, p->srcs[r->src].path));
		fprintf(out, ",\"line\":%u,\"rule\":%u,\"kind\":\"%s\",\"component\":", r->line, rule,
			rule_kind_names[r->kind]);
		json_str(out, plan_str(p, p->comps[r->comp].name));
		fputc('}', out);
	} else {
		text_str(out, plan_str(p, p->srcs[r->src].path));
		fputs(buf, out);
	}
}

void rt_explain_print_text(const struct rt_bound *b, const char *path, const struct explain_result *r,
			   FILE *out)
{
	fprintf(out, "%s\t", rt_verdict_names[r->d.verdict]);
	text_str(out, path);
	fputc('\t', out);
	if (r->ndests == 0)
		fputc('-', out);
	for (size_t i = 0; i < r->ndests; i++) {
		if (i)
			fputc(';', out);
		text_str(out, r->dests[i]);
	}
	fputc('\t', out);
	if (r->d.rule == PLAN_NONE)
		fputc('-', out);
	else
		rule_loc(b->plan, r->d.rule, out, false);
	fputc('\n', out);
}

void rt_explain_print_json(const struct rt_bound *b, const char *path, const struct explain_result *r,
			   FILE *out)
{
	const struct plan *p = b->plan;
	fputs("{\"path\":", out);
	json_str(out, path);
	fprintf(out, ",\"verdict\":\"%s\",\"object\":\"%s\",\"exists\":%s,\"destinations\":[",
		rt_verdict_names[r->d.verdict], r->is_dir ? "directory" : "file", r->exists ? "true" : "false");
	for (size_t i = 0; i < r->ndests; i++) {
		if (i)
			fputc(',', out);
		json_str(out, r->dests[i]);
	}
	fputs("],\"decided_by\":", out);
	if (r->d.rule == PLAN_NONE)
		fputs("null", out);
	else
		rule_loc(p, r->d.rule, out, true);
	fputs(",\"merge\":", out);
	if (r->d.merge == PLAN_NONE) {
		fputs("{\"helper\":\"default-rename\"}", out);
	} else {
		fprintf(out, "{\"helper\":\"%s\",\"rule\":", helper_names[p->rules[r->d.merge].helper]);
		rule_loc(p, r->d.merge, out, true);
		fputc('}', out);
	}
	fputs(",\"relocated_by\":[", out);
	for (size_t i = 0; i < r->d.nlocmod; i++) {
		if (i)
			fputc(',', out);
		rule_loc(p, r->d.locmod[i], out, true);
	}
	fputs("]}\n", out);
}
