#!/usr/bin/env bash
# tmpfs as the volume holding /home, with its own store: normal files are linked; an
# immutable file cannot be linked nor cloned (tmpfs shares no extents): copied into the
# master store. scan, load, rd; the estimate matches what statfs shows was used.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
. "$E2E_DIR/fs_lib.sh"
fs_fixture tmpfs
fs_scan
fs_check_scan
fs_restore
fs_remove
