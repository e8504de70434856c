#!/usr/bin/env bash
# A refresh of a real Debian 12 system (mmdebstrap, tests/helpers/debroot.sh) on one ext4
# volume, with the shipped policies (miguser + migapp + migdocs, config.xml). Accounts
# are made by the target's own useradd/groupadd/usermod/chpasswd/crontab, files by the
# users themselves. scan; then two reinstalls on the same filesystem, the store kept:
#   (a) system directories deleted, /home kept; accounts made again in another order
#       (projects first, the installer's "live" user takes carol's old uid 1000, bob
#       gets alice's old 1001, alice bob's old 1002), carol not made again: load
#       refuses (14: her uid names live now), then --lac makes her (locked; --lae:
#       usable) and every file is owned by the same names as at capture;
#   (b) everything but the store deleted, homes new from /etc/skel; alice, live, bob,
#       carol made in that order (carol's uid is projects' old gid), projects not made:
#       load refuses (14), --lac makes projects with alice and bob in it.
# After each: pwck -r and grpck -r report nothing the base system does not; load; every
# captured file is back with its content and mode ((a): still the captured inode, in
# place; (b): the store's inode, linked, except what useradd -m put there from
# /etc/skel, see check_restored); verify is clean; after (b) rd leaves every file.
#
# Owners are restored by name (issue 16): every captured object belongs to the target's
# account and group of the captured names. Where a captured owner has no account and
# their old id names someone else now, load refuses (14) and the administrator makes
# the account (useradd/groupadd), as the message says, then loads again. The table
# "captured owner -> restored ids -> who they are now" is printed after each load.
# Named entries in POSIX ACLs follow their names too (alice's plan.ods shared with bob).
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/debroot.sh"
need_root
need_cmd getfacl
need_cmd setfacl
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
R=$WORK/root
# The store at the top of the volume, root's, like docs/operations.md's /store: no
# installer deletes it (/var/tmp would go with the old system).
STORE_REL=migstate-store
S=$R/$STORE_REL
PLAN=$WORK/site.plan
CAP=$WORK/captured          # one line per captured object (see record_captured)
ORIG=$WORK/orig             # the original system's account files, to name old ids

cd "$WORK" || exit 1
P=$REPO/policies
expect_rc 0 "$MIGC" compile -o "$PLAN" --config "$P/config.xml" \
	"$P/miguser.xml" "$P/migapp.xml" "$P/migdocs.xml"
deb_root "$R"

# --- the original system ------------------------------------------------------------
for u in carol alice bob; do
	deb_useradd "$R" "$u" "${u^} Example"
	deb_set_password "$R" "$u" "old password of $u"
done
deb_groupadd "$R" projects
deb_add_to_group "$R" alice projects
deb_add_to_group "$R" bob projects
deb_add_to_group "$R" alice sudo
deb_crontab "$R" alice '17 3 * * * $HOME/.local/bin/report-tool'
assert_eq "1000 1001 1002 1003" \
	"$(deb_uid "$R" carol) $(deb_uid "$R" alice) $(deb_uid "$R" bob) $(deb_group_gid "$R" projects)" \
	"ids useradd/groupadd gave on the original system"
assert_eq "alice" "$(deb_group_members "$R" sudo)" "sudo members"

# what each user makes herself (umask 022), then the modes she chose
deb_as "$R" alice sh -c '
	printf "alias ll=\"ls -l\"\n" >>.bashrc
	mkdir -p .ssh Documents/private .local/bin
	printf "PRIVATE KEY alice\n" >.ssh/id_ed25519
	printf "ssh-ed25519 AAAA alice\n" >.ssh/id_ed25519.pub
	printf "Host *\n  IdentitiesOnly yes\n" >.ssh/config
	printf "quarterly report\n" >Documents/report.odt
	printf "dear diary\n" >Documents/private/diary.txt
	printf "shared plan\n" >Documents/plan.ods
	printf "#!/bin/sh\necho report\n" >.local/bin/report-tool
	chgrp projects Documents/plan.ods .local/bin/report-tool
	chmod 0700 .ssh Documents/private
	chmod 0600 .ssh/id_ed25519 .ssh/config Documents/private/diary.txt
	chmod 0660 Documents/plan.ods
	chmod 2750 .local/bin/report-tool'
