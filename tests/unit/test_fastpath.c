/* test_fastpath.c - the walker's fast decision path (rt_dir_begin + rt_decide_in: leaf
 * index, per-directory node cache, programs skipped when they are plain ENODE/ELEAF)
 * must give exactly the decisions of rt_candidates + rt_decide, which run every
 * candidate's program. Differential: policies with every leaf shape (exact, "*x",
 * "x*", "*x*", "*"), directory-only patterns, filters that read size and times,
 * relocations, merges and unconditional excludes, bound in both case modes, against
 * a grid of directories and names; and the leaf index's own classification. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "helpers_plan.h"
#include "leafidx.h"
#include "match.h"
#include "trie.h"

static struct hp H;

static void setup(void)
{
	hp_init(&H);
}

static void teardown(void)
{
	hp_fini(&H);
}

TestSuite(fastpath, .init = setup, .fini = teardown);

#define SIZE_GT_1K "MigXmlHelper.FileProperties(\"filesize\",\"gt\",\"1KB\")"
#define OLD "MigXmlHelper.FileProperties(\"dateModified\",\"lt\",\"2000/01/01\")"

static const char *const policies[] = {
    DOC(COMP("User", "docs",
	     INC("%CSIDL_PERSONAL%\\* [*]") EXC("%CSIDL_PERSONAL%\\* [*~]")
		 EXC("%CSIDL_PERSONAL%\\* [.*.swp]") EXC("%CSIDL_PERSONAL%\\* [*.TMP]"))
	    COMP("User", "profile",
		 INC("%CSIDL_PROFILE% [.bashrc]") INC("%CSIDL_PROFILE% [.Profile]")
		     INC("%CSIDL_PROFILE%\\.config\\* [*]")
			 EXC("%CSIDL_PROFILE%\\.config\\* [Singleton*]")
			     EXC("%CSIDL_PROFILE%\\.config\\* [*lock*]")
				 EXC("%CSIDL_PROFILE%\\.config\\* [a*b*c]"))
		COMP("User", "junk",
		     UNC("%CSIDL_PROFILE%\\*\\node_modules\\* [*]")
			 UNC("%CSIDL_PROFILE%\\* [*.pyc]")
			     UNC("%CSIDL_PROFILE%\\*\\__pycache__\\* [*]"))
		    COMP("System", "data",
			 INC("C:\\Data\\* [*]") EXC("C:\\Data\\Sub\\* [*.txt]")
			     INC("C:\\Data\\Sub\\*") INC("C:\\Exact [x.txt]") EXC("C:\\* [*.ext1]")
				 INC("C:\\* [*.ext2]") INC("C:\\* [report.*]")
				     INC("C:\\Srv\\*\\Logs\\* [*.log]"))),
    DOC(COMP("System", "filters",
	     INCF(SIZE_GT_1K, "C:\\Big\\* [*]") INCF(OLD, "C:\\Old\\* [*.doc]")
		 INCF("MigXmlHelper.IgnoreIrrelevantLinks()", "C:\\Links\\* [*]") INCF(
		     "MigXmlHelper.NeverRestore()", "C:\\Cache\\* [*]") INC("C:\\Big\\* [keep*]"))
	    COMP("System", "moves",
		 INC("C:\\Data\\* [*]") LOCMOD(
		     "MigXmlHelper.RelativeMove('C:\\Data','C:\\NewData')", "C:\\Data\\* [*.mp3]")
		     MERGE("MigXmlHelper.SourcePriority()", "C:\\Data\\* [*.doc]")
			 MERGE("MigXmlHelper.DestinationPriority()", "C:\\Data\\Sub\\* [*]"))
		COMP("User", "music",
		     INC("%CSIDL_MYMUSIC%\\* [*]") EXC("%CSIDL_MYMUSIC%\\* [*.m3u]")
			 LOCMOD("MigXmlHelper.Move('C:\\Music')", "%CSIDL_MYMUSIC%\\* [*.mp3]"))),
};

static const char *const dirs[] = {
    "/",
    "/Data",
    "/data",
    "/DATA/sub",
    "/Data/Sub",
    "/Data/Sub/deeper",
    "/Data/other",
    "/Exact",
    "/Exact/below",
    "/Big",
    "/big/x",
    "/Old",
    "/Links",
    "/Cache",
    "/Srv/a/Logs",
    "/Srv/a/Logs/b",
    "/Srv/Logs",
    "/home",
    "/home/alice",
    "/home/alice/Documents",
    "/home/alice/documents/Sub",
    "/home/alice/Documents/node_modules/x",
    "/home/alice/src/node_modules",
    "/home/alice/src/node_modules/pkg",
    "/home/alice/x/__pycache__",
    "/home/alice/.config",
    "/home/alice/.config/app",
    "/home/alice/.Config",
    "/home/bob/Documents",
    "/home/bob/Music",
    "/home/bob/Music/Albums",
    "/home/carol/Documents",
    "/elsewhere",
};

static const char *const names[] = {
    "report.txt", "REPORT.TXT", "report",   "report.doc", "a.txt",	   "draft.txt~",
    "~",	  ".x.swp",	".swp",	    "x.TMP",	  "x.tmp",	   ".bashrc",
    ".BASHRC",	  ".profile",	".Profile", "Singleton",  "SingletonLock", "singletoncookie",
    "lock",	  "a.lock.x",	"xLOCKy",   "abc",	  "aXbYc",	   "ab",
    "acb",	  "x.ext1",	"x.EXT1",   "x.ext2",	  "x.ext12",	   "m.pyc",
    "song.mp3",	  "list.m3u",	"keepme",   "old.doc",	  "x.log",	   "x.txt",
    "x",	  "a",		"",
};

static void same(const struct decision *a, const struct decision *b, const char *what)
{
	cr_expect_eq(a->verdict, b->verdict, "%s: verdict %d vs %d", what, a->verdict, b->verdict);
	cr_expect_eq(a->rule, b->rule, "%s: rule", what);
	cr_expect_eq(a->ent, b->ent, "%s: entry", what);
	cr_expect_eq(a->ctx, b->ctx, "%s: context", what);
	cr_expect_eq(a->merge, b->merge, "%s: merge", what);
	cr_expect_eq(a->attrs_rule, b->attrs_rule, "%s: attrs", what);
	cr_expect_eq(a->keep_original, b->keep_original, "%s: keep", what);
	cr_expect_eq(a->nlocmod, b->nlocmod, "%s: nlocmod", what);
	for (size_t i = 0; i < a->nlocmod && i < b->nlocmod; i++) {
		cr_expect_eq(a->locmod[i], b->locmod[i], "%s: locmod %zu", what, i);
		cr_expect_eq(a->locmod_ctx[i], b->locmod_ctx[i], "%s: locmod ctx %zu", what, i);
	}
}

/* Every directory x name x metadata variant, both paths; returns decisions checked. */
static size_t differential(void)
{
	static const struct {
		uint64_t size;
		int64_t mtime;
		bool link, dangling;
	} metas[] = {{0, 1700000000, false, false},
		     {4096, 900000000, false, false},
		     {10, 1700000000, true, true},
		     {10, 1700000000, true, false}};
	struct rt_dirctx dc = {0};
	struct rt_cands c = {0};
	size_t checked = 0;
	char what[512];
	for (size_t di = 0; di < sizeof dirs / sizeof dirs[0]; di++) {
		const char *dir = dirs[di];
		size_t dl = strlen(dir);
		cr_assert_eq(rt_candidates(&H.b, dir, dl, &c), 0);
		cr_assert_eq(rt_dir_begin(&dc, &H.b, dir, dl), 0);
		cr_expect_eq(c.n, dc.ncands, "%s: candidate count", dir);
		for (size_t ni = 0; ni < sizeof names / sizeof names[0]; ni++) {
			for (size_t mi = 0; mi < sizeof metas / sizeof metas[0]; mi++) {
				const char *nm = names[ni];
				bool is_dir = !*nm;
				struct vm_obj o = {.dir = dir,
						   .dirlen = dl,
						   .name = nm,
						   .namelen = strlen(nm),
						   .is_dir = is_dir,
						   .is_link = !is_dir && metas[mi].link,
						   .dangling = !is_dir && metas[mi].dangling,
						   .size = metas[mi].size,
						   .mtime = metas[mi].mtime,
						   .ctime = metas[mi].mtime,
						   .atime = metas[mi].mtime};
				struct decision want, got;
				cr_assert_eq(rt_decide(&H.b, &c, &o, NULL, &want), 0);
				snprintf(what, sizeof what, "%s | %s | meta %zu", dir, nm, mi);
				cr_assert_eq(rt_decide_in(&dc, &o, &got), 0, "%s", what);
				same(&want, &got, what);
				/* without metadata: decided, or asks for it */
				struct vm_obj bare = o;
				bare.nometa = true;
				bare.size = 0;
				bare.mtime = bare.ctime = bare.atime = 0;
				bare.dangling = false;
				int r = rt_decide_in(&dc, &bare, &got);
				cr_assert(r == 0 || r == RT_NEED_META, "%s: %d", what, r);
				if (r == 0)
					same(&want, &got, what);
				checked++;
			}
		}
	}
	rt_cands_free(&c);
	rt_dirctx_free(&dc);
	return checked;
}

