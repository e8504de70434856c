#!/usr/bin/env bash
# Output files cannot be turned against root (issue 15, defect 3). An unprivileged user
# (uid 1500, through setpriv) plants things in a sticky world-writable directory (a tmpfs
# mounted 1777, like /tmp) where root runs migstate and migc: a symlink at the default
# log name and at the --log, --progress, --listfiles, --estimate and migc -o names, each
# pointing at a root-owned sentinel; a symlink to a root directory on the way; a hard
# link to the sentinel; a file of her own. With the kernel's protections off
# (fs.protected_symlinks=0, fs.protected_hardlinks=0, restored at exit), every one is
# refused with a message that says why, the sentinel and her file are unchanged, and
# the files migstate does make are 0600 (the log and the file list name files inside
# other users' 0700 folders).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd setpriv
need_cmd sysctl

# the kernel would otherwise stop some of these attacks itself
for k in protected_symlinks protected_hardlinks; do
	old=$(sysctl -n fs.$k)
	at_exit "sysctl -q -w fs.$k=$old"
	sysctl -q -w fs.$k=0
done

WORK=$(mk_tmpdir)
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
fill_homes "$R"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
chmod 0711 "$WORK" # the attacker may reach the sticky directory below

T=$WORK/sticky
mkdir -p "$T"
mount -t tmpfs -o size=8m,mode=1777 tmpfs "$T"
_unmount_later "$T"
mkdir -m 0755 "$T/rootdir"
printf 'precious\n' >"$T/rootdir/sentinel"
chmod 0644 "$T/rootdir/sentinel"
SUM=$(sha256sum <"$T/rootdir/sentinel")

as_eve() { setpriv --reuid=1500 --regid=1500 --clear-groups "$@"; }
sentinel_intact() {
	[ "$(sha256sum <"$T/rootdir/sentinel")" = "$SUM" ] || fail "$1: the sentinel was changed"
	[ "$(stat -c %u "$T/rootdir/sentinel")" = 0 ] || fail "$1: the sentinel changed owner"
}
scan_args=(--plan "$P" --root "$R" --hardlink --nocompress --min-free 1)

# --- a symlink at the default log name (./migstate-scan.log, ./migstate-load.log) ------
as_eve ln -s "$T/rootdir/sentinel" "$T/migstate-scan.log"
as_eve ln -s "$T/rootdir/sentinel" "$T/migstate-load.log"
cd "$T"
expect_rc 71 "$MIGSTATE" scan "$WORK/s1" "${scan_args[@]}"
assert_contains "$OUT" "cannot open the log migstate-scan.log: it is a symbolic link (not followed)" "scan, default log"
sentinel_intact "scan, default log"
assert_no_path "$WORK/s1"
expect_rc 0 "$MIGSTATE" scan "$WORK/s1" "${scan_args[@]}" --log "$WORK/s1.log"
expect_rc 71 "$MIGSTATE" load "$WORK/s1" --plan "$P" --root "$R" --hardlink --nocompress
assert_contains "$OUT" "cannot open the log migstate-load.log: it is a symbolic link" "load, default log"
sentinel_intact "load, default log"
cd /

# --- the same for every output file scan names ---------------------------------------
for opt in --log --progress --listfiles; do
	as_eve ln -s "$T/rootdir/sentinel" "$T/trap$opt"
	logarg=(--log "$WORK/s2.log")
	[ "$opt" = --log ] && logarg=()
	expect_rc 71 "$MIGSTATE" scan "$WORK/s2" "${scan_args[@]}" "${logarg[@]}" "$opt" "$T/trap$opt"
	assert_contains "$OUT" "$T/trap$opt: it is a symbolic link (not followed)" "scan $opt"
	sentinel_intact "scan $opt"
done
as_eve ln -s "$T/rootdir/sentinel" "$T/trap-estimate.xml"
expect_rc 72 "$MIGSTATE" scan "$WORK/s3" "${scan_args[@]}" --log "$WORK/s3.log" --estimate "$T/trap-estimate.xml"
assert_contains "$(cat "$WORK/s3.log")" "cannot write the estimate $T/trap-estimate.xml: it is a symbolic link" "scan --estimate"
sentinel_intact "scan --estimate"

