/* escape.h - the one escaper for text that comes from users (file names, patterns,
 * source lines) on its way to a terminal, a log or a JSON document. migstate's logs,
 * --listfiles, --progress, explain and --json and migc's diagnostics all go through it.
 *
 * A "unit" is one shortest-form UTF-8 sequence of a code point that is not a surrogate
 * and not above U+10FFFF, or else one byte. In text:
 *   - an invalid byte, a C0 control (tab too, unless kept) and DEL: `\xNN` (lower case);
 *   - a valid code point that can hide or reorder text (C1 controls, every Unicode
 *     format character but ZWNJ/ZWJ, the line and paragraph separators): `\uXXXX`, or
 *     `\UXXXXXXXX` above U+FFFF (upper case);
 *   - everything else as it is (a backslash too: names stay readable; a tool that needs
 *     the exact bytes reads --json or the store's line format).
 * So the escaped text is always valid UTF-8 without any control or format character. */
#ifndef MIGRT_ESCAPE_H
#define MIGRT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length (1..4) of the valid shortest-form UTF-8 sequence at S (N > 0 bytes left) and
 * its code point in *CP; 0 when the bytes there are not one (overlong, surrogate, above
 * U+10FFFF, truncated, a stray continuation byte). */
size_t esc_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

/* A code point shown escaped although it is valid: controls, C1, format characters. */
bool esc_cp_hidden(uint32_t cp);

/* The text form of one unit at S (N > 0 bytes left) in OUT (NUL-terminated); returns
 * the bytes consumed. *COLS: its display width (-1 for a kept tab). */
#define ESC_UNIT_MAX 16
size_t esc_unit(const unsigned char *s, size_t n, bool keep_tab, char out[ESC_UNIT_MAX],
		int *cols);

enum esc_mode {
	ESC_TEXT,     /* the text form above */
	ESC_TEXT_TAB, /* the same, tabs kept (source lines) */
	ESC_JSON,     /* the text form, '"' and '\\' escaped for a JSON string body */
};
/* Write N bytes of S escaped for MODE. */
void esc_write(FILE *out, const char *s, size_t n, enum esc_mode mode);
/* Write the NUL-terminated S escaped for MODE. */
void esc_puts(FILE *out, const char *s, enum esc_mode mode);

/* S (NULL: "") in the text form (ESC_TEXT). */
void text_str(FILE *out, const char *s);
/* S (NULL: "") as a JSON string literal with the quotes, whose value is S itself: valid
 * units are kept, except that '"', '\\', controls and hidden code points are written
 * as JSON escapes (\uXXXX, a surrogate pair above U+FFFF); an invalid byte XX becomes a
 * lone surrogate \udcXX (PEP 383: Python's os.fsencode gives the exact bytes back).
 * The document is plain RFC 8259 text for every input. */
void json_str(FILE *out, const char *s);

#endif
