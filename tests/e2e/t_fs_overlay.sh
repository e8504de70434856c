#!/usr/bin/env bash
# overlayfs on /home, its layers on ext4: a file written through the overlay lives in
# the upper layer and is linked; linking a lower-layer file makes the kernel copy its
# data up first (catalog flag CF_COPIED_UP, counted by the space check and the estimate
# on the overlay's upper filesystem, reported as "copied up"); an immutable lower file
# is copied into the master store. Then the same with xfs layers: lower files are cloned
# through the overlay into its store (no copy-up, no data copied). scan, load, rd; the
# estimate matches what statfs shows was used.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
. "$E2E_DIR/fs_lib.sh"
fs_fixture overlay
fs_scan
fs_check_scan
fs_restore
fs_remove
bytes=$((FS_MB << 20))
assert_contains "$SCAN_JSON" "\"files_copied_up\":1,\"bytes_copied_up\":$bytes," "copy-ups in the summary"
grep -q "filesToCopyUp=\"1\" bytesToCopyUp=\"$bytes\"" "$T/est.xml" || fail "estimate: $(cat "$T/est.xml")"

# --overlay auto, but the upper layer has no room for the copy-up (--min-free leaves
# less than the file's size): the lower file is copied into the master instead
fs_fixture overlay
min=$(($(df -m --output=avail "$H" | tail -n 1) - FS_MB / 2))
SCAN_ARGS=(--plan "$T/p.plan" --hardlink --nocompress --root "$R" --min-free "$min")
FS_EXPECT[lower.bin]=copied
fs_scan
fs_check_scan
assert_no_path "$LAYERS/upper/alice/lower.bin"
grep -q "no room to copy up" "$T/migstate-scan.log" || fail "no word of the fallback in the log"
grep -q 'filesToCopyUp="0" bytesToCopyUp="0"' "$T/est.xml" || fail "estimate: $(cat "$T/est.xml")"

# --overlay copy: lower-layer files stay in the lower layer; copied into the master
fs_fixture overlay
SCAN_ARGS+=(--overlay copy)
FS_EXPECT[lower.bin]=copied
fs_scan
fs_check_scan
assert_no_path "$LAYERS/upper/alice/lower.bin"
fs_remove

# xfs layers: a lower file is cloned through the overlay into its store, never copied up
fs_fixture overlay-xfs
fs_scan
fs_check_scan
assert_no_path "$LAYERS/upper/alice/lower.bin"
fs_restore
fs_remove
