#!/usr/bin/env bash
# Drift: after the scan an application saves files the "write a temporary file, rename
# it over the original" way, which breaks the hard link: the store keeps the captured
# version, the original path a new one. verify reports it; load keeps both versions
# (never loses one): the newer keeps the name, the other is kept as name(captured).ext
# or name(diverged).ext; a SourcePriority merge rule gives the name to the captured one.
# Unchanged files are found in place. A rerun changes nothing; rd afterwards needs no
# --force.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
H=$R/home/alice
put "$H/doc.txt" 1001:1001 0644 "2021-01-01 00:00:00" "captured doc"
put "$H/old.txt" 1001:1001 0644 "2021-01-01 00:00:00" "captured old, but newer"
put "$H/src/pri.txt" 1001:1001 0644 "2021-01-01 00:00:00" "captured pri"
put "$H/same.txt" 1001:1001 0644 "2021-01-01 00:00:00" "untouched"
chown 1001:1001 "$H/src"
homes_policy "$WORK/p.xml" diverged <<'EOF'
        <merge script="MigXmlHelper.SourcePriority()">
          <objectSet><pattern type="File">%CSIDL_PROFILE%\src\* [*]</pattern></objectSet>
        </merge>
EOF
compile "$WORK/p.xml" "$WORK/p.plan"
scan "$R/store" "$WORK/p.plan" "$R"
ino_doc=$(stat -c %i "$H/doc.txt")
ino_same=$(stat -c %i "$H/same.txt")

# save_by_rename FILE CONTENT DATE: what editors do (new inode under the old name)
save_by_rename() {
	printf '%s\n' "$2" >"$1.tmp~"
	chown 1001:1001 "$1.tmp~"
	touch -d "$3" "$1.tmp~"
	mv -f "$1.tmp~" "$1"
}
save_by_rename "$H/doc.txt" "edited after the scan" "2022-06-06 06:06:06"
save_by_rename "$H/old.txt" "rewritten with an old date" "2020-01-01 00:00:00"
save_by_rename "$H/src/pri.txt" "edited pri" "2022-06-06 06:06:06"

expect_rc 42 "$MIGSTATE" verify "$R/store"
assert_contains "$OUT" "diverged	/home/alice/doc.txt" "verify sees the drift"
assert_contains "$OUT" "captured 13 bytes" "verify gives the captured size"

load "$R/store" "$WORK/p.plan" "$R"
[ "$RC" = 0 ] || fail "load exited $RC: $OUT"
assert_contains "$OUT" "3 diverged" "summary"
assert_contains "$OUT" "captured 13 bytes" "report gives both sizes"
# the newer on-disk version keeps the name; the captured one is kept beside it
assert_eq "edited after the scan" "$(cat "$H/doc.txt")" "newer keeps the name"
assert_eq "captured doc" "$(cat "$H/doc(captured).txt")" "captured version kept"
assert_eq "$ino_doc" "$(stat -c %i "$H/doc(captured).txt")" "captured version is the store's inode"
# the captured version is newer: it takes the name, the on-disk one moves aside
assert_eq "captured old, but newer" "$(cat "$H/old.txt")" "newer captured version keeps the name"
assert_eq "rewritten with an old date" "$(cat "$H/old(diverged).txt")" "older on-disk version kept"
# SourcePriority: the captured version wins whatever the dates
assert_eq "captured pri" "$(cat "$H/src/pri.txt")" "SourcePriority gives the name to the capture"
assert_eq "edited pri" "$(cat "$H/src/pri(diverged).txt")" "and keeps the other"
assert_eq "$ino_same" "$(stat -c %i "$H/same.txt")" "unchanged file in place"
assert_contains "$OUT" "1 already in place" "unchanged file found in place"

listing=$(ls -A "$H" "$H/src")
load "$R/store" "$WORK/p.plan" "$R"
[ "$RC" = 0 ] || fail "rerun exited $RC: $OUT"
assert_contains "$OUT" "0 linked, 0 copied, 0 renamed, 0 skipped, 0 diverged" "rerun does nothing"
assert_eq "$listing" "$(ls -A "$H" "$H/src")" "rerun adds no names"
expect_rc 0 "$MIGSTATE" verify "$R/store"

expect_rc 0 "$MIGSTATE" rd "$R/store" -y
assert_eq "captured doc" "$(cat "$H/doc(captured).txt")" "both versions survive rd"
assert_eq "edited after the scan" "$(cat "$H/doc.txt")" "both versions survive rd"
