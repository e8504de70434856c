#!/usr/bin/env bash
# Existing destination directories never widen access to what load restores
# (runtime/dirsafe.c). The new system made alice's home 0755 (captured 0700) and her
# Private 0755 (captured 0700, holding a 0644 secret):
#   1. --dry-run prints one "tighten" line per directory and changes nothing;
#   2. --keep-dir-modes only warns (one line per directory), counts them in the JSON
#      summary, and the wider modes stay (bob can then read the secret: the documented
#      cost of the option);
#   3. by default load removes exactly the group/other bits the captured mode did not
#      grant, before anything is placed: bob cannot read the secret; bits are never
#      added (a directory narrower than captured stays so), set-gid is kept, the owner
#      is never changed (a root-owned bob home is reported, not chowned); a directory
#      load does not restore into (/home/carol 0777, /opt/wide 0777) is not touched;
#      a rerun has nothing left to tighten;
#   4. a captured directory replaced by a symlink to a 0755 directory elsewhere: load
#      refuses it (never followed) and the target's mode is untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd setpriv
need_cmd python3
WORK=$(mk_tmpdir)
cd "$WORK"
chmod 0755 "$WORK" # bob may walk to the root; the directories below must stop him
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
fill_homes "$R"
A=$R/home/alice
put "$A/Private/secret.txt" 1001:1001 0644 "2021-05-05 05:05:05" "alice's secret"
chown 1001:1001 "$A/Private" && chmod 0700 "$A/Private"
chmod 0711 "$A/Documents/deep" # captured 0711: a narrower one at load stays narrower
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$R/store
expect_rc 0 "$MIGSTATE" scan "$S" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 --log "$WORK/scan.log"

as_bob() { setpriv --reuid=1002 --regid=1002 --clear-groups "$@"; }
bob_can_read() { as_bob cat "$1" >/dev/null 2>&1; }
mode() { stat -c '%a %u' "$1"; }
json() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d[sys.argv[1]])' "$1"; }

# what a reinstall leaves: homes made anew, wider than they were
reinstall() {
	wipe_homes "$R"
	rm -rf "$R/home/carol" "$R/opt"
	mkdir -p "$A/Private" "$A/Documents/deep" "$R/home/bob" "$R/home/carol" "$R/opt/wide"
	chown 1001:1001 "$A" "$A/Private" "$A/Documents" "$A/Documents/deep"
	chmod 0755 "$A" "$A/Private"
	chmod 2777 "$A/Documents" # captured 0755: g+w and o+w go, set-gid stays
	chmod 0700 "$A/Documents/deep"
	chmod 0775 "$R/home/bob" # root's here (bob's when captured), captured 0750
	chmod 0777 "$R/home/carol" "$R/opt/wide"
	echo "carol" >"$R/opt/wide/control" && chmod 0644 "$R/opt/wide/control"
}

# --- 1. dry run ---------------------------------------------------------------------
reinstall
expect_rc 0 "$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress --dry-run
assert_contains "$OUT" "$(printf 'tighten\t/home/alice\t0755 -> 0700')" "dry run: alice's home"
assert_contains "$OUT" "$(printf 'tighten\t/home/alice/Private\t0755 -> 0700')" "dry run: Private"
assert_contains "$OUT" "$(printf 'tighten\t/home/bob\t0775 -> 0750')" "dry run: bob's home"
assert_eq "755 1001" "$(mode "$A")" "dry run changed nothing"
assert_eq "755 1001" "$(mode "$A/Private")" "dry run changed nothing"
assert_no_path "$A/Private/secret.txt"

