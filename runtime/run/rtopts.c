/* rtopts.c - the shared scan/load command line and user selection (see rtopts.h). */
#include "rtopts.h"

#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "argtab.h"
#include "fsutil.h"
#include "volumes.h"

enum {
	O_PLAN = 1000,
	O_ROOT,
	O_UI,
	O_UE,
	O_UEL,
	O_DEFINE,
	O_DRIVE,
	O_LOG,
	O_PROGRESS,
	O_CONTINUE,
	O_VERBOSE,
	O_JSON,
	O_HARDLINK,
	O_NOCOMPRESS,
	O_INSECURE_PARENT,
	O_HELP,
};

static const struct argtab_opt common[] = {
    {"plan", 0, true, false, O_PLAN},
    {"root", 0, true, false, O_ROOT},
    {"ui", 0, true, true, O_UI},
    {"ue", 0, true, true, O_UE},
    {"uel", 0, true, false, O_UEL},
    {"define", 0, true, true, O_DEFINE},
    {"drive", 0, true, true, O_DRIVE},
    {"log", 0, true, false, O_LOG},
    {"progress", 0, true, false, O_PROGRESS},
    {"continue", 'c', false, false, O_CONTINUE},
    {"verbose", 0, true, false, O_VERBOSE},
    {"json", 0, false, false, O_JSON},
    {"hardlink", 0, false, false, O_HARDLINK},
    {"nocompress", 0, false, false, O_NOCOMPRESS},
    {"allow-insecure-store-parent", 0, false, false, O_INSECURE_PARENT},
    {"help", 'h', false, false, O_HELP},
};
#define NCOMMON (sizeof common / sizeof common[0])

void rtopts_usage_common(FILE *out)
{
	fprintf(out,
		"  --plan PLAN           the compiled plan (migc compile)\n"
		"  --root DIR            the migrated system is beneath DIR (default /)\n"
		"  --ui USER             include users matching the pattern (repeatable)\n"
		"  --ue USER             exclude users matching the pattern (repeatable)\n"
		"  --uel DAYS|Y/M/D|0    only users active in the last DAYS days, since a date,\n"
		"                        or (0) logged on now; --ui beats --ue and --uel,\n"
		"                        --uel beats --ue\n"
		"  --define NAME=VALUE   set a plan variable (repeatable)\n"
		"  --drive X=PATH        bind drive letter X: to PATH (repeatable)\n"
		"  --log FILE            the log (default migstate-VERB.log in the current dir)\n"
		"  --progress FILE       progress log: date, time, elapsed, key, value, ...\n"
		"                        (output files are made 0600 and never opened through\n"
		"                        a symlink or over another user's file: exit 71)\n"
		"  -c, --continue        skip errors no rule covers, log them, exit 3\n"
		"  --verbose N           0, or a sum of 1 (detail), 4 (every object), 8 (echo)\n"
		"  --json                print the summary as one JSON object on stdout\n"
		"  --hardlink            hard-link store (needs --nocompress)\n"
		"  --nocompress          uncompressed store (the only kind migstate writes)\n"
		"  --allow-insecure-store-parent\n"
		"                        use a store whose path another user could change (a\n"
		"                        directory on the way not root's or yours, or writable\n"
		"                        by others): refused by default (exit 27)\n"
		"  -h, --help            this text\n");
}

__attribute__((format(printf, 3, 4))) static int set_err(char *err, size_t errsz, const char *fmt,
							 ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return RTOPTS_USAGE;
}

static int push(const char ***v, size_t *n, const char *s)
{
	const char **q = realloc(*v, (*n + 1) * sizeof *q);
	if (!q)
		return -1;
	q[(*n)++] = s;
	*v = q;
	return 0;
}

