#!/usr/bin/env bash
# verify: 0 for a sound store; 42 for a missing entry, a store entry that is no longer
# the captured inode, a file in the store the catalog does not name; 27 for a non-store.
# du: each inode counted once; linked files cost nothing while their originals exist,
# become "store only" once the originals are gone; copies from the FAT volume cost their
# bytes; the apparent size counts every name.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_fat "$R/data" 16
mk_system "$R"
fill_homes "$R"
head -c 100000 /dev/zero | tr '\0' x >"$R/data/big.bin"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
scan "$R/store" "$WORK/p.plan" "$R"
S=$R/store/MIGSTATE/File

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

expect_rc 0 "$MIGSTATE" verify "$R/store"
assert_contains "$OUT" "0 missing, 0 diverged, 0 orphaned" "clean store"
expect_rc 0 "$MIGSTATE" verify "$R/store" --json
assert_eq ok "$(echo "$OUT" | json 'd["status"]')" "json status"

expect_rc 0 "$MIGSTATE" du "$R/store" --json
du1=$OUT
assert_eq 7 "$(echo "$du1" | json 'd["linked"]["count"]')" "seven linked files"
assert_eq 0 "$(echo "$du1" | json 'd["linked"]["cost"]')" "linked files cost nothing"
assert_eq 1 "$(echo "$du1" | json 'd["copied"]["count"]')" "one copy from FAT"
assert_eq 100000 "$(echo "$du1" | json 'd["copied"]["bytes"]')" "copied bytes"
[ "$(echo "$du1" | json 'd["copied"]["cost"] >= 100000')" = True ] || fail "a copy costs its blocks: $du1"
[ "$(echo "$du1" | json 'd["apparent"] > d["copied"]["bytes"] + d["linked"]["bytes"] - 1')" = True ] ||
	fail "apparent size counts every name: $du1"
expect_rc 0 "$MIGSTATE" du "$R/store"
assert_contains "$OUT" "what removing the store frees" "text report"

# the originals go: linked files are now held by the store alone
wipe_homes "$R"
expect_rc 0 "$MIGSTATE" du "$R/store" --json
assert_eq 7 "$(echo "$OUT" | json 'd["store_only"]["count"]')" "store-only after the wipe"
assert_eq 0 "$(echo "$OUT" | json 'd["linked"]["count"]')" "nothing shared any more"
expect_rc 0 "$MIGSTATE" verify "$R/store"
assert_contains "$OUT" "the only name of their data" "verify says the store alone holds them"

# orphaned, missing, diverged
echo stray >"$S/home/alice/stray.txt"
expect_rc 42 "$MIGSTATE" verify "$R/store"
assert_contains "$OUT" "orphaned	$S/home/alice/stray.txt" "orphan"
rm "$S/home/alice/stray.txt"
mv "$S/home/bob/todo.txt" "$WORK/todo.saved"
expect_rc 42 "$MIGSTATE" verify "$R/store" --json
assert_eq /home/bob/todo.txt "$(echo "$OUT" | json 'd["missing"][0]["path"]')" "missing entry"
mv "$WORK/todo.saved" "$S/home/bob/todo.txt"
cp -p "$S/home/alice/notes.txt" "$WORK/n" && mv "$WORK/n" "$S/home/alice/notes.txt"
expect_rc 42 "$MIGSTATE" verify "$R/store"
assert_contains "$OUT" "diverged	/home/alice/notes.txt	the store entry is inode" "replaced entry"

mkdir -p "$WORK/plain"
expect_rc 27 "$MIGSTATE" verify "$WORK/plain"
expect_rc 27 "$MIGSTATE" du "$WORK/plain"
