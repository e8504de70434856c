/* identity.c - the identity records of a store (see identity.h). */
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lineesc.h"
#include "sumfile.h"

#define IDENT_MAX (16u << 20)

/* --- collecting ------------------------------------------------------------------- */

static bool has_u32(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static bool in_list(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static int add_user(struct identities *id, const struct acct_db *db, const struct acct_user *u,
		    bool selected)
{
	for (size_t i = 0; i < id->nusers; i++)
		if (!strcmp(id->users[i].name, u->name)) {
			id->users[i].selected |= selected;
			return 0;
		}
	struct ident_user *q = realloc(id->users, (id->nusers + 1) * sizeof *q);
	if (!q)
		return -1;
	id->users = q;
	const struct acct_secret *sh = acctdb_shadow_of(db, u->name);
	struct ident_user *n = &q[id->nusers];
	*n = (struct ident_user){strdup(u->name), u->uid, u->gid, strdup(u->gecos), strdup(u->home),
				 strdup(u->shell), selected, sh ? strdup(sh->hash) : NULL,
				 sh ? strdup(sh->rest) : NULL};
	id->nusers++;
	if (!n->name || !n->gecos || !n->home || !n->shell || (sh && (!n->hash || !n->aging)))
		return -1; /* freed with the rest by ident_free */
	return 0;
}

static int add_group(struct identities *id, const struct acct_group *g)
{
	for (size_t i = 0; i < id->ngroups; i++)
		if (id->groups[i].gid == g->gid)
			return 0;
	struct ident_group *q = realloc(id->groups, (id->ngroups + 1) * sizeof *q);
	if (!q)
		return -1;
	id->groups = q;
	q[id->ngroups] = (struct ident_group){strdup(g->name), g->gid};
	return q[id->ngroups++].name ? 0 : -1;
}

static int add_to(struct ident_member **v, size_t *n, const char *user, const char *group)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].user, user) && !strcmp((*v)[i].group, group))
			return 0;
	struct ident_member *q = realloc(*v, (*n + 1) * sizeof *q);
	if (!q)
		return -1;
	*v = q;
	q[*n] = (struct ident_member){strdup(user), strdup(group)};
	(*n)++;
	return q[*n - 1].user && q[*n - 1].group ? 0 : -1;
}

static int add_member(struct identities *id, const char *user, const char *group)
{
	return add_to(&id->members, &id->nmembers, user, group);
}

static int add_anon(uint32_t **v, size_t *n, uint32_t x)
{
	if (has_u32(*v, *n, x))
		return 0;
	uint32_t *q = realloc(*v, (*n + 1) * sizeof *q);
	if (!q)
		return -1;
	*v = q;
	q[(*n)++] = x;
	return 0;
}

int ident_collect(const struct acct_db *db, const char *const *selected, size_t nselected,
		  const uint32_t *uids, size_t nuids, const uint32_t *gids, size_t ngids,
		  struct identities *out)
{
	memset(out, 0, sizeof *out);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < db->nusers; i++) {
		const struct acct_user *u = &db->users[i];
		bool sel = in_list(selected, nselected, u->name);
		if (sel || has_u32(uids, nuids, u->uid))
			rc = add_user(out, db, u, sel);
		if (rc == 0 && sel) {
			const struct acct_group *pg = acctdb_group_id(db, u->gid);
			if (pg)
				rc = add_group(out, pg);
			for (size_t g = 0; rc == 0 && g < db->ngroups; g++)
				if (in_list((const char *const *)db->groups[g].mem, db->groups[g].nmem,
					    u->name) &&
				    (rc = add_group(out, &db->groups[g])) == 0)
					rc = add_member(out, u->name, db->groups[g].name);
		}
	}
	for (size_t i = 0; rc == 0 && i < nuids; i++)
		if (!acctdb_user_id(db, uids[i]))
			rc = add_anon(&out->anon_uids, &out->nanon_uids, uids[i]);
	for (size_t i = 0; rc == 0 && i < ngids; i++) {
		const struct acct_group *g = acctdb_group_id(db, gids[i]);
		rc = g ? add_group(out, g) : add_anon(&out->anon_gids, &out->nanon_gids, gids[i]);
	}
	if (rc) {
		ident_free(out);
		errno = ENOMEM;
	}
	return rc;
}