# bob may edit alice's plan: a named ACL entry (by the target's uid of bob)
setfacl -m "u:$(deb_uid "$R" bob):rw" "$R/home/alice/Documents/plan.ods"
deb_as "$R" bob sh -c '
	mkdir -p Documents Music
	printf "[user]\n\tname = Bob\n" >.gitconfig
	printf "buy milk\n" >Documents/todo.txt
	printf "la la la\n" >Music/song.ogg
	chmod 0640 Documents/todo.txt
	chmod 0444 Music/song.ogg'
deb_as "$R" carol sh -c '
	mkdir -p Documents Pictures
	printf "carol only\n" >Documents/carol.txt
	printf "JPEG cat\n" >Pictures/cat.jpg
	chmod 0600 Documents/carol.txt'
# a shared folder outside the homes: root's, group projects, set-gid; bob's file in it
mkdir "$R/srv/projects"
chown "0:$(deb_group_gid "$R" projects)" "$R/srv/projects"
chmod 2775 "$R/srv/projects"
deb_as "$R" bob sh -c 'printf "spec v1\n" >/srv/projects/spec.odt; chmod 0664 /srv/projects/spec.odt'

CRON=$R/var/spool/cron/crontabs/alice
assert_eq "600 alice crontab" "$(stat -c '%a %u %g' "$CRON" |
	{ read -r m u g; echo "$m $(deb_user_of_uid "$R" "$u") $(deb_group_of_gid "$R" "$g")"; })" \
	"alice's crontab"
mkdir -p "$ORIG/etc"
cp "$R/etc/passwd" "$R/etc/group" "$ORIG/etc/"

# --- capture ------------------------------------------------------------------------
expect_rc 0 "$MIGSTATE" scan "$S" --plan "$PLAN" --hardlink --nocompress --root "$R" \
	--min-free 1 --log "$WORK/scan.log"
F=$S/MIGSTATE/File
MADE=( # what the users made: each must be captured, as the very inode
	/home/alice/.bashrc /home/alice/.profile /home/alice/.ssh/id_ed25519
	/home/alice/.ssh/id_ed25519.pub /home/alice/.ssh/config /home/alice/Documents/report.odt
	/home/alice/Documents/private/diary.txt /home/alice/Documents/plan.ods
	/home/alice/.local/bin/report-tool /home/bob/.bashrc /home/bob/.gitconfig
	/home/bob/Documents/todo.txt /home/bob/Music/song.ogg /home/carol/Documents/carol.txt
	/home/carol/Pictures/cat.jpg /srv/projects/spec.odt
)
for p in "${MADE[@]}"; do
	same_inode "$R$p" "$F$p" || fail "$p is not linked into the store"
done
note "not taken by the shipped policies, so gone after either reinstall:" \
	"/var/spool/cron/crontabs/alice (alice:crontab 0600), alice's membership in sudo"

# acl_named ROOT_FOR_NAMES PATH: the named user/group entries of PATH's access ACL,
# ids written as names of ROOT_FOR_NAMES ("-" when none).
acl_named() {
	local out=() e kind id perm name
	while IFS=: read -r kind id perm; do
		if [ "$kind" = user ]; then name=$(deb_user_of_uid "$1" "$id"); else name=$(deb_group_of_gid "$1" "$id"); fi
		out+=("$kind:$name:$perm")
	done < <(getfacl -n -c -p "$2" 2>/dev/null | grep -E '^(user|group):[0-9]+:')
	e="${out[*]:-}"
	echo "${e:--}" | tr ' ' ','
}

# record_captured: path type mode uid gid owner-name group-name sha256 store-inode acl
# for every object in the store, read from the original system (scan linked the
# files: same inodes; directories as they were).
record_captured() {
	local type rel p sum ino mode uid gid
	(cd "$F" && find . -mindepth 1 -printf '%y %P\n') | LC_ALL=C sort -k2 |
		while read -r type rel; do
			p=/$rel
			sum=- ino=-
			if [ "$type" = f ]; then
				sum=$(sha256sum <"$R$p" | cut -c1-16)
				ino=$(stat -c %i "$F$p")
			fi
			read -r mode uid gid < <(stat -c '%a %u %g' "$R$p")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$type" "$mode" "$uid" "$gid" \
				"$(deb_user_of_uid "$ORIG" "$uid")" "$(deb_group_of_gid "$ORIG" "$gid")" "$sum" "$ino" \
				"$(acl_named "$ORIG" "$R$p")"
		done >"$CAP"
}
record_captured
assert_eq "${#MADE[@]}" "$(grep -c -F -f <(printf '%s\t\n' "${MADE[@]}") "$CAP")" "made files in the record"
assert_contains "$(grep -F "/home/alice/Documents/plan.ods	" "$CAP")" "user:bob:rw-" "plan.ods's ACL"

