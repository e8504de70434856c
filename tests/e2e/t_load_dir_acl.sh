#!/usr/bin/env bash
# ACLs on existing destination directories (runtime/diracl.c, through dirsafe.c). The
# catalog keeps a directory's mode, not its ACL, so the captured directory counts as
# its mode alone. On an ext4 destination and on tmpfs, the new system made:
#   - /home/alice/Shared (captured 0750: alice's group may list it, bob may not) 0750
#     with an ACL entry user:bob:r-x: bob could list what load restores there;
#   - /home/alice/Docs (captured 0755) with a default ACL user:bob:rw-: every copy
#     load makes there would inherit it (bob could read a 0640 file);
#   - /home/alice/Open (captured 0755) with user:bob:r-x: grants bob nothing "other"
#     does not already have: left as it is;
#   - /opt/acl (not restored into) with user:bob:rwx: never looked at.
# 1. --dry-run prints a tighten-acl line per directory and changes nothing;
# 2. --keep-dir-modes warns and counts (dirs_acl_kept), and changes nothing;
# 3. by default (a copy load) both are removed before anything is placed: bob cannot
#    list Shared nor read Docs/private.txt (checked as bob with setpriv), the file has
#    no ACL, Docs no default ACL; counted (dirs_acl_tightened), one log line each; the
#    owning group keeps no more than it effectively had; a rerun has nothing to do.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd setfacl
need_cmd getfacl
need_cmd setpriv
need_cmd python3
WORK=$(mk_tmpdir)
cd "$WORK"
chmod 0755 "$WORK" # bob may walk to the root; the directories below must stop him

