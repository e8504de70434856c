#!/usr/bin/env bash
# The shipped policies compiled together (miguser.xml + migapp.xml + migdocs.xml) on a
# realistic home: `migc explain --format json` decides, path by path, what is captured
# and by which component: each application of migapp.xml (Firefox deb/snap/Flatpak,
# Chromium, Chrome, Brave, Thunderbird, Evolution, GNOME, KDE, VS Code, JetBrains, git,
# ssh, gpg, ~/.pki, pass, user systemd units, ~/.local/bin, AWS, kubectl, Docker, shell
# histories), migdocs.xml's folders of the home (~/Projects, ~/src, ~/Work), and what is
# never captured (caches, trash, locks, crash dumps, node_modules, __pycache__, target,
# .venv). An application whose folder is absent is not detected, so its rules take
# nothing; the policies lint clean together, also with the example config.xml.
# With migsys.xml and config.xml, on a system root: what each system component takes
# (crontabs, cron.d, NetworkManager, CUPS, host keys, fstab/crypttab, hosts, sudo,
# AccountsService, /var/mail), that /usr/local, /opt and /srv are off by default and
# taken when config.xml says yes, and what is never taken (account files, package
# databases, /proc, /sys, /dev, /run) whatever else would.
. "$(dirname "$0")/lib.sh"

T=$(mk_tmpdir)
R=$T/root
cd "$REPO" || exit 1
POL=(policies/miguser.xml policies/migapp.xml policies/migdocs.xml)
expect_rc 0 "$MIGC" lint --werror "${POL[@]}"
assert_eq "" "$OUT" "lint of the three shipped policies"
expect_rc 0 "$MIGC" lint --werror --config policies/config.xml "${POL[@]}"
assert_eq "" "$OUT" "lint with config.xml"
expect_rc 0 "$MIGC" compile -o "$T/trio.plan" "${POL[@]}"
SYS=("${POL[@]}" policies/migsys.xml)
expect_rc 0 "$MIGC" lint --werror --config policies/config.xml "${SYS[@]}"
assert_eq "" "$OUT" "lint of the four shipped policies with config.xml"
expect_rc 0 "$MIGC" compile -o "$T/four.plan" --config policies/config.xml "${SYS[@]}"

