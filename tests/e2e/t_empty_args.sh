#!/usr/bin/env bash
# An empty STORE, --plan, --log (or any other value) is a usage error, exit 11, for every
# verb (issue 15): "" reaches open(2) as the current directory, so `scan ""` took the
# directory it was run from for the store. Run from a directory of its own, nothing may
# appear in it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
R=$WORK/root
mkdir -p "$R"
mk_system "$R"
fill_homes "$R"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$WORK/store
HERE=$WORK/here
mkdir "$HERE"
cd "$HERE"
common=(--root "$R" --hardlink --nocompress)
expect_rc 11 "$MIGSTATE" scan "" --plan "$P" "${common[@]}" --min-free 1
assert_contains "$OUT" "the STORE argument is empty" "scan \"\""
expect_rc 11 "$MIGSTATE" scan "$S" --plan "" "${common[@]}"
assert_contains "$OUT" "option '--plan' needs a value, not an empty one" "scan --plan \"\""
expect_rc 11 "$MIGSTATE" scan "$S" --plan "$P" "${common[@]}" --log ""
expect_rc 11 "$MIGSTATE" scan "$S" --plan "$P" "${common[@]}" --log=
expect_rc 11 "$MIGSTATE" scan "$S" --plan "$P" "${common[@]}" --progress ""
expect_rc 11 "$MIGSTATE" scan "$S" --plan "$P" "${common[@]}" --listfiles ""
expect_rc 11 "$MIGSTATE" scan "$S" --plan "$P" "${common[@]}" --estimate ""
expect_rc 11 "$MIGSTATE" scan "$S" --plan "$P" --root "" --hardlink --nocompress
expect_rc 11 "$MIGSTATE" load "" --plan "$P" "${common[@]}"
expect_rc 11 "$MIGSTATE" load "$S" --plan "" "${common[@]}"
expect_rc 11 "$MIGSTATE" verify ""
assert_contains "$OUT" "the STORE argument is empty" "verify \"\""
expect_rc 11 "$MIGSTATE" verify "$S" --root ""
expect_rc 11 "$MIGSTATE" du ""
expect_rc 11 "$MIGSTATE" rd "" -y
expect_rc 11 "$MIGSTATE" rd --pending ""
expect_rc 11 "$MIGSTATE" check-plan ""
assert_eq "" "$(ls -A "$HERE")" "files made in the current directory"
assert_no_path "$S"
# the same store given for real works (the refusals above were about the empty values)
expect_rc 0 "$MIGSTATE" scan "$S" --plan "$P" "${common[@]}" --min-free 1 --log "$WORK/scan.log"
expect_rc 0 "$MIGSTATE" verify "$S"
