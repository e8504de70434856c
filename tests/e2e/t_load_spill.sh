#!/usr/bin/env bash
# load's memory does not grow with the number of files: it reads the catalog in order
# (mapped pages handed back behind it), keeps one entry per directory, and its lists of
# per-object decisions and of copies to re-time move to an unlinked temporary file beyond
# a budget. MIGSTATE_TEST_ITEMS_MEM shrinks that budget so a small tree takes the file
# route; the restored tree (relocations included), the restore journal and the counts
# must be exactly those of a load that kept the lists in memory, for a hard-link load and
# for a copy load. And the peak RSS of a load of ~50,000 files stays small (the old
# in-memory catalog needed about 20 MB there).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd python3
need_cmd "${CC:-cc}"
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 512m
mk_system "$R"
fill_homes "$R"
python3 "$REPO/tests/helpers/spill_tree.py" "$R/home/alice" --dir-modes
chown -R 1001:1001 "$R/home/alice"
ln -s tree/d000 "$R/home/alice/Documents/link-to-d000"
homes_policy "$WORK/p.xml" load-spill <<'EOF'
        <locationModify script="MigXmlHelper.RelativeMove('%CSIDL_PROFILE%\Old','%CSIDL_PROFILE%\New')">
          <objectSet><pattern type="File">%CSIDL_PROFILE%\Old\* [*]</pattern></objectSet>
        </locationModify>
EOF
compile "$WORK/p.xml" "$WORK/p.plan"
S=$R/store
scan "$S" "$WORK/p.plan" "$R"
"${CC:-cc}" -O2 -o "$WORK/rusage" "$REPO/bench/rusage.c" || fail "cannot build bench/rusage.c"

# restore NAME [load options]: wipe the homes and the journal, load (peak RSS measured),
# keep the restored tree's listing (inodes for links), the journal and the summary
restore() {
	local name=$1
	shift
	wipe_homes "$R"
	rm -f "$S/MIGSTATE/restored"
	"$WORK/rusage" "$WORK/$name.ru" "$MIGSTATE" load "$S" --plan "$WORK/p.plan" --root "$R" \
		--nocompress --log "$WORK/$name.log" "$@" >"$WORK/$name.out" 2>&1
	read -r _ _ RSS RC _ <"$WORK/$name.ru"
	[ "$RC" = 0 ] || fail "$name: load exited $RC: $(cat "$WORK/$name.out")"
	(cd "$R/home" && find . -mindepth 1 -printf '%y %p %m %U %G %s %T@ %l\n' | LC_ALL=C sort) \
		>"$WORK/$name.tree"
	(cd "$R/home" && find . -type f -printf '%p %i\n' | LC_ALL=C sort) >"$WORK/$name.ino"
	(cd "$R/home" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) >"$WORK/$name.sum"
	cp "$S/MIGSTATE/restored" "$WORK/$name.journal"
}

restore mem --hardlink
grep -q 'temporary file' "$WORK/mem.log" && fail "mem: the list left memory at this size"
n=$(grep -c '^f ' "$WORK/mem.tree")
[ "$n" -ge 48000 ] || fail "mem: only $n files restored"
grep -q '^d ./alice/New/d018/sub-3 711 1001 1001 [0-9]* 1500000018\.' "$WORK/mem.tree" ||
	fail "mem: the relocated directory lost its metadata: $(grep 'New/d018/sub-3 ' "$WORK/mem.tree")"
grep -q '^d ./alice/Documents/tree/d003/sub-3 750 1001 1001 [0-9]* 1500000003\.' "$WORK/mem.tree" ||
	fail "mem: a directory lost its metadata"
# peak RSS (not under a sanitizer: its shadow memory counts)
case "$(nm -D "$MIGSTATE" 2>/dev/null; ldd "$MIGSTATE" 2>/dev/null)" in
*__asan_init* | *libasan* | *__tsan_init* | *libtsan*) note "sanitizer build: peak RSS not checked" ;;
*)
	[ "$RSS" -lt 14336 ] || fail "load of $n files peaked at $RSS KiB (more than 14 MiB)"
	note "load of $n files: peak RSS $RSS KiB"
	;;
esac

export MIGSTATE_TEST_ITEMS_MEM=4096
restore file --hardlink
unset MIGSTATE_TEST_ITEMS_MEM
grep -q 'the list is in a temporary file' "$WORK/file.log" || fail "file: the list stayed in memory"
for x in tree ino sum journal out; do
	cmp -s "$WORK/mem.$x" "$WORK/file.$x" ||
		fail "file: $x differs from the in-memory load: $(diff "$WORK/mem.$x" "$WORK/file.$x" | head -5)"
done

# copies: every restored file is a copy whose times are checked at the end (that list
# is in its file too); the tree is the hard-link load's but for the inodes
export MIGSTATE_TEST_ITEMS_MEM=4096
restore copy
unset MIGSTATE_TEST_ITEMS_MEM
grep -q 'the list is in a temporary file' "$WORK/copy.log" || fail "copy: the list stayed in memory"
for x in tree sum; do
	cmp -s "$WORK/mem.$x" "$WORK/copy.$x" ||
		fail "copy: $x differs from the hard-link load: $(diff "$WORK/mem.$x" "$WORK/copy.$x" | head -5)"
done
cmp -s "$WORK/mem.ino" "$WORK/copy.ino" && fail "copy: the files are the store's inodes"
expect_rc 0 "$MIGSTATE" verify "$S"