mkdir -p "$R/etc" "$R/home"
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n' >"$R/etc/passwd"
H=/home/alice
# verdict, deciding component ("-" for none), path below alice's home
TABLE='include|Mozilla Firefox|.mozilla/firefox/p.default/places.sqlite
include|Mozilla Firefox|snap/firefox/common/.mozilla/firefox/s.default/places.sqlite
include|Mozilla Firefox|.var/app/org.mozilla.firefox/.mozilla/firefox/f.default/prefs.js
unconditional-exclude|Application caches, locks and crash dumps|.mozilla/firefox/p.default/.parentlock
unconditional-exclude|Application caches, locks and crash dumps|.mozilla/firefox/p.default/lock
unconditional-exclude|Application caches, locks and crash dumps|snap/firefox/common/.mozilla/firefox/s.default/lock
unconditional-exclude|Application caches, locks and crash dumps|.mozilla/firefox/p.default/cache2/entries/AB12
unconditional-exclude|Application caches, locks and crash dumps|.mozilla/firefox/Crash Reports/pending/x.dmp
include|Mozilla Thunderbird|.thunderbird/t.default/prefs.js
unconditional-exclude|Application caches, locks and crash dumps|.thunderbird/t.default/.parentlock
include|Chromium|.config/chromium/Default/Bookmarks
include|Chromium|snap/chromium/common/chromium/Default/Preferences
include|Google Chrome|.config/google-chrome/Default/Login Data
unconditional-exclude|Application caches, locks and crash dumps|.config/google-chrome/SingletonLock
unconditional-exclude|Application caches, locks and crash dumps|.config/google-chrome/Default/GPUCache/data_1
unconditional-exclude|Application caches, locks and crash dumps|.config/google-chrome/Crashpad/reports/r.dmp
include|Brave|.config/BraveSoftware/Brave-Browser/Default/Bookmarks
include|Evolution|.config/evolution/sources/acct.source
include|Evolution|.local/share/evolution/mail/local/folders.db
include|GNOME desktop|.config/dconf/user
include|GNOME desktop|.local/share/gnome-shell/extensions/dash@x/extension.js
include|GNOME desktop|.local/share/keyrings/login.keyring
include|KDE Plasma|.config/kdeglobals
include|KDE Plasma|.config/kwinrc
include|KDE Plasma|.config/plasma-org.kde.plasma.desktop-appletsrc
include|KDE Plasma|.local/share/kwalletd/kdewallet.kwl
include|Visual Studio Code|.config/Code/User/settings.json
include|Visual Studio Code|.vscode/extensions/ms-python.python/package.json
exclude|Other application settings|.config/Code/CachedData/x/y.bin
include|JetBrains IDEs|.config/JetBrains/IntelliJIdea2024.1/options/ide.general.xml
include|Git|.gitconfig
include|Git|.config/git/ignore
include|OpenSSH|.ssh/id_ed25519
include|OpenSSH|.ssh/known_hosts
include|GnuPG|.gnupg/pubring.kbx
exclude|GnuPG|.gnupg/S.gpg-agent
include|User certificates (NSS database)|.pki/nssdb/cert9.db
include|pass (password store)|.password-store/mail/work.gpg
include|User systemd units and timers|.config/systemd/user/backup.timer
include|User systemd units and timers|.config/systemd/user/backup.service
include|User systemd units and timers|.config/systemd/user/timers.target.wants/backup.timer
include|Personal programs (~/.local/bin)|.local/bin/deploy
include|AWS CLI|.aws/credentials
exclude|AWS CLI|.aws/cli/cache/abc.json
include|Kubernetes (kubectl)|.kube/config
exclude|Kubernetes (kubectl)|.kube/cache/discovery/x.json
include|Docker CLI|.docker/config.json
include|Shell histories|.bash_history
include|Shell histories|.zsh_history
include|Shell histories|.python_history
include|Shell histories|.local/share/fish/fish_history
include|Flatpak applications|.var/app/org.gnome.Builder/config/x.ini
unconditional-exclude|Application caches, locks and crash dumps|.var/app/org.gnome.Builder/cache/y
include|Other application settings|.config/monitors.xml
include|Other application settings|.config/autostart/syncthing.desktop
exclude|Other application settings|.config/pulse/cookie
include|Documents|Documents/report.odt
include|Documents|Documents/data.xyz
include|Shell and editor settings|.bashrc
include|Fonts and menu entries|.local/share/fonts/mine.ttf
include|Local mail folders|Maildir/cur/1.eml
include|Folders in the home|Projects/app/main.c
include|Folders in the home|Projects/app/Makefile
include|Folders in the home|Projects/app/.git/HEAD
include|Folders in the home|src/tool/tool.go
include|Folders in the home|Work/budget.bin
include|Documents on local filesystems|Projects/app/README.md
include|Documents on local filesystems|notes.txt
exclude|Folders in the home|random.bin
exclude|Folders in the home|snap/other/42/data.bin
exclude|Folders in the home|go/pkg/mod/x/y.go
unconditional-exclude|Caches, trash and build output|Projects/app/node_modules/x/index.js
unconditional-exclude|Caches, trash and build output|Projects/app/node_modules/x/README.md
unconditional-exclude|Caches, trash and build output|Projects/py/__pycache__/m.cpython-311.pyc
unconditional-exclude|Build output|Projects/rs/target/debug/rs
unconditional-exclude|Build output|Projects/rs/target/doc/notes.txt
unconditional-exclude|Build output|Projects/py/.venv/lib/site.py
unconditional-exclude|Build output|Projects/py/.venv/README.md
unconditional-exclude|Caches, trash and build output|.cache/mozilla/firefox/p/cache2/x
unconditional-exclude|Caches, trash and build output|.local/share/Trash/files/old.odt
exclude|Folders in the home|.lesshst'
while IFS='|' read -r _ _ p; do
	mkdir -p "$(dirname "$R$H/$p")"
	echo "$p" >"$R$H/$p"
