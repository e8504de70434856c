#!/usr/bin/env bash
# scan's commit recounts the payload by directory entry types (scan_recount.c): a store
# whose payload tree changed behind the scan's back is never marked complete, whatever
# was planted, and an unchanged one always is. The scan is stopped at its third link
# (the fault shim's "stop"), the payload tree changed, the scan resumed:
#   - a FIFO, a symlink, a device node: "other" entries, the store is not complete (72);
#   - an extra file in a new subdirectory, and a second name of a payload file: one file
#     too many (72);
#   - a new empty directory: no payload entry, the store is complete (0), as before;
#   - a payload tree on a filesystem without d_type would take the fstatat path: the
#     same counts (checked by the unchanged scans of t_scan_*.sh on every filesystem).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
fi_init
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 64m
mk_system "$R"
fill_homes "$R"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$R/store
F=$S/MIGSTATE/File

# plant NAME CMD...: stop the scan at its third link, run CMD in the payload tree, resume
plant() {
	local name=$1
	shift
	rm -rf "$S"
	start_stopped "linkat:3:stop:$F" scan "$S" --plan "$P" --root "$R" --hardlink \
		--nocompress --min-free 1 --log "$WORK/scan.log"
	[ -d "$F" ] || fail "$name: no payload tree at the stop"
	(cd "$F" && "$@") || fail "$name: planting failed"
	resume
}

plant "fifo" mkfifo planted.fifo
assert_eq 72 "$RC" "a FIFO in the payload: $OUT"
assert_contains "$(cat "$WORK/scan.log")" "and 1 other entries" "the FIFO is counted as other"
plant "symlink" ln -s /etc/passwd planted.link
assert_eq 72 "$RC" "a symlink in the payload: $OUT"
plant "device" mknod planted.null c 1 3
assert_eq 72 "$RC" "a device node in the payload: $OUT"
plant "file in a new directory" sh -c 'mkdir -p x/y && echo data >x/y/planted'
assert_eq 72 "$RC" "an extra file in a new subdirectory: $OUT"
assert_contains "$(cat "$WORK/scan.log")" "is not marked complete" "the recount says why"
plant "second name" sh -c 'f=$(find . -type f | head -1) && ln "$f" ./second-name'
assert_eq 72 "$RC" "a second name of a payload file: $OUT"
plant "empty directory" mkdir -p empty/deeper
assert_eq 0 "$RC" "an empty directory is no payload entry: $OUT"
expect_rc 0 "$MIGSTATE" verify "$S"
rm -rf "$S"
echo "ok"
