# fs_lib.sh - filesystems for tests/e2e/t_fs_*.sh, and the capture/restore cycle they
# share. Source it after lib.sh and tests/helpers/scan_fixture.sh:
#   . "$(dirname "$0")/lib.sh"; . "$REPO/tests/helpers/scan_fixture.sh"
#   . "$E2E_DIR/fs_lib.sh"
#
# Helpers that mount register their cleanup with at_exit and set variables (FS_IMG,
# FS_LAST_IMG, T, R ...): call them directly, not in $(...). Loop images live on a tmpfs
# of their own (fs_init), sparse, so a 300 MB xfs costs what mkfs writes. A missing
# kernel module or tool skips the test (77) saying which.
#
#   mk_xfs DIR [MB]            xfs (reflink=1, mkfs.xfs's default) on DIR, 300 MB
#   mk_btrfs DIR [MB]          btrfs on DIR, 120 MB
#   mk_overlay DIR LAYERS      overlayfs on DIR; LAYERS/lower, LAYERS/upper, LAYERS/work
#                              (lower is made if missing and may be filled beforehand)
#   mk_squashfs DIR SRC        squashfs image of the tree SRC, mounted read-only on DIR
#   mk_erofs DIR SRC           the same with erofs
#
# The cycle (fs_fixture KIND, then fs_scan, fs_check_scan, fs_restore, fs_remove): an
# ext4 root image holds the master store at /store; the filesystem under test is
# mounted at /home (its per-volume store, if any, is /home/store); user alice's files
# on it are captured by a System policy. FS_EXPECT maps each file (path below
# /home/alice) to the action the catalog must show: linked, reflinked, copied or
# "copied up".

FS_IMG=${FS_IMG:-} # (t_fs_matrix.sh passes its own to the processes of its rows)
FS_MB=8 # size of each test file, MiB (large enough that copies dominate statfs)

# fs_init: the tmpfs that holds this test's loop images.
fs_init() {
	need_root
	[ -n "$FS_IMG" ] && return 0
	FS_IMG=$(mktemp -d "${TMPDIR:-/tmp}/migstate-fsimg.XXXXXX")
	at_exit "rmdir '$FS_IMG'"
	mount -t tmpfs -o size=2g,mode=0700 tmpfs "$FS_IMG"
	_unmount_later "$FS_IMG"
}

# need_fs TYPE: the kernel must know TYPE (loading its module if it can), else skip.
need_fs() {
	grep -qw "$1" /proc/filesystems || modprobe "$1" >/dev/null 2>&1 || true
	grep -qw "$1" /proc/filesystems || skip "the kernel has no $1 (module not available)"
}

_fs_img() { # _fs_img NAME MB: a sparse image file, echoed
	local img
	img=$(mktemp "$FS_IMG/$1.XXXXXX")
	truncate -s "${2}M" "$img"
	echo "$img"
}

# _fs_loop IMG DIR [OPTS]: mount the image IMG on DIR (created) and unmount it at exit.
_fs_loop() {
	mkdir -p "$2"
	mount -o "loop${3:+,$3}" "$1" "$2" || fail "cannot mount $1 on $2"
	_unmount_later "$2"
}

# mk_ext4_img DIR [MB]: lib.sh's mk_ext4, with its image on fs_init's tmpfs.
mk_ext4_img() {
	fs_init
	TMPDIR=$FS_IMG mk_ext4 "$1" "${2:-64}"
}

mk_xfs() {
	fs_init
	need_fs xfs
	need_cmd mkfs.xfs
	FS_LAST_IMG=$(_fs_img xfs "${2:-300}")
	mkfs.xfs -q -f "$FS_LAST_IMG" || fail "mkfs.xfs failed"
	_fs_loop "$FS_LAST_IMG" "$1"
}

mk_btrfs() {
	fs_init
	need_fs btrfs
	need_cmd mkfs.btrfs
	FS_LAST_IMG=$(_fs_img btrfs "${2:-120}")
	mkfs.btrfs -q -f "$FS_LAST_IMG" >/dev/null 2>&1 || fail "mkfs.btrfs failed"
	_fs_loop "$FS_LAST_IMG" "$1"
}

