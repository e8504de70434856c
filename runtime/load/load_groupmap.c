/* load_groupmap.c - Config.xml's <ProfileControl> group mappings (<changeGroup from= to=
 * appliesTo=>, the plan's grpm section): the users a mapping applies to who were in group
 * FROM at capture are added to group TO here, through the account engine (acctwrite.h:
 * under the shadow tools' locks, every other line kept byte for byte). TO may be a system
 * group (sudo, wheel, adm ...): that is the point of a mapping, so AW_PRIVILEGED. Without
 * a mapping, no system group is ever joined (create_accounts keeps to the others).
 *
 * "Were in FROM": the identity records (identity.h) hold the primary group and the
 * supplementary groups of the users the scan migrated, and of nobody else. So
 * MigratedUsers are those users (by their name here, after --mu); NonmigratedUsers
 * cannot be known and map nobody (said in the log); AllUsers is MigratedUsers. */
#include "load_int.h"

#include <stdlib.h>
#include <string.h>

#include "acctwrite.h"
#include "disasm.h"
#include "exitcodes.h"
#include "identity.h"

/* Was captured user IU in group GROUP (primary or supplementary)? */
static bool was_member(const struct identities *ids, const struct ident_user *iu, const char *group)
{
	const struct ident_group *pg = ident_group_gid(ids, iu->gid);
	if (pg && !strcmp(pg->name, group))
		return true;
	for (size_t i = 0; i < ids->nmembers; i++)
		if (!strcmp(ids->members[i].user, iu->name) && !strcmp(ids->members[i].group, group))
			return true;
	return false;
}

/* The memberships mapping G asks for, appended to M (deduplicated). */
static size_t mapping_members(struct loader *L, const struct plan_grpm *g,
			      const struct identities *ids, const struct acct_db *here,
			      struct aw_member *m, size_t nm)
{
	const char *from = plan_str(&L->plan, g->from), *to = plan_str(&L->plan, g->to);
	if (g->applies & PG_NONMIGRATED)
		rlog_msg(L->log, RL_INFO,
			 "changeGroup from=%s (line %u): the store records the groups of migrated "
			 "users only, so no account that was not migrated is added (appliesTo=%s)",
			 rlog_esc(L->log, from), g->line, grpm_applies_name(g->applies));
	if (!(g->applies & PG_MIGRATED))
		return nm;
	if (!acctdb_group_named(here, to)) {
		rlog_msg(L->log, RL_WARN,
			 "changeGroup from=%s (line %u): there is no group %s here: nobody is added "
			 "to it",
			 rlog_esc(L->log, from), g->line, rlog_esc(L->log, to));
		return nm;
	}
	for (size_t i = 0; i < ids->nusers; i++) {
		const struct ident_user *iu = &ids->users[i];
		if (!iu->selected || !was_member(ids, iu, from))
			continue;
		const char *as = owners_restored_as(L, iu->name);
		bool dup = false;
		for (size_t k = 0; k < nm && !dup; k++)
			dup = !strcmp(m[k].user, as) && !strcmp(m[k].group, to);
		if (!dup)
			m[nm++] = (struct aw_member){as, to};
	}
	return nm;
}

int groupmap_apply(struct loader *L, const struct identities *ids, const struct acct_db *here)
{
	const struct plan *p = &L->plan;
	struct aw_member *m = calloc(p->ngrpms * (ids->nusers + 1) + 1, sizeof *m);
	if (!m)
		return EXIT_FAILED;
	size_t nm = 0;
	for (size_t i = 0; i < p->ngrpms; i++)
		nm = mapping_members(L, &p->grpms[i], ids, here, m, nm);
	if (!nm) {
		free(m);
		return EXIT_OK;
	}
	struct aw_request req = {NULL, 0, NULL, 0, m, nm, AW_PRIVILEGED, 0};
	struct aw_result res;
	char err[300];
	int r = L->o->dry_run ? acctwrite_plan(L->s.rootfd, &req, &res, err, sizeof err)
			      : acctwrite_apply(L->s.rootfd, &req, &res, err, sizeof err);
	if (r != 0) {
		rlog_msg(L->log, RL_ERROR, "changeGroup: the group memberships cannot be added: %s",
			 err);
		free(m);
		return EXIT_ENVIRONMENT;
	}
	const char *would = L->o->dry_run ? "would be " : "";
	for (size_t i = 0; i < res.nmembers; i++) {
		if (res.members[i] == AW_ADDED)
			rlog_msg(L->log, RL_INFO, "changeGroup: %s %sadded to group %s",
				 rlog_esc(L->log, m[i].user), would, rlog_esc(L->log, m[i].group));
		else if (res.members[i] == AW_NO_USER && L->o->dry_run && L->o->lac)
			/* a dry run creates nothing: the account is one --lac would make */
			rlog_msg(L->log, RL_INFO,
				 "changeGroup: %s would be added to group %s (once --lac has made "
				 "the account)",
				 rlog_esc(L->log, m[i].user), rlog_esc(L->log, m[i].group));
		else if (res.members[i] == AW_ALREADY)
			rlog_msg(L->log, RL_INFO, "changeGroup: %s is in group %s already",
				 rlog_esc(L->log, m[i].user), rlog_esc(L->log, m[i].group));
		else
			rlog_msg(L->log, RL_WARN, "changeGroup: %s not added to group %s: %s",
				 rlog_esc(L->log, m[i].user), rlog_esc(L->log, m[i].group),
				 acctwrite_status_name(res.members[i]));
	}
	L->st->memberships_added += res.members_added;
	L->st->group_mappings_applied = res.members_added;
	acctwrite_result_free(&res);
	free(m);
	return EXIT_OK;
}
