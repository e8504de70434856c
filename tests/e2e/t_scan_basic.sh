#!/usr/bin/env bash
# migstate scan on a fake system beneath --root, one volume: every file the shipped
# policy includes becomes one more name of the same inode in the store, nothing else is
# there, the sources are unchanged, the catalog lists exactly what was captured (with
# parent directories, symlinks and fifos recorded, never followed), and the logs say
# so. Then: existing stores (27, -o), foreign directories, a copy store, --estimate,
# user selection, the store never capturing itself, and the command-line refusals.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/scan_fixture.sh"
need_root
T=$(mk_tmpdir)
R=$T/root
mk_system "$R"
compile_shipped "$T/user.plan"
cd "$T"
S=$R/store
P=$S/MIGSTATE/File

before=$(src_manifest "$R")
declare -A links
while read -r f; do links[$f]=$(nlink "$R$f"); done <<<"$MIGUSER_FILES"

expect_rc 0 "$MIGSTATE" scan "$S" --plan "$T/user.plan" --hardlink --nocompress --root "$R" \
	--min-free 1 --listfiles "$T/list" --progress "$T/progress" --log "$T/scan.log" --json
json=$OUT

# --- the store ---------------------------------------------------------------------
assert_eq "$before" "$(src_manifest "$R")" "sources unchanged"
while read -r f; do
	same_inode "$R$f" "$P$f" || fail "$f is not a hard link in the store"
	assert_eq $((links[$f] + 1)) "$(nlink "$R$f")" "link count of $f"
done <<<"$MIGUSER_FILES"
for f in Documents/build.o 'Documents/draft.txt~' .cache/thumbs/t1.png Downloads/big.iso.part \
	Documents/latest Documents/abs-link Documents/pipe; do
	assert_no_path "$P/home/alice/$f"
done
assert_no_path "$P/home/alice/.cache"
assert_eq 700 "$(stat -c %a "$S")" "store top mode"
assert_eq "0:0" "$(stat -c %u:%g "$S")" "store top owner"
assert_eq complete "$(store_state "$S")" "store state"
grep -qx 'role: master' "$S/MIGSTATE/store.id" || fail "store.id role"
assert_file "$S/MIGSTATE/catalog"
assert_no_path "$S/MIGSTATE/catalog.partial"
# payload: only regular files, nothing else (no symlinks, fifos) in the store
assert_eq "" "$(find "$P" ! -type f ! -type d)" "only files and directories in the payload"
assert_eq 11 "$(find "$P" -type f -printf x | wc -c)" "payload file count"
same_inode "$R/home/alice/Documents/new"$'\n'"line" "$P/home/alice/Documents/new"$'\n'"line" ||
	fail "a name with a newline"

# --- the catalog ---------------------------------------------------------------------
expected=$( (echo "$MIGUSER_FILES"; printf '%s\n' /home/alice/Documents/abs-link \
	/home/alice/Documents/latest /home/alice/Documents/pipe '/home/alice/Documents/new\x0aline') |
	LC_ALL=C sort)
assert_eq "$expected" "$(catalog_files "$S")" "catalog objects"
assert_eq "$expected" "$(LC_ALL=C sort "$T/list")" "--listfiles"
assert_eq symlink "$(cat_field "$S" /home/alice/Documents/latest 1)" "symlink type"
assert_eq report.txt "$(cat_field "$S" /home/alice/Documents/latest 14)" "symlink target"
assert_eq /etc/passwd "$(cat_field "$S" /home/alice/Documents/abs-link 14)" "absolute target kept"
assert_eq recorded "$(cat_field "$S" /home/alice/Documents/abs-link 2)" "symlink recorded"
assert_eq fifo "$(cat_field "$S" /home/alice/Documents/pipe 1)" "fifo type"
assert_eq linked "$(cat_field "$S" /home/alice/Documents/report.txt 2)" "action linked"
assert_eq "$(stat -c %i "$R/home/alice/Documents/report.txt")" \
	"$(cat_field "$S" /home/alice/Documents/report.txt 7)" "inode recorded"
assert_eq 1 "$(cat_field "$S" /home/alice/Documents/report.txt 6)" "alice is user 1"
assert_eq 2 "$(cat_field "$S" /home/bob/Documents/plan.txt 6)" "bob is user 2"
# parent directories come first, with their real metadata (.ssh stays 0700)
assert_eq 40700 "$(cat_field "$S" /home/alice/.ssh 9)" ".ssh mode recorded"
assert_eq 16 "$(cat_field "$S" /home/alice/.ssh 3)" "parent-only flag"
dirs=$(catalog_dirs "$S")
assert_eq /home "$(echo "$dirs" | head -1)" "first directory record"
"$(helper catdump)" "$S" | awk -F '\t' 'NF >= 13 { print $13 }' | awk '
	{ seen[$0] = 1; n = split($0, a, "/"); p = ""
	  for (i = 2; i < n; i++) { p = p "/" a[i]; if (!(p in seen)) { print "parent after child: " $0; exit 1 } } }' ||
	fail "catalog order"
