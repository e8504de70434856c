#!/usr/bin/env bash
# `migc genconfig` (USMT /genconfig): the Config.xml it writes for the shipped policies
# lists every component, nested as in the rule files, migrate="yes", Application
# components under <Applications>, with an empty <Policies> skeleton; fed back with
# --config it lints clean and compiles. With --root, only the components detected on
# that system (application folders present or absent, for any user or for --user),
# and that output round-trips too. Usage errors exit 2, rule-file errors 1.
. "$(dirname "$0")/lib.sh"

T=$(mk_tmpdir)
cd "$REPO" || exit 1
POL=(policies/miguser.xml policies/migapp.xml policies/migdocs.xml)

# names FILE: the displayname attributes of a Config.xml, one per line, in order
names() { sed -n 's/.*<component displayname="\([^"]*\)".*/\1/p' "$1"; }
# roundtrip FILE: the Config.xml lints clean with the rule files and compiles
roundtrip() {
	expect_rc 0 "$MIGC" lint --werror --config "$1" "${POL[@]}"
	assert_eq "" "$OUT" "lint of the rule files with $1"
	expect_rc 0 "$MIGC" compile -o "$T/rt.plan" --config "$1" "${POL[@]}"
	expect_rc 0 "$MIGSTATE" check-plan "$T/rt.plan"
}

# --- without a root: every component --------------------------------------------------
expect_rc 0 "$MIGC" genconfig -o "$T/all.xml" "${POL[@]}"
all_components=$(for f in "${POL[@]}"; do
	sed -n 's/.*<displayName>\(.*\)<\/displayName>.*/\1/p' "$f"
done | sort)
assert_eq "$all_components" "$(names "$T/all.xml" | sed 's/&amp;/\&/g' | sort)" "every component listed"
! grep -q '<component [^>]*migrate="no"' "$T/all.xml" || fail "a component is not migrate=yes"
sed -n '/<Applications>/,/<\/Applications>/p' "$T/all.xml" | grep -q '"Mozilla Firefox"' ||
	fail "Firefox is not under <Applications>"
sed -n '/<Documents>/,/<\/Documents>/p' "$T/all.xml" | grep -q '"Folders in the home"' ||
	fail "migdocs' folders are not under <Documents>"
grep -q '<ErrorControl>' "$T/all.xml" && grep -q '<HardLinkStoreControl>' "$T/all.xml" ||
	fail "no Policies skeleton"
"$MIGC" compile -o "$T/sk.plan" --config "$T/all.xml" "${POL[@]}" 2>/dev/null
"$MIGC" dump "$T/sk.plan" | grep -q 'createHardLink\|nonFatal' && fail "the skeleton's examples are live"
roundtrip "$T/all.xml"
# standard output without -o, the same text
expect_rc 0 "$MIGC" genconfig "${POL[@]}"
assert_eq "$(cat "$T/all.xml")" "$OUT" "standard output"

# switching a component off in the generated file works as a hand-written one
sed 's/displayname="Mozilla Firefox" migrate="yes"/displayname="Mozilla Firefox" migrate="no"/' \
	"$T/all.xml" >"$T/nofx.xml"
expect_rc 0 "$MIGC" compile -o "$T/nofx.plan" --config "$T/nofx.xml" "${POL[@]}"
"$MIGC" dump "$T/nofx.plan" | grep -q '"Mozilla Firefox"' && fail "Firefox still in the plan"

# nesting: a parent with two children, as USMT writes it, and its round trip
cat >"$T/suite.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<migration urlid="https://example.invalid/suite">
  <component type="Application" context="User">
    <displayName>Suite</displayName>
    <role role="Container">
      <component type="Application" context="User">
        <displayName>Writer</displayName>
        <role role="Settings"><rules><include><objectSet>
          <pattern type="File">%CSIDL_APPDATA%\suite\writer\* [*]</pattern>
        </objectSet></include></rules></role>
      </component>
      <component type="Application" context="User">
        <displayName>Calc</displayName>
        <role role="Settings">
          <detects><detect>
            <condition>MigXmlHelper.DoesObjectExist("File","%CSIDL_APPDATA%\suite\calc")</condition>
          </detect></detects>
          <rules><include><objectSet>
          <pattern type="File">%CSIDL_APPDATA%\suite\calc\* [*]</pattern>
        </objectSet></include></rules></role>
      </component>
    </role>
  </component>