mk_overlay() {
	need_root
	need_fs overlay
	mkdir -p "$2/lower" "$2/upper" "$2/work" "$1"
	mount -t overlay overlay -o "lowerdir=$2/lower,upperdir=$2/upper,workdir=$2/work" "$1" ||
		fail "cannot mount overlayfs on $1"
	_unmount_later "$1"
}

mk_squashfs() {
	fs_init
	need_fs squashfs
	need_cmd mksquashfs
	FS_LAST_IMG=$FS_IMG/squashfs.$RANDOM.img
	mksquashfs "$2" "$FS_LAST_IMG" -quiet -noappend -noI -noD -noF -noX >/dev/null || fail "mksquashfs failed"
	_fs_loop "$FS_LAST_IMG" "$1" ro
}

mk_erofs() {
	fs_init
	need_fs erofs
	need_cmd mkfs.erofs
	FS_LAST_IMG=$FS_IMG/erofs.$RANDOM.img
	mkfs.erofs "$FS_LAST_IMG" "$2" >/dev/null 2>&1 || fail "mkfs.erofs failed"
	_fs_loop "$FS_LAST_IMG" "$1" ro
}

# --- the fixture -----------------------------------------------------------------------

# fs_helpers: build tests/helpers/catdump.c and fiemap.c once per test (CATDUMP, FIEMAP);
# scan_fixture.sh's $(helper ...) would build them again at every call.
fs_helpers() {
	[ -z "${CATDUMP:-}" ] || return 0
	fs_init
	_HB=$FS_IMG/helpers
	mkdir -p "$_HB"
	helper catdump >/dev/null
	helper fiemap >/dev/null
	CATDUMP=$_HB/catdump FIEMAP=$_HB/fiemap
}

# _fs_file PATH [MB]: PATH filled with MB MiB of random data, mode 0640, owner alice.
_fs_file() {
	head -c "$((${2:-$FS_MB} << 20))" /dev/urandom >"$1"
	chmod 0640 "$1" 2>/dev/null || true # (FAT: ENOSYS)
	chown 1000:1000 "$1" 2>/dev/null || true
	touch -d "2021-03-04 05:06:07" "$1"
}

# _fs_links FILE DIR N: N more names of FILE in DIR (one perl process: 65,000 link()
# calls take about a second).
_fs_links() {
	mkdir -p "$2"
	perl -e 'my ($f, $d, $n) = @ARGV; for my $i (1 .. $n) { link($f, "$d/$i") or die "link $i: $!\n" }' \
		"$1" "$2" "$3" || fail "cannot make $3 links of $1"
}

# _fs_immutable FILE: chattr +i, and undo it at exit; false when the filesystem cannot.
_fs_immutable() {
	chattr +i "$1" 2>/dev/null || return 1
	at_exit "chattr -i '$1'"
}

