#!/usr/bin/env bash
# A hard-link store over several volumes: the root filesystem (ext4 image) holds the
# master store; a tmpfs mounted inside the root gets its own store at the same
# relative path; FAT (fusefat, no hard links) is copied into the master store; a bind
# mount is a volume of its own (links across mounts fail with EXDEV) and gets its own
# store. Then: free-space refusals (29), a sparse file in a copy store, and -o removing
# a per-volume store the new scan no longer needs.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
need_root
T=$(mk_tmpdir)
R=$T/root
mk_ext4 "$R" 64
mk_system "$R"
mk_tmpfs "$R/data" 32m
mkdir -p "$R/data/sub" "$R/src/deep"
echo alpha >"$R/data/a.txt"
echo beta >"$R/data/sub/b.txt"
echo scratch >"$R/data/skip.tmp"
echo bound >"$R/src/x.txt"
echo deeper >"$R/src/deep/y.txt"
mk_bind "$R/src" "$R/bound"
mk_fat "$R/fat" 8
mkdir -p "$R/fat/dir"
echo fat1 >"$R/fat/f1.txt"
echo fat2 >"$R/fat/dir/f2.txt"
head -c 2097152 /dev/urandom >"$R/fat/big.bin"
system_policy "$T/vol.xml" 'C:\data\* [*]' 'C:\fat\* [*]' 'C:\bound\* [*]' -- 'C:\data\* [*.tmp]'
compile_plan "$T/vol.plan" "$T/vol.xml"
cd "$T"
# the directories that receive a store (and the mount point made for a later step)
# change their mtime; everything else must stay as it was
manifest() { src_manifest "$R" | grep -Ev " '(small|tiny|data|bound|src)' "; }
before=$(manifest)
args=(--plan "$T/vol.plan" --hardlink --nocompress --root "$R" --min-free 1)

# --- refusals first: nothing may be written -----------------------------------------------
expect_rc 29 "$MIGSTATE" scan "$R/store" --plan "$T/vol.plan" --hardlink --nocompress --root "$R" --min-free 1000000
assert_contains "$OUT" "not enough free space on the volume mounted at $R" "29 names the volume"
assert_no_path "$R/store"
assert_no_path "$R/data/store"
mk_tmpfs "$R/small" 1m
expect_rc 29 "$MIGSTATE" scan "$R/small/store" "${args[@]}"
assert_contains "$OUT" "not enough free space on the volume mounted at $R/small" "master too small"
assert_contains "$OUT" "2.0 MB to copy + 1.0 MB to keep free" "copy bytes in the message"
free_mb=$(df -m --output=avail "$R/small" | tail -1 | tr -d ' ')
assert_contains "$OUT" "store $R/small/store): $free_mb." "free space in the message"
assert_no_path "$R/small/store"
assert_no_path "$R/data/small"
umount "$R/small"

# a store volume without the inodes its store takes: refused up front (29, naming the
# inodes), nothing written; running out while copying anyway (ENOSPC injected into the
# copies) is t_fault_matrix's exit 72 with the stores left incomplete
mk_tmpfs "$R/tiny" 8m
mount -o remount,nr_inodes=10 "$R/tiny"
expect_rc 29 "$MIGSTATE" scan "$R/tiny/store" "${args[@]}"
assert_contains "$OUT" "not enough free inodes on the volume mounted at $R/tiny" "29 message"
assert_no_path "$R/tiny/store"
assert_no_path "$R/data/store"
umount "$R/tiny"
rmdir "$R/tiny"
rm -rf "$R/data/store" "$R/bound/store"

# --- the multi-volume store --------------------------------------------------------------------
expect_rc 0 "$MIGSTATE" scan "$R/store" "${args[@]}" --json
assert_eq "$before" "$(manifest)" "sources unchanged"
# tmpfs: its own store, same relative path, hard links
for f in /data/a.txt /data/sub/b.txt; do
	same_inode "$R$f" "$R/data/store/MIGSTATE/File$f" || fail "$f not linked in the tmpfs store"
