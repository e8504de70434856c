/* diag.c - diagnostic records: collection, the table of known -W names, --werror,
 * -Wno-NAME, the error limit and the deterministic order (file, line, column, then
 * insertion). Printing is in diag_text.c, diag_json.c and diag_sarif.c. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag_impl.h"

/* Every warning migc can emit, in one place: its -W name and what it means (the text
 * doubles as the SARIF rule description). diag_disable() accepts only these names;
 * whoever adds a warning anywhere in the compiler adds its name here, sorted. */
static const struct {
	const char *name;
	const char *desc;
} warnings[] = {
    {"broad-hardlink", "createHardLink pattern covers system locations"},
    {"context-case", "context= value written in the wrong case"},
    {"crossed", "include and exclude with crossed specificity"},
    {"destination-cleanup", "destinationCleanup deletes data on the destination"},
    {"duplicate-name", "name or displayName defined twice; the first is used"},
    {"duplicate-urlid", "rule file repeats an earlier urlid and is ignored"},
    {"encoding", "declared encoding is not UTF-8; the file is read as UTF-8"},
    {"exclude-without-include", "exclude in a component without any include"},
    {"ignored-children", "children of a reference to a named element are ignored"},
    {"implicit-operation", "several conditions without an explicit operation"},
    {"included-twice", "two components include the same objects"},
    {"invalid-attribute", "attribute value not understood"},
    {"missing-required", "required attribute or child element missing"},
    {"no-leaf", "File pattern without a leaf matches directories only"},
    {"not-applicable", "construct that does not apply on Linux is ignored"},
    {"question-mark", "'?' in a pattern is a literal character, not a wildcard"},
    {"shadowed", "rule fully shadowed by another rule"},
    {"unknown-attribute", "attribute not defined by MigXML is ignored"},
    {"unknown-component", "Config.xml entry names no component"},
    {"unknown-element", "element not defined by MigXML is ignored"},
    {"unreachable-hardlink", "hard-link rule pre-empted by an earlier rule"},
    {"unsupported", "MigXML feature migstate does not support is ignored"},
    {"xml", "XML parser warning"},
};
#define NWARNINGS (sizeof warnings / sizeof warnings[0])

/* Number of known warnings. */
size_t diag_warning_count(void)
{
	return NWARNINGS;
}

/* Name of known warning I. */
const char *diag_warning_name(size_t i)
{
	return i < NWARNINGS ? warnings[i].name : NULL;
}

static long warning_index(const char *wname)
{
	for (size_t i = 0; i < NWARNINGS; i++)
		if (strcmp(warnings[i].name, wname) == 0)
			return (long)i;
	return -1;
}

/* Description of a known warning, NULL if unknown. */
const char *diag_warning_desc(const char *wname)
{
	long i = wname ? warning_index(wname) : -1;
	return i < 0 ? NULL : warnings[i].desc;
}

/* A new empty set: no warning disabled, no --werror, no error limit. */
struct diag_set *diag_new(void)
{
	struct diag_set *d = calloc(1, sizeof *d);
	if (!d || !(d->disabled = calloc(NWARNINGS, 1))) {
		fputs("migc: out of memory\n", stderr);
		abort();
	}
	return d;
}

/* Free the set and every message it holds. */
void diag_free(struct diag_set *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nrecs; i++) {
		free(d->recs[i].msg);
		if (d->recs[i].wname_owned)
			free((char *)d->recs[i].wname);
	}
	free(d->recs);
	free(d->disabled);
	free(d);
}

/* -Wno-NAME: NAME is given without "-W" and without "no-". */
int diag_disable(struct diag_set *d, const char *wname)
{
	long i = wname ? warning_index(wname) : -1;
	if (i < 0)
		return -1;
	d->disabled[i] = 1;
	return 0;
}

/* --werror: every warning is reported and counted as an error. */
void diag_set_werror(struct diag_set *d, bool on)
{
	d->werror = on;
}

/* --error-limit N: stop printing after N errors (0: no limit). */
void diag_set_error_limit(struct diag_set *d, unsigned limit)
{
	d->error_limit = limit;
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fputs("migc: out of memory\n", stderr);
		abort();
	}
	return q;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xrealloc(NULL, n), s, n);
}

