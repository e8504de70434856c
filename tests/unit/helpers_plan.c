/* helpers_plan.c - shared helpers of the plan-layer tests (see helpers_plan.h). */
#include "helpers_plan.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"
#include "disasm.h"
#include "plan_write.h"
#include "sha256.h"
#include "vars.h"
#include "xml_load.h"

void hp_init(struct hp *h)
{
	memset(h, 0, sizeof *h);
	h->rootfd = -1;
	snprintf(h->dir, sizeof h->dir, "/tmp/migstate-plan-XXXXXX");
	cr_assert_not_null(mkdtemp(h->dir), "mkdtemp");
}

static void unbind(struct hp *h)
{
	if (h->bound)
		rt_unbind(&h->b);
	h->bound = false;
	for (size_t i = 0; i < h->nusers; i++) {
		free(h->users[i].name);
		free(h->users[i].home);
	}
	h->nusers = 0;
	if (h->rootfd >= 0)
		close(h->rootfd);
	h->rootfd = -1;
}

static void drop_plan(struct hp *h)
{
	unbind(h);
	free(h->buf);
	h->buf = NULL;
	h->len = 0;
	h->parsed = false;
	free(h->diag);
	h->diag = NULL;
	h->errors = 0;
}

void hp_fini(struct hp *h)
{
	drop_plan(h);
	free(h->scratch);
	h->scratch = NULL;
	if (h->dir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
		if (system(cmd) != 0)
			cr_log_warn("could not remove %s", h->dir);
		h->dir[0] = 0;
	}
}

/* Paths handed out stay valid for the whole test: they live in a small static ring. */
static char path_ring[32][128];
static unsigned path_next;

const char *hp_write(struct hp *h, const char *name, const char *text)
{
	char *path = path_ring[path_next++ % 32];
	snprintf(path, sizeof path_ring[0], "%s/%s", h->dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "cannot create %s", path);
	size_t n = strlen(text);
	cr_assert_eq(fwrite(text, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
	return path;
}

unsigned hp_compile_files(struct hp *h, const char *const *paths, size_t n, const char *config,
			  bool case_sensitive)
{
	drop_plan(h);
	struct arena *a = arena_new();
	struct diag_set *d = diag_new();
	struct var_table vt = {0};
	cr_assert_eq(vars_load_map(a, d, &vt, HP_VARS), 0, "cannot load " HP_VARS);
	vars_resolve(&vt, d);
	struct m_policy pol = {0};
	policy_load(a, d, &pol, paths, n, config);
	if (diag_errors(d) == 0) {
		struct plan_builder *b = pb_new();
		/* as `migc compile` does: the map is recorded with its hash */
		size_t mlen = 0;
		unsigned char *map = hp_slurp(HP_VARS, &mlen), msha[32];
		cr_assert_not_null(map);
		sha256(map, mlen, msha);
		free(map);
		struct cg_options o = {case_sensitive, HP_VARS, msha};
		unsigned char ruleset[32];
		if (codegen(b, &pol, &vt, &o, d, ruleset, &h->stats) == 0 && diag_errors(d) == 0) {
			cr_assert_eq(pb_serialize(b, ruleset,
						  case_sensitive ? PLAN_F_CASE_SENSITIVE : 0,
						  &h->buf, &h->len),
				     0);
			struct plan_error e;
			int rc = plan_parse(h->buf, h->len, &h->plan, &e);
			cr_assert_eq(rc, PLAN_OK, "a compiled plan fails to load: %s: %s",
				     plan_status_name(rc), e.msg);
			h->parsed = true;
		}
		pb_free(b);
	}
	h->errors = diag_errors(d);
	size_t dl = 0;
	FILE *f = open_memstream(&h->diag, &dl);
	cr_assert_not_null(f);
	diag_print(d, f, DIAG_TEXT, false);
	fclose(f);
	diag_free(d);
	arena_free(a);
	return h->errors;
}

unsigned hp_compile(struct hp *h, const char *const *xml, size_t n, bool case_sensitive)
{
	const char *paths[16];
	cr_assert(n <= 16);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "p%u.xml", h->nfiles++);
		paths[i] = hp_write(h, name, xml[i]);
	}
	return hp_compile_files(h, paths, n, NULL, case_sensitive);
}

