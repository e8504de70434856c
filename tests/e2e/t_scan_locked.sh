#!/usr/bin/env bash
# Locked files. "Locked by the OS" (immutable, append-only: link() fails with EPERM) are
# copied into the master store. "Locked by an application" (a lock another process
# holds: flock, POSIX, OFD; with --in-use writers also a file open for writing) is the
# file-in-use error (EBUSY) unless HardLinkStoreControl says createHardLink (linked
# anyway) or errorHardLink (copied); the error goes through ErrorControl (first match;
# nonFatal skips, fatal stops even with --continue), then --continue (exit 3), else the
# scan stops (61) before any store is written.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
need_root
need_cmd chattr
T=$(mk_tmpdir)
R=$T/root
mk_ext4 "$R" 32
mk_system "$R"
mkdir -p "$R/data/link"
echo normal >"$R/data/normal.txt"
echo frozen >"$R/data/immutable.txt"
echo log >"$R/data/append.log"
echo db >"$R/data/locked.db"
echo held >"$R/data/link/held.db"
chattr +i "$R/data/immutable.txt"
chattr +a "$R/data/append.log"
at_exit "chattr -i '$R/data/immutable.txt'; chattr -a '$R/data/append.log'"
LOCKHOLD=$(helper lockhold)
cd "$T"

# hold FILE MODE: start a lock holder, wait until it holds the lock; its pid in HOLDER.
hold() {
	rm -f "$T/ready"
	"$LOCKHOLD" "$2" "$1" "$T/ready" &
	HOLDER=$!
	at_exit "kill $HOLDER"
	local i
	for i in $(seq 100); do [ -e "$T/ready" ] && return 0; sleep 0.05; done
	fail "lock holder did not start"
}
release() { kill "$HOLDER"; wait "$HOLDER" 2>/dev/null || true; }

system_policy "$T/data.xml" 'C:\data\* [*]'
compile_plan "$T/plain.plan" "$T/data.xml"
# config FILE BODY: a Config.xml with BODY inside <Policies>, compiled to FILE.plan
config() {
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<Configuration><Policies>%s</Policies></Configuration>\n' "$2" >"$T/$1.xml"
	compile_plan "$T/$1.plan" "$T/data.xml" "$T/$1.xml"
}
config create '<HardLinkStoreControl><fileLocked><createHardLink>C:\data\link\* [*]</createHardLink><errorHardLink>C:\data\* [*]</errorHardLink></fileLocked></HardLinkStoreControl>'
config errorhl '<HardLinkStoreControl><fileLocked><errorHardLink>C:\* [*]</errorHardLink></fileLocked></HardLinkStoreControl>'
config nonfatal '<ErrorControl><fileError><nonFatal errorCode="5">* [*]</nonFatal><nonFatal errorCode="32">C:\data\* [*]</nonFatal></fileError></ErrorControl>'
config fatal '<ErrorControl><fileError><fatal errorCode="any">C:\data\* [*]</fatal><nonFatal>* [*]</nonFatal></fileError></ErrorControl>'
config other '<ErrorControl><fileError><nonFatal errorCode="5">C:\data\* [*]</nonFatal></fileError></ErrorControl>'
scan() { # scan STORE PLAN [ARGS...]
	local s=$1 p=$2
	shift 2
	"$MIGSTATE" scan "$R/$s" --plan "$T/$p.plan" --hardlink --nocompress --root "$R" --min-free 1 \
		--log "$T/$s.log" "$@"
}

# --- locked by the OS: copied -------------------------------------------------------------
expect_rc 0 scan s0 plain
S=$R/s0/MIGSTATE/File
same_inode "$R/data/normal.txt" "$S/data/normal.txt" || fail "normal file linked"
for f in immutable.txt append.log; do
	same_inode "$R/data/$f" "$S/data/$f" && fail "$f linked"
	cmp -s "$R/data/$f" "$S/data/$f" || fail "$f copy content"
	assert_eq copied "$(cat_field "$R/s0" /data/$f 2)" "$f action"
	assert_eq 2 "$(cat_field "$R/s0" /data/$f 3)" "$f flags (immutable)"
