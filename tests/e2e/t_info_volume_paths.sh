#!/usr/bin/env bash
# info opens a store as verify does (store_open_checked): the store's path, then each
# per-volume store's path. A volume store whose path another user could change after the
# scan is refused (27, naming the volume and the override), as verify refuses it; the
# override turns it into a warning; a path with nothing there is still "no store", 0.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
need_root
T=$(mk_tmpdir)
R=$T/root
mk_tmpfs "$R" 32m
mk_system "$R"
mk_tmpfs "$R/data" 16m
mkdir -p "$R/data/docs" "$R/srv"
echo alpha >"$R/data/docs/a.txt"
system_policy "$T/vol.xml" 'C:\data\docs\* [*]'
compile_plan "$T/vol.plan" "$T/vol.xml"
cd "$T"
S=$R/srv/store
V=$R/data/srv/store
try() { RC=0; OUT=$("$@" 2>&1) || RC=$?; }
try "$MIGSTATE" info "$S" --root "$R"
assert_eq 0 "$RC" "info with nothing there: $OUT"
assert_contains "$OUT" "$S: no store" "nothing there"
try "$MIGSTATE" scan "$S" --plan "$T/vol.plan" --root "$R" --hardlink --nocompress --min-free 1 --log "$T/scan.log"
assert_eq 0 "$RC" "scan: $OUT"
[ -d "$V/MIGSTATE" ] || fail "no volume store at $V"
try "$MIGSTATE" info "$S" --root "$R"
assert_eq 0 "$RC" "info on a safe store: $OUT"
assert_contains "$OUT" "state complete" "info says complete"
chmod 0777 "$R/data/srv"
for verb in verify info; do
	try "$MIGSTATE" $verb "$S" --root "$R"
	assert_eq 27 "$RC" "$verb refuses an unsafe volume store path: $OUT"
	assert_contains "$OUT" "the store of the volume mounted at " "$verb names the volume"
	assert_contains "$OUT" "the directory $R/data/srv is writable by its group and others (mode 0777)" "$verb says why"
	assert_contains "$OUT" "--allow-insecure-store-parent" "$verb names the override"
done
try "$MIGSTATE" info "$S" --root "$R" --allow-insecure-store-parent
assert_eq 0 "$RC" "info --allow-insecure-store-parent: $OUT"
assert_contains "$OUT" "warning: the store of the volume mounted at" "info warns"
assert_contains "$OUT" "state complete" "info reports with the override"
# the master's own path still comes first, before anything is read (no store there or not)
chmod 0755 "$R/data/srv"
chmod 0777 "$R/srv"
try "$MIGSTATE" info "$R/srv/nothing" --root "$R"
assert_eq 27 "$RC" "info under an unsafe parent with nothing there: $OUT"
try "$MIGSTATE" info "$S" --root "$R"
assert_eq 27 "$RC" "info under an unsafe parent: $OUT"
note "info checks the store's and each volume store's path, as verify does"
