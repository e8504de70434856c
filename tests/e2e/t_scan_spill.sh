#!/usr/bin/env bash
# The scan's list of the objects pass 1 found does not stay in memory: beyond a budget
# it moves to an unlinked temporary file and is read back in order (front-coded paths,
# records straddling the read buffer). MIGSTATE_TEST_ITEMS_MEM shrinks the budget so a
# small tree takes that route; the store and the catalog must be exactly those of a scan
# that kept the list in memory -- for a hard-link store and for a copy store (where a
# second name of an inode becomes a link to the first copy). The tree has more objects
# than the size at which a hard-link scan links on two threads (scan_helper.c,
# WORKERS_MIN_RUN), so that route is taken too.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
need_root
need_cmd python3
T=$(mk_tmpdir)
R=$T/root
mk_system "$R"
python3 - "$R/home/alice/Documents/tree" <<'PY'
import os, sys
base = sys.argv[1]
for d in range(60):
    p = os.path.join(base, "d%02d" % d, "sub-%d" % (d % 7))
    os.makedirs(p, exist_ok=True)
    for f in range(150):
        with open(os.path.join(p, "a-file-with-a-longer-name-%03d.txt" % f), "w") as fh:
            fh.write("%d/%d\n" % (d, f))
PY
D=$R/home/alice/Documents/tree
ln "$D/d00/sub-0/a-file-with-a-longer-name-000.txt" "$D/d01/sub-1/twin.txt"
compile_shipped "$T/user.plan"
CATDUMP=$(helper catdump)
S=$R/store

# run_scan NAME [options]: a scan into $S, its catalog in $T/NAME.cat, payload in $T/NAME.files
run_scan() {
	local name=$1
	shift
	rm -rf "$S"
	expect_rc 0 "$MIGSTATE" scan "$S" --plan "$T/user.plan" --nocompress --root "$R" \
		--min-free 1 --log "$T/$name.log" "$@"
	"$CATDUMP" "$S" >"$T/$name.cat" || fail "$name: catalog unreadable"
	(cd "$S/MIGSTATE/File" && find . | LC_ALL=C sort) >"$T/$name.files"
}

for mode in hardlink copy; do
	opt=()
	[ $mode = hardlink ] && opt=(--hardlink)
	run_scan "$mode-mem" "${opt[@]}"
	grep -q 'their list: .*in memory' "$T/$mode-mem.log" || fail "$mode: the list was not kept in memory"
	export MIGSTATE_TEST_ITEMS_MEM=1024
	run_scan "$mode-file" "${opt[@]}"
	unset MIGSTATE_TEST_ITEMS_MEM
	grep -q 'their list: .*in a temporary file' "$T/$mode-file.log" ||
		fail "$mode: the list did not move to its file: $(grep 'walk:' "$T/$mode-file.log")"
	n=$(grep -c $'^file\t' "$T/$mode-file.cat")
	[ "$n" -gt 9000 ] || fail "$mode: only $n files captured"
	assert_eq "$(cat "$T/$mode-mem.cat")" "$(cat "$T/$mode-file.cat")" "$mode: the same catalog"
	assert_eq "$(cat "$T/$mode-mem.files")" "$(cat "$T/$mode-file.files")" "$mode: the same payload"
done
# the copy store: the twin is a second name of the first copy, both ways
P=$S/MIGSTATE/File/home/alice/Documents/tree
same_inode "$P/d00/sub-0/a-file-with-a-longer-name-000.txt" "$P/d01/sub-1/twin.txt" ||
	fail "copy store: the two names of one inode are not one copy"
# the hard-link store: every payload file is its original
expect_rc 0 "$MIGSTATE" scan "$S" -o --plan "$T/user.plan" --hardlink --nocompress --root "$R" \
	--min-free 1 --log "$T/last.log"
for f in d00/sub-0/a-file-with-a-longer-name-000.txt d59/sub-3/a-file-with-a-longer-name-149.txt; do
	same_inode "$D/$f" "$S/MIGSTATE/File/home/alice/Documents/tree/$f" || fail "$f not linked"
done
expect_rc 0 "$MIGSTATE" verify "$S"