int ident_collect_groups(const struct acct_db *db, const char *const *groups, size_t ngroups,
			 struct identities *id)
{
	int rc = 0;
	for (size_t k = 0; rc == 0 && k < ngroups; k++) {
		const struct acct_group *g = acctdb_group_named(db, groups[k]);
		if (!g)
			continue;
		rc = add_group(id, g);
		for (size_t i = 0; rc == 0 && i < db->nusers; i++)
			if (db->users[i].gid == g->gid)
				rc = add_to(&id->gmembers, &id->ngmembers, db->users[i].name, g->name);
		for (size_t i = 0; rc == 0 && i < g->nmem; i++)
			rc = add_to(&id->gmembers, &id->ngmembers, g->mem[i], g->name);
	}
	if (rc)
		errno = ENOMEM;
	return rc;
}

/* --- writing ---------------------------------------------------------------------- */

static void put_fields(FILE *f, const char *tag, const char *const *v, size_t n)
{
	fputs(tag, f);
	for (size_t i = 0; i < n; i++) {
		fputc('\t', f);
		lineesc_put(f, v[i] ? v[i] : "");
	}
	fputc('\n', f);
}

static char *render(const struct identities *id, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	fprintf(f, "%s\n", IDENT_MAGIC);
	char a[16], b[16];
	for (size_t i = 0; i < id->nusers; i++) {
		const struct ident_user *u = &id->users[i];
		snprintf(a, sizeof a, "%u", u->uid);
		snprintf(b, sizeof b, "%u", u->gid);
		const char *v[] = {u->name, a, b, u->gecos, u->home, u->shell,
				   u->selected ? "selected" : "owner"};
		put_fields(f, "user", v, 7);
		if (u->hash) {
			const char *s[] = {u->name, u->hash, u->aging};
			put_fields(f, "shadow", s, 3);
		}
	}
	for (size_t i = 0; i < id->ngroups; i++) {
		snprintf(a, sizeof a, "%u", id->groups[i].gid);
		const char *v[] = {id->groups[i].name, a};
		put_fields(f, "group", v, 2);
	}
	for (size_t i = 0; i < id->nmembers; i++) {
		const char *v[] = {id->members[i].user, id->members[i].group};
		put_fields(f, "member", v, 2);
	}
	for (size_t i = 0; i < id->ngmembers; i++) {
		const char *v[] = {id->gmembers[i].user, id->gmembers[i].group};
		put_fields(f, "gmember", v, 2);
	}
	for (size_t i = 0; i < id->nanon_uids; i++)
		fprintf(f, "uid\t%u\n", id->anon_uids[i]);
	for (size_t i = 0; i < id->nanon_gids; i++)
		fprintf(f, "gid\t%u\n", id->anon_gids[i]);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int ident_write(int meta_fd, const struct identities *id)
{
	size_t len;
	char *body = render(id, &len);
	if (!body) {
		errno = ENOMEM;
		return -1;
	}
	int rc = sumfile_write(meta_fd, IDENT_FILE, body, len);
	int saved = errno;
	free(body);
	errno = saved;
	return rc;
}

/* --- reading ---------------------------------------------------------------------- */

/* Split the tab-separated LINE into at most MAX decoded fields. The count, or -1. */
static int fields(char *line, char **f, int max)
{
	int n = 0;
	for (char *p = line;;) {
		if (n == max)
			return -1;
		f[n++] = p;
		char *t = strchr(p, '\t');
		if (!t)
			break;
		*t = 0;
		p = t + 1;
	}
	for (int i = 0; i < n; i++)
		if (!lineesc_decode(f[i]))
			return -1;
	return n;
}

static int parse_line(struct identities *id, char *line)
{
	char *f[9];
	int n = fields(line, f, 9);
	if (n < 2)
		return -1;
	if (!strcmp(f[0], "user") && n == 8) {
		uint32_t uid = acctdb_parse_id(f[2]), gid = acctdb_parse_id(f[3]);
		if (uid == ACCT_ID_INVALID || gid == ACCT_ID_INVALID || !*f[1])
			return -1;
		struct acct_user u = {f[1], uid, gid, f[4], f[5], f[6]};
		struct acct_db none = {0};
		return add_user(id, &none, &u, !strcmp(f[7], "selected"));
	}
	if (!strcmp(f[0], "shadow") && n == 4) {
		for (size_t i = 0; i < id->nusers; i++)
			if (!strcmp(id->users[i].name, f[1]) && !id->users[i].hash) {
				id->users[i].hash = strdup(f[2]);
				id->users[i].aging = strdup(f[3]);
				return id->users[i].hash && id->users[i].aging ? 0 : -1;
			}
		return -1;
	}
	if (!strcmp(f[0], "group") && n == 3) {
		struct acct_group g = {f[1], acctdb_parse_id(f[2]), NULL, 0};
		return g.gid == ACCT_ID_INVALID || !*f[1] ? -1 : add_group(id, &g);
	}
	if (!strcmp(f[0], "member") && n == 3)
		return add_member(id, f[1], f[2]);
	if (!strcmp(f[0], "gmember") && n == 3)
		return *f[1] && *f[2] ? add_to(&id->gmembers, &id->ngmembers, f[1], f[2]) : -1;
	if ((!strcmp(f[0], "uid") || !strcmp(f[0], "gid")) && n == 2) {
		uint32_t x = acctdb_parse_id(f[1]);
		if (x == ACCT_ID_INVALID)
			return -1;
		return f[0][0] == 'u' ? add_anon(&id->anon_uids, &id->nanon_uids, x)
				      : add_anon(&id->anon_gids, &id->nanon_gids, x);
	}
	return 0; /* a line of a later minor version: ignored */
}

static int each_line(void *ctx, char *line)
{
	return parse_line(ctx, line);
}

int ident_read(int meta_fd, struct identities *id, char *err, size_t errsz)
{
	memset(id, 0, sizeof *id);
	if (sumfile_lines(meta_fd, IDENT_FILE, IDENT_MAGIC, IDENT_MAX, each_line, id, err,
			  errsz) != 0) {
		int e = errno;
		ident_free(id);
		errno = e;
		return -1;
	}
	return 0;
}

void ident_free(struct identities *id)
{
	for (size_t i = 0; i < id->nusers; i++) {
		struct ident_user *u = &id->users[i];
		free(u->name);
		free(u->gecos);
		free(u->home);
		free(u->shell);
		free(u->hash);
		free(u->aging);
	}
	for (size_t i = 0; i < id->ngroups; i++)
		free(id->groups[i].name);
	for (size_t i = 0; i < id->nmembers; i++) {
		free(id->members[i].user);
		free(id->members[i].group);
	}
	free(id->users);
	free(id->groups);
	free(id->members);
	for (size_t i = 0; i < id->ngmembers; i++) {
		free(id->gmembers[i].user);
		free(id->gmembers[i].group);
	}
	free(id->gmembers);
	free(id->anon_uids);
	free(id->anon_gids);
	memset(id, 0, sizeof *id);
}

const struct ident_user *ident_user_uid(const struct identities *id, uint32_t uid)
{
	for (size_t i = 0; i < id->nusers; i++)
		if (id->users[i].uid == uid)
			return &id->users[i];
	return NULL;
}

const struct ident_group *ident_group_gid(const struct identities *id, uint32_t gid)
{
	for (size_t i = 0; i < id->ngroups; i++)
		if (id->groups[i].gid == gid)
			return &id->groups[i];
	return NULL;
}

bool ident_knows_uid(const struct identities *id, uint32_t uid)
{
	return ident_user_uid(id, uid) || has_u32(id->anon_uids, id->nanon_uids, uid);
}

bool ident_knows_gid(const struct identities *id, uint32_t gid)
{
	return ident_group_gid(id, gid) || has_u32(id->anon_gids, id->nanon_gids, gid);
}