unsigned hp_compile1(struct hp *h, const char *xml, bool case_sensitive)
{
	return hp_compile(h, &xml, 1, case_sensitive);
}

void hp_compile_ok(struct hp *h, const char *xml, bool case_sensitive)
{
	unsigned e = hp_compile1(h, xml, case_sensitive);
	cr_assert_eq(e, 0, "compile errors:\n%s", h->diag);
	cr_assert(h->parsed);
}

void hp_bind(struct hp *h, const struct hp_bind_opts *o)
{
	static const char *const dflt_users[] = {"alice", "bob", NULL};
	struct hp_bind_opts d = {dflt_users, NULL, PHASE_SCAN, false, NULL};
	if (!o)
		o = &d;
	cr_assert(h->parsed, "hp_bind: nothing compiled");
	unbind(h);
	const char *const *names = o->users ? o->users : dflt_users;
	for (size_t i = 0; names[i]; i++) {
		cr_assert(i < HP_MAX_USERS);
		struct rt_user *u = &h->users[h->nusers++];
		memset(u, 0, sizeof *u);
		u->name = strdup(names[i]);
		u->uid = 1000 + (uint32_t)i;
		u->gid = 1000 + (uint32_t)i;
		char home[128];
		snprintf(home, sizeof home, "/home/%s", names[i]);
		u->home = strdup(home);
	}
	char rootdir[128];
	if (o->root) {
		snprintf(rootdir, sizeof rootdir, "%s", o->root);
	} else {
		snprintf(rootdir, sizeof rootdir, "%s/empty-root", h->dir);
		mkdir(rootdir, 0755);
	}
	h->rootfd = open(rootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert(h->rootfd >= 0, "cannot open root %s", rootdir);
	h->env = (struct rt_env){
	    .rootfd = h->rootfd,
	    .users = h->nusers ? h->users : NULL,
	    .nusers = h->nusers,
	    .phase = o->phase,
	    .skip_detection = o->skip_detection,
	    .os_release = o->os_release ? o->os_release : "6.1.0",
	};
	char err[256];
	cr_assert_eq(rt_bind(&h->plan, &h->env, &h->b, err, sizeof err), 0, "rt_bind: %s", err);
	h->bound = true;
}

void hp_bind_users(struct hp *h, const char *const *users)
{
	struct hp_bind_opts o = {users, NULL, PHASE_SCAN, false, NULL};
	hp_bind(h, &o);
}

static void explain(struct hp *h, const char *path, struct explain_result *r)
{
	if (!h->bound)
		hp_bind(h, NULL);
	cr_assert_eq(rt_explain(&h->b, path, NULL, r), 0, "rt_explain %s", path);
}

const char *hp_verdict(struct hp *h, const char *path)
{
	struct explain_result r;
	explain(h, path, &r);
	const char *v = rt_verdict_names[r.d.verdict];
	rt_explain_free(&r);
	return v;
}

const char *hp_dests(struct hp *h, const char *path)
{
	struct explain_result r;
	explain(h, path, &r);
	size_t n = 1;
	for (size_t i = 0; i < r.ndests; i++)
		n += strlen(r.dests[i]) + 1;
	free(h->scratch);
	h->scratch = calloc(1, n);
	cr_assert_not_null(h->scratch);
	for (size_t i = 0; i < r.ndests; i++) {
		if (i)
			strcat(h->scratch, ";");
		strcat(h->scratch, r.dests[i]);
	}
	rt_explain_free(&r);
	return h->scratch;
}

const char *hp_merge(struct hp *h, const char *path)
{
	struct explain_result r;
	explain(h, path, &r);
	const char *m =
	    r.d.merge == PLAN_NONE ? "default" : helper_names[h->plan.rules[r.d.merge].helper];
	rt_explain_free(&r);
	return m;
}

void hp_expect_rows(struct hp *h, const struct hp_row *rows, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = hp_verdict(h, rows[i].path);
		cr_expect_str_eq(v, rows[i].verdict, "%s: %s: verdict %s, expected %s", what,
				 rows[i].path, v, rows[i].verdict);
		if (rows[i].dests) {
			const char *d = hp_dests(h, rows[i].path);
			cr_expect_str_eq(d, rows[i].dests,
					 "%s: %s: destinations \"%s\", expected \"%s\"", what,
					 rows[i].path, d, rows[i].dests);
		}
	}
}

