#!/usr/bin/env bash
# Collisions at load (spec 6.3's SampleA/SampleB scenario): the default renames the
# incoming file name(1).ext, name(2).ext; DestinationPriority keeps what is there;
# SourcePriority replaces it atomically with the captured inode (the most specific
# merge rule wins: a non-recursive rule leaves the subfolder to the default);
# FindFilePlaceByPattern names the file by its pattern; NewestVersion compares mtimes.
# destinationCleanup removes only what it names, before anything is applied. A plan
# with another rule set than the scan's is warned about, naming both hashes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
D=$R/home/alice/Data
put "$D/SampleA.txt" 1001:1001 0644 "2020-01-01 00:00:00" "source A"
put "$D/SampleB.txt" 1001:1001 0644 "2020-01-01 00:00:00" "source B"
put "$D/Folder/SampleB.txt" 1001:1001 0644 "2020-01-01 00:00:00" "source folder B"
put "$R/home/alice/Cache/keep.dat" 1001:1001 0644 "2020-01-01 00:00:00" "captured cache"
chown -R 1001:1001 "$R/home/alice"
ino_a=$(stat -c %i "$D/SampleA.txt")
ino_b=$(stat -c %i "$D/SampleB.txt")
ino_fb=$(stat -c %i "$D/Folder/SampleB.txt")

# mkplan NAME RULES: the include of every home, plus RULES in the same <rules>.
mkplan() {
	cat >"$WORK/$1.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<migration urlid="http://migstate.invalid/test/merge">
  <component type="Documents" context="User">
    <displayName>Homes</displayName>
    <role role="Data">
      <rules>
        <include><objectSet><pattern type="File">%CSIDL_PROFILE%\\* [*]</pattern></objectSet></include>
        $2
      </rules>
    </role>
  </component>
</migration>
EOF
	compile "$WORK/$1.xml" "$WORK/$1.plan"
}
merge() { # merge HELPER PATTERN
	echo "<merge script=\"MigXmlHelper.$1\"><objectSet><pattern type=\"File\">$2</pattern></objectSet></merge>"
}

mkplan base ""
scan "$R/store" "$WORK/base.plan" "$R"

# the destination as a new system left it: SampleB.txt and Folder/SampleB.txt exist
reset_dest() {
	rm -rf "$D" "$R/home/alice/Cache"
	put "$D/SampleB.txt" 1001:1001 0600 "${1:-2010-01-01 00:00:00}" "dest B"
	put "$D/Folder/SampleB.txt" 1001:1001 0600 "${2:-2010-01-01 00:00:00}" "dest folder B"
}
content() { cat "$D/$1"; }

# --- default: rename -----------------------------------------------------------------
reset_dest
put "$D/SampleB(1).txt" 1001:1001 0600 "2010-01-01 00:00:00" "an earlier (1)"
load "$R/store" "$WORK/base.plan" "$R"
[ "$RC" = 0 ] || fail "default load exited $RC: $OUT"
assert_contains "$OUT" "2 renamed" "default merge renames"
assert_eq "dest B" "$(content SampleB.txt)" "existing file untouched"
assert_eq "an earlier (1)" "$(content 'SampleB(1).txt')" "(1) taken: untouched"
assert_eq "source B" "$(content 'SampleB(2).txt')" "incoming takes (2)"
assert_eq "$ino_b" "$(stat -c %i "$D/SampleB(2).txt")" "renamed file is the captured inode"
assert_eq "source folder B" "$(content 'Folder/SampleB(1).txt')" "subfolder rename"
assert_eq "$ino_a" "$(stat -c %i "$D/SampleA.txt")" "no collision: linked"
# a rerun recognises its renamed files: no SampleB(3)
load "$R/store" "$WORK/base.plan" "$R"
[ "$RC" = 0 ] || fail "rerun exited $RC: $OUT"
assert_no_path "$D/SampleB(3).txt"
assert_no_path "$D/Folder/SampleB(2).txt"

# --- DestinationPriority --------------------------------------------------------------
mkplan dest "$(merge 'DestinationPriority()' '%CSIDL_PROFILE%\Data\* [*]')"
reset_dest
load "$R/store" "$WORK/dest.plan" "$R"
[ "$RC" = 0 ] || fail "DestinationPriority load exited $RC: $OUT"
assert_contains "$OUT" "2 kept existing" "DestinationPriority keeps"
assert_eq "dest B" "$(content SampleB.txt)" "kept B"
assert_eq "dest folder B" "$(content Folder/SampleB.txt)" "kept folder B"
assert_eq "source A" "$(content SampleA.txt)" "A restored"
[ -z "$(ls "$D" | grep '(')" ] || fail "DestinationPriority made copies: $(ls "$D")"

