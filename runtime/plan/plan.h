/* plan.h - a loaded, verified plan: typed views into the mapped file.
 *
 * plan_open() maps the file read-only and never trusts it: header, size, trailer
 * checksum, section table, record sizes, then verify.c checks every reference and
 * every program. Only a plan that passed all of that is returned; callers may then
 * index the tables without further checks ("verify once, then trust"). */
#ifndef MIGRT_PLAN_H
#define MIGRT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "plan_format.h"

/* Stable load errors (negative), each with its own message and exit code mapping. */
enum plan_status {
	PLAN_OK = 0,
	PLAN_E_IO = -1,        /* cannot open/read the file */
	PLAN_E_NOTPLAN = -2,   /* no plan magic */
	PLAN_E_VERSION = -3,   /* a major version this build does not read */
	PLAN_E_ENDIAN = -4,    /* endianness check word wrong */
	PLAN_E_TRUNCATED = -5, /* file_size disagrees with the real size */
	PLAN_E_CHECKSUM = -6,  /* trailer SHA-256 mismatch */
	PLAN_E_CORRUPT = -7,   /* structure invalid (section + offset in the message) */
	PLAN_E_VERIFY = -8,    /* a reference or a program fails verification */
};

struct plan_error {
	int status;
	char msg[256];
};

struct plan {
	const unsigned char *base;
	size_t size;
	int mapped;               /* base came from mmap (else borrowed memory) */
	uint16_t major, minor;
	uint32_t flags;           /* PLAN_F_* */
	unsigned char ruleset[32];
	const char *strs;
	size_t nstrs;             /* bytes */
	const struct plan_src *srcs;
	size_t nsrcs;
	const struct plan_var *vars;
	size_t nvars;
	const struct plan_comp *comps;
	size_t ncomps;
	const struct plan_pat *pats;
	size_t npats;
	const struct plan_rule *rules;
	size_t nrules;
	const struct plan_ent *ents;
	size_t nents;
	const struct plan_insn *code;
	size_t ncode;
	const uint64_t *consts;
	size_t nconsts;
	const struct plan_errc *errcs;
	size_t nerrcs;
	const struct plan_hlnk *hlnks;
	size_t nhlnks;
	const struct plan_grpm *grpms; /* optional section: none when absent */
	size_t ngrpms;
};

/* Map and check PATH. On failure returns a PLAN_E_* and fills ERR. */
int plan_open(const char *path, struct plan *p, struct plan_error *err);
/* Check LEN bytes at BUF (kept borrowed: must outlive P). */
int plan_parse(const void *buf, size_t len, struct plan *p, struct plan_error *err);
void plan_close(struct plan *p);

/* The string at OFF of a verified plan ("" for PLAN_NONE). */
const char *plan_str(const struct plan *p, uint32_t off);

/* Structural checks of every table and program (verify.c); called by plan_parse. */
int plan_verify(const struct plan *p, struct plan_error *err);

/* Human name of a status ("checksum mismatch"). */
const char *plan_status_name(int status);

#endif