char *hp_dump(const struct hp *h)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	cr_assert_not_null(f);
	plan_dump_text(&h->plan, f);
	fclose(f);
	return text;
}

uint16_t hp_rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t hp_rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t hp_rd64(const unsigned char *p)
{
	return (uint64_t)hp_rd32(p) | (uint64_t)hp_rd32(p + 4) << 32;
}

void hp_wr16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

void hp_wr32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void hp_wr64(unsigned char *p, uint64_t v)
{
	hp_wr32(p, (uint32_t)v);
	hp_wr32(p + 4, (uint32_t)(v >> 32));
}

void hp_reseal(unsigned char *buf, size_t len)
{
	sha256(buf, len - PLAN_TRAILER_SIZE, buf + len - PLAN_TRAILER_SIZE);
}

int hp_section(const unsigned char *buf, uint32_t id, uint64_t *off, uint64_t *size,
	       size_t *entry_off)
{
	uint32_t n = hp_rd32(buf + 24), tab = hp_rd32(buf + 28);
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *e = buf + tab + (size_t)i * PLAN_SECTION_ENTRY_SIZE;
		if (hp_rd32(e) != id)
			continue;
		if (off)
			*off = hp_rd64(e + 8);
		if (size)
			*size = hp_rd64(e + 16);
		if (entry_off)
			*entry_off = tab + (size_t)i * PLAN_SECTION_ENTRY_SIZE;
		return (int)i;
	}
	return -1;
}

int hp_parse_status(const unsigned char *buf, size_t len, struct plan_error *e)
{
	struct plan p;
	return plan_parse(buf, len, &p, e);
}

struct plan_builder *hp_builder_base(void)
{
	struct plan_builder *b = pb_new();
	cr_assert_not_null(b);
	struct plan_src s = {pb_str(b, "hand.xml"), 0, {0}};
	pb_src(b, &s);
	struct plan_comp c = {pb_str(b, "hand"), 0, 1, CTXB_SYSTEM, PLAN_NONE, 0};
	pb_comp(b, &c);
	struct plan_pat t = {
	    pb_str(b, "/data/*"), pb_str(b, "*"), 0, 2, pb_str(b, "C:\\data\\* [*]"), 0};
	pb_pat(b, &t);
	struct plan_rule r = {.kind = PRK_INCLUDE,
			      .context = CTXB_SYSTEM,
			      .comp = 0,
			      .src = 0,
			      .line = 2,
			      .args = {PLAN_NONE, PLAN_NONE, PLAN_NONE},
			      .cond_pc = PLAN_NONE};
	pb_rule(b, &r);
	return b;
}

void hp_serialize(struct plan_builder *b, unsigned char **out, size_t *len)
{
	unsigned char ruleset[32] = {0};
	cr_assert_eq(pb_serialize(b, ruleset, 0, out, len), 0);
}

unsigned char *hp_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			unsigned char *q = realloc(buf, cap);
			cr_assert_not_null(q);
			buf = q;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return buf;
}
