#!/usr/bin/env bash
# One inode with many names, and a store volume short of inodes.
#   - estimate/space: a 1 MiB file with 3,000 names and a 4 KiB file with 65,010 names
#     (on tmpfs: no link limit) are copied into a master store on a 48 MB ext4: each
#     inode is counted once by --estimate (bytesToCopy: 1 MiB + 2 x 4 KiB, not 3 GB) and by
#     the free-space check (which wrongly refused with exit 29 before), and the scan
#     stores one copy per inode; where the store's copy reaches ext4's 65,000 links
#     (EMLINK) one more copy starts: two store inodes for the 65,010 names, not eleven.
#   - copy restore: load without --hardlink into a fresh root on another ext4 volume
#     restores the 3,000 names as hard links of one inode, and the 65,010 names as two
#     inodes (65,000 + 10: the second appears only at EMLINK), not one file per name;
#     the same with --hardlink, whose links cross volumes (EXDEV) and so are copies too.
#   - inodes: a store volume with no free inode refuses with the space exit 29 naming
#     inodes (it said 27, "cannot create the store directory"); one with a few free
#     inodes, fewer than the copies and their directories need, refuses the same way
#     before writing anything (it failed half-way with 72), and --estimate says so;
#     --min-free keeps inodes free too (one per 16 KiB).
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
. "$E2E_DIR/fs_lib.sh"
need_root
need_cmd perl
need_cmd mkfs.ext4
fs_init
T=$(mk_tmpdir)
cd "$T" # the logs
R=$T/root   # the captured system (tmpfs: no link limit)
SV=$T/sv    # the master store's volume (ext4)
R2=$T/root2 # the fresh system load restores into (ext4)
mk_tmpfs "$R" 128m
mk_ext4_img "$SV" 48
mk_ext4_img "$R2" 48
for r in "$R" "$R2"; do
	mkdir -p "$r/etc"
	printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n' \
		>"$r/etc/passwd"
	printf 'UID_MIN\t1000\nUID_MAX\t60000\n' >"$r/etc/login.defs"
done
A=$R/home/alice
mkdir -p "$A/many" "$A/limit"
_fs_file "$A/many/big.bin" 1
_fs_links "$A/many/big.bin" "$A/many/n" 2999
head -c 4096 /dev/urandom >"$A/limit/small.bin"
chown 1000:1000 "$A/limit/small.bin"
_fs_links "$A/limit/small.bin" "$A/limit/n" 65009
chown -R 1000:1000 "$A"
assert_eq 65010 "$(nlink "$A/limit/small.bin")" "names of small.bin"
system_policy "$T/p.xml" 'C:\home\alice\* [*]'
compile_plan "$T/p.plan" "$T/p.xml"
S=$SV/store
SCAN=(--plan "$T/p.plan" --nocompress --root "$R" --min-free 1)

# inodes_of DIR: how many distinct inodes the regular files beneath DIR are, and their
# link counts ("N: L1 L2 ..." sorted).
inodes_of() {
	local l
	l=$(find "$1" -type f -printf '%i %n\n' | sort -u | awk '{ print $2 }' | sort -n)
	echo "$(echo "$l" | grep -c .):" $l
}

# --- estimate and space: one inode counted once ----------------------------------------
expect_rc 0 "$MIGSTATE" scan "$S" "${SCAN[@]}" --estimate "$T/est.xml"
assert_no_path "$S"
est=$(sed -n 's/.*<storeSize><size clusterSize="4096">\([0-9]*\)<.*/\1/p' "$T/est.xml")
# big.bin once; small.bin twice: its store copy takes 65,000 names, the next copy the rest
assert_eq $((1048576 + 2 * 4096)) "$est" "bytes to copy (each inode once): $(cat "$T/est.xml")"
grep -q 'inodesUsed="25"' "$T/est.xml" ||
	fail "inodes: 3 copies + 6 directories + 16 for the store itself: $(cat "$T/est.xml")"
grep -q 'fits="yes"' "$T/est.xml" || fail "estimate says it does not fit: $(cat "$T/est.xml")"
start=$SECONDS
expect_rc 0 "$MIGSTATE" scan "$S" "${SCAN[@]}"
note "scan of 68,010 names: $((SECONDS - start)) s"
P=$S/MIGSTATE/File/home/alice
assert_eq "1: 3000" "$(inodes_of "$P/many")" "the store's copies of big.bin"
assert_eq "2: 10 65000" "$(inodes_of "$P/limit")" "the store's copies of small.bin (EXT4_LINK_MAX)"
expect_rc 0 "$MIGSTATE" verify "$S"