done
lsattr -d "$S/data/immutable.txt" | cut -c1-20 | grep -q i && fail "the copy must not be immutable"

# --- locked by an application ---------------------------------------------------------------
hold "$R/data/locked.db" flock
expect_rc 61 scan s1 plain
assert_contains "$OUT" "in use (locked by another process)" "61 message"
assert_contains "$OUT" "/data/locked.db" "61 names the file"
assert_no_path "$R/s1"
grep -q 'stopping (no ErrorControl rule, no --continue)' "$T/s1.log" || fail "s1 log"

expect_rc 3 scan s2 plain --continue
assert_no_path "$R/s2/MIGSTATE/File/data/locked.db"
catalog_files "$R/s2" | grep -q locked.db && fail "skipped file in the catalog"
same_inode "$R/data/normal.txt" "$R/s2/MIGSTATE/File/data/normal.txt" || fail "s2 others captured"
grep -q 'locked.db: Device or resource busy: skipped (--continue)' "$T/s2.log" || fail "s2 log"
assert_eq complete "$(store_state "$R/s2")" "exit 3 store complete"

# createHardLink for /data/link, errorHardLink for the rest of /data
release
hold "$R/data/link/held.db" posix
expect_rc 0 scan s3 create
same_inode "$R/data/link/held.db" "$R/s3/MIGSTATE/File/data/link/held.db" || fail "createHardLink: linked"
assert_eq 4 "$(cat_field "$R/s3" /data/link/held.db 3)" "locked flag"
release
hold "$R/data/locked.db" ofd
expect_rc 0 scan s4 create
same_inode "$R/data/locked.db" "$R/s4/MIGSTATE/File/data/locked.db" && fail "errorHardLink: must copy"
cmp -s "$R/data/locked.db" "$R/s4/MIGSTATE/File/data/locked.db" || fail "errorHardLink copy"
assert_eq copied "$(cat_field "$R/s4" /data/locked.db 2)" "errorHardLink action"
expect_rc 0 scan s5 errorhl
assert_eq copied "$(cat_field "$R/s5" /data/locked.db 2)" "errorHardLink C:\\* action"

# ErrorControl: first match; nonFatal skips (exit 0), fatal beats --continue, a rule for
# another error code does not apply
expect_rc 0 scan s6 nonfatal
catalog_files "$R/s6" | grep -q locked.db && fail "nonFatal: skipped"
grep -q 'ErrorControl nonFatal rule at .*nonfatal.xml' "$T/s6.log" || fail "s6 log: $(cat "$T/s6.log")"
expect_rc 61 scan s7 fatal --continue
assert_contains "$OUT" "ErrorControl fatal rule" "fatal message"
assert_no_path "$R/s7"
expect_rc 61 scan s8 other
expect_rc 3 scan s9 other -c

# --in-use writers: a file open for writing by another process is in use too
release
expect_rc 0 scan s10 plain
hold "$R/data/locked.db" write
expect_rc 0 scan s11 plain
expect_rc 61 scan s12 plain --in-use writers
assert_contains "$OUT" "open for writing by another process" "writers message"
release

# --- the link limit: a file with 65000 names (ext4's maximum) cannot get one more ------------
echo many >"$R/data/many.txt"
mkdir "$R/farm"
python3 - "$R/data/many.txt" "$R/farm" <<'PY'
import errno, os, sys
src, farm = sys.argv[1], sys.argv[2]
i = 0
while True:
    try:
        os.link(src, "%s/%d" % (farm, i))
    except OSError as e:
        if e.errno != errno.EMLINK:
            raise
        break
    i += 1
PY
nl=$(nlink "$R/data/many.txt")
note "many.txt has $nl links"
expect_rc 0 scan s13 plain
assert_eq copied "$(cat_field "$R/s13" /data/many.txt 2)" "EMLINK: copied"
same_inode "$R/data/many.txt" "$R/s13/MIGSTATE/File/data/many.txt" && fail "EMLINK: linked?"
cmp -s "$R/data/many.txt" "$R/s13/MIGSTATE/File/data/many.txt" || fail "EMLINK copy content"
assert_eq "$nl" "$(nlink "$R/data/many.txt")" "link count untouched"
