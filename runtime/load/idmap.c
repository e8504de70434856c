/* idmap.c - captured owners mapped to the target's accounts by name (see idmap.h). */
#include "idmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const idmap_kind_names[] = {"same", "renumbered", "nameless", "kept", "absent",
					"taken"};

const char *idmap_mu_target(const struct idmap_mu *mu, size_t nmu, const char *name)
{
	for (size_t i = 0; i < nmu; i++)
		if (!strcmp(mu[i].from, name))
			return mu[i].to;
	return name;
}

static int add(struct idmap_ent **v, size_t *n, struct idmap_ent e)
{
	struct idmap_ent *q = realloc(*v, (*n + 1) * sizeof *q);
	if (!q)
		return -1;
	*v = q;
	q[(*n)++] = e;
	return 0;
}

static char *dup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* One user or group: its kind and id here. */
static struct idmap_ent classify(uint32_t from, const char *name, const char *target,
				 bool found, uint32_t to, const char *holder)
{
	struct idmap_ent e = {.from = from, .to = from, .primary_gid = ACCT_ID_INVALID};
	e.name = dup_opt(name);
	e.target = dup_opt(target);
	if (found) {
		e.to = to;
		e.kind = to == from ? IDM_SAME : IDM_RENUMBERED;
	} else if (holder) {
		e.kind = IDM_TAKEN;
		e.now = strdup(holder);
	} else {
		e.kind = IDM_ABSENT;
	}
	return e;
}

int idmap_build(struct idmap *m, const struct identities *ids, const struct acct_db *target,
		const struct idmap_mu *mu, size_t nmu, bool keep)
{
	memset(m, 0, sizeof *m);
	m->keep = keep || !ids;
	if (m->keep)
		return 0;
	for (size_t i = 0; i < ids->nusers; i++) {
		const struct ident_user *iu = &ids->users[i];
		const char *want = idmap_mu_target(mu, nmu, iu->name);
		const struct acct_user *here = acctdb_user_named(target, want);
		const struct acct_user *holder = here ? NULL : acctdb_user_id(target, iu->uid);
		struct idmap_ent e = classify(iu->uid, iu->name, want, here != NULL,
					      here ? here->uid : 0, holder ? holder->name : NULL);
		if (here)
			e.primary_gid = here->gid;
		if (add(&m->u, &m->nu, e) != 0)
			goto nomem;
	}
	for (size_t i = 0; i < ids->nanon_uids; i++)
		if (add(&m->u, &m->nu,
			(struct idmap_ent){.from = ids->anon_uids[i],
					   .to = ids->anon_uids[i],
					   .primary_gid = ACCT_ID_INVALID,
					   .kind = IDM_NAMELESS}) != 0)
			goto nomem;
	for (size_t i = 0; i < ids->ngroups; i++) {
		const struct ident_group *ig = &ids->groups[i];
		const struct acct_group *here = acctdb_group_named(target, ig->name);
		const struct acct_group *holder = here ? NULL : acctdb_group_id(target, ig->gid);
		if (add(&m->g, &m->ng,
			classify(ig->gid, ig->name, ig->name, here != NULL, here ? here->gid : 0,
				 holder ? holder->name : NULL)) != 0)
			goto nomem;
	}
	/* --mu OLD:NEW: OLD's own primary group, if it has no account of its name here,
	 * becomes NEW's (a user private group follows its user) */
	for (size_t i = 0; i < ids->nusers; i++) {
		const struct ident_user *iu = &ids->users[i];
		const struct idmap_ent *u = idmap_user(m, iu->uid);
		if (!u || !u->target || !strcmp(u->target, iu->name) ||
		    u->primary_gid == ACCT_ID_INVALID)
			continue;
		for (size_t k = 0; k < m->ng; k++) {
			struct idmap_ent *g = &m->g[k];
			if (g->from != iu->gid || (g->kind != IDM_ABSENT && g->kind != IDM_TAKEN))
				continue;
			g->to = u->primary_gid;
			g->kind = g->to == g->from ? IDM_SAME : IDM_RENUMBERED;
			free(g->now);
			g->now = NULL;
		}
	}
	for (size_t i = 0; i < ids->nanon_gids; i++)
		if (add(&m->g, &m->ng,
			(struct idmap_ent){.from = ids->anon_gids[i],
					   .to = ids->anon_gids[i],
					   .primary_gid = ACCT_ID_INVALID,
					   .kind = IDM_NAMELESS}) != 0)
			goto nomem;
	return 0;
nomem:
	idmap_free(m);
	errno = ENOMEM;
	return -1;
}

static void free_ents(struct idmap_ent *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].now);
		free(v[i].target);
	}
	free(v);
}

void idmap_free(struct idmap *m)
{
	free_ents(m->u, m->nu);
	free_ents(m->g, m->ng);
	memset(m, 0, sizeof *m);
}

/* Linear: a store names a few dozen owners. */
const struct idmap_ent *idmap_user(const struct idmap *m, uint32_t uid)
{
	for (size_t i = 0; i < m->nu; i++)
		if (m->u[i].from == uid)
			return &m->u[i];
	return NULL;
}

const struct idmap_ent *idmap_group(const struct idmap *m, uint32_t gid)
{
	for (size_t i = 0; i < m->ng; i++)
		if (m->g[i].from == gid)
			return &m->g[i];
	return NULL;
}

int idmap_owner(const struct idmap *m, uint32_t uid, uint32_t gid, uint32_t *ouid,
		uint32_t *ogid)
{
	*ouid = uid;
	*ogid = gid;
	if (m->keep)
		return 0;
	const struct idmap_ent *u = idmap_user(m, uid), *g = idmap_group(m, gid);
	if (u && (u->kind == IDM_ABSENT || u->kind == IDM_TAKEN))
		return -1;
	if (g && g->kind == IDM_TAKEN)
		return -1;
	if (u)
		*ouid = u->to;
	if (g && g->kind == IDM_ABSENT) {
		if (!u || u->primary_gid == ACCT_ID_INVALID)
			return -1; /* no group of theirs to fall back on */
		*ogid = u->primary_gid;
	} else if (g) {
		*ogid = g->to;
	}
	return 0;
}

void idmap_need(struct idmap *m, uint32_t uid, uint32_t gid)
{
	if (m->keep)
		return;
	struct idmap_ent *u = (struct idmap_ent *)idmap_user(m, uid);
	struct idmap_ent *g = (struct idmap_ent *)idmap_group(m, gid);
	if (u)
		u->objects++;
	if (g)
		g->objects++;
}
