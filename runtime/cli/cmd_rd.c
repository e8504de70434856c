/* cmd_rd.c - `migstate rd STORE [-y] [--force] [--pending] [--root DIR]`: remove a
 * store safely (UsmtUtils /rd). The engine is rd.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "argtab.h"
#include "commands.h"
#include "disasm.h"
#include "exitcodes.h"
#include "rd.h"
#include "storeopen.h"
#include "storeparent.h"

static void rd_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: migstate rd STORE [-y|--yes] [--force] [--root DIR]\n"
	    "                   [--allow-insecure-store-parent]\n"
	    "       migstate rd --pending [STORE]\n"
	    "Remove a migration store from every volume its catalog names. Entries that are\n"
	    "the last link to user data (nothing restored from them) are kept unless --force;\n"
	    "entries the kernel refuses now (busy mount point, read-only volume) are recorded\n"
	    "in $%s (default %s) and finished by --pending.\n"
	    "  -y, --yes     do not ask for confirmation (required without a terminal)\n"
	    "  --force       also remove entries that are the last link to their data\n"
	    "  --pending     finish the deletions recorded earlier (all stores, or STORE's)\n"
	    "  --root DIR    the migrated system is beneath DIR (default: derived from STORE)\n"
	    "  --allow-insecure-store-parent\n"
	    "                use a store whose path another user could change (refused by\n"
	    "                default: a directory on the way not root's, or writable by others)\n"
	    "Exit: 0 removed; 2 declined; 11 usage (or no terminal and no -y); 27 not a store\n"
	    "of ours, another user could replace it or owns or can write part of it, or a\n"
	    "pending record names another store than the one at its path; 34 not\n"
	    "permitted; 35 something was kept or is pending; 72 rd could not finish (too\n"
	    "many open files); 29 another migstate command is using the store.\n",
	    RD_PENDING_ENV, RD_PENDING_DEFAULT);
}

/* Ask on the terminal; true only for an explicit yes. */
static bool confirm(const struct sw_store *s)
{
	fputs("Remove the migration store ", stderr);
	text_str(stderr, s->real);
	fprintf(stderr, " (%zu catalog entries, %zu volume%s)? [y/N] ", sw_nrecords(s), s->nvols,
		s->nvols == 1 ? "" : "s");
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		return false;
	return !strcmp(line, "y\n") || !strcmp(line, "Y\n") || !strcmp(line, "yes\n");
}

/* rd's options (argtab.h); each may be repeated, as it always could. */
enum { RD_YES, RD_FORCE, RD_PENDING, RD_ALLOW, RD_ROOT, RD_HELP };
static const struct argtab_opt rd_opts_tab[] = {
    {"yes", 'y', false, true, RD_YES},	     {"force", 0, false, true, RD_FORCE},
    {"pending", 0, false, true, RD_PENDING}, {STOREPARENT_OVERRIDE + 2, 0, false, true, RD_ALLOW},
    {"root", 0, true, true, RD_ROOT},	     {"help", 'h', false, true, RD_HELP},
};
#define RD_NOPTS (sizeof rd_opts_tab / sizeof rd_opts_tab[0])
enum { RD_STOP_HELP = 1 };

struct rd_args {
	bool *yes, *pending;
	const char **store, **root;
	struct rd_opts *o;
};

static int rd_arg(void *ctx, size_t table, const struct argtab_opt *opt, const char *val, char *err,
		  size_t errsz)
{
	struct rd_args *a = ctx;
	(void)table;
	if (!opt) {
		if (*a->store)
			return argtab_one_operand(err, errsz, "STORE", *a->store, val);
		*a->store = val;
		return ARGTAB_OK;
	}
	switch (opt->id) {
	case RD_YES:
		*a->yes = true;
		break;
	case RD_FORCE:
		a->o->force = true;
		break;
	case RD_PENDING:
		*a->pending = true;
		break;
	case RD_ALLOW:
		a->o->insecure_parent = true;
		break;
	case RD_ROOT:
		*a->root = val;
		break;
	case RD_HELP:
		return RD_STOP_HELP;
	}
	return ARGTAB_OK;
}

