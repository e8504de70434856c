/* helpers_plan.h - shared helpers for the plan-layer tests (test_match.c, test_plan_load.c,
 * test_verify.c, test_precedence.c, test_codegen.c).
 *
 * A test compiles MigXML text in memory the way `migc compile` does (policy_load, codegen,
 * pb_serialize, plan_parse), binds the plan to a fake machine (users alice, bob, ... with
 * homes under /home, an empty or prepared --root) and asks for the verdict of a path the
 * way `migc explain` does. Every plan compiled here is also checked by plan_parse (and so
 * by the verifier). Run from the repository root, as `make unit` does. */
#ifndef TESTS_HELPERS_PLAN_H
#define TESTS_HELPERS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bind.h"
#include "codegen.h"
#include "explain.h"
#include "plan.h"

/* The small variable map the plan tests compile against (keeps dumps short). */
#define HP_VARS "tests/data/plans/variables.map"
#define HP_MAX_USERS 4

/* MigXML building blocks: literal-string concatenation, so a whole policy is one
 * constant. Backslashes must be doubled in C: PAT("C:\\Dir1\\* [*]"). */
#define PAT(p) "<pattern type=\"File\">" p "</pattern>"
#define OSET(pats) "<objectSet>" pats "</objectSet>"
#define INC(p) "<include>" OSET(PAT(p)) "</include>"
#define EXC(p) "<exclude>" OSET(PAT(p)) "</exclude>"
#define UNC(p) "<unconditionalExclude>" OSET(PAT(p)) "</unconditionalExclude>"
#define INCF(filter, p) "<include filter='" filter "'>" OSET(PAT(p)) "</include>"
#define LOCMOD(script, p) "<locationModify script=\"" script "\">" OSET(PAT(p)) "</locationModify>"
#define MERGE(script, p) "<merge script=\"" script "\">" OSET(PAT(p)) "</merge>"
#define RULES(body) "<rules>" body "</rules>"
#define RULES_CTX(ctx, body) "<rules context=\"" ctx "\">" body "</rules>"
/* A component whose <role> holds EXTRA (detections, several <rules>) verbatim. */
#define COMPX(ctx, name, extra)                                                                    \
	"<component type=\"Documents\" context=\"" ctx "\"><displayName>" name                     \
	"</displayName><role role=\"Data\">" extra "</role></component>"
#define COMP(ctx, name, body) COMPX(ctx, name, RULES(body))
#define DOC(body)                                                                                  \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<migration urlid=\"http://example.org/"       \
	"migstate/tests\">" body "</migration>\n"
#define DOC_URL(url, body)                                                                         \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<migration urlid=\"" url "\">" body           \
	"</migration>\n"

struct hp {
	char dir[64]; /* temporary directory: policies and the default root */
	unsigned nfiles;
	/* the compiled plan */
	unsigned char *buf;
	size_t len;
	struct plan plan;
	bool parsed;
	char *diag; /* compiler diagnostics as text */
	unsigned errors;
	struct cg_stats stats;
	/* the binding */
	struct rt_user users[HP_MAX_USERS];
	size_t nusers;
	struct rt_env env;
	struct rt_bound b;
	bool bound;
	int rootfd;
	char *scratch; /* last string returned by hp_dests */
};

struct hp_bind_opts {
	const char *const *users; /* NULL-terminated names; homes are /home/NAME */
	const char *root;	  /* --root; NULL: an empty directory */
	int phase;		  /* PHASE_SCAN (0) or PHASE_LOAD */
	bool skip_detection;
	const char *os_release; /* NULL: "6.1.0" */
};

/* One row of an execution table: PATH decides to VERDICT ("include", "exclude",
 * "unconditional-exclude", "none"); DESTS, when not NULL, is the ';'-joined list of
 * destinations ("" for none). */
struct hp_row {
	const char *path;
	const char *verdict;
	const char *dests;
};

void hp_init(struct hp *h);
void hp_fini(struct hp *h);

/* Write TEXT as file NAME in the test's directory; returns the path (owned by H... until
 * hp_fini; valid for the whole test). */
const char *hp_write(struct hp *h, const char *name, const char *text);

/* Compile rule files PATHS (and CONFIG, may be NULL). Returns the number of errors; on
 * success the plan is in h->buf and has passed plan_parse (asserted). */
unsigned hp_compile_files(struct hp *h, const char *const *paths, size_t n, const char *config,
			  bool case_sensitive);
/* The same for XML texts (written as pN.xml first). */
unsigned hp_compile(struct hp *h, const char *const *xml, size_t n, bool case_sensitive);
unsigned hp_compile1(struct hp *h, const char *xml, bool case_sensitive);
/* Compile and assert there were no errors. */
void hp_compile_ok(struct hp *h, const char *xml, bool case_sensitive);

/* Bind the compiled plan (asserts success). O may be NULL: users alice and bob, an
 * empty root, scan phase. Rebinding replaces the previous binding. */
void hp_bind(struct hp *h, const struct hp_bind_opts *o);
/* Default binding with user names only. */
void hp_bind_users(struct hp *h, const char *const *users);

/* Explain PATH: the verdict name; the ';'-joined destinations (valid until the next
 * call); the merge helper name ("default" when no merge rule applies). */
const char *hp_verdict(struct hp *h, const char *path);
const char *hp_dests(struct hp *h, const char *path);
const char *hp_merge(struct hp *h, const char *path);
/* Check every row (cr_expect, naming WHAT and the path on failure). */
void hp_expect_rows(struct hp *h, const struct hp_row *rows, size_t n, const char *what);
#define HP_ROWS(h, rows, what) hp_expect_rows((h), (rows), sizeof(rows) / sizeof((rows)[0]), (what))

/* The text listing of the compiled plan (malloc'd). */
char *hp_dump(const struct hp *h);

/* --- raw plan bytes ---------------------------------------------------------------- */
uint16_t hp_rd16(const unsigned char *p);
uint32_t hp_rd32(const unsigned char *p);
uint64_t hp_rd64(const unsigned char *p);
void hp_wr16(unsigned char *p, uint16_t v);
void hp_wr32(unsigned char *p, uint32_t v);
void hp_wr64(unsigned char *p, uint64_t v);
/* Recompute the SHA-256 trailer of a LEN-byte plan after editing it. */
void hp_reseal(unsigned char *buf, size_t len);
/* The table entry of section ID: its index (or -1) and the entry's byte offset. */
int hp_section(const unsigned char *buf, uint32_t id, uint64_t *off, uint64_t *size,
	       size_t *entry_off);
/* Parse BUF into a throw-away plan and return the status (message in E). */
int hp_parse_status(const unsigned char *buf, size_t len, struct plan_error *e);

/* A builder preloaded with one source, one component, one pattern (node "/data/ *", leaf "*"),
 * one include rule and no code: the minimum the verifier accepts once a program and
 * an entry are added (see test_verify.c). */
struct plan_builder *hp_builder_base(void);
/* Serialize B (flags 0, zero rule-set hash) into *OUT and *LEN; asserts success. */
void hp_serialize(struct plan_builder *b, unsigned char **out, size_t *len);

/* Read a whole file (malloc'd, *LEN set); NULL when it cannot be read. */
unsigned char *hp_slurp(const char *path, size_t *len);

#endif
