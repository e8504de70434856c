#!/usr/bin/env bash
# Races with the users whose files are migrated. A user owns the directories being
# captured or restored and may rename, replace or symlink anything in them while scan
# or load runs. The fault shim stops migstate (SIGSTOP) right before a chosen call,
# the test plays the user's move, and migstate continues (SIGCONT) -- so every window
# is hit deterministically, no sleeps. Whatever the outcome (the object skipped, an
# error, exit 61), nothing outside the user's tree may be linked, copied, created,
# changed or deleted:
#   - the canaries (a root-only file and directory outside --root on the same
#     filesystem, /etc/passwd, and bob's private file for moves by alice) keep their
#     inode, link count, mode, owner and content; the outside directory gets no entry;
#   - no store entry is a foreign inode or holds a canary's bytes;
#   - load never writes, chmods or links through a symlink it did not make.
# Windows: a directory swapped for a symlink (outside --root, /etc, another user's home)
# between examination and capture; a file swapped for a symlink or for a hard link to a
# foreign file between examination and link (and a crash right after that link); the
# same before a copy; a destination symlink planted before and during load; a restored
# directory swapped for a symlink; the temporary FIFO of a restore swapped for a symlink
# before its chmod.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
fi_init
rt_helper catdump >/dev/null
CATDUMP=$(rt_helper catdump)
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
FS=$WORK/fs
mk_tmpfs "$FS" 64m
R=$FS/root # --root; the outside canaries share its filesystem, so a followed link would work
OUTSIDE=$FS/outside
mkdir -p "$OUTSIDE/dir"
printf 'CANARY outside\n' >"$OUTSIDE/canary.txt"
printf 'CANARY in dir\n' >"$OUTSIDE/dir/inner.txt"
chmod 0600 "$OUTSIDE/canary.txt" "$OUTSIDE/dir/inner.txt"
chmod 0700 "$OUTSIDE" "$OUTSIDE/dir"
mk_system "$R"
fill_homes "$R"
A=$R/home/alice
for i in 1 2 3 4 5; do put "$A/Documents/a$i.txt" 1001:1001 0644 "2020-01-01 00:00:0$i" "alice doc $i"; done
put "$A/Documents/sub/s1.txt" 1001:1001 0644 "2020-01-02 00:00:00" "alice sub"
mkfifo -m 0640 "$A/Documents/pipe" && chown 1001:1001 "$A/Documents/pipe"
chown 1001:1001 "$A/Documents/sub"
put "$R/home/bob/private/secret.txt" 1002:1002 0644 "2020-01-03 00:00:00" "BOB-SECRET"
chmod 0700 "$R/home/bob/private" && chown 1002:1002 "$R/home/bob/private"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$R/store
FLOG=$WORK/fault.log

