/* cmd_genconfig.c - `migc genconfig FILE.xml... [-o OUT] [--root DIR [--user NAME]]`:
 * write a Config.xml that lists every component of the rule files (USMT /genconfig),
 * nested as in the rule files, each migrate="yes", Application components under
 * <Applications> and the others under <Documents>, then a <Policies> skeleton with
 * commented ErrorControl and HardLinkStoreControl examples. With --root, only the
 * components whose detection holds on that system (for the system or for one of its
 * users) are listed, and the parents of those: the plan is built in memory and bound
 * to the root exactly as `migc explain --root` binds it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "arena.h"
#include "commands.h"
#include "escape.h"
#include "outfile.h"
#include "plan.h"
#include "plan_write.h"
#include "policy_build.h"
#include "root_env.h"
#include "verbargs.h"
#include "xml_load.h"

static void genconfig_usage(FILE *out)
{
	fprintf(out,
		"usage: migc genconfig [-o OUT.xml] [--root DIR [--user NAME]] [--define NAME=VALUE]...\n"
		"                      [--vars MAP] FILE.xml...\n"
		"Writes a Config.xml (to OUT, default standard output) listing every component of\n"
		"the rule files, migrate=\"yes\". With --root, only the components detected on\n"
		"that system, for the system or for any of its users (only NAME with --user).\n"
		"Exit 0 ok, 1 errors in the rule files, 2 usage or a file that cannot be used.\n");
}

struct gen {
	const struct m_policy *pol;
	const unsigned char *on; /* [plan component]: detected; NULL = list everything */
	unsigned char *listed;	 /* [m_component id]: written */
	const char **paths;	 /* paths written so far (a repeated one is written once) */
	size_t npaths;
	struct arena *a;
};

/* Number the enabled components in code generation order (document order, parents
 * before children) to find their plan records, and mark those to list. Returns true
 * when C or one of its descendants is listed. */
static bool mark(struct gen *g, const struct m_component *c, uint32_t *plan_idx)
{
	if (!c->enabled) { /* not compiled, nor its children */
		g->listed[c->id] = false;
		return false;
	}
	uint32_t mine = (*plan_idx)++;
	bool keep = c->display_name && *c->display_name && (!g->on || g->on[mine]);
	for (size_t i = 0; i < c->nchildren; i++)
		keep |= mark(g, c->children[i], plan_idx);
	/* a component without a displayName cannot be switched, nor can its children
	 * (their path starts with it) */
	if (!c->display_name || !*c->display_name)
		keep = false;
	g->listed[c->id] = keep;
	return keep;
}