Test(fastpath, same_decisions_as_every_program)
{
	static const char *const users[] = {"alice", "bob", NULL};
	for (size_t p = 0; p < sizeof policies / sizeof policies[0]; p++) {
		for (int cs = 0; cs < 2; cs++) {
			hp_compile_ok(&H, policies[p], cs);
			hp_bind_users(&H, users);
			cr_expect_gt(differential(), 1000);
		}
	}
}

Test(fastpath, program_shapes)
{
	hp_compile_ok(&H,
		      DOC(COMP("System", "s",
			       INC("C:\\Data\\* [*]") INCF(SIZE_GT_1K, "C:\\Big\\* [*]")
				   INCF("MigXmlHelper.NeverRestore()", "C:\\Cache\\* [*]"))),
		      false);
	hp_bind(&H, NULL);
	const struct plan *p = &H.plan;
	unsigned plain = 0, filtered_meta = 0, filtered = 0;
	for (uint32_t e = 0; e < p->nents; e++) {
		unsigned f = H.b.entf[e];
		cr_expect(f & RT_EF_GATED, "entry %u is gated", e);
		if (f & RT_EF_PURE)
			plain++;
		else if (f & RT_EF_NEEDMETA)
			filtered_meta++;
		else
			filtered++;
	}
	cr_expect_eq(plain, 1);
	cr_expect_eq(filtered_meta, 1);
	cr_expect_eq(filtered, 1);
}

