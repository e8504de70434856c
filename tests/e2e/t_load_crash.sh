#!/usr/bin/env bash
# kill -9 during load, then load again: the second run finishes the job and the result
# is exactly what one uninterrupted load gives (same names, content, owners, modes and
# times; no extra "(2)" copies of renamed collisions, no temporary files left). Two
# identical systems are built: one is loaded once, the other is killed twice (at fixed
# points, through the MIGSTATE_TEST_CRASH_AFTER hook, and once at a random moment) and
# rerun.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
homes_policy "$WORK/p.xml" crash <<'EOF'
        <locationModify script="MigXmlHelper.RelativeMove('%CSIDL_PROFILE%\Archive','C:\srv\%USERNAME%')">
          <objectSet><pattern type="File">%CSIDL_PROFILE%\Archive\* [*]</pattern></objectSet>
        </locationModify>
EOF
compile "$WORK/p.xml" "$WORK/p.plan"

# build ROOT: the same system every time (names, content, owners, modes, times)
build() {
	local r=$1 u id i
	mk_tmpfs "$r" 64m
	mk_tmpfs "$r/srv" 16m
	mk_system "$r"
	for u in alice bob; do
		id=$([ $u = alice ] && echo 1001 || echo 1002)
		for i in $(seq 1 40); do
			put "$r/home/$u/d$((i % 7))/f$i.txt" $id:$id 06$((i % 5))4 "2020-01-01 00:00:$((i % 60))" "$u $i"
		done
		for i in $(seq 1 12); do
			put "$r/home/$u/Archive/a$((i % 3))/a$i.dat" $id:$id 0640 "2019-05-05 05:05:$((i % 60))" "$u archive $i"
		done
		find "$r/home/$u" -type d -exec chown $id:$id {} + -exec touch -d "2018-01-01 00:00:00" {} +
	done
	scan "$r/store" "$WORK/p.plan" "$r"
	wipe_homes "$r"
	# the new system already has some of the names: collisions
	for u in alice bob; do
		id=$([ $u = alice ] && echo 1001 || echo 1002)
		for i in 3 10 17; do
			put "$r/home/$u/d$((i % 7))/f$i.txt" $id:$id 0600 "2024-01-01 00:00:00" "new system $i"
		done
		# made by the new system as the old one had them: load gives them their times
		chown $id:$id "$r/home/$u" "$r/home/$u/d3"
	done
	chmod 0700 "$r/home/alice"
	chmod 0750 "$r/home/bob"
}
state() { # everything but the store, and no temporary names
	manifest "$1/home"
	manifest "$1/srv"
}

build "$WORK/ref"
load "$WORK/ref/store" "$WORK/p.plan" "$WORK/ref"
[ "$RC" = 0 ] || fail "reference load exited $RC: $OUT"
assert_contains "$OUT" "6 renamed" "reference renames the collisions"

build "$WORK/crash"
C=$WORK/crash
for n in 25 70; do
	RC=0
	MIGSTATE_TEST_CRASH_AFTER=$n "$MIGSTATE" load "$C/store" --plan "$WORK/p.plan" --root "$C" \
		--log "$WORK/crash.log" >/dev/null 2>&1 || RC=$?
	assert_eq 137 "$RC" "load killed after $n objects"
done
# and once at a moment nobody chose
"$MIGSTATE" load "$C/store" --plan "$WORK/p.plan" --root "$C" --log "$WORK/crash.log" >/dev/null 2>&1 &
pid=$!
sleep 0.0$((RANDOM % 5 + 1))
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true

load "$C/store" "$WORK/p.plan" "$C"
[ "$RC" = 0 ] || fail "the rerun exited $RC: $OUT"
assert_eq "$(state "$WORK/ref")" "$(state "$C")" "interrupted + rerun == one clean load"
[ -z "$(find "$C/home" "$C/srv" -name '.migstate-*' -o -name '.migtmp.*')" ] ||
	fail "temporary files left: $(find "$C/home" "$C/srv" -name '.migstate-*' -o -name '.migtmp.*')"
expect_rc 0 "$MIGSTATE" verify "$C/store"
expect_rc 0 "$MIGSTATE" rd "$C/store" -y
assert_eq "$(state "$WORK/ref")" "$(state "$C")" "rd changes nothing restored"

# every crash point of a small system: for n = 1, 2, ... the destination is reset, load
# is killed after n objects, and the rerun must give the reference result.
S=$WORK/small
mk_tmpfs "$S" 16m
mk_tmpfs "$S/srv" 8m
mk_system "$S"
fill_homes "$S"
put "$S/home/alice/Archive/x/old.dat" 1001:1001 0640 "2019-01-01 00:00:00" "archived"
chown 1001:1001 "$S/home/alice/Archive" "$S/home/alice/Archive/x"
touch -d "2018-01-01 00:00:00" "$S/home/alice/Archive/x" "$S/home/alice/Archive" "$S/home/alice"
scan "$S/store" "$WORK/p.plan" "$S"
reset_small() {
	wipe_homes "$S"
	rm -rf "$S/srv/alice"
	mkdir -p "$S/home/alice"
	chown 1001:1001 "$S/home/alice"
	chmod 0700 "$S/home/alice"
	put "$S/home/alice/notes.txt" 1001:1001 0600 "2024-01-01 00:00:00" "new system notes"
	touch -d "2014-01-01 00:00:00" "$S/home/alice"
}
reset_small
load "$S/store" "$WORK/p.plan" "$S"
[ "$RC" = 0 ] || fail "small reference load exited $RC: $OUT"
ref=$(state "$S")
n=1
while :; do
	reset_small
	RC=0
	MIGSTATE_TEST_CRASH_AFTER=$n "$MIGSTATE" load "$S/store" --plan "$WORK/p.plan" --root "$S" \
		--log "$WORK/crash.log" >/dev/null 2>&1 || RC=$?
	[ "$RC" = 0 ] && break
	assert_eq 137 "$RC" "load killed at point $n"
	load "$S/store" "$WORK/p.plan" "$S"
	[ "$RC" = 0 ] || fail "rerun after a kill at point $n exited $RC: $OUT"
	assert_eq "$ref" "$(state "$S")" "killed at point $n, then rerun"
	n=$((n + 1))
	[ $n -lt 100 ] || fail "load never finished"
done
note "load killed at each of $((n - 1)) points and finished by the next run"