static void put_attr(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

static bool seen_path(struct gen *g, const char *path)
{
	for (size_t i = 0; i < g->npaths; i++)
		if (!strcasecmp(g->paths[i], path))
			return true;
	arena_push(g->a, (void ***)&g->paths, &g->npaths, (void *)path);
	return false;
}

static void write_component(struct gen *g, FILE *f, const struct m_file *file,
			    const struct m_component *c, int depth)
{
	if (!g->listed[c->id] || seen_path(g, c->path))
		return;
	fprintf(f, "%*s<component displayname=\"", 2 * depth + 4, "");
	put_attr(f, c->display_name);
	fputs("\" migrate=\"yes\"", f);
	if (file->urlid) {
		fputs(" ID=\"", f);
		put_attr(f, file->urlid);
		fputc('/', f);
		put_attr(f, c->path);
		fputc('"', f);
	}
	size_t kids = 0;
	for (size_t i = 0; i < c->nchildren; i++)
		kids += g->listed[c->children[i]->id];
	if (!kids) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	for (size_t i = 0; i < c->nchildren; i++)
		write_component(g, f, file, c->children[i], depth + 1);
	fprintf(f, "%*s</component>\n", 2 * depth + 4, "");
}

/* One section: the top-level components whose type= is Application (APPS) or not. */
static void write_section(struct gen *g, FILE *f, const char *name, bool apps)
{
	long start = ftell(f);
	fprintf(f, "  <%s>\n", name);
	long body = ftell(f);
	for (size_t i = 0; i < g->pol->nfiles; i++) {
		const struct m_file *file = g->pol->files[i];
		if (!file || file->ignored)
			continue;
		for (size_t j = 0; j < file->ncomponents; j++) {
			const struct m_component *c = file->components[j];
			bool is_app = c->type && !strcasecmp(c->type, "Application");
			if (is_app == apps)
				write_component(g, f, file, c, 0);
		}
	}
	if (start >= 0 && ftell(f) == body) {
		/* nothing listed: the empty element, as /genconfig writes it */
		fseek(f, start, SEEK_SET);
		fprintf(f, "  <%s/>\n", name);
	} else {
		fprintf(f, "  </%s>\n", name);
	}
}

static const char policies_skeleton[] =
    "  <Policies>\n"
    "    <ErrorControl>\n"
    "      <!-- What an error on one file does; the first rule that matches decides.\n"
    "           errorCode: any, or an errno (2 ENOENT ...); 5, 32 and 33 are read as\n"
    "           Windows writes them (access denied, file in use, file locked). Example:\n"
    "\n"
    "      <fileError>\n"
    "        <nonFatal errorCode=\"32\">* [*]</nonFatal>\n"
    "        <fatal errorCode=\"any\">%PROFILESFOLDER%\\* [*]</fatal>\n"
    "      </fileError>\n"
    "      -->\n"
    "    </ErrorControl>\n"
    "    <HardLinkStoreControl>\n"
    "      <!-- Files in use during a scan: createHardLink links them anyway,\n"
    "           errorHardLink copies them. Example:\n"
    "\n"
    "      <fileLocked>\n"
    "        <createHardLink>%PROFILESFOLDER%\\* [*]</createHardLink>\n"
    "        <errorHardLink>C:\\* [*]</errorHardLink>\n"
    "      </fileLocked>\n"
    "      -->\n"
    "    </HardLinkStoreControl>\n"
    "  </Policies>\n";

/* Write the Config.xml to a temporary file (seekable, for empty sections), then copy it
 * to OUT. Returns 0 or -1 (errno set). */
static int write_config(struct gen *g, FILE *out)
{
	FILE *f = tmpfile();
	if (!f)
		return -1;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<!-- Written by migc genconfig: every component of the rule files it was given"
	      "\n     (with a root: those detected there). Set migrate=\"no\" to leave one out;"
	      "\n     give this file to migc lint and migc compile with their config option. -->\n"
	      "<Configuration>\n",
	      f);
	write_section(g, f, "Applications", true);
	write_section(g, f, "Documents", false);
	fputs(policies_skeleton, f);
	fputs("</Configuration>\n", f);
	int rc = ferror(f) ? -1 : 0;
	char buf[8192];
	size_t n;
	rewind(f);
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	fclose(f);
	return rc;
}

/* Bind the policy's plan to ROOT and copy which plan components are detected, in any
 * context, into ON (malloc'd). Returns 0, or an exit code. */
static int detect(const struct m_policy *pol, const struct var_table *vt, const char *vars_path,
		  const unsigned char *vars_sha, const char *root, const char *user,
		  struct diag_set *d, unsigned char **on)
{
	struct cg_options o = {false, vars_path, vars_sha};
	struct cg_stats st;
	unsigned char *buf = NULL;
	size_t len = 0;
	int br = pbuild_plan(pol, vt, &o, d, &buf, &len, &st);
	if (br != 0)
		return br == 1 ? MIGC_EXIT_ERRORS : MIGC_EXIT_USAGE;
	struct plan p;
	struct plan_error pe;
	struct root_env re;
	struct rt_bound b;
	char err[256];
	int rc = MIGC_EXIT_USAGE;
	if (plan_parse(buf, len, &p, &pe) != PLAN_OK ||
	    root_env_open(&re, root, user, NULL, true, "migc genconfig") != 0) {
		free(buf);
		return rc;
	}
	if (rt_bind(&p, &re.env, &b, err, sizeof err) != 0) {
		fprintf(stderr, "migc genconfig: cannot bind the rules to %s: %s\n", root, err);
	} else {
		*on = calloc(p.ncomps + 1, 1);
		if (*on) {
			for (size_t ctx = 0; ctx < b.nctx; ctx++)
				for (size_t c = 0; c < p.ncomps; c++)
					(*on)[c] |= b.comp_on[ctx * p.ncomps + c];
			rc = 0;
		}
		rt_unbind(&b);
	}
	root_env_close(&re);
	plan_close(&p);
	free(buf);
	return rc;
}

/* genconfig's options: getopt_long's spellings, prefixes included (verbargs.h) */
static const struct argtab_opt genconfig_opts[] = {
    {"output", 'o', true, true, 'o'}, {"root", 0, true, true, 'r'},
    {"user", 0, true, true, 'u'},	{"define", 0, true, true, 'D'},
    {"vars", 0, true, true, 'v'},	{"help", 'h', false, true, 'h'},
};

