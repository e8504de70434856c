#!/usr/bin/env bash
# GenerateDrivePatterns binds its drive type on the machine that runs the plan: "Fixed"
# is the root and local disks, "Removable" the media a desktop mounts under /media (or
# a disk whose sysfs says removable), "Remote" network filesystems, "CDROM" iso9660/udf.
# One plan, compiled once, captures different drives on each machine.
. "$(dirname "$0")/lib.sh"
need_root
T=$(mk_tmpdir)
R=$T/root
mk_tmpfs "$R" 32m
mkdir -p "$R/etc" "$R/home/alice" "$R/data" "$R/media/usb"
printf 'alice:x:1000:1000::/home/alice:/bin/sh\n' >"$R/etc/passwd"
mk_tmpfs "$R/data" 8m
mk_tmpfs "$R/media/usb" 8m
echo fixed-root >"$R/home/alice/c.doc"
echo fixed-disk >"$R/data/a.doc"
echo removable >"$R/media/usb/b.doc"
policy() { # policy TYPE OUT
	cat >"$T/$2.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<migration urlid="http://migstate.invalid/test/drives-$2">
  <component type="Documents" context="System">
    <displayName>Docs on $1 drives</displayName>
    <role role="Data"><rules><include><objectSet>
      <script>MigXmlHelper.GenerateDrivePatterns("* [*.doc]", "$1")</script>
    </objectSet></include></rules></role>
  </component>
</migration>
XML
	"$MIGC" compile -o "$T/$2.plan" "$T/$2.xml" 2>/dev/null || fail "compile $1"
}
captured() { # captured PLAN -> sorted list of captured files
	rm -rf "$R/store"
	"$MIGSTATE" scan "$R/store" --plan "$1" --hardlink --nocompress --root "$R" --min-free 1 \
		--log "$T/scan.log" --listfiles "$T/list" >/dev/null 2>&1 || fail "scan $1: $(tail -3 "$T/scan.log")"
	LC_ALL=C sort "$T/list" | tr '\n' ' '
}
policy Fixed fixed
policy Removable removable
policy Remote remote
got=$(captured "$T/fixed.plan")
assert_contains "$got" "/data/a.doc" "Fixed takes a local disk"
assert_contains "$got" "/home/alice/c.doc" "Fixed takes the root filesystem"
case "$got" in *"/media/usb/b.doc"*) fail "Fixed took removable media: $got" ;; esac
got=$(captured "$T/removable.plan")
assert_eq "/media/usb/b.doc " "$got" "Removable takes only the medium under /media"
got=$(captured "$T/remote.plan")
assert_eq "" "$got" "no network filesystem here: Remote binds to nothing"
