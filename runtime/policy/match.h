/* match.h - glob matching for plan patterns, shared by migstate and `migc explain`.
 *
 * Plan globs use one wildcard, '*', which matches any run of bytes (in a node glob it
 * crosses '/', as USMT's '*' crosses '\'); '\' escapes the next byte ('\*' a literal
 * star, '\\' a backslash). '?' and '[' are ordinary bytes. Case folding is ASCII only:
 * names are bytes on Linux, and folding other encodings would need a locale. */
#ifndef MIGRT_MATCH_H
#define MIGRT_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#define MATCH_FOLD 1u /* ASCII case-insensitive */

bool glob_match(const char *pat, size_t plen, const char *s, size_t slen, unsigned flags);

/* Node match: like glob_match, but a glob ending in "/ *" (recursive) also matches the
 * directory it starts from: "/data/ *" matches "/data" and everything below it. */
bool glob_node_match(const char *glob, size_t glen, const char *dir, size_t dlen, unsigned flags);

/* Length of the literal prefix of GLOB made of whole segments (up to and excluding the
 * last '/' before the first unescaped '*'); the whole glob when it has no '*'. */
size_t glob_literal_prefix(const char *glob, size_t glen);

/* True if GLOB contains an unescaped '*'. */
bool glob_has_star(const char *glob, size_t glen);

/* Copy GLOB's literal bytes (escapes removed) into OUT (at most OUTSZ-1 bytes). */
size_t glob_unescape(const char *glob, size_t glen, char *out, size_t outsz);

#endif
