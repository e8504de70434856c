#!/usr/bin/env bash
# A same-bytes squatter in a shared folder. bob's readable files live in a sticky 1777
# folder and in a group-writable (2775) team folder alice is a member of. After the
# reinstall and before load, alice (a real unprivileged uid) writes bob's bytes at bob's
# names. A file with the captured bytes is the captured object only if it is the
# captured inode, or holds the same content with the captured owner (by name) and mode:
#   - load treats alice's copies as collisions: bob's captured file takes name(1), hers
#     stays; a same-owner file with another mode is a collision too; the same owner and
#     mode is legitimately in place (counted present, nothing made);
#   - owners compare by name: the new system gives bob uid 1003 and bob's old uid 1002 to
#     mallory; mallory's copy (uid 1002, the captured number) is a collision, bob's own
#     copy under his new uid is in place;
#   - rd of a copy store, run without a load, keeps bob's copies (exit 35) and removes
#     the one legitimately in place;
#   - after load, alice swaps the restored name(1) in the team folder for her own copy:
#     verify reports it (42) and rd keeps the store's link (35).
# bob's data is never lost: his bytes stay with his owner in a store or where load put them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd setpriv
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
chmod 0755 "$WORK" "$R"
mk_system "$R"
echo "team:x:1500:alice,bob" >"$R/etc/group"
as_alice() { setpriv --reuid=1001 --regid=1001 --groups=1500 "$@"; }
as_bob() { setpriv --reuid=1003 --regid=1003 --groups=1500 "$@"; } # after the reinstall
as_mallory() { setpriv --reuid=1002 --regid=1002 --clear-groups "$@"; }
SH=$R/data/shared
TM=$R/data/team
mk_folders() {
	mkdir -p "$SH" "$TM"
	chmod 1777 "$SH"
	chown 0:1500 "$TM"
	chmod 2775 "$TM"
}
mk_folders
put "$SH/report.txt" 1002:1002 0644 "2021-01-01 00:00:00" "bob's report"
put "$SH/own.txt" 1002:1002 0644 "2021-01-01 00:00:00" "bob's own"
put "$SH/same.txt" 1002:1002 0644 "2021-01-01 00:00:00" "bob's same"
put "$SH/renum.txt" 1002:1002 0644 "2021-01-01 00:00:00" "bob's renum"
put "$TM/plan.txt" 1002:1500 0644 "2021-01-01 00:00:00" "bob's plan"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
ino() { stat -c %i "$1"; }
i_report=$(ino "$SH/report.txt") i_own=$(ino "$SH/own.txt") i_plan=$(ino "$TM/plan.txt")
i_renum=$(ino "$SH/renum.txt")

scan "$R/store" "$WORK/p.plan" "$R"
# a copy store as well: rd's test for copied entries (the linked one is tested below)
expect_rc 0 "$MIGSTATE" scan "$R/store2" --plan "$WORK/p.plan" --root "$R" --nocompress \
	--min-free 1 --log "$WORK/scan2.log"
assert_eq 2 "$(nlink "$SH/report.txt")" "the store links bob's report"

# --- the reinstall; then the squatters, before load -----------------------------------
rm -rf "$R/data"
mk_folders
printf '%s\n' root:x:0:0:root:/root:/bin/sh alice:x:1001:1001:Alice:/home/alice:/bin/sh \
	mallory:x:1002:1002:Mallory:/home/mallory:/bin/sh bob:x:1003:1003:Bob:/home/bob:/bin/sh \
	>"$R/etc/passwd"
mkdir -p "$R/home/mallory"
chown 1002:1002 "$R/home/mallory"
chown 1003:1003 "$R/home/bob"
squat() { # squat AS FILE CONTENT MODE: write the bytes as that user, then the mode
	"$1" sh -c 'umask 077; printf "%s\n" "$2" >"$1" && chmod "$3" "$1"' sh "$2" "$3" "$4"
}
squat as_alice "$SH/report.txt" "bob's report" 0644
squat as_alice "$TM/plan.txt" "bob's plan" 0644
squat as_bob "$SH/own.txt" "bob's own" 0600
squat as_bob "$SH/same.txt" "bob's same" 0644
squat as_mallory "$SH/renum.txt" "bob's renum" 0644
assert_eq 1001 "$(stat -c %u "$SH/report.txt")" "alice owns her copy"

