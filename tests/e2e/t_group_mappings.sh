#!/usr/bin/env bash
# Privileged groups only by policy (issue 16, item 6). At capture alice was in sudo and
# adm, bob in wheel (a RHEL name); both in team. The system is reinstalled: alice is not
# made again and her old uid is bob's now, no wheel, no team.
#   (a) load --lac makes alice and team (with both) but never joins a system group:
#       neither sudo nor adm gets anybody;
#   (b) a Config.xml compiled into the plan with <changeGroup from="sudo" to="sudo"
#       appliesTo="MigratedUsers"> and from="wheel" to="sudo": --dry-run says "would be
#       added" and writes nothing; load puts alice and bob in sudo, adm stays as it was,
#       a mapping to a group absent here is a warning; every other line kept byte for
#       byte; pwck -r / grpck -r clean;
#   (c) from="adm" to="adm" appliesTo="NonmigratedUsers": operator and ghost were in adm
#       at capture and not migrated (--ue); operator has an account here and is added
#       to adm, ghost has none and is not created; alice (migrated) is not added.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd python3
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 64m
HASH='$6$migstate1$yL6l.l42DadoVi58VBIvssePgnfYszm76d/l/3hnGeQ9QwpZtGXN31x2emwW5RErTihnSuKGInrmUUXsTbTKJ.'
mkdir -p "$R/etc" "$R/bin" "$R/root" "$R/home/admin"
install -m 0755 /dev/null "$R/bin/sh"
printf 'UID_MIN 1000\nUID_MAX 60000\nGID_MIN 1000\nGID_MAX 60000\n' >"$R/etc/login.defs"
cat >"$R/etc/passwd" <<-'PW'
	root:x:0:0:root:/root:/bin/sh
	alice:x:1001:1001:Alice:/home/alice:/bin/sh
	bob:x:1002:1002:Bob:/home/bob:/bin/sh
	operator:x:1003:4:Operator:/home/operator:/bin/sh
	ghost:x:1004:1004:Ghost:/home/ghost:/bin/sh
PW
cat >"$R/etc/shadow" <<-SH
	root:*:19000:0:99999:7:::
	alice:$HASH:19000:0:99999:7:::
	bob:$HASH:19000:0:99999:7:::
	operator:$HASH:19000:0:99999:7:::
	ghost:$HASH:19000:0:99999:7:::
SH
cat >"$R/etc/group" <<-'GR'
	root:x:0:
	adm:x:4:alice,ghost
	ghost:x:1004:
	wheel:x:10:bob
	sudo:x:27:alice
	alice:x:1001:
	bob:x:1002:
	team:x:2000:alice,bob
GR
cat >"$R/etc/gshadow" <<-'GS'
	root:*::
	adm:*::alice
	wheel:*::bob
	sudo:*::alice
	alice:!::
	bob:!::
	team:!::alice,bob
GS
chmod 0640 "$R/etc/shadow" "$R/etc/gshadow"
mkdir -p "$R/home/alice" "$R/home/bob"
chown 1001:1001 "$R/home/alice"; chown 1002:1002 "$R/home/bob"
chmod 0700 "$R/home/alice" "$R/home/bob"
put "$R/home/alice/notes.txt" 1001:1001 0600 "2021-01-01 00:00:00" "alice notes"
put "$R/home/bob/todo.txt" 1002:1002 0644 "2021-02-01 00:00:00" "bob todo"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
# the mappings of a Config.xml, for (b) and (c)
cat >"$WORK/config.xml" <<-'EOF2'
	<?xml version="1.0" encoding="UTF-8"?>
	<Configuration>
	  <ProfileControl>
	    <localGroups>
	      <mappings>
	        <changeGroup from="sudo" to="sudo" appliesTo="MigratedUsers"/>
	        <changeGroup From="CORP\wheel" To="sudo" appliesTo="migratedusers"/>
	        <changeGroup from="sudo" to="lpadmin" appliesTo="AllUsers"/>
	        <changeGroup from="adm" to="adm" appliesTo="NonmigratedUsers"/>
	      </mappings>
	    </localGroups>
	  </ProfileControl>
	</Configuration>
EOF2
"$MIGC" compile -o "$WORK/map.plan" --config "$WORK/config.xml" "$WORK/p.xml" ||
	fail "migc compile --config"
S=$R/store
scan "$S" "$WORK/p.plan" "$R" --ue operator --ue ghost
# the same system captured with the mappings: the members of adm recorded, migrated or not
S2=$R/store2
scan "$S2" "$WORK/map.plan" "$R" --ue operator --ue ghost

# the reinstalled system: its installer's admin in sudo and adm, bob made again with
# alice's old uid, alice not made; no wheel, no team
reinstalled() {
	cat >"$R/etc/passwd" <<-'PW'
		root:x:0:0:root:/root:/bin/sh
		admin:x:1000:1000:Admin:/home/admin:/bin/sh
		bob:x:1001:1001:Bob:/home/bob:/bin/sh
	PW
	cat >"$R/etc/shadow" <<-SH
		root:*:19000:0:99999:7:::
		admin:$HASH:19000:0:99999:7:::
		bob:$HASH:19000:0:99999:7:::
	SH
	cat >"$R/etc/group" <<-'GR'
		root:x:0:
		adm:x:4:admin
		sudo:x:27:admin
		admin:x:1000:
		bob:x:1001:
	GR
	cat >"$R/etc/gshadow" <<-'GS'
		root:*::
		adm:*::admin
		sudo:*::admin
		admin:!::
		bob:!::
	GS
	chmod 0640 "$R/etc/shadow" "$R/etc/gshadow"
	rm -rf "$R/home/alice" "$R/home/bob"
	mkdir -p "$R/home/bob" && chown 1001:1001 "$R/home/bob"
}
members() { awk -F: -v g="$1" '$1 == g { print $4 }' "$R/etc/group"; }
gsmembers() { awk -F: -v g="$1" '$1 == g { print $4 }' "$R/etc/gshadow"; }
tools_clean() {
	command -v pwck >/dev/null && command -v grpck >/dev/null || return 0
	local out rc=0
	out=$(pwck -r -R "$R" 2>&1) || rc=$?
	[ "$rc" = 0 ] && [ -z "$(grep -v 'no changes' <<<"$out")" ] || fail "pwck -r ($1): $rc $out"
	rc=0
	out=$(grpck -r -R "$R" 2>&1) || rc=$?
	[ "$rc" = 0 ] && [ -z "$(grep -v 'no changes' <<<"$out")" ] || fail "grpck -r ($1): $rc $out"
}

