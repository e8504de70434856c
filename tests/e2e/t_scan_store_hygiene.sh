#!/usr/bin/env bash
# A scan never captures a migstate store (issue 18, item 4): an older store left on the
# disk and one nested in a user's home are pruned from the walk, with one log line each
# and a count (stores_skipped), whatever the rules say (a System component taking
# C:\* [*], as migdocs does). A marker a user planted herself (her own MIGSTATE with a
# store.id) is not a store of ours: a user must not be able to hide other people's
# files in a shared folder from the capture.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
need_cmd setpriv
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
chmod 0755 "$WORK"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 64m
mk_system "$R"
fill_homes "$R"
put "$R/data/report.txt" 0:0 0644 "2020-01-01 00:00:00" "data"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
system_policy "$WORK/all.xml" 'C:\* [*]'
compile_plan "$WORK/all.plan" "$WORK/all.xml"
# an older store on the disk, and one nested in alice's home (made with the override)
scan "$R/old-store" "$WORK/p.plan" "$R"
scan "$R/home/alice/nested/store" "$WORK/p.plan" "$R" --allow-insecure-store-parent
# alice's own fake marker in a shared folder, over bob's file
mkdir -m 1777 "$R/shared"
put "$R/shared/bob.txt" 1002:1002 0644 "2020-01-01 00:00:00" "bob's shared file"
setpriv --reuid=1001 --regid=1001 --clear-groups sh -c \
	"mkdir -p '$R/shared/MIGSTATE' && printf 'migstate-store 1\nstate: complete\nrole: master\n' >'$R/shared/MIGSTATE/store.id'"
RC=0
OUT=$("$MIGSTATE" scan "$R/new" --plan "$WORK/all.plan" --root "$R" --hardlink --nocompress \
	--min-free 1 --log "$WORK/new.log" --json 2>/dev/null) || RC=$?
assert_eq 0 "$RC" "scan: $(tail -5 "$WORK/new.log")"
CATDUMP=$(rt_helper catdump)
paths=$("$CATDUMP" "$R/new" paths)
grep -q '^/old-store' <<<"$paths" && fail "the older store was captured"
grep -q '^/home/alice/nested/store' <<<"$paths" && fail "the nested store was captured"
grep -qx '/data/report.txt' <<<"$paths" || fail "the rest is captured: /data/report.txt"
grep -qx '/home/alice/notes.txt' <<<"$paths" || fail "the rest is captured: alice's notes"
grep -qx '/shared/bob.txt' <<<"$paths" || fail "alice's fake marker hid bob's file"
grep -q "old-store is a migstate store" "$WORK/new.log" || fail "a log line for the older store"
grep -q "nested/store is a migstate store" "$WORK/new.log" || fail "a log line for the nested store"
assert_eq 2 "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["stores_skipped"])' "$OUT")" \
	"--json stores_skipped"
echo ok
