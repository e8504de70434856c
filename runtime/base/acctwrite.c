/* acctwrite.c - create captured accounts beneath a root (see acctwrite.h): read the
 * target, decide names, ids, shells and memberships, build the new files, write them. */
#include "acctwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "acctdb.h"
#include "acctedit.h"
#include "acctfile.h"
#include "acctlock.h"
#include "fsutil.h"
#include "logindefs.h"
#include "smallfile.h"

/* In acctlock_files' order. New files get shadow-utils' modes for them. */
enum { F_PASSWD, F_GROUP, F_GSHADOW, F_SHADOW, F_N };
static const enum acct_kind file_kind[F_N] = {ACCT_PASSWD, ACCT_GROUP, ACCT_GSHADOW, ACCT_SHADOW};
static const mode_t file_mode[F_N] = {0644, 0644, 0400, 0400};

struct target {
	int rootfd, etcfd;
	struct acct_file f[F_N];
	struct acct_db db;
	struct acct_taken users, groups; /* names of passwd+shadow, of group+gshadow; ids */
	uint32_t umin, umax, gmin, gmax;
	char *defshell;
};

/* Members to add to one group: to its new line when created, else to its lines. */
struct addition {
	const char *group;
	uint32_t gid;
	bool created;
	char *gr, *gs; /* ','-joined names for group and gshadow (NULL: none) */
};

struct decision {
	long *ugroup;	 /* per user: index of its created primary group, -1: an existing one */
	bool *create;	 /* per user: to be written */
	struct addition *adds;
	size_t nadds;
};

/* --- checks ------------------------------------------------------------------------- */

/* shadow-utils' is_valid_user_name/is_valid_group_name (4.13): [A-Za-z0-9_.][A-Za-z0-9_.-]*
 * with an optional final '$', not all digits, not "." or "..". */
bool acctwrite_name_valid(const char *n)
{
	size_t len = n ? strlen(n) : 0;
	if (!len || len > AW_NAME_MAX || !strcmp(n, ".") || !strcmp(n, ".."))
		return false;
	bool digits = true;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '.' || (c == '-' && i > 0) || (c == '$' && i == len - 1 && i);
		if (!ok)
			return false;
		digits = digits && c >= '0' && c <= '9';
	}
	return !digits;
}

/* A field that cannot break a line or a field: no ':' and no control byte. */
static bool field_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == ':' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* The 7 shadow fields after the hash: empty or a (signed) decimal number each. */
static bool aging_ok(const char *s)
{
	int fields = 1, digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p == ':') {
			fields++;
			digits = 0;
		} else if ((*p >= '0' && *p <= '9') || (*p == '-' && (p == s || p[-1] == ':'))) {
			if (++digits > 20)
				return false;
		} else {
			return false;
		}
	}
	return fields == 7;
}

static bool user_ok(const struct aw_user *u)
{
	return acctwrite_name_valid(u->name) && acctwrite_name_valid(u->group) && u->gecos && field_ok(u->gecos) &&
	       u->home && u->home[0] == '/' && field_ok(u->home) && u->shell &&
	       (!u->shell[0] || u->shell[0] == '/') && field_ok(u->shell) &&
	       (!u->hash || field_ok(u->hash)) && (!u->aging || aging_ok(u->aging));
}

/* An executable regular file at PATH beneath the root: symbolic links are resolved
 * inside the root (openat2 RESOLVE_IN_ROOT); without openat2 they are not followed. */
static bool shell_exists(int rootfd, const char *path)
{
	if (path[0] != '/' || strlen(path) >= 4096)
		return false;
	int fd = -1;
#ifdef SYS_openat2
	char rel[4100];
	snprintf(rel, sizeof rel, ".%s", path);
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	long r = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
	fd = r >= 0 ? (int)r : -1;
	if (fd < 0 && errno != ENOSYS)
		return false;
#endif
	if (fd < 0) {
		const char *leaf;
		int dfd = fs_open_parent(rootfd, path, &leaf);
		if (dfd < 0)
			return false;
		fd = openat(dfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		if (fd < 0)
			return false;
	}
	struct stat st;
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
	close(fd);
	return ok;
}

/* SHELL of the target's etc/default/useradd (the last such line, as useradd reads it)
 * when it exists there, else /bin/sh. */
static char *default_shell(int rootfd)
{
	char *text = small_file_read(rootfd, "/etc/default/useradd", NULL);
	char *val = NULL;
	for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		while (*l == ' ' || *l == '\t')
			l++;
		if (strncmp(l, "SHELL=", 6))
			continue;
		val = l + 6;
		size_t n = strlen(val);
		while (n && (val[n - 1] == ' ' || val[n - 1] == '\t' || val[n - 1] == '\r'))
			val[--n] = 0;
	}
	char *r = strdup(val && field_ok(val) && shell_exists(rootfd, val) ? val : "/bin/sh");
	free(text);
	return r;
}

