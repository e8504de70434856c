#!/usr/bin/env bash
# Pass 2 on two cores (scan_helper.c): above 8192 items both threads link and the main
# thread writes the records in walk order. The store must be the one a single thread
# makes (MIGSTATE_WORKERS=0): the same catalog listing in the same order, the same ACL
# and identity records byte for byte, every payload file the very inode of its
# original, and the things the linking leaves to the general path (symlinks, FIFOs, an
# immutable file copied, a hard-linked pair, a file with a named ACL) captured as ever.
# The catalogs are equal record for record (a file's nlink is the count pass 1 saw,
# whichever thread links which name first). A load of the two-thread store gives back
# the ACLs and the data. A setpriv user swapping her files for symlinks to a root secret
# during the capture never gets the secret linked into the store.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh" # catdump (its mk_system is replaced by the next)
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd setfacl
need_cmd getfacl
need_cmd strace
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
R=$WORK/root
mk_tmpfs "$R" 256m
at_exit "chattr -i '$R/home/alice/d05/locked' 2>/dev/null; true"
mk_system "$R"
# 2 users x 60 directories x 90 files: about 11,000 items, above the helper's threshold
for u in alice bob; do
	for d in $(seq -w 0 59); do
		mkdir -p "$R/home/$u/d$d"
		(cd "$R/home/$u/d$d" && touch $(printf 'f%02d ' $(seq 0 89)))
	done
	echo "data of $u" >"$R/home/$u/d00/f00"
done
chown -R 1001:1001 "$R/home/alice"
chown -R 1002:1002 "$R/home/bob"
# what the quick way leaves alone, spread over the chunks
setfacl -m u:1002:r "$R/home/alice/d01/f07" "$R/home/alice/d33/f89" "$R/home/bob/d59/f00"
setfacl -m g:1001:rw "$R/home/bob/d12/f45"
setfacl -d -m u:1002:rx "$R/home/alice/d20"
ln -s ../d00/f00 "$R/home/alice/d02/link"
mkfifo "$R/home/bob/d30/fifo"
ln "$R/home/alice/d10/f10" "$R/home/alice/d50/second-name"
echo "locked" >"$R/home/alice/d05/locked"
chown 1001:1001 "$R/home/alice/d05/locked"
IMMUTABLE=0
chattr +i "$R/home/alice/d05/locked" 2>/dev/null && IMMUTABLE=1
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"

CATDUMP=$(helper catdump)
# dump CAT STORE: its catalog (without the store's own path) and records, kept in $WORK
dump() {
	"$CATDUMP" "$2" | sed 's| store /[a-z]*$||' >"$WORK/$1.cat" || fail "$1: catalog unreadable"
	cp "$2/MIGSTATE/acls" "$WORK/$1.acls" && cp "$2/MIGSTATE/identities" "$WORK/$1.identities"
}
# one thread first, removed before the second capture (its links would change nlink)
MIGSTATE_WORKERS=0 scan "$R/one" "$WORK/p.plan" "$R" --listfiles "$WORK/one.list" --json
printf '%s\n' "$OUT" >"$WORK/one.json"
dump one "$R/one"
expect_rc 0 "$MIGSTATE" rd "$R/one" -y
scan "$R/two" "$WORK/p.plan" "$R" --listfiles "$WORK/two.list" --json
printf '%s\n' "$OUT" >"$WORK/two.json"
dump two "$R/two"
n=$(wc -l <"$WORK/two.list")
[ "$n" -gt 10800 ] || fail "only $n objects listed: the helper's threshold was not reached"
cmp "$WORK/one.list" "$WORK/two.list" || fail "the two-thread capture lists other objects, or in another order"
for f in cat acls identities; do
	cmp "$WORK/one.$f" "$WORK/two.$f" ||
		fail "the $f differ: $(diff "$WORK/one.$f" "$WORK/two.$f" | head -6 | cut -c1-160)"
