/* setid.h - what makes a file run with privileges it does not get from its caller: the
 * set-uid and set-gid bits and file capabilities (the security.capability xattr). A
 * nosuid mount ignores all three; migstate never carries them off such a mount (the
 * scan records the mode without them, copies drop them, load refuses to recreate them:
 * docs/store-format.md, CF_NOSUID). */
#ifndef MIGRT_SETID_H
#define MIGRT_SETID_H

#include <stdbool.h>
#include <sys/types.h>

#define SETID_CAPS_XATTR "security.capability"
#define SETID_BITS 06000u /* S_ISUID | S_ISGID */

/* Does DIRFD/NAME (never followed: a symlink is not looked through) carry file
 * capabilities? 1 yes, 0 no, -1 cannot tell (errno). */
int setid_has_caps(int dirfd, const char *name);

/* Would the regular file DIRFD/NAME of mode MODE run privileged: a set-id bit, or
 * capabilities (or no way to tell whether it has some)? */
bool setid_privileged(int dirfd, const char *name, mode_t mode);

#endif