done <<<"$TABLE"
chown -R 1000:1000 "$R$H"

# one explain run for every path; then compare line by line
mapfile -t paths < <(cut -d'|' -f3 <<<"$TABLE" | sed "s|^|$H/|")
"$MIGC" explain "$T/trio.plan" --root "$R" --user alice --format json "${paths[@]}" >"$T/out.json" ||
	fail "migc explain failed"
python3 - "$T/out.json" <<'PY' >"$T/got" || fail "cannot read explain's JSON"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    d = r.get("decided_by") or {}
    print("%s|%s|%s" % (r["verdict"], d.get("component") or "-", r["path"]))
PY
want=$(sed "s/^\([^|]*|[^|]*|\)/\1$(printf '%s' "$H/" | sed 's|/|\\/|g')/" <<<"$TABLE")
n=0
while IFS= read -r w && IFS= read -r g <&3; do
	n=$((n + 1))
	[ "$w" = "$g" ] || fail "expected '$w', got '$g'"
done <<<"$want" 3<"$T/got"
[ "$n" -eq "$(wc -l <<<"$TABLE")" ] || fail "only $n of $(wc -l <<<"$TABLE") paths explained"
note "$n paths checked"

# an application whose folder is absent is not detected: its rules take nothing
B=/home/bob
printf 'bob:x:1001:1001:Bob:/home/bob:/bin/bash\n' >>"$R/etc/passwd"
mkdir -p "$R$B/.config"
for p in .ssh/id_rsa .mozilla/firefox/q/prefs.js .config/google-chrome/Default/Bookmarks; do
	got=$("$MIGC" explain "$T/trio.plan" --root "$R" --user bob "$B/$p" | cut -f1)
	assert_ne include "$got" "bob has no $p folder, yet it is captured"
done