/* --- the target --------------------------------------------------------------------- */

static void target_free(struct target *t)
{
	for (int i = 0; i < F_N; i++)
		acctfile_free(&t->f[i]);
	acctdb_free(&t->db);
	acct_taken_free(&t->users);
	acct_taken_free(&t->groups);
	free(t->defshell);
	if (t->etcfd >= 0)
		close(t->etcfd);
	t->etcfd = -1;
}

static int target_open(int rootfd, struct target *t, char *err, size_t errsz)
{
	memset(t, 0, sizeof *t);
	t->rootfd = rootfd;
	t->etcfd = fs_open_dir(rootfd, "/etc");
	if (t->etcfd < 0) {
		int e = errno;
		snprintf(err, errsz, "etc: %s", strerror(e));
		errno = e;
		return -1;
	}
	return 0;
}

/* Read the four files, the ranges and the default shell. */
static int target_read(struct target *t, char *err, size_t errsz)
{
	for (int i = 0; i < F_N; i++) {
		t->f[i].name = acctlock_files[i];
		t->f[i].create_mode = file_mode[i];
		if (acctfile_read(t->etcfd, &t->f[i])) {
			int e = errno;
			snprintf(err, errsz, "etc/%s: %s", t->f[i].name,
				 e == EINVAL ? "not a regular file" : strerror(e));
			errno = e;
			return -1;
		}
	}
	if (!t->f[F_PASSWD].old || !t->f[F_SHADOW].old) {
		snprintf(err, errsz, "etc/%s: absent (%s)", t->f[F_PASSWD].old ? "shadow" : "passwd",
			 "accounts are only created on a system with shadow passwords");
		errno = ENOENT;
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < F_N && !rc; i++) {
		if (!t->f[i].old)
			continue;
		bool users = i == F_PASSWD || i == F_SHADOW;
		rc = acctdb_parse(&t->db, file_kind[i], t->f[i].old, t->f[i].oldlen) ||
		     acct_taken_scan(users ? &t->users : &t->groups, t->f[i].old, t->f[i].oldlen,
				     i == F_PASSWD || i == F_GROUP ? 2 : 0);
	}
	acct_taken_sort(&t->users);
	acct_taken_sort(&t->groups);
	char *defs = small_file_read(t->rootfd, "/etc/login.defs", NULL);
	t->umin = logindefs_id(defs, "UID_MIN", 1000);
	t->umax = logindefs_id(defs, "UID_MAX", 60000);
	t->gmin = logindefs_id(defs, "GID_MIN", 1000);
	t->gmax = logindefs_id(defs, "GID_MAX", 60000);
	free(defs);
	t->defshell = default_shell(t->rootfd);
	if (rc || !t->defshell) {
		snprintf(err, errsz, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* --- decisions ---------------------------------------------------------------------- */

/* An id for WANTED in MIN..MAX not in TAKEN (then marked taken): WANTED itself when
 * allowed, else one above the highest taken in the range, else the lowest free one.
 * ACCT_ID_INVALID when the range is full (or out of memory). */
static uint32_t allocate(struct acct_taken *taken, uint32_t wanted, bool allow_wanted,
			 uint32_t min, uint32_t max)
{
	uint32_t id = ACCT_ID_INVALID;
	if (allow_wanted && wanted >= min && wanted <= max && !acct_taken_id(taken, wanted)) {
		id = wanted;
	} else if (min <= max) {
		uint32_t high = 0;
		bool any = false;
		for (size_t i = 0; i < taken->nids; i++)
			if (taken->ids[i] >= min && taken->ids[i] <= max) {
				high = taken->ids[i];
				any = true;
			}
		if (!any)
			id = min;
		else if (high < max)
			id = high + 1;
		else
			for (uint32_t c = min; c <= max && id == ACCT_ID_INVALID; c++)
				if (!acct_taken_id(taken, c))
					id = c;
	}
	if (id != ACCT_ID_INVALID && acct_taken_add_id(taken, id))
		id = ACCT_ID_INVALID;
	return id;
}

static long group_index(const struct aw_result *res, const char *name)
{
	for (size_t i = 0; i < res->ngroups; i++)
		if (!strcmp(res->groups[i].name, name))
			return (long)i;
	return -1;
}

static int add_group(struct aw_result *res, const char *name, uint32_t wanted, bool primary)
{
	struct aw_group_result *g = realloc(res->groups, (res->ngroups + 1) * sizeof *g);
	if (!g)
		return -1;
	res->groups = g;
	g += res->ngroups;
	*g = (struct aw_group_result){strdup(name), AW_CREATED, wanted, ACCT_ID_INVALID, primary};
	if (!g->name)
		return -1;
	res->ngroups++;
	return 0;
}

static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == n && !memcmp(p, name, n))
			return true;
		p = c ? c + 1 : p + l;
	}
	return false;
}

