#!/usr/bin/env bash
# rd, verify and du hold nothing per file: they read the catalog in order alongside their
# walks of the store (found in walk order, never indexed), sort the restore journal and
# du's names with a bounded external sort (runs in an unlinked temporary file, merged),
# and keep verify's problem lists and rd's pending list in spill lists.
#
# The same store history is replayed three times: with the catalog indexed in memory as
# before (MIGSTATE_TEST_CATALOG_INDEX), with the default budgets, and with every budget
# at 4 KiB (MIGSTATE_TEST_ITEMS_MEM: hundreds of sort runs, several merge passes). The
# three must print exactly the same verify (text and JSON), du and rd reports, with the
# same exit codes. The history makes every lookup matter: a copy load after the
# originals are gone (the journal decides what rd may remove and what verify accepts),
# loaded twice (two runs in the journal), a relocation, hard-linked captured files (two
# store names of one inode for du), a restored copy changed (diverged, kept), one
# removed (store only, kept), a payload removed (missing), an orphan in the store.
# Peak RSS of the default run stays small (not under a sanitizer).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd python3
need_cmd "${CC:-cc}"
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 768m
mk_system "$R"
fill_homes "$R"
python3 "$REPO/tests/helpers/spill_tree.py" "$R/home/alice"
python3 - "$R/home/alice" <<'PY'
import os, sys
home = sys.argv[1]
# names that sort around '/' ("d000.x" after everything below "d000"), and hard links
os.makedirs(os.path.join(home, "Documents/tree/d000.x"), exist_ok=True)
for n in ("d000!", "d000.txt", "d000 a", "d0000"):
    with open(os.path.join(home, "Documents/tree", n), "w") as fh:
        fh.write(n + "\n")
for i in range(5):
    os.link(os.path.join(home, "Documents/tree/d003/sub-3/a-file-with-a-longer-name-%03d.txt" % i),
            os.path.join(home, "Documents/hl-%d.txt" % i))
PY
chown -R 1001:1001 "$R/home/alice"
cp -a "$R/home" "$WORK/homes"
homes_policy "$WORK/p.xml" rd-verify-du-spill <<'EOF'
        <locationModify script="MigXmlHelper.RelativeMove('%CSIDL_PROFILE%\Old','%CSIDL_PROFILE%\New')">
          <objectSet><pattern type="File">%CSIDL_PROFILE%\Old\* [*]</pattern></objectSet>
        </locationModify>
EOF
compile "$WORK/p.xml" "$WORK/p.plan"
S=$R/store
"${CC:-cc}" -O2 -o "$WORK/rusage" "$REPO/bench/rusage.c" || fail "cannot build bench/rusage.c"
A=$R/home/alice
F=a-file-with-a-longer-name

# run NAME CMD...: the command's output, exit code and peak RSS (KiB) into $WORK/NAME.*
run() {
	local name=$1
	shift
	"$WORK/rusage" "$WORK/$name.ru" "$@" >"$WORK/$name.out" 2>&1
	read -r _ _ rss rc _ <"$WORK/$name.ru"
	echo "$rc" >"$WORK/$name.rc"
	echo "$rss" >"$WORK/$name.rss"
}

# cycle NAME: the whole history on a fresh copy of the homes, then verify, du, rd
cycle() {
	local n=$1
	rm -rf "$S" "$R/home"
	cp -a "$WORK/homes" "$R/home"
	env -u MIGSTATE_TEST_ITEMS_MEM -u MIGSTATE_TEST_CATALOG_INDEX \
		"$MIGSTATE" scan "$S" --plan "$WORK/p.plan" --root "$R" --hardlink --nocompress \
		--min-free 1 --log "$WORK/scan.log" >/dev/null 2>&1 || fail "$n: scan failed"
	run "$n.du0" "$MIGSTATE" du "$S" --root "$R" --json
	wipe_homes "$R"
	for i in 1 2; do
		env -u MIGSTATE_TEST_ITEMS_MEM -u MIGSTATE_TEST_CATALOG_INDEX \
			"$MIGSTATE" load "$S" --plan "$WORK/p.plan" --root "$R" --nocompress \
			--log "$WORK/load.log" >/dev/null 2>&1 || fail "$n: copy load $i failed"
	done
	[ "$(wc -l <"$S/MIGSTATE/restored")" -ge 96000 ] || fail "$n: short journal"
	rm "$A/New/d000/sub-0/$F-000.txt"                               # store only: kept
	echo changed >"$A/Documents/tree/d001/sub-1/$F-001.txt"         # diverged: kept
	touch -d @1700000000 "$A/Documents/tree/d001/sub-1/$F-001.txt"
	rm "$S/MIGSTATE/File/home/alice/Documents/tree/d002/sub-2/$F-002.txt" # missing
	echo orphan >"$S/MIGSTATE/File/home/alice/Documents/tree/d000!.orphan"
	run "$n.verify" "$MIGSTATE" verify "$S" --root "$R"
	run "$n.vjson" "$MIGSTATE" verify "$S" --root "$R" --json
	run "$n.du" "$MIGSTATE" du "$S" --root "$R" --json
	run "$n.rd" "$MIGSTATE" rd "$S" --root "$R" -y
	run "$n.verify2" "$MIGSTATE" verify "$S" --root "$R" --json
	(cd "$S" && find . -printf '%y %p\n' | LC_ALL=C sort) >"$WORK/$n.left"
}

