/* store_verify.h - the engine of `migstate verify` (not to be confused with
 * plan/verify.c, the plan verifier): check every catalog entry of an opened store
 * against the store and the system, and list what the store holds that the catalog
 * does not name. cli/cmd_verify.c reads the command line, opens the store through its
 * path checks (store_open_checked) and prints what this finds. */
#ifndef MIGRT_STORE_VERIFY_H
#define MIGRT_STORE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "storewalk.h"

enum sv_kind { SV_MISSING, SV_DIVERGED, SV_ORPHANED, SV__N };
/* The kinds' names, as the text and JSON reports spell them. */
extern const char *const sv_kind_names[SV__N];

/* What the store lacks that a reader should know (no problem: older stores). */
enum sv_note {
	SV_NOTE_NO_IDENTITIES, /* no identity records: load keeps owners' numbers */
	SV_NOTE_NO_ACLS,       /* no ACL records: load leaves ACLs as they are */
};

/* Where the findings go, as they are found. REASON is "" when there is none. */
struct sv_report {
	void (*problem)(void *ctx, enum sv_kind k, const char *path, const char *reason);
	void (*note)(void *ctx, enum sv_note n);
	void *ctx;
};

struct sv_result {
	size_t problems; /* all kinds */
	size_t count[SV__N];
	size_t checked; /* catalog entries */
	size_t ok;
	size_t store_only; /* linked entries that are the only name of their data */
	bool incomplete;   /* an interrupted scan's store */
	int walk_err;	   /* part of the store could not be read (errno): no verdict */
};

/* Why sv_check gave no verdict at all. */
enum sv_fail {
	SV_DONE,	 /* checked: see the result */
	SV_FAIL_NOMEM,	 /* out of memory */
	SV_FAIL_JOURNAL, /* the restore journal could not be read (errno in *JERR) */
};

/* Check store S (opened with SW_ALLOW_PARTIAL | SW_ORDERED), reporting to REP. */
enum sv_fail sv_check(struct sw_store *s, const struct sv_report *rep, struct sv_result *res,
		      int *jerr);

#endif
