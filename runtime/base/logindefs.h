/* logindefs.h - numeric settings of a system's /etc/login.defs (UID_MIN, GID_MAX, ...),
 * read as the shadow tools read them (getdef_ulong): the last line naming KEY wins, the
 * value is a number in C notation (decimal, 0x hex or 0 octal), anything else means
 * the default. */
#ifndef MIGRT_LOGINDEFS_H
#define MIGRT_LOGINDEFS_H

#include <stdint.h>

/* KEY's value in TEXT (login.defs' content, NUL-terminated; NULL: the file is absent),
 * or DFLT when it is absent, not a number or not below 2^32 - 1. */
uint32_t logindefs_id(const char *text, const char *key, uint32_t dflt);

#endif
