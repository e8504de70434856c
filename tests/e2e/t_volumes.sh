#!/usr/bin/env bash
# The volume helpers work, and the facts later tests rely on hold on this kernel:
# a hard link across two mounts fails with EXDEV, also across a bind mount of the same
# filesystem, and FAT (through fusefat) refuses hard links with EPERM.
. "$(dirname "$0")/lib.sh"
need_root
T=$(mk_tmpdir)
mk_tmpfs "$T/tmpfs"
mk_ext4 "$T/ext4" 16
mk_fat "$T/fat" 8
mkdir -p "$T/tmpfs/src"
mk_bind "$T/tmpfs/src" "$T/bind"

assert_eq tmpfs "$(stat -f -c %T "$T/tmpfs")" "tmpfs type"
assert_eq ext2/ext3 "$(stat -f -c %T "$T/ext4")" "ext4 type"
assert_eq fuseblk "$(stat -f -c %T "$T/fat" | sed 's/^fuse$/fuseblk/')" "fat via fuse"

echo data >"$T/tmpfs/src/a"
echo data >"$T/ext4/b"
echo data >"$T/fat/c"

# link within one filesystem works
ln "$T/ext4/b" "$T/ext4/b2" || fail "link within ext4"
assert_eq 2 "$(nlink "$T/ext4/b")" "nlink after link"

python3 - "$T" <<'PY' || fail "errno checks"
import errno, os, sys
t = sys.argv[1]
def link_errno(a, b):
    try:
        os.link(a, b)
    except OSError as e:
        return e.errno
    return 0
assert link_errno(f"{t}/tmpfs/src/a", f"{t}/ext4/a") == errno.EXDEV, "tmpfs->ext4 must be EXDEV"
assert link_errno(f"{t}/ext4/b", f"{t}/tmpfs/b") == errno.EXDEV, "ext4->tmpfs must be EXDEV"
# same filesystem, different mount (bind): the kernel refuses too
assert link_errno(f"{t}/bind/a", f"{t}/tmpfs/a2") == errno.EXDEV, "bind mount must be EXDEV"
e = link_errno(f"{t}/fat/c", f"{t}/fat/c2")
assert e == errno.EPERM, f"FAT link must be EPERM, got {errno.errorcode.get(e, e)}"
PY

# tree helpers see content, not inode identity
A=$(mk_tmpdir); B=$(mk_tmpdir)
mkdir -p "$A/d" "$B/d"; echo x >"$A/d/f"; cp -p "$A/d/f" "$B/d/f"; touch -r "$A/d" "$B/d"
chmod 0755 "$A/d" "$B/d"
assert_eq "$(tree_manifest "$A")" "$(tree_manifest "$B")" "manifest of copies"
echo y >"$B/d/f"
assert_ne "$(tree_manifest "$A")" "$(tree_manifest "$B")" "manifest sees content"
ln "$A/d/f" "$A/d/g"
assert_contains "$(tree_inodes "$A")" "./d/g $(stat -c %i "$A/d/f") 2" "tree_inodes"