# --- 2. --keep-dir-modes: warn only ---------------------------------------------------
RC=0
JS=$("$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress --keep-dir-modes \
	--json --log "$WORK/keep.log" 2>"$WORK/keep.err") || RC=$?
assert_eq 0 "$RC" "load --keep-dir-modes: $(cat "$WORK/keep.err")"
assert_eq 4 "$(echo "$JS" | json dirs_wider_kept)" "JSON: directories left wider"
assert_eq 0 "$(echo "$JS" | json dirs_tightened)" "JSON: none tightened"
assert_eq 1 "$(echo "$JS" | json dirs_owner_differs)" "JSON: bob's home has another owner"
assert_eq 4 "$(grep -c 'kept (--keep-dir-modes)' "$WORK/keep.log")" "one warning per directory"
assert_contains "$(cat "$WORK/keep.err")" "/home/alice/Private: mode 0755 grants group/other permissions (0055)" "warning on stderr"
assert_eq "755 1001" "$(mode "$A/Private")" "--keep-dir-modes kept the mode"
assert_eq "alice's secret" "$(cat "$A/Private/secret.txt")" "restored"
bob_can_read "$A/Private/secret.txt" || fail "premise: the wide directory exposes the secret"

# --- 3. the default: tightened before anything goes in ---------------------------------
reinstall
RC=0
JS=$("$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress --json \
	--log "$WORK/load.log" 2>"$WORK/load.err") || RC=$?
assert_eq 0 "$RC" "load: $(cat "$WORK/load.err")"
assert_eq 4 "$(echo "$JS" | json dirs_tightened)" "JSON: directories tightened"
assert_eq 0 "$(echo "$JS" | json dirs_wider_kept)" "JSON: none left wide"
assert_eq 1 "$(echo "$JS" | json dirs_owner_differs)" "JSON: owner differs"
assert_eq 4 "$(grep -c '\[warning\] tightened ' "$WORK/load.log")" "one log line per directory: $(cat "$WORK/load.log")"
grep -q 'tightened /home/alice/Private: mode 0755 -> 0700' "$WORK/load.log" || fail "log names Private"
grep -q '/home/bob: owned by uid 0 here but by uid 1002 when captured' "$WORK/load.log" ||
	fail "the other owner is reported: $(cat "$WORK/load.log")"
assert_eq "700 1001" "$(mode "$A")" "alice's home"
assert_eq "700 1001" "$(mode "$A/Private")" "Private"
assert_eq "2755 1001" "$(mode "$A/Documents")" "Documents: set-gid kept, write bits gone"
assert_eq "700 1001" "$(mode "$A/Documents/deep")" "never adds bits"
assert_eq "750 0" "$(mode "$R/home/bob")" "bob's home: bits removed, owner left"
assert_eq "777 0" "$(mode "$R/home/carol")" "a directory load does not restore into"
assert_eq "777 0" "$(mode "$R/opt/wide")" "a directory outside the store's tree"
bob_can_read "$R/opt/wide/control" || fail "control: bob cannot read anything"
! bob_can_read "$A/Private/secret.txt" || fail "bob can read alice's secret after load"
assert_eq "alice's secret" "$(cat "$A/Private/secret.txt")" "restored"
# a rerun: nothing left to tighten (the other owner is still reported)
expect_rc 0 "$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress --log "$WORK/again.log"
assert_contains "$OUT" "existing directories: 0 tightened" "a rerun has nothing to tighten"
! grep -q 'tightened' "$WORK/again.log" || fail "a rerun tightened again"
# the text summary counts them too
reinstall
expect_rc 0 "$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress --log "$WORK/text.log"
assert_contains "$OUT" "existing directories: 4 tightened to the captured mode, 0 left wider than captured, 1 owned by another user" "text summary"

# the same for a copy load (--nocompress alone)
reinstall
expect_rc 0 "$MIGSTATE" load "$S" --plan "$P" --root "$R" --nocompress --log "$WORK/copy.log"
assert_eq "700 1001" "$(mode "$A/Private")" "copy load: Private"
! bob_can_read "$A/Private/secret.txt" || fail "copy load: bob can read alice's secret"
same_inode "$A/Private/secret.txt" "$S/MIGSTATE/File/home/alice/Private/secret.txt" && fail "copy load linked"

# --- 4. a symlink in place of a captured directory: never followed --------------------
reinstall
mkdir -p "$WORK/elsewhere" && chmod 0755 "$WORK/elsewhere"
rm -rf "$A/Private" && ln -s "$WORK/elsewhere" "$A/Private"
RC=0
OUT=$("$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress -c --log "$WORK/link.log" 2>&1) || RC=$?
assert_eq 3 "$RC" "load with a symlink in the way: $OUT"
assert_contains "$OUT" "never followed" "the symlink is reported"
assert_eq "755 0" "$(mode "$WORK/elsewhere")" "the symlink's target"
[ -z "$(ls -A "$WORK/elsewhere")" ] || fail "something was put through the symlink"
assert_eq "700 1001" "$(mode "$A")" "alice's home still tightened"