# --- a symlink to a root directory on the way: the real name inside it is not reached --
as_eve ln -s "$T/rootdir" "$T/via"
expect_rc 71 "$MIGSTATE" scan "$WORK/s2" "${scan_args[@]}" --log "$T/via/sentinel"
assert_contains "$OUT" "a directory on its path is a symbolic link" "--log through a linked directory"
sentinel_intact "--log through a linked directory"

# --- a hard link to the sentinel, and a file of her own: left alone -------------------
as_eve ln "$T/rootdir/sentinel" "$T/hard.log"
expect_rc 71 "$MIGSTATE" scan "$WORK/s2" "${scan_args[@]}" --log "$T/hard.log"
assert_contains "$OUT" "it exists with 2 hard links" "--log at a hard link"
sentinel_intact "--log at a hard link"
as_eve sh -c "printf 'mine\n' >'$T/eve.log'"
expect_rc 71 "$MIGSTATE" scan "$WORK/s2" "${scan_args[@]}" --progress "$T/eve.log" --log "$WORK/s2.log"
assert_contains "$OUT" "it exists and belongs to uid 1500" "--progress at her file"
assert_eq "mine" "$(cat "$T/eve.log")" "her file"
as_eve mkfifo "$T/fifo.log"
expect_rc 71 timeout 20 "$MIGSTATE" scan "$WORK/s2" "${scan_args[@]}" --listfiles "$T/fifo.log" --log "$WORK/s2.log"
assert_contains "$OUT" "cannot open the file list $T/fifo.log" "--listfiles at a FIFO"
assert_no_path "$WORK/s2"

# --- what migstate makes is 0600 --------------------------------------------------------
umask 022
printf 'an old log\n' >"$T/old.log" && chmod 0644 "$T/old.log"
expect_rc 0 "$MIGSTATE" scan "$WORK/s4" "${scan_args[@]}" --log "$T/old.log" --progress "$T/p.txt" \
	--listfiles "$T/list.txt"
expect_rc 0 "$MIGSTATE" scan "$WORK/s5" "${scan_args[@]}" --log "$T/est.log" --estimate "$T/est.xml"
for f in old.log p.txt list.txt est.log est.xml; do
	assert_eq "600 0" "$(stat -c '%a %u' "$T/$f")" "mode and owner of $f"
done
grep -q 'alice/notes.txt' "$T/list.txt" || fail "the file list is empty"
! grep -q 'an old log' "$T/old.log" || fail "the old log was not truncated"
setpriv --reuid=1500 --regid=1500 --clear-groups cat "$T/list.txt" >/dev/null 2>&1 &&
	fail "another user can read the file list"

# --- migc -o --------------------------------------------------------------------------
as_eve ln -s "$T/rootdir/sentinel" "$T/trap.plan"
expect_rc 2 "$MIGC" compile -o "$T/trap.plan" "$WORK/p.xml"
assert_contains "$OUT" "cannot write $T/trap.plan: it exists and is not a regular file" "migc -o at a symlink"
expect_rc 2 "$MIGC" compile -o "$T/via/sentinel" "$WORK/p.xml"
assert_contains "$OUT" "a directory on its path is a symbolic link" "migc -o through a linked directory"
sentinel_intact "migc -o"
[ -L "$T/trap.plan" ] || fail "migc replaced her symlink"
as_eve mkfifo "$T/fifo.plan"
expect_rc 2 "$MIGC" compile -o "$T/fifo.plan" "$WORK/p.xml"
[ -p "$T/fifo.plan" ] || fail "migc replaced her FIFO"
mkfifo "$T/own.plan"
expect_rc 2 "$MIGC" compile -o "$T/own.plan" "$WORK/p.xml"
assert_contains "$OUT" "it exists and is not a regular file" "migc -o at a FIFO of ours"
expect_rc 0 "$MIGC" compile -o "$T/ok.plan" "$WORK/p.xml"
expect_rc 0 "$MIGSTATE" check-plan "$T/ok.plan"
