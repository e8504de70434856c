#!/usr/bin/env bash
# Owners restored by name (issue 16, items 2 and 3). The store's identity records name
# every captured owner; load gives each restored object to the account of the same name
# on the target, whatever its number is now:
#   (a) the installer kept /home, the accounts were made again in another order: the
#       files never moved, load re-owns them (the captured inodes) by name;
#   (b) everything reinstalled: linked files, copies, symlinks and the directories load
#       makes belong to the right names; a set-uid file keeps its bit;
#   (c) a captured user with no account here whose old uid is another account's now:
#       load stops before placing anything (exit 14) unless -c (her objects skipped, 3);
#   (d) --keep-ids keeps numbers; --mu OLD:NEW gives OLD's objects to NEW; a store made
#       before identity records keeps numbers with a warning; --json carries the map;
#   (e) named entries of POSIX ACLs (access, and a directory's default ACL) follow
#       their names: after the /home-kept load, after a rerun (alice and bob swapped
#       uids: mapping the ids already mapped would swap them back), on linked files
#       and copies; erin, named only in an ACL, is recorded and mapped too; an entry
#       whose name has no account here (gone, and its number someone else's) is
#       dropped, never left pointing at that someone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd python3
need_cmd setfacl
need_cmd getfacl
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 64m
captured_accounts() { # the system at capture: alice 1001, bob 1002, carol 1003
	cat >"$R/etc/passwd" <<-'PW'
		root:x:0:0:root:/root:/bin/sh
		alice:x:1001:1001:Alice:/home/alice:/bin/sh
		bob:x:1002:1002:Bob:/home/bob:/bin/sh
		carol:x:1003:1003:Carol:/home/carol:/bin/sh
		erin:x:1004:1004:Erin:/home/erin:/bin/sh
	PW
	cat >"$R/etc/group" <<-'GR'
		root:x:0:
		alice:x:1001:
		bob:x:1002:
		carol:x:1003:
		erin:x:1004:
		team:x:2000:alice,bob
		readers:x:2001:
	GR
}
# after the reinstall: "live" took 1000 first, bob was made before alice (so he has her
# old uid), carol was not made again, and dave got carol's old uid; team is 2100 now
reinstalled_accounts() {
	cat >"$R/etc/passwd" <<-'PW'
		root:x:0:0:root:/root:/bin/sh
		live:x:1000:1000:Live:/home/live:/bin/sh
		bob:x:1001:1001:Bob:/home/bob:/bin/sh
		alice:x:1002:1002:Alice:/home/alice:/bin/sh
		dave:x:1003:1003:Dave:/home/dave:/bin/sh
		frank:x:1004:1004:Frank:/home/frank:/bin/sh
		erin:x:1005:1005:Erin:/home/erin:/bin/sh
	PW
	cat >"$R/etc/group" <<-'GR'
		root:x:0:
		live:x:1000:
		bob:x:1001:
		alice:x:1002:
		dave:x:1003:
		frank:x:1004:
		erin:x:1005:
		team:x:2100:alice,bob
		readers:x:2001:
	GR
	# shadow entries (--lac writes accounts only beside them)
	cut -d: -f1 "$R/etc/passwd" | sed 's/$/:!:19000:0:99999:7:::/' >"$R/etc/shadow"
	chmod 0600 "$R/etc/shadow"
}
mkdir -p "$R/etc" "$R/home/alice" "$R/home/bob" "$R/home/carol"
captured_accounts
chown 1001:1001 "$R/home/alice"; chown 1002:1002 "$R/home/bob"; chown 1003:1003 "$R/home/carol"
chmod 0700 "$R/home/alice" "$R/home/bob" "$R/home/carol"
put "$R/home/alice/notes.txt" 1001:1001 0600 "2021-01-01 00:00:00" "alice notes"
put "$R/home/alice/Documents/shared.odt" 1001:2000 0640 "2021-01-02 00:00:00" "team doc"
put "$R/home/alice/bin/tool" 1001:1001 4750 "2021-01-03 00:00:00" "#!/bin/sh"
chown 1001:1001 "$R/home/alice/Documents" "$R/home/alice/bin"
ln -s notes.txt "$R/home/alice/current" && chown -h 1001:1001 "$R/home/alice/current"
put "$R/home/bob/todo.txt" 1002:1002 0644 "2021-02-01 00:00:00" "bob todo"
put "$R/home/carol/diary.txt" 1003:1003 0600 "2021-03-01 00:00:00" "carol's secret"
# ACLs (tmpfs keeps them): bob (1002), erin (1004, in no other record) and the group
# team on alice's notes; carol (1003) too, and the group readers (2001, kept: dave's
# group 1003 must not be it); a default ACL and an access ACL on Documents
setfacl -m u:1002:r,u:1004:r,u:1003:r,g:2000:r,g:2001:r "$R/home/alice/notes.txt" ||
	skip "no POSIX ACLs on tmpfs here"