/* Many rules on one node: the index hands back only what can match the name. */
Test(fastpath, thousand_extension_rules)
{
	char *xml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&xml, &len);
	cr_assert_not_null(f);
	fputs("<?xml version=\"1.0\"?><migration urlid=\"http://example.org/x\">", f);
	for (int i = 0; i < 1000; i++)
		fprintf(f, COMP("System", "e%d", INC("C:\\* [*.ext%d]")), i, i);
	fputs(COMP("System", "docs", INC("C:\\Docs\\* [*]")), f);
	fputs("</migration>\n", f);
	fclose(f);
	hp_compile_ok(&H, xml, false);
	free(xml);
	hp_bind(&H, NULL);
	struct rt_dirctx dc = {0};
	cr_assert_eq(rt_dir_begin(&dc, &H.b, "/Docs/a", 7), 0);
	cr_expect_eq(dc.ncands, 1001);
	cr_assert_eq(dc.nl, 2);
	cr_assert_eq(lidx_query(dc.l[0].ix, "x.ext417", 8, false, MATCH_FOLD, &dc.sc), 0);
	cr_expect_eq(dc.sc.n, 1, "one of the 1000 can match x.ext417");
	cr_assert_eq(lidx_query(dc.l[0].ix, "x.EXT41", 7, false, MATCH_FOLD, &dc.sc), 0);
	cr_expect_eq(dc.sc.n, 1, "folded");
	cr_assert_eq(lidx_query(dc.l[0].ix, "x.doc", 5, false, MATCH_FOLD, &dc.sc), 0);
	cr_expect_eq(dc.sc.n, 0);
	struct vm_obj o = {.dir = "/Docs/a", .dirlen = 7, .name = "x.ext5", .namelen = 6};
	struct decision d;
	cr_assert_eq(rt_decide_in(&dc, &o, &d), 0);
	cr_expect_eq(d.verdict, V_INCLUDE);
	rt_dirctx_free(&dc);
}