# --- after a load -------------------------------------------------------------------
# check_restored PHASE: every captured object is back with its content and mode; writes
# $WORK/where-PHASE ("captured path<TAB>where it is now"). A file of /etc/skel that
# useradd -m put in a new home ((b) only) stays when its bytes are the captured ones
# (load: "already in place"); one the user had changed (alice's .bashrc) is a collision
# the shipped policies give no merge rule: the captured file is restored as NAME(1)
# (docs/operations.md, Collisions) and the new home keeps /etc/skel's.
check_restored() {
	local phase=$1 p type mode uid gid on gn sum ino acl at skel
	: >"$WORK/where-$phase"
	while IFS=$'\t' read -r p type mode uid gid on gn sum ino acl; do
		at=$p
		if [ "$type" = f ]; then
			skel=
			case $p in /home/*/*) skel=$R/etc/skel/${p#/home/*/} ;; esac
			if [ "$phase" = b ] && [ -n "$skel" ] && [ -f "$skel" ]; then
				if [ "$(sha256sum <"$skel" | cut -c1-16)" = "$sum" ]; then
					[ "$(stat -c %i "$R$p")" != "$ino" ] || fail "$p: expected useradd's copy of /etc/skel"
				else
					at="$p(1)"
					assert_eq "$(sha256sum <"$skel" | cut -c1-16)" "$(sha256sum <"$R$p" | cut -c1-16)" \
						"$p keeps /etc/skel's version"
					assert_eq "$ino" "$(stat -c %i "$R$at")" "$at is the captured $p"
				fi
			else
				assert_eq "$ino" "$(stat -c %i "$R$p" 2>/dev/null || echo absent)" "$phase: $p is the store's inode"
			fi
			assert_eq "$sum" "$(sha256sum <"$R$at" | cut -c1-16)" "$phase: content of $at"
		else
			[ -d "$R$p" ] || fail "$phase: directory $p is missing"
		fi
		assert_eq "$mode" "$(stat -c %a "$R$at")" "$phase: mode of $at"
		printf '%s\t%s\n' "$p" "$at" >>"$WORK/where-$phase"
	done <"$CAP"
}

# id_map PHASE: each account and group of the original system above the system range:
# its id then, its id now, and who has its old id now (notes).
id_map() {
	local kind name id now who then_
	for kind in user group; do
		while IFS=: read -r name _ id _; do
			[ "$id" -ge 1000 ] && [ "$id" -lt 60000 ] || continue
			if [ $kind = user ]; then
				now=$(deb_uid "$R" "$name") who=$(deb_user_of_uid "$R" "$id")
			else
				now=$(deb_group_gid "$R" "$name") who=$(deb_group_of_gid "$R" "$id")
			fi
			[ "$who" != - ] || who="no one's"
			note "($1) $kind $name: $id then, ${now:-absent} now; $id is now $who"
		done <"$ORIG/etc/$([ $kind = user ] && echo passwd || echo group)"
	done
	for name in sudo projects; do
		then_=$(deb_group_members "$ORIG" "$name") now=$(deb_group_members "$R" "$name")
		note "($1) members of $name: ${then_:-none} then, ${now:-none} now"
	done
}

# owner_table PHASE: what the restored objects' ids name now, as notes; counts those
# now owned by another account than at capture (the defect of issue 16).
owner_table() {
	local phase=$1 p type mode uid gid on gn sum ino acl at nu ng tu tg verdict wrong=0
	note "($phase) captured owner:group -> restored uid:gid -> account:group of those ids now"
	while IFS=$'\t' read -r p type mode uid gid on gn sum ino acl; do
		at=$(awk -F'\t' -v p="$p" '$1 == p { print $2 }' "$WORK/where-$phase")
		read -r nu ng < <(stat -c '%u %g' "$R$at")
		tu=$(deb_user_of_uid "$R" "$nu")
		tg=$(deb_group_of_gid "$R" "$ng")
		verdict=same
		if [ "$tu" != "$on" ] || [ "$tg" != "$gn" ]; then
			verdict="OTHER"
			wrong=$((wrong + 1))
		fi
		note "$(printf '%-40s %-16s %-11s %-16s %s' "$at" "$on:$gn" "$nu:$ng" "$tu:$tg" "$verdict")"
		[ "$acl" = - ] || note "$(printf '%-40s acl %s -> now %s' "" "$acl" "$(acl_named "$R" "$R$at")")"
	done <"$CAP"
	note "($phase) $wrong of $(wc -l <"$CAP") captured objects are owned by another account or group than at capture"
}

