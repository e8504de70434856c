# lib.sh - helpers for end-to-end tests. Source it from a test script:
#   . "$(dirname "$0")/lib.sh"
# A test exits 0 on success, 77 when it must be skipped (say why), anything else on
# failure. Every resource a helper creates is registered and released by an EXIT trap,
# in reverse order, whether the test passes or fails.
#
# Tests that mount filesystems are started by run.sh inside a private mount namespace
# (unshare -m), so nothing they mount is visible outside or survives them.

set -euo pipefail

: "${MIGC:?MIGC must point at the migc binary}"
: "${MIGSTATE:?MIGSTATE must point at the migstate binary}"
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
SHARED=${SHARED:-$REPO/../shared}

# Cleanup commands live in a file, not an array, so helpers called in a command
# substitution (D=$(mk_tmpdir)) -- a subshell -- still register them.
_cleanup_file=$(mktemp "${TMPDIR:-/tmp}/migstate-e2e-cleanup.XXXXXX")
_on_exit() {
	local rc=$?
	if [ -f "$_cleanup_file" ]; then
		local cmds
		cmds=$(tac "$_cleanup_file")
		rm -f "$_cleanup_file"
		while IFS= read -r c; do
			eval "$c" >/dev/null 2>&1 || true
		done <<<"$cmds"
	fi
	exit "$rc"
}
trap _on_exit EXIT
# Register a shell command to run at exit (last registered runs first).
at_exit() { printf '%s\n' "$1" >>"$_cleanup_file"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
note() { echo "# $*" >&2; }

assert_eq() { # assert_eq EXPECTED ACTUAL WHAT
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}
assert_ne() {
	[ "$1" != "$2" ] || fail "$3: did not expect '$1'"
}
assert_contains() { # assert_contains HAYSTACK NEEDLE WHAT
	case "$1" in *"$2"*) ;; *) fail "$3: '$2' not found in: $1" ;; esac
}
assert_file() { [ -f "$1" ] || fail "expected file $1"; }
assert_no_path() { [ ! -e "$1" ] && [ ! -L "$1" ] || fail "expected $1 to be absent"; }

# Run a command expecting exit code RC: expect_rc RC CMD...  (output in $OUT)
expect_rc() {
	local want=$1
	shift
	local got=0
	OUT=$("$@" 2>&1) || got=$?
	[ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; output: $OUT"
}

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (mounts)"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "needs $1"; }

# mk_tmpdir: a fresh directory removed at exit. Prints its path.
mk_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/migstate-e2e.XXXXXX")
	at_exit "rm -rf '$d'"
	echo "$d"
}

_unmount_later() { at_exit "umount -l '$1' || fusermount -u '$1' || fusermount3 -u '$1'"; }

# mk_tmpfs DIR [SIZE]: mount a tmpfs on DIR (created if needed).
mk_tmpfs() {
	need_root
	mkdir -p "$1"
	mount -t tmpfs -o "size=${2:-64m},mode=0755" tmpfs "$1"
	_unmount_later "$1"
}

# mk_ext4 DIR [MB]: a small ext4 loop image mounted on DIR.
mk_ext4() {
	need_root
	need_cmd mkfs.ext4
	local img
	img=$(mktemp "${TMPDIR:-/tmp}/migstate-ext4.XXXXXX")
	at_exit "rm -f '$img'"
	truncate -s "${2:-32}M" "$img"
	mkfs.ext4 -q -F "$img"
	mkdir -p "$1"
	mount -o loop "$img" "$1"
	_unmount_later "$1"
}

# mk_fat DIR [MB]: a FAT image mounted through fusefat (cannot hard-link: EPERM).
mk_fat() {
	need_root
	need_cmd mkfs.vfat
	need_cmd fusefat
	[ -e /dev/fuse ] || skip "no /dev/fuse"
	local img
	img=$(mktemp "${TMPDIR:-/tmp}/migstate-fat.XXXXXX")
	at_exit "rm -f '$img'"
	truncate -s "${2:-16}M" "$img"
	mkfs.vfat "$img" >/dev/null
	mkdir -p "$1"
	fusefat -o rw+ "$img" "$1" >/dev/null 2>&1
	_unmount_later "$1"
	# fusefat returns before the mount is visible on some kernels: wait for it.
	local i
	for i in $(seq 50); do
		mountpoint -q "$1" && return 0
		sleep 0.1
	done
	fail "fusefat did not mount $1"
}

# mk_bind SRC DIR: bind-mount SRC on DIR (a volume of its own for link purposes).
mk_bind() {
	need_root
	mkdir -p "$2"
	mount --bind "$1" "$2"
	_unmount_later "$2"
}

# tree_manifest DIR: one line per entry, sorted: type path mode uid gid size mtime sha256.
# Stable across copies; ignores inode numbers (see tree_inodes).
tree_manifest() {
	(cd "$1" && find . -mindepth 1 -printf '%y %p %m %U %G %s %T@\n' | LC_ALL=C sort |
		while read -r type path mode uid gid size mtime; do
			sum=-
			[ "$type" = f ] && sum=$(sha256sum <"$path" | cut -d' ' -f1)
			[ "$type" = d ] && size=-
			printf '%s %s %s %s %s %s %s %s\n' "$type" "$path" "$mode" "$uid" "$gid" "$size" "$mtime" "$sum"
		done)
}

# tree_inodes DIR: path inode nlink for every regular file, sorted.
tree_inodes() {
	(cd "$1" && find . -type f -printf '%p %i %n\n' | LC_ALL=C sort)
}

# same_inode A B: true when A and B are the same file (hard links of each other).
same_inode() { [ "$(stat -c '%d:%i' "$1")" = "$(stat -c '%d:%i' "$2")" ]; }
nlink() { stat -c %h "$1"; }
