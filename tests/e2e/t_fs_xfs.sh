#!/usr/bin/env bash
# xfs (reflink on, mkfs.xfs's default) as the volume holding /home, with its own store:
# normal files are linked; an immutable file (link: EPERM) and a file at the link limit
# (2^31-1, set with xfs_db: link: EMLINK) are cloned into that store -- no data copied,
# extents shared -- and so is an append-only file; du counts a clone whose original is
# gone as the store's own. scan, load, rd; the estimate matches what statfs shows was used.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
. "$E2E_DIR/fs_lib.sh"
fs_fixture xfs
fs_scan
fs_check_scan
# a clone costs nothing while it shares its extents; once the original is gone, its
# blocks are the store's own: du counts them
chattr -a "$A/appendonly.log"
rm "$A/appendonly.log"
for i in 1 2 3 4 5 6 7 8 9 10; do # xfs frees the original's blocks a moment later
	sync -f "$H"
	expect_rc 0 "$MIGSTATE" du "$R/store" --json
	! echo "$OUT" | grep -Eq '"reflinked":\{"count":3,"bytes":[0-9]+,"cost":1048576\}' || break
	sleep 0.1
done
echo "$OUT" | grep -Eq '"reflinked":\{"count":3,"bytes":[0-9]+,"cost":1048576\}' ||
	fail "du: an unshared clone costs its blocks: $OUT"
fs_restore
fs_remove
