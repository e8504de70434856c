/* rtopts.h - the command line shared by `migstate scan` and `migstate load`.
 *
 * Both verbs take one STORE operand and the same core options (USMT's ScanState and
 * LoadState share theirs too); each verb adds its own through a small extension
 * table. Rules kept from USMT (spec 1.1): options in any order, a value after '=' or
 * as the next argument, every option at most once except the repeatable ones
 * (--ui, --ue, --define, --drive and whatever an extension marks repeatable), a
 * duplicate or unknown option is a usage error (exit 11). The parsing itself is
 * argtab.h's, which every migstate verb uses.
 *
 * Common options:
 *   --plan PLAN  --root DIR  --ui PATTERN...  --ue PATTERN...  --uel DAYS|YYYY/MM/DD|0
 *   --define NAME=VALUE...  --drive X=PATH...  --log FILE  --progress FILE
 *   -c|--continue  --verbose N  --json  --hardlink  --nocompress
 *   --allow-insecure-store-parent  -h|--help
 *
 * User selection (spec 1.7): every user by default; --ui beats --ue and --uel, --uel
 * beats --ue. Patterns are fnmatch(3) globs on the login name; a "DOMAIN\" prefix is
 * accepted and ignored (USMT spells users Domain\User; local users have no domain).
 * --uel N keeps users active in the last N days; "active" is the newest mtime of the
 * home directory and of ~/.local/share (the XDG data home, touched by every desktop
 * session). --uel 0 keeps users currently logged on: some process on this machine runs
 * with their uid (read from /proc). */
#ifndef MIGRT_RTOPTS_H
#define MIGRT_RTOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bind.h"
#include "logging.h" /* the --verbose bits RTV_* */
#include "users.h"

struct rt_opts {
	const char *verb;      /* "scan", "load": prefix of messages */
	const char *store;     /* the STORE operand */
	const char *plan;      /* --plan */
	const char *root;      /* --root, "/" when absent */
	const char **ui, **ue; /* --ui / --ue patterns */
	size_t nui, nue;
	const char *uel;	   /* --uel text, NULL when absent */
	bool uel_logged_on;	   /* --uel 0 */
	int64_t uel_since;	   /* --uel N or a date: unix time the activity must reach */
	struct rt_define *defines; /* --define NAME=VALUE (names malloc'd) */
	size_t ndefines;
	struct rt_drive *drives; /* --drive X=PATH */
	size_t ndrives;
	const char *log;	   /* --log, NULL: the verb's default */
	const char *progress;	   /* --progress */
	bool cont;		   /* -c, --continue */
	bool json;		   /* --json */
	bool hardlink, nocompress; /* --hardlink, --nocompress */
	bool insecure_parent;	   /* --allow-insecure-store-parent (storeparent.h) */
	unsigned verbose;	   /* --verbose: USMT's bit sum (see RTV_*) */
	int argc;		   /* the whole command line, for the progress log */
	char **argv;
};

/* A verb's own option. */
struct rtopt_ext {
	const char *name; /* long name without "--" */
	char short_name;  /* 0: none */
	bool has_arg;
	bool repeatable;
	int id; /* handed to the callback */
};

/* Called for every extension option found: 0 to accept, -1 to refuse (message in ERR). */
typedef int (*rtopt_fn)(void *ctx, int id, const char *arg, char *err, size_t errsz);

enum { RTOPTS_OK = 0, RTOPTS_HELP = 1, RTOPTS_USAGE = -1 };

/* Parse ARGV (ARGV[0] is the verb). Returns RTOPTS_OK, RTOPTS_HELP (--help seen: print
 * the verb's usage, exit 0) or RTOPTS_USAGE with a one-line reason in ERR (exit 11).
 * O must be released with rtopts_free. */
int rtopts_parse(int argc, char **argv, struct rt_opts *o, const struct rtopt_ext *ext, size_t next,
		 rtopt_fn fn, void *ctx, char *err, size_t errsz);
void rtopts_free(struct rt_opts *o);

/* The common options' help text, to be embedded in each verb's usage. */
void rtopts_usage_common(FILE *out);

/* USMT precedence for one user: --ui beats --ue and --uel, --uel beats --ue. ACTIVE
 * says whether the user passes the --uel test (ignored when --uel is absent). */
bool rtopts_user_wanted(const struct rt_opts *o, const char *name, bool active);

/* Whether NAME matches one of the patterns (fnmatch, "DOMAIN\" prefix dropped). */
bool rtopts_user_match(const char *const *pats, size_t n, const char *name);

/* The --uel test for U beneath ROOTFD (true when --uel is absent). */
bool rtopts_user_active(const struct rt_opts *o, int rootfd, const struct rt_user *u);

/* One line of the user decision table. */
struct user_choice {
	char *name;
	uint32_t uid;
	bool selected;
	const char *reason; /* static text: "selected", "excluded by --ue", ... */
};

/* The users a scan captures: passwd entries in the UID range (users_read) whose home
 * exists beneath ROOTFD as a directory, filtered by the options; XDG dirs loaded.
 * CHOICES (optional) receives one row per passwd user considered, for the log.
 * Returns 0, or -1 with ERR. */
int rtopts_select_users(const struct rt_opts *o, int rootfd, struct user_list *out,
			struct user_choice **choices, size_t *nchoices, char *err, size_t errsz);
void rtopts_choices_free(struct user_choice *c, size_t n);

#endif
