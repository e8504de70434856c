#!/usr/bin/env bash
# migstate rd: refuses what is not a store of ours (27) and to run unconfirmed without a
# terminal (11); keeps entries that are the last link to user data (35, listed, catalog
# kept so it can run again) until --force; EPERM on an entry is exit 34 (as is a store
# the caller may not enter); removing store links never changes the restored files'
# mode, owner or times.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd chattr
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_ext4 "$R" 32
mk_system "$R"
fill_homes "$R"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"

# --- not a store ------------------------------------------------------------------
mkdir -p "$WORK/notastore/MIGSTATE" "$WORK/empty"
echo precious >"$WORK/notastore/MIGSTATE/store.id"
echo precious >"$WORK/notastore/file"
expect_rc 27 "$MIGSTATE" rd "$WORK/notastore" -y
expect_rc 27 "$MIGSTATE" rd "$WORK/empty" -y
expect_rc 27 "$MIGSTATE" rd "$WORK/absent" -y
expect_rc 27 "$MIGSTATE" rd "$R/home" -y --force
assert_eq precious "$(cat "$WORK/notastore/file")" "a foreign directory is untouched"
assert_eq precious "$(cat "$WORK/notastore/MIGSTATE/store.id")" "a foreign store.id is untouched"

scan "$R/store" "$WORK/p.plan" "$R"
before=$(manifest "$R/home")

# --- confirmation -------------------------------------------------------------------
expect_rc 11 "$MIGSTATE" rd "$R/store" </dev/null
assert_contains "$OUT" "pass -y" "says how to confirm"
[ -f "$R/store/MIGSTATE/catalog" ] || fail "unconfirmed rd removed something"
if command -v script >/dev/null; then
	RC=0
	echo n | script -qec "$MIGSTATE rd $R/store" /dev/null >/dev/null 2>&1 || RC=$?
	assert_eq 2 "$RC" "declined at the prompt"
	[ -f "$R/store/MIGSTATE/catalog" ] || fail "declined rd removed something"
fi

# --- a store the caller may not enter -------------------------------------------------
chmod 0755 "$WORK" "$R"
expect_rc 34 setpriv --reuid=65534 --regid=65534 --clear-groups "$MIGSTATE" rd "$R/store" -y

# --- last links: nothing restored for alice's notes ------------------------------------
rm "$R/home/alice/notes.txt"
touch -d "2014-01-01 00:00:00" "$R/home/alice" # as it was: only rd may change things now
expect_rc 35 "$MIGSTATE" rd "$R/store" -y
assert_contains "$OUT" "kept	$R/store/MIGSTATE/File/home/alice/notes.txt	last link" "lists the last link"
[ -f "$R/store/MIGSTATE/File/home/alice/notes.txt" ] || fail "last link removed without --force"
[ -f "$R/store/MIGSTATE/catalog" ] || fail "catalog must stay while entries are kept"
[ -z "$(find "$R/store/MIGSTATE/File" -type f ! -name notes.txt)" ] || fail "other entries should be gone"
expect_rc 35 "$MIGSTATE" rd "$R/store" -y
expect_rc 0 "$MIGSTATE" rd "$R/store" -y --force
assert_no_path "$R/store"

# --- EPERM on an entry (immutable inode) -----------------------------------------------
scan "$R/store2" "$WORK/p.plan" "$R"
chattr +i "$R/store2/MIGSTATE/File/home/bob/todo.txt"
expect_rc 34 "$MIGSTATE" rd "$R/store2" -y
assert_contains "$OUT" "denied	$R/store2/MIGSTATE/File/home/bob/todo.txt" "names the entry"
chattr -i "$R/store2/MIGSTATE/File/home/bob/todo.txt"
[ -f "$R/store2/MIGSTATE/catalog" ] || fail "catalog must stay after a partial rd"
[ "$("$MIGSTATE" verify "$R/store2" --json | grep -c '"state":"removing"')" = 1 ] ||
	fail "an interrupted rd leaves the store recognisable as being removed"

expect_rc 0 "$MIGSTATE" rd "$R/store2" -y
assert_no_path "$R/store2"

# --- what rd removed changed nothing of the files that stay --------------------------
assert_eq "$(echo "$before" | grep -v notes.txt)" "$(manifest "$R/home")" "mode, owner, times survive rd"
[ -z "$(find "$R/home" -type f -links +1)" ] || fail "store links left: $(find "$R/home" -type f -links +1)"