struct genconfig_args {
	const char *out, *root, *user, *vars_path;
	const char **defines;
	size_t ndefines;
};

static int genconfig_opt(void *ctx, int id, const char *val)
{
	struct genconfig_args *g = ctx;
	switch (id) {
	case 'o': g->out = val; break;
	case 'r': g->root = val; break;
	case 'u': g->user = val; break;
	case 'D': g->defines[g->ndefines++] = val; break;
	case 'v': g->vars_path = val; break;
	}
	return 0;
}

int cmd_genconfig(int argc, char **argv)
{
	struct genconfig_args ga = {.defines = calloc((size_t)argc + 1, sizeof *ga.defines)};
	const char *bad = NULL;
	struct diag_set *d = diag_new();
	struct arena *a = arena_new();
	unsigned char *on = NULL;
	int rc = MIGC_EXIT_USAGE;
	const char **files = NULL;
	size_t nfiles = 0;
	const struct verbargs va = {"genconfig", "FILE", genconfig_opts,
				    sizeof genconfig_opts / sizeof genconfig_opts[0], true,
				    genconfig_usage, genconfig_opt, &ga};
	int pr = ga.defines ? verbargs_parse(&va, argc, argv, &files, &nfiles) : MIGC_EXIT_USAGE;
	if (pr >= 0) {
		rc = pr;
		goto done;
	}
	const char *out = ga.out, *root = ga.root, *user = ga.user, *vars_path = ga.vars_path;
	const char **defines = ga.defines;
	size_t ndefines = ga.ndefines;
	if (nfiles == 0) {
		fprintf(stderr, "migc genconfig: no rule files given\n");
		genconfig_usage(stderr);
		goto done;
	}
	if (user && !root) {
		fprintf(stderr, "migc genconfig: --user needs --root\n");
		goto done;
	}
	struct var_table vt = {0};
	unsigned char vars_sha[32] = {0};
	int vr = pbuild_vars(a, d, &vt, vars_path, defines, ndefines, &vars_path, vars_sha, &bad);
	if (vr == -2) {
		fprintf(stderr, "migc genconfig: --define expects NAME=VALUE, got '%s'\n", bad);
		goto done;
	}
	if (vr != 0) {
		diag_print(d, stderr, DIAG_TEXT, isatty(2));
		fprintf(stderr, "migc genconfig: cannot use variable map %s\n", vars_path);
		goto done;
	}
	struct m_policy pol = {0};
	policy_load(a, d, &pol, files, nfiles, NULL);
	rc = MIGC_EXIT_ERRORS;
	if (diag_errors(d) > 0)
		goto report;
	if (root && (rc = detect(&pol, &vt, vars_path, vars_sha, root, user, d, &on)) != 0)
		goto report;
	struct gen g = {&pol, on, arena_alloc(a, pol.ncomponents + 1), NULL, 0, a};
	uint32_t idx = 0;
	for (size_t i = 0; i < pol.nfiles; i++)
		if (pol.files[i] && !pol.files[i]->ignored)
			for (size_t j = 0; j < pol.files[i]->ncomponents; j++)
				mark(&g, pol.files[i]->components[j], &idx);
	char why[256];
	/* never through a symlink another user planted (outfile.h); 0600 like every output */
	FILE *f = out ? outfile_fopen(out, why, sizeof why) : stdout;
	if (!f) {
		fputs("migc genconfig: cannot write ", stderr);
		esc_puts(stderr, out, ESC_TEXT);
		fprintf(stderr, ": %s\n", why);
		rc = MIGC_EXIT_USAGE;
		goto report;
	}
	rc = write_config(&g, f) == 0 ? MIGC_EXIT_OK : MIGC_EXIT_USAGE;
	if ((out ? fclose(f) : fflush(f)) != 0)
		rc = MIGC_EXIT_USAGE;
	if (rc != MIGC_EXIT_OK)
		fprintf(stderr, "migc genconfig: cannot write %s: %s\n", out ? out : "the output",
			strerror(errno));
report:
	diag_print(d, stderr, DIAG_TEXT, isatty(2));
done:
	free(on);
	free(files);
	free(ga.defines);
	diag_free(d);
	arena_free(a);
	return rc;
}
