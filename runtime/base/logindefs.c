/* logindefs.c - numeric login.defs settings (see logindefs.h). */
#include "logindefs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

uint32_t logindefs_id(const char *text, const char *key, uint32_t dflt)
{
	uint32_t v = dflt;
	size_t klen = strlen(key);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		while (p < end && blank(*p))
			p++;
		if ((size_t)(end - p) > klen && !strncmp(p, key, klen) && blank(p[klen])) {
			const char *s = p + klen;
			while (s < end && blank(*s))
				s++;
			char num[32];
			size_t n = (size_t)(end - s);
			while (n && blank(s[n - 1]))
				n--;
			if (n && n < sizeof num && *s != '-' && *s != '+') {
				memcpy(num, s, n);
				num[n] = 0;
				char *e;
				errno = 0;
				unsigned long long x = strtoull(num, &e, 0);
				v = !*e && !errno && x < UINT32_MAX ? (uint32_t)x : dflt;
			} else {
				v = dflt; /* the line is there, its value is not a number */
			}
		}
		p = nl ? nl + 1 : end;
	}
	return v;
}
