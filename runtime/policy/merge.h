/* merge.h - what load does when a restored object meets something already at its
 * destination (spec section 6, merge helpers of 7.6).
 *
 *   no merge rule            the incoming file takes the first free "name(N).ext"
 *   SourcePriority()         the incoming file replaces the existing one (atomic rename)
 *   DestinationPriority()    the existing file stays, the incoming one is not applied
 *   FindFilePlaceByPattern() the incoming file takes the first free name the pattern
 *                            gives: <F> base name, <N> counter from 1, <E> extension
 *   NewestVersion()          files carry no version resource here: the newer mtime wins
 *                            (a documented extension, spec 7.6 PORT note)
 *
 * The same vocabulary decides a diverged file (the original path holds a newer save of
 * the captured file): both versions are always kept, the rule only says which one
 * keeps the original name. */
#ifndef MIGRT_MERGE_H
#define MIGRT_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

enum merge_mode {
	MM_RENAME,  /* default: name(1).ext, name(2).ext, ... */
	MM_SOURCE,  /* SourcePriority */
	MM_DEST,    /* DestinationPriority */
	MM_PATTERN, /* FindFilePlaceByPattern */
	MM_NEWEST,  /* NewestVersion: mtime */
};
extern const char *const merge_mode_names[];

/* Mode of merge rule RULE of P (PLAN_NONE: the default rename). *PATTERN is set to
 * the FindFilePlaceByPattern argument, else NULL. */
enum merge_mode merge_mode_of(const struct plan *p, uint32_t rule, const char **pattern);

/* Split NAME into base and extension at the last '.', unless that dot is the first
 * byte (".bashrc" has no extension). *EXT is NULL when there is none. */
void merge_split(const char *name, size_t *baselen, const char **ext);

/* Candidate N (N >= 1) for NAME: PATTERN with <F>, <N>, <E> replaced, or the default
 * "base(N).ext" when PATTERN is NULL. A pattern without <N> gives its single name for
 * N == 1 and "that(N-1)" after. Returns 0, or -1 when the result does not fit or is
 * not a valid file name (empty, "/", "." or ".."). */
int merge_candidate(const char *name, const char *pattern, unsigned n, char *out, size_t outsz);

/* "base(TAG).ext": the name a diverged version is kept under. */
int merge_tagged(const char *name, const char *tag, char *out, size_t outsz);

/* Is this the object being restored? Called on an existing candidate name. */
typedef bool (*merge_is_ours_fn)(int dirfd, const char *name, void *ctx);

/* First candidate in DIRFD that is free, or that already holds our object (a rerun
 * after a crash): OUT gets the name, *ALREADY says which. Returns 0, or -1 when no
 * candidate is free within MERGE_MAX_TRIES or a name cannot be built. BASE is the
 * name candidates are derived from (NAME for collisions, a tagged name for diverged
 * files); with BASE_FIRST the base itself is tried first. */
#define MERGE_MAX_TRIES 10000u
int merge_find_place(int dirfd, const char *base, bool base_first, const char *pattern,
		     merge_is_ours_fn is_ours, void *ctx, char *out, size_t outsz, bool *already);

#endif
