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

/* The option named NAME (LEN bytes, exactly) or with short letter SH. */
static int lookup(const struct argtab *tabs, size_t ntabs, const char *name, size_t len, char sh,
		  struct hit *h)
{
	size_t base = 0;
	for (size_t t = 0; t < ntabs; base += tabs[t].n, t++) {
		for (size_t i = 0; i < tabs[t].n; i++) {
			const struct argtab_opt *o = &tabs[t].v[i];
			bool hit = sh ? o->short_name == sh
				      : strlen(o->name) == len && !strncmp(o->name, name, len);
			if (hit) {
				*h = (struct hit){t, base + i, o};
				return 0;
			}
		}
	}
	return -1;
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
		if (lookup(tabs, ntabs, name, len, 0, &h))
			return usage(err, errsz, "unknown option '%s'", a);
		if (eq && !h.o->has_arg)
			return usage(err, errsz, "option '--%s' takes no value", h.o->name);
		val = eq ? eq + 1 : NULL;
	} else if (a[2] || lookup(tabs, ntabs, NULL, 0, a[1], &h)) {
		return usage(err, errsz, "unknown option '%s'", a);
	}
	if (h.o->has_arg && !val) {
		if (*i + 1 >= argc)
			return usage(err, errsz, "option '--%s' needs a value", h.o->name);
		val = argv[++*i];
	}
	if (h.o->has_arg && !*val)
		return usage(err, errsz, "option '--%s' needs a value, not an empty one",
			     h.o->name);
	if (seen[h.index] && !h.o->repeatable)
		return usage(err, errsz, "option '--%s' is given more than once", h.o->name);
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
