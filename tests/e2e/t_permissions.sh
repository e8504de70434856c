#!/usr/bin/env bash
# Nobody may see through migstate what they could not see before, and what comes back
# is exactly what was there.
#   1. A file readable only because its directory is closed (alice's 0644 file in her
#      0700 Private) is not readable by bob through the store (top 0700, every store
#      directory 0700, the catalog -- which names the files -- readable by root only),
#      nor through the restored location (restored directories get the captured modes
#      before anything goes in: hard-link and copy loads). Checked as bob with setpriv;
#      a control file proves bob can walk the same paths where modes allow it.
#   2. A hard link alice made to bob's 0600 file comes back as bob's 0600 file.
#   3. Restored files, directories and special files keep their exact owner, group,
#      mode and times.
#   4. Symlinks (relative, absolute to a root-only file, dangling), FIFOs, sockets and
#      device nodes in a user's tree are recorded, never followed or opened (a FIFO
#      nobody writes does not block the scan), and come back as what they were
#      (symlinks with the same target, devices with the same numbers; sockets are
#      recorded but not recreated: their program makes them).
#   5. Sparse files stay sparse in a copy store and in a copy restore.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
need_cmd setpriv
rt_helper catdump >/dev/null
CATDUMP=$(rt_helper catdump)
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
chmod 0755 "$WORK" # bob must be able to walk to the store: its own modes must stop him
R=$WORK/root
mk_tmpfs "$R" 64m
mk_system "$R"
fill_homes "$R"
A=$R/home/alice
chmod 0755 "$A"
put "$A/Private/secret.txt" 1001:1001 0644 "2021-05-05 05:05:05" "alice's secret"
put "$A/Private/deeper/plans.txt" 1001:1001 0644 "2021-05-06 05:05:05" "alice's plans"
chown 1001:1001 "$A/Private" "$A/Private/deeper" && chmod 0700 "$A/Private"
put "$A/public.txt" 1001:1001 0644 "2021-05-07 05:05:05" "anyone may read this"
put "$R/home/bob/mine.txt" 1002:1002 0600 "2021-05-08 05:05:05" "bob only"
ln "$R/home/bob/mine.txt" "$A/bobs-file" # a hard link alice made to bob's file
# special files: never followed, never opened
printf 'ROOT ONLY\n' >"$WORK/rootonly" && chmod 0600 "$WORK/rootonly"
ln -s "$WORK/rootonly" "$A/abs-link"
ln -s public.txt "$A/rel-link"
ln -s nowhere/at/all "$A/dangling"
mkfifo -m 0640 "$A/pipe"
mknod -m 0660 "$A/chardev" c 1 3
mknod -m 0640 "$A/blockdev" b 7 200
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$A/sock"
chown -h 1001:1001 "$A/abs-link" "$A/rel-link" "$A/dangling" "$A/pipe" "$A/chardev" "$A/blockdev" "$A/sock"
touch -h -d "2020-10-10 10:10:10" "$A/abs-link" "$A/pipe" "$A/chardev"
# sparse: 8 MiB with 8 KiB of data
truncate -s 8M "$A/sparse.img"
printf 'start' | dd of="$A/sparse.img" conv=notrunc 2>/dev/null
printf 'end' | dd of="$A/sparse.img" bs=1 seek=$((8 * 1024 * 1024 - 3)) conv=notrunc 2>/dev/null
chown 1001:1001 "$A/sparse.img"
touch -d "2014-01-01 00:00:00" "$A"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
ORIG=$(xmanifest "$R/home")
devnums() { stat -c '%n %F %t:%T' "$A/chardev" "$A/blockdev"; }
DEVS=$(devnums)

as_bob() { setpriv --reuid=1002 --regid=1002 --clear-groups "$@"; }
bob_can_read() { as_bob cat "$1" >/dev/null 2>&1; }
bob_cannot() { # bob_cannot PATH WHAT
	! bob_can_read "$1" || fail "bob can read $1 ($2)"
}
[ "$(stat -c %U "$WORK")" = root ] || fail "setup"
bob_can_read "$A/public.txt" || fail "control: bob cannot read alice's public file at all"
bob_cannot "$A/Private/secret.txt" "before the scan: the premise"

# --- capture -------------------------------------------------------------------------
S=$R/store
RC=0
OUT=$(timeout 60 "$MIGSTATE" scan "$S" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 \
	--log "$WORK/scan.log" 2>&1) || RC=$?
