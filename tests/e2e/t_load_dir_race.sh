#!/usr/bin/env bash
# A destination directory made by someone else while load makes it (runtime/load_dirs.c
# adopt_dir). load makes a missing directory under a temporary name and renames it into
# place; the fault shim stops load right before the mkdirat of that temporary name for
# /home/alice/Documents, the test makes /home/alice/Documents itself, and load goes on:
# its rename then finds the name taken (EEXIST).
#   1. made by alice (the captured owner) 0777: taken, and narrowed like any existing
#      directory (0755 as captured) before anything is placed in it (ACLs as well:
#      t_load_dir_acl.sh);
#   2. made by bob (another non-root user): refused, exit 61 naming the directory;
#      with -c exit 3: everything else is restored, nothing is placed in bob's
#      directory or below it, and bob's directory is not changed;
#   3. a symlink to a directory outside: never followed (ELOOP), nothing put there;
#   4. made by root 0777: taken and narrowed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
need_cmd sha256sum
fi_init
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
FS=$WORK/fs
mk_tmpfs "$FS" 64m
R=$FS/root
OUTSIDE=$FS/outside
mkdir -m 0700 -p "$OUTSIDE"
mk_system "$R"
fill_homes "$R"
A=$R/home/alice
D=$A/Documents
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$R/store
FLOG=$WORK/fault.log
scan "$S" "$P" "$R"
assert_eq "755 1001" "$(stat -c '%a %u' "$D")" "premise: Documents captured 0755, alice's"

HASH=$(printf %s Documents | sha256sum | cut -c1-24)
RULE="mkdirat:1:stop:$A/.migstate-d$HASH"
new_system() { # the homes gone, /home/alice made by the new system (empty, alice's)
	wipe_homes "$R"
	mkdir -m 0700 "$A" && chown 1001:1001 "$A"
}
start_stopped() { # run load under the shim until it stops at $RULE; PID in $PID
	local i st
	: >"$FLOG"
	LD_PRELOAD=$FI_SO MIGSTATE_FAULT=$RULE MIGSTATE_FAULT_LOG=$FLOG "$MIGSTATE" load "$S" \
		--plan "$P" --root "$R" --hardlink --nocompress --log "$WORK/load.log" --json "$@" \
		>"$WORK/out" 2>"$WORK/err" &
	PID=$!
	at_exit "kill -9 $PID"
	for i in $(seq 200); do
		st=$(awk '{ print $3 }' "/proc/$PID/stat" 2>/dev/null || echo gone)
		[ "$st" = T ] && return 0
		[ "$st" = gone ] || [ "$st" = Z ] && fail "load ended before the stop: $(cat "$WORK/out" "$WORK/err")"
		sleep 0.05
	done
	fail "load never stopped at $RULE"
}
resume() {
	kill -CONT "$PID"
	RC=0
	wait "$PID" || RC=$?
	OUT=$(cat "$WORK/out")
	ERR=$(cat "$WORK/err")
}
json() { echo "$OUT" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1"; }

# --- 1. alice's, 0777: taken and narrowed -------------------------------------------------
new_system
start_stopped
[ ! -e "$D" ] || fail "Documents exists at the stop"
mkdir -m 0777 "$D" && chown 1001:1001 "$D"
resume
assert_eq 0 "$RC" "load, Documents made by alice meanwhile: $ERR"
assert_contains "$(cat "$WORK/load.log")" "/home/alice/Documents: made by another process while load was making it: taken" "logged"
assert_contains "$(cat "$WORK/load.log")" "tightened /home/alice/Documents: mode 0777 -> 0755" "narrowed to the captured mode"
assert_eq "755 1001" "$(stat -c '%a %u' "$D")" "Documents narrowed"
assert_eq 1 "$(json dirs_tightened)" "JSON dirs_tightened"
assert_eq "report body" "$(cat "$D/report.odt")" "report restored"
assert_eq "711 1001" "$(stat -c '%a %u' "$D/deep")" "deep made as captured"

# --- 2. bob's: refused --------------------------------------------------------------------
new_system
start_stopped
mkdir -m 0755 "$D" && chown 1002:1002 "$D"
resume
assert_eq 61 "$RC" "load, Documents made by bob meanwhile: $ERR"
assert_contains "$ERR" "/home/alice/Documents: made by uid 1002 while load was making it for uid 1001: refused" "the refusal names the directory"
assert_eq "" "$(ls -A "$D")" "nothing placed in bob's directory"
assert_eq "755 1002" "$(stat -c '%a %u' "$D")" "bob's directory unchanged"
# with -c: everything else restored, nothing below bob's directory
new_system
start_stopped -c
mkdir -m 0755 "$D" && chown 1002:1002 "$D"
resume
assert_eq 3 "$RC" "load -c, Documents made by bob meanwhile: $ERR"
assert_contains "$ERR" "refused" "the refusal"
assert_contains "$ERR" "/home/alice/Documents/report.odt: cannot restore: a directory on its way was made by another user while load ran" "each object below is skipped with the reason"
assert_eq "" "$(ls -A "$D")" "nothing placed in bob's directory (-c)"
assert_eq "alice notes" "$(cat "$A/notes.txt")" "the rest restored"
[ -x "$A/bin/tool" ] || fail "bin/tool restored"
assert_eq 0 "$(json dirs_tightened)" "bob's directory not tightened"
# a rerun (the administrator removed it) restores everything
rmdir "$D"
expect_rc 0 "$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress --log "$WORK/rerun.log"
assert_eq "report body" "$(cat "$D/report.odt")" "rerun restores report"

# --- 3. a symlink: never followed --------------------------------------------------------
new_system
start_stopped -c
ln -s "$OUTSIDE" "$D"
resume
assert_eq 3 "$RC" "load -c, Documents a symlink meanwhile: $ERR"
assert_contains "$ERR" "never followed" "the symlink is reported"
[ -z "$(ls -A "$OUTSIDE")" ] || fail "something was put through the symlink: $(ls -A "$OUTSIDE")"
assert_eq "700 0" "$(stat -c '%a %u' "$OUTSIDE")" "the symlink's target untouched"

# --- 4. root's, 0777: taken and narrowed --------------------------------------------------
new_system
start_stopped
mkdir -m 0777 "$D"
resume
assert_eq 0 "$RC" "load, Documents made by root meanwhile: $ERR"
assert_eq "755 0" "$(stat -c '%a %u' "$D")" "root's directory narrowed, owner left"
assert_contains "$(cat "$WORK/load.log")" "/home/alice/Documents: owned by uid 0 here but by uid 1001 when captured" "the other owner is reported"
assert_eq "report body" "$(cat "$D/report.odt")" "report restored"
no_temps "$R/home"
