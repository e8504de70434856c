#!/usr/bin/env bash
# Fault injection without touching the runtime: tests/helpers/faultinject.c, preloaded,
# makes the first, a middle or the last call of linkat, openat, openat2, mkdirat,
# renameat, renameat2, unlinkat, statx, fstatat, read, write, pread, pwrite, copy_file_range,
# fsync, fchownat or futimens fail with ENOSPC, EIO, EXDEV, EMLINK, EPERM, EACCES,
# ENAMETOOLONG, EBUSY, EROFS or EINTR while scan, load or rd runs on a small system of
# two users and two volumes (a second tmpfs at /srv gets a per-volume store). After
# every fault:
#   - the exit code is documented, and 0 only when nothing was lost;
#   - EINTR from a read, write, copy or fsync, and from a link, mkdir or rename, is
#     retried: exit 0 and a complete store (or restore), each at the first, a middle
#     and the last call;
#   - a failure names the file (or the store) it happened on;
#   - the users' files are byte-for-byte what they were (content, owner, mode, mtime);
#   - the store says what it is: a scan that failed leaves it "scanning" (load refuses
#     it), a failed load leaves it complete and its payload untouched, a failed rd
#     leaves it recognisable ("removing" or "complete", catalog kept);
#   - a rerun without the fault (scan -o, load, rd) finishes the job, losing nothing.
# The points are taken from a counting run (the shim's "count" action), so every
# fault really fires; errnos rotate over the first, middle and last call.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
fi_init
rt_helper catdump >/dev/null
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 64m
mk_system "$R"
fill_homes "$R"
mk_tmpfs "$R/srv" 16m
for i in 1 2 3 4 5 6; do
	put "$R/home/alice/Pictures/p$i.raw" 1001:1001 0640 "2020-02-0$i 10:00:00" "alice picture $i $(seq -s. 1 $((i * 300)))"
	put "$R/home/bob/src/m$((i % 2))/f$i.c" 1002:1002 0644 "2021-03-0$i 11:00:00" "int f$i;"
done
put "$R/srv/www/index.html" 0:0 0644 "2019-01-01 01:01:01" "<html>"
put "$R/srv/www/data/db.bin" 33:33 0600 "2019-01-02 01:01:01" "binary $(seq -s, 1 500)"
chown 1001:1001 "$R/home/alice/Pictures"
chown -R 1002:1002 "$R/home/bob/src"
# a sparse file: copies keep it equal
truncate -s 3M "$R/home/bob/disk.img" && printf 'head' | dd of="$R/home/bob/disk.img" conv=notrunc 2>/dev/null
chown 1002:1002 "$R/home/bob/disk.img"
policy "$WORK/p.xml" "$SRV_COMPONENT"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$R/store
VS=$R/srv/store # the per-volume store of /srv
FLOG=$WORK/fault.log
sources() { xmanifest -s store "$R/home" "$R/srv"; }
ORIG=$(sources)
CASES=0
PRE= # a rule put before every case's rule (and before the counting run's)

# checks -------------------------------------------------------------------------------

# named LOG: the output or LOG names the file of the fault (either path of the call, by
# its last component) or the store.
named() {
	local text p b
	text="$OUT
$(cat "$1" 2>/dev/null)"
	while read -r p; do
		b=${p##*/}
		[ -n "$b" ] || continue
		case "$text" in *"$b"*) return 0 ;; esac
		# a temporary name: the message names the object in that directory
		case "$b" in .migstate-* | .migtmp.*)
			p=${p%/*}
			case "$text" in *"${p#"$R"}/"*) return 0 ;; esac ;;
		esac
	done < <(fi_fired "$FLOG" | sed 's/ -> .*//' | tr ' ' '\n' | grep '^/')
	case "$text" in *"$S"* | *"/store"*) return 0 ;; esac
	return 1
}

same_as_orig() { # same_as_orig WHAT [MANIFEST]: the users' files are as they were
	local now=${2:-$(sources)}
	[ "$now" = "$ORIG" ] || {
		diff <(echo "$ORIG") <(echo "$now") | head -20 >&2 || true
		fail "$1"
	}
}

# the same, but directory mtimes not compared (see load below)
no_dir_times() { awk '$2 ~ /^4/ { $6 = "-" } { print }'; }

fired() { # fired WHAT: the fault must have been injected
	[ -n "$(fi_fired "$FLOG")" ] || fail "$1: the fault never fired ($(cat "$FLOG"))"
}

# --- the three verbs: set-up, run, checks, rerun ----------------------------------------
MODE=link
opts() { [ "$MODE" = link ] && echo --hardlink --nocompress || echo --nocompress; }

