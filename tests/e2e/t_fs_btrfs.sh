#!/usr/bin/env bash
# btrfs as the volume holding /home, with its own store, and a subvolume nested in a
# user's home (same mount, a device of its own: a link into the store is EXDEV): normal
# files are linked; the subvolume's file, an immutable file (EPERM) and a file at 65,535
# links (BTRFS_LINK_MAX: EMLINK) are cloned into the /home store -- extents shared, no
# data copied, no store inside the user's tree. load brings the subvolume's file back
# as a clone too. scan, load, rd; the estimate matches what statfs shows was used.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
. "$E2E_DIR/fs_lib.sh"
fs_fixture btrfs
fs_scan
fs_check_scan
fs_restore
fs_remove

# a subvolume mounted on its own is a volume of its own: a store there, links
mkdir -p "$R/srv"
mount -o "loop,subvol=alice/projects" "$FS_LAST_IMG" "$R/srv" || fail "mount -o subvol"
at_exit "umount -l '$R/srv'"
system_policy "$T/srv.xml" 'C:\srv\* [*]'
compile_plan "$T/srv.plan" "$T/srv.xml"
# alice owns the subvolume's top, now /srv: she could rename a store there, so no store
# is made there (its files are copied into the master) unless the administrator says
# otherwise
expect_rc 0 "$MIGSTATE" scan "$R/store" --plan "$T/srv.plan" --hardlink --nocompress --root "$R" --min-free 1
assert_contains "$OUT" "no store on the volume mounted at $R/srv" "the unsafe volume store is named"
assert_no_path "$R/srv/store"
[ -f "$R/store/MIGSTATE/File/srv/nested.bin" ] || fail "nested.bin not copied into the master"
expect_rc 0 "$MIGSTATE" rd "$R/store" -y
expect_rc 0 "$MIGSTATE" scan "$R/store" --plan "$T/srv.plan" --hardlink --nocompress --root "$R" --min-free 1 \
	--allow-insecure-store-parent
fs_dump "$R/store"
assert_eq linked "$(fs_action /srv/nested.bin)" "a separately mounted subvolume links"
same_inode "$R/srv/nested.bin" "$R/srv/store/MIGSTATE/File/srv/nested.bin" || fail "not linked in /srv/store"
same_inode "$R/srv/nested.bin" "$A/projects/nested.bin" || fail "/srv is the subvolume"
expect_rc 0 "$MIGSTATE" rd "$R/store" -y --allow-insecure-store-parent
assert_no_path "$R/srv/store"
assert_eq 1 "$(nlink "$A/projects/nested.bin")" "only its own name left"
