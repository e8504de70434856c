/* lineesc.c - the store's escaped line format (see lineesc.h). */
#include "lineesc.h"

static bool must_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '\\';
}

void lineesc_put(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	for (; *p; p++) {
		if (must_escape(*p)) {
			fwrite(run, 1, (size_t)(p - run), f); /* the plain bytes before it */
			fprintf(f, "\\x%02x", *p);
			run = p + 1;
		}
	}
	fwrite(run, 1, (size_t)(p - run), f);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool lineesc_decode(char *s)
{
	char *o = s;
	for (const char *p = s; *p; p++) {
		if (*p != '\\') {
			if (must_escape((unsigned char)*p))
				return false; /* a raw control byte: no writer leaves one */
			*o++ = *p;
			continue;
		}
		int h, l;
		/* p[2] is checked before p[3] is read: a NUL ends the string there */
		if (p[1] != 'x' || (h = hexval(p[2])) < 0 || (l = hexval(p[3])) < 0 ||
		    (h == 0 && l == 0))
			return false;
		*o++ = (char)(h << 4 | l);
		p += 3;
	}
	*o = 0;
	return true;
}
