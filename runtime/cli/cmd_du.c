/* cmd_du.c - `migstate du STORE [--json] [--root DIR]`: what the store really costs,
 * each inode counted once (the engine, and its rules, in store/du_engine.c); this file
 * reads the command line and prints the totals. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "disasm.h"
#include "du_engine.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "storewalk.h"

static const char *const du_help[DU__N] = {
    "shared with the user's files: no extra space",
    "linked, but every name of the file is in the store: rd frees it",
    "data copied into the store",
    "shares extents with the original: costs only what no longer is shared",
    "the store's directories",
    "catalog, store.id, restore journal",
    "symlinks, special files and files the catalog does not name",
};

static void human(uint64_t b, char *out, size_t n)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double x = (double)b;
	int i = 0;
	while (x >= 1024 && i < 4) {
		x /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(out, n, "%llu B", (unsigned long long)b);
	else
		snprintf(out, n, "%.1f %s", x, u[i]);
}

static void print_text(const struct sw_store *s, const struct du_totals *d)
{
	char h[32];
	fputs("du ", stdout);
	text_str(stdout, s->real);
	printf(" (%zu volume%s, %zu names, %zu inodes)\n", s->nvols, s->nvols == 1 ? "" : "s",
	       d->names, d->inodes);
	uint64_t cost = 0;
	for (int c = 0; c < DU__N; c++) {
		human(c == DU_LINKED || c == DU_REFLINKED ? d->bytes[c] : d->cost[c], h, sizeof h);
		printf("  %-12s %8zu %-5s %10s  %s\n", du_cat_names[c], d->count[c],
		       c == DU_DIRS ? "dirs" : "files", h, du_help[c]);
		cost += d->cost[c];
	}
	human(cost, h, sizeof h);
	printf("  %-12s %25s  what removing the store frees (%llu bytes)\n", "real cost", h,
	       (unsigned long long)cost);
	human(d->apparent, h, sizeof h);
	printf("  %-12s %25s  what tools counting every name report (%llu bytes)\n", "apparent", h,
	       (unsigned long long)d->apparent);
}

static void print_json(const struct sw_store *s, const struct du_totals *d)
{
	uint64_t cost = 0;
	fputs("{\"store\":", stdout);
	json_str(stdout, s->real);
	printf(",\"volumes\":%zu,\"names\":%zu,\"inodes\":%zu", s->nvols, d->names, d->inodes);
	for (int c = 0; c < DU__N; c++) {
		printf(",\"%s\":{\"count\":%zu,\"bytes\":%llu,\"cost\":%llu}", du_cat_names[c],
		       d->count[c], (unsigned long long)d->bytes[c],
		       (unsigned long long)d->cost[c]);
		cost += d->cost[c];
	}
	printf(",\"cost\":%llu,\"apparent\":%llu}\n", (unsigned long long)cost,
	       (unsigned long long)d->apparent);
}

int cmd_du(int argc, char **argv)
{
	const char *store = NULL, *root = NULL;
	bool json = false;
	int rc =
	    cli_store_args(argc, argv, "du",
			   "usage: migstate du STORE [--json] [--root DIR]\n"
			   "What the store costs, each inode counted once: linked files (no extra\n"
			   "space), copies (their blocks), directories, catalog; and the apparent\n"
			   "size tools that count every name would report. Exit 0; 27 not a store\n"
			   "of ours (or one another user owns or can write); 29 another migstate\n"
			   "command is using the store.\n",
			   &store, &root, &json, NULL);
	if (rc >= 0)
		return rc;
	struct sw_store s;
	char err[512];
	int ec;
	if (sw_open(&s, store, root, SW_ALLOW_PARTIAL | SW_NO_CATALOG | SW_ORDERED, err, sizeof err,
		    &ec)) {
		fprintf(stderr, "migstate du: %s\n", err);
		sw_close(&s);
		return ec;
	}
	struct du_totals d;
	if (du_measure(&s, &d) != 0) {
		if (d.walk_err) {
			fprintf(stderr, "migstate du: cannot read all of the store (");
			text_str(stderr, d.walk_where ? d.walk_where : "");
			fprintf(stderr, ": %s)%s: no total\n", strerror(d.walk_err),
				fs_out_of_fds(d.walk_err) ? ", too many open files" : "");
		} else {
			fprintf(stderr, "migstate du: %s\n", strerror(d.err));
		}
		du_totals_free(&d);
		sw_close(&s);
		return EXIT_FAILED;
	}
	if (json)
		print_json(&s, &d);
	else
		print_text(&s, &d);
	du_totals_free(&d);
	sw_close(&s);
	return EXIT_OK;
}
