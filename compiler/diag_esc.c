/* diag_esc.c - the one escaping layer for user-supplied text in diagnostics (file names,
 * messages quoting patterns, source lines). Hostile bytes must not reach a terminal or
 * break a JSON document: control bytes, DEL and invalid UTF-8 become `\xNN`; C1 controls,
 * bidirectional overrides and line separators become `\uXXXX`. JSON and URI output are
 * layered on the same unit decoder so every format shows the same text. */
#include <string.h>

#include "diag_impl.h"

/* Code points that are valid UTF-8 but can still reorder or hide text on a terminal. */
static bool dangerous_cp(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0xfeff;
}

/* Length of a valid, shortest-form UTF-8 sequence at S (N bytes left) and its code
 * point; 0 if the bytes there are not one. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len;
	unsigned long c = s[0], min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Render the unit at S (N > 0 bytes left) into OUT (NUL-terminated, at most 8 bytes);
 * return the bytes consumed. *COLS gets its display width (-1 for a kept tab). */
static size_t esc_unit(const unsigned char *s, size_t n, bool keep_tab, char out[8], int *cols)
{
	unsigned long cp;
	size_t len = utf8_seq(s, n, &cp);
	if (len == 1 && s[0] == '\t' && keep_tab) {
		strcpy(out, "\t");
		*cols = -1;
	} else if (len == 0 || (len == 1 && (cp < 0x20 || cp == 0x7f))) {
		snprintf(out, 8, "\\x%02x", s[0]);
		*cols = 4;
		len = 1;
	} else if (dangerous_cp(cp)) {
		snprintf(out, 8, "\\u%04lX", cp);
		*cols = 6;
	} else {
		memcpy(out, s, len);
		out[len] = '\0';
		*cols = 1;
	}
	return len;
}

/* Write N bytes of S escaped for MODE. */
void esc_write(FILE *out, const char *s, size_t n, enum esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[8];
	int cols;
	while (n) {
		size_t k = esc_unit(p, n, mode == ESC_TEXT_TAB, buf, &cols);
		p += k, n -= k;
		if (mode != ESC_JSON) {
			fputs(buf, out);
			continue;
		}
		for (const char *b = buf; *b; b++) {
			if (*b == '"' || *b == '\\')
				fputc('\\', out);
			fputc(*b, out);
		}
	}
}

/* Write the NUL-terminated S escaped for MODE. */
void esc_puts(FILE *out, const char *s, enum esc_mode mode)
{
	esc_write(out, s, strlen(s), mode);
}

/* Write S as a quoted JSON string, or null. */
void esc_json_string(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	esc_puts(out, s, ESC_JSON);
	fputc('"', out);
}

/* Percent-encode every byte outside RFC 3986 "unreserved" except '/'; ':' is encoded
 * too, so that a relative path can never read as a scheme. */
void esc_uri(FILE *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			fputc((int)c, out);
		} else {
			fputc('%', out);
			fputc(hex[c >> 4], out);
			fputc(hex[c & 15], out);
		}
	}
}

/* Caret under byte column COL of LINE as esc_write(ESC_TEXT_TAB) displays it. */
void esc_caret(FILE *out, const char *line, size_t len, size_t col)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t off = 0, target = col > 0 ? col - 1 : 0;
	char buf[8];
	int cols;
	if (target > len)
		target = len;
	while (off < target) {
		size_t k = esc_unit(p + off, len - off, true, buf, &cols);
		if (off + k > target) /* COL points inside a multi-byte character */
			break;
		if (cols < 0)
			fputc('\t', out);
		else
			fprintf(out, "%*s", cols, "");
		off += k;
	}
	fputs("^\n", out);
}
