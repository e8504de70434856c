/* escape.c - the one escaper for user-supplied text (see escape.h). */
#include "escape.h"

#include <string.h>

size_t esc_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c = s[0], min;
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
		return 0; /* a continuation byte, C0/C1 (overlong 2-byte) or F5..FF */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0; /* overlong, beyond Unicode, or a UTF-16 surrogate */
	*cp = c;
	return len;
}

/* Unicode's format characters (general category Cf, Unicode 15) and the line and
 * paragraph separators: invisible, and the bidi ones reorder what follows. ZWNJ and
 * ZWJ (U+200C, U+200D) are left out: Persian, Indic scripts and emoji need them. */
static const struct {
	uint32_t lo, hi;
} hidden[] = {
    {0x00ad, 0x00ad},	{0x0600, 0x0605},   {0x061c, 0x061c},	{0x06dd, 0x06dd},
    {0x070f, 0x070f},	{0x0890, 0x0891},   {0x08e2, 0x08e2},	{0x180e, 0x180e},
    {0x200b, 0x200b},	{0x200e, 0x200f},   {0x2028, 0x202e},	{0x2060, 0x2064},
    {0x2066, 0x206f},	{0xfeff, 0xfeff},   {0xfff9, 0xfffb},	{0x110bd, 0x110bd},
    {0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a},
    {0xe0001, 0xe0001}, {0xe0020, 0xe007f},
};

bool esc_cp_hidden(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return true;
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
		if (cp >= hidden[i].lo && cp <= hidden[i].hi)
			return true;
	return false;
}

size_t esc_unit(const unsigned char *s, size_t n, bool keep_tab, char out[ESC_UNIT_MAX],
		int *cols)
{
	uint32_t cp;
	size_t len = esc_utf8_seq(s, n, &cp);
	if (len == 1 && cp == '\t' && keep_tab) {
		strcpy(out, "\t");
		*cols = -1;
	} else if (len == 0 || (len == 1 && esc_cp_hidden(cp))) {
		snprintf(out, ESC_UNIT_MAX, "\\x%02x", s[0]);
		*cols = 4;
		len = 1;
	} else if (esc_cp_hidden(cp)) {
		*cols = snprintf(out, ESC_UNIT_MAX, cp > 0xffff ? "\\U%08X" : "\\u%04X",
				 (unsigned)cp);
	} else {
		memcpy(out, s, len);
		out[len] = '\0';
		*cols = 1;
	}
	return len;
}

void esc_write(FILE *out, const char *s, size_t n, enum esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[ESC_UNIT_MAX];
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

void esc_puts(FILE *out, const char *s, enum esc_mode mode)
{
	esc_write(out, s, strlen(s), mode);
}

void text_str(FILE *out, const char *s)
{
	esc_puts(out, s ? s : "", ESC_TEXT);
}

void json_str(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n = strlen((const char *)s);
	fputc('"', out);
	while (n) {
		uint32_t cp;
		size_t len = esc_utf8_seq(s, n, &cp);
		if (len == 0) {
			/* not UTF-8: the byte as a lone surrogate (PEP 383), reversible */
			fprintf(out, "\\udc%02x", *s);
			len = 1;
		} else if (cp == '"' || cp == '\\') {
			fprintf(out, "\\%c", (int)cp);
		} else if (esc_cp_hidden(cp) && cp > 0xffff) {
			uint32_t v = cp - 0x10000;
			fprintf(out, "\\u%04x\\u%04x", (unsigned)(0xd800 + (v >> 10)),
				(unsigned)(0xdc00 + (v & 0x3ff)));
		} else if (esc_cp_hidden(cp)) {
			fprintf(out, "\\u%04x", (unsigned)cp);
		} else {
			fwrite(s, 1, len, out);
		}
		s += len, n -= len;
	}
	fputc('"', out);
}
