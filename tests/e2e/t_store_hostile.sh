#!/usr/bin/env bash
# The store against a hostile local user (uid 1500, through setpriv) and against the
# administrator's own scripts rerunning verbs (issue 15, defects 1, 4, 5, 7):
#  1. a store under a sticky directory (/tmp) cannot be planted: a STORE or MIGSTATE
#     another user made before or during the scan is never adopted, and every verb
#     refuses a store any part of which another user owns or can write (exit 27);
#  4. `scan -o` applies rd's guard: it refuses (35) to replace a store holding the only
#     copy of some data, unless --force;
#  5. a pending record names one store instance: a later store at the same path is
#     never removed by `rd --pending`; the pending directory is checked like a store;
#  7. every verb holds the store's lock for its whole run: a second one fails at once
#     (29, as USMT for "one migration tool at a time"), and scan's commit recounts the payload.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd setpriv
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
chmod 0755 "$WORK" # eve may pass through it to the sticky directory
cd "$WORK"
EVE=1500 # the attacker: a plain local user
as_eve() { setpriv --reuid=$EVE --regid=$EVE --clear-groups "$@"; }

# A sticky, world-writable directory owned by root, as /tmp: the store goes there and
# the homes are on the same filesystem (a hard-link store).
T=$WORK/tmp
mk_tmpfs "$T" 64m
chmod 1777 "$T"
R=$T/root
mkdir -m 0755 "$R"
mk_system "$R"
fill_homes "$R"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$T/store
scan_to() { "$MIGSTATE" scan "$1" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 \
	--log "$WORK/scan.log" "${@:2}"; }
run() { RC=0; OUT=$("$@" 2>&1) || RC=$?; }

# --- 1. a planted store ----------------------------------------------------------------
planted() {
# before the scan: eve made STORE and STORE/MIGSTATE (0777); -o must not adopt them
as_eve mkdir -m 0777 "$S" "$S/MIGSTATE"
run scan_to "$S" -o
assert_eq 27 "$RC" "scan -o over eve's planted store: $OUT"
assert_contains "$OUT" "owned by uid $EVE" "the reason is given"
assert_eq "" "$(ls -A "$S/MIGSTATE")" "nothing written into eve's directory"
assert_eq "$EVE" "$(stat -c %u "$S")" "eve's directory is not taken over (chown)"
rm -rf "$S"

# during the scan: pass 1 is over, the store is about to be made; eve creates it first
if fi_try_init; then
	start_stopped "mkdirat:1:stop:$S" scan "$S" --plan "$P" --root "$R" --hardlink \
		--nocompress --min-free 1 --log "$WORK/scan.log"
	as_eve mkdir -m 0777 "$S" "$S/MIGSTATE"
	resume
	assert_eq 27 "$RC" "scan after eve planted the store mid-run: $OUT"
	assert_eq "" "$(ls -A "$S/MIGSTATE")" "nothing written into eve's MIGSTATE"
	rm -rf "$S"
else
	note "planted mid-run: skipped ($FI_WHY)"
fi

# a complete store any part of which another user owns or can write: every verb refuses
run scan_to "$S"
assert_eq 0 "$RC" "scan: $OUT"
untrusted() { # untrusted WHAT: every verb exits 27 and names it
	local v
	for v in "load $S --plan $P --root $R --hardlink --nocompress --log $WORK/load.log" \
		"verify $S" "du $S" "rd $S -y"; do
		# shellcheck disable=SC2086
		run "$MIGSTATE" $v
		assert_eq 27 "$RC" "$1: migstate ${v%% *}: $OUT"
		assert_contains "$OUT" "cannot be trusted" "$1: migstate ${v%% *} says why"
	done
	run scan_to "$S" -o
	assert_eq 27 "$RC" "$1: scan -o: $OUT"
	[ -f "$S/MIGSTATE/catalog" ] || fail "$1: the store was touched"
}
chown $EVE "$S/MIGSTATE/catalog"
untrusted "a catalog owned by eve"
chown 0 "$S/MIGSTATE/catalog"
chmod 0777 "$S/MIGSTATE"
untrusted "a world-writable MIGSTATE"
chmod 0700 "$S/MIGSTATE"
chmod 0666 "$S/MIGSTATE/store.id"
untrusted "a world-writable store.id"
chmod 0600 "$S/MIGSTATE/store.id"
chown $EVE "$S/MIGSTATE/File"
untrusted "a payload directory owned by eve"
chown 0 "$S/MIGSTATE/File"
expect_rc 0 "$MIGSTATE" verify "$S"
rm -rf "$S"
}