# fs_fixture KIND: the system for one filesystem (KIND: ext4 xfs btrfs tmpfs overlay
# overlay-xfs squashfs erofs fat). Sets T, R (root), H (/home, the filesystem under
# test), A (/home/alice), LAYERS (overlay), FS_EXPECT, FS_NA (why a matrix cell does not
# apply), FS_ROW (the matrix's name for KIND).
fs_fixture() {
	local kind=$1
	need_root
	need_cmd chattr
	fs_init
	T=$(mktemp -d "${TMPDIR:-/tmp}/migstate-e2e.XXXXXX")
	at_exit "rm -rf '$T'"
	cd "$T" # the logs (migstate-VERB.log) go here
	R=$T/root H=$T/root/home A=$T/root/home/alice LAYERS=
	FS_MB=8
	declare -gA FS_EXPECT=() FS_NA=()
	mk_ext4_img "$R" 160
	mkdir -p "$R/etc"
	printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n' \
		>"$R/etc/passwd"
	printf 'UID_MIN\t1000\nUID_MAX\t60000\n' >"$R/etc/login.defs"
	local src
	case $kind in
	ext4)
		FS_ROW=ext4
		mk_ext4_img "$H" 96
		mkdir -p "$A"
		_fs_file "$A/normal.bin"
		_fs_file "$A/immutable.bin"
		_fs_immutable "$A/immutable.bin" || fail "ext4 refuses chattr +i"
		_fs_file "$A/limit.bin"
		_fs_links "$A/limit.bin" "$H/links" 64999 # 65000 names: EXT4_LINK_MAX
		FS_EXPECT=([normal.bin]=linked [immutable.bin]=copied [limit.bin]=copied)
		FS_NA=([subvolume]="no subvolumes")
		;;
	xfs)
		FS_ROW=xfs
		need_cmd xfs_db
		mk_xfs "$H"
		mkdir -p "$A"
		_fs_file "$A/normal.bin"
		_fs_file "$A/immutable.bin"
		_fs_file "$A/limit.bin"
		# 2^31-1 links cannot be made in a test: xfs_db writes the link count of the
		# unmounted filesystem's inode, and the kernel then refuses link() (EMLINK)
		local ino
		ino=$(stat -c %i "$A/limit.bin")
		umount "$H"
		xfs_db -x -c "inode $ino" -c "write core.nlinkv2 2147483647" "$FS_LAST_IMG" \
			>/dev/null || fail "xfs_db cannot set the link count"
		mount -o loop "$FS_LAST_IMG" "$H"
		assert_eq 2147483647 "$(nlink "$A/limit.bin")" "xfs link count set by xfs_db"
		_fs_immutable "$A/immutable.bin" || fail "xfs refuses chattr +i"
		_fs_file "$A/appendonly.log" 1
		chattr +a "$A/appendonly.log" || fail "xfs refuses chattr +a"
		at_exit "chattr -a '$A/appendonly.log'"
		FS_EXPECT=([normal.bin]=linked [immutable.bin]=reflinked [limit.bin]=reflinked
			[appendonly.log]=reflinked)
		FS_NA=([subvolume]="no subvolumes")
		;;
	btrfs)
		FS_ROW=btrfs
		need_cmd btrfs
		FS_MB=6
		mk_btrfs "$H" 120
		mkdir -p "$A"
		_fs_file "$A/normal.bin"
		_fs_file "$A/immutable.bin"
		_fs_immutable "$A/immutable.bin" || fail "btrfs refuses chattr +i"
		_fs_file "$A/limit.bin"
		_fs_links "$A/limit.bin" "$H/links" 65534 # 65535 names: BTRFS_LINK_MAX
		btrfs -q subvolume create "$A/projects" >/dev/null || fail "btrfs subvolume create"
		chown 1000:1000 "$A/projects"
		_fs_file "$A/projects/nested.bin"
		FS_EXPECT=([normal.bin]=linked [immutable.bin]=reflinked [limit.bin]=reflinked
			[projects/nested.bin]=reflinked)
		;;
	tmpfs)
		FS_ROW=tmpfs
		mk_tmpfs "$H" 256m
		mkdir -p "$A"
		_fs_file "$A/normal.bin"
		_fs_file "$A/immutable.bin"
		FS_EXPECT=([normal.bin]=linked)
		if _fs_immutable "$A/immutable.bin"; then
			FS_EXPECT[immutable.bin]=copied
		else
			rm -f "$A/immutable.bin"
			FS_NA[immutable]="this kernel's tmpfs has no immutable flag"
		fi
		FS_NA[limit]="no link limit"
		FS_NA[subvolume]="no subvolumes"
		;;
	overlay | overlay-xfs)
		LAYERS=$T/layers
		if [ "$kind" = overlay ]; then
			FS_ROW="overlayfs (ext4 layers)"
			mk_ext4_img "$LAYERS" 96
		else
			FS_ROW="overlayfs (xfs layers)"
			mk_xfs "$LAYERS"
		fi
		mkdir -p "$LAYERS/lower/alice"
		chown 1000:1000 "$LAYERS/lower/alice"
		_fs_file "$LAYERS/lower/alice/lower.bin"
		_fs_file "$LAYERS/lower/alice/immutable.bin"
		_fs_immutable "$LAYERS/lower/alice/immutable.bin" || fail "cannot chattr +i the lower file"
		mk_overlay "$H" "$LAYERS"
		_fs_file "$A/upper.bin"
		if [ "$kind" = overlay ]; then
			FS_EXPECT=([lower.bin]="copied up" [upper.bin]=linked [immutable.bin]=copied)
		else
			FS_EXPECT=([lower.bin]=reflinked [upper.bin]=linked [immutable.bin]=reflinked)
		fi
		FS_NA=([limit]="as the layers' filesystem" [subvolume]="no subvolumes")
		;;
	squashfs | erofs)
		FS_ROW=$kind
		src=$T/src
		mkdir -p "$src/alice"
		chown 1000:1000 "$src/alice"
		_fs_file "$src/alice/normal.bin"
		printf 'small\n' >"$src/alice/small.txt"
		truncate -s 24M "$src/alice/sparse.img"
		printf 'middle' | dd of="$src/alice/sparse.img" bs=1 seek=12582912 conv=notrunc status=none
		touch -d "2021-03-04 05:06:07" "$src/alice/sparse.img"
		if [ "$kind" = squashfs ]; then mk_squashfs "$H" "$src"; else mk_erofs "$H" "$src"; fi
		FS_EXPECT=([normal.bin]=copied [sparse.img]=copied)
		FS_NA=([immutable]="read-only: no flags to set" [limit]="read-only: everything is copied"
			[subvolume]="no subvolumes")
		;;
	fat)
		FS_ROW="FAT (fusefat)"
		TMPDIR=$FS_IMG mk_fat "$H" 64
		mkdir -p "$A"
		_fs_file "$A/normal.bin"
		FS_EXPECT=([normal.bin]=copied)
		FS_NA=([immutable]="no immutable flag" [limit]="no hard links at all"
			[subvolume]="no subvolumes")
		;;
	*) fail "fs_fixture: unknown kind $kind" ;;
	esac
	# and a small file, captured like the normal one (written through the mount)
	[ -e "$A/small.txt" ] || printf 'small\n' >"$A/small.txt"
	FS_EXPECT[small.txt]=${FS_EXPECT[normal.bin]:-${FS_EXPECT[upper.bin]}}
	FS_KIND=$kind
	fs_helpers
	system_policy "$T/p.xml" 'C:\home\alice\* [*]'
	compile_plan "$T/p.plan" "$T/p.xml"
	SCAN_ARGS=(--plan "$T/p.plan" --hardlink --nocompress --root "$R" --min-free 1)
}