/* "N" days, "YYYY/MM/DD" (or with '-'), or "0" (logged on now). */
static int parse_uel(struct rt_opts *o, const char *s)
{
	int y, m, d;
	char sep1, sep2, extra;
	if (sscanf(s, "%4d%c%2d%c%2d%c", &y, &sep1, &m, &sep2, &d, &extra) == 5 &&
	    (sep1 == '/' || sep1 == '-') && sep2 == sep1 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= 31) {
		struct tm tm = {0};
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		tm.tm_isdst = -1;
		o->uel_since = (int64_t)mktime(&tm);
		return 0;
	}
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (!*s || *end || errno || n < 0 || n > 100000)
		return -1;
	if (n == 0)
		o->uel_logged_on = true;
	else
		o->uel_since = (int64_t)time(NULL) - (int64_t)n * 86400;
	return 0;
}

static int add_define(struct rt_opts *o, const char *s)
{
	const char *eq = strchr(s, '=');
	if (!eq || eq == s)
		return -1;
	struct rt_define *q = realloc(o->defines, (o->ndefines + 1) * sizeof *q);
	if (!q)
		return -1;
	o->defines = q;
	q[o->ndefines].name = strndup(s, (size_t)(eq - s));
	q[o->ndefines].value = eq + 1;
	if (!q[o->ndefines].name)
		return -1;
	o->ndefines++;
	return 0;
}

static int add_drive(struct rt_opts *o, const char *s)
{
	if (!isalpha((unsigned char)s[0]) || s[1] != '=' || s[2] != '/')
		return -1;
	for (size_t i = 0; i < o->ndrives; i++)
		if (o->drives[i].letter == toupper((unsigned char)s[0]))
			return -1; /* one binding per letter */
	struct rt_drive *q = realloc(o->drives, (o->ndrives + 1) * sizeof *q);
	if (!q)
		return -1;
	o->drives = q;
	q[o->ndrives].letter = (char)toupper((unsigned char)s[0]);
	q[o->ndrives].path = s + 2;
	o->ndrives++;
	return 0;
}

static int parse_verbose(const char *s, unsigned *v)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 0);
	if (!*s || *end || errno || n < 0 || (n & ~(long)(RTV_VERBOSE | RTV_OBJECTS | RTV_ECHO)))
		return -1;
	*v = (unsigned)n;
	return 0;
}

/* Apply one common option. */
static int common_opt(struct rt_opts *o, int id, const char *arg, char *err, size_t errsz)
{
	switch (id) {
	case O_PLAN:
		o->plan = arg;
		break;
	case O_ROOT:
		o->root = arg;
		break;
	case O_UI:
	case O_UE:
		if (!*arg)
			return set_err(err, errsz, "--%s needs a user pattern",
				       id == O_UI ? "ui" : "ue");
		if (push(id == O_UI ? &o->ui : &o->ue, id == O_UI ? &o->nui : &o->nue, arg))
			return set_err(err, errsz, "out of memory");
		break;
	case O_UEL:
		o->uel = arg;
		if (parse_uel(o, arg))
			return set_err(err, errsz,
				       "--uel expects a number of days, YYYY/MM/DD or 0, not '%s'",
				       arg);
		break;
	case O_DEFINE:
		if (add_define(o, arg))
			return set_err(err, errsz, "--define expects NAME=VALUE, not '%s'", arg);
		break;
	case O_DRIVE:
		if (add_drive(o, arg))
			return set_err(err, errsz,
				       "--drive expects X=/PATH (once per letter), not '%s'", arg);
		break;
	case O_LOG:
		o->log = arg;
		break;
	case O_PROGRESS:
		o->progress = arg;
		break;
	case O_CONTINUE:
		o->cont = true;
		break;
	case O_VERBOSE:
		if (parse_verbose(arg, &o->verbose))
			return set_err(
			    err, errsz,
			    "--verbose must be 0 or a sum of 1 (detail), 4 (objects) and 8 (echo), "
			    "not '%s'",
			    arg);
		break;
	case O_JSON:
		o->json = true;
		break;
	case O_HARDLINK:
		o->hardlink = true;
		break;
	case O_NOCOMPRESS:
		o->nocompress = true;
		break;
	case O_INSECURE_PARENT:
		o->insecure_parent = true;
		break;
	}
	return RTOPTS_OK;
}

