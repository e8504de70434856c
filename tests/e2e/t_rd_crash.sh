#!/usr/bin/env bash
# kill -9 during rd, at several points (through the MIGSTATE_TEST_CRASH_AFTER hook, and
# once at a random moment): the half-removed store is still recognised as ours (state
# "removing", catalog kept), the next rd finishes it, and the restored files lose
# nothing. Two volumes, so the kill also lands between them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 64m
mk_tmpfs "$R/srv" 16m
mk_system "$R"
fill_homes "$R"
for i in $(seq 1 150); do
	put "$R/home/bob/many/m$((i % 9))/f$i" 1002:1002 0640 "2021-02-03 04:05:06" "file $i"
	[ $((i % 3)) = 0 ] && put "$R/srv/s$((i % 4))/g$i" 0:0 0600 "2021-02-03 04:05:06" "srv $i"
done
policy "$WORK/p.xml" "$SRV_COMPONENT"
compile "$WORK/p.xml" "$WORK/p.plan"
scan "$R/store" "$WORK/p.plan" "$R"
homes=$(manifest "$R/home")
srv=$(manifest "$R/srv" | grep -v ' ./store')

for n in 7 60 150; do
	RC=0
	MIGSTATE_TEST_CRASH_AFTER=$n "$MIGSTATE" rd "$R/store" -y >/dev/null 2>&1 || RC=$?
	assert_eq 137 "$RC" "rd killed after $n removals"
	[ -f "$R/store/MIGSTATE/catalog" ] || fail "catalog gone after a kill at $n"
	expect_rc 42 "$MIGSTATE" verify "$R/store" --json
	assert_contains "$OUT" '"state":"removing"' "recognisably half-removed"
done
"$MIGSTATE" rd "$R/store" -y >/dev/null 2>&1 &
pid=$!
sleep 0.00$((RANDOM % 9 + 1))
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true

# (the random kill may come too late: then rd has already finished)
[ ! -e "$R/store" ] || expect_rc 0 "$MIGSTATE" rd "$R/store" -y
assert_no_path "$R/store"
assert_no_path "$R/srv/store"
assert_eq "$homes" "$(manifest "$R/home")" "homes after interrupted rds"
assert_eq "$srv" "$(manifest "$R/srv")" "srv after interrupted rds"
expect_rc 27 "$MIGSTATE" rd "$R/store" -y

# every crash point of a small two-volume store: for n = 1, 2, ... a fresh store is
# killed after n removals and a second rd must finish it, until the kill comes too late.
rm -rf "$R/home/bob/many" "$R/srv"/s?
put "$R/srv/one.txt" 0:0 0644 "2020-01-01 00:00:00" "one"
homes=$(manifest "$R/home")
n=1
while :; do
	scan "$R/store3" "$WORK/p.plan" "$R"
	RC=0
	MIGSTATE_TEST_CRASH_AFTER=$n "$MIGSTATE" rd "$R/store3" -y >/dev/null 2>&1 || RC=$?
	[ "$RC" = 0 ] && break
	assert_eq 137 "$RC" "rd killed at point $n"
	[ -d "$R/store3/MIGSTATE" ] || fail "store unrecognisable after a kill at point $n"
	expect_rc 0 "$MIGSTATE" rd "$R/store3" -y
	assert_no_path "$R/store3"
	assert_no_path "$R/srv/store3"
	assert_eq "$homes" "$(manifest "$R/home")" "homes after rd killed at point $n"
	assert_eq "one" "$(cat "$R/srv/one.txt")" "srv file after rd killed at point $n"
	n=$((n + 1))
	[ $n -lt 200 ] || fail "rd never finished"
done
note "rd killed at each of $((n - 1)) points and finished by the next run"
assert_no_path "$R/store3"