# fs_files: the files of FS_EXPECT, sorted.
fs_files() { printf '%s\n' "${!FS_EXPECT[@]}" | LC_ALL=C sort; }

# fs_dump STORE: the catalog as catdump prints it, into $T/catalog.txt (read by the
# two helpers below).
fs_dump() { "$CATDUMP" "$1" >"$T/catalog.txt" || fail "catdump $1"; }

# fs_action LOGICAL: linked, "copied up", reflinked or copied, from the catalog.
fs_action() {
	awk -F '\t' -v p="$1" '
		NF >= 13 && $13 == p {
			a = $2
			if (a == "linked" && int($3 / 64) % 2 == 1) a = "copied up"
			print a
		}' "$T/catalog.txt"
}

# fs_payload LOGICAL: the real path of LOGICAL's payload (in the store of the volume
# its record names, beneath the root R).
fs_payload() {
	awk -F '\t' -v p="$1" -v r="$R" '
		/^volume / { split($0, w, " "); store[w[2]] = w[8] }
		NF >= 13 && $13 == p { print r store[$4] "/MIGSTATE/File" p }' "$T/catalog.txt"
}

# fs_shared FILE: bytes of FILE in extents flagged shared (FIEMAP), 0 when none or
# when the filesystem cannot tell.
fs_shared() {
	local out
	out=$("$FIEMAP" "$1" 2>/dev/null) || { echo 0; return; }
	set -- $out
	echo "${8:-0}"
}