# --- migsys.xml: the system's settings ---------------------------------------------------
# verdict, deciding component, path on the system root (the folders exist: detects hold)
SYSTABLE='include|Crontabs|/var/spool/cron/crontabs/alice
include|Crontabs|/etc/cron.d/backup
include|NetworkManager connections|/etc/NetworkManager/system-connections/Home Wi-Fi.nmconnection
include|NetworkManager connections|/etc/NetworkManager/system-connections/office-vpn.nmconnection
include|CUPS printers|/etc/cups/printers.conf
include|CUPS printers|/etc/cups/classes.conf
include|CUPS printers|/etc/cups/ppd/laser.ppd
none|-|/etc/cups/cupsd.conf
none|-|/etc/cups/printers.conf.O
include|SSH host keys|/etc/ssh/ssh_host_ed25519_key
include|SSH host keys|/etc/ssh/ssh_host_ed25519_key.pub
include|SSH host keys|/etc/ssh/ssh_host_rsa_key
none|-|/etc/ssh/sshd_config
none|-|/etc/ssh/moduli
include|Filesystem tables (fstab, crypttab)|/etc/fstab
include|Filesystem tables (fstab, crypttab)|/etc/crypttab
include|Hosts file|/etc/hosts
include|sudo rules|/etc/sudoers
include|sudo rules|/etc/sudoers.d/alice
include|User pictures (AccountsService)|/var/lib/AccountsService/icons/alice
include|User pictures (AccountsService)|/var/lib/AccountsService/users/alice
include|Local mail spools|/var/mail/alice
none|-|/etc/hostname
none|-|/etc/motd
none|-|/usr/local/bin/site-tool
none|-|/opt/vendor/bin/app
none|-|/srv/www/index.html
include|Documents on local filesystems|/srv/projects/spec.odt
unconditional-exclude|System files never captured|/etc/passwd
unconditional-exclude|System files never captured|/etc/passwd-
unconditional-exclude|System files never captured|/etc/shadow
unconditional-exclude|System files never captured|/etc/group
unconditional-exclude|System files never captured|/etc/gshadow
unconditional-exclude|System files never captured|/var/lib/dpkg/status
unconditional-exclude|System files never captured|/var/lib/dpkg/info/cron.list
unconditional-exclude|System files never captured|/var/lib/apt/extended_states
unconditional-exclude|System files never captured|/var/lib/rpm/rpmdb.sqlite
unconditional-exclude|System files never captured|/proc/1/environ
unconditional-exclude|System files never captured|/sys/kernel/notes
unconditional-exclude|System files never captured|/dev/shm/report.pdf
unconditional-exclude|System files never captured|/run/user/1000/notes.txt'
# explain_table PLAN TABLE: every path of TABLE decided as it says (System context)
explain_table() {
	local plan=$1 table=$2 w g n=0
	mapfile -t paths < <(cut -d'|' -f3 <<<"$table")
	"$MIGC" explain "$plan" --root "$R" --format json "${paths[@]}" >"$T/sys.json" ||
		fail "migc explain failed"
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    d = r.get("decided_by") or {}
    print("%s|%s|%s" % (r["verdict"], d.get("component") or "-", r["path"]))
' "$T/sys.json" >"$T/sys.got" || fail "cannot read explain's JSON"
	while IFS= read -r w && IFS= read -r g <&3; do
		n=$((n + 1))
		[ "$w" = "$g" ] || fail "expected '$w', got '$g'"
	done <<<"$table" 3<"$T/sys.got"
	[ "$n" -eq "$(wc -l <<<"$table")" ] || fail "only $n of $(wc -l <<<"$table") paths explained"
	note "$n system paths checked"
}
while IFS='|' read -r _ _ p; do
	case $p in /proc/* | /sys/* | /dev/* | /run/*) continue ;; esac # need not exist
	mkdir -p "$(dirname "$R$p")"
	[ -e "$R$p" ] || echo "$p" >"$R$p"
done <<<"$SYSTABLE"
explain_table "$T/four.plan" "$SYSTABLE"

# when the new system has the file too: host keys, printers and pictures replace it,
# cron.d keeps the package's, sudoers.d gets a name sudo does not read
"$MIGC" dump "$T/four.plan" >"$T/four.dump"
for m in SourcePriority DestinationPriority FindFilePlaceByPattern; do
	grep -q "$m" "$T/four.dump" || fail "the plan has no $m merge rule"
done

# the optional components, switched on: config.xml with yes for them
sed -e '/(\/usr\/local)\|(\/opt)\|(\/srv)/s/migrate="no"/migrate="yes"/' policies/config.xml >"$T/all-on.xml"
expect_rc 0 "$MIGC" compile -o "$T/all-on.plan" --config "$T/all-on.xml" "${SYS[@]}"
mkdir -p "$R/usr/local/share/fonts" && echo f >"$R/usr/local/share/fonts/site.ttf"
explain_table "$T/all-on.plan" 'include|Locally installed software (/usr/local)|/usr/local/bin/site-tool
include|Shared folders|/usr/local/share/fonts/site.ttf
include|Add-on software (/opt)|/opt/vendor/bin/app
include|Served data (/srv)|/srv/www/index.html
unconditional-exclude|System files never captured|/etc/shadow
unconditional-exclude|System files never captured|/var/lib/dpkg/status'

# a system without NetworkManager or CUPS: those components are not detected
rm -rf "$R/etc/NetworkManager" "$R/etc/cups"
for p in /etc/NetworkManager/system-connections/x.nmconnection /etc/cups/printers.conf; do
	got=$("$MIGC" explain "$T/four.plan" --root "$R" "$p" | cut -f1)
	assert_eq none "$got" "$p on a system without its folder"
done
