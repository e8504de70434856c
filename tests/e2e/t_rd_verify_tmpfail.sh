#!/usr/bin/env bash
# A temporary file rd and verify write (the restore journal's sort runs, verify's JSON
# problem lists) that cannot be written (ENOSPC) must make them say so, never drop
# records quietly: verify must not turn a restored file into "diverged" nor print JSON
# arrays shorter than its counts, and rd must report the unreadable journal (and still
# keep every entry it cannot prove restored), and rd's list of pending deletions must
# not come out shorter (a record `rd --pending` would then finish without them).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
fi_init
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
fill_homes "$R"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
S=$R/store
VT=$WORK/vt
mkdir -p "$VT"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# 1. verify --json: the problem lists spill to $TMPDIR (budget 64 bytes); the disk is full
scan "$S" "$WORK/p.plan" "$R"
for f in notes.txt .bashrc bin/tool Documents/report.odt; do
	rm "$S/MIGSTATE/File/home/alice/$f"
done
export MIGSTATE_TEST_ITEMS_MEM=64
expect_rc 42 env TMPDIR="$VT" "$MIGSTATE" verify "$S" --root "$R" --json
assert_eq 4 "$(echo "$OUT" | json 'len(d["missing"])')" "missing entries listed (no fault)"
fi_run "pwrite:1+:ENOSPC:$VT/" "$WORK/fi.log" env TMPDIR="$VT" "$MIGSTATE" verify "$S" --root "$R" --json
[ -n "$(fi_fired "$WORK/fi.log")" ] || fail "verify --json never wrote its spill file"
if [ "$RC" = 42 ]; then
	n=$(echo "$OUT" | grep '^{' | json 'len(d["missing"])')
	fail "verify --json: a full disk dropped problems silently (exit 42, $n of 4 listed)"
fi
assert_eq 72 "$RC" "verify --json with its spill file failing"
assert_contains "$OUT" "No space left on device" "verify names the failure"

# 2. the journal: a copy load restored everything; its sort cannot write its runs
rm -rf "$S"
scan "$S" "$WORK/p.plan" "$R"
wipe_homes "$R"
mk_system "$R"
unset MIGSTATE_TEST_ITEMS_MEM
expect_rc 0 "$MIGSTATE" load "$S" --plan "$WORK/p.plan" --root "$R" --nocompress --log "$WORK/load.log"
[ "$(wc -l <"$S/MIGSTATE/restored")" -ge 7 ] || fail "short journal: $(cat "$S/MIGSTATE/restored")"
export MIGSTATE_TEST_ITEMS_MEM=64
expect_rc 0 env TMPDIR="$VT" "$MIGSTATE" verify "$S" --root "$R"
fi_run "pwrite:1+:ENOSPC:$VT/" "$WORK/fi.log" env TMPDIR="$VT" "$MIGSTATE" verify "$S" --root "$R"
[ -n "$(fi_fired "$WORK/fi.log")" ] || fail "verify never wrote the journal's sort file"
case "$OUT" in *diverged*/home/*) fail "verify: restored files reported diverged because the journal sort failed: $OUT" ;; esac
assert_eq 72 "$RC" "verify with the journal's sort failing"
assert_contains "$OUT" "journal" "verify names the journal"

# rd: the sort's file is in the store's MIGSTATE
fi_run "pwrite:1+:ENOSPC:/MIGSTATE/#" "$WORK/fi.log" "$MIGSTATE" rd "$S" --root "$R" -y
[ -n "$(fi_fired "$WORK/fi.log")" ] || fail "rd never wrote the journal's sort file"
# (the restored copies are at the original places: rd can tell without the journal)
assert_contains "$OUT" "restore journal (MIGSTATE/restored) could not be read: No space left" \
	"rd names the unreadable journal"
assert_eq "alice notes" "$(cat "$R/home/alice/notes.txt")" "the restored file is intact"
# 3. rd: what it cannot remove now (a filesystem mounted in the store: EBUSY) goes to
# its pending list, which spills to $TMPDIR; the disk is full. rd must say the pending
# record could not be written, not write one without those entries.
unset MIGSTATE_TEST_ITEMS_MEM
rm -rf "$S"
wipe_homes "$R"
mk_system "$R"
fill_homes "$R"
scan "$S" "$WORK/p.plan" "$R"
export MIGSTATE_PENDING_DIR=$WORK/pending MIGSTATE_TEST_ITEMS_MEM=64
for d in Documents bin; do mk_tmpfs "$S/MIGSTATE/File/home/alice/$d" 1m; done
fi_run "pwrite:1+:ENOSPC:$VT/" "$WORK/fi.log" env TMPDIR="$VT" "$MIGSTATE" rd "$S" --root "$R" -y
[ -n "$(fi_fired "$WORK/fi.log")" ] || fail "rd never wrote its pending list's file: $OUT"
assert_contains "$OUT" "pending	$S/MIGSTATE/File/home/alice/Documents" "the busy mount is pending"
assert_contains "$OUT" "cannot record pending deletions" "rd says the pending record is not written"
[ "$RC" != 0 ] || fail "rd exited 0 with entries it could neither remove nor record"
[ -z "$(ls -A "$MIGSTATE_PENDING_DIR" 2>/dev/null)" ] ||
	fail "a pending record without the entries: $(cat "$MIGSTATE_PENDING_DIR"/*)"
# without the fault the same run records both
expect_rc 35 env TMPDIR="$VT" "$MIGSTATE" rd "$S" --root "$R" -y
grep -q "Documents" "$MIGSTATE_PENDING_DIR"/*.pending && grep -q "/bin" "$MIGSTATE_PENDING_DIR"/*.pending ||
	fail "the pending record lacks an entry: $(cat "$MIGSTATE_PENDING_DIR"/*)"
for d in Documents bin; do umount "$S/MIGSTATE/File/home/alice/$d"; done
expect_rc 0 "$MIGSTATE" rd --pending
assert_no_path "$S"
# 4. load: the restore journal cannot be written (the store's disk is full; a hard-link
# load needs no data blocks of its own on tmpfs). The journal only lets rd match
# copies: load warns once, stops writing it (no line after a torn one) and restores
# everything; rd then keeps what it cannot match.
unset MIGSTATE_TEST_ITEMS_MEM MIGSTATE_PENDING_DIR
scan "$S" "$WORK/p.plan" "$R"
wipe_homes "$R"
mk_system "$R"
rm -f "$S/MIGSTATE/restored"
dd if=/dev/zero of="$R/filler" bs=64k 2>/dev/null || true # to the last block
load "$S" "$WORK/p.plan" "$R"
assert_eq 0 "$RC" "a hard-link load with its journal failing: $OUT"
[ "$(grep -c "cannot write the restore journal" "$WORK/load.log")" = 1 ] ||
	fail "expected one warning about the journal: $(grep -i journal "$WORK/load.log")"
assert_eq "alice notes" "$(cat "$R/home/alice/notes.txt")" "restored all the same"
assert_eq "bob todo" "$(cat "$R/home/bob/todo.txt")" "restored all the same (bob)"
rm -f "$R/filler"
expect_rc 0 "$MIGSTATE" verify "$S" --root "$R"
exit 0
