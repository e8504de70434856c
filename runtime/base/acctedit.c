/* acctedit.c - taken names and ids, and line-preserving edits (see acctedit.h). */
#include "acctedit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int push(void **v, size_t n, size_t size)
{
	void *q = realloc(*v, (n + 1) * size);
	if (!q)
		return -1;
	*v = q;
	return 0;
}

int acct_taken_scan(struct acct_taken *t, const char *text, size_t len, int idfield)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *s = p;
		if (s < le && (*s == '+' || *s == '-'))
			s++;
		const char *ne = s;
		while (ne < le && *ne != ':')
			ne++;
		if (ne > s) {
			if (push((void **)&t->names, t->nnames, sizeof *t->names))
				return -1;
			char *name = strndup(s, (size_t)(ne - s));
			if (!name)
				return -1;
			t->names[t->nnames++] = name;
		}
		/* field IDFIELD (0-based) */
		const char *f = p;
		for (int i = 0; i < idfield && f; i++) {
			const char *cc = memchr(f, ':', (size_t)(le - f));
			f = cc ? cc + 1 : NULL;
		}
		if (idfield > 0 && f) {
			const char *fe = memchr(f, ':', (size_t)(le - f));
			size_t fl = (size_t)((fe ? fe : le) - f);
			char num[16];
			if (fl && fl < sizeof num) {
				memcpy(num, f, fl);
				num[fl] = 0;
				uint32_t id = acctdb_parse_id(num);
				if (id != ACCT_ID_INVALID) {
					if (push((void **)&t->ids, t->nids, sizeof *t->ids))
						return -1;
					t->ids[t->nids++] = id;
				}
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

void acct_taken_sort(struct acct_taken *t)
{
	if (t->nnames)
		qsort(t->names, t->nnames, sizeof *t->names, cmp_name);
	if (t->nids)
		qsort(t->ids, t->nids, sizeof *t->ids, cmp_id);
}

bool acct_taken_name(const struct acct_taken *t, const char *name)
{
	return t->nnames && bsearch(&name, t->names, t->nnames, sizeof *t->names, cmp_name);
}

bool acct_taken_id(const struct acct_taken *t, uint32_t id)
{
	return t->nids && bsearch(&id, t->ids, t->nids, sizeof *t->ids, cmp_id);
}

int acct_taken_add_id(struct acct_taken *t, uint32_t id)
{
	if (acct_taken_id(t, id))
		return 0;
	if (push((void **)&t->ids, t->nids, sizeof *t->ids))
		return -1;
	size_t i = t->nids;
	while (i > 0 && t->ids[i - 1] > id) {
		t->ids[i] = t->ids[i - 1];
		i--;
	}
	t->ids[i] = id;
	t->nids++;
	return 0;
}

void acct_taken_free(struct acct_taken *t)
{
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	free(t->ids);
	memset(t, 0, sizeof *t);
}

struct buf {
	char *p;
	size_t n, cap;
};

static int put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q)
			return -1;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
	return 0;
}

/* The index in ADDS of the group LINE (N bytes, CR stripped) is the entry of, or -1. */
static int entry_of(const char *line, size_t n, enum acct_kind kind,
		    const struct acct_addmem *adds, size_t nadds, const bool *done)
{
	for (size_t i = 0; i < nadds; i++) {
		size_t gl = strlen(adds[i].group);
		if (done[i] || n <= gl || memcmp(line, adds[i].group, gl) || line[gl] != ':')
			continue;
		/* the reader's own rules decide whether the line is an entry */
		struct acct_db one;
		memset(&one, 0, sizeof one);
		if (acctdb_parse(&one, kind, line, n))
			return -2;
		int ok = kind == ACCT_GROUP ? one.ngroups == 1 && one.groups[0].gid == adds[i].gid
					    : one.ngshadow == 1;
		acctdb_free(&one);
		if (ok)
			return (int)i;
	}
	return -1;
}

int acct_edit(const char *text, size_t len, enum acct_kind kind, const struct acct_addmem *adds,
	      size_t nadds, const char *append, char **out, size_t *outlen)
{
	struct buf b = {0};
	bool *done = calloc(nadds + 1, sizeof *done);
	if (!done)
		return -1;
	const char *p = text, *end = text + len;
	int rc = put(&b, "", 0);
	while (!rc && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		size_t body = n && p[n - 1] == '\r' ? n - 1 : n;
		int k = nadds && body <= ACCT_LINE_MAX && !memchr(p, 0, body)
				? entry_of(p, body, kind, adds, nadds, done)
				: -1;
		if (k == -2) {
			rc = -1;
			break;
		}
		if (k >= 0) {
			/* the member field is the last one: append there, keep the CR */
			done[k] = true;
			bool sep = body && p[body - 1] != ':' && p[body - 1] != ',';
			rc = put(&b, p, body) || (sep && put(&b, ",", 1)) ||
			     put(&b, adds[k].users, strlen(adds[k].users)) ||
			     put(&b, p + body, (size_t)(nl ? nl + 1 - (p + body) : end - (p + body)));
		} else {
			rc = put(&b, p, (size_t)((nl ? nl + 1 : end) - p));
		}
		p = nl ? nl + 1 : end;
	}
	if (!rc && append && *append) {
		if (b.n && b.p[b.n - 1] != '\n')
			rc = put(&b, "\n", 1);
		if (!rc)
			rc = put(&b, append, strlen(append));
	}
	free(done);
	if (rc) {
		free(b.p);
		errno = ENOMEM;
		return -1;
	}
	*out = b.p;
	*outlen = b.n;
	return 0;
}
