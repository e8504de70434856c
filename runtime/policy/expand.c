/* expand.c - template expansion. Works on a list of partial results so multi-valued
 * tokens ({drives:Fixed}) fan out; every other token appends to each partial. */
#include "expand.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan.h"

#define EXPAND_MAX_DEPTH 16
#define EXPAND_MAX_RESULTS 256
#define EXPAND_MAX_LEN 8192

void rt_strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void rt_strlist_push(struct strlist *l, char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v) {
			free(s);
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
}

struct xp {
	const struct plan *p;
	const struct rt_env *env;
	const struct rt_user *user;
	char *err;
	size_t errsz;
	bool unbound;
	struct rt_xcache *c; /* NULL: look every variable up and expand it afresh */
};

/* Partial results: growable strings. */
struct part {
	char *s;
	size_t len, cap;
};
struct parts {
	struct part *v;
	size_t n, cap; /* v[0..cap) are valid parts (the ones past n may hold buffers) */
};

static int part_add(struct part *pt, const char *s, size_t n)
{
	if (pt->len + n + 1 > EXPAND_MAX_LEN)
		return -1;
	if (pt->len + n + 1 > pt->cap) {
		size_t cap = pt->cap ? pt->cap : 64;
		while (cap < pt->len + n + 1)
			cap *= 2;
		char *q = realloc(pt->s, cap);
		if (!q)
			return -1;
		pt->s = q;
		pt->cap = cap;
	}
	memcpy(pt->s + pt->len, s, n);
	pt->len += n;
	pt->s[pt->len] = 0;
	return 0;
}

static void parts_free(struct parts *ps)
{
	for (size_t i = 0; i < ps->cap; i++)
		free(ps->v[i].s);
	free(ps->v);
	ps->v = NULL;
	ps->n = ps->cap = 0;
}

static int xerr(struct xp *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int xerr(struct xp *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->err, x->errsz, fmt, ap);
	va_end(ap);
	return -1;
}

/* Append literal path text S to every partial, escaping glob specials when GLOB. Runs
 * without specials are copied whole (the length check is the same as byte by byte's:
 * it only depends on the final length). */
static int append_all(struct xp *x, struct parts *ps, const char *s, size_t n, bool glob)
{
	for (size_t i = 0; i < ps->n; i++) {
		for (size_t j = 0; j < n;) {
			size_t k = j;
			if (glob)
				while (k < n && s[k] != '*' && s[k] != '\\')
					k++;
			else
				k = n;
			if (k > j && part_add(&ps->v[i], s + j, k - j))
				return xerr(x, "expanded path is longer than %s bytes", "8192");
			if (k < n) {
				char esc[2] = {'\\', s[k++]};
				if (part_add(&ps->v[i], esc, 2))
					return xerr(x, "expanded path is longer than %s bytes",
						    "8192");
			}
			j = k;
		}
	}
	return 0;
}

/* Replace every partial P by P+v for each value v (fan-out). */
static int fanout(struct xp *x, struct parts *ps, const char *const *vals, const size_t *lens,
		  size_t nv, bool glob)
{
	if (nv == 1)
		return append_all(x, ps, vals[0], lens ? lens[0] : strlen(vals[0]), glob);
	if (ps->n * nv > EXPAND_MAX_RESULTS)
		return xerr(x, "template expands to more than %s paths", "256");
	struct parts out = {calloc(ps->n * nv + 1, sizeof(struct part)), 0, ps->n * nv + 1};
	if (!out.v)
		return xerr(x, "%s", "out of memory");
	for (size_t i = 0; i < ps->n; i++)
		for (size_t k = 0; k < nv; k++) {
			struct part *np = &out.v[out.n++];
			if (part_add(np, ps->v[i].s ? ps->v[i].s : "", ps->v[i].len)) {
				parts_free(&out);
				return xerr(x, "%s", "out of memory");
			}
		}
	parts_free(ps);
	*ps = out;
	for (size_t i = 0; i < ps->n; i++) {
		struct parts one = {&ps->v[i], 1, 1};
		if (append_all(x, &one, vals[i % nv], lens ? lens[i % nv] : strlen(vals[i % nv]),
			       glob))
			return -1;
	}
	return 0;
}

static const char *define_of(const struct rt_env *env, const char *name, size_t n)
{
	/* the last --define of a name wins */
	for (size_t i = env->ndefines; i-- > 0;)
		if (strlen(env->defines[i].name) == n &&
		    !strncasecmp(env->defines[i].name, name, n))
			return env->defines[i].value;
	return NULL;
}