# fs_used MOUNT: bytes in use on the filesystem at MOUNT (statfs, after a sync).
fs_used() {
	sync -f "$1" 2>/dev/null || sync
	stat -f -c '%b %f %S' "$1" | awk '{ printf "%d\n", ($1 - $2) * $3 }'
}

# fs_files_manifest DIR: path, mode, owner, size, mtime (s) and CRC of every file.
fs_files_manifest() {
	(cd "$1" && find . -type f -printf '%p %m %U %G %s %TY%Tm%Td%TH%TM%TS ' -exec cksum {} \; |
		sed 's/\.[0-9]* \([0-9]*\) [0-9]* .*$/ \1/' | LC_ALL=C sort)
}

# fs_scan: --estimate, then the scan (statfs before and after on every volume it
# names), and the estimate compared with what was used: within 5% or 1 MiB.
fs_scan() {
	MANIFEST_BEFORE=$(fs_files_manifest "$A")
	INODES_BEFORE=$(tree_inodes "$A")
	expect_rc 0 "$MIGSTATE" scan "$R/store" "${SCAN_ARGS[@]}" --estimate "$T/est.xml"
	assert_no_path "$R/store"
	# bytesUsed per mount point (a btrfs subvolume is a volume of the same mount)
	sed -n 's/.*<volume mount="\([^"]*\)".* bytesUsed="\([0-9]*\)".*/\1 \2/p' "$T/est.xml" |
		awk '{ e[$1] += $2 } END { for (m in e) print m, e[m] }' | LC_ALL=C sort >"$T/est.txt"
	local m e u tol
	declare -gA USED_BEFORE=()
	while read -r m e; do USED_BEFORE[$m]=$(fs_used "$m"); done <"$T/est.txt"
	expect_rc 0 "$MIGSTATE" scan "$R/store" "${SCAN_ARGS[@]}" --json
	SCAN_JSON=$(echo "$OUT" | tail -n 1)
	EST_REPORT=
	while read -r m e; do
		u=$(($(fs_used "$m") - ${USED_BEFORE[$m]}))
		tol=$((u / 20 > 1048576 ? u / 20 : 1048576)) # 5%, or 1 MiB for small trees
		EST_REPORT+="$m: estimated $e, used $u; "
		[ $((e > u ? e - u : u - e)) -le "$tol" ] ||
			fail "estimate off: ${EST_REPORT}estimate: $(cat "$T/est.xml")"
	done <"$T/est.txt"
	note "$EST_REPORT"
}

