#!/usr/bin/env bash
# The whole PC-refresh cycle on a two-user system spread over three volumes: an ext4
# root, a tmpfs (its own per-volume store) and a FAT volume through fusefat (cannot
# hold links: its files are copied into the master store). scan; every user file and
# directory is deleted from its place; load brings all of it back with the same content,
# owner, mode and times, linked files as the very same inodes; verify is clean; rd then
# leaves nothing of the store on any volume, and every restored file keeps its data and
# metadata.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_ext4 "$R" 64
mk_tmpfs "$R/srv" 16m
mk_fat "$R/data" 16
mk_system "$R"
fill_homes "$R"
mkdir -p "$R/srv/www/img" "$R/data/photos/2020"
put "$R/srv/www/index.html" 1001:1002 0640 "2020-02-02 20:20:20.5" "<html>"
put "$R/srv/www/img/logo.png" 0:0 0644 "2019-09-09 09:09:09" "PNG"
printf 'jpeg one\n' >"$R/data/photos/2020/one.jpg"
printf 'readme\n' >"$R/data/README"
touch -d "2020-04-04 04:04:04" "$R/data/photos/2020/one.jpg" "$R/data/README"
touch -d "2020-04-04 04:04:06" "$R/data/photos/2020" "$R/data/photos"
policy "$WORK/p.xml" "$SRV_COMPONENT"
compile "$WORK/p.xml" "$WORK/p.plan"

homes_before=$(manifest "$R/home")
srv_before=$(manifest "$R/srv")
data_before=$(manifest "$R/data")
inodes_before=$(tree_inodes "$R/home" | awk '{print $1, $2}')
srv_inodes_before=$(tree_inodes "$R/srv" | awk '{print $1, $2}')

scan "$R/store" "$WORK/p.plan" "$R"
[ -d "$R/srv/store/MIGSTATE/File" ] || fail "no per-volume store on the tmpfs volume"
assert_eq 2 "$(nlink "$R/home/alice/notes.txt")" "captured file has the store's link"

# the machine is reinstalled: the user data is gone from its places
wipe_homes "$R"
rm -rf "$R/srv/www" "$R/data/photos" "$R/data/README"

load "$R/store" "$WORK/p.plan" "$R"
[ "$RC" = 0 ] || fail "load exited $RC: $OUT"
assert_contains "$OUT" "0 skipped" "load summary"
assert_eq "$homes_before" "$(manifest "$R/home")" "homes after load"
assert_eq "$srv_before" "$(manifest "$R/srv" | grep -v ' ./store')" "srv after load"
assert_eq "$data_before" "$(manifest "$R/data")" "FAT volume after load"
assert_eq "$inodes_before" "$(tree_inodes "$R/home" | awk '{print $1, $2}')" "linked files keep their inodes"
assert_eq "$srv_inodes_before" "$(tree_inodes "$R/srv" | grep -v '^./store/' | awk '{print $1, $2}')" \
	"tmpfs files keep their inodes"
assert_eq 2 "$(nlink "$R/home/bob/Music/song.ogg")" "restored name + store name"

expect_rc 0 "$MIGSTATE" verify "$R/store"
expect_rc 0 "$MIGSTATE" du "$R/store" --json
assert_contains "$OUT" '"copied":{"count":2' "du counts the FAT copies"

# a second load finds everything in place
load "$R/store" "$WORK/p.plan" "$R"
[ "$RC" = 0 ] || fail "second load exited $RC: $OUT"
assert_contains "$OUT" "0 linked, 0 copied" "second load places nothing"

expect_rc 0 "$MIGSTATE" rd "$R/store" -y
assert_no_path "$R/store"
assert_no_path "$R/srv/store"
[ -z "$(find "$R" -name MIGSTATE)" ] || fail "store remnants: $(find "$R" -name MIGSTATE)"
assert_eq "$homes_before" "$(manifest "$R/home")" "homes after rd"
assert_eq "$srv_before" "$(manifest "$R/srv")" "srv after rd"
assert_eq "$data_before" "$(manifest "$R/data")" "FAT volume after rd"
assert_eq 1 "$(nlink "$R/home/bob/Music/song.ogg")" "only the restored name is left"
