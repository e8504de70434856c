#!/usr/bin/env bash
# The rules are evaluated again at load: a NeverRestore filter captures but does not
# restore; a Config.xml given to migc for the load plan drops a captured component;
# users are matched by name, and a user of the store missing on the target is reported
# (exit 3: something was skipped). What was not restored is the last link to its data,
# so rd keeps it (exit 35) until --force.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
for u in alice bob; do
	id=$([ $u = alice ] && echo 1001 || echo 1002)
	put "$R/home/$u/Docs/d.txt" $id:$id 0644 "2021-01-01 00:00:00" "$u doc"
	put "$R/home/$u/Music/m.ogg" $id:$id 0644 "2021-01-01 00:00:00" "$u music"
	put "$R/home/$u/.cache/c.bin" $id:$id 0644 "2021-01-01 00:00:00" "$u cache"
	chown -R $id:$id "$R/home/$u"
done
cat >"$WORK/p.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<migration urlid="http://migstate.invalid/test/rules">
  <component type="Documents" context="User">
    <displayName>Docs</displayName>
    <role role="Data"><rules>
      <include><objectSet><pattern type="File">%CSIDL_PROFILE%\Docs\* [*]</pattern></objectSet></include>
    </rules></role>
  </component>
  <component type="Documents" context="User">
    <displayName>Music</displayName>
    <role role="Data"><rules>
      <include><objectSet><pattern type="File">%CSIDL_PROFILE%\Music\* [*]</pattern></objectSet></include>
    </rules></role>
  </component>
  <component type="Documents" context="User">
    <displayName>Cache</displayName>
    <role role="Data"><rules>
      <include filter="MigXmlHelper.NeverRestore()">
        <objectSet><pattern type="File">%CSIDL_PROFILE%\.cache\* [*]</pattern></objectSet>
      </include>
    </rules></role>
  </component>
</migration>
EOF
cat >"$WORK/Config.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration>
  <Documents>
    <component displayname="Music" migrate="no"/>
  </Documents>
</Configuration>
EOF
compile "$WORK/p.xml" "$WORK/scan.plan"
"$MIGC" compile -o "$WORK/load.plan" --config "$WORK/Config.xml" "$WORK/p.xml" >/dev/null 2>&1 ||
	fail "compile with Config.xml"

scan "$R/store" "$WORK/scan.plan" "$R"
assert_eq 2 "$(nlink "$R/home/alice/.cache/c.bin")" "NeverRestore objects are captured"
wipe_homes "$R"
# the new system has no bob
sed -i '/^bob:/d' "$R/etc/passwd"

load "$R/store" "$WORK/load.plan" "$R"
assert_eq 3 "$RC" "a missing user is a skip: exit 3 ($OUT)"
assert_contains "$OUT" "user bob (uid 1002) is in the store but not on this system" "missing user reported"
assert_eq "alice doc" "$(cat "$R/home/alice/Docs/d.txt")" "Docs restored"
assert_no_path "$R/home/alice/Music"
assert_no_path "$R/home/alice/.cache"
assert_no_path "$R/home/bob"
assert_contains "$OUT" "3 skipped" "bob's three files are counted as skipped"

# what was not restored is only in the store: rd keeps it and says why
expect_rc 35 "$MIGSTATE" rd "$R/store" -y
assert_contains "$OUT" "kept	$R/store/MIGSTATE/File/home/alice/Music/m.ogg" "rd lists what it keeps"
assert_contains "$OUT" "last link" "rd says why"
[ -f "$R/store/MIGSTATE/catalog" ] || fail "the catalog must stay while entries are kept"
assert_no_path "$R/store/MIGSTATE/File/home/alice/Docs/d.txt"
expect_rc 35 "$MIGSTATE" rd "$R/store" -y
expect_rc 0 "$MIGSTATE" rd "$R/store" -y --force
assert_no_path "$R/store"
assert_eq "alice doc" "$(cat "$R/home/alice/Docs/d.txt")" "restored file survives rd --force"
