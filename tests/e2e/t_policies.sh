#!/usr/bin/env bash
# The shipped policies (policies/miguser.xml, migapp.xml, migdocs.xml, migsys.xml, config.xml): each lints clean
# under --werror and compiles; on a realistic fake system (etc/passwd, two homes, one
# with its own XDG folder names, a shared folder, system trees) `migc explain` shows
# documents and keys in, caches, trash and build output out, the shared folders taken
# in the System context, Config.xml's switches and error codes in the plan. When this
# build has `migstate scan` and `load`, the same is checked on a real capture and
# restore: hard links of the originals in the store, nothing excluded in it, ~/.ssh's
# modes and owners exact after the restore.
. "$(dirname "$0")/lib.sh"

T=$(mk_tmpdir)
R=$T/root

# --- lint and compile each --------------------------------------------------------
cd "$REPO" || exit 1
for f in miguser.xml migapp.xml migdocs.xml migsys.xml; do
	expect_rc 0 "$MIGC" lint --werror "policies/$f"
	assert_eq "" "$OUT" "lint output of $f"
	expect_rc 0 "$MIGC" compile -o "$T/${f%.xml}.plan" "policies/$f"
	expect_rc 0 "$MIGSTATE" check-plan "$T/${f%.xml}.plan"
done
ALL=(policies/miguser.xml policies/migapp.xml policies/migdocs.xml policies/migsys.xml)
expect_rc 0 "$MIGC" lint --werror --config policies/config.xml "${ALL[@]}"
assert_eq "" "$OUT" "lint output of config.xml with the four policies"
expect_rc 0 "$MIGC" lint --werror --format sarif --config policies/config.xml "${ALL[@]}"
assert_contains "$OUT" '"results": []' "SARIF without results"
expect_rc 0 "$MIGC" compile -o "$T/site.plan" --config policies/config.xml "${ALL[@]}"
expect_rc 0 "$MIGSTATE" check-plan "$T/site.plan"
# config.xml is a Config.xml: given as a rule file it is refused
expect_rc 1 "$MIGC" lint policies/config.xml
assert_contains "$OUT" "pass it with --config" "config.xml as a rule file"

# --- a fake system ----------------------------------------------------------------
mkdir -p "$R/etc" "$R/home"
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001:Bob:/home/bob:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
printf 'UID_MIN\t1000\nUID_MAX\t60000\n' >"$R/etc/login.defs"
mkf() { # mkf PATH [CONTENT]: a file beneath the fake root, parents made
	mkdir -p "$(dirname "$R$1")"
	printf '%s\n' "${2:-$1}" >"$R$1"
}
A=/home/alice
B=/home/bob
IN_USER=( # taken by miguser.xml
	$A/Documents/report.odt $A/Documents/sub/notes.md $A/Desktop/todo.txt $A/Pictures/cat.jpg
	$A/Downloads/paper.pdf $A/.bashrc $A/.profile $A/.local/share/fonts/mine.ttf
	$B/Dokumente/brief.odt
)
IN_APP=( # taken by migapp.xml (t_shipped_policies_explain.sh has every application)
	$A/.gitconfig $A/.ssh/id_ed25519 $A/.ssh/id_ed25519.pub $A/.ssh/config
	$A/.gnupg/pubring.kbx $A/.config/app/settings.ini $A/.mozilla/firefox/p.default/places.sqlite
)
OUT_UNCOND=( # caches, trash, thumbnails, build output: unconditionally excluded
	$A/.cache/fontconfig/cache-7 $A/.cache/report.pdf $A/.local/share/Trash/files/old.odt
	$A/.local/share/Trash/info/old.odt.trashinfo $A/.thumbnails/normal/abc.png
	$A/Documents/proj/node_modules/pkg/index.js $A/Documents/proj/node_modules/pkg/README.md
	$A/Documents/proj/__pycache__/mod.cpython-311.pyc $A/Documents/proj/main.o
)
OUT_UNCOND_APP=( # application caches and locks: unconditionally excluded by migapp.xml
	$A/.config/chromium/Default/Cache/data_0 $A/.mozilla/firefox/p.default/cache2/entries/E1
	$A/.config/chromium/SingletonLock
)
OUT_EXCL=( # excluded by a more specific rule of the including component
	"$A/Documents/draft.odt~" $A/Downloads/big.iso.part
)
OUT_NONE=( # no rule takes them
	$A/random.bin $A/.lesshst /etc/hostname
)
for f in "${IN_USER[@]}" "${IN_APP[@]}" "${OUT_UNCOND[@]}" "${OUT_UNCOND_APP[@]}" "${OUT_EXCL[@]}" \
	"${OUT_NONE[@]}" $A/.gnupg/S.gpg-agent; do mkf "$f"; done