done
assert_no_path "$R/data/store/MIGSTATE/File/data/skip.tmp"
assert_no_path "$R/store/MIGSTATE/File/data"
assert_eq 700 "$(stat -c %a "$R/data/store")" "volume store mode"
grep -qx 'role: volume' "$R/data/store/MIGSTATE/store.id" || fail "volume store role"
assert_eq complete "$(store_state "$R/data/store")" "volume store state"
assert_no_path "$R/data/store/MIGSTATE/catalog"
# FAT: no store there, copies in the master
assert_no_path "$R/fat/store"
for f in /fat/f1.txt /fat/dir/f2.txt /fat/big.bin; do
	cmp -s "$R$f" "$R/store/MIGSTATE/File$f" || fail "$f not copied into the master"
	assert_eq copied "$(cat_field "$R/store" $f 2)" "$f action"
done
# bind mount: a volume of its own, linked in its own store (= the same inode as the source)
for f in /bound/x.txt /bound/deep/y.txt; do
	same_inode "$R$f" "$R/bound/store/MIGSTATE/File$f" || fail "$f not linked in the bind store"
done
same_inode "$R/src/x.txt" "$R/bound/store/MIGSTATE/File/bound/x.txt" || fail "bind: same inode as the source"
vols=$("$(helper catdump)" "$R/store" | grep ^volume)
assert_eq "volume 0 flags 1 mount / store /store
volume 1 flags 0 mount /bound store /bound/store
volume 2 flags 0 mount /data store /data/store
volume 3 flags 2 mount /fat store -" "$vols" "catalog volume table"
assert_eq 2 "$(cat_field "$R/store" /data/a.txt 4)" "payload volume of a tmpfs file"
assert_eq 0 "$(cat_field "$R/store" /fat/f1.txt 4)" "payload volume of a FAT file"
assert_eq 3 "$(cat_field "$R/store" /fat/f1.txt 5)" "source volume of a FAT file"
python3 - "$OUT" <<'PY' || fail "json: $OUT"
import json, sys
j = json.loads(sys.argv[1].strip().splitlines()[-1])
assert j["files_linked"] == 4 and j["files_copied"] == 3, j
assert j["bytes_copied"] >= 2097152, j
PY

# --- estimate: per volume -------------------------------------------------------------------------
expect_rc 0 "$MIGSTATE" scan "$T/e" "${args[@]}" --estimate "$T/est.xml"
grep -q "mount=\"$R/fat\" fstype=\"fuse.fusefat\" store=\"\" master=\"no\" filesToLink=\"0\" filesToCopy=\"3\"" "$T/est.xml" ||
	fail "estimate fat: $(cat "$T/est.xml")"

# --- -o with a plan that no longer needs the tmpfs store: it goes ---------------------------------
system_policy "$T/fat.xml" 'C:\fat\* [*]'
compile_plan "$T/fat.plan" "$T/fat.xml"
expect_rc 0 "$MIGSTATE" scan "$R/store" -o --plan "$T/fat.plan" --hardlink --nocompress --root "$R" --min-free 1
assert_no_path "$R/data/store"
assert_no_path "$R/bound/store"
assert_eq 1 "$(nlink "$R/data/a.txt")" "links of the old volume store gone"

# --- a copy store keeps holes ---------------------------------------------------------------------
truncate -s 64M "$R/data/sparse.img"
printf 'middle' | dd of="$R/data/sparse.img" bs=1 seek=33554432 conv=notrunc status=none
expect_rc 0 "$MIGSTATE" scan "$T/copies" --plan "$T/vol.plan" --nocompress --root "$R" --min-free 1
c=$T/copies/MIGSTATE/File/data/sparse.img
cmp -s "$R/data/sparse.img" "$c" || fail "sparse copy content"
[ "$(stat -c %b "$c")" -lt 2048 ] || fail "sparse copy is not sparse: $(stat -c %b "$c") blocks"
