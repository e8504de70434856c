#!/usr/bin/env bash
# What rd cannot remove now is recorded as pending deletion outside the store and
# finished later by `rd --pending` (what the boot-time unit runs): a filesystem mounted
# inside the store (rmdir says EBUSY; the walk never enters it) and a volume that is
# mounted read-only (EROFS). rd removes all the rest, keeps the catalog, exits 35.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
export MIGSTATE_PENDING_DIR=$WORK/pending
R=$WORK/root
mk_tmpfs "$R" 32m
mk_tmpfs "$R/srv" 16m
mk_system "$R"
fill_homes "$R"
put "$R/srv/www/index.html" 0:0 0644 "2020-02-02 02:02:02" "<html>"
policy "$WORK/p.xml" "$SRV_COMPONENT"
compile "$WORK/p.xml" "$WORK/p.plan"
scan "$R/store" "$WORK/p.plan" "$R"
[ -f "$R/srv/store/MIGSTATE/File/srv/www/index.html" ] || fail "no per-volume store on /srv"
before=$(manifest "$R/home")

expect_rc 0 "$MIGSTATE" rd --pending
assert_contains "$OUT" "no pending deletions" "nothing pending yet"

# a filesystem mounted inside the store, and the second volume read-only
BUSY=$R/store/MIGSTATE/File/home/alice/Documents
mk_tmpfs "$BUSY" 1m
echo "not the store's" >"$BUSY/foreign.txt"
mount -o remount,ro "$R/srv"

expect_rc 35 "$MIGSTATE" rd "$R/store" -y
assert_contains "$OUT" "pending	$BUSY	Device or resource busy" "busy mount point is pending"
assert_contains "$OUT" "pending	$R/srv/store/MIGSTATE/File/srv/www/index.html	Read-only file system" \
	"read-only volume is pending"
[ -f "$R/store/MIGSTATE/catalog" ] || fail "the catalog stays while entries are pending"
assert_eq "not the store's" "$(cat "$BUSY/foreign.txt")" "rd never enters another filesystem"
assert_no_path "$R/store/MIGSTATE/File/home/bob/todo.txt"
rec=$(ls "$MIGSTATE_PENDING_DIR")
assert_contains "$rec" ".pending" "a pending record outside the store"
assert_contains "$(cat "$MIGSTATE_PENDING_DIR/$rec")" "$R/store" "the record names the store"

# still busy: the pending run keeps the record
expect_rc 35 "$MIGSTATE" rd --pending
[ -n "$(ls "$MIGSTATE_PENDING_DIR")" ] || fail "record dropped while still pending"

# the causes go away (as after a reboot): --pending finishes
umount "$BUSY"
mount -o remount,rw "$R/srv"
expect_rc 0 "$MIGSTATE" rd --pending
assert_no_path "$R/store"
assert_no_path "$R/srv/store"
[ -z "$(ls "$MIGSTATE_PENDING_DIR")" ] || fail "record left: $(ls "$MIGSTATE_PENDING_DIR")"
assert_eq "$before" "$(manifest "$R/home")" "restored files untouched"
assert_eq "<html>" "$(cat "$R/srv/www/index.html")" "files on the read-only volume untouched"
