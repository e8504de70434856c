/* srcline.c - source lines by file and line number, for the caret display, SARIF
 * columns and lint's column checks. Callers go file by file, so one cached file (bytes
 * plus a line index) is enough. A file that cannot be read, or is too large, simply has
 * no lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srcline.h"

#define SRCLINE_MAX_BYTES (64u << 20)

struct srcline {
	char *file; /* copy of the cached name; NULL: nothing cached */
	char *buf;  /* NULL: the file could not be read */
	size_t len;
	size_t *starts; /* offset of each line */
	size_t nlines;
};

/* An empty cache. */
struct srcline *srcline_new(void)
{
	struct srcline *s = calloc(1, sizeof *s);
	if (!s) {
		fputs("migc: out of memory\n", stderr);
		abort();
	}
	return s;
}

static void src_clear(struct srcline *s)
{
	free(s->file);
	free(s->buf);
	free(s->starts);
	memset(s, 0, sizeof *s);
}

/* Free the cache. */
void srcline_free(struct srcline *s)
{
	if (s) {
		src_clear(s);
		free(s);
	}
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap >= SRCLINE_MAX_BYTES)
				goto fail;
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				goto fail;
			buf = nb;
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	if (!buf || ferror(f))
		goto fail;
	fclose(f);
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

static void src_load(struct srcline *s, const char *file)
{
	src_clear(s);
	s->file = strdup(file);
	if (!s->file || !(s->buf = read_all(file, &s->len)))
		return;
	size_t cap = 64;
	s->starts = malloc(cap * sizeof *s->starts);
	if (!s->starts)
		goto fail;
	s->starts[s->nlines++] = 0;
	for (size_t i = 0; i < s->len; i++) {
		if (s->buf[i] != '\n' || i + 1 == s->len)
			continue;
		if (s->nlines == cap) {
			size_t *ns = realloc(s->starts, (cap *= 2) * sizeof *ns);
			if (!ns)
				goto fail;
			s->starts = ns;
		}
		s->starts[s->nlines++] = i + 1;
	}
	return;
fail:
	free(s->buf);
	s->buf = NULL;
}

/* Line LINENO of FILE, newline and trailing CR removed. */
bool srcline_get(struct srcline *s, const char *file, int lineno, const char **text, size_t *len)
{
	if (!file || lineno <= 0)
		return false;
	if (!s->file || strcmp(s->file, file) != 0)
		src_load(s, file);
	if (!s->buf || (size_t)lineno > s->nlines)
		return false;
	size_t b = s->starts[lineno - 1];
	size_t e = (size_t)lineno < s->nlines ? s->starts[lineno] : s->len;
	if (e > b && s->buf[e - 1] == '\n')
		e--;
	if (e > b && s->buf[e - 1] == '\r')
		e--;
	*text = s->buf + b;
	*len = e - b;
	return true;
}
