#!/usr/bin/env bash
# A store whose path another local user could change is refused (runtime/storeparent.c):
# scan (store creation), load and rd walk from / to the store through directory fds and
# refuse, exit 27, naming the directory, when one on the way (or the store itself) is
# owned by someone other than root, or writable by group/other without being sticky
# and root's; a symlink on the way must be root's too, and its target is walked the
# same way. /tmp-like directories (1777, root's) and paths still to be made are fine.
# --allow-insecure-store-parent turns the refusal into a warning. Nothing is created,
# changed or removed by a refused command.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
fill_homes "$R"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
scan() { "$MIGSTATE" scan "$1" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 --log "$WORK/scan.log" "${@:2}"; }
load() { "$MIGSTATE" load "$1" --plan "$P" --root "$R" --hardlink --nocompress --log "$WORK/load.log" "${@:2}"; }
refused() { # refused WHAT DIR REASON: exit 27 naming DIR and REASON (in $OUT, $RC)
	assert_eq 27 "$RC" "$1: exit"
	assert_contains "$OUT" "$2 is $3" "$1: the message names the directory"
	assert_contains "$OUT" "--allow-insecure-store-parent" "$1: the message names the override"
}
try() { RC=0; OUT=$("$@" 2>&1) || RC=$?; }

# --- scan refuses to create a store there ---------------------------------------------
D=$R/shared && mkdir -m 0777 "$D" && chmod 0777 "$D"
try scan "$D/store"
refused "scan below a 0777 directory" "$D" "writable by its group and others (mode 0777)"
assert_no_path "$D/store"
chmod 0775 "$D"
try scan "$D/sub/store"
refused "scan below a 0775 directory" "$D" "writable by its group (mode 0775)"
assert_no_path "$D/sub"
chmod 0757 "$D"
try scan "$D/store"
refused "scan below a 0757 directory" "$D" "writable by others (mode 0757)"
B=$R/bobs && mkdir -m 0755 "$B" && chown 1002:1002 "$B"
try scan "$B/store"
refused "scan below bob's directory" "$B" "owned by uid 1002, not by root"
assert_no_path "$B/store"
# a sticky directory: root's is fine (/tmp), bob's is not
T=$R/tmp && mkdir "$T" && chmod 1777 "$T"
BT=$R/bobtmp && mkdir "$BT" && chmod 1777 "$BT" && chown 1002 "$BT"
try scan "$BT/store"
refused "scan below bob's sticky directory" "$BT" "owned by uid 1002, not by root"
# the store itself, existing: bob's empty directory in /tmp is not a place for a store
mkdir "$T/bobstore" && chown 1002 "$T/bobstore"
try scan "$T/bobstore"
refused "scan into bob's directory" "$T/bobstore" "owned by uid 1002, not by root"
assert_eq 1002 "$(stat -c %u "$T/bobstore")" "bob's directory untouched"
# symlinks on the way: bob's symlink in a sticky directory is refused, root's followed
# (and its target checked)
ln -s "$R/safe" "$T/bob-link" && chown -h 1002 "$T/bob-link"
mkdir -m 0755 "$R/safe"
try scan "$T/bob-link/store"
refused "scan through bob's symlink" "$T/bob-link" "owned by uid 1002, not by root"
assert_no_path "$R/safe/store"
ln -s "$D" "$T/root-link"
try scan "$T/root-link/store"
refused "scan through root's symlink to an unsafe directory" "$D" "writable by others (mode 0757)"
# a relative path: resolved from the current directory
(cd "$D" && RC=0 && OUT=$("$MIGSTATE" scan rel-store --plan "$P" --root "$R" --hardlink --nocompress \
	--min-free 1 --log "$WORK/rel.log" 2>&1) || RC=$? && refused "a relative store path" "$D" "writable by others")
# --estimate creates no store: not checked
expect_rc 0 scan "$D/store" --estimate "$WORK/estimate.txt"

# --- safe places -------------------------------------------------------------------------
S=$T/new/deeper/store # below a root-owned sticky directory, the rest made by scan
expect_rc 0 scan "$S"
assert_eq "755 0" "$(stat -c '%a %u' "$T/new")" "a parent scan made"
expect_rc 0 scan "$R/safe/store"
ln -s "$R/safe" "$T/root-safe-link"
wipe_homes "$R" && mk_system "$R"
expect_rc 0 load "$T/root-safe-link/store" # through root's symlink to a safe place
assert_eq "report body" "$(cat "$R/home/alice/Documents/report.odt")" "restored"

# --- load and rd refuse a store whose parent became unsafe ----------------------------
chmod 0777 "$T/new/deeper"
try load "$S"
refused "load" "$T/new/deeper" "writable by its group and others (mode 0777)"
try "$MIGSTATE" rd "$S" -y
refused "rd" "$T/new/deeper" "writable by its group and others (mode 0777)"
[ "$(sed -n 's/^state: //p' "$S/MIGSTATE/store.id")" = complete ] || fail "rd changed the refused store"
# a store top handed to bob
chmod 0755 "$T/new/deeper"
chown 1002 "$S"
try load "$S"
refused "load of bob's store directory" "$S" "owned by uid 1002, not by root"
chown 0 "$S"
# the override: a warning, then the command runs
chmod 0777 "$T/new/deeper"
expect_rc 0 load "$S" --allow-insecure-store-parent
assert_contains "$OUT" "warning: the store's path is not safe" "override: the warning"
expect_rc 0 "$MIGSTATE" rd "$S" -y --allow-insecure-store-parent
assert_no_path "$S"
expect_rc 0 scan "$D/store" --allow-insecure-store-parent
# rd --pending (the boot-time unit) leaves a recorded store below an unsafe directory,
# and keeps its record
export MIGSTATE_PENDING_DIR=$WORK/pending
mkdir -p "$MIGSTATE_PENDING_DIR"
printf 'migstate-pending 1\nstore\t%s\nroot\t%s\n' "$D/store" "$R" >"$MIGSTATE_PENDING_DIR/x.pending"
# (as an rd interrupted there leaves it: a record runs only against a store being removed)
sed -i 's/^state: .*/state: removing/' "$D/store/MIGSTATE/store.id"
try "$MIGSTATE" rd --pending
refused "rd --pending" "$D" "writable by others (mode 0757)"
assert_contains "$OUT" "left alone" "rd --pending says it left the store"
[ -f "$MIGSTATE_PENDING_DIR/x.pending" ] || fail "rd --pending dropped the record"
[ -f "$D/store/MIGSTATE/catalog" ] || fail "rd --pending removed the refused store"
expect_rc 0 "$MIGSTATE" rd --pending --allow-insecure-store-parent
assert_no_path "$D/store"
expect_rc 0 "$MIGSTATE" rd "$R/safe/store" -y
