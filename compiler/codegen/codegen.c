/* codegen.c - walk the model and emit the plan (see codegen.h).
 *
 * Rules become one plan rule per (rule element, objectSet) so that an objectSet's own
 * conditions can be folded into the rule's condition program, evaluated once per
 * context when the plan is bound rather than once per file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cg.h"
#include "sha256.h"

/* --- <environment> scopes ------------------------------------------------------ */

struct scope_var {
	const char *name;    /* as written */
	char *scoped;        /* NAME@cN, the plan's name; NULL: not applicable */
	bool user;
};

struct cg_scope {
	struct scope_var *v;
	size_t n;
	struct cg_scope *parent;
};

int cg_scoped_var(struct cg *g, const char *name, const char **scoped, bool *user)
{
	for (struct cg_scope *s = g->scope; s; s = s->parent)
		for (size_t i = s->n; i-- > 0;)
			if (!strcasecmp(s->v[i].name, name)) {
				if (!s->v[i].scoped)
					return -1;
				*scoped = s->v[i].scoped;
				*user = s->v[i].user;
				return 1;
			}
	return 0;
}

static const struct m_environment *named_env(const struct m_file *f, const char *name)
{
	for (size_t i = 0; i < f->nnamed_envs; i++)
		if (f->named_envs[i]->name && name && !strcmp(f->named_envs[i]->name, name))
			return f->named_envs[i];
	return NULL;
}

static void scope_add_env(struct cg *g, struct cg_scope *s, const struct m_environment *env)
{
	if (env->is_reference) {
		const struct m_environment *def = named_env(g->file, env->name);
		if (!def) {
			diag_report(g->d, DIAG_ERROR, &env->loc, NULL,
				    "<environment name=\"%s\"> refers to no definition in <namedElements>",
				    env->name ? env->name : "");
			return;
		}
		env = def;
	}
	for (size_t i = 0; i < env->nvars; i++) {
		const struct m_variable *mv = env->vars[i];
		struct scope_var *nv = realloc(s->v, (s->n + 1) * sizeof *nv);
		if (!nv)
			abort();
		s->v = nv;
		struct scope_var *sv = &s->v[s->n++];
		sv->name = mv->name ? mv->name : "";
		sv->scoped = NULL;
		sv->user = false;
		if (!mv->text)
			continue; /* script / objectSet values read the registry: not applicable */
		unsigned flags = 0;
		char *t = cg_location_template(g, mv->text, &mv->loc, &flags);
		if (!t)
			continue;
		char buf[256];
		snprintf(buf, sizeof buf, "%s@C%u", sv->name, g->mcomp->id);
		for (char *c = buf; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		sv->scoped = strdup(buf);
		sv->user = flags & PP_USER;
		struct plan_var pv = {pb_str(g->b, buf), pb_str(g->b, t), sv->user ? PV_USER : 0};
		pb_var(g->b, &pv);
		free(t);
	}
}

static void scope_free(struct cg_scope *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].scoped);
	free(s->v);
}

/* --- rules ------------------------------------------------------------------------ */

static const struct m_rules *named_rules(const struct m_file *f, const char *name)
{
	for (size_t i = 0; i < f->nnamed_rules; i++)
		if (f->named_rules[i]->name && name && !strcmp(f->named_rules[i]->name, name))
			return f->named_rules[i];
	return NULL;
}

static int rule_kind(enum m_rule_kind k)
{
	switch (k) {
	case MR_INCLUDE: return PRK_INCLUDE;
	case MR_EXCLUDE: return PRK_EXCLUDE;
	case MR_UNCOND_EXCLUDE: return PRK_UNCOND_EXCLUDE;
	case MR_MERGE: return PRK_MERGE;
	case MR_LOCATION_MODIFY: return PRK_LOCATION_MODIFY;
	case MR_INCLUDE_ATTRS: return PRK_INCLUDE_ATTRS;
	case MR_EXCLUDE_ATTRS: return PRK_EXCLUDE_ATTRS;
	case MR_DEST_CLEANUP: return PRK_DEST_CLEANUP;
	case MR_CONTENT_MODIFY:
	case MR__COUNT: break;
	}
	return -1;
}

