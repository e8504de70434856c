/* cmd_load.c - `migstate load STORE --plan PLAN [options]`: restore a store
 * (LoadState). Options are scan's (rtopts.h) plus --dry-run; the engine is load.c and
 * load_*.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "disasm.h"
#include "exitcodes.h"
#include "load.h"
#include "logging.h"
#include "rtopts.h"

enum { LO_DRY_RUN = 1, LO_KEEP_DIR_MODES, LO_KEEP_IDS, LO_MU, LO_LAC, LO_LAE };

static const struct rtopt_ext load_ext[] = {
    {"dry-run", 'n', false, false, LO_DRY_RUN},
    {"keep-dir-modes", 0, false, false, LO_KEEP_DIR_MODES},
    {"keep-ids", 0, false, false, LO_KEEP_IDS},
    {"mu", 0, true, true, LO_MU},
    {"lac", 0, false, false, LO_LAC},
    {"lae", 0, false, false, LO_LAE},
};

#define LOAD_MU_MAX 256

/* The --mu pairs, as given (pointers into argv). */
struct mu_list {
	struct idmap_mu v[LOAD_MU_MAX];
	size_t n;
};

struct load_ctx {
	struct load_opts *o;
	struct mu_list *mu;
};

/* A name of --mu: an optional DOMAIN\ prefix is dropped, as USMT's /mu allows it. */
static const char *mu_name(const char *s, size_t len, char *out, size_t outsz)
{
	const char *bs = memchr(s, '\\', len);
	if (bs) {
		len -= (size_t)(bs + 1 - s);
		s = bs + 1;
	}
	if (!len || len >= outsz)
		return NULL;
	memcpy(out, s, len);
	out[len] = 0;
	return out;
}

static void load_usage(FILE *out)
{
	fprintf(out,
		"usage: migstate load STORE --plan PLAN [--hardlink --nocompress | --nocompress]\n"
		"                     [options]\n"
		"Restore the objects of a store: each is linked back from the store when it is\n"
		"on the same mount as its destination, else copied. The rules are evaluated\n"
		"again (detection skipped): NeverRestore, a Config.xml given to migc, the\n"
		"locationModify, merge and destinationCleanup rules of the plan apply.\n"
		"--nocompress alone restores copies (the store's inodes are never shared).\n\n");
	rtopts_usage_common(out);
	fprintf(out,
		"  -n, --dry-run         print what would be done; touch nothing\n"
		"  --keep-dir-modes      leave an existing directory that grants group/other\n"
		"                        permissions the captured one did not as it is (only\n"
		"                        warn); by default those permissions are removed\n"
		"  --mu OLD:NEW          restore captured user OLD as user NEW of this system\n"
		"                        (repeatable; a DOMAIN\\ prefix is ignored)\n"
		"  --lac                 create each migrated user who has no account here\n"
		"                        (captured uid when free, else the next free one),\n"
		"                        locked, and the non-system groups they were in\n"
		"  --lae                 with --lac: the created accounts keep their password\n"
		"  --keep-ids            restored objects keep their captured uid and gid (the\n"
		"                        same machine image); by default each owner is the\n"
		"                        account of the same name here (the store's identity\n"
		"                        records)\n\n"
		"Exit: 0 all restored; 3 something was skipped (read the log before rd);\n"
		"11 usage; 14 nothing restored: a captured owner has no account here and\n"
		"their old id is another account's now (--lac, --mu, or -c);\n"
		"27 not a usable store (or one another user owns or can write);\n"
		"39 plan unusable; 61 stopped at an error; 29 another migstate command is\n"
		"using the store.\n");
}