# fs_check_scan: every file took the expected action; payloads hold the same bytes;
# links are the same inode, clones share extents, copies do not; copy-ups left the
# file in the upper layer; du counts clones and links as shared.
fs_check_scan() {
	local f want got p
	fs_dump "$R/store"
	for f in $(fs_files); do
		want=${FS_EXPECT[$f]}
		got=$(fs_action "/home/alice/$f")
		assert_eq "$want" "$got" "action for $f on $FS_ROW"
		p=$(fs_payload "/home/alice/$f")
		cmp -s "$A/$f" "$p" || fail "$f: payload $p differs from the original"
		case $want in
		linked) same_inode "$A/$f" "$p" || fail "$f: not the same inode as $p" ;;
		"copied up")
			same_inode "$A/$f" "$p" || fail "$f: not the same inode as $p"
			assert_file "$LAYERS/upper/alice/$f"
			;;
		reflinked)
			same_inode "$A/$f" "$p" && fail "$f: a clone must be a file of its own"
			[ "$(fs_shared "$p")" -gt 0 ] || fail "$f: the clone $p shares no extent: $("$FIEMAP" "$p" 2>&1)"
			[ "$(fs_shared "$A/$f")" -gt 0 ] || fail "$f: the original shares no extent"
			;;
		copied)
			same_inode "$A/$f" "$p" && fail "$f: a copy must be a file of its own"
			case $p in "$R/store/"*) ;; *) fail "$f: copy outside the master store: $p" ;; esac
			[ "$(fs_shared "$p")" = 0 ] || fail "$f: a copy shares extents"
			;;
		esac
	done
	expect_rc 0 "$MIGSTATE" du "$R/store" --json
	DU_JSON=$OUT
	local n
	n=$(printf '%s\n' "${FS_EXPECT[@]}" | grep -cx reflinked || true)
	assert_contains "$DU_JSON" "\"reflinked\":{\"count\":$n," "du counts the clones"
	echo "$DU_JSON" | grep -Eq '"reflinked":\{"count":[0-9]+,"bytes":[0-9]+,"cost":0\}' ||
		fail "du: clones cost something: $DU_JSON"
	echo "$DU_JSON" | grep -Eq '"linked":\{"count":[0-9]+,"bytes":[0-9]+,"cost":0\}' ||
		fail "du: links cost something: $DU_JSON"
	expect_rc 0 "$MIGSTATE" verify "$R/store"
}

# fs_restore: the user's files are removed (a read-only volume keeps them) and load puts
# every one back: same bytes, mode, owner, times; linked files as the very same inode.
fs_restore() {
	local f p
	[ ! -e "$A/immutable.bin" ] || chattr -i "$A/immutable.bin" # (overlayfs: copies it up)
	[ ! -e "$A/appendonly.log" ] || chattr -a "$A/appendonly.log"
	case $FS_KIND in
	squashfs | erofs) ;;
	btrfs)
		# the subvolume stays (made again by the new system): its file comes back
		# as a clone of the store's (a link cannot cross into it)
		find "$A" -mindepth 1 -maxdepth 1 ! -name projects -exec rm -rf {} +
		rm -f "$A/projects/nested.bin"
		;;
	*) rm -rf "$A" ;;
	esac
	expect_rc 0 "$MIGSTATE" load "$R/store" --plan "$T/p.plan" --hardlink --nocompress --root "$R" --json
	LOAD_JSON=$(echo "$OUT" | tail -n 1)
	assert_eq "$MANIFEST_BEFORE" "$(fs_files_manifest "$A")" "files after load on $FS_ROW"
	for f in $(fs_files); do
		p=$(fs_payload "/home/alice/$f")
		case ${FS_EXPECT[$f]} in
		linked | "copied up") same_inode "$A/$f" "$p" || fail "$f: not restored as the store's inode" ;;
		esac
	done
	if [ "$FS_KIND" = btrfs ]; then
		[ "$(fs_shared "$A/projects/nested.bin")" -gt 0 ] ||
			fail "nested.bin not restored as a clone: $("$FIEMAP" "$A/projects/nested.bin")"
		assert_contains "$LOAD_JSON" '"reflinked":1,' "load counts the clone"
	fi
	expect_rc 0 "$MIGSTATE" verify "$R/store"
}

# fs_remove: rd removes every store and nothing else; every file keeps its data.
fs_remove() {
	expect_rc 0 "$MIGSTATE" rd "$R/store" -y
	assert_no_path "$R/store"
	assert_no_path "$H/store"
	[ -z "$(find "$R" -xdev -name MIGSTATE 2>/dev/null)" ] || fail "store remnants"
	[ -z "$(find "$H" -name MIGSTATE 2>/dev/null)" ] || fail "store remnants on $H"
	assert_eq "$MANIFEST_BEFORE" "$(fs_files_manifest "$A")" "files after rd on $FS_ROW"
	local f
	for f in $(fs_files); do
		case ${FS_EXPECT[$f]} in
		linked) assert_eq 1 "$(nlink "$A/$f")" "$f: only its own name left" ;;
		esac
	done
}
