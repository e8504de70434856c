#!/usr/bin/env bash
# The machine's settings across a reinstall of a real Debian 12 system (mmdebstrap,
# tests/helpers/debroot.sh), with the four shipped policies and config.xml (issue 18
# item 2). On the original system: alice's crontab (crontab -u, so alice:crontab 0600),
# a NetworkManager keyfile (root 0600), CUPS printers.conf and a PPD (root:lp), SSH
# host keys, an extra /etc/fstab line, alice's mail spool (alice:mail 0660). scan; the
# catalog holds those and no account file, package database or /proc-like tree.
# Reinstall everything but the store: the new system has its own fstab, its own host
# keys, an empty printers.conf, and accounts in another order (bob first, so alice's
# old uid is bob's), and its crontab group another gid than at capture (an install
# order that made a system group first: the old gid now names that group). load:
#   - the crontab belongs to alice and to the TARGET's crontab group, by name, 0600;
#   - the connection is back root 0600 with its content;
#   - the host keys are the captured ones (SourcePriority replaced the new ones),
#     modes 0600/0644; printers.conf and the PPD are the captured ones, root:lp;
#   - the new /etc/fstab is untouched, the captured one beside it as fstab(1), and
#     load's log names the collision;
# then verify is clean and rd leaves every restored file.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/debroot.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd ssh-keygen
CATDUMP=$(rt_helper catdump)
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
R=$WORK/root
STORE_REL=migstate-store
S=$R/$STORE_REL
PLAN=$WORK/site.plan

cd "$WORK" || exit 1
P=$REPO/policies
expect_rc 0 "$MIGC" compile -o "$PLAN" --config "$P/config.xml" \
	"$P/miguser.xml" "$P/migapp.xml" "$P/migdocs.xml" "$P/migsys.xml"
deb_root "$R"

