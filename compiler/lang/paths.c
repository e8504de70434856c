/* paths.c - locating shipped data relative to the running binary. */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MIGSTATE_DATADIR
#define MIGSTATE_DATADIR "/usr/local/share/migstate"
#endif

const char *migc_default_vars_path(void)
{
	static char path[PATH_MAX + 64];
	const char *env = getenv("MIGC_VARS");
	if (env && *env)
		return env;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			/* a build directory of the source tree, then an installed tree of any
			 * prefix (bin/ next to share/migstate/: make install, the .deb) */
			static const char *const rel[] = {
			    "/../policies/variables.map",
			    "/../share/migstate/policies/variables.map",
			};
			for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
				snprintf(path, sizeof path, "%s%s", exe, rel[i]);
				char real[PATH_MAX];
				if (access(path, R_OK) == 0 && realpath(path, real)) {
					snprintf(path, sizeof path, "%s", real);
					return path;
				}
			}
		}
	}
	snprintf(path, sizeof path, "%s/policies/variables.map", MIGSTATE_DATADIR);
	return path;
}