done
for k in files_linked files_copied objects_recorded parent_directories; do
	a=$(sed -n "s/.*\"$k\": *\([0-9]*\).*/\1/p" "$WORK/one.json")
	b=$(sed -n "s/.*\"$k\": *\([0-9]*\).*/\1/p" "$WORK/two.json")
	[ -n "$a" ] || fail "no $k in scan --json: $(cat "$WORK/one.json")"
	assert_eq "$a" "$b" "$k: one thread vs two"
done
expect_rc 0 "$MIGSTATE" verify "$R/two"
# entry by entry: each regular file captured is a link to its original (one inode)
skip_locked() { if [ "$IMMUTABLE" = 1 ]; then grep -v ' home/alice/d05/locked$'; else cat; fi; }
(cd "$R" && find home -type f -printf '%i %p\n') | skip_locked | sort >"$WORK/orig.ino"
(cd "$R/two/MIGSTATE/File" && find home -type f -printf '%i %p\n') | skip_locked | sort >"$WORK/two.ino"
[ "$(wc -l <"$WORK/orig.ino")" -gt 10800 ] || fail "too few files in the tree"
diff "$WORK/orig.ino" "$WORK/two.ino" >/dev/null ||
	fail "payload files are not the original inodes: $(diff "$WORK/orig.ino" "$WORK/two.ino" | head -4)"
if [ "$IMMUTABLE" = 1 ]; then
	assert_eq 1 "$(stat -c %h "$R/home/alice/d05/locked")" "the immutable file was copied, not linked"
		assert_eq 1 "$(sed -n 's/.*"files_copied": *\([0-9]*\).*/\1/p' "$WORK/two.json")" "one copy: the immutable file"
fi
[ -L "$R/two/MIGSTATE/File/home/alice/d02/link" ] || grep -q '^/home/alice/d02/link$' "$WORK/two.list" ||
	fail "the symlink was not captured"

# a load of the two-thread store into a fresh root gives back data and ACLs
L=$WORK/load
mkdir -p "$L"
mk_tmpfs "$L" 64m
mk_system "$L"
mv "$R/two" "$L/two" 2>/dev/null || cp -a "$R/two" "$L/two"
load "$L/two" "$WORK/p.plan" "$L"
assert_eq 0 "$RC" "load of the two-thread store: $OUT"
assert_eq "data of alice" "$(cat "$L/home/alice/d00/f00")" "data restored"
for f in home/alice/d01/f07 home/alice/d33/f89 home/bob/d59/f00 home/bob/d12/f45; do
	assert_eq "$(getfacl -cp "$R/$f" 2>/dev/null)" "$(getfacl -cp "$L/$f" 2>/dev/null)" "ACL of /$f"
done
assert_contains "$(getfacl -cn "$L/home/alice/d01/f07")" "user:1002:r--" "the named entry restored"
assert_eq "$(getfacl -cpd "$R/home/alice/d20")" "$(getfacl -cpd "$L/home/alice/d20")" "default ACL of d20"
# stopped while both threads link: SIGTERM with the main thread blocked on a full
# --listfiles pipe (the helper links on until its window is full). Exit 2, the store
# incomplete; every partial record has its payload; rd removes the store and leaves
# each original with its one name; -o starts afresh and completes.
S=$R/stopped
mkfifo "$WORK/fifo"
"$MIGSTATE" scan "$S" --plan "$WORK/p.plan" --root "$R" --hardlink --nocompress --min-free 1 \
	--listfiles "$WORK/fifo" --log "$WORK/stopped.log" >"$WORK/stopped.out" 2>&1 &
SCAN=$!
at_exit "kill -9 $SCAN 2>/dev/null"
exec 3<"$WORK/fifo"
for i in 1 2 3; do read -r line <&3 || fail "no file list"; done
prev=-1
for i in $(seq 100); do
	now=$(find "$S/MIGSTATE/File" -type f 2>/dev/null | wc -l)
	[ "$now" = "$prev" ] && [ "$now" -gt 1024 ] && break
	prev=$now
	sleep 0.1