# --- SourcePriority on the whole tree -------------------------------------------------
mkplan src "$(merge 'SourcePriority()' '%CSIDL_PROFILE%\Data\* [*]')"
reset_dest
load "$R/store" "$WORK/src.plan" "$R"
[ "$RC" = 0 ] || fail "SourcePriority load exited $RC: $OUT"
assert_contains "$OUT" "2 replaced" "SourcePriority replaces"
assert_eq "$ino_b" "$(stat -c %i "$D/SampleB.txt")" "replaced by the captured inode"
assert_eq "$ino_fb" "$(stat -c %i "$D/Folder/SampleB.txt")" "replaced in the subfolder"
assert_eq "644 2020-01-01 00:00:00.000000000 +0000" "$(stat -c '%a %y' "$D/SampleB.txt")" "captured metadata"
[ -z "$(ls -A "$D" | grep -v -e '^SampleA.txt$' -e '^SampleB.txt$' -e '^Folder$')" ] ||
	fail "leftovers: $(ls -A "$D")"

# --- SourcePriority on the folder only: the subfolder falls back to the default -----
mkplan srcnode "$(merge 'SourcePriority()' '%CSIDL_PROFILE%\Data [*]')"
reset_dest
load "$R/store" "$WORK/srcnode.plan" "$R"
[ "$RC" = 0 ] || fail "node SourcePriority exited $RC: $OUT"
assert_eq "source B" "$(content SampleB.txt)" "Data/SampleB.txt replaced"
assert_eq "dest folder B" "$(content Folder/SampleB.txt)" "Folder/SampleB.txt stays"
assert_eq "source folder B" "$(content 'Folder/SampleB(1).txt')" "Folder/SampleB.txt renamed (PORT choice)"

# --- FindFilePlaceByPattern -----------------------------------------------------------
mkplan pat "$(merge "FindFilePlaceByPattern('&lt;F&gt; (copy &lt;N&gt;).&lt;E&gt;')" '%CSIDL_PROFILE%\Data\* [*]')"
reset_dest
load "$R/store" "$WORK/pat.plan" "$R"
[ "$RC" = 0 ] || fail "FindFilePlaceByPattern exited $RC: $OUT"
assert_eq "source B" "$(content 'SampleB (copy 1).txt')" "pattern name"
assert_eq "dest B" "$(content SampleB.txt)" "pattern keeps the existing file"

# --- NewestVersion (mtime) ------------------------------------------------------------
mkplan newest "$(merge "NewestVersion('FileVersion')" '%CSIDL_PROFILE%\Data\* [*]')"
reset_dest "2030-01-01 00:00:00" "2000-01-01 00:00:00"
load "$R/store" "$WORK/newest.plan" "$R"
[ "$RC" = 0 ] || fail "NewestVersion exited $RC: $OUT"
assert_eq "dest B" "$(content SampleB.txt)" "newer destination kept"
assert_eq "source folder B" "$(content Folder/SampleB.txt)" "older destination replaced"

# --- destinationCleanup, and the rule-set warning ---------------------------------------
mkplan clean '<destinationCleanup><objectSet><pattern type="File">%CSIDL_PROFILE%\Cache\* [*]</pattern></objectSet></destinationCleanup>'
reset_dest
put "$R/home/alice/Cache/stale.dat" 1001:1001 0644 "2010-01-01 00:00:00" "new system's cache"
put "$R/home/alice/Cache/keep.dat" 1001:1001 0644 "2010-01-01 00:00:00" "new system's keep"
put "$R/home/alice/Other/stale.dat" 1001:1001 0644 "2010-01-01 00:00:00" "not named"
load "$R/store" "$WORK/clean.plan" "$R"
[ "$RC" = 0 ] || fail "cleanup load exited $RC: $OUT"
assert_no_path "$R/home/alice/Cache/stale.dat"
assert_eq "captured cache" "$(cat "$R/home/alice/Cache/keep.dat")" "cleaned, then restored without a collision"
assert_eq "not named" "$(cat "$R/home/alice/Other/stale.dat")" "cleanup only removes what it names"
assert_contains "$(cat "$WORK/load.log")" "destinationCleanup removed /home/alice/Cache/stale.dat" "logged file by file"
h_scan=$("$MIGSTATE" verify "$R/store" --json | sed 's/.*"ruleset":"\([0-9a-f]*\)".*/\1/')
assert_contains "$OUT" "$h_scan" "warning names the store's rule set"
assert_contains "$OUT" "is not the one the store was captured with" "rule-set warning"
load "$R/store" "$WORK/base.plan" "$R"
case "$OUT" in *"is not the one"*) fail "same plan warned: $OUT" ;; esac