struct parse_ctx {
	struct rt_opts *o;
	rtopt_fn fn;
	void *ctx;
};

/* argtab's callback: the STORE operand, a common option or a verb's own. */
static int one_arg(void *ctx, size_t table, const struct argtab_opt *opt, const char *val,
		   char *err, size_t errsz)
{
	struct parse_ctx *p = ctx;
	if (!opt) {
		if (p->o->store)
			return argtab_one_operand(err, errsz, "STORE", p->o->store, val);
		p->o->store = val;
		return ARGTAB_OK;
	}
	if (table == 0 && opt->id == O_HELP)
		return RTOPTS_HELP;
	if (table == 0)
		return common_opt(p->o, opt->id, val, err, errsz);
	if (p->fn && p->fn(p->ctx, opt->id, val, err, errsz))
		return RTOPTS_USAGE;
	return RTOPTS_OK;
}

int rtopts_parse(int argc, char **argv, struct rt_opts *o, const struct rtopt_ext *ext, size_t next,
		 rtopt_fn fn, void *ctx, char *err, size_t errsz)
{
	memset(o, 0, sizeof *o);
	o->verb = argc > 0 ? argv[0] : "?";
	o->root = "/";
	o->argc = argc;
	o->argv = argv;
	/* the verb's table in argtab's terms (the same fields) */
	struct argtab_opt *own = calloc(next + 1, sizeof *own);
	if (!own)
		return set_err(err, errsz, "out of memory");
	for (size_t i = 0; i < next; i++)
		own[i] = (struct argtab_opt){ext[i].name, ext[i].short_name, ext[i].has_arg,
					     ext[i].repeatable, ext[i].id};
	const struct argtab tabs[] = {{common, NCOMMON, false}, {own, next, false}};
	struct parse_ctx p = {o, fn, ctx};
	int rc = argtab_parse(argc, argv, tabs, 2, "STORE", one_arg, &p, err, errsz);
	free(own);
	return rc;
}

void rtopts_free(struct rt_opts *o)
{
	free(o->ui);
	free(o->ue);
	for (size_t i = 0; i < o->ndefines; i++)
		free((char *)o->defines[i].name);
	free(o->defines);
	free(o->drives);
	memset(o, 0, sizeof *o);
}

/* --- users ---------------------------------------------------------------------- */

bool rtopts_user_match(const char *const *pats, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = pats[i], *bs = strrchr(p, '\\');
		if (bs)
			p = bs + 1; /* Domain\User: local users have no domain */
		if (fnmatch(p, name, 0) == 0)
			return true;
	}
	return false;
}

bool rtopts_user_wanted(const struct rt_opts *o, const char *name, bool active)
{
	if (rtopts_user_match(o->ui, o->nui, name))
		return true;
	if (o->uel)
		return active;
	return !rtopts_user_match(o->ue, o->nue, name);
}

/* Some process on this machine runs with real uid UID. */
static bool uid_logged_on(uint32_t uid)
{
	DIR *d = opendir("/proc");
	bool hit = false;
	if (!d)
		return false;
	struct dirent *de;
	while (!hit && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char path[64], buf[4096];
		snprintf(path, sizeof path, "/proc/%.20s/status", de->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		const char *u = strstr(buf, "\nUid:");
		unsigned long real;
		if (u && sscanf(u + 5, "%lu", &real) == 1 && real == uid)
			hit = true;
	}
	closedir(d);
	return hit;
}

static int64_t mtime_beneath(int rootfd, const char *logical)
{
	int fd = fs_open_dir(rootfd, logical);
	struct stat st;
	int64_t t = -1;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0)
		t = (int64_t)st.st_mtime;
	close(fd);
	return t;
}