mkf $A/Videos/clip.mp4
mkf $A/Videos/raw.bin
mkf $A/loose-notes.txt           # migdocs: a document anywhere in the home
mkf $A/Documents/data.xyz        # miguser: the whole folder; migdocs: not a document
mkf /home/Public/shared.txt      # shared folder: System context
mkf /usr/local/share/fonts/site.ttf
mkf /srv/data/plan.ods           # migdocs: a document outside the homes
mkf /usr/share/doc/pkg/README.txt
chmod 700 "$R$A/.ssh" "$R$A/.gnupg"
chmod 600 "$R$A/.ssh/id_ed25519" "$R$A/.ssh/config"
mkdir -p "$R$B/.config"
printf 'XDG_DOCUMENTS_DIR="$HOME/Dokumente"\n' >"$R$B/.config/user-dirs.dirs"
chown -R 1000:1000 "$R$A"
chown -R 1001:1001 "$R$B"

# verdict PLAN USER PATH: the verdict `migc explain` gives (USER "-": system only)
verdict() {
	local u=()
	[ "$2" = - ] || u=(--user "$2")
	"$MIGC" explain "$1" --root "$R" "${u[@]}" "$3" | cut -f1
}
# component PLAN USER PATH: the display name of the deciding component
component() {
	local u=()
	[ "$2" = - ] || u=(--user "$2")
	"$MIGC" explain "$1" --root "$R" "${u[@]}" --format json "$3" |
		sed -n 's/.*"component":"\([^"]*\)".*/\1/p'
}
user_of() { case $1 in /home/bob/*) echo bob ;; *) echo alice ;; esac; }

# --- miguser.xml ------------------------------------------------------------------
P=$T/miguser.plan
for f in "${IN_USER[@]}"; do assert_eq include "$(verdict "$P" "$(user_of "$f")" "$f")" "miguser: $f"; done
for f in "${OUT_UNCOND[@]}"; do
	assert_eq unconditional-exclude "$(verdict "$P" alice "$f")" "miguser: $f"
	assert_eq "Caches, trash and build output" "$(component "$P" alice "$f")" "component of $f"
done
for f in "${OUT_EXCL[@]}"; do assert_eq exclude "$(verdict "$P" alice "$f")" "miguser: $f"; done
for f in "${OUT_NONE[@]}"; do assert_eq none "$(verdict "$P" alice "$f")" "miguser: $f"; done
for f in "${IN_APP[@]}"; do assert_eq none "$(verdict "$P" alice "$f")" "miguser leaves $f to migapp"; done
assert_eq "Documents" "$(component "$P" bob $B/Dokumente/brief.odt)" "bob's XDG documents dir"
assert_eq none "$(verdict "$P" bob $B/Documents/brief.odt)" "bob has no ~/Documents"
# shared folders: decided in the System pass (no user bound), by a System component
for f in /home/Public/shared.txt /usr/local/share/fonts/site.ttf; do
	assert_eq include "$(verdict "$P" - "$f")" "system pass: $f"
	assert_eq "Shared folders" "$(component "$P" - "$f")" "component of $f"
done
assert_eq none "$(verdict "$P" - $A/.bashrc)" "user rules in the system pass"
"$MIGC" dump "$P" >"$T/miguser.dump"
grep -Eq '^ +[0-9]+ +System +"Shared folders"' "$T/miguser.dump" || fail "Shared folders is not System"
grep -Eq '^ +[0-9]+ +UserAndSystem +"Caches, trash and build output"' "$T/miguser.dump" ||
	fail "the never-migrated component is not UserAndSystem"

# --- migapp.xml -------------------------------------------------------------------
P=$T/migapp.plan
for f in "${IN_APP[@]}"; do assert_eq include "$(verdict "$P" alice "$f")" "migapp: $f"; done
assert_eq "OpenSSH" "$(component "$P" alice $A/.ssh/id_ed25519)" ".ssh component"
assert_eq "Other application settings" "$(component "$P" alice $A/.config/app/settings.ini)" \
	"~/.config component"
for f in "${OUT_UNCOND_APP[@]}"; do
	assert_eq unconditional-exclude "$(verdict "$P" alice "$f")" "migapp: $f"
	assert_eq "Application caches, locks and crash dumps" "$(component "$P" alice "$f")" "component of $f"
done
assert_eq exclude "$(verdict "$P" alice $A/.gnupg/S.gpg-agent)" "agent socket"
assert_eq none "$(verdict "$P" alice $A/Documents/report.odt)" "migapp leaves the user folders"
assert_eq none "$(verdict "$P" bob $B/.ssh/id_ed25519)" "bob has no ~/.ssh: OpenSSH not detected"

# --- migdocs.xml ------------------------------------------------------------------
P=$T/migdocs.plan
for f in $A/loose-notes.txt $A/Documents/report.odt $A/Videos/clip.mp4 /srv/data/plan.ods; do
	assert_eq include "$(verdict "$P" alice "$f")" "migdocs: $f"
done
assert_eq "Documents on local filesystems" "$(component "$P" alice /srv/data/plan.ods)" "migdocs component"
for f in /usr/share/doc/pkg/README.txt $A/.cache/report.pdf $A/.config/app/settings.ini; do
	assert_ne include "$(verdict "$P" alice "$f")" "migdocs: $f"
done
assert_eq exclude "$(verdict "$P" alice /usr/share/doc/pkg/README.txt)" "system tree"
assert_eq unconditional-exclude "$(verdict "$P" alice $A/Documents/proj/node_modules/pkg/README.md)" \
	"migdocs: node_modules"
assert_ne include "$(verdict "$P" alice $A/Documents/data.xyz)" "migdocs: unknown extension"
assert_ne include "$(verdict "$P" alice $A/random.bin)" "migdocs: not a document"

# --- config.xml with both -----------------------------------------------------------
P=$T/site.plan
assert_eq include "$(verdict "$P" alice $A/Videos/clip.mp4)" "Videos off, but migdocs takes the video"
assert_eq "Documents on local filesystems" "$(component "$P" alice $A/Videos/clip.mp4)" "clip.mp4 by migdocs"
assert_ne include "$(verdict "$P" alice $A/Videos/raw.bin)" "Videos switched off"
assert_eq unconditional-exclude "$(verdict "$P" alice $A/.cache/report.pdf)" "cache beats migdocs"
"$MIGC" dump "$P" >"$T/site.dump"
grep -q 'nonFatal code=16 pattern [0-9]* "\* \[\*\]"' "$T/site.dump" || fail "errorCode 32 is not EBUSY"
grep -q 'nonFatal code=13 pattern [0-9]* "C:\\\* \[\*\]"' "$T/site.dump" || fail "errorCode 5 is not EACCES"
grep -q 'fatal    code=any pattern [0-9]* "%PROFILESFOLDER%\\\* \[\*\]"' "$T/site.dump" ||
	fail "fatal rule for the homes"
grep -q 'createHardLink pattern [0-9]* "%PROFILESFOLDER%\\\* \[\*\]"' "$T/site.dump" ||
	fail "createHardLink for the homes"
grep -q 'errorHardLink  pattern [0-9]* "C:\\\* \[\*\]"' "$T/site.dump" || fail "errorHardLink catch-all"

# --- a real capture and restore -------------------------------------------------------
have() { "$MIGSTATE" "$1" --help >/dev/null 2>&1; }
if ! have scan || ! have load || ! have verify || ! have rd; then
	note "migstate scan/load/verify/rd not in this build: capture and restore not checked"
	exit 0
fi
cd "$T"
S=$R/store
declare -A ino
for f in "${IN_USER[@]}" "${IN_APP[@]}" /home/Public/shared.txt /srv/data/plan.ods $A/loose-notes.txt; do
	ino[$f]=$(stat -c %i "$R$f")
done
expect_rc 0 "$MIGSTATE" scan "$S" --plan "$T/site.plan" --hardlink --nocompress --root "$R" \
	--min-free 1 --log "$T/scan.log"
F=$S/MIGSTATE/File
[ -d "$F" ] || fail "no MIGSTATE/File in the store"
for f in "${!ino[@]}"; do same_inode "$R$f" "$F$f" || fail "$f is not linked into the store"; done
for f in "${OUT_UNCOND[@]}" "${OUT_UNCOND_APP[@]}" "${OUT_EXCL[@]}" $A/.gnupg/S.gpg-agent $A/random.bin $A/Videos/raw.bin /usr/share/doc/pkg/README.txt; do
	assert_no_path "$F$f"
done
same_inode "$R$A/Videos/clip.mp4" "$F$A/Videos/clip.mp4" || fail "clip.mp4 (migdocs) not captured"

# the reinstall: a new system on the same filesystem, homes empty, the store kept
R2=$T/new
mkdir -p "$R2/etc" "$R2$A" "$R2$B"
cp "$R/etc/passwd" "$R/etc/login.defs" "$R2/etc/"
chown 1000:1000 "$R2$A"
chown 1001:1001 "$R2$B"
mv "$S" "$R2/store"
S=$R2/store
expect_rc 0 "$MIGSTATE" load "$S" --plan "$T/site.plan" --hardlink --nocompress --root "$R2" \
	--log "$T/load.log"
for f in "${!ino[@]}"; do
	[ -f "$R2$f" ] || fail "$f not restored"
	assert_eq "${ino[$f]}" "$(stat -c %i "$R2$f")" "$f restored as the same inode"
done
for f in "${OUT_UNCOND[@]}" "${OUT_UNCOND_APP[@]}" "${OUT_EXCL[@]}" $A/.gnupg/S.gpg-agent $A/random.bin /usr/share/doc/pkg/README.txt; do
	assert_no_path "$R2$f"
done
assert_no_path "$R2$A/.cache"
assert_no_path "$R2$A/.local/share/Trash"
assert_no_path "$R2$A/Documents/proj/node_modules"
# ~/.ssh exactly as it was: modes and owners of the directory and every file
for f in .ssh .ssh/id_ed25519 .ssh/id_ed25519.pub .ssh/config .gnupg; do
	assert_eq "$(stat -c '%a %u:%g' "$R$A/$f")" "$(stat -c '%a %u:%g' "$R2$A/$f")" "mode and owner of ~/$f"
done
assert_eq "700 1000:1000" "$(stat -c '%a %u:%g' "$R2$A/.ssh")" "~/.ssh"
assert_eq "600 1000:1000" "$(stat -c '%a %u:%g' "$R2$A/.ssh/id_ed25519")" "~/.ssh/id_ed25519"

expect_rc 0 "$MIGSTATE" verify "$S"
expect_rc 0 "$MIGSTATE" rd "$S" --yes
assert_no_path "$S"
for f in "${!ino[@]}"; do [ -f "$R2$f" ] || fail "$f gone after rd"; done