/* Record one diagnostic; the message is formatted and copied now. */
void diag_report(struct diag_set *d, enum diag_level lv, const struct src_loc *loc,
		 const char *wname, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		n = 0;
		small[0] = '\0';
	}
	char *msg = xrealloc(NULL, (size_t)n + 1);
	if ((size_t)n < sizeof small) {
		memcpy(msg, small, (size_t)n + 1);
	} else {
		va_start(ap, fmt);
		if (vsnprintf(msg, (size_t)n + 1, fmt, ap) < 0)
			msg[0] = '\0';
		va_end(ap);
	}

	if (d->nrecs == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->recs = xrealloc(d->recs, d->cap * sizeof *d->recs);
	}
	struct diag_rec *r = &d->recs[d->nrecs];
	memset(r, 0, sizeof *r);
	r->level = lv;
	if (loc) {
		r->file = loc->file;
		r->line = loc->line > 0 ? loc->line : 0;
		r->col = r->line > 0 && loc->col > 0 ? loc->col : 0;
	}
	if (wname && wname[0] == '-' && wname[1] == 'W')
		wname += 2;
	if (wname) {
		long i = warning_index(wname);
		if (i >= 0) {
			r->wname = warnings[i].name;
		} else {
			r->wname = xstrdup(wname);
			r->wname_owned = true;
		}
	}
	r->msg = msg;
	r->seq = d->nrecs++;
}

static bool suppressed(const struct diag_set *d, const struct diag_rec *r)
{
	if (!r->wname || r->level == DIAG_ERROR)
		return false;
	long i = warning_index(r->wname);
	return i >= 0 && d->disabled[i];
}

static enum diag_level effective(const struct diag_set *d, const struct diag_rec *r)
{
	return r->level == DIAG_WARNING && d->werror ? DIAG_ERROR : r->level;
}

static unsigned count_level(const struct diag_set *d, enum diag_level lv)
{
	unsigned n = 0;
	for (size_t i = 0; i < d->nrecs; i++)
		if (!suppressed(d, &d->recs[i]) && effective(d, &d->recs[i]) == lv)
			n++;
	return n;
}

/* Errors, including warnings promoted by --werror; disabled warnings do not count. */
unsigned diag_errors(const struct diag_set *d)
{
	return count_level(d, DIAG_ERROR);
}

/* Warnings that stay warnings. */
unsigned diag_warnings(const struct diag_set *d)
{
	return count_level(d, DIAG_WARNING);
}

static int cmp_rec(const void *pa, const void *pb)
{
	const struct diag_rec *a = pa, *b = pb;
	/* No file (command-line problems) sorts first. */
	if (!a->file != !b->file)
		return a->file ? 1 : -1;
	if (a->file && b->file) {
		int c = strcmp(a->file, b->file);
		if (c)
			return c;
	}
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorted, filtered, limited views of the records (see diag_impl.h). */
struct diag_view *diag_views(struct diag_set *d, size_t *n, bool *truncated)
{
	if (d->nrecs)
		qsort(d->recs, d->nrecs, sizeof *d->recs, cmp_rec);
	struct diag_view *v = xrealloc(NULL, (d->nrecs ? d->nrecs : 1) * sizeof *v);
	size_t k = 0;
	unsigned errors = 0;
	*truncated = false;
	for (size_t i = 0; i < d->nrecs; i++) {
		const struct diag_rec *r = &d->recs[i];
		if (suppressed(d, r))
			continue;
		enum diag_level lv = effective(d, r);
		if (lv == DIAG_ERROR) {
			if (d->error_limit && errors == d->error_limit) {
				*truncated = true;
				break;
			}
			errors++;
		}
		v[k].rec = r;
		v[k].level = lv;
		v[k].promoted = lv != r->level;
		k++;
	}
	*n = k;
	return v;
}

static void print_format(struct diag_set *d, FILE *out, enum diag_format format, bool caret)
{
	switch (format) {
	case DIAG_JSON:
		diag_print_json(d, out);
		break;
	case DIAG_SARIF:
		diag_print_sarif(d, out);
		break;
	case DIAG_TEXT:
	default:
		diag_print_text(d, out, caret);
		break;
	}
}

/* Print everything collected in the requested format. The printers write a byte or a
 * word at a time and stderr is unbuffered (one write(2) each): they write into memory,
 * which goes out in one piece. */
void diag_print(struct diag_set *d, FILE *out, enum diag_format format, bool caret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem) {
		print_format(d, out, format, caret);
		fflush(out);
		return;
	}
	print_format(d, mem, format, caret);
	if (fclose(mem) == 0)
		fwrite(buf, 1, len, out);
	else /* out of memory: print directly */
		print_format(d, out, format, caret);
	free(buf);
	fflush(out);
}