# scan: a fresh store each time; sources never change
setup_scan() { rm -rf "$S" "$VS"; }
run_scan() { "$MIGSTATE" scan "$S" --plan "$P" --root "$R" $(opts) --min-free 1 --log "$WORK/v.log"; }
check_scan() { # WHAT ERR
	case $RC in
	0)
		[ "$(store_state "$S")" = complete ] || fail "$1: exit 0 but the store is not complete"
		expect_rc 0 "$MIGSTATE" verify "$S"
		[ "$(cat_paths "$S")" = "$EXPECT" ] || fail "$1: exit 0 but the catalog lost files"
		;;
	27 | 29 | 34 | 39 | 61 | 71 | 72)
		[ "$2" != EINTR ] || fail "$1: EINTR must be retried, got exit $RC: $OUT"
		named "$WORK/v.log" || fail "$1: exit $RC without naming the file: $OUT"
		if [ -e "$S/MIGSTATE" ]; then
			[ "$(store_state "$S" 2>/dev/null)" != complete ] ||
				fail "$1: exit $RC but the store says complete"
			expect_rc 27 "$MIGSTATE" load "$S" --plan "$P" --root "$R" $(opts) --log "$WORK/refused.log"
			local vrc=0
			"$MIGSTATE" verify "$S" >/dev/null 2>&1 || vrc=$?
			case $vrc in 27 | 42) ;; *) fail "$1: verify of the incomplete store exited $vrc" ;; esac
		fi
		;;
	*) fail "$1: undocumented exit $RC: $OUT" ;;
	esac
}
rerun_scan() { # WHAT
	local o=()
	[ -e "$S" ] && o=(-o)
	expect_rc 0 "$MIGSTATE" scan "$S" "${o[@]}" --plan "$P" --root "$R" $(opts) --min-free 1 --log "$WORK/re.log"
	expect_rc 0 "$MIGSTATE" verify "$S"
	[ "$(cat_paths "$S")" = "$EXPECT" ] || fail "$1: the rerun's catalog differs"
	no_temps "$S" "$VS"
	# the one check of the sources: scan never writes them, so a change made by the
	# faulty run would still be here
	same_as_orig "$1: the users' files changed"
}

# load: a complete store (made once), homes and /srv wiped each time
wipe() { rm -rf "$R/home/alice" "$R/home/bob" "$R/srv/www"; }
setup_load() { wipe; }
run_load() { "$MIGSTATE" load "$S" --plan "$P" --root "$R" $(opts) --log "$WORK/v.log"; }
check_load() { # WHAT ERR
	# one walk for the restored files and the store's payload (-s store: the volume
	# store inside /srv is left out there, and walked as a root of its own)
	local all
	all=$(xmanifest -s store "$R/home" "$R/srv" "$S/MIGSTATE/File" "$VS/MIGSTATE/File")
	case $RC in
	0)
		# Directory times are set last and best effort (fix_dir_times ignores a failure
		# to open or stamp a directory); the rerun sets them. Everything else must be
		# there after exit 0.
		[ "$(echo "$all" | no_dir_times)" = "$(echo "$ORIG_ALL" | no_dir_times)" ] || {
			diff <(echo "$ORIG_ALL") <(echo "$all") | head >&2 || true
			fail "$1: exit 0 but not everything was restored (or the store changed)"
		} ;;
	3 | 27 | 34 | 39 | 61 | 71 | 72)
		[ "$2" != EINTR ] || fail "$1: EINTR must be retried, got exit $RC: $OUT"
		named "$WORK/v.log" || fail "$1: exit $RC without naming the file: $OUT"
		[ "$(echo "$all" | sed -n "/^== File\$/,\$p")" = "$(echo "$ORIG_ALL" | sed -n "/^== File\$/,\$p")" ] ||
			fail "$1: the store's payload changed" ;;
	*) fail "$1: undocumented exit $RC: $OUT" ;;
	esac
	[ "$(store_state "$S")" = complete ] || fail "$1: the store is no longer complete"
}
rerun_load() {
	RC=0
	OUT=$("$MIGSTATE" load "$S" --plan "$P" --root "$R" $(opts) --log "$WORK/re.log" 2>&1) || RC=$?
	[ "$RC" = 0 ] || fail "$1: the rerun exited $RC: $OUT"
	same_as_orig "$1: the rerun did not restore everything"
	no_temps "$R/home" "$R/srv"
}

