/* expand.c - template expansion. Works on a list of partial results so multi-valued
 * tokens ({drives:Fixed}) fan out; every other token appends to each partial. */
#include "expand.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan.h"

#define EXPAND_MAX_DEPTH 16
#define EXPAND_MAX_RESULTS 256
#define EXPAND_MAX_LEN 8192

const char *const drive_class_names[DC__N] = {"Fixed", "Removable", "Remote", "CDROM"};

const char *const xdg_names[XDG__N] = {"DESKTOP", "DOCUMENTS", "DOWNLOAD", "MUSIC",
				       "PICTURES", "PUBLICSHARE", "TEMPLATES", "VIDEOS"};
static const char *const xdg_defaults[XDG__N] = {"Desktop", "Documents", "Downloads", "Music",
						 "Pictures", "Public", "Templates", "Videos"};

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void strlist_push(struct strlist *l, char *s)
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
};

/* Partial results: growable strings. */
struct part {
	char *s;
	size_t len, cap;
};
struct parts {
	struct part *v;
	size_t n;
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
	for (size_t i = 0; i < ps->n; i++)
		free(ps->v[i].s);
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
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

/* Append literal path text S to every partial, escaping glob specials when GLOB. */
static int append_all(struct xp *x, struct parts *ps, const char *s, size_t n, bool glob)
{
	for (size_t i = 0; i < ps->n; i++) {
		for (size_t j = 0; j < n; j++) {
			char c = s[j];
			if (glob && (c == '*' || c == '\\'))
				if (part_add(&ps->v[i], "\\", 1))
					return xerr(x, "expanded path is longer than %s bytes", "8192");
			if (part_add(&ps->v[i], &c, 1))
				return xerr(x, "expanded path is longer than %s bytes", "8192");
		}
	}
	return 0;
}

/* Replace every partial P by P+v for each value v (fan-out). */
static int fanout(struct xp *x, struct parts *ps, const char *const *vals, size_t nv, bool glob)
{
	if (nv == 1)
		return append_all(x, ps, vals[0], strlen(vals[0]), glob);
	if (ps->n * nv > EXPAND_MAX_RESULTS)
		return xerr(x, "template expands to more than %s paths", "256");
	struct parts out = {calloc(ps->n * nv + 1, sizeof(struct part)), 0};
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
		struct parts one = {&ps->v[i], 1};
		if (append_all(x, &one, vals[i % nv], strlen(vals[i % nv]), glob))
			return -1;
	}
	return 0;
}

static const char *define_of(const struct rt_env *env, const char *name, size_t n)
{
	/* the last --define of a name wins */
	for (size_t i = env->ndefines; i-- > 0;)
		if (strlen(env->defines[i].name) == n && !strncasecmp(env->defines[i].name, name, n))
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

static int var_token(struct xp *x, const char *name, size_t n, bool glob, struct parts *ps, int depth)
{
	char nm[128];
	if (depth >= EXPAND_MAX_DEPTH)
		return xerr(x, "variable %s refers to itself (expansion deeper than 16)",
			    (snprintf(nm, sizeof nm, "%.*s", (int)n, name), nm));
	const char *val = define_of(x->env, name, n);
	if (!val)
		val = plan_var_of(x->p, name, n);
	if (!val) {
		snprintf(nm, sizeof nm, "%%%.*s%%", (int)(n > 100 ? 100 : n), name);
		return xerr(x, "variable %s is not defined by the plan or --define", nm);
	}
	/* the value is a path template: its text is literal, escaped into globs */
	struct parts sub = {calloc(1, sizeof(struct part)), 1};
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
			rc = fanout(x, ps, vals, sub.n, glob);
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
			if (strlen(xdg_names[i]) == n - 4 && !strncasecmp(xdg_names[i], tok + 4, n - 4)) {
				if (u->xdg[i])
					return append_all(x, ps, u->xdg[i], strlen(u->xdg[i]), glob);
				if (append_all(x, ps, u->home, strlen(u->home), glob) ||
				    append_all(x, ps, "/", 1, glob))
					return -1;
				return append_all(x, ps, xdg_defaults[i], strlen(xdg_defaults[i]), glob);
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
					return fanout(x, ps, (const char *const *)x->env->fixed_roots,
						      x->env->nfixed, glob);
				return fanout(x, ps, root, 1, glob);
			}
			if (!x->env->nclass[c])
				goto unbound; /* no drive of that class on this machine */
			return fanout(x, ps, x->env->class_roots[c], x->env->nclass[c], glob);
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
	for (const char *c = t; *c && !x->unbound;) {
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
			int rc = *c == '%' ? var_token(x, c + 1, (size_t)(close - c - 1), glob, ps, depth)
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

/* Collapse '//' and drop a trailing '/'; the result must be absolute. Templates never
 * escape '/', so a '/' is always a separator, even right after an escaped backslash. */
static char *normalise(const char *s)
{
	size_t n = strlen(s);
	char *o = malloc(n + 2);
	size_t j = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' && j > 0 && o[j - 1] == '/')
			continue;
		o[j++] = s[i];
	}
	while (j > 1 && o[j - 1] == '/')
		j--;
	o[j] = 0;
	return o;
}

int rt_expand(const struct plan *p, const struct rt_env *env, const struct rt_user *user,
	      const char *tmpl, bool glob, struct strlist *out, char *err, size_t errsz)
{
	struct xp x = {p, env, user, err, errsz, false};
	struct parts ps = {calloc(1, sizeof(struct part)), 1};
	if (!ps.v) {
		snprintf(err, errsz, "out of memory");
		return EXP_ERROR;
	}
	int rc = expand_into(&x, tmpl, glob, &ps, 0);
	if (rc == 0 && !x.unbound) {
		for (size_t i = 0; i < ps.n; i++) {
			const char *s = ps.v[i].s ? ps.v[i].s : "";
			if (s[0] != '/') {
				x.unbound = true; /* a relative result names nothing on this machine */
				continue;
			}
			char *nrm = normalise(s);
			if (nrm)
				strlist_push(out, nrm);
		}
	}
	parts_free(&ps);
	if (rc)
		return EXP_ERROR;
	return x.unbound && out->n == 0 ? EXP_UNBOUND : EXP_OK;
}
