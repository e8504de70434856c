#!/usr/bin/env bash
# locationModify with Move and ExactMove, end to end: scan captures in place, load puts
# each object where the helper says, within one volume by linking the captured inode.
#   Move('C:\Music')           keeps the folders below the longest variable path that
#                              holds the object (/home for a profile), else only the name;
#   ExactMove('C:\flat')       a folder: every object lands there by its own name (two
#                              objects of one name: the second gets the default name(1));
#   ExactMove('C:\one [x.txt]') a file: the object gets that one name.
# Dry run first (names the places, changes nothing); a rerun restores nothing twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
put "$R/data/tunes/a.mp3" 0:0 0644 "2021-01-01 01:01:01" "data tune"
put "$R/home/alice/Music/rock/b.mp3" 1001:1001 0640 "2021-02-02 02:02:02" "alice tune"
put "$R/data2/left/x.doc" 0:0 0600 "2021-03-03 03:03:03" "left doc"
put "$R/data2/right/x.doc" 0:0 0604 "2021-04-04 04:04:04" "right doc"
put "$R/data2/deep/er/y.doc" 0:0 0644 "2021-05-05 05:05:05" "deep doc"
put "$R/data3/sub/only.txt" 0:0 0640 "2021-06-06 06:06:06" "the one"
put "$R/data/keep.txt" 0:0 0644 "2021-07-07 07:07:07" "stays put"
chown -R 1001:1001 "$R/home/alice/Music"
cat >"$WORK/p.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<migration urlid="http://migstate.invalid/test/move">
  <component type="Documents" context="System">
    <displayName>Moves</displayName>
    <role role="Data">
      <rules>
        <include><objectSet>
          <pattern type="File">C:\data\* [*]</pattern>
          <pattern type="File">C:\home\* [*.mp3]</pattern>
          <pattern type="File">C:\data2\* [*.doc]</pattern>
          <pattern type="File">C:\data3\* [*.txt]</pattern>
        </objectSet></include>
        <locationModify script="MigXmlHelper.Move('C:\Music')">
          <objectSet>
            <pattern type="File">C:\data\* [*.mp3]</pattern>
            <pattern type="File">C:\home\* [*.mp3]</pattern>
          </objectSet>
        </locationModify>
        <locationModify script="MigXmlHelper.ExactMove('C:\flat')">
          <objectSet><pattern type="File">C:\data2\* [*.doc]</pattern></objectSet>
        </locationModify>
        <locationModify script="MigXmlHelper.ExactMove('C:\one [x.txt]')">
          <objectSet><pattern type="File">C:\data3\* [*.txt]</pattern></objectSet>
        </locationModify>
      </rules>
    </role>
  </component>
</migration>
EOF
compile "$WORK/p.xml" "$WORK/p.plan"
declare -A ino
for f in data/tunes/a.mp3 home/alice/Music/rock/b.mp3 data2/left/x.doc data2/right/x.doc \
	data2/deep/er/y.doc data3/sub/only.txt data/keep.txt; do
	ino[$f]=$(stat -c %i "$R/$f")
done
scan "$R/store" "$WORK/p.plan" "$R"
rm -rf "$R/data" "$R/data2" "$R/data3" "$R/home/alice/Music"

before=$(cd "$R" && find . -path ./store -prune -o -print | LC_ALL=C sort)
load "$R/store" "$WORK/p.plan" "$R" --dry-run
[ "$RC" = 0 ] || fail "dry run exited $RC: $OUT"
for p in /Music/a.mp3 /Music/alice/Music/rock/b.mp3 /flat/y.doc /one/x.txt; do
	assert_contains "$OUT" "$p" "dry run names $p"
done
assert_eq "$before" "$(cd "$R" && find . -path ./store -prune -o -print | LC_ALL=C sort)" \
	"dry run touched nothing"

load "$R/store" "$WORK/p.plan" "$R"
[ "$RC" = 0 ] || fail "load exited $RC: $OUT"
# same_place FILE ORIGINAL: linked back (the captured inode), with its content
same_place() {
	[ -f "$R/$1" ] || fail "$2 not restored at /$1: $(cd "$R" && find . -path ./store -prune -o -type f -print)"
	assert_eq "${ino[$2]}" "$(stat -c %i "$R/$1")" "/$2 linked to /$1"
}
same_place Music/a.mp3 data/tunes/a.mp3                         # Move: no variable holds /data
same_place Music/alice/Music/rock/b.mp3 home/alice/Music/rock/b.mp3 # Move: below /home kept
same_place flat/y.doc data2/deep/er/y.doc                       # ExactMove to a folder flattens
same_place one/x.txt data3/sub/only.txt                         # ExactMove to a file renames
same_place data/keep.txt data/keep.txt                          # not moved
# the two x.doc meet in /flat: both kept, the second under the default name(1)
docs=$(cat "$R/flat/x.doc" "$R/flat/x(1).doc" 2>/dev/null | LC_ALL=C sort | tr '\n' ,)
assert_eq "left doc,right doc," "$docs" "both x.doc kept in /flat"
# nothing left in the old places
for d in data/tunes data2 data3 home/alice/Music; do assert_no_path "$R/$d"; done
# owner and mode travel with the inode
assert_eq "1001 640" "$(stat -c '%u %a' "$R/Music/alice/Music/rock/b.mp3")" "b.mp3 owner/mode"

# a rerun restores nothing twice and keeps every file
snap=$(cd "$R" && find . -path ./store -prune -o -type f -printf '%p %i\n' | LC_ALL=C sort)
load "$R/store" "$WORK/p.plan" "$R"
[ "$RC" = 0 ] || fail "rerun exited $RC: $OUT"
assert_eq "$snap" "$(cd "$R" && find . -path ./store -prune -o -type f -printf '%p %i\n' | LC_ALL=C sort)" \
	"a rerun changes nothing"
# the moved objects count as restored: the store goes without --force
expect_rc 0 "$MIGSTATE" rd "$R/store" -y
assert_no_path "$R/store"
assert_eq "the one" "$(cat "$R/one/x.txt")" "content survives rd"