export MIGSTATE_TEST_CATALOG_INDEX=1
cycle index
unset MIGSTATE_TEST_CATALOG_INDEX
cycle mem
export MIGSTATE_TEST_ITEMS_MEM=4096
cycle spill
unset MIGSTATE_TEST_ITEMS_MEM

# what the history must give
assert_eq 42 "$(cat "$WORK/mem.verify.rc")" "verify exit code"
grep -q "^missing	.*d002/sub-2/$F-002.txt" "$WORK/mem.verify.out" || fail "verify: no missing line"
grep -q "^diverged	.*d001/sub-1/$F-001.txt" "$WORK/mem.verify.out" || fail "verify: no diverged line"
grep -q "^orphaned	.*d000!.orphan" "$WORK/mem.verify.out" || fail "verify: no orphaned line"
grep -q "1 missing, 1 diverged, 1 orphaned" "$WORK/mem.verify.out" ||
	fail "verify: unexpected counts: $(tail -2 "$WORK/mem.verify.out")"
assert_eq 35 "$(cat "$WORK/mem.rd.rc")" "rd exit code"
grep -q "^kept	.*New/d000/sub-0/$F-000.txt	last link" "$WORK/mem.rd.out" &&
	fail "rd: a relocated file named by its new place?"
grep -q "^kept	.*Old/d000/sub-0/$F-000.txt	last link" "$WORK/mem.rd.out" ||
	fail "rd: the store-only entry was not kept: $(grep kept "$WORK/mem.rd.out" | head)"
grep -q "^kept	.*d001/sub-1/$F-001.txt	last link" "$WORK/mem.rd.out" ||
	fail "rd: the entry whose copy changed was not kept"
grep -q "^kept	.*d000!.orphan	not in the catalog" "$WORK/mem.rd.out" || fail "rd: the orphan was not kept"
[ "$(grep -c '^kept' "$WORK/mem.rd.out")" = 3 ] || fail "rd: $(grep -c '^kept' "$WORK/mem.rd.out") kept"
# the originals are gone and the restored files are copies: every payload is store-only
# (a hard-linked pair one inode of two names), the orphan is "other"
python3 - "$WORK/mem.du.out" <<'PY' || fail "du after the copy load: $(cat "$WORK/mem.du.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["store_only"]["count"] > 48000 and d["other"]["count"] == 1 and d["linked"]["count"] == 0, d
assert d["names"] - d["inodes"] == 5, d
PY
python3 - "$WORK/mem.du0.out" <<'PY' || fail "du of the fresh store"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["linked"]["count"] > 48000 and d["names"] - d["inodes"] == 5, d
PY

for n in mem spill; do
	for x in du0 verify vjson du rd verify2; do
		cmp -s "$WORK/index.$x.out" "$WORK/$n.$x.out" ||
			fail "$n: $x differs from the indexed run: $(diff "$WORK/index.$x.out" "$WORK/$n.$x.out" | head -5)"
		cmp -s "$WORK/index.$x.rc" "$WORK/$n.$x.rc" || fail "$n: $x exit code differs"
	done
	cmp -s "$WORK/index.left" "$WORK/$n.left" || fail "$n: rd left something else"
done

case "$(nm -D "$MIGSTATE" 2>/dev/null; ldd "$MIGSTATE" 2>/dev/null)" in
*__asan_init* | *libasan*) note "sanitizer build: peak RSS not checked" ;;
*)
	for x in verify vjson du rd; do
		rss=$(cat "$WORK/mem.$x.rss")
		note "$x of ~48,000 files: peak RSS $rss KiB (indexed: $(cat "$WORK/index.$x.rss") KiB)"
		[ "$rss" -lt 10240 ] || fail "$x peaked at $rss KiB (more than 10 MiB)"
	done
	;;
esac
