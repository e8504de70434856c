/* argtab.c - the table-driven command-line parser (see argtab.h). */
#include "argtab.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 4))) static int usage(char *err, size_t errsz, const char *fmt,
						       ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return ARGTAB_USAGE;
}

int argtab_one_operand(char *err, size_t errsz, const char *what, const char *first,
		       const char *second)
{
	return usage(err, errsz, "only one %s may be given ('%s' and '%s')", what, first, second);
}

struct hit {
	size_t table, index; /* index over all tables, for the duplicate check */
	const struct argtab_opt *o;
};

/* The option named NAME (LEN bytes) or with short letter SH: an exact name, else a
 * unique prefix of a name in a table that takes prefixes. -1 unknown, -2 ambiguous. */
static int lookup(const struct argtab *tabs, size_t ntabs, const char *name, size_t len, char sh,
		  struct hit *h)
{
	size_t nprefix = 0;
	for (int pass = 0; pass < 2; pass++) {
		size_t base = 0;
		for (size_t t = 0; t < ntabs; base += tabs[t].n, t++) {
			for (size_t i = 0; i < tabs[t].n; i++) {
				const struct argtab_opt *o = &tabs[t].v[i];
				bool hit;
				if (sh)
					hit = o->short_name == sh;
				else if (!o->name)
					hit = false; /* a short option only */
				else if (!pass)
					hit =
					    strlen(o->name) == len && !strncmp(o->name, name, len);
				else
					hit = tabs[t].prefixes && strlen(o->name) > len &&
					      !strncmp(o->name, name, len);
				if (hit && !pass) {
					*h = (struct hit){t, base + i, o};
					return 0;
				}
				if (hit && nprefix++ == 0)
					*h = (struct hit){t, base + i, o};
			}
		}
		if (sh)
			break;
	}
	return nprefix == 1 ? 0 : nprefix ? -2 : -1;
}

/* How messages spell option O: "--name", or "-x" for a short option only. */
static const char *spelling(const struct argtab_opt *o, char buf[4])
{
	if (o->name)
		return o->name;
	buf[0] = o->short_name;
	buf[1] = 0;
	return buf;
}

/* One option argument A (ARGV[*I]); its value may be the next argument. */
static int option(int argc, char **argv, int *i, const struct argtab *tabs, size_t ntabs,
		  unsigned char *seen, argtab_fn fn, void *ctx, char *err, size_t errsz)
{
	const char *a = argv[*i], *val = NULL;
	struct hit h;
	if (a[1] == '-') {
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int lr = len ? lookup(tabs, ntabs, name, len, 0, &h) : -1;
		if (lr == -2)
			return usage(err, errsz, "option '%.*s' is ambiguous", (int)(len + 2), a);
		if (lr)
			return usage(err, errsz, "unknown option '%s'", a);
		if (eq && !h.o->has_arg)
			return usage(err, errsz, "option '--%s' takes no value", h.o->name);
		val = eq ? eq + 1 : NULL;
	} else {
		if (lookup(tabs, ntabs, NULL, 0, a[1], &h) || (a[2] && !h.o->has_arg))
			return usage(err, errsz, "unknown option '%s'", a);
		val = a[2] ? a + 2 : NULL; /* "-oFILE" */
	}
	char b[4];
	const char *dash = h.o->name ? "--" : "-", *nm = spelling(h.o, b);
	if (h.o->has_arg && !val) {
		if (*i + 1 >= argc)
			return usage(err, errsz, "option '%s%s' needs a value", dash, nm);
		val = argv[++*i];
	}
	if (h.o->has_arg && !*val)
		return usage(err, errsz, "option '%s%s' needs a value, not an empty one", dash, nm);
	if (seen[h.index] && !h.o->repeatable)
		return usage(err, errsz, "option '%s%s' is given more than once", dash, nm);
	seen[h.index] = 1;
	return fn(ctx, h.table, h.o, val, err, errsz);
}

int argtab_parse(int argc, char **argv, const struct argtab *tabs, size_t ntabs,
		 const char *operand, argtab_fn fn, void *ctx, char *err, size_t errsz)
{
	size_t total = 0;
	for (size_t t = 0; t < ntabs; t++)
		total += tabs[t].n;
	/* seen[] marks the options used, to refuse duplicates (USMT: rc 11) */
	unsigned char *seen = calloc(total + 1, 1);
	if (!seen)
		return usage(err, errsz, "out of memory");
	bool only_operands = false;
	int rc = ARGTAB_OK;
	for (int i = 1; i < argc && rc == ARGTAB_OK; i++) {
		const char *a = argv[i];
		if (only_operands || a[0] != '-' || !a[1]) {
			/* "" would be the current directory to every open */
			rc = *a ? fn(ctx, 0, NULL, a, err, errsz)
				: usage(err, errsz, "the %s argument is empty", operand);
		} else if (!strcmp(a, "--")) {
			only_operands = true;
		} else {
			rc = option(argc, argv, &i, tabs, ntabs, seen, fn, ctx, err, errsz);
		}
	}
	free(seen);
	return rc;
}
