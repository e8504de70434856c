/* cmd_explain.c - `migc explain PLAN PATH...`: bind the plan the way migstate does and
 * print, per path, the verdict, destination and deciding rule. Runs the runtime's VM. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "commands.h"
#include "explain.h"
#include "plan.h"
#include "root_env.h"

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

/* Apply option C (from getopt_long); -1 on a bad value (message printed). */
static int explain_opt(int c, struct explain_opts *o)
{
	switch (c) {
	case 'r': o->root = optarg; return 0;
	case 'u': o->user = optarg; return 0;
	case 'H': o->home = optarg; return 0;
	case 't': o->trace = true; return 0;
	case 'D':
		if (split_define(optarg, &o->defs[o->ndefs])) {
			fprintf(stderr, "migc explain: --define expects NAME=VALUE\n");
			return -1;
		}
		o->ndefs++;
		return 0;
	case 'd':
		if (split_drive(optarg, &o->drives[o->ndrives])) {
			fprintf(stderr, "migc explain: --drive expects X=/PATH\n");
			return -1;
		}
		o->ndrives++;
		return 0;
	case 'f':
		if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
			fprintf(stderr, "migc explain: --format must be text or json\n");
			return -1;
		}
		o->json = !strcmp(optarg, "json");
		return 0;
	}
	explain_usage(stderr);
	return -1;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"user", required_argument, NULL, 'u'},
		{"home", required_argument, NULL, 'H'},
		{"define", required_argument, NULL, 'D'},
		{"drive", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"trace", no_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct explain_opts o = {
		.root = "/",
		.defs = calloc((size_t)argc + 1, sizeof(struct rt_define)),
		.drives = calloc((size_t)argc + 1, sizeof(struct rt_drive)),
	};
	int rc = MIGC_EXIT_USAGE, c;
	struct plan p = {0};
	struct root_env re;
	bool have_env = false, bound = false;
	struct rt_bound b;

	/* GNU getopt permutes: options may stand anywhere; the first operand is PLAN */
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			explain_usage(stdout);
			rc = MIGC_EXIT_OK;
			goto out;
		}
		if (explain_opt(c, &o))
			goto out;
	}
	if (optind >= argc) {
		explain_usage(stderr);
		goto out;
	}
	const char *plan_path = argv[optind++];
	if (optind >= argc) {
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
	for (int i = optind; i < argc; i++) {
		struct explain_result r;
		if (rt_explain(&b, argv[i], o.trace ? stderr : NULL, &r) != 0) {
			fprintf(stderr, "migc explain: out of memory\n");
			goto out;
		}
		if (o.json)
			rt_explain_print_json(&b, argv[i], &r, stdout);
		else
			rt_explain_print_text(&b, argv[i], &r, stdout);
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
	return rc;
}
