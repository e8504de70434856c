/* aclrec.c - the captured ACLs of a store (aclrec.h). */
#include "aclrec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diracl.h"
#include "lineesc.h"
#include "sumfile.h"

#define ACLREC_MAX (256u << 20)

int aclrec_add(struct aclrec *a, const char *path, enum aclrec_which which,
	       const unsigned char *val, size_t len)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct aclrec_ent *q = realloc(a->e, cap * sizeof *q);
		if (!q)
			goto nomem;
		a->e = q;
		a->cap = cap;
	}
	struct aclrec_ent *e = &a->e[a->n];
	e->path = strdup(path);
	e->val = malloc(len ? len : 1);
	if (!e->path || !e->val) {
		free(e->path);
		free(e->val);
		goto nomem;
	}
	memcpy(e->val, val, len);
	e->len = len;
	e->which = which;
	a->n++;
	a->sorted = false;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

int aclrec_capture_value(struct aclrec *a, enum aclrec_which which, const unsigned char *v,
			 size_t n, const char *path,
			 int (*add_id)(void *ctx, bool group, uint32_t id), void *ctx)
{
	struct diracl_ent *e;
	size_t ne;
	/* one the kernel would not give (unreadable, malformed) is not recorded: load then
	 * narrows what it restores to the mode (see load_acls.c) */
	if (diracl_decode(v, n, &e, &ne) != 0)
		return errno == ENOMEM ? -1 : 0;
	int rc = 0;
	bool named = false;
	for (size_t i = 0; rc == 0 && i < ne; i++)
		if (e[i].tag == DA_USER || e[i].tag == DA_GROUP) {
			named = true;
			rc = add_id(ctx, e[i].tag == DA_GROUP, e[i].id);
		}
	if (rc == 0 && named)
		rc = aclrec_add(a, path, which, v, n);
	free(e);
	return rc != 0 ? -1 : 0;
}

int aclrec_capture(struct aclrec *a, int fd, const char *at, bool is_dir, const char *path,
		   int (*add_id)(void *ctx, bool group, uint32_t id), void *ctx)
{
	for (int w = ACLREC_ACCESS; w <= (is_dir ? ACLREC_DEFAULT : ACLREC_ACCESS); w++) {
		size_t n;
		const char *xa = w == ACLREC_ACCESS ? DIRACL_XA_ACCESS : DIRACL_XA_DEFAULT;
		unsigned char *v = at ? diracl_get_at(fd, at, xa, &n) : diracl_get(fd, xa, &n);
		if (!v) {
			if (errno == ENOMEM)
				return -1;
			continue;
		}
		int rc = aclrec_capture_value(a, (enum aclrec_which)w, v, n, path, add_id, ctx);
		free(v);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static const char *which_name(enum aclrec_which w)
{
	return w == ACLREC_ACCESS ? "access" : "default";
}

int aclrec_write(int meta_fd, struct aclrec *a)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	if (!f) {
		errno = ENOMEM;
		return -1;
	}
	fprintf(f, "%s\n", ACLREC_MAGIC);
	for (size_t i = 0; i < a->n; i++) {
		fputs("acl\t", f);
		lineesc_put(f, a->e[i].path);
		fprintf(f, "\t%s\t", which_name(a->e[i].which));
		for (size_t k = 0; k < a->e[i].len; k++)
			fprintf(f, "%02x", a->e[i].val[k]);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(body);
		errno = ENOMEM;
		return -1;
	}
	int rc = sumfile_write(meta_fd, ACLREC_FILE, body, len);
	int saved = errno;
	free(body);
	errno = saved;
	return rc;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int by_key(const void *x, const void *y)
{
	const struct aclrec_ent *a = x, *b = y;
	int c = strcmp(a->path, b->path);
	return c ? c : (int)a->which - (int)b->which;
}

/* One "acl" line (tab-split in place). 0, 1 (a line of a later minor version), -1. */
static int parse_line(struct aclrec *a, char *line)
{
	char *f[5] = {0};
	int n = 0;
	for (char *p = line; p && n < 5; n++) {
		f[n] = p;
		p = strchr(p, '\t');
		if (p)
			*p++ = 0;
	}
	if (strcmp(f[0], "acl") != 0)
		return 1;
	if (n != 4 || !lineesc_decode(f[1]) || f[1][0] != '/')
		return -1;
	enum aclrec_which w;
	if (!strcmp(f[2], "access"))
		w = ACLREC_ACCESS;
	else if (!strcmp(f[2], "default"))
		w = ACLREC_DEFAULT;
	else
		return -1;
	size_t hl = strlen(f[3]);
	if (hl == 0 || hl % 2 || hl / 2 > DIRACL_MAX)
		return -1;
	unsigned char *v = malloc(hl / 2);
	if (!v)
		return -1;
	for (size_t i = 0; i < hl / 2; i++) {
		int hi = hexval(f[3][2 * i]), lo = hexval(f[3][2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(v);
			return -1;
		}
		v[i] = (unsigned char)(hi << 4 | lo);
	}
	struct diracl_ent *e;
	size_t ne;
	int rc = diracl_decode(v, hl / 2, &e, &ne);
	if (rc == 0) {
		free(e);
		rc = aclrec_add(a, f[1], w, v, hl / 2);
	}
	free(v);
	return rc;
}

static int each_line(void *ctx, char *line)
{
	return parse_line(ctx, line);
}

int aclrec_read(int meta_fd, struct aclrec *a, char *err, size_t errsz)
{
	memset(a, 0, sizeof *a);
	if (sumfile_lines(meta_fd, ACLREC_FILE, ACLREC_MAGIC, ACLREC_MAX, each_line, a, err,
			  errsz) != 0) {
		int e = errno;
		aclrec_free(a);
		errno = e;
		return -1;
	}
	if (a->n)
		qsort(a->e, a->n, sizeof *a->e, by_key);
	for (size_t i = 1; i < a->n; i++)
		if (!by_key(&a->e[i - 1], &a->e[i])) {
			snprintf(err, errsz, "MIGSTATE/%s: two ACLs recorded for one object",
				 ACLREC_FILE);
			goto bad;
		}
	a->sorted = true;
	return 0;
bad:
	aclrec_free(a);
	errno = EINVAL;
	return -1;
}

const struct aclrec_ent *aclrec_find(const struct aclrec *a, const char *path,
				     enum aclrec_which which)
{
	if (!a->sorted || !a->n)
		return NULL;
	struct aclrec_ent key = {(char *)path, which, NULL, 0};
	return bsearch(&key, a->e, a->n, sizeof *a->e, by_key);
}

void aclrec_free(struct aclrec *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->e[i].path);
		free(a->e[i].val);
	}
	free(a->e);
	memset(a, 0, sizeof *a);
}
