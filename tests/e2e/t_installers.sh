#!/usr/bin/env bash
# The installer recipes of contrib/installers/ are linted by their tools where those
# are packaged (contrib/installers/README.md): the preseed by debconf-set-selections
# --checkonly (no error, no warning), the kickstart by ksvalidator when pykickstart is
# installed (not packaged in Debian) and always by a syntax check of its commands and
# sections, the autoinstall file by a YAML parse and its structure. Each keeps the
# store's filesystem (/home) unformatted, formats the system, and enables the
# first-boot unit; a broken copy of each is refused by the same checks.
. "$(dirname "$0")/lib.sh"
need_cmd debconf-set-selections
need_cmd python3
python3 -c 'import yaml' 2>/dev/null || skip "needs python3-yaml"
I=$REPO/contrib/installers
T=$(mk_tmpdir)

# --- Debian preseed ------------------------------------------------------------------
lint_preseed() {
	local err rc=0
	err=$(debconf-set-selections --checkonly "$1" 2>&1) || rc=$?
	[ "$rc" = 0 ] && [ -z "$err" ] || { echo "$err"; return 1; }
}
lint_preseed "$I/debian-preseed.cfg" || fail "debconf-set-selections: $(lint_preseed "$I/debian-preseed.cfg")"
recipe=$(sed -n '/partman-auto\/expert_recipe/,/^[^ ]/p' "$I/debian-preseed.cfg" | tr -s ' \\\n' ' ')
assert_contains "$recipe" 'method{ keep } use_filesystem{ } filesystem{ ext4 } mountpoint{ /home }' "preseed keeps /home"
assert_contains "$recipe" 'method{ format } format{ } use_filesystem{ } filesystem{ ext4 } mountpoint{ / }' "preseed formats /"
late=$(sed -n '/preseed\/late_command/,/^[^ ]/p' "$I/debian-preseed.cfg")
assert_contains "$late" "in-target systemctl enable migstate-firstboot.service" "preseed enables the unit"
assert_contains "$late" "in-target dpkg -i" "preseed installs migstate"
sed 's/^d-i partman\/confirm boolean true$/d-i partman\/confirm boolen true/' "$I/debian-preseed.cfg" >"$T/bad.cfg"
! lint_preseed "$T/bad.cfg" >/dev/null || fail "a mistyped preseed line passes the lint"

# --- Fedora / RHEL kickstart -----------------------------------------------------------
KS=$I/fedora-kickstart.ks
if command -v ksvalidator >/dev/null 2>&1; then
	expect_rc 0 ksvalidator "$KS"
else
	note "ksvalidator (pykickstart) is not installed: only the syntax check below"
fi
# ks_syntax FILE: every line outside a section is a comment or a known command;
# sections open with %packages/%post/%pre and close with %end
ks_syntax() {
	awk '
	BEGIN { n = split("text lang keyboard timezone network url rootpw firstboot reboot " \
		"ignoredisk clearpart part bootloader user group selinux firewall services " \
		"zerombr autopart logvol volgroup raid skipx xconfig eula", c, " ");
		for (i = 1; i <= n; i++) known[c[i]] = 1 }
	/^[ \t]*(#|$)/ { next }
	/^%(packages|post|pre|pre-install|onerror)([ \t]|$)/ { if (sec) { print NR ": " $0 " inside a section"; bad = 1 } sec = 1; next }
	/^%end[ \t]*$/ { if (!sec) { print NR ": %end outside a section"; bad = 1 } sec = 0; next }
	sec { next }
	!($1 in known) { print NR ": unknown command " $1; bad = 1 }
	END { if (sec) { print "a section is not closed by %end"; bad = 1 } exit bad }' "$1"
}
ks_syntax "$KS" || fail "kickstart syntax: $(ks_syntax "$KS")"
assert_contains "$(grep '^part /home' "$KS")" "--noformat" "kickstart keeps /home"
assert_contains "$(grep '^clearpart' "$KS")" "--none" "kickstart keeps the partition table"
grep -q '^part / .*--fstype=' "$KS" || fail "kickstart does not format /"
[ "$(grep -c '^user .*--uid=[0-9]' "$KS")" -ge 2 ] || fail "kickstart pins no uids"
post=$(sed -n '/^%post/,/^%end/p' "$KS")
assert_contains "$post" "systemctl enable migstate-firstboot.service" "kickstart enables the unit"
sed 's/^%end$/%ned/' "$KS" >"$T/bad.ks"
! ks_syntax "$T/bad.ks" >/dev/null || fail "an unclosed kickstart section passes"
sed 's/^clearpart /clearprt /' "$KS" >"$T/bad2.ks"
! ks_syntax "$T/bad2.ks" >/dev/null || fail "a misspelt kickstart command passes"

# --- Ubuntu autoinstall -----------------------------------------------------------------
check_autoinstall() {
	python3 - "$1" <<-'PY'
	import sys, yaml
	doc = yaml.safe_load(open(sys.argv[1]))
	ai = doc["autoinstall"]
	assert ai["version"] == 1, "version must be 1"
	cfg = ai["storage"]["config"]
	by = {c["id"]: c for c in cfg}
	for c in cfg:
	    assert "type" in c and "id" in c, "every storage action has a type and an id: %r" % c
	    for ref in ("device", "volume"):
	        if ref in c:
	            assert c[ref] in by, "%s refers to an unknown id %s" % (c["id"], c[ref])
	mounts = {c["path"]: c for c in cfg if c["type"] == "mount"}
	home_fmt = by[mounts["/home"]["device"]]
	assert home_fmt["preserve"] is True, "the /home filesystem is formatted"
	assert by[home_fmt["volume"]]["preserve"] is True, "the /home partition is not kept"
	root_fmt = by[mounts["/"]["device"]]
	assert not root_fmt.get("preserve"), "/ is not formatted"
	for c in cfg:
	    if c["type"] == "partition" and c.get("preserve"):
	        assert by[c["device"]].get("preserve"), "a kept partition on a disk that is wiped"
	late = " ".join(ai["late-commands"])
	assert "systemctl enable migstate-firstboot.service" in late, "the unit is not enabled"
	PY
}
check_autoinstall "$I/ubuntu-autoinstall.yaml" || fail "autoinstall check failed"
sed 's/id: fmt-home, volume: part-home, fstype: ext4, preserve: true/id: fmt-home, volume: part-home, fstype: ext4, preserve: false/' \
	"$I/ubuntu-autoinstall.yaml" >"$T/bad.yaml"
! check_autoinstall "$T/bad.yaml" 2>/dev/null || fail "an autoinstall that formats /home passes"
printf 'autoinstall:\n  version: 1\n  storage: [\n' >"$T/broken.yaml"
! check_autoinstall "$T/broken.yaml" 2>/dev/null || fail "a YAML syntax error passes"
