#!/usr/bin/env bash
# Encrypted files (fscrypt, the Linux counterpart of EFS) under each --efs mode, on a
# real ext4 image made with -O encrypt and a v2 policy: abort (default: exit 2 naming
# the file, no store), skip, hardlink (the encrypted inode gets a store name) and
# decryptcopy (plaintext copied into the master store). With the key removed the data
# cannot be read: decryptcopy meets ENOKEY, an ordinary error.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
need_root
need_cmd mkfs.ext4
T=$(mk_tmpdir)
R=$T/root
img=$T/enc.img
truncate -s 32M "$img"
mkfs.ext4 -q -F -O encrypt "$img" 2>/dev/null || skip "mkfs.ext4 cannot make an encrypt-capable filesystem"
mkdir -p "$R"
mount -o loop "$img" "$R" || skip "cannot mount a loop image"
at_exit "umount -l '$R'"
FS=$(helper fscrypt_helper)
set +e
KEY=$("$FS" add-key "$R" 2>"$T/fserr")
rc=$?
set -e
[ $rc = 3 ] && skip "the kernel refuses fscrypt here: $(cat "$T/fserr")"
[ $rc = 0 ] || fail "fscrypt add-key: $(cat "$T/fserr")"
at_exit "'$FS' remove-key '$R' $KEY"
mk_system "$R"
D=$R/home/alice/Documents/secret
mkdir "$D"
"$FS" set-policy "$D" "$KEY" 2>"$T/fserr" || skip "cannot set an encryption policy: $(cat "$T/fserr")"
echo "top secret" >"$D/s1.txt"
echo "also secret" >"$D/s2.txt"
chown -R 1000:1000 "$D"
lsattr -d "$D/s1.txt" | cut -d' ' -f1 | grep -q E || skip "the file does not report as encrypted"
compile_shipped "$T/user.plan"
cd "$T"
scan() { # scan NAME [ARGS...]
	local s=$1
	shift
	"$MIGSTATE" scan "$R/$s" --plan "$T/user.plan" --hardlink --nocompress --root "$R" \
		--min-free 1 --log "$T/$s.log" "$@"
}

expect_rc 2 scan abort
assert_contains "$OUT" "encrypted file /home/alice/Documents/secret/s1.txt" "abort names the file"
assert_no_path "$R/abort"

expect_rc 0 scan skip --efs skip --json
assert_no_path "$R/skip/MIGSTATE/File/home/alice/Documents/secret"
catalog_files "$R/skip" | grep -q secret && fail "skipped files in the catalog"
same_inode "$R/home/alice/Documents/report.txt" "$R/skip/MIGSTATE/File/home/alice/Documents/report.txt" ||
	fail "skip: the rest is captured"
assert_contains "$OUT" '"encrypted_skipped":2' "skip count"

expect_rc 0 scan hl --efs hardlink
for f in s1.txt s2.txt; do
	same_inode "$D/$f" "$R/hl/MIGSTATE/File/home/alice/Documents/secret/$f" || fail "hardlink: $f"
	assert_eq 1 "$(cat_field "$R/hl" /home/alice/Documents/secret/$f 3)" "$f encrypted flag"
done

expect_rc 0 scan dc --efs decryptcopy
c=$R/dc/MIGSTATE/File/home/alice/Documents/secret/s1.txt
same_inode "$D/s1.txt" "$c" && fail "decryptcopy linked"
assert_eq "top secret" "$(cat "$c")" "decrypted copy"
lsattr "$c" | cut -d' ' -f1 | grep -q E && fail "the copy is encrypted"
assert_eq copied "$(cat_field "$R/dc" /home/alice/Documents/secret/s1.txt 2)" "decryptcopy action"
assert_eq 1 "$(cat_field "$R/dc" /home/alice/Documents/secret/s1.txt 3)" "decryptcopy flag"

# without the key the plaintext is out of reach
"$FS" remove-key "$R" "$KEY" 2>/dev/null || skip "cannot remove the key"
echo 3 >/proc/sys/vm/drop_caches
expect_rc 61 scan nokey --efs decryptcopy
assert_contains "$OUT" "Required key not available" "ENOKEY reported"