done
kill -TERM "$SCAN"
exec 3<&-
rc=0
wait "$SCAN" || rc=$?
assert_eq 2 "$rc" "SIGTERM during a two-thread capture ($(cat "$WORK/stopped.out"))"
assert_eq scanning "$(store_state "$S")" "the stopped store is incomplete"
"$CATDUMP" "$S" partial >"$WORK/partial" || fail "catalog.partial unreadable"
n=$(awk -F '\t' 'NF >= 13 && $1 == "file"' "$WORK/partial" | wc -l)
[ "$n" -ge 1 ] && [ "$n" -lt 10800 ] || fail "partial catalog holds $n files"
awk -F '\t' 'NF >= 13 && $1 == "file" && $2 == "linked" { print $13 }' "$WORK/partial" >"$WORK/partial.files"
sed "s|^|$R|" "$WORK/partial.files" | xargs -d '\n' stat -c %i >"$WORK/partial.orig"
sed "s|^|$S/MIGSTATE/File|" "$WORK/partial.files" | xargs -d '\n' stat -c %i >"$WORK/partial.store" ||
	fail "partial records without payload"
cmp -s "$WORK/partial.orig" "$WORK/partial.store" || fail "partial records whose payload is not the original"
expect_rc 0 "$MIGSTATE" scan "$S" -o --plan "$WORK/p.plan" --root "$R" --hardlink --nocompress --min-free 1 --log /dev/null
assert_eq complete "$(store_state "$S")" "-o after the stop"
expect_rc 0 "$MIGSTATE" rd "$S" -y
assert_no_path "$S"
assert_eq 1 "$(nlink "$R/home/bob/d44/f44")" "an original keeps its one name after rd"

# a hostile user while both threads link: bob swaps his files for symlinks to a root
# secret and for hard links to it back and forth during the capture. Neither thread
# may ever link the secret: each links only the inode it opened and checked by fd.
echo "root secret" >"$R/etc/secret"
chmod 0600 "$R/etc/secret"
"$MIGSTATE" scan "$R/hostile" --plan "$WORK/p.plan" --root "$R" --hardlink --nocompress \
	--min-free 1 --log "$WORK/hostile.log" >"$WORK/hostile.out" 2>&1 &
SCAN=$!
at_exit "kill -9 $SCAN 2>/dev/null"
setpriv --reuid=1002 --regid=1002 --clear-groups sh -c '
	while kill -0 '"$SCAN"' 2>/dev/null; do
		for d in 10 20 30 40 50; do
			f='"$R"'/home/bob/d$d/f$d
			mv "$f" "$f.away" 2>/dev/null && ln -s /etc/secret "$f" 2>/dev/null
			ln '"$R"'/etc/secret "$f.hl" 2>/dev/null
			rm -f "$f" "$f.hl"; mv "$f.away" "$f" 2>/dev/null
		done
	done' 2>/dev/null || true
rc=0
wait "$SCAN" || rc=$?
case $rc in 0 | 3) ;; *) fail "scan under a hostile user exited $rc: $(cat "$WORK/hostile.out")" ;; esac
[ -z "$(find "$R/hostile" -samefile "$R/etc/secret" 2>/dev/null)" ] || fail "the root secret was linked into the store"
! grep -rqs "root secret" "$R/hostile/MIGSTATE/File" || fail "the root secret's bytes are in the store"
expect_rc 0 "$MIGSTATE" rd "$R/hostile" -y
assert_eq 1 "$(nlink "$R/etc/secret")" "the secret keeps its one name"

# the second thread did run (and MIGSTATE_WORKERS=0 kept it away), seen from the kernel
threads() { strace -f -qq -e trace=clone,clone3 -o "$WORK/clone.txt" "$@" >/dev/null 2>&1; grep -c clone "$WORK/clone.txt" || true; }
one=$(MIGSTATE_WORKERS=0 threads "$MIGSTATE" scan "$R/four" --plan "$WORK/p.plan" --root "$R" --hardlink --nocompress --min-free 1 --log /dev/null)
two=$(threads "$MIGSTATE" scan "$R/three" --plan "$WORK/p.plan" --root "$R" --hardlink --nocompress --min-free 1 --log /dev/null)
[ "$two" -gt "$one" ] || fail "no second thread started ($two clones; $one with MIGSTATE_WORKERS=0)"
echo "ok"
