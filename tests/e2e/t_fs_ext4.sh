#!/usr/bin/env bash
# ext4 as the volume holding /home, with its own store: normal files are linked; an
# immutable file (link: EPERM) and a file already at 65,000 links (EXT4_LINK_MAX: EMLINK)
# cannot be linked nor cloned (ext4 shares no extents): they are copied into the master
# store, counted by the space check up front. scan, load, rd; the estimate matches what
# statfs shows was used.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
. "$E2E_DIR/fs_lib.sh"
fs_fixture ext4
fs_scan
fs_check_scan
fs_restore
fs_remove