static uint16_t plan_helper(int id)
{
	switch (id) {
	case HELPER_SOURCE_PRIORITY: return PLAN_HELPER_SOURCE_PRIORITY;
	case HELPER_DESTINATION_PRIORITY: return PLAN_HELPER_DESTINATION_PRIORITY;
	case HELPER_FIND_FILE_PLACE_BY_PATTERN: return PLAN_HELPER_FIND_FILE_PLACE;
	case HELPER_NEWEST_VERSION: return PLAN_HELPER_NEWEST_VERSION;
	case HELPER_RELATIVE_MOVE: return PLAN_HELPER_RELATIVE_MOVE;
	case HELPER_MOVE: return PLAN_HELPER_MOVE;
	case HELPER_EXACT_MOVE: return PLAN_HELPER_EXACT_MOVE;
	}
	return PLAN_HELPER_NONE;
}

/* Fill the rule's helper and arguments; false when the rule does nothing here. */
static bool rule_helper(struct cg *g, const struct m_rule *mr, struct plan_rule *r)
{
	const struct script_call *s = mr->script;
	for (int i = 0; i < 3; i++)
		r->args[i] = PLAN_NONE;
	if (mr->kind != MR_MERGE && mr->kind != MR_LOCATION_MODIFY)
		return true;
	if (!s || !s->helper)
		return false; /* reported by the loader */
	r->helper = plan_helper(s->helper->id);
	if (r->helper == PLAN_HELPER_NONE) {
		g->stats->not_applicable++; /* HigherValue etc.: registry merges */
		return false;
	}
	for (size_t i = 0; i < s->nargs && i < 3; i++) {
		if (s->args[i].is_null)
			continue;
		bool location = mr->kind == MR_LOCATION_MODIFY;
		if (location && r->helper == PLAN_HELPER_EXACT_MOVE) {
			struct pat_error pe;
			struct pat *tp = pat_parse_with(g->pats, s->args[i].str, strlen(s->args[i].str),
						       PAT_FILE, &pe);
			if (tp && tp->has_leaf)
				r->aux |= RULE_AUX_TARGET_IS_FILE;
			pat_free(tp);
		}
		if (location) {
			unsigned fl = 0;
			char *t = cg_location_template(g, s->args[i].str, &mr->loc, &fl);
			if (!t)
				return false;
			r->args[i] = pb_str(g->b, t);
			free(t);
		} else {
			r->args[i] = pb_str(g->b, s->args[i].str);
		}
	}
	return true;
}

static uint32_t add_rule(struct cg *g, const struct plan_rule *tmpl, unsigned ctx, uint32_t cond_pc)
{
	struct plan_rule r = *tmpl;
	r.context = (uint8_t)ctx;
	r.cond_pc = cond_pc;
	g->stats->rules++;
	return pb_rule(g->b, &r);
}

static void add_entry(struct cg *g, uint32_t rule, uint32_t pat, const struct script_call *filter,
		      const struct src_loc *loc)
{
	if (pat == PLAN_NONE)
		return;
	struct plan_ent e = {rule, pat, cg_entry_prog(g, pat, filter, loc), 0};
	pb_ent(g->b, &e);
	g->stats->entries++;
}

static const char *sarg(const struct script_call *c, size_t i)
{
	return i < c->nargs && !c->args[i].is_null ? c->args[i].str : NULL;
}

static bool sarg_false(const struct script_call *c, size_t i)
{
	const char *a = sarg(c, i);
	return a && (!strcasecmp(a, "FALSE") || !strcasecmp(a, "no"));
}

/* A pattern written as a helper argument (GenerateDrivePatterns("* [*.doc]")). */
static struct pat *arg_pattern(struct cg *g, const char *text, const struct src_loc *loc)
{
	struct pat_error pe;
	if (!text) {
		diag_report(g->d, DIAG_ERROR, loc, NULL, "missing pattern argument");
		return NULL;
	}
	struct pat *p = pat_parse_with(g->pats, text, strlen(text), PAT_FILE, &pe);
	if (!p)
		diag_report(g->d, DIAG_ERROR, loc, NULL, "bad pattern argument \"%s\": %s", text, pe.message);
	return p;
}

