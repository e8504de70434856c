/* diag_esc.c - what diagnostics add to the runtime's escaper (escape.h, shared with
 * migstate so that both programs show a hostile name the same way): JSON string
 * literals of the escaped text, URI references for SARIF, and the caret line. */
#include <string.h>

#include "diag_impl.h"

/* Write S as a quoted JSON string, or null. */
void diag_esc_json_string(FILE *out, const char *s)
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
void diag_esc_uri(FILE *out, const char *s)
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
void diag_esc_caret(FILE *out, const char *line, size_t len, size_t col)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t off = 0, target = col > 0 ? col - 1 : 0;
	char buf[ESC_UNIT_MAX];
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
