#!/usr/bin/env bash
# scan warns, and --estimate reports (the estimate file, --json, the text line), when
# the store lies where a reinstall loses it (runtime/storeloc.h):
#   system-directory  under /bin /boot /dev /etc /lib* /sbin /usr /var /tmp /run of
#                     the root (--root), even on the homes' filesystem;
#   root-filesystem   on the root's filesystem while the homes have their own;
#   other-subvolume   on btrfs, in another subvolume than the homes' (@ vs @home).
# No warning for a store beside the homes, on a separate data volume, or anywhere on a
# system that keeps everything on one filesystem (outside the system directories). A
# real scan at a warned place still runs (a warning, exit 0).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$E2E_DIR/fs_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"

# estimate ROOT STORE: --estimate with --json; sets OUT (stdout+stderr), JS (the JSON),
# XML (the estimate file)
estimate() {
	rm -f "$WORK/est.xml"
	expect_rc 0 "$MIGSTATE" scan "$2" --plan "$WORK/p.plan" --root "$1" --hardlink --nocompress \
		--min-free 1 --log "$WORK/scan.log" --estimate "$WORK/est.xml" --json
	JS=$(echo "$OUT" | grep '^{')
	XML=$(cat "$WORK/est.xml")
}
# rules: the rules the JSON reports, sorted, space-separated ("" when it survives)
rules() { echo "$JS" | python3 -c 'import json,sys; print(" ".join(sorted(w["rule"] for w in json.load(sys.stdin)["store_location"]["warnings"])))'; }
survives() { echo "$JS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["store_location"]["survives_reinstall"])'; }
# expect_loc ROOT STORE "RULES": the JSON, the estimate file and stderr agree
expect_loc() {
	estimate "$1" "$2"
	assert_eq "$3" "$(rules)" "rules for $2"
	local r
	if [ -z "$3" ]; then
		assert_eq True "$(survives)" "$2 survives"
		assert_contains "$XML" '<storeLocation survivesReinstall="yes"/>' "estimate file for $2"
		case $OUT in *"would not survive"*) fail "a warning for $2: $OUT" ;; esac
	else
		assert_eq False "$(survives)" "$2 does not survive"
		assert_contains "$XML" '<storeLocation survivesReinstall="no">' "estimate file for $2"
		for r in $3; do
			assert_contains "$XML" "<warning rule=\"$r\"" "estimate file names $r for $2"
			assert_contains "$OUT" "migstate: warning: the store $(realpath -m "$2") would not survive a reinstall ($r)" \
				"stderr for $2"
		done
	fi
}

# --- / and /home on filesystems of their own (tmpfs), /srv a data volume ----------------
R=$WORK/split
mk_tmpfs "$R" 16m
mk_system "$R"
mk_tmpfs "$R/home" 16m
mk_system "$R"
fill_homes "$R"
mk_tmpfs "$R/srv" 8m
expect_loc "$R" "$R/home/.migstore" ""
expect_loc "$R" "$R/srv/migstore" ""
expect_loc "$R" "$R/store" "root-filesystem"
expect_loc "$R" "$R/var/lib/store" "root-filesystem system-directory"
expect_loc "$R" "$R/lib64/store" "root-filesystem system-directory"
expect_loc "$R" "$R/libx32/store" "root-filesystem system-directory"
assert_contains "$(grep 'system-directory' <<<"$JS")" "under /libx32" "the directory is named"
# the text line of --estimate without --json
expect_rc 0 "$MIGSTATE" scan "$R/store" --plan "$WORK/p.plan" --root "$R" --hardlink --nocompress \
	--min-free 1 --log "$WORK/scan.log" --estimate "$WORK/est.xml"
assert_contains "$OUT" "the store would not survive a reinstall there (see the warnings)" "text"
# a real scan at such a place: the warning, and the store is made all the same
expect_rc 0 "$MIGSTATE" scan "$R/store" --plan "$WORK/p.plan" --root "$R" --hardlink --nocompress \
	--min-free 1 --log "$WORK/scan.log"
assert_contains "$OUT" "would not survive a reinstall (root-filesystem)" "scan warns"
assert_contains "$(cat "$WORK/scan.log")" "would not survive a reinstall (root-filesystem)" "logged"
expect_rc 0 "$MIGSTATE" rd "$R/store" -y
# the rule reads paths beneath --root: the same tree seen without it is judged as /
# ("$R/var/..." is not /var), and the homes then are not those of $R
expect_rc 0 "$MIGSTATE" scan "$R/usr-not/x" --plan "$WORK/p.plan" --root "$R" --hardlink \
	--nocompress --min-free 1 --log "$WORK/scan.log" --estimate "$WORK/est.xml"
case $OUT in *system-directory*) fail "/usr-not is not /usr: $OUT" ;; esac

# --- everything on one filesystem: only the system directories matter -------------------
O=$WORK/one
mk_tmpfs "$O" 16m
mk_system "$O"
fill_homes "$O"
expect_loc "$O" "$O/store" ""
expect_loc "$O" "$O/home/.migstore" ""
expect_loc "$O" "$O/usr/local/store" "system-directory"
expect_loc "$O" "$O/home/../etc/store" "system-directory"

# --- btrfs: the root in subvolume @, the homes in @home (a distribution's layout) -------
mk_btrfs "$WORK/top" 120
btrfs subvolume create "$WORK/top/@" >/dev/null
btrfs subvolume create "$WORK/top/@home" >/dev/null
B=$WORK/btrfs
mkdir -p "$B"
mount -o "loop,subvol=@" "$FS_LAST_IMG" "$B" || fail "mount subvol=@"
at_exit "umount -l '$B'"
mkdir -p "$B/home"
mount -o "loop,subvol=@home" "$FS_LAST_IMG" "$B/home" || fail "mount subvol=@home"
at_exit "umount -l '$B/home'"
mk_system "$B"
fill_homes "$B"
expect_loc "$B" "$B/home/.migstore" ""
expect_loc "$B" "$B/store" "other-subvolume root-filesystem"
expect_loc "$B" "$B/boot/store" "other-subvolume root-filesystem system-directory"
assert_contains "$(grep 'other-subvolume' <<<"$JS")" "the home /home/alice in subvolume" "subvolumes named"
# a subvolume of @home that is not mounted on its own: same filesystem, another
# subvolume than the homes'
btrfs subvolume create "$B/home/snapshots" >/dev/null
expect_loc "$B" "$B/home/snapshots/store" "other-subvolume"