# rd: a fresh store each time (the sources are what load would have restored)
setup_rd() {
	rm -rf "$S" "$VS"
	"$MIGSTATE" scan "$S" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 \
		--log "$WORK/scan.log" >/dev/null 2>&1 || fail "scan for rd"
}
run_rd() { "$MIGSTATE" rd "$S" -y; }
check_rd() {
	case $RC in
	0) assert_no_path "$S" ; assert_no_path "$VS" ;;
	27 | 34 | 35 | 71 | 72)
		[ "$2" != EINTR ] || fail "$1: EINTR must be retried, got exit $RC: $OUT"
		named /dev/null || fail "$1: exit $RC without naming the file: $OUT"
		[ -d "$S/MIGSTATE" ] || fail "$1: exit $RC but the store is unrecognisable"
		if [ ! -e "$S/MIGSTATE/store.id" ]; then
			# stopped at the very end: store.id goes last, so nothing else is left (an
			# empty MIGSTATE reads as an interrupted creation, which rd removes)
			[ -z "$(ls -A "$S/MIGSTATE")" ] || fail "$1: store.id gone before the rest: $(ls -A "$S/MIGSTATE")"
		else
			case "$(store_state "$S")" in removing | complete) ;; *) fail "$1: state $(store_state "$S")" ;; esac
			[ -f "$S/MIGSTATE/catalog" ] || fail "$1: exit $RC but the catalog is gone"
		fi
		;;
	*) fail "$1: undocumented exit $RC: $OUT" ;;
	esac
}
rerun_rd() {
	if [ -e "$S" ]; then
		RC=0
		OUT=$("$MIGSTATE" rd "$S" -y 2>&1) || RC=$?
		[ "$RC" = 0 ] || fail "$1: the rerun exited $RC: $OUT"
	fi
	assert_no_path "$S"
	assert_no_path "$VS"
	same_as_orig "$1: the users' files changed"
}

