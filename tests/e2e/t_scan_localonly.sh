#!/usr/bin/env bash
# scan --localonly (issue 18, item 5): files on removable, network and optical volumes
# (the drive classes of GenerateDrivePatterns: a mount under /media is removable) are
# never captured, whatever the rules say, and no store is made there; counted as
# nonlocal_skipped. Without it such a volume is captured, and the per-volume store made
# on it is a warning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
fill_homes "$R"
mk_tmpfs "$R/media/usb" 8m
put "$R/media/usb/photo.jpg" 1001:1001 0644 "2020-01-01 00:00:00" "a photo"
put "$R/data/report.txt" 0:0 0644 "2020-01-01 00:00:00" "data"
system_policy "$WORK/all.xml" 'C:\* [*]'
compile_plan "$WORK/all.plan" "$WORK/all.xml"
CATDUMP=$(rt_helper catdump)
run_scan() { # run_scan STORE [options]: --json output in $OUT
	local st=$1
	shift
	RC=0
	OUT=$("$MIGSTATE" scan "$st" --plan "$WORK/all.plan" --root "$R" --hardlink --nocompress \
		--min-free 1 --log "$WORK/scan.log" --json "$@" 2>/dev/null) || RC=$?
	assert_eq 0 "$RC" "scan $*: $(tail -3 "$WORK/scan.log")"
}
run_scan "$R/s1"
"$CATDUMP" "$R/s1" paths | grep -qx /media/usb/photo.jpg || fail "without --localonly the stick is captured"
grep -q "a store is made on the volume mounted at $R/media/usb, a removable" "$WORK/scan.log" ||
	fail "the store on the stick is a warning"
[ -d "$R/media/usb/s1/MIGSTATE" ] || fail "its per-volume store"
expect_rc 0 "$MIGSTATE" rd "$R/s1" -y
run_scan "$R/s2" --localonly
paths=$("$CATDUMP" "$R/s2" paths)
grep -q '^/media/usb/' <<<"$paths" && fail "--localonly captured the stick: $paths"
grep -qx /data/report.txt <<<"$paths" || fail "--localonly: the rest is captured"
assert_no_path "$R/media/usb/s2"
assert_eq 1 "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["nonlocal_skipped"])' "$OUT")" \
	"--json nonlocal_skipped"
grep -q "media/usb: a removable, network or optical volume: not captured (--localonly)" "$WORK/scan.log" ||
	fail "the log says so"
echo ok