# owner PATH: "mode user:group" of PATH, names from the target's account files
owner() {
	local m u g
	read -r m u g < <(stat -c '%a %u %g' "$1")
	echo "$m $(deb_user_of_uid "$R" "$u"):$(deb_group_of_gid "$R" "$g")"
}
sum() { sha256sum <"$1" | cut -c1-16; }
# put PATH OWNER:GROUP MODE CONTENT: a file of the target, owners by the target's names
put() {
	mkdir -p "$(dirname "$R$1")"
	printf '%s\n' "$4" >"$R$1"
	chown "$(deb_uid "$R" "${2%%:*}"):$(deb_group_gid "$R" "${2#*:}")" "$R$1"
	chmod "$3" "$R$1"
}
# hostkeys COMMENT: a new pair of ed25519 and ecdsa host keys, as sshd's postinst makes
hostkeys() {
	local t
	mkdir -p "$R/etc/ssh"
	rm -f "$R"/etc/ssh/ssh_host_*
	for t in ed25519 ecdsa; do
		ssh-keygen -q -t "$t" -N '' -C "$1" -f "$R/etc/ssh/ssh_host_${t}_key" </dev/null ||
			fail "ssh-keygen $t"
	done
	chmod 0600 "$R"/etc/ssh/ssh_host_*_key
	chmod 0644 "$R"/etc/ssh/ssh_host_*_key.pub
}
NM=/etc/NetworkManager/system-connections/Home\ Wi-Fi.nmconnection
CRON=/var/spool/cron/crontabs/alice
KEYS=(/etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub
	/etc/ssh/ssh_host_ecdsa_key /etc/ssh/ssh_host_ecdsa_key.pub)

# --- the original system ------------------------------------------------------------
deb_useradd "$R" alice "Alice Example"
deb_useradd "$R" bob "Bob Example"
deb_crontab "$R" alice '17 3 * * * $HOME/bin/backup'
assert_eq "600 alice:crontab" "$(owner "$R$CRON")" "alice's crontab as crontab(1) made it"
OLD_CRONTAB_GID=$(deb_group_gid "$R" crontab)
put "$NM" root:root 0600 "[connection]
id=Home Wi-Fi
uuid=0b1e6b47-5a0e-4c55-9f7e-2f1b9a3c1d01
type=wifi
[wifi]
ssid=home
[wifi-security]
key-mgmt=wpa-psk
psk=correct horse battery staple"
put /etc/cups/printers.conf root:lp 0600 "<DefaultPrinter laser>
DeviceURI ipp://printer.lan/ipp/print
</DefaultPrinter>"
put /etc/cups/ppd/laser.ppd root:lp 0640 "*PPD-Adobe: \"4.3\"
*ModelName: \"Office Laser\""
chown "0:$(deb_group_gid "$R" lp)" "$R/etc/cups" "$R/etc/cups/ppd"
hostkeys "old host"
printf 'UUID=0e6a3c1e-data /data ext4 defaults,nofail 0 2\n' >>"$R/etc/fstab"
put /var/mail/alice alice:mail 0660 "From root: welcome"
declare -A WANT
for p in "$CRON" "$NM" /etc/cups/printers.conf /etc/cups/ppd/laser.ppd /etc/fstab \
	/var/mail/alice "${KEYS[@]}"; do
	WANT[$p]="$(owner "$R$p") $(sum "$R$p")"
done

# --- capture ------------------------------------------------------------------------
expect_rc 0 "$MIGSTATE" scan "$S" --plan "$PLAN" --hardlink --nocompress --root "$R" \
	--min-free 1 --log "$WORK/scan.log"
"$CATDUMP" "$S" paths >"$WORK/paths" || fail "catdump $S"
for p in "$CRON" "$NM" /etc/cups/printers.conf /etc/cups/ppd/laser.ppd /etc/fstab \
	/var/mail/alice "${KEYS[@]}"; do
	grep -qxF "$p" "$WORK/paths" || fail "$p is not in the catalog"
done
# accounts travel as identity records, never as files; nor package databases
for p in /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/passwd- /etc/shadow-; do
	[ -e "$R$p" ] || [ "${p%-}" != "$p" ] || fail "the base system has no $p"
	! grep -qxF "$p" "$WORK/paths" || fail "$p was captured"
done
[ -f "$R/var/lib/dpkg/status" ] || fail "the base system has no dpkg database"
! grep -qE '^/(var/lib/(dpkg|apt|rpm)|proc|sys|dev|run)/' "$WORK/paths" ||
	fail "captured: $(grep -E '^/(var/lib/(dpkg|apt|rpm)|proc|sys|dev|run)/' "$WORK/paths" | head -3)"
note "$(wc -l <"$WORK/paths") objects captured; none of /etc/passwd, shadow, group, gshadow, dpkg, apt"

# --- reinstall: everything but the store ----------------------------------------------
deb_reinstall_all "$R" "$STORE_REL"
[ -d "$S/MIGSTATE" ] || fail "the store did not survive"
assert_no_path "$R$CRON"
# An install order that made a system group before cron's: crontab gets another gid,
# and its old gid names that group now. Done as that install would have: the group
# file, then every file of the old gid (crontab(1) is set-gid: chgrp clears it).
NEW_CRONTAB_GID=$((OLD_CRONTAB_GID + 50))
[ "$(deb_group_of_gid "$R" "$NEW_CRONTAB_GID")" = - ] || fail "gid $NEW_CRONTAB_GID is taken"
sed -i "s/^crontab:x:$OLD_CRONTAB_GID:/crontab:x:$NEW_CRONTAB_GID:/" "$R/etc/group"
while IFS= read -r -d '' f; do
	m=$(stat -c %a "$f")
	chgrp -h "$NEW_CRONTAB_GID" "$f"
	[ -L "$f" ] || chmod "$m" "$f"
done < <(find "$R" -xdev -path "$S" -prune -o -gid "$OLD_CRONTAB_GID" -print0)
deb_chroot "$R" groupadd -r -g "$OLD_CRONTAB_GID" installer-first
assert_eq "$NEW_CRONTAB_GID installer-first" \
	"$(deb_group_gid "$R" crontab) $(deb_group_of_gid "$R" "$OLD_CRONTAB_GID")" "the new crontab gid"
assert_eq "2755 root:crontab" "$(owner "$R/usr/bin/crontab")" "crontab(1) after the chgrp"
# accounts in another order: alice's old uid is bob's now
deb_useradd "$R" bob "Bob Example"
deb_useradd "$R" alice "Alice Example"
assert_ne "$(deb_uid "$R" alice)" 1000 "alice's uid changed"
deb_check_accounts "$R"
# the new system's own files
printf '# /etc/fstab of the new install\nUUID=f00dfeed / ext4 errors=remount-ro 0 1\n' >"$R/etc/fstab"
NEW_FSTAB=$(sum "$R/etc/fstab")
hostkeys "new host"
NEW_KEY=$(sum "$R/etc/ssh/ssh_host_ed25519_key")
mkdir -p "$R/etc/NetworkManager/system-connections" "$R/etc/cups/ppd"
chown "0:$(deb_group_gid "$R" lp)" "$R/etc/cups" "$R/etc/cups/ppd"
put /etc/cups/printers.conf root:lp 0600 "# Printer configuration file for CUPS (no printers)"

# --- load ---------------------------------------------------------------------------
RC=0
OUT=$("$MIGSTATE" load "$S" --plan "$PLAN" --hardlink --nocompress --root "$R" \
	--log "$WORK/load.log" 2>&1) || RC=$?
assert_eq 0 "$RC" "load: $OUT"
deb_check_accounts "$R"
# the dotfiles useradd -m copied from /etc/skel are the captured ones byte for byte,
# owned by the same user by name: already in place, not collisions (alice and bob
# swapped uids: the owner is compared by the catalog's name, not by the store entry's
# number, which load re-owned)
for u in alice bob; do
	for f in .bashrc .profile .bash_logout; do
		assert_no_path "$R/home/$u/$f(1)"
	done
done
# by name: alice's new uid, the target's crontab gid (not the old number, now
# installer-first's)
assert_eq "${WANT[$CRON]}" "$(owner "$R$CRON") $(sum "$R$CRON")" "crontab after load"
assert_eq "$(deb_uid "$R" alice) $NEW_CRONTAB_GID" "$(stat -c '%u %g' "$R$CRON")" "crontab ids"
assert_eq "600 root:root" "$(owner "$R$NM")" "the connection's owner and mode"
assert_eq "${WANT[$NM]}" "$(owner "$R$NM") $(sum "$R$NM")" "the connection"
for p in /etc/cups/printers.conf /etc/cups/ppd/laser.ppd /var/mail/alice "${KEYS[@]}"; do
	assert_eq "${WANT[$p]}" "$(owner "$R$p") $(sum "$R$p")" "$p after load"
done
assert_ne "$NEW_KEY" "$(sum "$R/etc/ssh/ssh_host_ed25519_key")" "the new host key is gone"
grep -q "replaced /etc/ssh/ssh_host_ed25519_key with /etc/ssh/ssh_host_ed25519_key (source-priority)" \
	"$WORK/load.log" || fail "no replace line for the host key: $(grep -i ssh_host "$WORK/load.log")"
# fstab: the new one untouched, the captured one beside it, and the log says so
assert_eq "$NEW_FSTAB" "$(sum "$R/etc/fstab")" "the new /etc/fstab"
assert_eq "${WANT[/etc/fstab]}" "$(owner "$R/etc/fstab(1)") $(sum "$R/etc/fstab(1)")" "/etc/fstab(1)"
grep -q "UUID=0e6a3c1e-data /data" "$R/etc/fstab(1)" || fail "the extra line is not in fstab(1)"
! grep -q "/data" "$R/etc/fstab" || fail "the new fstab got the old line"
grep -q "collision at /etc/fstab: /etc/fstab restored as fstab(1)" "$WORK/load.log" ||
	fail "load's log does not name the fstab collision: $(grep -i fstab "$WORK/load.log")"
# a system file beside the new one is a warning (on stderr too), for the administrator
assert_contains "$OUT" "collision at /etc/fstab: /etc/fstab restored as fstab(1) (the new system's own is kept" \
	"load warns about fstab"
assert_contains "$OUT" "renamed" "load's summary"
note "load: $(grep -E 'collision at|replaced|warn' "$WORK/load.log" | cut -d' ' -f3- | sort | paste -sd'|')"
expect_rc 0 "$MIGSTATE" verify "$S"
assert_contains "$OUT" "0 missing, 0 diverged" "verify"

# --- rd: the store goes, the restored files stay ---------------------------------------
expect_rc 0 "$MIGSTATE" rd "$S" -y
assert_no_path "$S"
for p in "$CRON" "$NM" /etc/cups/printers.conf /etc/cups/ppd/laser.ppd /var/mail/alice "${KEYS[@]}"; do
	assert_eq "${WANT[$p]}" "$(owner "$R$p") $(sum "$R$p")" "$p after rd"
done
assert_eq "$NEW_FSTAB" "$(sum "$R/etc/fstab")" "the new /etc/fstab after rd"
[ -f "$R/etc/fstab(1)" ] || fail "fstab(1) gone after rd"