</migration>
XML
expect_rc 0 "$MIGC" genconfig -o "$T/suite-config.xml" "$T/suite.xml"
sed -n '/<Applications>/,/<\/Applications>/p' "$T/suite-config.xml" >"$T/apps"
assert_eq '  <Applications>
    <component displayname="Suite" migrate="yes" ID="https://example.invalid/suite/Suite">
      <component displayname="Writer" migrate="yes" ID="https://example.invalid/suite/Suite\Writer"/>
      <component displayname="Calc" migrate="yes" ID="https://example.invalid/suite/Suite\Calc"/>
    </component>
  </Applications>' "$(cat "$T/apps")" "nested components"
grep -q '<Documents/>' "$T/suite-config.xml" || fail "an empty section is not <Documents/>"
expect_rc 0 "$MIGC" lint --werror --config "$T/suite-config.xml" "$T/suite.xml"

# --- with a root: only what is detected ---------------------------------------------
R=$T/root
mkdir -p "$R/etc" "$R/home/alice" "$R/home/bob"
cat >"$R/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001:Bob:/home/bob:/bin/bash
PW
A=$R/home/alice B=$R/home/bob
mkdir -p "$A/snap/firefox/common/.mozilla/firefox/p.default" "$A/.ssh" "$A/.config/JetBrains" \
	"$B/.config/google-chrome/Default" "$B/.aws" "$A/.config/suite/writer"
expect_rc 0 "$MIGC" genconfig --root "$R" -o "$T/root.xml" "${POL[@]}"
got=$(names "$T/root.xml")
for c in "Mozilla Firefox" "OpenSSH" "JetBrains IDEs" "Google Chrome" "AWS CLI" \
	"Other application settings" "Documents" "Folders in the home" "Shared folders"; do
	printf '%s\n' "$got" | grep -qx "$c" || fail "detected component '$c' not listed: $got"
done
for c in "Mozilla Thunderbird" "Chromium" "Brave" "Evolution" "GNOME desktop" "KDE Plasma" \
	"Visual Studio Code" "GnuPG" "Kubernetes (kubectl)" "Docker CLI" "Flatpak applications" \
	"User systemd units and timers" "pass (password store)"; do
	printf '%s\n' "$got" | grep -qx "$c" && fail "absent application '$c' listed"
done
roundtrip "$T/root.xml"
# one user: bob has Chrome and the AWS CLI, alice's applications are not listed
expect_rc 0 "$MIGC" genconfig --root "$R" --user bob -o "$T/bob.xml" "${POL[@]}"
got=$(names "$T/bob.xml")
printf '%s\n' "$got" | grep -qx "Google Chrome" || fail "bob's Chrome not listed"
printf '%s\n' "$got" | grep -qx "AWS CLI" || fail "bob's AWS CLI not listed"
printf '%s\n' "$got" | grep -qx "Mozilla Firefox" && fail "alice's Firefox listed for bob"
roundtrip "$T/bob.xml"
# a child detected keeps its parent; a child not detected is left out
expect_rc 0 "$MIGC" genconfig --root "$R" "$T/suite.xml"
assert_contains "$OUT" 'displayname="Writer"' "undetected-free child"
case $OUT in *'displayname="Calc"'*) fail "Calc listed without its folder" ;; esac
assert_contains "$OUT" 'displayname="Suite"' "parent of a listed child"

# --- errors ---------------------------------------------------------------------------
expect_rc 2 "$MIGC" genconfig
expect_rc 2 "$MIGC" genconfig --user bob "${POL[@]}"
expect_rc 2 "$MIGC" genconfig --root "$T/nowhere" "${POL[@]}"
expect_rc 2 "$MIGC" genconfig -o "$T/no/such/dir/c.xml" "${POL[@]}"
printf '<migration urlid="x"><component type="Documents"><displayName>A</displayName>' >"$T/bad.xml"
expect_rc 1 "$MIGC" genconfig "$T/bad.xml"
expect_rc 0 "$MIGC" genconfig --help
assert_contains "$OUT" "usage: migc genconfig" "help"
