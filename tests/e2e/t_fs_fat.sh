#!/usr/bin/env bash
# FAT through fusefat (no hard links: EPERM) on /home: no store there; files are copied
# into the master store and restored by copies onto FAT (no owners or modes to keep).
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
. "$E2E_DIR/fs_lib.sh"
fs_fixture fat
fs_scan
fs_check_scan
fs_restore
fs_remove