int cmd_rd(int argc, char **argv)
{
	bool yes = false, pending = false;
	const char *store = NULL, *root = NULL;
	struct rd_opts o = {.out = stdout};
	struct rd_args ra = {&yes, &pending, &store, &root, &o};
	char uerr[512];
	int pr = argtab_parse(argc, argv, &(struct argtab){rd_opts_tab, RD_NOPTS, false}, 1,
			      "STORE", rd_arg, &ra, uerr, sizeof uerr);
	if (pr == RD_STOP_HELP) {
		rd_usage(stdout);
		return EXIT_OK;
	}
	if (pr != ARGTAB_OK) {
		fprintf(stderr, "migstate rd: %s\n", uerr);
		rd_usage(stderr);
		return EXIT_USAGE;
	}
	if (pending)
		return rd_pending(&o, store);
	if (!store) {
		fprintf(stderr, "migstate rd: the STORE argument is required\n");
		rd_usage(stderr);
		return EXIT_USAGE;
	}
	/* rd would remove what a swapped store (or volume store) holds */
	struct sw_store s;
	char err[512];
	enum store_open_step step;
	int pc =
	    store_open_checked(&s, "rd", store, root, SW_ALLOW_PARTIAL | SW_NO_CATALOG | SW_ORDERED,
			       o.insecure_parent, NULL, err, sizeof err, &step);
	if (pc != EXIT_OK) {
		if (step == SO_STEP_OPEN)
			fprintf(stderr, "migstate rd: %s\n", err);
		return pc;
	}
	if (s.root_guessed)
		fprintf(stderr, "migstate rd: warning: cannot tell the root from the store path; "
				"assuming / for the other volumes' stores (pass --root)\n");
	if (!s.have_cat && s.state != SS_REMOVING)
		fprintf(stderr,
			"migstate rd: warning: %s has no catalog: only its master store "
			"can be removed\n",
			store);
	if (s.state == SS_SCANNING)
		fprintf(stderr,
			"migstate rd: warning: the store is marked 'scanning' (an interrupted "
			"scan, or one still running)\n");
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr,
				"migstate rd: refusing to remove %s without confirmation: no "
				"terminal to ask on; pass -y\n",
				store);
			sw_close(&s);
			return EXIT_USAGE;
		}
		if (!confirm(&s)) {
			fprintf(stderr, "migstate rd: not removed\n");
			sw_close(&s);
			return EXIT_CANCELED;
		}
	}
	struct rd_result r;
	int rc = rd_run(&s, &o, &r);
	printf("rd: removed %zu files and %zu directories; kept %zu, pending %zu, denied %zu, "
	       "errors %zu\n",
	       r.files, r.dirs, r.kept, r.pending, r.denied, r.errors);
	if (r.kept)
		fprintf(
		    stderr,
		    "migstate rd: %zu entr%s kept: the store holds the only copy of that "
		    "data. Restore it (migstate load) or pass --force once you are sure it is not "
		    "needed.\n",
		    r.kept, r.kept == 1 ? "y" : "ies");
	if (r.pending)
		fprintf(
		    stderr,
		    "migstate rd: %zu entr%s could not be removed now and %s recorded in "
		    "%s; run 'migstate rd --pending' once the cause is gone (the boot-time unit "
		    "migstate-rd-pending.service does it at the next start).\n",
		    r.pending, r.pending == 1 ? "y" : "ies", r.pending == 1 ? "is" : "are",
		    rd_pending_dir(&o));
	if (r.unmounted)
		fprintf(stderr, "migstate rd: %zu volume%s not mounted: mount and run rd again.\n",
			r.unmounted, r.unmounted == 1 ? " is" : "s are");
	if (r.no_fds)
		fprintf(stderr,
			"migstate rd: too many open files (exit 72): %zu entr%s could not be "
			"looked at; nothing of them was removed. Raise the limit (ulimit -n) or "
			"close descriptors and run rd again.\n",
			r.no_fds, r.no_fds == 1 ? "y" : "ies");
	if (rc == EXIT_NOT_PERMITTED)
		fprintf(
		    stderr,
		    "migstate rd: not permitted (exit 34): rd must run as root, and an "
		    "immutable or append-only entry must first be made mutable (chattr -i -a).\n");
	sw_close(&s);
	return rc;
}