SKIP_PATH= # a store path safe() does not judge (judged by as_itself)
BOB=1 # bob's private file is a canary for alice's moves (not once load remakes it)
canaries() { # identity and content of everything that must never be touched
	stat -c '%n %i %h %a %u %g %s %Y' "$OUTSIDE" "$OUTSIDE"/* "$OUTSIDE"/dir/* /etc/passwd
	# (not bob's link count: capturing bob's home adds a store link to his file)
	[ $BOB = 0 ] || stat -c '%n %i %a %u %g %s %Y' "$R/home/bob/private/secret.txt" "$R/home/bob/private"
	cat "$OUTSIDE/canary.txt" "$OUTSIDE/dir/inner.txt"
	ls -A "$OUTSIDE" "$OUTSIDE/dir"
}
CANARIES=$(canaries)
FOREIGN=$(stat -c '%d:%i' "$OUTSIDE/canary.txt" "$OUTSIDE/dir/inner.txt")
BOBS=$(stat -c '%d:%i' "$R/home/bob/private/secret.txt")

# safe WHAT: nothing outside the user's reach was touched, the store holds nothing foreign
safe() {
	[ "$(canaries)" = "$CANARIES" ] || {
		diff <(echo "$CANARIES") <(canaries) >&2 || true
		fail "$1: something outside the user's tree changed"
	}
	local f id
	if [ -d "$S/MIGSTATE/File" ]; then
		while IFS= read -r -d '' f; do
			[ "$f" != "$SKIP_PATH" ] || continue
			id=$(stat -c '%d:%i' "$f")
			case "$FOREIGN" in *"$id"*) fail "$1: the store holds a foreign inode: $f" ;; esac
			[ "$id" != "$BOBS" ] || [[ "$f" == */File/home/bob/private/secret.txt ]] ||
				fail "$1: bob's file in the store under another name: $f"
			! grep -q CANARY "$f" || fail "$1: the store holds a canary's bytes: $f"
			! grep -q BOB-SECRET "$f" || [[ "$f" == */File/home/bob/* ]] ||
				fail "$1: bob's bytes in the store outside bob's home: $f"
		done < <(find "$S/MIGSTATE/File" -type f -print0)
	fi
	[ "$(stat -c %a "$OUTSIDE")" = 700 ] || fail "$1: outside mode"
}

scan_args() { echo scan "$S" --plan "$P" --root "$R" --min-free 1 --log "$WORK/scan.log"; }
fresh() { rm -rf "$S"; }

# --- scan: a directory swapped for a symlink while the capture is in it ----------------
for target in "$OUTSIDE" /etc ../../bob/private; do
	fresh
	start_stopped "linkat:2:stop:$A/Documents/" $(scan_args) --hardlink --nocompress
	mv "$A/Documents" "$A/Documents.moved"
	ln -s "$target" "$A/Documents"
	resume
	note "Documents -> $target during capture: exit $RC"
	case $RC in 0 | 61) ;; *) fail "Documents -> $target: exit $RC: $OUT" ;; esac
	safe "Documents swapped for a symlink to $target"
	rm "$A/Documents"
	mv "$A/Documents.moved" "$A/Documents"
done

# --- scan: a file swapped for a symlink between examination and link -------------------
fresh
start_stopped "linkat:1:stop:$A/Documents/a3.txt" $(scan_args) --hardlink --nocompress
mv "$A/Documents/a3.txt" "$WORK/a3.keep"
ln -s "$OUTSIDE/canary.txt" "$A/Documents/a3.txt"
resume
case $RC in 0 | 61) ;; *) fail "file -> symlink: exit $RC: $OUT" ;; esac
safe "a file swapped for a symlink before its link"
rm "$A/Documents/a3.txt" && mv "$WORK/a3.keep" "$A/Documents/a3.txt"

# --- scan: a file swapped for a hard link of a foreign file -----------------------------
# (fs.protected_hardlinks stops users from linking files they do not own; root makes the
# link here to play a user on a system without that protection.) Pass 2 opens the name
# as a path (O_PATH), checks by that fd that it is the inode pass 1 examined, and links
# that fd: the inode linked is always the inode checked.
#   cont/crash: the swap comes after that check, while the link call is on its way: what
#     is linked and recorded is alice's file as examined (moved aside on the same file
#     system, so that inode lives on), never the canary;
#   early/early-crash: the swap comes before the open: the check refuses the new inode
#     before any link, and the name, examined afresh, IS in the user's tree as a hard
#     link of the canary: it may be captured, but only as what it is -- recorded with the
#     canary's owner and mode (so load gives it back root-owned 0600).
# crash: killed right after the next link of that name, before anything that follows it.
recorded_as() { # recorded_as WHAT LOGICAL UID MODE [partial]: the catalog says so, if anything
	local rec uid mode
	rec=$("$CATDUMP" "$S" ${5:-} 2>/dev/null | awk -F '\t' -v p="$2" '$13 == p' || true)
	[ -n "$rec" ] || return 0
	uid=$(echo "$rec" | cut -f10) mode=$(echo "$rec" | cut -f9)
	[ "$uid" = "$3" ] && [ "$((8#${mode#0} & 07777))" = $((8#$4)) ] ||
		fail "$1: $2 recorded as uid $uid mode $mode, expected uid $3 mode $4"
}
as_itself() { recorded_as "$1" "$2" 0 600 ${3:-}; } # the canary's, as it is
A4=/home/alice/Documents/a4.txt
for how in cont crash early early-crash; do
	fresh
	rule="linkat:1:stop:$A/Documents/a4.txt"
	case $how in early*) rule="openat:1:stop:$A/Documents/a4.txt" ;; esac
	# (the crash rule names the link's store side: the source side is the fd's path,
	# which the swap changes)
	case $how in *crash) rule="$rule,linkat:1:killafter:MIGSTATE/File$A4" ;; esac
	start_stopped "$rule" $(scan_args) --hardlink --nocompress
	mv "$A/Documents/a4.txt" "$FS/a4.keep"
	ln "$OUTSIDE/canary.txt" "$A/Documents/a4.txt"
	resume
	part=
	case $how in
	*crash) assert_eq 137 "$RC" "$how: killed right after the link"; part=partial ;;
	*) case $RC in 0 | 61) ;; *) fail "file -> hard link ($how): exit $RC: $OUT" ;; esac ;;
	esac
	case $how in
	early*) as_itself "$how" $A4 $part ;;
	*)
		recorded_as "$how" $A4 "$(stat -c %u "$FS/a4.keep")" "$(stat -c %a "$FS/a4.keep")" $part
		assert_eq "$(stat -c %i "$FS/a4.keep")" "$(stat -c %i "$S/MIGSTATE/File$A4")" \
			"$how: the inode linked is the one examined"
		;;
	esac
	# verify: a store true to what was captured; in cont, the name holds another file now
	if [ "$RC" = 0 ]; then
		if [ $how = cont ]; then expect_rc 42 "$MIGSTATE" verify "$S"; else expect_rc 0 "$MIGSTATE" verify "$S"; fi
	fi
	rm "$A/Documents/a4.txt" # the extra name of the canary (not the canary)
	mv "$FS/a4.keep" "$A/Documents/a4.txt"
	# whatever the run left is finished by scan -o: alice's own file, nothing foreign
	expect_rc 0 "$MIGSTATE" scan "$S" -o --plan "$P" --root "$R" --min-free 1 --hardlink \
		--nocompress --log "$WORK/scan.log"
	expect_rc 0 "$MIGSTATE" verify "$S"
	safe "a file swapped for a foreign hard link before its link ($how), then scan -o"
done

# --- scan (copy store): a file swapped before it is opened for the copy ----------------
for kind in symlink hardlink; do
	fresh
	start_stopped "openat:1:stop:$A/Documents/a2.txt" $(scan_args) --nocompress
	mv "$A/Documents/a2.txt" "$WORK/a2.keep"
	if [ $kind = symlink ]; then ln -s "$OUTSIDE/canary.txt" "$A/Documents/a2.txt"; else ln "$OUTSIDE/canary.txt" "$A/Documents/a2.txt"; fi
	resume
	case $RC in 0 | 61) ;; *) fail "copy, file -> $kind: exit $RC: $OUT" ;; esac
	as_itself "copy store: a2 swapped for a $kind" /home/alice/Documents/a2.txt
	rm "$A/Documents/a2.txt"
	SKIP_PATH=$S/MIGSTATE/File/home/alice/Documents/a2.txt
	safe "copy store: a file swapped for a $kind before its copy"
	SKIP_PATH=
	mv "$WORK/a2.keep" "$A/Documents/a2.txt"
done

# --- load --------------------------------------------------------------------------------
fresh
expect_rc 0 "$MIGSTATE" scan "$S" --plan "$P" --root "$R" --min-free 1 --hardlink --nocompress \
	--log "$WORK/scan.log"
ORIG_A=$(xmanifest "$A")
BOB=0
CANARIES=$(canaries)
new_system() { # the homes gone, /home/alice made by the new system (empty, alice's)
	wipe_homes "$R"
	mkdir -m 0700 "$A" && chown 1001:1001 "$A"
}
load_args() { echo load "$S" --plan "$P" --root "$R" --log "$WORK/load.log"; }

# a symlink planted at a destination before load
new_system
ln -s "$OUTSIDE/canary.txt" "$A/notes.txt"
RC=0
OUT=$("$MIGSTATE" $(load_args) --hardlink --nocompress 2>&1) || RC=$?
case $RC in 0 | 3) ;; *) fail "symlink planted before load: exit $RC: $OUT" ;; esac
safe "a symlink planted at a destination"
[ -L "$A/notes.txt" ] || [ -f "$A/notes.txt" ] || fail "notes.txt vanished"

# ... and planted while load runs (between its check of the name and its link)
new_system
start_stopped "linkat:1:stop:$A/notes.txt" $(load_args) --hardlink --nocompress
ln -s "$OUTSIDE/canary.txt" "$A/notes.txt"
resume
case $RC in 0 | 3 | 61) ;; *) fail "symlink planted during load: exit $RC: $OUT" ;; esac
safe "a symlink planted at a destination during load"

# the copy variant: planted before the rename of the copy into place
new_system
start_stopped "renameat2:1:stop:$A/notes.txt" $(load_args) --nocompress
ln -s "$OUTSIDE/canary.txt" "$A/notes.txt"
resume
case $RC in 0 | 3 | 61) ;; *) fail "symlink planted before a copy's rename: exit $RC: $OUT" ;; esac
safe "a symlink planted before a copy's rename"

# a directory load made, swapped for a symlink while load fills it
new_system
start_stopped "linkat:2:stop:$A/Documents/" $(load_args) --hardlink --nocompress
mv "$A/Documents" "$A/Documents.moved"
ln -s "$OUTSIDE/dir" "$A/Documents"
resume
case $RC in 0 | 3 | 61) ;; *) fail "restored directory -> symlink: exit $RC: $OUT" ;; esac
safe "a restored directory swapped for a symlink"

# the FIFO made under a temporary name, swapped for a symlink to a root-only file
# before its chmod (the chmod would make the canary world-readable)
new_system
start_stopped "fchmodat:1:stop:$A/Documents/" $(load_args) --hardlink --nocompress
tmp=$(find "$A/Documents" -maxdepth 1 -name '.migstate-*' -type p | head -1)
[ -n "$tmp" ] || fail "no temporary FIFO at the stop ($(ls -A "$A/Documents"))"
rm "$tmp" && ln -s "$OUTSIDE/canary.txt" "$tmp"
resume
case $RC in 0 | 3 | 61) ;; *) fail "FIFO swapped before chmod: exit $RC: $OUT" ;; esac
safe "a restored FIFO swapped for a symlink before its chmod"

# after all that, a clean load on a clean system restores alice exactly
new_system
rmdir "$A"
expect_rc 0 "$MIGSTATE" $(load_args) --hardlink --nocompress
assert_eq "$ORIG_A" "$(xmanifest "$A")" "alice restored"
safe "the final load"

# --- rd: a symlink found in a store is removed, never followed ---------------------------
ln -s "$OUTSIDE/dir" "$S/MIGSTATE/File/home/alice/planted-dir"
ln -s "$OUTSIDE/canary.txt" "$S/MIGSTATE/File/home/alice/planted-file"
RC=0
OUT=$("$MIGSTATE" rd "$S" -y 2>&1) || RC=$?
case $RC in 0 | 35) ;; *) fail "rd of a store holding symlinks: exit $RC: $OUT" ;; esac
safe "rd of a store holding symlinks"
[ "$(xmanifest "$A")" = "$ORIG_A" ] || fail "rd changed alice's files"
