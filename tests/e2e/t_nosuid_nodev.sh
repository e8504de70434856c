#!/usr/bin/env bash
# Set-uid programs, file capabilities and device nodes on a user's nosuid/nodev mount
# never become live through migstate (issue 15, defect 2).
#   alice has, in her home, a squashfs image mounted ro,nosuid,nodev (as udisks does); a
#   writable ext4 image is mounted nosuid,nodev at /data/usb (a root-owned place: a
#   store of its own there, links); each holds a root-owned 4755 program, a
#   2755 one, one with a security.capability, and a world-writable block device b 8:0.
#   1. scan (hard-link store, then copy store): the catalog records those files without
#      their set-id bits and with CF_NOSUID (128), the device with CF_NODEV (256); no
#      copy in a store has set-id bits or security.capability; no store holds a device
#      node; --json counts setid_stripped and devices_skipped, the log names each.
#   2. the "reinstall": the squashfs is gone, the ext4 volume comes back mounted without
#      nosuid/nodev (its per-volume store still holds links of the 4755 inode). Hard-link
#      and copy loads restore the files without set-id bits or capabilities and make no
#      device node; --json counts them.
#   3. no regression: a set-uid program and a file with a capability on a normal volume
#      (/data on the root tmpfs) are captured and restored with their bits, as before.
#   4. load gives no set-id bit to a file whose store entry is not owned as captured.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd mksquashfs
need_cmd mkfs.ext4
need_cmd setcap
need_cmd getcap
need_cmd python3
CATDUMP=$(rt_helper catdump)
WORK=$(mk_tmpdir)
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 96m
mk_system "$R"
fill_homes "$R"
A=$R/home/alice
PROG=$(type -P true)

