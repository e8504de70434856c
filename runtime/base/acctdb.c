/* acctdb.c - passwd, group, shadow and gshadow beneath a root (see acctdb.h). */
#include "acctdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smallfile.h"

uint32_t acctdb_parse_id(const char *s)
{
	if (!*s || strlen(s) > 10)
		return ACCT_ID_INVALID;
	uint64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return ACCT_ID_INVALID;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v >= ACCT_ID_INVALID ? ACCT_ID_INVALID : (uint32_t)v;
}

/* A usable account name: not empty, no control bytes, not a NIS compat token. */
static int name_ok(const char *n)
{
	if (!*n || *n == '+' || *n == '-' || *n == '@')
		return 0;
	for (const unsigned char *p = (const unsigned char *)n; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Split LINE at ':' into at most MAX fields, the last taking the rest of the line (the
 * caller checks it holds no ':' where the format has no more fields). The number of
 * fields found. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		f[n++] = p;
		if (n == max)
			break;
		char *c = strchr(p, ':');
		if (!c)
			break;
		*c = 0;
		p = c + 1;
	}
	return n;
}

/* Room for one more after N elements: the capacity is 8, then doubles at each power of
 * two, so it is implied by N. */
static int grow(void **v, size_t n, size_t size)
{
	if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
		return 0;
	void *q = realloc(*v, (n ? n * 2 : 8) * size);
	if (!q)
		return -1;
	*v = q;
	return 0;
}

static void user_free(struct acct_user *u)
{
	free(u->name);
	free(u->gecos);
	free(u->home);
	free(u->shell);
}

static void group_free(struct acct_group *g)
{
	free(g->name);
	for (size_t i = 0; i < g->nmem; i++)
		free(g->mem[i]);
	free(g->mem);
}

static void secret_free(struct acct_secret *s)
{
	free(s->name);
	free(s->hash);
	free(s->rest);
}

/* 1 added, 0 not an entry (skipped), -1 out of memory. */
static int add_passwd(struct acct_db *db, char *line)
{
	char *f[7];
	if (split(line, f, 7) != 7 || strchr(f[6], ':') || !name_ok(f[0]))
		return 0;
	uint32_t uid = acctdb_parse_id(f[2]), gid = acctdb_parse_id(f[3]);
	if (uid == ACCT_ID_INVALID || gid == ACCT_ID_INVALID)
		return 0;
	if (acctdb_user_named(db, f[0]) || acctdb_user_id(db, uid)) {
		db->duplicates++;
		return 1;
	}
	if (grow((void **)&db->users, db->nusers, sizeof *db->users))
		return -1;
	struct acct_user *u = &db->users[db->nusers];
	*u = (struct acct_user){strdup(f[0]), uid, gid, strdup(f[4]), strdup(f[5]), strdup(f[6])};
	if (!u->name || !u->gecos || !u->home || !u->shell) {
		user_free(u);
		return -1;
	}
	db->nusers++;
	return 1;
}

static int add_group(struct acct_db *db, char *line)
{
	char *f[4];
	if (split(line, f, 4) != 4 || strchr(f[3], ':') || !name_ok(f[0]))
		return 0;
	uint32_t gid = acctdb_parse_id(f[2]);
	if (gid == ACCT_ID_INVALID)
		return 0;
	if (acctdb_group_named(db, f[0]) || acctdb_group_id(db, gid)) {
		db->duplicates++;
		return 1;
	}
	if (grow((void **)&db->groups, db->ngroups, sizeof *db->groups))
		return -1;
	struct acct_group *g = &db->groups[db->ngroups];
	*g = (struct acct_group){strdup(f[0]), gid, NULL, 0};
	if (!g->name)
		return -1;
	for (char *save = NULL, *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		if (!name_ok(m))
			continue;
		char **q = realloc(g->mem, (g->nmem + 1) * sizeof *q);
		if (!q || !(q[g->nmem] = strdup(m))) {
			if (q)
				g->mem = q;
			group_free(g);
			return -1;
		}
		g->mem = q;
		g->nmem++;
	}
	db->ngroups++;
	return 1;
}

static int add_secret(struct acct_db *db, char *line, int shadow)
{
	char *f[3];
	if (split(line, f, 3) != 3 || !name_ok(f[0]))
		return 0;
	/* shadow has 9 fields (8 colons), gshadow 4 (3 colons) */
	size_t colons = 0;
	for (const char *p = f[2]; *p; p++)
		colons += *p == ':';
	if (colons != (shadow ? 6u : 1u))
		return 0;
	struct acct_secret **v = shadow ? &db->shadow : &db->gshadow;
	size_t *n = shadow ? &db->nshadow : &db->ngshadow;
	if ((shadow ? acctdb_shadow_of(db, f[0]) : acctdb_gshadow_of(db, f[0]))) {
		db->duplicates++;
		return 1;
	}
	if (grow((void **)v, *n, sizeof **v))
		return -1;
	struct acct_secret *s = &(*v)[*n];
	*s = (struct acct_secret){strdup(f[0]), strdup(f[1]), strdup(f[2])};
	if (!s->name || !s->hash || !s->rest) {
		secret_free(s);
		return -1;
	}
	(*n)++;
	return 1;
}