# --- copy restore: names of one captured inode come back as hard links ---------------
for mode in copy link; do
	rm -rf "$R2/home"
	opts=(--plan "$T/p.plan" --nocompress --root "$R2")
	[ $mode = link ] && opts+=(--hardlink) # the store is on another volume: EXDEV
	start=$SECONDS
	expect_rc 0 "$MIGSTATE" load "$S" "${opts[@]}"
	note "load ($mode) of 68,010 names: $((SECONDS - start)) s"
	B=$R2/home/alice
	cmp -s "$A/many/big.bin" "$B/many/n/2999" || fail "$mode: big.bin's bytes"
	cmp -s "$A/limit/small.bin" "$B/limit/n/65009" || fail "$mode: small.bin's bytes"
	assert_eq "1: 3000" "$(inodes_of "$B/many")" "$mode restore of big.bin's 3,000 names"
	assert_eq "2: 10 65000" "$(inodes_of "$B/limit")" \
		"$mode restore of small.bin's 65,010 names (a second inode only at EMLINK)"
	assert_eq "1000 640" "$(stat -c '%u %a' "$B/many/n/17")" "$mode: owner and mode"
	expect_rc 0 "$MIGSTATE" verify "$S"
done
expect_rc 0 "$MIGSTATE" rd "$S" -y --root "$R2" # every name restored there

# --- inodes on the store volume ------------------------------------------------------
# fill_inodes DIR KEEP: create empty files in DIR until only KEEP inodes are free.
fill_inodes() {
	local free
	mkdir -p "$1/fill"
	free=$(stat -f -c %d "$1")
	[ "$free" -gt "$2" ] || return 0
	(cd "$1/fill" && seq 1 $((free - $2)) | xargs touch) || true
	assert_eq "$2" "$(stat -f -c %d "$1")" "free inodes left on $1"
}
IMG=$(_fs_img inodes 64)
mkfs.ext4 -q -F -N 128 "$IMG" || fail "mkfs.ext4 -N 128"
_fs_loop "$IMG" "$T/few"
rm -rf "$A/many" "$A/limit"
mkdir -p "$A/docs/a" "$A/docs/b"
for i in $(seq 1 20); do echo "doc $i" >"$A/docs/a/$i.txt"; echo "doc $i" >"$A/docs/b/$i.txt"; done
chown -R 1000:1000 "$A"
SCAN0=(--plan "$T/p.plan" --nocompress --root "$R")
fill_inodes "$T/few" 0
expect_rc 29 "$MIGSTATE" scan "$T/few/store" "${SCAN0[@]}" --min-free 0
assert_contains "$OUT" "not enough free inodes" "no free inode: the space refusal names inodes"
assert_no_path "$T/few/store"
rm -rf "$T/few/fill"
fill_inodes "$T/few" 40 # 40 copies and their directories need more than 40
expect_rc 0 "$MIGSTATE" scan "$T/few/store" "${SCAN0[@]}" --min-free 0 --estimate "$T/est2.xml"
grep -q 'fits="no"' "$T/est2.xml" || fail "the estimate ignores inodes: $(cat "$T/est2.xml")"
grep -q 'inodesUsed="61" freeInodes="40"' "$T/est2.xml" ||
	fail "inodes: 40 copies + 5 directories + 16 for the store itself: $(cat "$T/est2.xml")"
expect_rc 29 "$MIGSTATE" scan "$T/few/store" "${SCAN0[@]}" --min-free 0
assert_contains "$OUT" "not enough free inodes" "too few free inodes: the space refusal names inodes"
assert_no_path "$T/few/store"
rm -rf "$T/few/fill"
# --min-free keeps inodes free too: 16 MB would hold 1,024 of them, more than there are
expect_rc 29 "$MIGSTATE" scan "$T/few/store" "${SCAN0[@]}" --min-free 16
assert_contains "$OUT" "1024 to keep free" "--min-free counts inodes"
expect_rc 0 "$MIGSTATE" scan "$T/few/store" "${SCAN0[@]}" --min-free 0
assert_eq 40 "$(find "$T/few/store/MIGSTATE/File" -type f | wc -l)" "copies in the store"