# the header: volumes, users
head -4 <<<"$("$(helper catdump)" "$S")" | grep -q "^volume 0 flags 1 mount / store /store$" ||
	fail "volume table: $("$(helper catdump)" "$S" | head -3)"
"$(helper catdump)" "$S" | grep -q '^user 1 alice uid 1000 home /home/alice$' || fail "user table"

# --- logs -------------------------------------------------------------------------------
python3 - "$json" <<'PY' || fail "json summary: $json"
import json, sys
j = json.loads(sys.argv[1].strip().splitlines()[-1])
assert j["exit_code"] == 0 and j["state"] == "complete", j
assert j["files_linked"] == 11 and j["files_copied"] == 0 and j["bytes_copied"] == 0, j
assert j["users"] == ["alice", "bob"], j
assert j["volumes"][0]["master"] is True, j
PY
grep -Eq '^[0-9]{2} [A-Z][a-z]{2} [0-9]{4}, [0-9]{2}:[0-9]{2}:[0-9]{2}, [0-9]{2}:[0-9]{2}:[0-9]{2}, PHASE, Collecting$' \
	"$T/progress" || fail "progress format: $(cat "$T/progress")"
grep -q 'detectedUser, carol, includedInMigration, No' "$T/progress" || fail "carol not reported"
grep -q 'user carol (uid 1002): no home directory' "$T/scan.log" || fail "log: user table"

# --- an existing store -------------------------------------------------------------------
expect_rc 27 "$MIGSTATE" scan "$S" --plan "$T/user.plan" --hardlink --nocompress --root "$R" --min-free 1
assert_contains "$OUT" "-o overwrites it" "27 message"
assert_eq complete "$(store_state "$S")" "refused scan leaves the store"
rm "$R/home/alice/Desktop/todo.txt"
# -o keeps rd's guard: the store holds the only copy of todo.txt now (35, untouched)
expect_rc 35 "$MIGSTATE" scan "$S" -o --plan "$T/user.plan" --hardlink --nocompress --root "$R" --min-free 1
assert_contains "$OUT" "home/alice/Desktop/todo.txt" "the entry kept is named"
assert_eq complete "$(store_state "$S")" "a refused -o leaves the store"
[ -f "$P/home/alice/Desktop/todo.txt" ] || fail "a refused -o removed the only copy"
expect_rc 0 "$MIGSTATE" scan "$S" -o --force --plan "$T/user.plan" --hardlink --nocompress --root "$R" --min-free 1
assert_no_path "$P/home/alice/Desktop/todo.txt"
assert_eq 1 "$(nlink "$R/home/alice/Documents/report.txt" | awk '{print $1 - 1}')" "one store link after -o"

# -o never touches a foreign directory (nor a file, nor a symlink)
mkdir "$T/foreign" && echo keep >"$T/foreign/data"
expect_rc 27 "$MIGSTATE" scan "$T/foreign" -o --plan "$T/user.plan" --hardlink --nocompress --root "$R" --min-free 1
assert_contains "$OUT" "not a migstate store" "foreign message"
assert_eq keep "$(cat "$T/foreign/data")" "foreign data kept"
ln -s "$T/foreign" "$T/symstore" # STORE is resolved like any path the admin types
expect_rc 27 "$MIGSTATE" scan "$T/symstore" -o --plan "$T/user.plan" --hardlink --nocompress --root "$R" --min-free 1
assert_eq keep "$(cat "$T/foreign/data")" "foreign data behind a symlink kept"

# --- the store never captures itself -----------------------------------------------------
system_policy "$T/all.xml" 'C:\* [*]'
compile_plan "$T/all.plan" "$T/all.xml"
expect_rc 0 "$MIGSTATE" scan "$S" -o --plan "$T/all.plan" --hardlink --nocompress --root "$R" --min-free 1
catalog_files "$S" | grep -q '^/store' && fail "the store captured itself"
catalog_files "$S" | grep -qx /etc/passwd || fail "catch-all policy missed /etc/passwd"

# --- a copy store (no --hardlink), outside the root ----------------------------------------
expect_rc 0 "$MIGSTATE" scan "$T/copy" --plan "$T/user.plan" --nocompress --root "$R" --min-free 1
f=/home/alice/Documents/report.txt
same_inode "$R$f" "$T/copy/MIGSTATE/File$f" && fail "copy store linked"
cmp -s "$R$f" "$T/copy/MIGSTATE/File$f" || fail "copy content"
assert_eq "$(stat -c '%a %u %g %Y' "$R$f")" "$(stat -c '%a %u %g %Y' "$T/copy/MIGSTATE/File$f")" "copy metadata"
assert_eq copied "$(cat_field "$T/copy" $f 2)" "action copied"
"$(helper catdump)" "$T/copy" | grep -q "^volume 0 flags 5 mount / store $T/copy$" ||
	fail "store outside the root: $("$(helper catdump)" "$T/copy" | grep ^volume)"

