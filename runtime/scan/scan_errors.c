/* scan_errors.c - the scan's two kinds of failure: an object's (ErrorControl, then
 * --continue) and the store's (the capture fails); and what is neither, a mount that
 * refuses us (its owner's choice: skipped, never an error). */
#include "scan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errpolicy.h"
#include "exitcodes.h"
#include "fsutil.h"

/* An error on DIR/NAME (NAME NULL: the directory itself): ErrorControl first, then
 * --continue. Returns 0 to skip the object and go on, -1 to stop (s->exit set). Too
 * many open files (EMFILE, ENFILE) is the run's failure, never skipped (exit 72). */
int scan_error(struct scan *s, const char *dir, const char *name, int err, const char *what)
{
	uint32_t rule = PLAN_NONE;
	enum errp_action a = s->bound ? errp_decide(&s->b, dir, name, err, &rule) : ERRP_NONE;
	char obj[8192], where[512] = "";
	snprintf(obj, sizeof obj, "%s%s%s", dir, name && *name && strcmp(dir, "/") ? "/" : "",
		 name ? name : "");
	/* out of descriptors: no object is at fault, and skipping it (a rule, --continue)
	 * would silently leave out everything below it: the capture fails, saying why */
	if (fs_out_of_fds(err))
		return store_failure(s, what, obj, err);
	if (rule != PLAN_NONE) {
		const struct plan_errc *e = &s->plan.errcs[rule];
		snprintf(where, sizeof where, " (ErrorControl %s rule at %s:%u)",
			 e->fatal ? "fatal" : "nonFatal",
			 plan_str(&s->plan, s->plan.srcs[e->src].path), e->line);
	}
	char code[16];
	snprintf(code, sizeof code, "%d", err);
	bool skip = a == ERRP_NONFATAL || (a == ERRP_NONE && s->o->cont);
	rlog_msg(&s->log, skip ? RL_WARN : RL_ERROR, "%s %s: %s%s: %s", what,
		 rlog_esc(&s->log, obj), strerror(err), where,
		 skip ? (a == ERRP_NONFATAL ? "skipped" : "skipped (--continue)")
		      : (a == ERRP_FATAL ? "stopping"
					 : "stopping (no ErrorControl rule, no --continue)"));
	rlog_progress(&s->log, "error", "UnableToCopy", "objectName", obj, "action",
		      skip ? "Ignore" : "Abort", "errorCode", code, NULL);
	if (skip) {
		if (a == ERRP_NONFATAL)
			s->c.skipped_rule++;
		else
			s->c.skipped_continue++;
		return 0;
	}
	if (!s->exit)
		s->exit = EXIT_STOPPED;
	return -1;
}

void scan_mount_refused(struct scan *s, const char *path, size_t len, int err)
{
	if (s->refused && strlen(s->refused) == len && !memcmp(s->refused, path, len))
		return; /* pass 2 meets it once per object beneath it */
	char *p = strndup(path, len);
	if (p) {
		free(s->refused);
		s->refused = p;
	}
	s->c.volumes_skipped++;
	rlog_msg(&s->log, RL_WARN,
		 "%s: the root of a mount that refuses access (%s): not entered, nothing in it is "
		 "captured (a FUSE mount without allow_other refuses every other user, root "
		 "included)",
		 rlog_esc(&s->log, p ? p : path), strerror(err));
}

/* A store-side failure: the store cannot be written. */
int store_failure(struct scan *s, const char *what, const char *path, int err)
{
	rlog_msg(&s->log, RL_ERROR, "%s %s: %s: the capture failed", what, rlog_esc(&s->log, path),
		 strerror(err));
	if (!s->exit)
		s->exit = EXIT_FAILED;
	return -1;
}
