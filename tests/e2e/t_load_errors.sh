#!/usr/bin/env bash
# Errors at load are handled as at scan: without --continue the first error stops the
# run (61); with it the object is skipped, logged, and the exit code is 3; a Config.xml
# ErrorControl nonFatal rule skips without --continue, a fatal one stops even with it.
# A destination reached through a symlink (planted in a home) is never written through.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
for f in a b c; do put "$R/home/alice/Docs/$f.txt" 1001:1001 0644 "2021-01-01 00:00:00" "doc $f"; done
put "$R/home/alice/Link/l.txt" 1001:1001 0644 "2021-01-01 00:00:00" "through a link?"
chown 1001:1001 "$R/home/alice/Docs" "$R/home/alice/Link"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
errctl() { # errctl KIND: a load plan whose Config.xml has one ErrorControl rule
	cat >"$WORK/$1.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Configuration><Policies><ErrorControl><fileError>
  <$1 errorCode="any">C:\\home\\* [*]</$1>
</fileError></ErrorControl></Policies></Configuration>
EOF
	"$MIGC" compile -o "$WORK/$1.plan" --config "$WORK/$1.xml" "$WORK/p.xml" >/dev/null 2>&1 ||
		fail "compile with $1 ErrorControl"
}
errctl nonFatal
errctl fatal
scan "$R/store" "$WORK/p.plan" "$R"
wipe_homes "$R"
mv "$R/store/MIGSTATE/File/home/alice/Docs/b.txt" "$WORK/b.saved" # a damaged store
mkdir -p "$R/home/alice" "$WORK/outside"
ln -s "$WORK/outside" "$R/home/alice/Link" # planted: must never be followed

load "$R/store" "$WORK/p.plan" "$R"
assert_eq 61 "$RC" "the first error stops the run ($OUT)"
assert_contains "$OUT" "/home/alice/Docs/b.txt" "names the object"
assert_eq "doc a" "$(cat "$R/home/alice/Docs/a.txt")" "objects before the error are restored"
assert_no_path "$R/home/alice/Docs/c.txt"

load "$R/store" "$WORK/p.plan" "$R" --continue
assert_eq 3 "$RC" "--continue skips and says so ($OUT)"
assert_contains "$OUT" "2 skipped" "b.txt and the planted link"
assert_eq "doc c" "$(cat "$R/home/alice/Docs/c.txt")" "objects after the error are restored"
assert_contains "$(cat "$WORK/load.log")" "skipped by --continue" "logged"
[ -z "$(ls -A "$WORK/outside")" ] || fail "wrote through a planted symlink: $(ls -A "$WORK/outside")"

load "$R/store" "$WORK/nonFatal.plan" "$R"
assert_eq 3 "$RC" "ErrorControl nonFatal skips without --continue ($OUT)"
assert_contains "$(cat "$WORK/load.log")" "skipped by ErrorControl" "logged as ErrorControl's"

load "$R/store" "$WORK/fatal.plan" "$R" --continue
assert_eq 61 "$RC" "ErrorControl fatal stops even with --continue ($OUT)"

# the store repaired, the link gone: a rerun completes
mv "$WORK/b.saved" "$R/store/MIGSTATE/File/home/alice/Docs/b.txt"
rm "$R/home/alice/Link"
load "$R/store" "$WORK/p.plan" "$R"
[ "$RC" = 0 ] || fail "repaired load exited $RC: $OUT"
assert_eq "doc b" "$(cat "$R/home/alice/Docs/b.txt")" "b.txt restored"
assert_eq "through a link?" "$(cat "$R/home/alice/Link/l.txt")" "l.txt restored in a real directory"