bool rtopts_user_active(const struct rt_opts *o, int rootfd, const struct rt_user *u)
{
	if (!o->uel)
		return true;
	if (o->uel_logged_on)
		return uid_logged_on(u->uid);
	char path[4096];
	int64_t t = mtime_beneath(rootfd, u->home);
	snprintf(path, sizeof path, "%s/.local/share", u->home);
	int64_t t2 = mtime_beneath(rootfd, path);
	if (t2 > t)
		t = t2;
	return t >= o->uel_since;
}

static int add_choice(struct user_choice **v, size_t *n, const struct rt_user *u, bool sel,
		      const char *why)
{
	struct user_choice *q = realloc(*v, (*n + 1) * sizeof *q);
	if (!q)
		return -1;
	*v = q;
	q[*n] = (struct user_choice){strdup(u->name), u->uid, sel, why};
	(*n)++;
	return 0;
}

static const char *why_not(const struct rt_opts *o, const char *name, bool active)
{
	if (o->uel && !active)
		return "excluded by --uel (not active)";
	(void)name;
	return "excluded by --ue";
}

static const char *why_yes(const struct rt_opts *o, const char *name)
{
	if (rtopts_user_match(o->ui, o->nui, name))
		return "selected by --ui";
	if (o->uel)
		return "selected by --uel (active)";
	return "selected";
}

int rtopts_select_users(const struct rt_opts *o, int rootfd, struct user_list *out,
			struct user_choice **choices, size_t *nchoices, char *err, size_t errsz)
{
	struct user_list all;
	struct user_choice *cv = NULL;
	size_t cn = 0;
	out->v = NULL;
	out->n = 0;
	if (users_read(rootfd, &all, err, errsz))
		return -1;
	for (size_t i = 0; i < all.n; i++) {
		struct rt_user *u = &all.v[i];
		int hfd = fs_open_dir(rootfd, u->home);
		bool refused = hfd < 0 && (errno == EACCES || errno == EPERM) &&
			       vol_refusing_mount_on(rootfd, u->home) != 0;
		if (hfd < 0 && errno != ENOENT && errno != ENOTDIR && errno != ELOOP && !refused) {
			/* a home that exists but cannot be opened now (EIO): never drop the user
			 * silently. A mount on the way that refuses us (her own FUSE mount over her
			 * home) is her choice, not an error: the user stays, the walk reports the
			 * mount it cannot enter. */
			snprintf(err, errsz, "cannot open the home directory %s of %s: %s", u->home,
				 u->name, strerror(errno));
			users_free(out);
			users_free(&all);
			rtopts_choices_free(cv, cn);
			return -1;
		}
		if (hfd < 0 && !refused) {
			add_choice(&cv, &cn, u, false,
				   errno == ELOOP
				       ? "home directory is a symbolic link (not followed)"
				       : "no home directory");
			users_free_one(u);
			continue;
		}
		if (hfd >= 0)
			close(hfd);
		bool active = rtopts_user_active(o, rootfd, u);
		bool sel = rtopts_user_wanted(o, u->name, active);
		add_choice(&cv, &cn, u, sel,
			   sel ? why_yes(o, u->name) : why_not(o, u->name, active));
		if (!sel) {
			users_free_one(u);
			continue;
		}
		users_load_xdg(rootfd, u);
		struct rt_user *nv = realloc(out->v, (out->n + 1) * sizeof *nv);
		if (!nv) {
			snprintf(err, errsz, "out of memory");
			users_free(out);
			users_free(&all);
			rtopts_choices_free(cv, cn);
			return -1;
		}
		out->v = nv;
		out->v[out->n++] = *u;
		memset(u, 0, sizeof *u); /* moved */
	}
	users_free(&all);
	if (choices) {
		*choices = cv;
		*nchoices = cn;
	} else {
		rtopts_choices_free(cv, cn);
	}
	return 0;
}

void rtopts_choices_free(struct user_choice *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].name);
	free(c);
}