# assert_owners_by_name PHASE -- issue 16 items 2 and 3. Every captured object
# is owned by the target's account and group of the captured NAMES, with the captured
# mode (set-gid report-tool included: chown clears it); a name the target does not
# have must not be replaced by an id that names someone else; named ACL entries follow
# their names too.
assert_owners_by_name() {
	local phase=$1 p type mode uid gid on gn sum ino acl at nu ng want_u want_g
	while IFS=$'\t' read -r p type mode uid gid on gn sum ino acl; do
		at=$(awk -F'\t' -v p="$p" '$1 == p { print $2 }' "$WORK/where-$phase")
		read -r nu ng < <(stat -c '%u %g' "$R$at")
		want_u=$(deb_uid "$R" "$on")
		want_g=$(deb_group_gid "$R" "$gn")
		if [ -n "$want_u" ]; then
			assert_eq "$want_u" "$nu" "$phase: owner of $at ($on)"
		else
			assert_eq - "$(deb_user_of_uid "$R" "$nu")" "$phase: $at of $on (absent) owned by an account"
		fi
		if [ -n "$want_g" ]; then
			assert_eq "$want_g" "$ng" "$phase: group of $at ($gn)"
		else
			assert_eq - "$(deb_group_of_gid "$R" "$ng")" "$phase: $at of group $gn (absent) owned by a group"
		fi
		assert_eq "$mode" "$(stat -c %a "$R$at")" "$phase: mode of $at after re-owning"
		assert_eq "$acl" "$(acl_named "$R" "$R$at")" "$phase: named ACL entries of $at"
	done <"$CAP"
}

# load_store PHASE [options]: exit code in RC, output in OUT
load_store() {
	local phase=$1
	shift
	RC=0
	OUT=$("$MIGSTATE" load "$S" --plan "$PLAN" --hardlink --nocompress --root "$R" \
		--log "$WORK/load-$phase.log" "$@" 2>&1) || RC=$?
}

# --- (a) system deleted, /home kept -------------------------------------------------
deb_reinstall_keep_home "$R" "$STORE_REL"
[ -d "$F" ] || fail "(a) the store did not survive"
deb_groupadd "$R" projects             # gid 1000: carol's old group
deb_useradd "$R" live "Live session"   # the installer's user: carol's old uid
deb_useradd "$R" bob "Bob Example"     # alice's old uid (home kept: nothing copied)
deb_useradd "$R" alice "Alice Example" # bob's old uid
for u in live bob alice; do deb_set_password "$R" "$u" "new password of $u"; done
deb_add_to_group "$R" alice projects
deb_add_to_group "$R" bob projects
assert_eq "1000 1001 1002 1000" \
	"$(deb_uid "$R" live) $(deb_uid "$R" bob) $(deb_uid "$R" alice) $(deb_group_gid "$R" projects)" \
	"(a) ids of the remade accounts"
[ -z "$(deb_uid "$R" carol)" ] || fail "(a) carol was made again"
deb_check_accounts "$R"

