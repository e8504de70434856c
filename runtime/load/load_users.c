/* load_users.c - the catalog's users bound to this system's (by name), and destinations
 * below a captured home moved to the user's home here. */
#include "load_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "users.h"

/* Bind the catalog's users that exist here (by name) and are selected. Decisions use
 * the captured home and XDG dirs, so catalog paths match as they did at the scan;
 * destinations below a captured home are moved to the user's home here if it differs. */
int load_setup_users(struct loader *L)
{
	const struct cat_reader *c = &L->s.cat;
	const struct rt_opts *ro = L->o->ro;
	size_t n = c->nusers;
	L->users = calloc(n ? n : 1, sizeof *L->users);
	L->target_home = calloc(n ? n : 1, sizeof *L->target_home);
	L->user_ctx = malloc((n ? n : 1) * sizeof *L->user_ctx);
	if (!L->users || !L->target_home || !L->user_ctx)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct cat_user_info *cu = &c->users[i];
		struct rt_user here;
		/* --mu OLD:NEW: OLD's objects go to NEW, under NEW's home */
		const char *as = owners_restored_as(L, cu->name ? cu->name : "");
		L->user_ctx[i] = USER_MISSING;
		if (!cu->name || !cu->home ||
		    (users_lookup(L->s.rootfd, as, &here) != 0 && !owners_planned_user(L, as, &here))) {
			if (cu->name && !rtopts_user_wanted(ro, cu->name, false)) {
				/* left out on purpose (--ue): not missing, nothing skipped */
				L->user_ctx[i] = USER_UNSELECTED;
				rlog_msg(L->log, RL_INFO,
					 "user %s: not selected (--ui/--ue/--uel), and has no "
					 "account here",
					 rlog_esc(L->log, cu->name));
				continue;
			}
			L->st->users_missing++;
			rlog_msg(L->log, RL_WARN,
				 "user %s (uid %u) is in the store but not on this system: their "
				 "objects "
				 "are not restored (create the account and run load again)",
				 rlog_esc(L->log, cu->name), cu->uid);
			continue;
		}
		bool active = rtopts_user_active(ro, L->s.rootfd, &here);
		L->user_ctx[i] = USER_UNSELECTED;
		if (!rtopts_user_wanted(ro, cu->name, active)) {
			rlog_msg(L->log, RL_INFO, "user %s: not selected (--ui/--ue/--uel)",
				 rlog_esc(L->log, cu->name));
			users_free_one(&here);
			continue;
		}
		if (here.uid != cu->uid && L->map.keep)
			rlog_msg(
			    L->log, RL_WARN,
			    "user %s has uid %u here but %u in the store: restored objects keep uid "
			    "%u (%s); chown them after rd if needed",
			    rlog_esc(L->log, as), here.uid, cu->uid, cu->uid,
			    L->o->keep_ids ? "--keep-ids" : "the store has no identity records");
		if (strcmp(as, cu->name) != 0)
			rlog_msg(L->log, RL_INFO, "user %s is restored as %s (--mu), under %s",
				 rlog_esc(L->log, cu->name), rlog_esc(L->log, as),
				 rlog_esc(L->log, here.home));
		struct rt_user *u = &L->users[L->nusers];
		u->name = strdup(cu->name);
		u->uid = cu->uid;
		u->gid = cu->gid;
		u->home = strdup(cu->home);
		for (int x = 0; x < CAT_XDG_N && x < XDG__N; x++)
			if (cu->xdg[x] && *cu->xdg[x])
				u->xdg[x] = strdup(cu->xdg[x]);
		L->target_home[L->nusers] = here.home;
		here.home = NULL;
		users_free_one(&here);
		if (!u->name || !u->home)
			return -1;
		L->nusers++;
		L->user_ctx[i] = (int)L->nusers;
		rlog_msg(L->log, RL_INFO, "user %s: restored (context %zu)",
			 rlog_esc(L->log, cu->name), L->nusers);
	}
	return 0;
}

/* DEST below a captured home whose user lives elsewhere here: moved there. NULL (DEST
 * freed) out of memory: never the old place instead. */
char *load_rebase_home(struct loader *L, char *dest)
{
	for (size_t i = 0; i < L->nusers; i++) {
		const char *from = L->users[i].home, *to = L->target_home[i];
		size_t fl = strlen(from);
		if (!to || !strcmp(from, to) || strncmp(dest, from, fl) != 0 ||
		    (dest[fl] != 0 && dest[fl] != '/'))
			continue;
		size_t n = strlen(to) + strlen(dest + fl) + 1;
		char *r = malloc(n);
		if (!r) {
			free(dest);
			return NULL;
		}
		snprintf(r, n, "%s%s", to, dest + fl);
		free(dest);
		return r;
	}
	return dest;
}
