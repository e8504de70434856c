#!/usr/bin/env bash
# load --dry-run at a taken destination says what each merge rule would do, one line
# per object (VERB <TAB> PATH <TAB> DETAIL), and changes nothing: the default renames
# (the captured path, then where it would go), DestinationPriority keeps, SourcePriority
# replaces; a diverged original (saved by rename after the scan) keeps the name when it
# is newer, and gives it up to the captured file under SourcePriority.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
H=$R/home/alice
put "$H/ren/b.txt" 1001:1001 0644 "2020-01-01 00:00:00" "captured ren"
put "$H/keep/b.txt" 1001:1001 0644 "2020-01-01 00:00:00" "captured keep"
put "$H/repl/b.txt" 1001:1001 0644 "2020-01-01 00:00:00" "captured repl"
put "$H/div.txt" 1001:1001 0644 "2020-01-01 00:00:00" "captured div"
put "$H/src/div.txt" 1001:1001 0644 "2020-01-01 00:00:00" "captured src div"
chown -R 1001:1001 "$H"
homes_policy "$WORK/p.xml" dryrun <<'EOF'
        <merge script="MigXmlHelper.DestinationPriority()">
          <objectSet><pattern type="File">%CSIDL_PROFILE%\keep\* [*]</pattern></objectSet>
        </merge>
        <merge script="MigXmlHelper.SourcePriority()">
          <objectSet><pattern type="File">%CSIDL_PROFILE%\repl\* [*]</pattern>
            <pattern type="File">%CSIDL_PROFILE%\src\* [*]</pattern></objectSet>
        </merge>
EOF
compile "$WORK/p.xml" "$WORK/p.plan"
scan "$R/store" "$WORK/p.plan" "$R"

# diverged: saved by rename after the scan (a new inode under the old name, newer)
for f in "$H/div.txt" "$H/src/div.txt"; do
	printf 'saved later\n' >"$f.tmp~"
	chown 1001:1001 "$f.tmp~"
	touch -d "2022-01-01 00:00:00" "$f.tmp~"
	mv -f "$f.tmp~" "$f"
done
# collisions: the directories as a new system made them, another file at the paths
for d in ren keep repl; do
	rm -rf "${H:?}/$d"
	put "$H/$d/b.txt" 1001:1001 0600 "2010-01-01 00:00:00" "dest $d"
	chown 1001:1001 "$H/$d"
done
before=$(cd "$R" && find home -printf '%p %i %s %T@\n' | sort)

load "$R/store" "$WORK/p.plan" "$R" --dry-run
[ "$RC" = 0 ] || fail "dry-run load exited $RC: $OUT"
tab=$'\t'
assert_contains "$OUT" "rename${tab}/home/alice/ren/b.txt${tab}/home/alice/ren/b(1).txt" \
	"default rule: rename line, captured path then the new name"
assert_contains "$OUT" "keep${tab}/home/alice/keep/b.txt${tab}the existing file stays (merge rule)" \
	"DestinationPriority: keep line"
assert_contains "$OUT" "replace${tab}/home/alice/repl/b.txt${tab}/home/alice/repl/b.txt" \
	"SourcePriority: replace line, the path then the captured path"
assert_contains "$OUT" "diverged${tab}/home/alice/div(captured).txt${tab}captured " \
	"diverged, the newer original keeps the name: the captured version's new name"
assert_contains "$OUT" "diverged${tab}/home/alice/src/div(diverged).txt${tab}captured " \
	"diverged under SourcePriority: where the original would move"
after=$(cd "$R" && find home -printf '%p %i %s %T@\n' | sort)
assert_eq "$before" "$after" "a dry run changes nothing"