static const char *plan_var_of(const struct plan *p, const char *name, size_t n)
{
	for (size_t i = 0; i < p->nvars; i++) {
		const char *v = plan_str(p, p->vars[i].name);
		if (strlen(v) == n && !strncasecmp(v, name, n))
			return plan_str(p, p->vars[i].value);
	}
	return NULL;
}

static int expand_into(struct xp *x, const char *t, bool glob, struct parts *ps, int depth);

/* --- the cache of a bind (expand.h) ------------------------------------------------ */

struct xc_name { /* a variable name, as --define or the plan gives it */
	uint64_t h;
	const char *name;
	size_t n;
	const char *val;
};

struct xc_val { /* a variable's value template expanded for one user */
	const struct rt_user *user;
	const char *val; /* NULL: free slot */
	bool unbound;
	size_t n;
	char **v;
	size_t *len;
};

struct rt_xcache {
	const struct plan *p;
	const struct rt_env *env;
	struct xc_name *names; /* open addressing by folded name, capacity a power of two */
	size_t capnames;
	struct xc_val *vals; /* open addressing by (user, value template) */
	size_t nvals, capvals;
	struct parts scratch; /* rt_expand_cached's partials, reused from call to call */
	char **outv;
	size_t *outlen, capout;
};

static unsigned char fold_ascii(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* strncasecmp's equality in the C locale, which migstate never leaves (templates
 * mostly spell a name as the map does: memcmp settles those) */
static bool name_eq(const char *a, const char *b, size_t n)
{
	if (!memcmp(a, b, n))
		return true;
	for (size_t i = 0; i < n; i++)
		if (fold_ascii((unsigned char)a[i]) != fold_ascii((unsigned char)b[i]))
			return false;
	return true;
}

/* Names equal under name_eq hash alike: bytes that differ only in ASCII case agree once
 * 0x20 is set (other bytes may collide: name_eq decides). Eight bytes at a time. */
static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ n;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;
		memcpy(&w, s + i, n - i < 8 ? n - i : 8);
		h = (h ^ (w | 0x2020202020202020ull)) * 0x100000001b3ull;
		h ^= h >> 32;
	}
	return h ^ (h >> 29);
}

static struct xc_name *name_slot(const struct rt_xcache *c, const char *name, size_t n)
{
	size_t m = c->capnames - 1;
	uint64_t h = name_hash(name, n);
	for (size_t i = (size_t)h & m;; i = (i + 1) & m) {
		struct xc_name *e = &c->names[i];
		if (!e->name) {
			e->h = h; /* the caller fills the rest, or leaves the slot free */
			return e;
		}
		if (e->h == h && e->n == n && name_eq(e->name, name, n))
			return e;
	}
}

struct rt_xcache *rt_xcache_new(const struct plan *p, const struct rt_env *env)
{
	struct rt_xcache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->p = p;
	c->env = env;
	c->capnames = 16;
	while (c->capnames < (p->nvars + env->ndefines) * 2)
		c->capnames *= 2;
	if (!(c->names = calloc(c->capnames, sizeof *c->names))) {
		free(c);
		return NULL;
	}
	/* the first plan variable of a name counts, and any --define beats it (the last
	 * one of a name winning): the lookup order of define_of, then plan_var_of */
	for (size_t i = 0; i < p->nvars; i++) {
		const char *v = plan_str(p, p->vars[i].name);
		size_t n = strlen(v);
		struct xc_name *e = name_slot(c, v, n);
		if (!e->name)
			*e = (struct xc_name){e->h, v, n, plan_str(p, p->vars[i].value)};
	}
	for (size_t i = 0; i < env->ndefines; i++) {
		const char *v = env->defines[i].name;
		size_t n = strlen(v);
		struct xc_name *e = name_slot(c, v, n);
		*e = (struct xc_name){e->h, v, n, env->defines[i].value};
	}
	return c;
}

void rt_xcache_free(struct rt_xcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->capvals; i++) {
		for (size_t j = 0; j < c->vals[i].n; j++)
			free(c->vals[i].v[j]);
		free(c->vals[i].v);
		free(c->vals[i].len);
	}
	free(c->vals);
	free(c->names);
	parts_free(&c->scratch);
	free(c->outv);
	free(c->outlen);
	free(c);
}

static size_t val_slot(const struct rt_xcache *c, const struct rt_user *u, const char *val)
{
	uint64_t h = ((uint64_t)(uintptr_t)u * 0x9e3779b97f4a7c15ull) ^ (uint64_t)(uintptr_t)val;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	size_t m = c->capvals - 1;
	size_t i = (size_t)h & m;
	while (c->vals[i].val && (c->vals[i].val != val || c->vals[i].user != u))
		i = (i + 1) & m;
	return i;
}