/* Append NAME to the ','-joined list *L. */
static int list_add(char **l, const char *name)
{
	size_t old = *l ? strlen(*l) : 0;
	char *q = realloc(*l, old + strlen(name) + 2);
	if (!q)
		return -1;
	if (old)
		q[old++] = ',';
	strcpy(q + old, name);
	*l = q;
	return 0;
}

static struct addition *addition_for(struct decision *d, const char *group, uint32_t gid,
				     bool created)
{
	for (size_t i = 0; i < d->nadds; i++)
		if (!strcmp(d->adds[i].group, group))
			return &d->adds[i];
	struct addition *a = realloc(d->adds, (d->nadds + 1) * sizeof *a);
	if (!a)
		return NULL;
	d->adds = a;
	a += d->nadds++;
	*a = (struct addition){group, gid, created, NULL, NULL};
	return a;
}

/* The users of a request: which are created, with which ids, groups and shells. */
static int decide_users(struct target *t, const struct aw_request *req, struct aw_result *res,
			struct decision *d)
{
	for (size_t i = 0; i < req->nusers; i++) {
		const struct aw_user *u = &req->users[i];
		struct aw_user_result *r = &res->users[i];
		*r = (struct aw_user_result){AW_INVALID, ACCT_ID_INVALID, ACCT_ID_INVALID, NULL,
					     false, false, u->home};
		d->ugroup[i] = -1;
		if (!u->name || !user_ok(u))
			continue;
		const struct acct_user *have = acctdb_user_named(&t->db, u->name);
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = d->create[j] && !strcmp(req->users[j].name, u->name);
		if (have || dup || acct_taken_name(&t->users, u->name)) {
			r->status = AW_EXISTS;
			if (have) {
				r->uid = have->uid;
				r->gid = have->gid;
			}
			continue;
		}
		/* a primary group name taken by a line that is no group entry: unusable */
		if (acct_taken_name(&t->groups, u->group) && !acctdb_group_named(&t->db, u->group))
			continue;
		d->create[i] = true;
	}
	/* captured uids first, for every user, then the others */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < req->nusers; i++) {
			struct aw_user_result *r = &res->users[i];
			if (!d->create[i] || r->uid != ACCT_ID_INVALID)
				continue;
			uint32_t w = req->users[i].uid;
			if (pass == 0 && (w < t->umin || w > t->umax || acct_taken_id(&t->users, w)))
				continue;
			r->uid = allocate(&t->users, w, pass == 0, t->umin, t->umax);
			if (r->uid == ACCT_ID_INVALID) {
				r->status = AW_NO_ID;
				d->create[i] = false;
			}
		}
	/* primary groups: the target's of that name, else one to create */
	for (size_t i = 0; i < req->nusers; i++) {
		if (!d->create[i])
			continue;
		const struct aw_user *u = &req->users[i];
		const struct acct_group *g = acctdb_group_named(&t->db, u->group);
		if (g) {
			res->users[i].gid = g->gid;
			continue;
		}
		long k = group_index(res, u->group);
		if (k < 0) {
			if (add_group(res, u->group, u->gid, true))
				return -1;
			k = (long)res->ngroups - 1;
		}
		d->ugroup[i] = k;
		res->users[i].group_created = true;
	}
	return 0;
}

static int decide_groups(struct target *t, const struct aw_request *req, struct aw_result *res)
{
	for (size_t i = 0; i < req->ngroups; i++) {
		const struct aw_group *g = &req->groups[i];
		if (add_group(res, g->name && acctwrite_name_valid(g->name) ? g->name : "", g->gid, false))
			return -1;
		struct aw_group_result *r = &res->groups[res->ngroups - 1];
		const struct acct_group *have = acctdb_group_named(&t->db, r->name);
		long first = group_index(res, r->name);
		if (!*r->name) {
			r->status = AW_INVALID;
		} else if (have || acct_taken_name(&t->groups, r->name)) {
			r->status = AW_EXISTS;
			r->gid = have ? have->gid : ACCT_ID_INVALID;
		} else if (first != (long)res->ngroups - 1) {
			r->status = AW_EXISTS; /* named twice: the first is the one */
		}
	}
	return 0;
}