static uint32_t raw_pattern(struct cg *g, const char *node, const char *leaf, const char *text,
			    const struct src_loc *loc, unsigned flags)
{
	struct plan_pat pp = {pb_str(g->b, node), leaf ? pb_str(g->b, leaf) : PLAN_NONE, g->src,
			      (uint32_t)(loc->line > 0 ? loc->line : 0), pb_str(g->b, text), flags};
	g->stats->patterns++;
	return pb_pat(g->b, &pp);
}

/* GenerateDocPatterns(ScanProgramFiles, IncludePatterns, SystemDrive).
 * IncludePatterns TRUE (default): documents by extension (docexts.c) on the fixed
 * drives (or only the system drive) in system context, in the home in user context.
 * IncludePatterns FALSE: USMT's document finder then emits the places documents are
 * NOT taken from (the operating system and installed applications); ours are the
 * system trees below and, per user, caches and trash. Each context gets its own plan
 * rule so neither binds in the other. */
static const char *const doc_excluded_system[] = {
	"/usr", "/opt", "/var", "/etc", "/boot", "/srv/cache", "/snap", "/proc", "/sys", "/dev",
	"/run", "/tmp", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/root",
	"/home", /* profiles: the user context covers the migrated users' homes */
	NULL,
};
static const char *const doc_excluded_user[] = {
	"/.cache", "/.local/share/Trash", "/.var/app", "/snap", NULL,
};

static void doc_patterns(struct cg *g, const struct plan_rule *tmpl, unsigned ctx,
			 uint32_t cond_pc, const struct script_call *s, const struct script_call *filter,
			 const struct src_loc *loc)
{
	bool sysdrive = sarg(s, 2) && !sarg_false(s, 2);
	bool include = !sarg_false(s, 1);
	for (int pass = 0; pass < 2; pass++) {
		unsigned c = pass == 0 ? CTXB_SYSTEM : CTXB_USER;
		if (!(ctx & c))
			continue;
		uint32_t rid = add_rule(g, tmpl, c, cond_pc);
		char node[256], text[300];
		if (!include) {
			const char *const *dirs = pass == 1 ? doc_excluded_user : doc_excluded_system;
			for (size_t i = 0; dirs[i]; i++) {
				snprintf(node, sizeof node, "%s%s/*", pass == 1 ? "{home}" : "{drive:C}", dirs[i]);
				snprintf(text, sizeof text, "GenerateDocPatterns (not documents): %s%s\\* [*]",
					 pass == 1 ? "~" : "", dirs[i]);
				add_entry(g, rid, raw_pattern(g, node, "*", text, loc, pass == 1 ? PP_USER : 0),
					  filter, loc);
			}
			continue;
		}
		const char *root = pass == 1 ? "{home}/*" : sysdrive ? "{drive:C}/*" : "{drives:Fixed}/*";
		for (size_t i = 0; cg_doc_extensions[i]; i++) {
			char leaf[64];
			snprintf(leaf, sizeof leaf, "*.%s", cg_doc_extensions[i]);
			snprintf(text, sizeof text, "GenerateDocPatterns: %s [%s]",
				 pass == 1 ? "~" : sysdrive ? "C:" : "Fixed", leaf);
			add_entry(g, rid, raw_pattern(g, root, leaf, text, loc, pass == 1 ? PP_USER : 0),
				  filter, loc);
		}
	}
}

static void script_object(struct cg *g, uint32_t rid, const struct plan_rule *tmpl, unsigned ctx,
			  uint32_t cond_pc, const struct m_object *o, const struct script_call *filter)
{
	const struct script_call *s = o->script;
	if (!s || !s->helper)
		return;
	struct pat *p = NULL;
	switch (s->helper->id) {
	case HELPER_GENERATE_DRIVE_PATTERNS: {
		const char *type = sarg(s, 1) ? sarg(s, 1) : "Fixed";
		char drives[64];
		snprintf(drives, sizeof drives, "{drives:%s}", type);
		if ((p = arg_pattern(g, sarg(s, 0), &o->loc)))
			add_entry(g, rid, cg_pattern(g, p, &o->loc, drives, 0), filter, &o->loc);
		break;
	}
	case HELPER_GENERATE_USER_PATTERNS:
		if (!sarg(s, 0) || strcasecmp(sarg(s, 0), "File")) {
			g->stats->not_applicable++;
			break;
		}
		if ((p = arg_pattern(g, sarg(s, 1), &o->loc)))
			add_entry(g, rid,
				  cg_pattern(g, p, &o->loc, NULL,
					     PP_EACH_USER | (sarg_false(s, 2) ? PP_EXCEPT_SELF : 0)),
				  filter, &o->loc);
		break;
	case HELPER_GENERATE_DOC_PATTERNS:
		doc_patterns(g, tmpl, ctx, cond_pc, s, filter, &o->loc);
		break;
	default:
		g->stats->not_applicable++;
		break;
	}
	if (p)
		pat_free(p);
}