static int vals_grow(struct rt_xcache *c)
{
	size_t cap = c->capvals ? c->capvals * 2 : 64;
	struct xc_val *old = c->vals;
	size_t oldcap = c->capvals;
	if (!(c->vals = calloc(cap, sizeof *c->vals))) {
		c->vals = old;
		return -1;
	}
	c->capvals = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].val)
			c->vals[val_slot(c, old[i].user, old[i].val)] = old[i];
	free(old);
	return 0;
}

/* VAL expanded for X's user: from the cache, else expanded (at depth 1, as var_token
 * does for a variable of the template itself) and remembered. NULL on an error (not
 * remembered: the bind stops there). */
static const struct xc_val *cached_value(struct xp *x, const char *val)
{
	struct rt_xcache *c = x->c;
	if (c->capvals) {
		size_t i = val_slot(c, x->user, val);
		if (c->vals[i].val)
			return &c->vals[i];
	}
	struct parts sub = {calloc(1, sizeof(struct part)), 1, 1};
	if (!sub.v) {
		xerr(x, "%s", "out of memory");
		return NULL;
	}
	struct xc_val e = {x->user, val, false, 0, NULL, NULL};
	int rc = expand_into(x, val, false, &sub, 1);
	if (rc == 0 && x->unbound) {
		e.unbound = true;
	} else if (rc == 0) {
		e.v = calloc(sub.n, sizeof *e.v);
		e.len = calloc(sub.n, sizeof *e.len);
		if (!e.v || !e.len)
			rc = xerr(x, "%s", "out of memory");
		for (size_t i = 0; rc == 0 && i < sub.n; i++) {
			/* take the partial's buffer: "" when it never got one */
			e.v[i] = sub.v[i].s ? sub.v[i].s : calloc(1, 1);
			e.len[i] = sub.v[i].len;
			sub.v[i].s = NULL;
			if (!e.v[e.n++])
				rc = xerr(x, "%s", "out of memory");
		}
	}
	parts_free(&sub);
	if (rc == 0 && (c->nvals + 1) * 2 > c->capvals && vals_grow(c))
		rc = xerr(x, "%s", "out of memory");
	if (rc) {
		for (size_t i = 0; i < e.n; i++)
			free(e.v[i]);
		free(e.v);
		free(e.len);
		return NULL;
	}
	size_t i = val_slot(c, x->user, val);
	c->vals[i] = e;
	c->nvals++;
	return &c->vals[i];
}

static int var_token(struct xp *x, const char *name, size_t n, bool glob, struct parts *ps,
		     int depth)
{
	char nm[128];
	if (depth >= EXPAND_MAX_DEPTH)
		return xerr(x, "variable %s refers to itself (expansion deeper than 16)",
			    (snprintf(nm, sizeof nm, "%.*s", (int)n, name), nm));
	const char *val;
	if (x->c) {
		val = name_slot(x->c, name, n)->val;
	} else {
		val = define_of(x->env, name, n);
		if (!val)
			val = plan_var_of(x->p, name, n);
	}
	if (!val) {
		snprintf(nm, sizeof nm, "%%%.*s%%", (int)(n > 100 ? 100 : n), name);
		return xerr(x, "variable %s is not defined by the plan or --define", nm);
	}
	if (x->c && depth == 0) {
		/* a variable of the template itself expands alike for every pattern of a
		 * user (nested ones are deeper: the depth limit keeps them uncached) */
		const struct xc_val *cv = cached_value(x, val);
		if (!cv)
			return -1;
		if (cv->unbound) {
			x->unbound = true;
			return 0;
		}
		return fanout(x, ps, (const char *const *)cv->v, cv->len, cv->n, glob);
	}
	/* the value is a path template: its text is literal, escaped into globs */
	struct parts sub = {calloc(1, sizeof(struct part)), 1, 1};
	if (!sub.v)
		return xerr(x, "%s", "out of memory");
	int rc = expand_into(x, val, false, &sub, depth + 1);
	if (rc == 0 && !x->unbound) {
		const char **vals = calloc(sub.n, sizeof *vals);
		if (!vals) {
			rc = xerr(x, "%s", "out of memory");
		} else {
			for (size_t i = 0; i < sub.n; i++)
				vals[i] = sub.v[i].s ? sub.v[i].s : "";
			rc = fanout(x, ps, vals, NULL, sub.n, glob);
			free(vals);
		}
	}
	parts_free(&sub);
	return rc;
}

