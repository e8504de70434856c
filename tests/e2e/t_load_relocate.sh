#!/usr/bin/env bash
# locationModify at load: RelativeMove within the volume links the captured inode into
# its new place (new parent directories made like the ones they stand for); RelativeMove
# to another volume copies it with owner, mode, times and xattrs. The store can then be
# removed without --force: the moved copy is recognised as restored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd setfattr
need_cmd setfacl
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_tmpfs "$R/srv" 16m
mk_system "$R"
put "$R/home/alice/Old/sub/a.txt" 1001:1001 0640 "2021-01-01 01:01:01.5" "moved within"
put "$R/home/alice/Archive/x.txt" 1001:1001 0604 "2020-02-02 02:02:02.25" "moved across"
put "$R/home/alice/stay.txt" 1001:1001 0600 "2019-03-03 03:03:03" "stays"
setfattr -n user.tag -v blue "$R/home/alice/Archive/x.txt"
setfacl -m u:1234:r "$R/home/alice/Archive/x.txt" # an ACL is an xattr: copied with the file
acl_x=$(getfacl -cpn "$R/home/alice/Archive/x.txt" 2>/dev/null)
chown 1001:1001 "$R/home/alice/Old" "$R/home/alice/Old/sub" "$R/home/alice/Archive"
chmod 0751 "$R/home/alice/Old/sub"
touch -d "2018-08-08 08:08:08" "$R/home/alice/Old/sub"
homes_policy "$WORK/p.xml" relocate <<'EOF'
        <locationModify script="MigXmlHelper.RelativeMove('%CSIDL_PROFILE%\Old','%CSIDL_PROFILE%\New')">
          <objectSet><pattern type="File">%CSIDL_PROFILE%\Old\* [*]</pattern></objectSet>
        </locationModify>
        <locationModify script="MigXmlHelper.RelativeMove('%CSIDL_PROFILE%\Archive','C:\srv\archive')">
          <objectSet><pattern type="File">%CSIDL_PROFILE%\Archive\* [*]</pattern></objectSet>
        </locationModify>
EOF
compile "$WORK/p.xml" "$WORK/p.plan"
ino_a=$(stat -c %i "$R/home/alice/Old/sub/a.txt")
ino_x=$(stat -c %i "$R/home/alice/Archive/x.txt")
meta_a=$(stat -c '%a %u %g %s %Y.%y' "$R/home/alice/Old/sub/a.txt")
meta_x=$(stat -c '%a %u %g %s %y' "$R/home/alice/Archive/x.txt")
scan "$R/store" "$WORK/p.plan" "$R"
wipe_homes "$R"
mkdir -p "$R/home/alice"
chown 1001:1001 "$R/home/alice"

# dry run first: says what it would do, changes nothing
before=$(cd "$R" && find . -path ./store -prune -o -print | LC_ALL=C sort)
load "$R/store" "$WORK/p.plan" "$R" --dry-run
[ "$RC" = 0 ] || fail "dry run exited $RC: $OUT"
assert_contains "$OUT" "/home/alice/New/sub/a.txt" "dry run names the new place"
assert_contains "$OUT" "/srv/archive/x.txt" "dry run names the other volume"
assert_eq "$before" "$(cd "$R" && find . -path ./store -prune -o -print | LC_ALL=C sort)" "dry run touched nothing"

load "$R/store" "$WORK/p.plan" "$R"
[ "$RC" = 0 ] || fail "load exited $RC: $OUT"
assert_contains "$OUT" "2 linked, 1 copied" "summary"
assert_no_path "$R/home/alice/Old"
assert_no_path "$R/home/alice/Archive"
# within the volume: the same inode, hence the same metadata
assert_eq "$ino_a" "$(stat -c %i "$R/home/alice/New/sub/a.txt")" "RelativeMove within a volume links"
assert_eq "$meta_a" "$(stat -c '%a %u %g %s %Y.%y' "$R/home/alice/New/sub/a.txt")" "moved file metadata"
assert_eq "751 1001 1001 2018-08-08 08:08:08.000000000 +0000" \
	"$(stat -c '%a %u %g %y' "$R/home/alice/New/sub")" "New/sub made like Old/sub"
# across volumes: a copy with the same content and metadata
assert_ne "$ino_x" "$(stat -c %i "$R/srv/archive/x.txt")" "another volume cannot share the inode"
assert_eq "$meta_x" "$(stat -c '%a %u %g %s %y' "$R/srv/archive/x.txt")" "copied file metadata"
assert_eq "moved across" "$(cat "$R/srv/archive/x.txt")" "copied content"
assert_eq "blue" "$(getfattr --only-values -n user.tag "$R/srv/archive/x.txt" 2>/dev/null)" "xattr copied"
assert_eq "$acl_x" "$(getfacl -cpn "$R/srv/archive/x.txt" 2>/dev/null)" "ACL copied"
assert_contains "$acl_x" "user:1234:r--" "the ACL was set"
assert_eq "stays" "$(cat "$R/home/alice/stay.txt")" "unrelocated file"

# the copy counts as restored: rd removes everything without --force
expect_rc 0 "$MIGSTATE" rd "$R/store" -y
assert_no_path "$R/store"
assert_eq "moved across" "$(cat "$R/srv/archive/x.txt")" "copy survives rd"
assert_eq "moved within" "$(cat "$R/home/alice/New/sub/a.txt")" "link survives rd"
