/* srcline.h - read back source lines for diagnostics (carets, columns). */
#ifndef MIGC_SRCLINE_H
#define MIGC_SRCLINE_H

#include <stdbool.h>
#include <stddef.h>

struct srcline;

/* An empty one-file cache; aborts on out-of-memory. */
struct srcline *srcline_new(void);
void srcline_free(struct srcline *s);
/* Line LINENO (1-based) of FILE without its newline and trailing CR; false if the file
 * or the line cannot be read. The pointer is valid until the next call. */
bool srcline_get(struct srcline *s, const char *file, int lineno, const char **text, size_t *len);

#endif