static int brace_token(struct xp *x, const char *tok, size_t n, bool glob, struct parts *ps)
{
	const struct rt_user *u = x->user;
	char buf[32];
	const char *val = NULL;

	if (n == 4 && !memcmp(tok, "home", 4)) {
		if (!u)
			goto unbound;
		val = u->home;
	} else if (n == 4 && !memcmp(tok, "user", 4)) {
		if (!u)
			goto unbound;
		val = u->name;
	} else if (n == 3 && !memcmp(tok, "uid", 3)) {
		if (!u)
			goto unbound;
		snprintf(buf, sizeof buf, "%u", u->uid);
		val = buf;
	} else if (n > 4 && !memcmp(tok, "xdg:", 4)) {
		if (!u)
			goto unbound;
		for (int i = 0; i < XDG__N; i++) {
			if (strlen(xdg_names[i]) == n - 4 &&
			    !strncasecmp(xdg_names[i], tok + 4, n - 4)) {
				if (u->xdg[i])
					return append_all(x, ps, u->xdg[i], strlen(u->xdg[i]),
							  glob);
				if (append_all(x, ps, u->home, strlen(u->home), glob) ||
				    append_all(x, ps, "/", 1, glob))
					return -1;
				return append_all(x, ps, xdg_defaults[i], strlen(xdg_defaults[i]),
						  glob);
			}
		}
		return xerr(x, "unknown XDG user directory in template: %s", tok);
	} else if (n == 7 && !strncmp(tok, "drive:", 6)) {
		char letter = tok[6];
		if (letter >= 'a' && letter <= 'z')
			letter = (char)(letter - 'a' + 'A');
		for (size_t i = 0; i < x->env->ndrives; i++)
			if (x->env->drives[i].letter == letter)
				val = x->env->drives[i].path;
		if (!val && letter == 'C')
			val = "/"; /* the system drive is the root unless --drive says otherwise */
		if (!val)
			goto unbound;
	} else if (n > 7 && !strncmp(tok, "drives:", 7)) {
		for (int c = 0; c < DC__N; c++) {
			if (strlen(drive_class_names[c]) != n - 7 ||
			    strncasecmp(tok + 7, drive_class_names[c], n - 7) != 0)
				continue;
			if (c == DC_FIXED) {
				static const char *const root[] = {"/"};
				if (x->env->nfixed)
					return fanout(x, ps,
						      (const char *const *)x->env->fixed_roots,
						      NULL, x->env->nfixed, glob);
				return fanout(x, ps, root, NULL, 1, glob);
			}
			if (!x->env->nclass[c])
				goto unbound; /* no drive of that class on this machine */
			return fanout(x, ps, x->env->class_roots[c], NULL, x->env->nclass[c], glob);
		}
		return xerr(x, "unknown drive class in template: {%.*s}", (int)n, tok);
	} else {
		return xerr(x, "unknown token in template: {%s}", "...");
	}
	return append_all(x, ps, val, strlen(val), glob);
unbound:
	x->unbound = true;
	return 0;
}

static int expand_into(struct xp *x, const char *t, bool glob, struct parts *ps, int depth)
{
	const char *run = t;
	/* plain text is skipped to the next byte that can start an escape or a token */
	for (const char *c = t + strcspn(t, "\\%{"); *c && !x->unbound; c += strcspn(c, "\\%{")) {
		if (*c == '\\' && c[1]) {
			/* escapes: keep glob escapes in glob mode, drop them in paths */
			if (c > run && append_all(x, ps, run, (size_t)(c - run), false))
				return -1;
			if (glob && (c[1] == '*' || c[1] == '\\')) {
				for (size_t i = 0; i < ps->n; i++)
					if (part_add(&ps->v[i], c, 2))
						return xerr(x, "%s", "expanded path too long");
			} else if (append_all(x, ps, c + 1, 1, glob)) {
				return -1;
			}
			c += 2;
			run = c;
			continue;
		}
		if (*c == '%' || *c == '{') {
			const char *close = strchr(c + 1, *c == '%' ? '%' : '}');
			if (!close)
				return xerr(x, "unterminated token in template \"%.100s\"", t);
			if (c > run) {
				for (size_t i = 0; i < ps->n; i++)
					if (part_add(&ps->v[i], run, (size_t)(c - run)))
						return xerr(x, "%s", "expanded path too long");
			}
			int rc = *c == '%'
				     ? var_token(x, c + 1, (size_t)(close - c - 1), glob, ps, depth)
				     : brace_token(x, c + 1, (size_t)(close - c - 1), glob, ps);
			if (rc)
				return rc;
			c = close + 1;
			run = c;
			continue;
		}
		c++;
	}
	if (!x->unbound && *run) {
		size_t n = strlen(run);
		for (size_t i = 0; i < ps->n; i++)
			if (part_add(&ps->v[i], run, n))
				return xerr(x, "%s", "expanded path too long");
	}
	return 0;
}

