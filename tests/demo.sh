#!/usr/bin/env bash
# `make demo`: the whole job end to end on a built-in default, on a fresh machine.
# Installs missing build packages when run as root, builds, compiles the shipped
# policies (policies/miguser.xml and migapp.xml), makes a small two-user home tree in a temporary
# directory, shows which rule decides a few paths, captures the tree into a hard-link
# store, restores it into a second location, and cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then
	bash .ci/deps.sh >/dev/null
fi
make -s all
MIGC=$PWD/build/migc
MIGSTATE=$PWD/build/migstate
T=$(mktemp -d "${TMPDIR:-/tmp}/migstate-demo.XXXXXX")
trap 'rm -rf "$T"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1. compile the shipped policies (user folders, application settings)"
"$MIGC" compile -o "$T/miguser.plan" policies/miguser.xml policies/migapp.xml
"$MIGSTATE" check-plan "$T/miguser.plan"

say "2. the plan, disassembled (first lines)"
"$MIGC" dump "$T/miguser.plan" >"$T/dump.txt"
sed -n '1,8p' "$T/dump.txt"
echo "    ..."
sed -n '/^code/,$p' "$T/dump.txt" | sed -n '1,17p'

say "3. a sample machine: two users with documents, settings and caches"
R=$T/root
mkdir -p "$R/etc" "$R/home"
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\nbob:x:1001:1001:Bob:/home/bob:/bin/bash\n' >"$R/etc/passwd"
for u in alice bob; do
	h=$R/home/$u
	mkdir -p "$h/Documents/reports" "$h/Pictures" "$h/.ssh" "$h/.cache/thumbs" "$h/.config/editor"
	echo "quarterly numbers for $u" >"$h/Documents/reports/q3.txt"
	echo "notes" >"$h/Documents/notes.md"
	echo "build output" >"$h/Documents/main.o"
	head -c 2048 /dev/urandom >"$h/Pictures/holiday.jpg"
	echo "ssh-ed25519 AAAA... $u" >"$h/.ssh/id_ed25519.pub"
	chmod 700 "$h/.ssh"
	echo "cache" >"$h/.cache/thumbs/a.png"
	echo "theme=dark" >"$h/.config/editor/settings.ini"
	echo "alias ll='ls -l'" >"$h/.bashrc"
done
(cd "$R" && find home -type f | sort | sed 's/^/    /')

say "4. which rule decides? (migc explain runs the runtime's VM)"
"$MIGC" explain "$T/miguser.plan" --root "$R" --user alice \
	/home/alice/Documents/reports/q3.txt /home/alice/Documents/main.o \
	/home/alice/.cache/thumbs/a.png /home/alice/.ssh/id_ed25519.pub /etc/passwd |
	awk -F'\t' '{ printf "    %-22s %-40s %s\n", $1, $2, $4 }'

if "$MIGSTATE" scan --help >/dev/null 2>&1 && "$MIGSTATE" load --help >/dev/null 2>&1; then
	say "5. capture into a hard-link store (no data copied)"
	"$MIGSTATE" scan "$R/store" --plan "$T/miguser.plan" --hardlink --nocompress \
		--root "$R" --min-free 1 --log "$T/scan.log"
	ino_before=$(stat -c %i "$R/home/alice/Documents/reports/q3.txt")
	echo "    q3.txt inode $ino_before, links $(stat -c %h "$R/home/alice/Documents/reports/q3.txt")"

	say "6. restore into a second location (a freshly installed system)"
	R2=$T/newroot
	mkdir -p "$R2/etc" "$R2/home/alice" "$R2/home/bob"
	cp "$R/etc/passwd" "$R2/etc/passwd"
	mv "$R/store" "$R2/store"
	"$MIGSTATE" load "$R2/store" --plan "$T/miguser.plan" --hardlink --nocompress \
		--root "$R2" --log "$T/load.log"
	(cd "$R2" && find home -type f | sort | sed 's/^/    /')
	echo "    restored q3.txt inode $(stat -c %i "$R2/home/alice/Documents/reports/q3.txt") (same file, not a copy)"

	say "7. delete the store safely"
	"$MIGSTATE" rd "$R2/store" --yes
fi
say "done (everything was in $T, now removed)"
