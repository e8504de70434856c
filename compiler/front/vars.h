/* vars.h - the USMT variable / CSIDL to Linux location mapping (spec section 8).
 *
 * The mapping ships as policies/variables.map and may be overridden with
 * --define NAME=VALUE. Values are templates the runtime expands per machine and per
 * user, so a plan compiled once runs on many machines:
 *   {home}          the user's home directory (from ROOT/etc/passwd)
 *   {xdg:NAME}      the user's XDG user dir NAME (DOCUMENTS, DESKTOP, ...) read from
 *                   ~/.config/user-dirs.dirs, defaulting to {home}/<Name>
 *   {user} {uid}    the user's login name and numeric uid
 *   {drive:X}       the mount root bound to drive letter X (default: /)
 *   %OTHER%         another variable of the map
 *   anything else   literal text; '/' separates path segments
 * A variable whose template uses {home}, {xdg:...}, {user} or {uid} (directly or
 * through another variable) is a user variable: valid only in User/UserAndSystem
 * context, expanded once per migrated user. */
#ifndef MIGC_VARS_H
#define MIGC_VARS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "model.h"

struct var_def {
	const char *name;     /* upper-case, without % */
	const char *value;    /* template */
	bool user;            /* needs a user to expand */
	struct src_loc loc;   /* where it was defined (map file line, or <command line>) */
};

struct var_table {
	struct var_def **defs; /* sorted by name */
	size_t ndefs;
};

/* Read a map file: one "NAME<whitespace>TEMPLATE" per line, '#' comments. */
int vars_load_map(struct arena *a, struct diag_set *d, struct var_table *t, const char *path);
/* Apply --define NAME=VALUE (replaces or adds). Returns -1 on a malformed definition. */
int vars_define(struct arena *a, struct var_table *t, const char *name_eq_value);
/* Case-insensitive lookup (USMT variable names are case-insensitive). */
const struct var_def *vars_find(const struct var_table *t, const char *name);
/* Compute ->user for every entry (following %OTHER% references); report cycles and
 * references to unknown variables. Returns the number of errors. */
int vars_resolve(struct var_table *t, struct diag_set *d);

#endif