# matrix VERB "FUNC[:FILTER] ERR..."...: one counting run of VERB for every FUNC, then
# errno i of a FUNC at point i mod 3 (first, middle, last call of the counting run).
matrix() {
	local verb=$1 spec func filter rules="" c n i e p pts what
	shift
	for spec in "$@"; do
		func=${spec%% *} filter=
		[ "${func#*:}" != "$func" ] && filter=${func#*:} && func=${func%%:*}
		rules+="${rules:+,}$func:1:count${filter:+:$filter}"
	done
	"setup_$verb"
	RC=0
	fi_run "${PRE:+$PRE,}$rules" "$FLOG" "run_$verb"
	[ "$RC" = 0 ] || fail "counting run of $verb exited $RC: $OUT"
	c=$(awk '$1 == "count" { print $2, $3 }' "$FLOG")
	for spec in "$@"; do
		func=${spec%% *} filter=
		[ "${func#*:}" != "$func" ] && filter=${func#*:} && func=${func%%:*}
		n=$(echo "$c" | awk -v r="$func:1:count${filter:+:$filter}" '$1 == r { print $2 }')
		[ -n "$n" ] && [ "$n" -gt 0 ] || fail "$verb ($MODE) never calls $func${filter:+ on $filter}"
		pts=(1 $(((n + 1) / 2)) "$n")
		i=0
		for e in ${spec#* }; do
			p=${pts[$((i % 3))]}
			i=$((i + 1))
			what="$verb ($MODE) $func #$p of $n: $e${filter:+ [$filter]}"
			"setup_$verb"
			fi_run "${PRE:+$PRE,}$func:$p:$e${filter:+:$filter}" "$FLOG" "run_$verb"
			fired "$what"
			"check_$verb" "$what" "$e"
			"rerun_$verb" "$what"
			CASES=$((CASES + 1))
		done
	done
}

# --- scan ---------------------------------------------------------------------------------
setup_scan
run_scan >/dev/null 2>&1 || fail "reference scan failed"
EXPECT=$(cat_paths "$S")
[ "$(echo "$EXPECT" | wc -l)" -ge 20 ] || fail "reference catalog too small: $EXPECT"
# both stores closed to everyone but root (t_permissions.sh checks it as another user)
for st in "$S" "$VS"; do
	assert_eq "700 0" "$(stat -c '%a %u' "$st")" "store top $st"
	[ -z "$(find "$st" -type d ! -perm 0700)" ] || fail "directories of $st not 0700"
done

# EINTR is injected where the kernel can return it to migstate: reads, writes, copies and
# fsync (FUSE and NFS, when a signal arrives), and link, mkdir and rename (a FUSE or
# network filesystem interrupted by a signal; scan's handlers use SA_RESTART, but a
# filesystem may still answer EINTR). All are retried (fsutil.c for the metadata
# calls). The open of a regular file is not interrupted on Linux filesystems. An errno
# listed three times lands on the first, a middle and the last call.
MODE=link
matrix scan \
	"linkat:/store/ ENOSPC EIO EXDEV EMLINK EPERM EACCES ENAMETOOLONG EINTR EINTR EINTR" \
	"linkat:/srv/store/ ENOSPC EMLINK EIO" \
	"mkdirat:/store/ ENOSPC EIO EACCES EMLINK ENAMETOOLONG EINTR EINTR EINTR" \
	"openat:/home/ EACCES EIO ENAMETOOLONG" \
	"openat2:/home/ EACCES EIO" \
	"statx:/home/ EIO EACCES ENAMETOOLONG" \
	"renameat:/store/ ENOSPC EIO EXDEV EINTR EINTR EINTR" \
	"write:/store/ ENOSPC EIO EINTR" \
	"read EIO EINTR" \
	"read:/srv/store/MIGSTATE/store.id EIO" \
	"fsync:/store/ EIO ENOSPC EINTR"
MODE=copy
matrix scan \
	"copy_file_range:/store/ ENOSPC EIO EXDEV EINTR" \
	"ficlone:/store/ ENOSPC EIO" \
	"openat:/store/ ENOSPC EACCES EIO" \
	"fsync:/store/ EIO EINTR" \
	"renameat:/store/ ENOSPC EIO EINTR EINTR EINTR" \
	"renameat2:/store/ EINTR EINTR EINTR"
# the read/write fallback: copy_file_range refused (EXDEV) on every call first
PRE="copy_file_range:*:EXDEV"
matrix scan "pread:/home/ EIO EINTR" "pwrite:/store/ ENOSPC EIO EINTR"
PRE=
note "scan: $CASES faults (${SECONDS}s)"

# scan -o over a complete store: the reset's removals and renames fail
MODE=link
setup_scan_o() { :; }
run_scan_o() { "$MIGSTATE" scan "$S" -o --plan "$P" --root "$R" $(opts) --min-free 1 --log "$WORK/v.log"; }
check_scan_o() {
	# a reset that could not start leaves the old store as it was: complete and whole
	if [ "$RC" != 0 ] && [ "$(store_state "$S" 2>/dev/null)" = complete ]; then
		named "$WORK/v.log" || fail "$1: exit $RC without naming the store: $OUT"
		expect_rc 0 "$MIGSTATE" verify "$S"
		[ "$(cat_paths "$S")" = "$EXPECT" ] || fail "$1: the old store lost entries"
		return
	fi
	check_scan "$@"
}
rerun_scan_o() { rerun_scan "$@"; }
before=$CASES
matrix scan_o "unlinkat:/store/ EIO EPERM EACCES EBUSY" "renameat:/store/ EIO ENOSPC"
note "scan -o: $((CASES - before)) faults (${SECONDS}s)"

# --- load -----------------------------------------------------------------------------------
ORIG_ALL=$(xmanifest -s store "$R/home" "$R/srv" "$S/MIGSTATE/File" "$VS/MIGSTATE/File")
before=$CASES
# (EPERM from chown is how FAT says "no owners here": load ignores it by design, so it is
# not injected; t_permissions checks owners where the filesystem keeps them.)
MODE=link
matrix load \
	"linkat:/home/ ENOSPC EIO EXDEV EMLINK EPERM EACCES ENAMETOOLONG EINTR EINTR EINTR" \
	"linkat:/srv/ ENOSPC EIO" \
	"mkdirat:/home/ ENOSPC EIO EACCES EMLINK EINTR EINTR EINTR" \
	"renameat2:/home/ EINTR EINTR EINTR" \
	"openat:/store/ EACCES EIO" \
	"openat:/home/ EACCES EIO" \
	"read:/store/ EIO EINTR" \
	"fchownat:/home/ EIO ENOSPC" \
	"fchown:/home/ EIO" \
	"futimens:/home/ EIO"
MODE=copy
matrix load \
	"copy_file_range:/home/ ENOSPC EIO EXDEV EINTR" \
	"ficlone:/home/ ENOSPC EIO" \
	"renameat2:/home/ ENOSPC EIO EXDEV EPERM EINTR EINTR EINTR" \
	"openat:/home/ ENOSPC EACCES EIO" \
	"ftruncate:/home/ ENOSPC EIO" \
	"utimensat:/home/ EIO"
PRE="copy_file_range:*:EXDEV"
matrix load "pread:/store/ EIO EINTR" "pwrite:/home/ ENOSPC EIO EINTR"
PRE=
MODE=link
note "load: $((CASES - before)) faults (${SECONDS}s)"

# --- rd ---------------------------------------------------------------------------------------
before=$CASES
matrix rd \
	"unlinkat:/store/ EIO EPERM EACCES EBUSY EROFS" \
	"unlinkat:/srv/store/ EIO EBUSY" \
	"openat:/store/ EACCES EIO" \
	"read:/store/ EIO EINTR" \
	"renameat:/store/ EIO ENOSPC EINTR EINTR EINTR" \
	"fsync:/store/ EIO EINTR" \
	"fstatat:/store/ EIO EACCES"
note "rd: $((CASES - before)) faults; $CASES in all (${SECONDS}s)"