# --- (a) the default: --lac restores team, never a system group --------------------------
reinstalled
load "$S" "$WORK/p.plan" "$R" --lac --json
assert_eq 0 "$RC" "load --lac: $OUT"
grep -q '^alice:' "$R/etc/passwd" || fail "--lac made alice: $(cat "$WORK/load.log")"
assert_eq "admin" "$(members sudo)" "(a) nobody added to sudo by default"
assert_eq "admin" "$(members adm)" "(a) nobody added to adm by default"
assert_eq "admin" "$(gsmembers sudo)" "(a) gshadow's sudo as it was"
assert_eq "alice,bob" "$(members team)" "(a) team made with its members"
grep -q '"group_mappings_applied":0' <<<"$OUT" || fail "(a) --json: $OUT"
grep -q "changeGroup" "$WORK/load.log" && fail "(a) no mapping in the plan: $(cat "$WORK/load.log")"
tools_clean "(a)"

# --- (b) the mappings of a Config.xml ------------------------------------------------------
DUMP=$("$MIGC" dump "$WORK/map.plan")
assert_contains "$DUMP" 'changeGroup from="wheel" to="sudo" appliesTo=MigratedUsers' "dump shows the mappings"
reinstalled
cp -p "$R/etc/group" "$WORK/group.before"
cp -p "$R/etc/gshadow" "$WORK/gshadow.before"
# (a dry run makes no account, but plans them: it goes on as --lac would)
load "$S" "$WORK/map.plan" "$R" --lac -n
assert_eq 0 "$RC" "load -n: $OUT"
grep -q "changeGroup: bob would be added to group sudo" "$WORK/load.log" &&
	grep -q "changeGroup: alice would be added to group sudo (once --lac has made the account)" \
		"$WORK/load.log" || fail "(b) dry run: $(cat "$WORK/load.log")"
cmp -s "$R/etc/group" "$WORK/group.before" || fail "(b) dry run wrote etc/group"
load "$S" "$WORK/map.plan" "$R" --lac --json
assert_eq 0 "$RC" "load with the mappings: $OUT"
assert_eq "admin,alice,bob" "$(members sudo)" "(b) alice (sudo) and bob (wheel) in sudo"
assert_eq "admin,alice,bob" "$(gsmembers sudo)" "(b) gshadow's sudo too"
assert_eq "admin" "$(members adm)" "(b) no mapping joins adm"
assert_eq "alice,bob" "$(members team)" "(b) team as with --lac alone"
grep -q '"group_mappings_applied":2' <<<"$OUT" || fail "(b) --json: $OUT"
grep -q "changeGroup from=sudo (line 8): there is no group lpadmin here" "$WORK/load.log" ||
	fail "(b) the absent group: $(cat "$WORK/load.log")"
grep -q "changeGroup from=adm (line 9): the store records no member of adm" \
	"$WORK/load.log" || fail "(b) NonmigratedUsers, a store captured without the mapping: $(cat "$WORK/load.log")"
# every line but sudo's as it was, in place; new ones appended
python3 - "$WORK/group.before" "$R/etc/group" "$WORK/gshadow.before" "$R/etc/gshadow" <<'PY' ||
import sys
for old, new in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    o = open(old, "rb").read().split(b"\n")[:-1]
    n = open(new, "rb").read().split(b"\n")[:-1]
    for a, b in zip(o, n):
        if a.startswith(b"sudo:"):
            assert b == a + b",alice,bob", (a, b)
        else:
            assert a == b, (a, b)
PY
	fail "(b) lines kept"
tools_clean "(b)"
expect_rc 0 "$MIGSTATE" verify "$S"

# --- (c) NonmigratedUsers: the members of adm captured, added where they have an account --
reinstalled
echo "operator:x:1003:1003:Operator:/home/operator:/bin/sh" >>"$R/etc/passwd"
mkdir -p "$R/home/operator" && chown 1003:1003 "$R/home/operator"
echo "operator:$HASH:19000:0:99999:7:::" >>"$R/etc/shadow"
echo "operator:x:1003:" >>"$R/etc/group"
echo "operator:!::" >>"$R/etc/gshadow"
load "$S2" "$WORK/map.plan" "$R" --lac --json
assert_eq 0 "$RC" "(c) load: $OUT"
assert_eq "admin,operator" "$(members adm)" "(c) operator (not migrated, in adm at capture) in adm"
assert_eq "admin,operator" "$(gsmembers adm)" "(c) gshadow's adm too"
grep -q '^ghost:' "$R/etc/passwd" && fail "(c) an account made for ghost, who was not migrated"
grep -q "changeGroup from=adm (line 9): ghost, not migrated, has no account here: not added" \
	"$WORK/load.log" || fail "(c) ghost: $(cat "$WORK/load.log")"
assert_eq "admin,alice,bob" "$(members sudo)" "(c) the MigratedUsers mappings as in (b)"
tools_clean "(c)"
echo "PASS"