setfacl -m u:1002:rx -m d:u:1002:rx,d:g:2000:rwx "$R/home/alice/Documents"
setfacl -m u:1001:rw "$R/home/bob/todo.txt"
ACL_NOTES="group:readers:r--,group:team:r--,user:bob:r--,user:carol:r--,user:erin:r--"
# (the mask, the group bits of the mode: r-- on notes.txt, rw- on todo.txt)
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$R/store
scan "$S" "$P" "$R"
# the owner of a file by the target's names (never the host's passwd)
lookup() { python3 -c '
import sys
pw = {l.split(":")[2]: l.split(":")[0] for l in open(sys.argv[1]) if l.count(":") == 6}
gr = {l.split(":")[2]: l.split(":")[0] for l in open(sys.argv[2]) if l.count(":") == 3}
u, g, *rest = sys.argv[3].split(":")
print(pw.get(u, u) + ":" + gr.get(g, g) + ("" if not rest else " " + rest[0]))' \
	"$1/etc/passwd" "$1/etc/group" "$2"; }
owner() { lookup "$1" "$(stat -c '%u:%g:%a' "$1$2")"; }  # owner ROOT PATH
ownerh() { lookup "$1" "$(stat -c '%u:%g' "$1$2")"; }    # a symlink's own
# acl_named ROOT PATH [-d]: the named entries of PATH's access (-d: default) ACL, by
# the names of ROOT's account files, sorted, comma-separated ("-": none)
acl_named() {
	local e
	e=$(getfacl -n -c -p ${3:+"$3"} "$1$2" 2>/dev/null | sed -n '/^\(user\|group\):[0-9]/p' |
		while IFS=: read -r kind id perm; do
			if [ "$kind" = user ]; then lookup "$1" "$id:0" | cut -d: -f1
			else lookup "$1" "0:$id" | cut -d: -f2; fi | sed "s/^/$kind:/; s/\$/:$perm/"
		done | LC_ALL=C sort | paste -sd,)
	echo "${e:--}"
}
acls_ok() { # acls_ok ROOT WHAT NOTES-ACL: the named ACL entries follow their names
	assert_eq "$3" "$(acl_named "$1" /home/alice/notes.txt)" "$2: notes.txt's ACL"
	assert_eq "user:bob:r-x" "$(acl_named "$1" /home/alice/Documents)" "$2: Documents' ACL"
	assert_eq "group:team:rwx,user:bob:r-x" "$(acl_named "$1" /home/alice/Documents -d)" \
		"$2: Documents' default ACL"
	assert_eq "user:alice:rw-" "$(acl_named "$1" /home/bob/todo.txt)" "$2: todo.txt's ACL"
}
names_ok() { # names_ok ROOT WHAT: the restored objects belong to the right names
	assert_eq "alice:alice 640" "$(owner "$1" /home/alice/notes.txt)" "$2: alice's notes"
	assert_eq "alice:team 640" "$(owner "$1" /home/alice/Documents/shared.odt)" "$2: team doc"
	assert_eq "alice:alice 4750" "$(owner "$1" /home/alice/bin/tool)" "$2: set-uid tool"
	assert_eq "alice:alice" "$(ownerh "$1" /home/alice/current)" "$2: alice's symlink"
	assert_eq "alice:alice 700" "$(owner "$1" /home/alice)" "$2: alice's home"
	assert_eq "alice:alice 755" "$(owner "$1" /home/alice/Documents)" "$2: Documents"
	assert_eq "bob:bob 664" "$(owner "$1" /home/bob/todo.txt)" "$2: bob's todo"
	assert_eq "bob:bob 700" "$(owner "$1" /home/bob)" "$2: bob's home"
}
chmod 0755 "$R/home/alice/Documents"

# --- (a) the installer kept /home; the accounts were made again in another order -------
reinstalled_accounts
load "$S" "$P" "$R"
assert_eq 14 "$RC" "carol has no account and 1003 is dave's: $OUT"
grep -q "carol (1003 when captured) has no account here, and 1003 is dave's now" "$WORK/load.log" ||
	fail "the log names both accounts: $(cat "$WORK/load.log")"
assert_eq "1001 1002" "$(stat -c %u "$R/home/alice/notes.txt" "$R/home/bob/todo.txt" | xargs)" \
	"nothing touched before the refusal"
# --lac --dry-run plans carol's account (a new uid: 1003 is dave's) and reports the
# load a real --lac would make, writing nothing
cp "$R/etc/passwd" "$WORK/passwd.before"
load "$S" "$P" "$R" --lac --dry-run --json
assert_eq 0 "$RC" "--lac --dry-run, as --lac would: $OUT"
grep -q "account carol would be created: uid 1006" "$WORK/load.log" ||
	fail "--lac --dry-run names the uid it would pick: $(grep -i lac "$WORK/load.log")"
python3 - "$OUT" <<'PY' || fail "--lac --dry-run: carol's objects planned with her new uid: $OUT"
import json, sys
j = json.loads([l for l in sys.argv[1].splitlines() if l.startswith("{")][-1])
m = {(e["kind"], e["name"]): e for e in j["id_map"]}
assert m[("user", "carol")]["map"] == "renumbered" and m[("user", "carol")]["here"] == 1006, m
assert j["skipped"] == 0 and j["owner_skipped"] == 0, j
PY
cmp -s "$R/etc/passwd" "$WORK/passwd.before" || fail "--dry-run wrote the account files"
load "$S" "$P" "$R" -c --json
assert_eq 3 "$RC" "load -c: carol's objects skipped: $OUT"
names_ok "$R" "/home kept"
assert_eq "dave:dave 600" "$(owner "$R" /home/carol/diary.txt)" "carol's file left as it was (listed)"
grep -q "diary.txt: owned by 1003:1003 when captured; carol has no account here and 1003 is dave.s now" "$WORK/load.log" || fail "carol's file listed"
python3 - "$OUT" <<'PY' || fail "--json id_map: $OUT"
import json, sys
j = json.loads(sys.argv[1].splitlines()[-1] if sys.argv[1].startswith("{") else
	       [l for l in sys.argv[1].splitlines() if l.startswith("{")][-1])
m = {(e["kind"], e["name"]): e for e in j["id_map"]}
assert m[("user", "alice")]["captured"] == 1001 and m[("user", "alice")]["here"] == 1002, m
assert m[("user", "alice")]["map"] == "renumbered", m
assert m[("user", "carol")]["map"] == "taken" and m[("user", "carol")]["now_held_by"] == "dave", m
assert m[("group", "team")]["here"] == 2100, m
assert j["reowned"] > 0 and j["skipped"] == 1, j
PY
same_inode "$R/home/alice/notes.txt" "$S/MIGSTATE/File/home/alice/notes.txt" || fail "in place: same inode"
# carol's entry dropped (1003 is dave's now), the others by name
ACL_A="group:readers:r--,group:team:r--,user:bob:r--,user:erin:r--"
acls_ok "$R" "/home kept" "$ACL_A"
grep -q "notes.txt: ACL entry user 1003 (carol) dropped: no account here" "$WORK/load.log" ||
	fail "the dropped ACL entry is logged: $(grep -i acl "$WORK/load.log")"
python3 - "$OUT" <<'PY' || fail "--json ACL counts: $OUT"
import json, sys
j = json.loads([l for l in sys.argv[1].splitlines() if l.startswith("{")][-1])
assert j["acls_remapped"] == 3 and j["acl_entries_dropped"] == 1, j
PY
# a rerun: the ids are mapped from the captured ACL, not from the one in place
load "$S" "$P" "$R" -c --dry-run --json
assert_eq 3 "$RC" "a dry rerun: $OUT"
assert_contains "$OUT" '"acls_remapped":3,"acl_entries_dropped":1' "--dry-run counts the ACLs"
grep -q "notes.txt: ACL entry user 1003 (carol) would be dropped" "$WORK/load.log" ||
	fail "--dry-run says which entry would go"
acls_ok "$R" "/home kept, dry rerun" "$ACL_A"
load "$S" "$P" "$R" -c
assert_eq 3 "$RC" "a rerun: $OUT"
names_ok "$R" "/home kept, rerun"
acls_ok "$R" "/home kept, rerun" "$ACL_A"
expect_rc 0 "$MIGSTATE" verify "$S"
# verify compares the store entries' ACLs with the record, by name: frank (1004 here)
# was never in it
E=$S/MIGSTATE/File/home/alice/notes.txt
setfacl -m u:1004:rw "$E"
expect_rc 42 "$MIGSTATE" verify "$S"
assert_contains "$OUT" "ACL is not the captured one" "verify: an entry added to the ACL"
setfacl -x u:1004 "$E"
expect_rc 0 "$MIGSTATE" verify "$S"
# a damaged record: verify says so, load refuses the store
cp "$S/MIGSTATE/acls" "$WORK/acls"
sed -i '2s/access/default/' "$S/MIGSTATE/acls"
expect_rc 42 "$MIGSTATE" verify "$S"
assert_contains "$OUT" "MIGSTATE/acls is damaged" "verify: a damaged ACL record"
load "$S" "$P" "$R" -c
assert_eq 27 "$RC" "load with a damaged ACL record: $OUT"
cp "$WORK/acls" "$S/MIGSTATE/acls"

# --- (b) everything reinstalled; carol's objects go to dave (--mu) --------------------------
rm -rf "$R/home"
mkdir -p "$R/home"
load "$S" "$P" "$R" --mu carol:dave
assert_eq 0 "$RC" "load --mu carol:dave: $OUT"
names_ok "$R" "reinstalled"
assert_eq "dave:dave 600" "$(owner "$R" /home/dave/diary.txt)" "carol's diary given to dave, in his home"
assert_no_path "$R/home/carol"
same_inode "$R/home/bob/todo.txt" "$S/MIGSTATE/File/home/bob/todo.txt" || fail "linked"
acls_ok "$R" "reinstalled (linked)" "${ACL_NOTES/user:carol/user:dave}"
# a copy restore into another root with the same accounts
R2=$WORK/r2
mk_tmpfs "$R2" 32m
mkdir -p "$R2/etc" "$R2/home"
cp "$R/etc/passwd" "$R/etc/group" "$R2/etc/"
RC=0
OUT=$("$MIGSTATE" load "$S" --plan "$P" --root "$R2" --nocompress --mu carol:dave \
	--log "$WORK/load2.log" 2>&1) || RC=$?
assert_eq 0 "$RC" "copy load: $OUT"
names_ok "$R2" "copy restore"
acls_ok "$R2" "copy restore" "${ACL_NOTES/user:carol/user:dave}"
same_inode "$R2/home/bob/todo.txt" "$S/MIGSTATE/File/home/bob/todo.txt" && fail "copy restore linked"

# --- (d) --keep-ids, and a store made before identity records: numbers kept ------------------
# (copy restores: a linked file is the captured inode, which the loads above re-owned)
copy_load() { # copy_load ROOT [options]
	local root=$1
	shift
	rm -rf "$root/home"
	mkdir -p "$root/home"
	RC=0
	OUT=$("$MIGSTATE" load "$S" --plan "$P" --root "$root" --nocompress --log "$WORK/load3.log" \
		"$@" 2>&1) || RC=$?
}
copy_load "$R2" --keep-ids --ue carol
assert_eq 0 "$RC" "--keep-ids (carol left out on purpose: nothing skipped): $OUT"
assert_eq "1001 1002 1001" "$(stat -c %u "$R2/home/alice/notes.txt" "$R2/home/bob/todo.txt" \
	"$R2/home/alice" | xargs)" "--keep-ids keeps the numbers"
mv "$S/MIGSTATE/acls" "$WORK/acls"
copy_load "$R2" --ue carol
assert_eq 0 "$RC" "a store without ACL records: $OUT"
grep -q "no ACL records" "$WORK/load3.log" || fail "load warns about a store without ACL records"
assert_eq "$(getfacl -n -c "$S/MIGSTATE/File/home/alice/notes.txt" 2>/dev/null)" \
	"$(getfacl -n -c "$R2/home/alice/notes.txt" 2>/dev/null)" \
	"without the record, the copy has the store entry's ACL as it is"
mv "$WORK/acls" "$S/MIGSTATE/acls"
mv "$S/MIGSTATE/identities" "$WORK/identities"
copy_load "$R2" --ue carol
assert_eq 0 "$RC" "a store without identity records: $OUT"
grep -q "no identity records" "$WORK/load3.log" || fail "load warns about an older store"
assert_eq "1001" "$(stat -c %u "$R2/home/alice/notes.txt")" "numbers kept"
mv "$WORK/identities" "$S/MIGSTATE/identities"
echo ok