# what a hostile image holds (root-owned: she built it as root on her own machine)
fill_hostile() { # DIR
	cp "$PROG" "$1/rootsh"
	cp "$PROG" "$1/sgidsh"
	cp "$PROG" "$1/capsh"
	mknod -m 0666 "$1/disk" b 8 0
	echo 'just data' >"$1/readme.txt"
	chown 0:0 "$1"/* # first: chown drops set-id bits and capabilities
	chmod 4755 "$1/rootsh"
	chmod 2755 "$1/sgidsh"
	setcap cap_setuid+ep "$1/capsh"
}
SRC=$WORK/sqsrc
mkdir "$SRC"
fill_hostile "$SRC"
[ -n "$(getcap "$SRC/capsh")" ] || skip "setcap does not work on this /tmp"
mksquashfs "$SRC" "$WORK/img.sqfs" -quiet -noappend >/dev/null
mkdir "$A/media" "$R/data"
chown 1001:1001 "$A/media"
U=$R/data/usb
mkdir "$U"
mount -t squashfs -o loop,ro,nosuid,nodev "$WORK/img.sqfs" "$A/media"
at_exit "umount -l '$A/media'"
truncate -s 16M "$WORK/usb.img"
mkfs.ext4 -q -F "$WORK/usb.img"
mount -o loop,nosuid,nodev "$WORK/usb.img" "$U"
at_exit "umount -l '$U'"
fill_hostile "$U"
rm -rf "$U/lost+found"
[ -b "$A/media/disk" ] && [ "$(stat -c %a "$A/media/rootsh")" = 4755 ] || fail "setup: squashfs lost the bits"
# the control: a set-uid program and a capability on a normal volume
cp "$PROG" "$R/data/suidtool" && chmod 4755 "$R/data/suidtool"
cp "$PROG" "$R/data/captool" && setcap cap_net_raw+ep "$R/data/captool"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan

HOSTILE="/home/alice/media/rootsh /home/alice/media/sgidsh /home/alice/media/capsh /data/usb/rootsh /data/usb/sgidsh /data/usb/capsh"
json() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1"; }
rec() { "$CATDUMP" "$1" | awk -F '\t' -v p="$2" '$13 == p { print $3, $9 }'; }
no_setid() { # no_setid WHAT PATH...: none has a set-id bit or a capability
	local what=$1 f
	shift
	for f in "$@"; do
		[ -e "$f" ] || fail "$what: $f missing"
		[ -z "$(find "$f" -perm /6000)" ] || fail "$what: $f has set-id bits: $(stat -c %a "$f")"
		[ -z "$(getcap "$f")" ] || fail "$what: $f keeps a capability: $(getcap "$f")"
	done
}
no_devices() { # no_devices WHAT DIR...
	local what=$1 d
	shift
	d=$(for x in "$@"; do [ ! -e "$x" ] || find "$x" \( -type b -o -type c \) -print; done | head -3)
	[ -z "$d" ] || fail "$what: device nodes: $d"
}
check_catalog() { # check_catalog STORE
	local f r
	for f in $HOSTILE; do
		r=$(rec "$1" "$f")
		[ -n "$r" ] || fail "$f not in the catalog"
		flags=${r% *} mode=${r#* }
		[ $((8#$mode & 06000)) = 0 ] || fail "catalog keeps the set-id bits of $f: $mode"
		[ $((flags & 128)) = 128 ] || fail "$f: no CF_NOSUID in the catalog ($flags)"
	done
	for f in /home/alice/media/disk /data/usb/disk; do
		r=$(rec "$1" "$f")
		[ -z "$r" ] || [ $((${r% *} & 256)) = 256 ] || fail "$f recorded without CF_NODEV: $r"
	done
	assert_eq "0 104755" "$(rec "$1" /data/suidtool)" "a set-uid file on a normal volume"
}
check_scan() { # check_scan STORE JSON LOG
	check_catalog "$1"
	no_devices "the store" "$1" "$U/store"
	no_setid "the master store" "$1/MIGSTATE/File/home/alice/media/"{rootsh,sgidsh,capsh}
	assert_eq 6 "$(echo "$2" | json setid_stripped)" "scan --json setid_stripped"
	assert_eq 2 "$(echo "$2" | json devices_skipped)" "scan --json devices_skipped"
	assert_eq 6 "$(grep -c 'nosuid mount: its set-id bits and file capabilities are not captured' "$3")" "log lines (set-id)"
	assert_eq 2 "$(grep -c 'nodev mount: recorded, never restored' "$3")" "log lines (devices)"
}

# --- 1. capture --------------------------------------------------------------------------
# the copy store first: the hard-link scan's store on /data/usb would be data to it
SC=$R/copystore
J=$("$MIGSTATE" scan "$SC" --plan "$P" --root "$R" --nocompress --min-free 1 \
	--log "$WORK/scan2.log" --json) || fail "copy scan failed: $J"
check_scan "$SC" "$J" "$WORK/scan2.log"
no_setid "the copy store" "$SC/MIGSTATE/File/data/usb/"{rootsh,sgidsh,capsh}
assert_eq 4755 "$(stat -c %a "$SC/MIGSTATE/File/data/suidtool")" "control copy keeps its set-uid bit"
[ -n "$(getcap "$SC/MIGSTATE/File/data/captool")" ] || fail "control copy lost its capability"
S=$R/store
J=$("$MIGSTATE" scan "$S" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 \
	--log "$WORK/scan.log" --json) || fail "hard-link scan failed: $J $(tail -5 "$WORK/scan.log")"
check_scan "$S" "$J" "$WORK/scan.log"
# the ext4 files are linked into that volume's store: the same inode, harmless on nosuid
same_inode "$U/rootsh" "$U/store/MIGSTATE/File/data/usb/rootsh" || fail "usb not linked"
same_inode "$R/data/suidtool" "$S/MIGSTATE/File/data/suidtool" || fail "control not linked"

# --- 2. the reinstall: the image is gone, the ext4 volume is mounted normally ---------------
umount "$A/media"
umount "$U"
mount -o loop "$WORK/usb.img" "$U"
rm -f "$U/"{rootsh,sgidsh,capsh,disk,readme.txt} "$R/data/suidtool" "$R/data/captool"
forget() { rm -rf "$A/media/"* "$U/"{rootsh,sgidsh,capsh,disk,readme.txt} "$R/data/suidtool" "$R/data/captool"; }
check_load() { # check_load WHAT JSON
	no_setid "$1" "$A/media/"{rootsh,sgidsh,capsh} "$U/"{rootsh,sgidsh,capsh}
	no_devices "$1" "$A" "$U"
	assert_eq "just data" "$(cat "$A/media/readme.txt")" "$1: data restored"
	assert_eq 4755 "$(stat -c %a "$R/data/suidtool")" "$1: the control keeps its set-uid bit"
	[ -n "$(getcap "$R/data/captool")" ] || fail "$1: the control lost its capability"
	assert_eq 2 "$(echo "$2" | json devices_skipped)" "$1: load --json devices_skipped"
}
load_json() { # load_json STORE LOG [options]
	local st=$1 lg=$2
	shift 2
	"$MIGSTATE" load "$st" --plan "$P" --root "$R" --nocompress --log "$lg" --json "$@" 2>/dev/null
}
J=$(load_json "$S" "$WORK/load.log" --hardlink) || fail "hard-link load failed: $J $(tail -5 "$WORK/load.log")"
check_load "hard-link load" "$J"
# the usb files' payload is the 4755 inode (linked at capture): never linked back here
assert_eq 3 "$(echo "$J" | json setid_stripped)" "hard-link load --json setid_stripped"
grep -q 'nosuid mount at capture: restored without its set-id bits' "$WORK/load.log" || fail "load log line (set-id)"
grep -q 'nodev mount at capture: not restored' "$WORK/load.log" || fail "load log line (device)"
forget
J=$(load_json "$SC" "$WORK/load2.log") || fail "copy load failed: $J"
check_load "copy load" "$J"
forget
J=$(load_json "$S" "$WORK/load3.log") || fail "copy load of the hard-link store failed: $J"
check_load "copy load of the hard-link store" "$J"
# 4. a set-id bit never comes back on a file that is not owned as captured: the copy
# store's payload of the root-owned 4755 control made alice's (and 4755 again)
forget
chown 1001:1001 "$SC/MIGSTATE/File/data/suidtool"
chmod 4755 "$SC/MIGSTATE/File/data/suidtool"
J=$(load_json "$SC" "$WORK/load4.log") || fail "copy load of the changed store failed: $J"
# (the copy is its captured owner's, root here, by name: never the store entry's owner)
assert_eq "755 0" "$(stat -c '%a %u' "$R/data/suidtool")" "a payload not owned as captured"
assert_eq 1 "$(echo "$J" | json setid_stripped)" "load --json setid_stripped (owner)"
grep -q 'data/suidtool: its store entry is not owned as captured: restored without' "$WORK/load4.log" ||
	fail "load log line (owner)"