as_bob() { setpriv --reuid=1002 --regid=1002 --clear-groups "$@"; }
json() { echo "$JS" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1"; }
named() { getfacl -cpn "$1" 2>/dev/null | grep -E '^(default:)?(user|group):[0-9a-z]+:' || true; }

run_on() { # FSTYPE
	local R=$WORK/$1 A JS RC
	case $1 in ext4) mk_ext4 "$R" 64 ;; tmpfs) mk_tmpfs "$R" 32m ;; esac
	chmod 0755 "$R"
	setfacl -m u:1002:rx "$R" 2>/dev/null || skip "$1: no ACL support here"
	setfacl -b "$R"
	mk_system "$R"
	chmod 0755 "$R/home/alice"
	A=$R/home/alice
	put "$A/Shared/list.txt" 1001:1001 0640 "2021-01-01 00:00:00" "shared with the group"
	put "$A/Docs/private.txt" 1001:1001 0640 "2021-01-01 00:00:00" "PRIVATE"
	put "$A/Open/open.txt" 1001:1001 0644 "2021-01-01 00:00:00" "open"
	chown 1001:1001 "$A/Shared" "$A/Docs" "$A/Open"
	chmod 0750 "$A/Shared"
	chmod 0755 "$A/Docs" "$A/Open"
	policy "$WORK/p.xml"
	compile "$WORK/p.xml" "$WORK/p.plan"
	local S=$R/store
	scan "$S" "$WORK/p.plan" "$R"
	reinstall() {
		rm -rf "$A/Shared" "$A/Docs" "$A/Open" "$R/opt"
		mkdir -p "$A/Shared" "$A/Docs" "$A/Open" "$R/opt/acl"
		chown 1001:1001 "$A/Shared" "$A/Docs" "$A/Open"
		chmod 0750 "$A/Shared" && setfacl -m u:1002:rx "$A/Shared"
		chmod 0755 "$A/Docs" && setfacl -d -m u:1002:rw "$A/Docs"
		chmod 0755 "$A/Open" && setfacl -m u:1002:rx "$A/Open"
		setfacl -m u:1002:rwx "$R/opt/acl"
	}
	local l=(load "$S" --plan "$WORK/p.plan" --root "$R" --nocompress)
	reinstall
	as_bob ls "$A/Shared" >/dev/null 2>&1 || fail "$1 premise: bob can list Shared through his entry"

	# 1. dry run
	RC=0
	OUT=$("$MIGSTATE" "${l[@]}" --dry-run 2>&1) || RC=$?
	assert_eq 0 "$RC" "$1 dry run: $OUT"
	assert_contains "$OUT" "$(printf 'tighten-acl\t/home/alice/Shared\taccess')" "$1 dry run: Shared"
	assert_contains "$OUT" "$(printf 'tighten-acl\t/home/alice/Docs\tdefault')" "$1 dry run: Docs"
	case $OUT in *"tighten-acl	/home/alice/Open"*) fail "$1 dry run: Open grants nothing beyond" ;; esac
	assert_contains "$(named "$A/Shared")" "user:1002:r-x" "$1 dry run left Shared's entry"
	assert_contains "$(named "$A/Docs")" "default:user:1002:rw-" "$1 dry run left Docs' default ACL"

	# 2. --keep-dir-modes: warn only
	RC=0
	JS=$("$MIGSTATE" "${l[@]}" --keep-dir-modes --json --log "$WORK/keep-$1.log" 2>"$WORK/keep.err") || RC=$?
	assert_eq 0 "$RC" "$1 --keep-dir-modes: $(cat "$WORK/keep.err")"
	assert_eq 2 "$(json dirs_acl_kept)" "$1 JSON dirs_acl_kept"
	assert_eq 0 "$(json dirs_acl_tightened)" "$1 JSON dirs_acl_tightened (keep)"
	assert_contains "$(cat "$WORK/keep.err")" "/home/alice/Shared: named ACL entries grant access the captured directory (0750) did not: kept" "$1 warning"
	assert_contains "$(named "$A/Shared")" "user:1002:r-x" "$1 --keep-dir-modes kept the entry"
	as_bob cat "$A/Docs/private.txt" >/dev/null 2>&1 || fail "$1 premise: the inherited default ACL exposes the copy"

	# 3. the default: removed before anything goes in
	reinstall
	RC=0
	JS=$("$MIGSTATE" "${l[@]}" --json --log "$WORK/load-$1.log" 2>"$WORK/load.err") || RC=$?
	assert_eq 0 "$RC" "$1 load: $(cat "$WORK/load.err")"
	assert_eq 2 "$(json dirs_acl_tightened)" "$1 JSON dirs_acl_tightened"
	assert_eq 0 "$(json dirs_acl_kept)" "$1 JSON dirs_acl_kept"
	assert_eq 1 "$(grep -c '/home/alice/Shared: removed named ACL entries' "$WORK/load-$1.log")" "$1 log: Shared"
	assert_eq 1 "$(grep -c '/home/alice/Docs: removed a default ACL with named entries' "$WORK/load-$1.log")" "$1 log: Docs"
	assert_eq "" "$(named "$A/Shared")" "$1 Shared has no named entry"
	assert_eq "" "$(named "$A/Docs")" "$1 Docs has no default ACL"
	assert_eq "" "$(named "$A/Docs/private.txt")" "$1 the copy inherited nothing"
	assert_eq "750 1001" "$(stat -c '%a %u' "$A/Shared")" "$1 Shared mode (the group keeps r-x)"
	assert_contains "$(named "$A/Open")" "user:1002:r-x" "$1 an entry granting nothing beyond stays"
	assert_contains "$(named "$R/opt/acl")" "user:1002:rwx" "$1 a directory load does not restore into"
	! as_bob ls "$A/Shared" >/dev/null 2>&1 || fail "$1: bob can list Shared after load"
	! as_bob cat "$A/Docs/private.txt" >/dev/null 2>&1 || fail "$1: bob can read Docs/private.txt after load"
	as_bob cat "$A/Open/open.txt" >/dev/null 2>&1 || fail "$1 control: bob cannot read anything"
	assert_eq "PRIVATE" "$(cat "$A/Docs/private.txt")" "$1 restored"
	# a rerun: nothing left
	RC=0
	JS=$("$MIGSTATE" "${l[@]}" --json --log "$WORK/again-$1.log" 2>&1) || RC=$?
	assert_eq 0 "$RC" "$1 rerun"
	assert_eq 0 "$(json dirs_acl_tightened)" "$1 a rerun has nothing to remove"
}
run_on ext4
run_on tmpfs
