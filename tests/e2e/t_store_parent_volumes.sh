#!/usr/bin/env bash
# The store path check (runtime/storeparent.c) for per-volume stores
# (runtime/volparent.c). The master store is $R/srv/store on one tmpfs; a second tmpfs
# at $R/data holds captured files, so scan makes a store for it at $R/data/srv/store.
# A directory on that path another user could change (0777, or owned by uid 1001):
#   - scan makes no store there and copies that volume's files into the master (a
#     warning naming the volume and the directory);
#   - load, rd, rd --pending and verify refuse a store whose volume store's path became
#     unsafe after the scan (27), and leave the store whole;
#   - the store directory itself, wide open, is refused too;
#   - --allow-insecure-store-parent turns every refusal into a warning.
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
echo beta >"$R/data/docs/b.txt"
system_policy "$T/vol.xml" 'C:\data\docs\* [*]'
compile_plan "$T/vol.plan" "$T/vol.xml"
cd "$T"
S=$R/srv/store
V=$R/data/srv/store
args=(--plan "$T/vol.plan" --root "$R")
scan() { "$MIGSTATE" scan "$S" "${args[@]}" --hardlink --nocompress --min-free 1 --log "$T/scan.log" "$@"; }
try() { RC=0; OUT=$("$@" 2>&1) || RC=$?; }
# refused VERB DIR WHY: exit 27, one line naming the volume, the directory and why
refused() {
	assert_eq 27 "$RC" "$1 refuses: $OUT"
	assert_contains "$OUT" "the store of the volume mounted at " "$1 names the volume"
	assert_contains "$OUT" "$2 is $3" "$1 names the directory and why"
	assert_contains "$OUT" "--allow-insecure-store-parent" "$1 names the override"
}

# --- scan: no store where another user could change its path --------------------------
# (refusing the scan would let any user who owns a directory on such a path, her own
# mount in her home for instance, stop every scan: the files are copied instead)
nostore() { # nostore WHY: exit 0, a warning naming the volume and why, copies in the master
	assert_eq 0 "$RC" "scan with an unsafe volume store path: $OUT"
	assert_contains "$(cat "$T/scan.log")" "no store on the volume mounted at $R/data ($V)" "scan names the volume"
	assert_contains "$(cat "$T/scan.log")" "$1" "scan says why"
	assert_no_path "$V"
	[ -f "$S/MIGSTATE/File/data/docs/a.txt" ] || fail "a.txt is not copied into the master"
	[ "$(stat -c %i "$R/data/docs/a.txt")" != "$(stat -c %i "$S/MIGSTATE/File/data/docs/a.txt")" ] ||
		fail "a.txt linked across volumes?"
	"$MIGSTATE" rd "$S" -y >/dev/null 2>&1 || fail "rd of the copy"
}
mkdir -m 0777 "$R/data/srv"
try scan
nostore "the directory $R/data/srv is writable by its group and others (mode 0777)"
chmod 0755 "$R/data/srv" && chown 1001:1001 "$R/data/srv"
try scan
nostore "the directory $R/data/srv is owned by uid 1001, not by root"
# the override: a warning, and the capture goes on
try scan --allow-insecure-store-parent
assert_eq 0 "$RC" "scan --allow-insecure-store-parent: $OUT"
assert_contains "$OUT" "warning: the store of the volume mounted at" "scan warns"
[ "$(stat -c %i "$R/data/docs/a.txt")" = "$(stat -c %i "$V/MIGSTATE/File/data/docs/a.txt")" ] ||
	fail "the volume store holds a link of a.txt"
"$MIGSTATE" rd "$S" -y --allow-insecure-store-parent >/dev/null 2>&1 || fail "rd with the override"
assert_no_path "$V/MIGSTATE"

# --- after a clean scan, the path becomes unsafe: load, verify, rd refuse ---------------
chown 0:0 "$R/data/srv"
try scan
assert_eq 0 "$RC" "scan on a safe path: $OUT"
store_ok() {
	[ -f "$S/MIGSTATE/catalog" ] || fail "$1: the master store was touched"
	[ -f "$V/MIGSTATE/File/data/docs/a.txt" ] || fail "$1: the volume store was touched"
	assert_eq complete "$(sed -n 's/^state: //p' "$V/MIGSTATE/store.id")" "$1: volume store state"
}
for how in mode owner store; do
	case $how in
	mode) chmod 0777 "$R/data/srv"; D="the directory $R/data/srv"; WHY="writable by its group and others (mode 0777)" ;;
	owner) chmod 0755 "$R/data/srv"; chown 1001 "$R/data/srv"; D="the directory $R/data/srv"; WHY="owned by uid 1001, not by root" ;;
	store) chown 0 "$R/data/srv"; chmod 0757 "$V"; D="the directory $V"; WHY="writable by others (mode 0757)" ;;
	esac
	rm -f "$R/data/docs/a.txt" # load would put it back
	try "$MIGSTATE" load "$S" "${args[@]}" --hardlink --nocompress --log "$T/load.log"
	refused "load ($how)" "$D" "$WHY"
	assert_no_path "$R/data/docs/a.txt"
	try "$MIGSTATE" verify "$S" --root "$R"
	refused "verify ($how)" "$D" "$WHY"
	try "$MIGSTATE" rd "$S" -y --root "$R"
	refused "rd ($how)" "$D" "$WHY"
	store_ok "rd ($how)"
done
# rd --pending (the boot-time unit) leaves it, and keeps its record
export MIGSTATE_PENDING_DIR=$T/pending
mkdir -p "$MIGSTATE_PENDING_DIR"
printf 'migstate-pending 1\nstore\t%s\nroot\t%s\n' "$S" "$R" >"$MIGSTATE_PENDING_DIR/x.pending"
try "$MIGSTATE" rd --pending
refused "rd --pending" "the directory $V" "writable by others (mode 0757)"
assert_contains "$OUT" "left alone: a volume's store path is not safe" "rd --pending says so"
[ -f "$MIGSTATE_PENDING_DIR/x.pending" ] || fail "rd --pending dropped the record"
store_ok "rd --pending"

# the override: warnings, and each command does its job
try "$MIGSTATE" load "$S" "${args[@]}" --hardlink --nocompress --log "$T/load2.log" --allow-insecure-store-parent
assert_eq 0 "$RC" "load --allow-insecure-store-parent: $OUT"
assert_contains "$OUT" "warning: the store of the volume mounted at /data" "load warns"
assert_eq alpha "$(cat "$R/data/docs/a.txt")" "a.txt restored"
try "$MIGSTATE" verify "$S" --root "$R" --allow-insecure-store-parent
assert_eq 0 "$RC" "verify --allow-insecure-store-parent: $OUT"
assert_contains "$OUT" "warning: the store of the volume mounted at" "verify warns"
sed -i 's/^state: .*/state: removing/' "$S/MIGSTATE/store.id" # as an interrupted rd leaves it
try "$MIGSTATE" rd --pending --allow-insecure-store-parent
assert_eq 0 "$RC" "rd --pending --allow-insecure-store-parent: $OUT"
assert_no_path "$V/MIGSTATE"
assert_no_path "$S"
assert_eq alpha "$(cat "$R/data/docs/a.txt")" "a.txt kept by rd"
