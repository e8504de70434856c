/* cmd_explain.c - `migc explain PLAN PATH...`: bind the plan the way migstate does and
 * print, per path, the verdict, destination and deciding rule. Runs the runtime's VM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "commands.h"
#include "explain.h"
#include "plan.h"
#include "root_env.h"
#include "verbargs.h"

static void explain_usage(FILE *out)
{
	fprintf(out,
		"usage: migc explain PLAN [--root DIR] [--user NAME] [--home DIR]\n"
		"                         [--define NAME=VALUE]... [--drive X=PATH]...\n"
		"                         [--format text|json] [--trace] PATH...\n"
		"PATHs are as seen on the migrated system (beneath --root, default /). A trailing\n"
		"'/' names a directory. Text output: VERDICT<TAB>PATH<TAB>DEST<TAB>FILE:LINE.\n");
}

static int split_define(const char *s, struct rt_define *d)
{
	const char *eq = strchr(s, '=');
	if (!eq || eq == s)
		return -1;
	d->name = strndup(s, (size_t)(eq - s));
	d->value = eq + 1;
	return d->name ? 0 : -1;
}

static int split_drive(const char *s, struct rt_drive *d)
{
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) || s[1] != '=' || s[2] != '/')
		return -1;
	d->letter = (char)(s[0] & ~0x20);
	d->path = s + 2;
	return 0;
}

struct explain_opts {
	const char *root, *user, *home;
	bool json, trace;
	struct rt_define *defs;
	struct rt_drive *drives;
	size_t ndefs, ndrives;
};

/* Apply option ID with value VAL (verbargs.h); -1 on a bad value (message printed). */
static int explain_opt(void *ctx, int id, const char *val)
{
	struct explain_opts *o = ctx;
	switch (id) {
	case 'r': o->root = val; return 0;
	case 'u': o->user = val; return 0;
	case 'H': o->home = val; return 0;
	case 't': o->trace = true; return 0;
	case 'D':
		if (split_define(val, &o->defs[o->ndefs])) {
			fprintf(stderr, "migc explain: --define expects NAME=VALUE\n");
			return -1;
		}
		o->ndefs++;
		return 0;
	case 'd':
		if (split_drive(val, &o->drives[o->ndrives])) {
			fprintf(stderr, "migc explain: --drive expects X=/PATH\n");
			return -1;
		}
		o->ndrives++;
		return 0;
	case 'f':
		if (strcmp(val, "json") && strcmp(val, "text")) {
			fprintf(stderr, "migc explain: --format must be text or json\n");
			return -1;
		}
		o->json = !strcmp(val, "json");
		return 0;
	}
	return 0;
}

/* explain's options: getopt_long's spellings, prefixes included (verbargs.h) */
static const struct argtab_opt explain_opts_tab[] = {
    {"root", 0, true, true, 'r'},	{"user", 0, true, true, 'u'},
    {"home", 0, true, true, 'H'},	{"define", 0, true, true, 'D'},
    {"drive", 0, true, true, 'd'},	{"format", 0, true, true, 'f'},
    {"trace", 0, false, true, 't'},	{"help", 'h', false, true, 'h'},
};

int cmd_explain(int argc, char **argv)
{
	struct explain_opts o = {
		.root = "/",
		.defs = calloc((size_t)argc + 1, sizeof(struct rt_define)),
		.drives = calloc((size_t)argc + 1, sizeof(struct rt_drive)),
	};
	int rc = MIGC_EXIT_USAGE;
	struct plan p = {0};
	struct root_env re;
	bool have_env = false, bound = false;
	struct rt_bound b;

	/* options may stand anywhere; the first operand is PLAN, the rest PATHs */
	const char **ops = NULL;
	size_t nops = 0;
	const struct verbargs va = {"explain", "PATH", explain_opts_tab,
				    sizeof explain_opts_tab / sizeof explain_opts_tab[0], true,
				    explain_usage, explain_opt, &o};
	int pr = o.defs && o.drives ? verbargs_parse(&va, argc, argv, &ops, &nops) : MIGC_EXIT_USAGE;
	if (pr >= 0) {
		rc = pr;
		goto out;
	}
	if (nops == 0) {
		explain_usage(stderr);
		goto out;
	}
	const char *plan_path = ops[0];
	if (nops < 2) {
		fprintf(stderr, "migc explain: no PATH given\n");
		goto out;
	}
	struct plan_error pe;
	if (plan_open(plan_path, &p, &pe) != PLAN_OK) {
		fprintf(stderr, "migc explain: %s: %s: %s\n", plan_path, plan_status_name(pe.status), pe.msg);
		goto out;
	}
	if (root_env_open(&re, o.root, o.user, o.home, false, "migc explain") != 0)
		goto out;
	have_env = true;
	re.env.defines = o.defs;
	re.env.ndefines = o.ndefs;
	re.env.drives = o.drives;
	re.env.ndrives = o.ndrives;
	char err[256];
	if (rt_bind(&p, &re.env, &b, err, sizeof err) != 0) {
		fprintf(stderr, "migc explain: cannot bind %s: %s\n", plan_path, err);
		goto out;
	}
	bound = true;
	for (size_t i = 1; i < nops; i++) {
		struct explain_result r;
		if (rt_explain(&b, ops[i], o.trace ? stderr : NULL, &r) != 0) {
			fprintf(stderr, "migc explain: out of memory\n");
			goto out;
		}
		if (o.json)
			rt_explain_print_json(&b, ops[i], &r, stdout);
		else
			rt_explain_print_text(&b, ops[i], &r, stdout);
		rt_explain_free(&r);
	}
	rc = MIGC_EXIT_OK;
out:
	if (bound)
		rt_unbind(&b);
	if (have_env)
		root_env_close(&re);
	plan_close(&p);
	for (size_t i = 0; i < o.ndefs; i++)
		free((char *)o.defs[i].name);
	free(o.defs);
	free(o.drives);
	free(ops);
	return rc;
}