[ "$RC" != 124 ] || fail "the scan blocked (a FIFO opened?)"
assert_eq 0 "$RC" "scan: $OUT"
[ "$(xmanifest "$R/home")" = "$ORIG" ] || fail "the scan changed the users' files"
assert_eq "700 root" "$(stat -c '%a %U' "$S")" "store top"
bad=$(find "$S" -type d ! -perm 0700)
[ -z "$bad" ] || fail "store directories not 0700: $bad"
bad=$(find "$S/MIGSTATE" -maxdepth 1 -type f -perm /077)
[ -z "$bad" ] || fail "store metadata readable by others: $bad"
# the payload is a hard link of alice's file: same inode, same 0644 -- only the store's
# directories stand between bob and it
same_inode "$A/Private/secret.txt" "$S/MIGSTATE/File/home/alice/Private/secret.txt" || fail "not linked"
bob_cannot "$S/MIGSTATE/File/home/alice/Private/secret.txt" "through the store"
bob_cannot "$S/MIGSTATE/File/home/alice/public.txt" "through the store (even a public file)"
bob_cannot "$S/MIGSTATE/catalog" "the catalog"
as_bob ls "$S/MIGSTATE/File/home/alice" >/dev/null 2>&1 && fail "bob can list the store"
# the same for a copy store
SC=$R/copystore
expect_rc 0 "$MIGSTATE" scan "$SC" --plan "$P" --root "$R" --nocompress --min-free 1 --log "$WORK/scan2.log"
bob_cannot "$SC/MIGSTATE/File/home/alice/Private/secret.txt" "through a copy store"
assert_eq "700 root" "$(stat -c '%a %U' "$SC")" "copy store top"

# --- what the catalog says about special files -----------------------------------------
rec() { "$CATDUMP" "$S" | awk -F '\t' -v p="$1" '$13 == p { print $1, $2, $14 }'; }
assert_eq "symlink recorded $WORK/rootonly" "$(rec /home/alice/abs-link)" "absolute symlink recorded"
assert_eq "symlink recorded nowhere/at/all" "$(rec /home/alice/dangling)" "dangling symlink recorded"
assert_eq "fifo recorded " "$(rec /home/alice/pipe)" "FIFO recorded"
assert_eq "socket recorded " "$(rec /home/alice/sock)" "socket recorded"
assert_eq "chr recorded " "$(rec /home/alice/chardev)" "char device recorded"
assert_eq "blk recorded " "$(rec /home/alice/blockdev)" "block device recorded"
for n in abs-link dangling pipe sock chardev blockdev rel-link; do
	assert_no_path "$S/MIGSTATE/File/home/alice/$n" # no payload: never opened or followed
done
! grep -rq 'ROOT ONLY' "$S/MIGSTATE/File" "$SC/MIGSTATE/File" || fail "a symlink was followed"

# --- sparse copies ---------------------------------------------------------------------
blocks() { echo $(($(stat -c '%b * %B' "$1"))); }
cmp -s "$A/sparse.img" "$SC/MIGSTATE/File/home/alice/sparse.img" || fail "sparse copy differs"
[ "$(blocks "$SC/MIGSTATE/File/home/alice/sparse.img")" -le $((256 * 1024)) ] ||
	fail "the copy store's sparse file is not sparse: $(blocks "$SC/MIGSTATE/File/home/alice/sparse.img") bytes allocated"

# --- restore: hard links, then copies ---------------------------------------------------
restored_ok() { # restored_ok WHAT
	local now
	now=$(xmanifest "$R/home" | grep -v "^alice/sock ")
	[ "$now" = "$(echo "$ORIG" | grep -v "^alice/sock ")" ] || {
		diff <(echo "$ORIG") <(xmanifest "$R/home") | head -20 >&2 || true
		fail "$1: not restored exactly"
	}
	assert_eq "$DEVS" "$(devnums)" "$1: device numbers"
	assert_eq "$WORK/rootonly" "$(readlink "$A/abs-link")" "$1: symlink target"
	[ -p "$A/pipe" ] || fail "$1: the FIFO is not a FIFO"
	assert_eq "ROOT ONLY" "$(cat "$WORK/rootonly")" "$1: the symlink's target untouched"
	assert_eq "600 root" "$(stat -c '%a %U' "$WORK/rootonly")" "$1: the symlink's target's mode"
	bob_can_read "$A/public.txt" || fail "$1: control: bob cannot read alice's public file"
	bob_cannot "$A/Private/secret.txt" "$1: through the restored location"
	bob_cannot "$A/Private/deeper/plans.txt" "$1: through the restored location"
	# alice's link to bob's file is bob's 0600 file again: alice cannot read it
	assert_eq "600 1002" "$(stat -c '%a %u' "$A/bobs-file")" "$1: bob's file in alice's home"
	! setpriv --reuid=1001 --regid=1001 --clear-groups cat "$A/bobs-file" >/dev/null 2>&1 ||
		fail "$1: alice can read bob's file"
}
for mode in hardlink copy; do
	wipe_homes "$R"
	args=(--nocompress)
	[ $mode = hardlink ] && args+=(--hardlink)
	store=$S
	[ $mode = copy ] && store=$SC
	expect_rc 0 "$MIGSTATE" load "$store" --plan "$P" --root "$R" "${args[@]}" --log "$WORK/load.log"
	restored_ok "load ($mode)"
	if [ $mode = copy ]; then
		[ "$(blocks "$A/sparse.img")" -le $((256 * 1024)) ] ||
			fail "a copy restore made the sparse file dense: $(blocks "$A/sparse.img") bytes"
		same_inode "$A/Private/secret.txt" "$SC/MIGSTATE/File/home/alice/Private/secret.txt" &&
			fail "a copy restore shares the store's inode"
	fi
done
# the stores are still closed after the loads
bob_cannot "$S/MIGSTATE/File/home/alice/Private/secret.txt" "through the store after load"
bob_cannot "$SC/MIGSTATE/File/home/alice/Private/secret.txt" "through the copy store after load"