# --- the master on a mount inside the root, the homes on the root's own volume (whose
# mount point lies above --root): their store is re-rooted at the root, never outside
mk_tmpfs "$R/srv" 16m
assert_no_path /st2
expect_rc 0 "$MIGSTATE" scan "$R/srv/st2" --plan "$T/user.plan" --hardlink --nocompress --root "$R" --min-free 1
assert_no_path /st2
grep -qx 'role: volume' "$R/st2/MIGSTATE/store.id" || fail "volume store beneath the root"
same_inode "$R/home/alice/Documents/report.txt" "$R/st2/MIGSTATE/File/home/alice/Documents/report.txt" ||
	fail "linked into the re-rooted volume store"
"$(helper catdump)" "$R/srv/st2" | grep -q "^volume 1 flags 0 mount / store /st2$" ||
	fail "volume table: $("$(helper catdump)" "$R/srv/st2" | grep ^volume)"
"$(helper catdump)" "$R/srv/st2" | grep -q "^volume 0 flags 1 mount /srv store /srv/st2$" || fail "master entry"
rm -rf "$R/st2"
umount "$R/srv"
rmdir "$R/srv"

# --- --estimate writes no store --------------------------------------------------------------
expect_rc 0 "$MIGSTATE" scan "$T/est" --plan "$T/user.plan" --hardlink --nocompress --root "$R" \
	--min-free 1 --estimate "$T/est.xml"
assert_no_path "$T/est"
grep -q 'filesToLink="10"' "$T/est.xml" || fail "estimate: $(cat "$T/est.xml")"
grep -q '<storeSize><size clusterSize="4096">0</size></storeSize>' "$T/est.xml" || fail "estimate size"

# --- users: --ui beats --ue and --uel, --uel beats --ue -------------------------------------
expect_rc 0 "$MIGSTATE" scan "$T/u1" --plan "$T/user.plan" --hardlink --nocompress --root "$R" \
	--min-free 1 --ue 'b*' --log "$T/u1.log"
catalog_files "$T/u1" | grep -q '^/home/bob' && fail "--ue bob"
grep -q 'user bob (uid 1001): excluded by --ue' "$T/u1.log" || fail "u1 log"
expect_rc 0 "$MIGSTATE" scan "$T/u2" --plan "$T/user.plan" --hardlink --nocompress --root "$R" \
	--min-free 1 --ue '*' --ui 'WORKGROUP\bob'
catalog_files "$T/u2" | grep -q '^/home/alice' && fail "--ue *"
catalog_files "$T/u2" | grep -q '^/home/bob' || fail "--ui beats --ue"
touch -d '2020-01-01' "$R/home/bob"
expect_rc 0 "$MIGSTATE" scan "$T/u3" --plan "$T/user.plan" --hardlink --nocompress --root "$R" \
	--min-free 1 --ue alice --uel 30 --log "$T/u3.log"
catalog_files "$T/u3" | grep -q '^/home/alice' || fail "--uel beats --ue"
catalog_files "$T/u3" | grep -q '^/home/bob' && fail "--uel keeps inactive bob"
grep -q 'user bob (uid 1001): excluded by --uel' "$T/u3.log" || fail "u3 log"

# --- command-line refusals ------------------------------------------------------------------
base=(--plan "$T/user.plan" --root "$R" --min-free 1)
expect_rc 11 "$MIGSTATE" scan "$T/x" "${base[@]}" --hardlink
assert_contains "$OUT" "--hardlink requires --nocompress" "hardlink without nocompress"
expect_rc 11 "$MIGSTATE" scan "$T/x" "${base[@]}" --hardlink --nocompress --efs copyraw
assert_contains "$OUT" "no way to read the raw ciphertext" "copyraw refused"
expect_rc 11 "$MIGSTATE" scan "$T/x" "${base[@]}" --nocompress --efs hardlink
assert_contains "$OUT" "--efs hardlink requires --hardlink" "efs hardlink"
expect_rc 11 "$MIGSTATE" scan "$T/x" "${base[@]}" --nocompress --plan "$T/user.plan"
assert_contains "$OUT" "more than once" "duplicate option"
expect_rc 11 "$MIGSTATE" scan "$T/x" "$T/y" "${base[@]}" --nocompress
expect_rc 11 "$MIGSTATE" scan "$T/x" "${base[@]}" --nocompress --bogus
expect_rc 11 "$MIGSTATE" scan "$T/x" "${base[@]}" --nocompress --verbose 3
expect_rc 11 "$MIGSTATE" scan "${base[@]}" --nocompress
expect_rc 11 "$MIGSTATE" scan "$T/x" "${base[@]}" --nocompress --log "$T/x/in.log"
assert_contains "$OUT" "inside the store" "log inside the store"
expect_rc 11 "$MIGSTATE" scan "$T/x" --plan "$T/user.plan" --root "$T/nowhere" --nocompress
echo "not a plan" >"$T/bad.plan"
expect_rc 39 "$MIGSTATE" scan "$T/x" --plan "$T/bad.plan" --root "$R" --nocompress --min-free 1
expect_rc 0 "$MIGSTATE" scan --help
assert_contains "$OUT" "--efs MODE" "help text"
assert_no_path "$T/x"
echo "file" >"$T/afile"
expect_rc 27 "$MIGSTATE" scan "$T/afile" "${base[@]}" --nocompress