int acctdb_parse(struct acct_db *db, enum acct_kind kind, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	char *line = malloc(ACCT_LINE_MAX + 1);
	if (!line)
		return -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		const char *next = nl ? nl + 1 : end;
		if (n && p[n - 1] == '\r')
			n--; /* a file edited elsewhere: the field is not "bash\r" */
		int r = 0;
		if (n == 0 || *p == '#' || n > ACCT_LINE_MAX || memchr(p, 0, n)) {
			r = 0;
		} else {
			memcpy(line, p, n);
			line[n] = 0;
			r = kind == ACCT_PASSWD  ? add_passwd(db, line)
			    : kind == ACCT_GROUP ? add_group(db, line)
						 : add_secret(db, line, kind == ACCT_SHADOW);
		}
		if (r < 0) {
			free(line);
			errno = ENOMEM;
			return -1;
		}
		if (r == 0 && n > 0)
			db->skipped++;
		p = next;
	}
	free(line);
	return 0;
}

int acctdb_read(int rootfd, struct acct_db *db, char *err, size_t errsz)
{
	static const struct {
		const char *path;
		enum acct_kind kind;
		int required;
	} files[] = {{"/etc/passwd", ACCT_PASSWD, 1},
		     {"/etc/group", ACCT_GROUP, 0},
		     {"/etc/shadow", ACCT_SHADOW, 0},
		     {"/etc/gshadow", ACCT_GSHADOW, 0}};
	memset(db, 0, sizeof *db);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		size_t len;
		char *text = small_file_read(rootfd, files[i].path, &len);
		if (!text) {
			if (errno == ENOENT && !files[i].required)
				continue;
			int e = errno;
			snprintf(err, errsz, "%s: %s", files[i].path, strerror(e));
			acctdb_free(db);
			errno = e;
			return -1;
		}
		int rc = acctdb_parse(db, files[i].kind, text, len);
		free(text);
		if (rc) {
			snprintf(err, errsz, "%s: out of memory", files[i].path);
			acctdb_free(db);
			errno = ENOMEM;
			return -1;
		}
	}
	return 0;
}

void acctdb_free(struct acct_db *db)
{
	for (size_t i = 0; i < db->nusers; i++)
		user_free(&db->users[i]);
	for (size_t i = 0; i < db->ngroups; i++)
		group_free(&db->groups[i]);
	for (size_t i = 0; i < db->nshadow; i++)
		secret_free(&db->shadow[i]);
	for (size_t i = 0; i < db->ngshadow; i++)
		secret_free(&db->gshadow[i]);
	free(db->users);
	free(db->groups);
	free(db->shadow);
	free(db->gshadow);
	memset(db, 0, sizeof *db);
}

/* Linear lookups: account files hold hundreds of entries, and load asks once per id. */
const struct acct_user *acctdb_user_named(const struct acct_db *db, const char *name)
{
	for (size_t i = 0; i < db->nusers; i++)
		if (!strcmp(db->users[i].name, name))
			return &db->users[i];
	return NULL;
}

const struct acct_user *acctdb_user_id(const struct acct_db *db, uint32_t uid)
{
	for (size_t i = 0; i < db->nusers; i++)
		if (db->users[i].uid == uid)
			return &db->users[i];
	return NULL;
}

const struct acct_group *acctdb_group_named(const struct acct_db *db, const char *name)
{
	for (size_t i = 0; i < db->ngroups; i++)
		if (!strcmp(db->groups[i].name, name))
			return &db->groups[i];
	return NULL;
}

const struct acct_group *acctdb_group_id(const struct acct_db *db, uint32_t gid)
{
	for (size_t i = 0; i < db->ngroups; i++)
		if (db->groups[i].gid == gid)
			return &db->groups[i];
	return NULL;
}

static const struct acct_secret *secret_of(const struct acct_secret *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

const struct acct_secret *acctdb_shadow_of(const struct acct_db *db, const char *name)
{
	return secret_of(db->shadow, db->nshadow, name);
}

const struct acct_secret *acctdb_gshadow_of(const struct acct_db *db, const char *name)
{
	return secret_of(db->gshadow, db->ngshadow, name);
}
