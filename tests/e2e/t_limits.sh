#!/usr/bin/env bash
# Limits of names and paths.
#   - A path longer than PATH_MAX (24 directories of 200-byte names: about 4.9 KB) is
#     captured (a hard link and a copy store), verified, restored and removed: every
#     step works through directory fds, never through the whole path.
#   - A 255-byte name (NAME_MAX) goes and comes back.
#   - Names that are not UTF-8 ($'\xff\xfe.txt', Latin-1 bytes) and names holding a
#     newline, a tab or an escape character are stored and restored byte for byte, and
#     are printed escaped (\xNN) wherever migstate prints names: the log, --listfiles,
#     and --json (which stays valid JSON).
# A file at its link limit (EMLINK) is copied instead of linked: t_fs_ext4 / t_fs_xfs /
# t_fs_btrfs (fs_lib.sh) make real ones; t_fault_matrix injects EMLINK into link and
# mkdir. Not repeated here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
rt_helper catdump >/dev/null
CATDUMP=$(rt_helper catdump)
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 64m
mk_system "$R"
fill_homes "$R"
A=$R/home/alice
# the deep tree, made through directory fds (no path of it fits in PATH_MAX)
python3 - "$A" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
total = len(sys.argv[1])
for i in range(24):
    name = ("%02d-" % i) + "d" * 197
    os.mkdir(name, 0o750, dir_fd=fd)
    os.chown(name, 1001, 1001, dir_fd=fd, follow_symlinks=False)
    nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
    total += 1 + len(name)
    if i == 11:
        f = os.open("middle.txt", os.O_WRONLY | os.O_CREAT, 0o640, dir_fd=fd)
        os.write(f, b"halfway down\n")
        os.close(f)
        os.chown("middle.txt", 1001, 1001, dir_fd=fd)