static void assign_gids(struct target *t, struct aw_result *res)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < res->ngroups; i++) {
			struct aw_group_result *g = &res->groups[i];
			if (g->status != AW_CREATED || g->gid != ACCT_ID_INVALID)
				continue;
			uint32_t w = g->wanted;
			if (pass == 0 && (w < t->gmin || w > t->gmax || acct_taken_id(&t->groups, w)))
				continue;
			g->gid = allocate(&t->groups, w, pass == 0, t->gmin, t->gmax);
			if (g->gid == ACCT_ID_INVALID)
				g->status = AW_NO_ID;
		}
	/* a group named twice in the request: the second reports the first's gid */
	for (size_t i = 0; i < res->ngroups; i++) {
		long first = group_index(res, res->groups[i].name);
		if (first != (long)i && res->groups[i].status == AW_EXISTS &&
		    res->groups[i].gid == ACCT_ID_INVALID)
			res->groups[i].gid = res->groups[first].gid;
	}
}

static int finish_users(struct target *t, const struct aw_request *req, struct aw_result *res,
			struct decision *d)
{
	for (size_t i = 0; i < req->nusers; i++) {
		struct aw_user_result *r = &res->users[i];
		if (!d->create[i])
			continue;
		if (d->ugroup[i] >= 0) {
			const struct aw_group_result *g = &res->groups[d->ugroup[i]];
			if (g->status != AW_CREATED) {
				r->status = AW_NO_ID;
				d->create[i] = false;
				continue;
			}
			r->gid = g->gid;
		}
		const char *sh = req->users[i].shell;
		r->shell_replaced = *sh && !shell_exists(t->rootfd, sh);
		r->shell = strdup(r->shell_replaced ? t->defshell : sh);
		if (!r->shell)
			return -1;
		r->status = AW_CREATED;
		res->users_created++;
	}
	/* a user named twice: the second reports the first's ids */
	for (size_t i = 0; i < req->nusers; i++)
		for (size_t j = 0; j < i && res->users[i].status == AW_EXISTS &&
				   res->users[i].uid == ACCT_ID_INVALID;
		     j++)
			if (d->create[j] && !strcmp(req->users[j].name, req->users[i].name)) {
				res->users[i].uid = res->users[j].uid;
				res->users[i].gid = res->users[j].gid;
			}
	for (size_t i = 0; i < res->ngroups; i++)
		res->groups_created += res->groups[i].status == AW_CREATED;
	return 0;
}

static bool user_created(const struct aw_request *req, const struct aw_result *res,
			 const char *name)
{
	for (size_t i = 0; i < req->nusers; i++)
		if (res->users[i].status == AW_CREATED && !strcmp(req->users[i].name, name))
			return true;
	return false;
}

static bool member_of(const struct acct_group *g, const char *user)
{
	for (size_t i = 0; i < g->nmem; i++)
		if (!strcmp(g->mem[i], user))
			return true;
	return false;
}

static int decide_members(struct target *t, const struct aw_request *req, struct aw_result *res,
			  struct decision *d)
{
	bool gshadow = t->f[F_GSHADOW].old != NULL;
	for (size_t i = 0; i < req->nmembers; i++) {
		const struct aw_member *m = &req->members[i];
		enum aw_status *st = &res->members[i];
		long k = m->group ? group_index(res, m->group) : -1;
		const struct acct_group *have = m->group ? acctdb_group_named(&t->db, m->group) : NULL;
		bool created = k >= 0 && res->groups[k].status == AW_CREATED;
		if (!m->user || !(acctdb_user_named(&t->db, m->user) || user_created(req, res, m->user))) {
			*st = AW_NO_USER;
			continue;
		}
		if (!created && !have) {
			*st = AW_NO_GROUP;
			continue;
		}
		uint32_t gid = created ? res->groups[k].gid : have->gid;
		const char *gname = created ? res->groups[k].name : have->name;
		if ((gid < t->gmin || gid > t->gmax) && !(req->flags & AW_PRIVILEGED)) {
			*st = AW_SYSTEM_GROUP;
			res->members_refused++;
			continue;
		}
		struct addition *a = addition_for(d, gname, gid, created);
		if (!a)
			return -1;
		bool in_gr = listed(a->gr, m->user) || (!created && member_of(have, m->user));
		const struct acct_secret *gs = created ? NULL : acctdb_gshadow_of(&t->db, gname);
		const char *gsmem = gs ? strchr(gs->rest, ':') : NULL;
		bool in_gs = listed(a->gs, m->user) || !gshadow || created || !gs ||
			     listed(gsmem ? gsmem + 1 : NULL, m->user);
		if (in_gr && in_gs) {
			*st = AW_ALREADY;
			continue;
		}
		if ((!in_gr && list_add(&a->gr, m->user)) || (!in_gs && list_add(&a->gs, m->user)))
			return -1;
		*st = AW_ADDED;
		res->members_added++;
	}
	return 0;
}

