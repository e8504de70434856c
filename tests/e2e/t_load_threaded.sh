#!/usr/bin/env bash
# A load of 8192 actions or more links its plain files on a second thread (load_ahead.c)
# while the main thread makes the directories and accounts for every action in catalog
# order. The result must be exactly a one-thread load's (MIGSTATE_WORKERS=0), entry by
# entry: the tree (types, modes, owners, sizes, times, symlink targets), which entries
# are the store's inodes, the bytes, the restore journal line by line, the summary and
# the exit code; with unusual entries among the plain ones, which the linker leaves to
# the main thread (and every action after them, until all are accounted for): a file
# already in place, another file at a captured path (kept beside it), a store entry
# owned by someone else than the captured owner (re-owned), a moved directory, a
# symlink, two names of one inode.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd python3
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 256m
mk_system "$R"
fill_homes "$R"
# 300 directories of 30 files: above the threshold
python3 - "$R/home/alice/many" <<'EOF'
import os, sys
top = sys.argv[1]
for d in range(300):
    p = os.path.join(top, f"d{d:03}")
    os.makedirs(p)
    for f in range(30):
        with open(os.path.join(p, f"f{f:02}"), "w") as fh:
            fh.write(f"{d}.{f}\n")
        os.utime(os.path.join(p, f"f{f:02}"), (1500000000 + f, 1500000000 + d))
EOF
chown -R 1001:1001 "$R/home/alice/many"
ln "$R/home/alice/many/d010/f01" "$R/home/alice/many/d250/twin"
ln -s ../d000/f00 "$R/home/alice/many/d100/sym"
chown -h 1001:1001 "$R/home/alice/many/d100/sym"
mkdir "$R/home/alice/Old"
put "$R/home/alice/Old/moved.txt" 1001:1001 0640 "2020-01-01 00:00:00" "moved"
homes_policy "$WORK/p.xml" load-threaded <<'EOF'
        <locationModify script="MigXmlHelper.RelativeMove('%CSIDL_PROFILE%\Old','%CSIDL_PROFILE%\New')">
          <objectSet><pattern type="File">%CSIDL_PROFILE%\Old\* [*]</pattern></objectSet>
        </locationModify>
EOF
compile "$WORK/p.xml" "$WORK/p.plan"
S=$R/store
scan "$S" "$WORK/p.plan" "$R"

# restore NAME [load options]: wipe the homes, put the unusual entries in place ($BLOCK:
# a file where a directory goes too), load with the environment given, keep what the
# comparison needs
restore() {
	local name=$1
	shift
	wipe_homes "$R"
	rm -f "$S/MIGSTATE/restored"
	# a store entry not owned as captured: the main thread re-owns it
	chown 1002:1002 "$S/MIGSTATE/File/home/alice/many/d150/f07"
	mkdir -p "$R/home/alice/many/d050" "$R/home/alice/many/d200"
	chown -R 1001:1001 "$R/home/alice"
	# already in place (the store's inode), and another file at a captured path
	ln "$S/MIGSTATE/File/home/alice/many/d050/f03" "$R/home/alice/many/d050/f03"
	put "$R/home/alice/many/d200/f10" 1001:1001 0600 "2019-01-01 00:00:00" "not the captured one"
	if [ -n "${BLOCK:-}" ]; then
		put "$R/home/alice/many/$BLOCK" 1001:1001 0600 "2019-01-01 00:00:00" "in the way"
		for f in 0 1 2 3 4 5 6 7 8 9; do
			put "$R/home/alice/many/d200/f0$f" 1001:1001 0600 "2019-01-01 00:00:00" "not ours"
		done
	fi
	load "$S" "$WORK/p.plan" "$R" "$@"
	echo "rc=$RC" >"$WORK/$name.out"
	printf '%s\n' "$OUT" >>"$WORK/$name.out"
	cp "$WORK/load.log" "$WORK/$name.log"
	(cd "$R/home" && find . -mindepth 1 -printf '%y %p %m %U %G %s %T@ %l\n' | LC_ALL=C sort) \
		>"$WORK/$name.tree"
	# which restored files are the store's own inodes
	(cd "$S/MIGSTATE/File/home" && find . -type f -printf '%p %i\n') >"$WORK/store.ino"
	(cd "$R/home" && find . -type f -printf '%p %i\n') |
		awk 'NR == FNR { ino[$1] = $2; next } { print $1, (ino[$1] == $2 ? "store" : "own") }' \
			"$WORK/store.ino" - | LC_ALL=C sort >"$WORK/$name.ino"
	(cd "$R/home" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) >"$WORK/$name.sum"
	cp "$S/MIGSTATE/restored" "$WORK/$name.journal"
}

MIGSTATE_WORKERS=0 restore one -c
restore two -c
grep -q 'linked into place on a second thread' "$WORK/one.log" &&
	fail "MIGSTATE_WORKERS=0: the linker ran"
n=$(sed -n 's/.* \([0-9][0-9]*\) files linked into place on a second thread.*/\1/p' "$WORK/two.log")
[ -n "$n" ] && [ "$n" -ge 4500 ] || fail "the linker did not place the plain files (${n:-no count}): $(tail -3 "$WORK/two.log")"
for x in out tree ino sum journal; do
	cmp -s "$WORK/one.$x" "$WORK/two.$x" ||
		fail "$x differs from the one-thread load: $(diff "$WORK/one.$x" "$WORK/two.$x" | head -6)"
done
# the unusual entries came out as the main thread makes them
grep -q '^./alice/many/d050/f03 store$' "$WORK/two.ino" || fail "the entry in place is not the store's"
grep -q '^f ./alice/many/d150/f07 644 1001 1001 ' "$WORK/two.tree" ||
	fail "the store entry owned by bob was not given back to alice: $(grep d150/f07 "$WORK/two.tree")"
grep -q '^f ./alice/New/moved.txt ' "$WORK/two.tree" || fail "the moved file is missing"
[ "$(grep -c '^f ./alice/many/d200/f10' "$WORK/two.tree")" -ge 1 ] || fail "d200/f10 is gone"
[ "$(wc -l <"$WORK/two.journal")" -ge 9000 ] || fail "journal too short"
# a file in the way of a directory stops the run (no -c) while files before it are still
# on their way, some of them left by the linker (other files at d200/f0?, the directory
# before it): they are finished first, as one thread would have, and nothing after it
# is placed
BLOCK=d201 MIGSTATE_WORKERS=0 restore stop1
BLOCK=d201 restore stop2
grep -q '^rc=0$' "$WORK/stop1.out" && fail "the blocked directory did not stop the run"
for x in out tree ino sum journal; do
	cmp -s "$WORK/stop1.$x" "$WORK/stop2.$x" ||
		fail "stopped run: $x differs from the one-thread load: $(diff "$WORK/stop1.$x" "$WORK/stop2.$x" | head -6)"
done
note "threaded load: $n files linked by the second thread; tree, inodes, bytes, journal and summary as one thread's"