static int load_opt(void *ctx, int id, const char *arg, char *err, size_t errsz)
{
	struct load_ctx *c = ctx;
	struct load_opts *o = c->o;
	if (id == LO_DRY_RUN) {
		o->dry_run = true;
	} else if (id == LO_KEEP_DIR_MODES) {
		o->keep_dir_modes = true;
	} else if (id == LO_KEEP_IDS) {
		o->keep_ids = true;
	} else if (id == LO_LAC) {
		o->lac = true;
	} else if (id == LO_LAE) {
		o->lae = true;
	} else if (id == LO_MU) {
		static char names[LOAD_MU_MAX][2][256];
		const char *colon = strchr(arg, ':');
		struct mu_list *m = c->mu;
		const char *from = colon ? mu_name(arg, (size_t)(colon - arg), names[m->n][0], 256)
					 : NULL;
		const char *to = colon ? mu_name(colon + 1, strlen(colon + 1), names[m->n][1], 256)
				       : NULL;
		if (!from || !to || strchr(to, ':')) {
			snprintf(err, errsz, "--mu expects OLD:NEW (two user names), not '%s'", arg);
			return -1;
		}
		if (m->n == LOAD_MU_MAX) {
			snprintf(err, errsz, "at most %d --mu pairs", LOAD_MU_MAX);
			return -1;
		}
		for (size_t i = 0; i < m->n; i++)
			if (!strcmp(m->v[i].from, from)) {
				snprintf(err, errsz, "--mu maps %s twice", from);
				return -1;
			}
		m->v[m->n++] = (struct idmap_mu){from, to};
	}
	return 0;
}

static void print_summary(const struct load_stats *s, bool json, bool dry)
{
	if (json) {
		printf(
		    "{\"dry_run\":%s,\"objects\":%zu,\"linked\":%zu,\"copied\":%zu,"
		    "\"reflinked\":%zu,\"special\":%zu,"
		    "\"directories\":%zu,\"renamed\":%zu,\"replaced\":%zu,\"kept\":%zu,"
		    "\"diverged\":%zu,"
		    "\"present\":%zu,\"excluded\":%zu,\"cleaned\":%zu,\"skipped\":%zu,"
		    "\"users_missing\":%zu,\"dirs_tightened\":%zu,\"dirs_wider_kept\":%zu,"
		    "\"dirs_owner_differs\":%zu,\"dirs_acl_tightened\":%zu,\"dirs_acl_kept\":%zu,"
		    "\"setid_stripped\":%zu,\"devices_skipped\":%zu,"
		    "\"reowned\":%zu,\"owner_skipped\":%zu,\"acls_remapped\":%zu,"
		    "\"acl_entries_dropped\":%zu,\"accounts_created\":%zu,"
		    "\"groups_created\":%zu,\"memberships_added\":%zu,\"group_mappings_applied\":%zu,\"id_map\":%s,"
		    "\"ruleset_differs\":%s,\"stopped\":%s}\n",
		    dry ? "true" : "false", s->objects, s->linked, s->copied, s->reflinked,
		    s->special, s->dirs, s->renamed, s->replaced, s->kept, s->diverged, s->present,
		    s->excluded, s->cleaned, s->skipped, s->users_missing, s->dirs_tightened,
		    s->dirs_wide, s->dirs_owner, s->dirs_acl, s->dirs_acl_kept, s->setid_stripped,
		    s->devices_skipped, s->reowned, s->owner_skipped, s->acls_remapped,
		    s->acl_entries_dropped, s->accounts_created,
		    s->groups_created, s->memberships_added, s->group_mappings_applied,
		    s->id_map_json ? s->id_map_json : "[]",
		    s->ruleset_differs ? "true" : "false", s->stopped ? "true" : "false");
		return;
	}
	printf("load%s: %zu linked, %zu copied, %zu renamed, %zu skipped, %zu diverged",
	       dry ? " (dry run)" : "", s->linked, s->copied, s->renamed, s->skipped, s->diverged);
	printf("; %zu of the copies reflinked (no data copied), %zu already in place, %zu "
	       "special, %zu directories made, %zu replaced, %zu kept existing, %zu not restored "
	       "by the rules, %zu cleaned up\n",
	       s->reflinked, s->present, s->special, s->dirs, s->replaced, s->kept, s->excluded,
	       s->cleaned);
	/* existing directories: how many lost permissions the captured ones did not grant */
	if (s->dirs_tightened || s->dirs_wide || s->dirs_owner)
		printf("load: existing directories: %zu tightened to the captured mode, %zu left "
		       "wider than captured, %zu owned by another user than captured (see the "
		       "log)\n",
		       s->dirs_tightened, s->dirs_wide, s->dirs_owner);
	if (s->setid_stripped || s->devices_skipped)
		printf("load: %zu files restored without set-id bits or capabilities, %zu device "
		       "nodes not restored (captured on nosuid/nodev mounts, see the log)\n",
		       s->setid_stripped, s->devices_skipped);
	if (s->reowned || s->owner_skipped)
		printf("load: %zu objects given their owner's account here (its id changed since the "
		       "capture), %zu not restored: their owner has no account here (see the log)\n",
		       s->reowned, s->owner_skipped);
	if (s->acls_remapped || s->acl_entries_dropped)
		printf("load: %zu objects given their captured ACL by name, %zu ACL entries "
		       "removed: their name has no account here (see the log)\n",
		       s->acls_remapped, s->acl_entries_dropped);
	if (s->dirs_acl || s->dirs_acl_kept)
		printf("load: existing directories: %zu with ACL entries granting beyond the "
		       "captured mode removed, %zu left with them (see the log)\n",
		       s->dirs_acl, s->dirs_acl_kept);
}

