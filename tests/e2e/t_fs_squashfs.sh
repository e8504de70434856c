#!/usr/bin/env bash
# squashfs (read-only: link and store creation fail with EROFS) on /home: no store is
# made there, every file is copied into the master store, counted by the space check
# up front (not discovered half way); a sparse file stays sparse. The files cannot be
# removed: load finds them in place, rd removes the copies. The same on erofs.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
. "$E2E_DIR/fs_lib.sh"
fs_fixture squashfs
fs_scan
fs_check_scan
check_sparse() {
	local c
	c=$(fs_payload /home/alice/sparse.img)
	[ "$(stat -c %b "$c")" -lt 2048 ] || fail "sparse copy is not sparse: $(stat -c %b "$c") blocks"
	assert_eq volume "$(grep -c 'store=""' "$T/est.xml" | sed 's/^1$/volume/')" "no store on the read-only volume"
}
check_sparse
fs_restore
fs_remove

# erofs (mkfs.erofs 1.5) stores the hole as data: the copy is as large as the source's
# blocks, and the estimate said so
fs_fixture erofs
fs_scan
fs_check_scan
fs_restore
fs_remove