/* Collapse '//' and drop a trailing '/' of the N bytes at S into O (which may be S:
 * the output never runs ahead of the input). Returns the new length. Templates never
 * escape '/', so a '/' is always a separator, even right after an escaped backslash. */
static size_t normalise_into(char *o, const char *s, size_t n)
{
	/* most results are normal already: find a "//" or a trailing '/' first */
	bool clean = n > 0 && (s[n - 1] != '/' || n == 1);
	for (const char *q = s; clean && (q = memchr(q, '/', n - (size_t)(q - s)));)
		if (++q < s + n && *q == '/')
			clean = false;
	if (clean) {
		if (o != s)
			memcpy(o, s, n);
		o[n] = 0;
		return n;
	}
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' && j > 0 && o[j - 1] == '/')
			continue;
		o[j++] = s[i];
	}
	while (j > 1 && o[j - 1] == '/')
		j--;
	o[j] = 0;
	return j;
}

int rt_expand(const struct plan *p, const struct rt_env *env, const struct rt_user *user,
	      const char *tmpl, bool glob, struct strlist *out, char *err, size_t errsz)
{
	struct xp x = {p, env, user, err, errsz, false, NULL};
	struct parts ps = {calloc(1, sizeof(struct part)), 1, 1};
	if (!ps.v) {
		snprintf(err, errsz, "out of memory");
		return EXP_ERROR;
	}
	int rc = expand_into(&x, tmpl, glob, &ps, 0);
	if (rc == 0 && !x.unbound) {
		for (size_t i = 0; i < ps.n; i++) {
			const char *s = ps.v[i].s ? ps.v[i].s : "";
			if (s[0] != '/') {
				x.unbound =
				    true; /* a relative result names nothing on this machine */
				continue;
			}
			char *nrm = malloc(ps.v[i].len + 1);
			size_t before = out->n;
			if (nrm) {
				normalise_into(nrm, s, ps.v[i].len);
				rt_strlist_push(out, nrm);
			}
			if (out->n == before) { /* a path left out would be another result */
				errno = ENOMEM;
				rc = xerr(&x, "%s", "out of memory");
				break;
			}
		}
	}
	parts_free(&ps);
	if (rc)
		return EXP_ERROR;
	return x.unbound && out->n == 0 ? EXP_UNBOUND : EXP_OK;
}

int rt_expand_cached(struct rt_xcache *c, const struct rt_user *user, const char *tmpl, bool glob,
		     struct rt_xout *out, char *err, size_t errsz)
{
	struct xp x = {c->p, c->env, user, err, errsz, false, c};
	struct parts *ps = &c->scratch;
	out->n = 0;
	if (!ps->v) {
		if (!(ps->v = calloc(1, sizeof *ps->v))) {
			snprintf(err, errsz, "out of memory");
			return EXP_ERROR;
		}
		ps->cap = 1;
	}
	/* one empty partial again; its buffer (and any other's) is kept */
	ps->n = 1;
	ps->v[0].len = 0;
	if (ps->v[0].s)
		ps->v[0].s[0] = 0;
	int rc = expand_into(&x, tmpl, glob, ps, 0);
	if (rc == 0 && !x.unbound) {
		if (ps->n > c->capout) {
			char **v = realloc(c->outv, ps->n * sizeof *v);
			if (v)
				c->outv = v;
			size_t *l = realloc(c->outlen, ps->n * sizeof *l);
			if (l)
				c->outlen = l;
			if (!v || !l) {
				snprintf(err, errsz, "out of memory");
				return EXP_ERROR;
			}
			c->capout = ps->n;
		}
		for (size_t i = 0; i < ps->n; i++) {
			char *s = ps->v[i].s;
			if (!s || s[0] != '/') {
				x.unbound =
				    true; /* a relative result names nothing on this machine */
				continue;
			}
			c->outlen[out->n] = normalise_into(s, s, ps->v[i].len);
			c->outv[out->n++] = s;
		}
		out->v = c->outv;
		out->len = c->outlen;
	}
	if (rc)
		return EXP_ERROR;
	return x.unbound && out->n == 0 ? EXP_UNBOUND : EXP_OK;
}