# --- 4. scan -o keeps rd's guard ---------------------------------------------------------
overwrite_guard() {
run scan_to "$S"
assert_eq 0 "$RC" "scan: $OUT"
before=$(manifest "$R/home")
wipe_homes "$R" # the reinstall: the store now holds the only copy
run scan_to "$S" -o
assert_eq 35 "$RC" "scan -o over the only copy: $OUT"
assert_contains "$(cat "$WORK/scan.log")" "only copy of user data" "scan -o says why"
assert_contains "$(cat "$WORK/scan.log")" "home/alice/notes.txt" "and names the entries"
expect_rc 0 "$MIGSTATE" verify "$S"
load "$S" "$P" "$R"
assert_eq 0 "$RC" "load after the refused -o: $OUT"
assert_eq "$before" "$(manifest "$R/home")" "everything restored"
run scan_to "$S" -o # restored: the old store's links are no longer the only ones
assert_eq 0 "$RC" "scan -o once restored: $OUT"
wipe_homes "$R"
run scan_to "$S" -o --force
assert_eq 0 "$RC" "scan -o --force: $OUT"
run scan_to "$S" --force
assert_eq 11 "$RC" "--force alone is a usage error: $OUT"
rm -rf "$S"
mk_system "$R"
fill_homes "$R"
}

# --- 7. one verb at a time -----------------------------------------------------------------
one_at_a_time() {
if ! fi_try_init; then
	note "one_at_a_time: skipped ($FI_WHY)"
	return 0
fi
# a scan stopped in the middle of its links: every other verb fails at once
start_stopped "linkat:3:stop:$S/MIGSTATE/File" scan "$S" --plan "$P" --root "$R" --hardlink \
	--nocompress --min-free 1 --log "$WORK/scan.log"
for v in "rd $S -y" "verify $S" "du $S" "load $S --plan $P --root $R --hardlink --nocompress --log $WORK/load.log"; do
	# shellcheck disable=SC2086
	run "$MIGSTATE" $v
	assert_eq 29 "$RC" "migstate ${v%% *} during the scan: $OUT"
	assert_contains "$OUT" "in use by another migstate command" "${v%% *} says why"
done
run scan_to "$S" -o
assert_eq 29 "$RC" "scan -o during the scan: $OUT"
resume
assert_eq 0 "$RC" "the scan goes on: $OUT"
expect_rc 0 "$MIGSTATE" verify "$S"
# something else removes a payload entry while a scan runs: the store is not complete
start_stopped "linkat:3:stop:$S/MIGSTATE/File" scan "$S" -o --plan "$P" --root "$R" --hardlink \
	--nocompress --min-free 1 --log "$WORK/scan.log"
victim=$(find "$S/MIGSTATE/File" -type f | head -1)
[ -n "$victim" ] || fail "no payload yet at the stop"
rm -f "$victim"
resume
assert_eq 72 "$RC" "a payload entry removed behind the scan's back: $OUT"
assert_contains "$(cat "$WORK/scan.log")" "is not marked complete" "the recount says why"
run "$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress --log "$WORK/load.log"
assert_eq 27 "$RC" "load refuses the incomplete store: $OUT"
rm -rf "$S"
}