/* Push C for the rules below. A deeper nesting than CG_MAX_CONDS is an error: dropping
 * a condition would capture what it was meant to keep out. */
static bool conds_push(struct cg *g, struct cg_conds *cs, const struct m_conditions *c)
{
	if (cs->n < CG_MAX_CONDS) {
		cs->v[cs->n++] = c;
		cs->valid = false;
		return true;
	}
	diag_report(g->d, DIAG_ERROR, &c->loc, NULL,
		    "<conditions> nested more than %d deep (with their <rules> and <objectSet>s)",
		    CG_MAX_CONDS);
	return false;
}

static void conds_pop(struct cg_conds *cs)
{
	cs->n--;
	cs->valid = false;
}

/* The condition program for the conditions in force, compiled once per stack state. */
static uint32_t conds_prog(struct cg *g, struct cg_conds *cs)
{
	if (!cs->valid) {
		cs->pc = cg_conditions_prog(g, cs);
		cs->valid = true;
	}
	return cs->pc;
}

static void compile_rule(struct cg *g, const struct m_rule *mr, unsigned ctx, struct cg_conds *cs)
{
	int kind = rule_kind(mr->kind);
	if (kind < 0) {
		g->stats->not_applicable++; /* contentModify transforms registry content */
		return;
	}
	struct plan_rule tmpl = {.kind = (uint8_t)kind, .comp = g->comp, .src = g->src,
				 .line = (uint32_t)(mr->loc.line > 0 ? mr->loc.line : 0),
				 .aux = mr->attributes};
	if (!rule_helper(g, mr, &tmpl))
		return;
	const struct script_call *filter =
		(mr->kind == MR_INCLUDE || mr->kind == MR_EXCLUDE || mr->kind == MR_DEST_CLEANUP)
			? mr->script : NULL;
	for (size_t i = 0; i < mr->nsets; i++) {
		const struct m_objectset *set = mr->sets[i];
		bool pushed = set->conds && conds_push(g, cs, set->conds);
		uint32_t cond_pc = conds_prog(g, cs);
		uint32_t rid = PLAN_NONE;
		for (size_t j = 0; j < set->nobjs; j++) {
			const struct m_object *o = set->objs[j];
			bool doc = o->is_script && o->script && o->script->helper &&
				   o->script->helper->id == HELPER_GENERATE_DOC_PATTERNS;
			if (rid == PLAN_NONE && !doc)
				rid = add_rule(g, &tmpl, ctx, cond_pc);
			if (o->is_script)
				script_object(g, rid, &tmpl, ctx, cond_pc, o, filter);
			else if (o->pattern)
				add_entry(g, rid, cg_pattern(g, o->pattern, &o->loc, NULL, 0), filter, &o->loc);
		}
		if (pushed)
			conds_pop(cs);
	}
}

static void compile_rules(struct cg *g, const struct m_rules *r, unsigned ctx, struct cg_conds *cs)
{
	const struct m_rules *body = r;
	if (r->is_reference) {
		body = named_rules(g->file, r->name);
		if (!body) {
			diag_report(g->d, DIAG_ERROR, &r->loc, NULL,
				    "<rules name=\"%s\"> refers to no definition in <namedElements>",
				    r->name ? r->name : "");
			return;
		}
		if (body->context)
			ctx &= body->context;
	}
	if (r->context)
		ctx &= r->context; /* a <rules> context can only narrow its component's */
	if (!ctx)
		return; /* e.g. System rules inside a User component: never evaluated */
	bool pushed = r->conds && conds_push(g, cs, r->conds);
	bool pushed_body = body != r && body->conds && conds_push(g, cs, body->conds);
	for (size_t i = 0; i < body->nrules; i++)
		compile_rule(g, body->rules[i], ctx, cs);
	for (size_t i = 0; i < body->nchildren; i++)
		compile_rules(g, body->children[i], ctx, cs);
	if (pushed_body)
		conds_pop(cs);
	if (pushed)
		conds_pop(cs);
}

