#!/usr/bin/env bash
# Deep trees with few file descriptors (issue 15, defect 9).
#   - 10,000 nested directories (20 KB of path, far beyond PATH_MAX) in alice's home, a
#     file at depth 1, 5,000 and at the bottom. With soft = hard = 1024 open files, scan
#     (hard-link store, copy store, and with -c), verify, du, load (hard links: the
#     restored bottom file is the store's inode; copies: the same bytes) and rd all
#     succeed: every walk keeps a bounded number of directories open (fdstack.h), not one
#     per level.
#   - A "too many open files" (EMFILE, injected into openat by the fault shim) is reported
#     as what it is, with exit 72, by scan (even with -c) and rd: never as a directory
#     that holds "something that is not ours" (rd's 35).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 512m
mk_system "$R"
DEPTH=10000

# deep.py build DIR: DEPTH directories "d" below DIR/deep, files at depth 1, 5000 and
# DEPTH; deep.py show DIR: "INODE CONTENT" of each of those files (by directory fds).
cat >"$WORK/deep.py" <<'PY'
import os, sys
verb, top, depth = sys.argv[1], sys.argv[2], int(sys.argv[3])
marks = (1, depth // 2, depth)
fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
if verb == "build":
    os.mkdir("deep", 0o750, dir_fd=fd)
    os.chown("deep", 1001, 1001, dir_fd=fd, follow_symlinks=False)
nfd = os.open("deep", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
os.close(fd)
fd = nfd
for i in range(1, depth + 1):
    if verb == "build":
        os.mkdir("d", 0o750, dir_fd=fd)
        os.chown("d", 1001, 1001, dir_fd=fd, follow_symlinks=False)
    nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
    os.close(fd)
    fd = nfd
    if i in marks:
        if verb == "build":
            f = os.open("f", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640, dir_fd=fd)
            os.write(f, b"file at depth %d\n" % i)
            os.close(f)
            os.chown("f", 1001, 1001, dir_fd=fd)
        else:
            st = os.stat("f", dir_fd=fd, follow_symlinks=False)
            f = os.open("f", os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
            print(st.st_ino, os.read(f, 100).decode().strip())
            os.close(f)
PY
python3 "$WORK/deep.py" build "$R/home/alice" $DEPTH
put "$R/home/bob/em/a/b/c/file.txt" 1002:1002 0644 "2020-01-01 00:00:00" "bob's file"
ORIG=$(python3 "$WORK/deep.py" show "$R/home/alice" $DEPTH)
assert_eq 3 "$(grep -c 'file at depth' <<<"$ORIG")" "the deep tree's files"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan

# few() CMD...: run CMD with soft = hard = 1024 open files and a 2 MiB stack, a
# quarter of the default: no walk may hold a descriptor or a stack frame per level
# (exit code in $RC, output in $OUT)
few() {
	RC=0
	OUT=$( (ulimit -Sn 1024 && ulimit -Hn 1024 && ulimit -s 2048 && "$@") 2>&1) || RC=$?
}
ok() { # ok WHAT: the last few() succeeded
	[ "$RC" = 0 ] || fail "$1 exited $RC with 1024 descriptors: $(tail -c 2000 <<<"$OUT")"
}

# --- capture, check --------------------------------------------------------------------
S=$R/store
few "$MIGSTATE" scan "$S" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 \
	--log "$WORK/scan.log"
ok "scan --hardlink"
few "$MIGSTATE" verify "$S"
ok "verify of the hard-link store"
few "$MIGSTATE" du "$S"
ok "du of the hard-link store"
[ "$(python3 "$WORK/deep.py" show "$S/MIGSTATE/File/home/alice" $DEPTH)" = "$ORIG" ] ||
	fail "the hard-link store's deep payloads are not the originals' inodes"
SC=$R/copystore
few "$MIGSTATE" scan "$SC" --plan "$P" --root "$R" --nocompress --min-free 1 --log "$WORK/scan2.log"
ok "scan (copy)"
few "$MIGSTATE" verify "$SC"
ok "verify of the copy store"
SK=$R/contstore
few "$MIGSTATE" scan "$SK" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 -c \
	--log "$WORK/scan3.log"
ok "scan -c"
few "$MIGSTATE" rd "$SK" -y
ok "rd of the -c store"
assert_no_path "$SK"

# --- restore: hard links here, copies into a fresh root ------------------------------------
wipe_homes "$R"
few "$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress --log "$WORK/load.log"
ok "load --hardlink"
[ "$(python3 "$WORK/deep.py" show "$R/home/alice" $DEPTH)" = "$ORIG" ] ||
	fail "load --hardlink: the deep files are not the captured inodes"
few "$MIGSTATE" verify "$S"
ok "verify after load"
R2=$WORK/fresh
mk_tmpfs "$R2" 256m
mk_system "$R2"
rm -rf "$R2/home/alice" "$R2/home/bob"
few "$MIGSTATE" load "$SC" --plan "$P" --root "$R2" --nocompress --log "$WORK/load2.log"
ok "load (copy) into a fresh root"
NOW=$(python3 "$WORK/deep.py" show "$R2/home/alice" $DEPTH)
assert_eq "$(cut -d' ' -f2- <<<"$ORIG")" "$(cut -d' ' -f2- <<<"$NOW")" "the copied deep files"

# --- removal -------------------------------------------------------------------------------
few "$MIGSTATE" rd "$SC" -y
ok "rd of the copy store"
assert_no_path "$SC"
few "$MIGSTATE" rd "$S" -y
ok "rd of the hard-link store"
assert_no_path "$S"
[ "$(python3 "$WORK/deep.py" show "$R/home/alice" $DEPTH)" = "$ORIG" ] || fail "rd changed the users' files"

# --- too many open files: said so, exit 72 -------------------------------------------------
# openat fails with EMFILE (24) where the walks open bob's em/a/b
if fi_try_init; then
	SE=$R/emstore
	fi_run "openat:1+:24:/home/bob/em/a/b" "$WORK/fi.log" "$MIGSTATE" scan "$SE" --plan "$P" \
		--root "$R" --hardlink --nocompress --min-free 1 -c --log "$WORK/scan-em.log"
	[ -n "$(fi_fired "$WORK/fi.log")" ] || fail "scan: the shim never fired"
	assert_eq 72 "$RC" "scan -c with too many open files: $OUT"
	grep -qi "too many open files" "$WORK/scan-em.log" || fail "scan: no 'too many open files' in the log"
	rm -rf "$SE"
	few "$MIGSTATE" scan "$SE" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 \
		--log "$WORK/scan-em2.log"
	ok "scan for the EMFILE rd"
	for verb in verify du; do
		fi_run "openat:1+:24:/MIGSTATE/File/home/bob/em/a/b" "$WORK/fi.log" "$MIGSTATE" $verb "$SE"
		[ -n "$(fi_fired "$WORK/fi.log")" ] || fail "$verb: the shim never fired"
		assert_eq 72 "$RC" "$verb with too many open files: $OUT"
		assert_contains "$OUT" "too many open files" "$verb says why"
	done
	fi_run "openat:1+:24:/MIGSTATE/File/home/bob/em/a/b" "$WORK/fi.log" "$MIGSTATE" rd "$SE" -y
	[ -n "$(fi_fired "$WORK/fi.log")" ] || fail "rd: the shim never fired"
	assert_eq 72 "$RC" "rd with too many open files: $OUT"
	assert_contains "$OUT" "Too many open files" "rd"
	case "$OUT" in *"not ours"*) fail "rd calls EMFILE something not ours: $OUT" ;; esac
	few "$MIGSTATE" rd "$SE" -y
	ok "rd once descriptors are there again"
	assert_no_path "$SE"
else
	note "the EMFILE part is skipped: $FI_WHY"
fi