f = os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
os.write(f, b"at the bottom, %d bytes down\n" % total)
os.close(f)
os.chown("bottom.txt", 1001, 1001, dir_fd=fd)
assert total > 4096, total
PY
deep_logical() { # the logical path of the deepest directory
	local p=/home/alice i
	for i in $(seq -w 0 23); do p+="/$i-$(printf 'd%.0s' $(seq 197))"; done
	echo "$p"
}
DEEP=$(deep_logical)
[ ${#DEEP} -gt 4096 ] || fail "the deep path is only ${#DEEP} bytes"
# names: NAME_MAX, not UTF-8, control characters
LONG=$(printf 'n%.0s' $(seq 251)).txt
put "$A/names/$LONG" 1001:1001 0644 "2020-01-01 00:00:00" "the longest name"
put "$A/names/"$'\xff\xfe.txt' 1001:1001 0644 "2020-01-02 00:00:00" "not utf-8"
put "$A/names/caf"$'\xe9'" latin1.txt" 1001:1001 0644 "2020-01-03 00:00:00" "latin-1"
put "$A/names/two"$'\n'"lines.txt" 1001:1001 0644 "2020-01-04 00:00:00" "newline"
put "$A/names/tab"$'\t'"and"$'\x1b'"esc.txt" 1001:1001 0644 "2020-01-05 00:00:00" "control"
mkdir "$A/names/"$'\xff\n' # (put's $(dirname) would drop the trailing newline)
put "$A/names/"$'\xff\n'"/inner.txt" 1001:1001 0644 "2020-01-06 00:00:00" "inside an odd directory"
rmdir "$A/names/"$'\xff' # what put's mkdir -p made of it
chown 1001:1001 "$A/names" "$A/names/"$'\xff\n'
ln -s $'\xff\xfe.txt' "$A/names/link-to-odd" && chown -h 1001:1001 "$A/names/link-to-odd"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
ORIG=$(xmanifest "$R/home")
S=$R/store

# --- capture ---------------------------------------------------------------------------
expect_rc 0 "$MIGSTATE" scan "$S" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 \
	--log "$WORK/scan.log" --listfiles "$WORK/list" --verbose 4 --json
SCAN_JSON=$OUT
expect_rc 0 "$MIGSTATE" verify "$S"
"$CATDUMP" "$S" paths >"$WORK/paths"
grep -qF "$DEEP/bottom.txt" "$WORK/paths" || fail "the deep file is not in the catalog"
grep -qF "/home/alice/names/$LONG" "$WORK/paths" || fail "the long name is not in the catalog"
# the payload beneath the store: the same inode at the same (deep) logical path
python3 - "$A" "$S/MIGSTATE/File/home/alice" <<'PY' || fail "deep payload"
import os, sys
def down(p):
    fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY)
    for i in range(24):
        nfd = os.open(("%02d-" % i) + "d" * 197, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        os.close(fd)
        fd = nfd
    return os.stat("bottom.txt", dir_fd=fd, follow_symlinks=False)
a, b = down(sys.argv[1]), down(sys.argv[2])
sys.exit(0 if (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev) else 1)
PY
for n in $'\xff\xfe.txt' "caf"$'\xe9'" latin1.txt" "two"$'\n'"lines.txt" "tab"$'\t'"and"$'\x1b'"esc.txt" \
	$'\xff\n'"/inner.txt"; do
	same_inode "$A/names/$n" "$S/MIGSTATE/File/home/alice/names/$n" || fail "not linked: $(printf %q "$n")"
done

# --- names are printed escaped ---------------------------------------------------------
no_raw() { # no_raw FILE WHAT: no byte of an odd name appears raw
	! LC_ALL=C grep -q $'\xff\|\xe9\|\x1b\|\t' "$1" || fail "$2: raw bytes of a name"
	! LC_ALL=C grep -q '^lines.txt' "$1" || fail "$2: a newline of a name printed raw"
}
no_raw "$WORK/list" "--listfiles"
no_raw "$WORK/scan.log" "the scan log"
grep -qF 'names/\xff\xfe.txt' "$WORK/list" || fail "--listfiles: no escaped name ($(grep names "$WORK/list"))"
grep -qF 'names/\xff\xfe.txt' "$WORK/scan.log" || fail "log: no escaped name"
grep -qF 'two\x0alines.txt' "$WORK/list" || fail "--listfiles: the newline is not escaped"
# one line per captured non-directory, even with newlines in names
assert_eq "$("$CATDUMP" "$S" | awk -F '\t' 'NF >= 13 && $1 != "dir"' | wc -l)" "$(grep -c . "$WORK/list")" \
	"--listfiles has one line per object"
echo "$SCAN_JSON" | python3 -c 'import json,sys; json.load(sys.stdin)' || fail "scan --json is not JSON"
# verify --json names them: remove the payload of two odd names
rm "$S/MIGSTATE/File/home/alice/names/"$'\xff\xfe.txt' "$S/MIGSTATE/File/home/alice/names/two"$'\n'"lines.txt"
RC=0
"$MIGSTATE" verify "$S" --json >"$WORK/verify.json" 2>/dev/null || RC=$?
assert_eq 42 "$RC" "verify of a store missing two entries"
python3 - "$WORK/verify.json" <<'PY' || fail "verify --json: $(cat "$WORK/verify.json")"
import json, os, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
# bytes that are not UTF-8 come as lone surrogates (\udcXX, as Python's surrogateescape):
# os.fsencode gives the exact bytes back; control characters as \u00XX
miss = sorted(os.fsencode(m["path"]) for m in d["missing"])
assert miss == [b"/home/alice/names/two\nlines.txt", b"/home/alice/names/\xff\xfe.txt"], miss
PY
no_raw "$WORK/verify.json" "verify --json"
# put them back (the same inodes) for the rest
ln "$A/names/"$'\xff\xfe.txt' "$S/MIGSTATE/File/home/alice/names/"$'\xff\xfe.txt'
ln "$A/names/two"$'\n'"lines.txt" "$S/MIGSTATE/File/home/alice/names/two"$'\n'"lines.txt"
expect_rc 0 "$MIGSTATE" verify "$S"

# --- restore: hard links and copies -----------------------------------------------------
SC=$R/copystore
expect_rc 0 "$MIGSTATE" scan "$SC" --plan "$P" --root "$R" --nocompress --min-free 1 --log "$WORK/scan2.log"
expect_rc 0 "$MIGSTATE" verify "$SC"
for mode in hardlink copy; do
	wipe_homes "$R"
	args=(--nocompress)
	store=$SC
	[ $mode = hardlink ] && args+=(--hardlink) && store=$S
	expect_rc 0 "$MIGSTATE" load "$store" --plan "$P" --root "$R" "${args[@]}" --log "$WORK/load.log"
	now=$(xmanifest "$R/home")
	[ "$now" = "$ORIG" ] || {
		diff <(echo "$ORIG") <(echo "$now") | head >&2 || true
		fail "load ($mode): not restored byte for byte"
	}
	no_raw "$WORK/load.log" "the load log ($mode)"
done

# --- removal ------------------------------------------------------------------------------
expect_rc 0 "$MIGSTATE" rd "$S" -y
expect_rc 0 "$MIGSTATE" rd "$SC" -y
assert_no_path "$S"
assert_no_path "$SC"
[ "$(xmanifest "$R/home")" = "$ORIG" ] || fail "rd changed the users' files"