# --- 5. pending records name one store instance ----------------------------------------------
pending_instance() {
export MIGSTATE_PENDING_DIR=$WORK/pending
R2=$WORK/r2
mk_tmpfs "$R2" 32m
mk_tmpfs "$R2/srv" 16m
mk_system "$R2"
fill_homes "$R2"
put "$R2/srv/www/index.html" 0:0 0644 "2020-02-02 02:02:02" "<html>"
policy "$WORK/p2.xml" "$SRV_COMPONENT"
compile "$WORK/p2.xml" "$WORK/p2.plan"
S2=$R2/store
scan "$S2" "$WORK/p2.plan" "$R2"
mount -o remount,ro "$R2/srv"
expect_rc 35 "$MIGSTATE" rd "$S2" -y # cycle 1: the read-only volume stays pending
rec=$(ls "$MIGSTATE_PENDING_DIR")
# cycle 2: a new store at the same path; then the boot-time run
scan "$S2" "$WORK/p2.plan" "$R2" -o
run "$MIGSTATE" rd --pending
run "$MIGSTATE" verify "$S2"
assert_eq 0 "$RC" "the new store survives the boot-time rd --pending: $OUT"
assert_contains "$(cat "$WORK/scan.log")" "set aside as $rec.retired" "the new scan retires the record"
assert_contains "$(cat "$MIGSTATE_PENDING_DIR/$rec.retired")" "id	" "the record names the store's id"
expect_rc 0 "$MIGSTATE" rd --pending
assert_contains "$OUT" "no pending deletions" "nothing left to run"
# a record that was not retired (an older migstate made the new store): refused
mv "$MIGSTATE_PENDING_DIR/$rec.retired" "$MIGSTATE_PENDING_DIR/$rec"
expect_rc 27 "$MIGSTATE" rd --pending
assert_contains "$OUT" "not being removed" "rd --pending says why"
expect_rc 0 "$MIGSTATE" verify "$S2"
[ -f "$S2/MIGSTATE/catalog" ] || fail "the new store was touched"
assert_no_path "$MIGSTATE_PENDING_DIR/$rec"
# the same store instance, still being removed, but another id in the record: refused
expect_rc 0 "$MIGSTATE" rd "$S2" -y --force # (leaves nothing pending: all on rw volumes now)
mount -o remount,rw "$R2/srv"
scan "$S2" "$WORK/p2.plan" "$R2" -o
mount -o remount,ro "$R2/srv"
expect_rc 35 "$MIGSTATE" rd "$S2" -y
sed -i 's/^id\t.*/id\t00000000000000000000000000000000/' "$MIGSTATE_PENDING_DIR/$rec"
expect_rc 27 "$MIGSTATE" rd --pending
assert_contains "$OUT" "its id differs" "another instance is refused"
[ -f "$S2/MIGSTATE/catalog" ] || fail "the store of another instance was touched"
# the pending directory is checked like a store
mv "$MIGSTATE_PENDING_DIR/$rec.retired" "$MIGSTATE_PENDING_DIR/$rec"
sed -i 's/^id\t.*//' "$MIGSTATE_PENDING_DIR/$rec"
chown $EVE "$MIGSTATE_PENDING_DIR"
expect_rc 27 "$MIGSTATE" rd --pending
assert_contains "$OUT" "cannot be trusted" "an untrusted pending directory is refused"
chown 0 "$MIGSTATE_PENDING_DIR"
chmod 0777 "$MIGSTATE_PENDING_DIR"
expect_rc 27 "$MIGSTATE" rd --pending
chmod 0700 "$MIGSTATE_PENDING_DIR"
mount -o remount,rw "$R2/srv"
expect_rc 0 "$MIGSTATE" rd --pending # the record's own store, still being removed: finished
assert_no_path "$S2"
}

# ONLY=planted|overwrite_guard|one_at_a_time|pending_instance runs one part (to show
# each failing on its own against an older migstate)
for part in ${ONLY:-planted overwrite_guard one_at_a_time pending_instance}; do
	note "$part"
	$part
done
echo "ok"