static void compile_extensions(struct cg *g, const struct m_component *c, unsigned ctx)
{
	if (!c->extensions_csv)
		return;
	struct plan_rule tmpl = {.kind = PRK_INCLUDE, .comp = g->comp, .src = g->src,
				 .line = (uint32_t)(c->extensions_loc.line > 0 ? c->extensions_loc.line : 0)};
	for (int i = 0; i < 3; i++)
		tmpl.args[i] = PLAN_NONE;
	uint32_t rid = add_rule(g, &tmpl, ctx, PLAN_NONE);
	char *list = strdup(c->extensions_csv);
	for (char *tok = strtok(list, ", \t\r\n"); tok; tok = strtok(NULL, ", \t\r\n")) {
		char leaf[256], text[300];
		while (*tok == '.')
			tok++;
		snprintf(leaf, sizeof leaf, "*.%s", tok);
		snprintf(text, sizeof text, "<extension>%s", tok);
		add_entry(g, rid, raw_pattern(g, "{drives:Fixed}/*", leaf, text, &c->extensions_loc, 0),
			  NULL, &c->extensions_loc);
	}
	free(list);
}

static void compile_component(struct cg *g, const struct m_component *c)
{
	if (!c->enabled)
		return;
	struct cg_scope scope = {NULL, 0, g->scope};
	const struct m_component *saved_comp = g->mcomp;
	uint32_t saved_id = g->comp;
	g->mcomp = c;
	g->scope = &scope;
	for (size_t i = 0; i < c->nenvs; i++)
		scope_add_env(g, &scope, c->envs[i]);
	unsigned ctx = c->context ? c->context : CTX_USER_AND_SYSTEM;
	struct plan_comp pc = {pb_str(g->b, c->path ? c->path : c->display_name ? c->display_name : ""),
			       g->src, (uint32_t)(c->loc.line > 0 ? c->loc.line : 0), ctx,
			       cg_detection_prog(g, &c->detection), 0};
	g->comp = pb_comp(g->b, &pc);
	struct cg_conds cs = {{0}, 0, PLAN_NONE, false};
	for (size_t i = 0; i < c->nrules; i++)
		compile_rules(g, c->rules[i], ctx, &cs);
	compile_extensions(g, c, ctx);
	for (size_t i = 0; i < c->nchildren; i++)
		compile_component(g, c->children[i]);
	g->scope = scope.parent;
	scope_free(&scope);
	g->mcomp = saved_comp;
	g->comp = saved_id;
}

/* --- Config.xml policies ------------------------------------------------------------ */

/* errorCode: the Windows numbers people write for "in use" and "access denied" are
 * translated; any other number is an errno value (docs/policy-guide.md). */
static int32_t error_code(long code)
{
	switch (code) {
	case 5: return EACCES;  /* ERROR_ACCESS_DENIED */
	case 32: return EBUSY;  /* ERROR_SHARING_VIOLATION: file in use */
	case 33: return EBUSY;  /* ERROR_LOCK_VIOLATION: file locked */
	}
	return (int32_t)code;
}

