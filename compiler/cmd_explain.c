/* cmd_explain.c - `migc explain PLAN PATH...`: bind the plan the way migstate does and
 * print, per path, the verdict, destination and deciding rule. Runs the runtime's VM. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bind.h"
#include "commands.h"
#include "explain.h"
#include "plan.h"
#include "users.h"

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
	const char *root = "/", *user = NULL, *home = NULL;
	bool json = false, trace = false;
	struct rt_define *defs = calloc((size_t)argc + 1, sizeof *defs);
	struct rt_drive *drives = calloc((size_t)argc + 1, sizeof *drives);
	size_t ndefs = 0, ndrives = 0;
	int rc = MIGC_EXIT_USAGE, c, rootfd = -1;
	struct plan p = {0};
	struct rt_user u = {0};
	bool have_user = false, bound = false;
	struct rt_bound b;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'u': user = optarg; break;
		case 'H': home = optarg; break;
		case 'D':
			if (split_define(optarg, &defs[ndefs])) {
				fprintf(stderr, "migc explain: --define expects NAME=VALUE\n");
				goto out;
			}
			ndefs++;
			break;
		case 'd':
			if (split_drive(optarg, &drives[ndrives])) {
				fprintf(stderr, "migc explain: --drive expects X=/PATH\n");
				goto out;
			}
			ndrives++;
			break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "migc explain: --format must be text or json\n");
				goto out;
			}
			json = !strcmp(optarg, "json");
			break;
		case 't': trace = true; break;
		case 'h': explain_usage(stdout); rc = MIGC_EXIT_OK; goto out;
		default: explain_usage(stderr); goto out;
		}
	}
	/* PLAN first, then paths; options may also follow the plan */
	if (optind >= argc) {
		explain_usage(stderr);
		goto out;
	}
	const char *plan_path = argv[optind++];
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'u': user = optarg; break;
		case 'H': home = optarg; break;
		case 'D':
			if (split_define(optarg, &defs[ndefs])) {
				fprintf(stderr, "migc explain: --define expects NAME=VALUE\n");
				goto out;
			}
			ndefs++;
			break;
		case 'd':
			if (split_drive(optarg, &drives[ndrives])) {
				fprintf(stderr, "migc explain: --drive expects X=/PATH\n");
				goto out;
			}
			ndrives++;
			break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "migc explain: --format must be text or json\n");
				goto out;
			}
			json = !strcmp(optarg, "json");
			break;
		case 't': trace = true; break;
		default: explain_usage(stderr); goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "migc explain: no PATH given\n");
		goto out;
	}
	struct plan_error pe;
	if (plan_open(plan_path, &p, &pe) != PLAN_OK) {
		fprintf(stderr, "migc explain: %s: %s: %s\n", plan_path, plan_status_name(pe.status), pe.msg);
		goto out;
	}
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		fprintf(stderr, "migc explain: --root %s: %s\n", root, strerror(errno));
		goto out;
	}
	if (user) {
		if (users_lookup(rootfd, user, &u) != 0) {
			u.name = strdup(user);
			u.uid = 1000;
			u.gid = 1000;
			char h[4096];
			snprintf(h, sizeof h, "/home/%s", user);
			u.home = strdup(h);
		}
		if (home) {
			free(u.home);
			u.home = strdup(home);
		}
		users_load_xdg(rootfd, &u);
		have_user = true;
	}
	struct utsname un;
	uname(&un);
	struct rt_env env = {
		.rootfd = rootfd, .users = have_user ? &u : NULL, .nusers = have_user ? 1 : 0,
		.defines = defs, .ndefines = ndefs, .drives = drives, .ndrives = ndrives,
		.phase = PHASE_SCAN, .os_release = un.release,
	};
	char err[256];
	if (rt_bind(&p, &env, &b, err, sizeof err) != 0) {
		fprintf(stderr, "migc explain: cannot bind %s: %s\n", plan_path, err);
		goto out;
	}
	bound = true;
	for (int i = optind; i < argc; i++) {
		struct explain_result r;
		if (rt_explain(&b, argv[i], trace ? stderr : NULL, &r) != 0) {
			fprintf(stderr, "migc explain: out of memory\n");
			goto out;
		}
		if (json)
			rt_explain_print_json(&b, argv[i], &r, stdout);
		else
			rt_explain_print_text(&b, argv[i], &r, stdout);
		rt_explain_free(&r);
	}
	rc = MIGC_EXIT_OK;
out:
	if (bound)
		rt_unbind(&b);
	if (have_user)
		users_free_one(&u);
	if (rootfd >= 0)
		close(rootfd);
	plan_close(&p);
	for (size_t i = 0; i < ndefs; i++)
		free((char *)defs[i].name);
	free(defs);
	free(drives);
	return rc;
}