# --- rd of the copy store without a load: bob's copies stay ----------------------------
expect_rc 35 "$MIGSTATE" rd "$R/store2" -y
F2=$R/store2/MIGSTATE/File/data
assert_contains "$OUT" "kept	$F2/shared/report.txt" "rd keeps bob's report (alice's copy is not his)"
assert_contains "$OUT" "kept	$F2/team/plan.txt" "rd keeps bob's plan (group-writable folder)"
assert_contains "$OUT" "kept	$F2/shared/own.txt" "rd keeps a same-owner file with another mode"
assert_contains "$OUT" "kept	$F2/shared/renum.txt" "rd keeps bob's file (mallory has his old uid)"
assert_eq "1002 644 bob's report" "$(stat -c '%u %a' "$F2/shared/report.txt") $(cat "$F2/shared/report.txt")" \
	"bob's report is in store2"
assert_eq "1002 644 bob's plan" "$(stat -c '%u %a' "$F2/team/plan.txt") $(cat "$F2/team/plan.txt")" \
	"bob's plan is in store2"
assert_no_path "$F2/shared/same.txt" # same bytes, owner and mode at its place: may go

# --- load: alice's copies are collisions, bob's captured files take name(1) -----------
load "$R/store" "$WORK/p.plan" "$R"
[ "$RC" = 0 ] || fail "load exited $RC: $OUT"
assert_contains "$OUT" "4 renamed" "four collisions"
assert_eq "$i_report" "$(ino "$SH/report(1).txt")" "bob's report restored as report(1).txt"
assert_eq "$i_plan" "$(ino "$TM/plan(1).txt")" "bob's plan restored as plan(1).txt"
assert_eq "$i_own" "$(ino "$SH/own(1).txt")" "another mode: bob's captured own.txt as own(1).txt"
assert_eq "$i_renum" "$(ino "$SH/renum(1).txt")" "mallory's copy under bob's old uid: a collision"
# bob's, by name: his uid here (1003), not his old number (mallory's now)
assert_eq "1003 644" "$(stat -c '%u %a' "$SH/report(1).txt")" "bob's owner and mode"
assert_eq "1001" "$(stat -c %u "$SH/report.txt")" "alice's copy keeps its name"
assert_eq "1003 600" "$(stat -c '%u %a' "$SH/own.txt")" "bob's new own.txt untouched"
assert_no_path "$SH/same(1).txt"
assert_eq 1 "$(nlink "$SH/same.txt")" "same owner and mode: in place, nothing linked"
expect_rc 0 "$MIGSTATE" verify "$R/store"
# a rerun recognises its placements: nothing new
load "$R/store" "$WORK/p.plan" "$R"
[ "$RC" = 0 ] || fail "second load exited $RC: $OUT"
assert_contains "$OUT" "0 linked, 0 copied, 0 renamed" "rerun places nothing"

# --- alice swaps the restored plan(1).txt in the team folder for her own copy ----------
as_alice rm -f "$TM/plan(1).txt"
squat as_alice "$TM/plan(1).txt" "bob's plan" 0644
expect_rc 42 "$MIGSTATE" verify "$R/store"
assert_contains "$OUT" "diverged	/data/team/plan.txt" "verify reports the swap"
expect_rc 35 "$MIGSTATE" rd "$R/store" -y
F=$R/store/MIGSTATE/File/data
assert_contains "$OUT" "kept	$F/team/plan.txt" "rd keeps the store's last link to bob's plan"
assert_eq "$i_plan" "$(ino "$F/team/plan.txt")" "bob's plan is still in the store"
assert_eq "1003 644 bob's plan" "$(stat -c '%u %a' "$F/team/plan.txt") $(cat "$F/team/plan.txt")" \
	"bob's data, owner (by name: his uid here) and mode kept"
assert_eq "$i_report" "$(ino "$SH/report(1).txt")" "bob's restored report stays"