static void compile_config(struct cg *g, const struct m_config *cfg, uint32_t src)
{
	g->src = src;
	for (size_t i = 0; i < cfg->nerrors; i++) {
		const struct m_error_rule *e = cfg->errors[i];
		if (e->registry || !e->pattern) {
			g->stats->not_applicable += e->registry;
			continue;
		}
		uint32_t k = cg_pattern(g, e->pattern, &e->loc, NULL, 0);
		if (k == PLAN_NONE)
			continue;
		struct plan_errc r = {k, e->fatal, 0, 0, e->error_code < 0 ? -1 : error_code(e->error_code),
				      src, (uint32_t)(e->loc.line > 0 ? e->loc.line : 0)};
		pb_errc(g->b, &r);
	}
	for (size_t i = 0; i < cfg->nhardlinks; i++) {
		const struct m_hardlink_rule *h = cfg->hardlinks[i];
		if (!h->pattern)
			continue;
		uint32_t k = cg_pattern(g, h->pattern, &h->loc, NULL, 0);
		if (k == PLAN_NONE)
			continue;
		struct plan_hlnk r = {k, h->create, src, (uint32_t)(h->loc.line > 0 ? h->loc.line : 0)};
		pb_hlnk(g->b, &r);
	}
	for (size_t i = 0; i < cfg->ngroup_maps; i++) {
		const struct m_group_map *m = cfg->group_maps[i];
		struct plan_grpm r = {pb_str(g->b, m->from), pb_str(g->b, m->to),
				      (m->applies & MAP_MIGRATED ? PG_MIGRATED : 0) |
					  (m->applies & MAP_NONMIGRATED ? PG_NONMIGRATED : 0),
				      src, (uint32_t)(m->loc.line > 0 ? m->loc.line : 0), 0};
		pb_grpm(g->b, &r);
	}
}

int codegen(struct plan_builder *b, const struct m_policy *pol, const struct var_table *vars,
	    const struct cg_options *opt, struct diag_set *d, unsigned char ruleset[32],
	    struct cg_stats *stats)
{
	struct cg g = {b, pol, vars, opt, d, stats, NULL, NULL, 0, 0, NULL, NULL, pat_parser_new()};
	struct sha256_ctx h;
	unsigned before = diag_errors(d);

	memset(stats, 0, sizeof *stats);
	sha256_init(&h);
	sha256_update(&h, "migstate-ruleset-1", 19);
	/* sources first so their indices are stable: rule files, config, variable map */
	g.file_src = calloc(pol->nfiles + 1, sizeof *g.file_src);
	if (!g.file_src || !g.pats)
		abort();
	for (size_t i = 0; i < pol->nfiles; i++) {
		const struct m_file *f = pol->files[i];
		struct plan_src s = {pb_str(b, f->path), 0, {0}};
		memcpy(s.sha256, f->sha256, 32);
		g.file_src[i] = pb_src(b, &s);
		if (!f->ignored)
			sha256_update(&h, f->sha256, 32);
	}
	uint32_t cfg_src = PLAN_NONE;
	if (pol->config) {
		struct plan_src s = {pb_str(b, pol->config->path), 1, {0}};
		memcpy(s.sha256, pol->config->sha256, 32);
		cfg_src = pb_src(b, &s);
		sha256_update(&h, pol->config->sha256, 32);
	}
	if (opt->vars_path) {
		struct plan_src s = {pb_str(b, opt->vars_path), 2, {0}};
		if (opt->vars_sha256)
			memcpy(s.sha256, opt->vars_sha256, 32);
		pb_src(b, &s);
	}
	for (size_t i = 0; i < vars->ndefs; i++) {
		const struct var_def *v = vars->defs[i];
		struct plan_var pv = {pb_str(b, v->name), pb_str(b, v->value), v->user ? PV_USER : 0};
		pb_var(b, &pv);
		sha256_update(&h, v->name, strlen(v->name) + 1);
		sha256_update(&h, v->value, strlen(v->value) + 1);
	}
	unsigned char cs = opt->case_sensitive;
	sha256_update(&h, &cs, 1);
	for (size_t i = 0; i < pol->nfiles; i++) {
		const struct m_file *f = pol->files[i];
		if (f->ignored)
			continue;
		g.file = f;
		g.src = g.file_src[i];
		for (size_t j = 0; j < f->ncomponents; j++)
			compile_component(&g, f->components[j]);
		stats->not_applicable += (unsigned)f->dropped_registry;
	}
	if (pol->config)
		compile_config(&g, pol->config, cfg_src);
	/* components switched off change what is captured: they are part of the rule set */
	if (pol->config)
		for (size_t i = 0; i < pol->config->nswitches; i++) {
			const struct m_switch *s = pol->config->switches[i];
			sha256_update(&h, s->path ? s->path : "", s->path ? strlen(s->path) + 1 : 1);
			sha256_update(&h, s->migrate ? "y" : "n", 1);
		}
	sha256_final(&h, ruleset);
	free(g.file_src);
	pat_parser_free(g.pats);
	return (int)(diag_errors(d) - before);
}
