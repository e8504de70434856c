#!/usr/bin/env bash
# An interrupted scan. The file list goes to a FIFO the test stops reading, so the scan
# blocks mid-capture at a known point; then kill -9. The store must say "scanning", hold
# catalog.partial (readable up to the last complete record, every record's payload
# present) and no catalog; a new scan refuses it without -o (27) and resets it with -o.
# SIGTERM is the polite version: exit 2, the store likewise incomplete.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
need_root
T=$(mk_tmpdir)
R=$T/root
mk_system "$R"
python3 - "$R/data" <<'PY'
import os, sys
base = sys.argv[1]
for d in range(40):
    p = os.path.join(base, "directory-%02d" % d)
    os.makedirs(p)
    for f in range(100):
        with open(os.path.join(p, "a-file-with-a-fairly-long-name-%04d.txt" % f), "w") as fh:
            fh.write("%d/%d\n" % (d, f))
PY
system_policy "$T/data.xml" 'C:\data\* [*]'
compile_plan "$T/data.plan" "$T/data.xml"
CATDUMP=$(helper catdump)
cd "$T"
S=$R/store
mkfifo "$T/fifo"

# start_blocked: a scan whose --listfiles is the FIFO; returns once it has captured
# some files and is blocked on the full pipe. PID in SCAN.
start_blocked() {
	"$MIGSTATE" scan "$S" "$@" --plan "$T/data.plan" --hardlink --nocompress --root "$R" \
		--min-free 1 --listfiles "$T/fifo" --log "$T/scan.log" >"$T/out" 2>&1 &
	SCAN=$!
	at_exit "kill -9 $SCAN"
	exec 3<"$T/fifo"
	local line i
	for i in 1 2 3; do read -r line <&3 || fail "no file list"; done
	# the writer fills the pipe (64 KiB) and blocks: wait until it stops moving
	local prev=-1 now
	for i in $(seq 100); do
		now=$(find "$S/MIGSTATE/File" -type f 2>/dev/null | wc -l)
		[ "$now" = "$prev" ] && [ "$now" -gt 1024 ] && return 0
		prev=$now
		sleep 0.1
	done
	fail "the scan did not block"
}

start_blocked
kill -9 "$SCAN"
wait "$SCAN" 2>/dev/null || true
exec 3<&-
assert_eq scanning "$(store_state "$S")" "killed scan: state"
assert_file "$S/MIGSTATE/catalog.partial"
assert_no_path "$S/MIGSTATE/catalog"
"$CATDUMP" "$S" >/dev/null 2>&1 && fail "an incomplete store must not open as complete"
"$CATDUMP" "$S" partial >"$T/partial" || fail "catalog.partial unreadable"
n=$(awk -F '\t' 'NF >= 13 && $1 == "file"' "$T/partial" | wc -l)
[ "$n" -ge 1000 ] && [ "$n" -lt 4000 ] || fail "partial catalog holds $n files"
awk -F '\t' 'NF >= 13 && $1 == "file" { print $13 }' "$T/partial" | while read -r f; do
	same_inode "$R$f" "$S/MIGSTATE/File$f" || fail "partial record without payload: $f"
done
expect_rc 27 "$MIGSTATE" scan "$S" --plan "$T/data.plan" --hardlink --nocompress --root "$R" --min-free 1
assert_contains "$OUT" "state scanning" "27 says the store is incomplete"

# SIGTERM: exit 2, incomplete; -o resets a store in that state too
start_blocked -o
kill -TERM "$SCAN"
exec 3<&-
rc=0
wait "$SCAN" || rc=$?
assert_eq 2 "$rc" "SIGTERM exit code ($(cat "$T/out"))"
assert_eq scanning "$(store_state "$S")" "terminated scan: state"
grep -q 'interrupted: the store is left incomplete' "$T/scan.log" || fail "log after SIGTERM"

expect_rc 0 "$MIGSTATE" scan "$S" -o --plan "$T/data.plan" --hardlink --nocompress --root "$R" --min-free 1
assert_eq complete "$(store_state "$S")" "after -o"
assert_no_path "$S/MIGSTATE/catalog.partial"
assert_eq 4000 "$(catalog_files "$S" | wc -l)" "complete catalog"
assert_eq 4000 "$(find "$S/MIGSTATE/File" -type f | wc -l)" "payload after -o"
assert_eq 2 "$(nlink "$R/data/directory-07/a-file-with-a-fairly-long-name-0042.txt")" "one store name per file"