load_store a
# carol has no account and her old uid 1000 names live now: nothing is placed (14)
assert_eq 14 "$RC" "(a) load exit: $OUT"
assert_contains "$OUT" "carol (1000 when captured) has no account here, and 1000 is live's now" "(a) load"
# -c would skip her objects (3); --lac makes her account instead: locked (her captured
# hash behind "!"), her captured uid being live's, the next free one
load_store a --lac -n
assert_eq 0 "$RC" "(a) a dry run makes nothing, and plans what --lac makes: $OUT"
grep -q -- "--lac: account carol would be created" "$WORK/load-a.log" || fail "(a) dry run: $(cat "$WORK/load-a.log")"
[ -z "$(deb_uid "$R" carol)" ] || fail "(a) the dry run made carol"
load_store a --lac
assert_eq 0 "$RC" "(a) load --lac: $OUT"
[ -n "$(deb_uid "$R" carol)" ] || fail "(a) --lac did not make carol"
assert_ne 1000 "$(deb_uid "$R" carol)" "(a) carol's captured uid is live's: another one"
assert_eq L "$(deb_chroot "$R" passwd -S carol | awk '{ print $2 }')" "(a) --lac: carol locked"
CAROL_HASH=$(awk -F'\t' '$1 == "shadow" && $2 == "carol" { print $3 }' "$S/MIGSTATE/identities")
[ -n "$CAROL_HASH" ] || fail "(a) the identity records hold carol's hash"
assert_eq "!$CAROL_HASH" "$(awk -F: '$1 == "carol" { print $2 }' "$R/etc/shadow")" \
	"(a) --lac: her captured hash, behind !"
deb_check_accounts "$R"
# --lae: made again with her password usable
deb_chroot "$R" userdel carol
load_store a --lac --lae
assert_eq 0 "$RC" "(a) load --lac --lae: $OUT"
assert_eq P "$(deb_chroot "$R" passwd -S carol | awk '{ print $2 }')" "(a) --lae: carol's password usable"
assert_eq "$CAROL_HASH" "$(awk -F: '$1 == "carol" { print $2 }' "$R/etc/shadow")" "(a) --lae: her hash"
deb_check_accounts "$R"
check_restored a
id_map a
owner_table a
assert_owners_by_name a
expect_rc 0 "$MIGSTATE" verify "$S"

# --- (b) everything deleted but the store -------------------------------------------
deb_reinstall_all "$R" "$STORE_REL"
[ -d "$F" ] || fail "(b) the store did not survive"
assert_no_path "$R/home/alice"
deb_useradd "$R" alice "Alice Example" # carol's old uid
deb_useradd "$R" live "Live session"   # alice's old uid
deb_useradd "$R" bob "Bob Example"     # his own old number
deb_useradd "$R" carol "Carol Example" # projects' old gid is her group now
for u in alice live bob carol; do deb_set_password "$R" "$u" "new password of $u"; done
assert_eq "1000 1001 1002 1003 1003" \
	"$(deb_uid "$R" alice) $(deb_uid "$R" live) $(deb_uid "$R" bob) $(deb_uid "$R" carol) $(deb_group_gid "$R" carol)" \
	"(b) ids of the remade accounts"
[ -z "$(deb_group_gid "$R" projects)" ] || fail "(b) projects was made again"
deb_check_accounts "$R"

load_store b
# projects was not made again and its old gid names carol's group now: refused (14)
assert_eq 14 "$RC" "(b) load exit: $OUT"
assert_contains "$OUT" "group projects" "(b) load names the group"
# --lac makes it (another gid: 1003 is taken), with alice and bob in it again
load_store b --lac
assert_eq 0 "$RC" "(b) load --lac: $OUT"
[ -n "$(deb_group_gid "$R" projects)" ] || fail "(b) --lac did not make projects"
assert_eq "alice,bob" "$(deb_group_members "$R" projects | tr ',' '\n' | sort | paste -sd,)" \
	"(b) --lac: the members of projects"
grep -q -- "--lac: group projects created" "$WORK/load-b.log" || fail "(b) the log says so"
deb_check_accounts "$R"
check_restored b
id_map b
owner_table b
assert_owners_by_name b
expect_rc 0 "$MIGSTATE" verify "$S"
assert_contains "$OUT" "0 missing, 0 diverged" "(b) verify"

# --- rd: the store goes, nothing captured does ----------------------------------------
expect_rc 0 "$MIGSTATE" rd "$S" -y
assert_no_path "$S"
while IFS=$'\t' read -r p at; do
	[ -e "$R$at" ] || fail "$at gone after rd"
done <"$WORK/where-b"
while IFS=$'\t' read -r p type mode uid gid on gn sum ino acl; do
	[ "$type" = f ] || continue
	at=$(awk -F'\t' -v p="$p" '$1 == p { print $2 }' "$WORK/where-b")
	assert_eq "$sum" "$(sha256sum <"$R$at" | cut -c1-16)" "after rd: content of $at"
done <"$CAP"
deb_check_accounts "$R"
