/* escape.c - the one place user-supplied text is made safe for terminals and JSON. */
#include <stdio.h>
#include <string.h>

#include "disasm.h"

/* Length of a valid UTF-8 sequence at S (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || (n == 2 && s[0] < 0xc2))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void json_str(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	fputc('"', out);
	while (*s) {
		size_t n = utf8_len(s);
		if (n == 1) {
			if (*s == '"' || *s == '\\')
				fprintf(out, "\\%c", *s);
			else if (*s < 0x20 || *s == 0x7f)
				fprintf(out, "\\u%04x", *s);
			else
				fputc(*s, out);
			s++;
		} else if (n > 1) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			/* invalid byte: keep it visible and reversible as U+DCxx (PEP 383 style) */
			fprintf(out, "\\udc%02x", *s);
			s++;
		}
	}
	fputc('"', out);
}

void text_str(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	while (*s) {
		size_t n = utf8_len(s);
		if (n == 1 && *s >= 0x20 && *s != 0x7f) {
			fputc(*s, out);
			s++;
		} else if (n > 1) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fprintf(out, "\\x%02x", *s);
			s++;
		}
	}
}
