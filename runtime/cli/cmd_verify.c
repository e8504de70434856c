/* cmd_verify.c - `migstate verify STORE [--json] [--root DIR]`: check every catalog
 * entry against the store and the system (the engine, and what it checks, in
 * verify/store_verify.c); this file reads the command line, opens the store through its
 * path checks and prints the findings. Exit 0 only when all is well, 42 otherwise (27:
 * not a store of ours). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "disasm.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "journal.h"
#include "spill.h"
#include "store_verify.h"
#include "storeopen.h"
#include "storeparent.h"
#include "storewalk.h"

/* Problems are printed as they are found (text), or kept per kind for the JSON arrays
 * that follow the counts: records "path\0reason\0", beyond a budget in a temporary
 * file (spill.h), so a store where everything is wrong costs no more memory. */
struct out {
	bool json;
	struct spill kept[SV__N];
	int err; /* a problem could not be kept for the JSON lists (errno) */
};

static void out_problem(void *ctx, enum sv_kind k, const char *path, const char *reason)
{
	struct out *o = ctx;
	if (!o->json) {
		printf("%s\t", sv_kind_names[k]);
		text_str(stdout, path);
		if (*reason)
			printf("\t%s", reason);
		putchar('\n');
		return;
	}
	size_t pl = strlen(path), rl = strlen(reason);
	char *rec = malloc(pl + rl + 2);
	if (!rec) {
		if (!o->err)
			o->err = ENOMEM;
		return;
	}
	memcpy(rec, path, pl + 1);
	memcpy(rec + pl + 1, reason, rl + 1);
	if (spill_put(&o->kept[k], rec, pl + rl + 2) != 0 && !o->err)
		o->err = errno ? errno : EIO;
	free(rec);
}

static void out_note(void *ctx, enum sv_note n)
{
	(void)ctx;
	if (n == SV_NOTE_NO_IDENTITIES)
		fprintf(stderr, "migstate verify: note: the store has no identity records (made "
				"by an older migstate): load keeps its owners' numbers\n");
	else
		fprintf(stderr, "migstate verify: note: the store has no ACL records (made by an "
				"older migstate): load leaves ACLs as they are\n");
}

static void print_text(const struct sv_result *r)
{
	/* the problems were printed as they were found */
	printf("verify: %zu entries: %zu ok, %zu missing, %zu diverged, %zu orphaned%s\n",
	       r->checked, r->ok, r->count[SV_MISSING], r->count[SV_DIVERGED],
	       r->count[SV_ORPHANED],
	       r->incomplete ? "; the store is incomplete (interrupted scan)" : "");
	if (r->store_only)
		printf(
		    "verify: %zu linked entr%s the only name of %s data (nothing restored yet)\n",
		    r->store_only, r->store_only == 1 ? "y is" : "ies are",
		    r->store_only == 1 ? "its" : "their");
}

static void print_json(struct out *o, const struct sv_result *r, const struct sw_store *s)
{
	char hex[65];
	sw_hex(s->cat.ruleset, hex);
	fputs("{\"store\":", stdout);
	json_str(stdout, s->real);
	printf(",\"state\":\"%s\",\"complete\":%s,\"ruleset\":\"%s\",\"entries\":%zu,\"ok\":%zu,"
	       "\"store_only\":%zu",
	       store_state_names[s->state], r->incomplete ? "false" : "true", hex, r->checked,
	       r->ok, r->store_only);
	for (int k = 0; k < SV__N; k++) {
		printf(",\"%s\":[", sv_kind_names[k]);
		bool first = true;
		size_t n;
		const unsigned char *p;
		if (spill_rewind(&o->kept[k]) != 0 && !o->err)
			o->err = errno ? errno : EIO;
		while ((p = spill_get(&o->kept[k], &n))) {
			const char *path = (const char *)p, *reason = path + strlen(path) + 1;
			if (!first)
				putchar(',');
			first = false;
			fputs("{\"path\":", stdout);
			json_str(stdout, path);
			fputs(",\"reason\":", stdout);
			json_str(stdout, reason);
			putchar('}');
		}
		if (o->kept[k].err && !o->err)
			o->err = o->kept[k].err;
		putchar(']');
	}
	printf(",\"status\":\"%s\"}\n", r->problems || r->incomplete ? "problems" : "ok");
}

int cmd_verify(int argc, char **argv)
{
	const char *store = NULL, *root = NULL;
	bool json = false, allow = false;
	/* the command line verify shares with du and info (du has no override) */
	int rc = cli_store_args(
	    argc, argv, "verify",
	    "usage: migstate verify STORE [--json] [--root DIR] "
	    "[" STOREPARENT_OVERRIDE "]\n"
	    "Check every catalog entry: present, still the captured inode, same size\n"
	    "and mtime, the original not replaced since; list files in the store the\n"
	    "catalog does not name. Exit 0 all well, 42 problems, 27 not a store or\n"
	    "a store another user could replace (its path, or a volume's, is not safe)\n"
	    "or owns or can write, 29 another migstate command is using the store.\n",
	    &store, &root, &json, &allow);
	if (rc >= 0)
		return rc;
	/* a verdict on a store another user could have swapped says nothing */
	struct sw_store s;
	char err[512];
	enum store_open_step step;
	if ((rc = store_open_checked(&s, "verify", store, root, SW_ALLOW_PARTIAL | SW_ORDERED,
				     allow, NULL, err, sizeof err, &step)) != EXIT_OK) {
		if (step == SO_STEP_OPEN)
			fprintf(stderr, "migstate verify: %s\n", err);
		return rc;
	}
	if (s.root_guessed)
		fprintf(stderr,
			"migstate verify: warning: cannot tell the root from the store path; "
			"assuming / (pass --root)\n");
	struct out o = {.json = json};
	for (int k = 0; k < SV__N; k++)
		spill_init(&o.kept[k], -1, (size_t)256 << 10);
	struct sv_result r;
	int jerr;
	switch (sv_check(&s, &(struct sv_report){out_problem, out_note, &o}, &r, &jerr)) {
	case SV_FAIL_NOMEM:
		fprintf(stderr, "migstate verify: out of memory\n");
		rc = EXIT_FAILED;
		goto out;
	case SV_FAIL_JOURNAL:
		fprintf(stderr,
			"migstate verify: the restore journal (%s/%s) could not be read: %s\n",
			STORE_META, SW_JOURNAL, strerror(jerr));
		rc = EXIT_FAILED;
		goto out;
	case SV_DONE:
		break;
	}
	if (!o.err) {
		if (json)
			print_json(&o, &r, &s);
		else
			print_text(&r);
	}
	rc = r.problems || r.incomplete ? EXIT_STORE_CORRUPT : EXIT_OK;
	if (r.walk_err) {
		/* a verdict on a store that was not all read says nothing */
		fprintf(stderr, "migstate verify: cannot read all of the store: %s%s\n",
			strerror(r.walk_err),
			fs_out_of_fds(r.walk_err) ? " (too many open files)" : "");
		rc = EXIT_FAILED;
	}
	if (o.err) {
		/* a JSON report that lists fewer problems than it counts is no report */
		fprintf(stderr, "migstate verify: cannot keep the problems found: %s\n",
			strerror(o.err));
		rc = EXIT_FAILED;
	}
out:
	for (int k = 0; k < SV__N; k++)
		spill_free(&o.kept[k]);
	sw_close(&s);
	return rc;
}