int cmd_load(int argc, char **argv)
{
	struct rt_opts ro;
	struct load_opts o = {.ro = &ro};
	static struct mu_list mu;
	struct load_ctx lc = {&o, &mu};
	char err[512];
	int pr = rtopts_parse(argc, argv, &ro, load_ext, sizeof load_ext / sizeof load_ext[0],
			      load_opt, &lc, err, sizeof err);
	o.mu = mu.v;
	o.nmu = mu.n;
	if (pr == RTOPTS_HELP) {
		load_usage(stdout);
		rtopts_free(&ro);
		return EXIT_OK;
	}
	int rc = EXIT_USAGE;
	if (pr != RTOPTS_OK) {
		fprintf(stderr, "migstate load: %s\n", err);
		goto out;
	}
	if (!ro.store || !ro.plan) {
		fprintf(stderr, "migstate load: %s is required (migstate load STORE --plan PLAN)\n",
			!ro.store ? "STORE" : "--plan");
		goto out;
	}
	if (ro.hardlink && !ro.nocompress) {
		fprintf(stderr, "migstate load: --hardlink requires --nocompress\n");
		goto out;
	}
	if (o.lae && !o.lac) {
		fprintf(stderr, "migstate load: --lae is only used with --lac\n");
		goto out;
	}
	if (o.lac && o.keep_ids) {
		fprintf(stderr, "migstate load: --lac cannot be used with --keep-ids (accounts "
				"are created by name, their ids may differ)\n");
		goto out;
	}
	o.copy_only = ro.nocompress && !ro.hardlink;
	struct rlog log;
	/* the default log is the one rtopts documents; a dry run writes none */
	const char *logname = ro.log ? ro.log : o.dry_run ? NULL : "migstate-load.log";
	if (rlog_open(&log, logname, ro.progress, NULL, ro.verbose, err, sizeof err) != 0) {
		fprintf(stderr, "migstate load: %s\n", err);
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	rlog_progress(&log, "program", "migstate load", (char *)NULL);
	struct load_stats st;
	rc = load_run(&o, &log, &st);
	if (rc == EXIT_OK || rc == EXIT_SKIPPED || rc == EXIT_STOPPED || rc == EXIT_USE_LAC) {
		print_summary(&st, ro.json, o.dry_run);
		char buf[32];
		snprintf(buf, sizeof buf, "%zu", st.skipped);
		rlog_progress(&log, "PHASE", "Done", "numberOfIgnoredErrors", buf, (char *)NULL);
	}
	if (rc == EXIT_SKIPPED)
		fprintf(stderr,
			"migstate load: %zu object%s skipped%s: read the log%s%s before running "
			"rd, or their data is lost\n",
			st.skipped, st.skipped == 1 ? " was" : "s were",
			st.users_missing ? " (some users of the store have no account here)" : "",
			logname ? " " : "", logname ? logname : "");
	free(st.id_map_json);
	if (rlog_close(&log) != 0 && rc == EXIT_OK)
		rc = EXIT_ENVIRONMENT;
out:
	rtopts_free(&ro);
	return rc;
}