static void decision_free(struct decision *d)
{
	free(d->ugroup);
	free(d->create);
	for (size_t i = 0; i < d->nadds; i++) {
		free(d->adds[i].gr);
		free(d->adds[i].gs);
	}
	free(d->adds);
	memset(d, 0, sizeof *d);
}

static int decide(struct target *t, const struct aw_request *req, struct aw_result *res,
		  struct decision *d, char *err, size_t errsz)
{
	memset(res, 0, sizeof *res);
	memset(d, 0, sizeof *d);
	res->uid_min = t->umin;
	res->uid_max = t->umax;
	res->gid_min = t->gmin;
	res->gid_max = t->gmax;
	res->default_shell = strdup(t->defshell);
	res->users = calloc(req->nusers + 1, sizeof *res->users);
	res->members = calloc(req->nmembers + 1, sizeof *res->members);
	d->ugroup = calloc(req->nusers + 1, sizeof *d->ugroup);
	d->create = calloc(req->nusers + 1, sizeof *d->create);
	res->nusers = res->users ? req->nusers : 0;
	res->nmembers = res->members ? req->nmembers : 0;
	if (!res->default_shell || !res->users || !res->members || !d->ugroup || !d->create ||
	    decide_groups(t, req, res) || decide_users(t, req, res, d)) {
		snprintf(err, errsz, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	assign_gids(t, res);
	if (finish_users(t, req, res, d) || decide_members(t, req, res, d)) {
		snprintf(err, errsz, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* --- the new files ------------------------------------------------------------------ */

/* The shadow password field of a created user (acctwrite.h: "Password"). */
static const char *password_field(const struct aw_user *u, char **tofree)
{
	const char *h = u->hash;
	*tofree = NULL;
	if (!h || !*h)
		return u->locked ? "!" : "*";
	if (!u->locked || h[0] == '!')
		return h;
	if (asprintf(tofree, "!%s", h) < 0)
		return NULL;
	return *tofree;
}

/* The lines to append to each file, and the member edits, into F[].new. */
static int build(struct target *t, const struct aw_request *req, const struct aw_result *res,
		 const struct decision *d)
{
	char *app[F_N] = {0};
	size_t applen[F_N] = {0};
	FILE *fp[F_N] = {0};
	int rc = 0;
	for (int i = 0; i < F_N && !rc; i++)
		rc = !(fp[i] = open_memstream(&app[i], &applen[i]));
	long today = (long)(time(NULL) / 86400);
	for (size_t i = 0; i < req->nusers && !rc; i++) {
		const struct aw_user *u = &req->users[i];
		const struct aw_user_result *r = &res->users[i];
		if (r->status != AW_CREATED)
			continue;
		char *tofree;
		const char *pw = password_field(u, &tofree);
		if (!pw) {
			rc = -1;
			break;
		}
		fprintf(fp[F_PASSWD], "%s:x:%lu:%lu:%s:%s:%s\n", u->name, (unsigned long)r->uid,
			(unsigned long)r->gid, u->gecos, u->home, r->shell);
		if (u->aging)
			fprintf(fp[F_SHADOW], "%s:%s:%s\n", u->name, pw, u->aging);
		else
			fprintf(fp[F_SHADOW], "%s:%s:%ld::::::\n", u->name, pw, today);
		free(tofree);
	}
	for (size_t i = 0; i < res->ngroups && !rc; i++) {
		const struct aw_group_result *g = &res->groups[i];
		if (g->status != AW_CREATED)
			continue;
		const char *mem = "";
		for (size_t k = 0; k < d->nadds; k++)
			if (d->adds[k].created && !strcmp(d->adds[k].group, g->name) && d->adds[k].gr)
				mem = d->adds[k].gr;
		fprintf(fp[F_GROUP], "%s:x:%lu:%s\n", g->name, (unsigned long)g->gid, mem);
		fprintf(fp[F_GSHADOW], "%s:!::%s\n", g->name, mem);
	}
	for (int i = 0; i < F_N; i++)
		if (fp[i] && fclose(fp[i]))
			rc = -1;
	if (!t->f[F_GSHADOW].old)
		applen[F_GSHADOW] = 0; /* no gshadow on the target: none is made */
	/* member edits of existing groups, per file */
	struct acct_addmem *gr = calloc(d->nadds + 1, sizeof *gr), *gs = calloc(d->nadds + 1, sizeof *gs);
	size_t ngr = 0, ngs = 0;
	rc = rc || !gr || !gs;
	for (size_t k = 0; k < d->nadds && !rc; k++) {
		const struct addition *a = &d->adds[k];
		if (a->created)
			continue;
		if (a->gr)
			gr[ngr++] = (struct acct_addmem){a->group, a->gid, a->gr};
		if (a->gs)
			gs[ngs++] = (struct acct_addmem){a->group, a->gid, a->gs};
	}
	for (int i = 0; i < F_N && !rc; i++) {
		const struct acct_addmem *adds = i == F_GROUP ? gr : i == F_GSHADOW ? gs : NULL;
		size_t nadds = i == F_GROUP ? ngr : i == F_GSHADOW ? ngs : 0;
		if (!applen[i] && !nadds)
			continue;
		struct acct_file *f = &t->f[i];
		rc = acct_edit(f->old ? f->old : "", f->old ? f->oldlen : 0, file_kind[i], adds,
			       nadds, applen[i] ? app[i] : NULL, &f->new, &f->newlen);
	}
	free(gr);
	free(gs);
	for (int i = 0; i < F_N; i++)
		free(app[i]);
	if (rc)
		errno = ENOMEM;
	return rc ? -1 : 0;
}

/* --- the API ------------------------------------------------------------------------ */

int acctwrite_plan(int rootfd, const struct aw_request *req, struct aw_result *res, char *err,
		   size_t errsz)
{
	struct target t;
	struct decision d;
	memset(res, 0, sizeof *res);
	memset(&d, 0, sizeof d);
	int rc = target_open(rootfd, &t, err, errsz) ? -1
		 : target_read(&t, err, errsz)	    ? -1
						    : decide(&t, req, res, &d, err, errsz);
	int e = errno;
	decision_free(&d);
	target_free(&t);
	if (rc)
		acctwrite_result_free(res);
	errno = e;
	return rc;
}

int acctwrite_apply(int rootfd, const struct aw_request *req, struct aw_result *res, char *err,
		    size_t errsz)
{
	struct target t;
	struct decision d;
	struct acct_lock lk = {-1, -1, 0};
	memset(res, 0, sizeof *res);
	memset(&d, 0, sizeof d);
	int rc = target_open(rootfd, &t, err, errsz);
	if (!rc)
		rc = acctlock_take(t.etcfd, req->lock_timeout_ms ? req->lock_timeout_ms
								 : ACCTLOCK_TIMEOUT_MS,
				   &lk, err, errsz);
	if (!rc)
		rc = target_read(&t, err, errsz) || decide(&t, req, res, &d, err, errsz) ? -1 : 0;
	if (!rc && build(&t, req, res, &d)) {
		snprintf(err, errsz, "out of memory");
		rc = -1;
	}
	if (!rc)
		rc = acctfile_commit(t.etcfd, t.f, F_N, err, errsz);
	int e = errno;
	for (int i = 0; i < F_N; i++)
		free(t.f[i].new);
	if (lk.pwdfd >= 0 || lk.held)
		acctlock_release(&lk);
	decision_free(&d);
	target_free(&t);
	if (rc)
		acctwrite_result_free(res);
	errno = e;
	return rc;
}

void acctwrite_result_free(struct aw_result *res)
{
	for (size_t i = 0; i < res->nusers; i++)
		free(res->users[i].shell);
	free(res->users);
	for (size_t i = 0; i < res->ngroups; i++)
		free(res->groups[i].name);
	free(res->groups);
	free(res->members);
	free(res->default_shell);
	memset(res, 0, sizeof *res);
}

const char *acctwrite_status_name(enum aw_status st)
{
	static const char *const names[] = {"created", "exists", "invalid", "no-id", "added",
					    "already", "system-group", "no-user", "no-group"};
	return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "?";
}
