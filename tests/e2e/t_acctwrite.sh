#!/usr/bin/env bash
# The account-creation engine of load --lac/--lae (runtime/acctwrite.c), run through
# tests/helpers/acctwrite_drv.c on a copy of this machine's Debian account files in a
# temporary root (the host's /etc is only read), checked with the real shadow tools:
#   - pwck -r / grpck -r clean afterwards; passwd -S sees the locked and the usable
#     account; every old line kept (only the member field of a group edited); owner and
#     mode kept, NAME- backups equal to the old files;
#   - a useradd --root (lckpwdf on ROOT/etc/.pwd.lock) and a useradd --prefix (link
#     locks ROOT/etc/passwd.lock ...) started while the engine holds its locks wait for
#     it, and neither's account is lost;
#   - a fault of a real rename or fsync half way (LD_PRELOAD shim) leaves the old files.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
for c in pwck grpck useradd groupadd passwd; do need_cmd "$c"; done
[ -r /etc/passwd ] && [ -r /etc/shadow ] && [ -r /etc/group ] && [ -r /etc/gshadow ] ||
	skip "needs the host's passwd, shadow, group and gshadow to copy"
rt_helper acctwrite_drv >/dev/null
DRV=$(rt_helper acctwrite_drv)
T=$(mk_tmpdir)
R=$T/root
HASH='$6$migstate1$yL6l.l42DadoVi58VBIvssePgnfYszm76d/l/3hnGeQ9QwpZtGXN31x2emwW5RErTihnSuKGInrmUUXsTbTKJ.'

# A root made of this machine's account files, with every home and shell they name, so
# the tools have nothing to say about it before the engine runs.
mkdir -p "$R/etc/default" "$R/bin"
for f in passwd group shadow gshadow login.defs; do
	[ -f "/etc/$f" ] && cp -p "/etc/$f" "$R/etc/$f"
done
echo 'SHELL=/bin/sh' >"$R/etc/default/useradd"
awk -F: '$6 ~ /^\// { print $6 }' "$R/etc/passwd" | while IFS= read -r h; do mkdir -p "$R$h"; done
{ awk -F: '$7 ~ /^\// { print $7 }' "$R/etc/passwd"; echo /bin/sh; echo /bin/bash; } | sort -u |
	while IFS= read -r s; do
		mkdir -p "$R$(dirname "$s")"
		[ -e "$R$s" ] || install -m 0755 /dev/null "$R$s"
	done
rm -f "$R/bin/zsh"
# the target's own admin and a group made by its tools: ids the engine must not take
useradd -P "$R" -m -s /bin/bash admin
groupadd -P "$R" proj
ADMIN_UID=$(awk -F: '$1 == "admin" { print $3 }' "$R/etc/passwd")
PROJ_GID=$(awk -F: '$1 == "proj" { print $3 }' "$R/etc/group")
# clean: rc 0 and nothing said but "no changes"
tools_clean() {
	local out rc=0
	out=$(pwck -r -R "$R" 2>&1) || rc=$?
	[ "$rc" = 0 ] || fail "pwck -r ($1) exited $rc: $out"
	[ -z "$(grep -v 'no changes' <<<"$out")" ] || fail "pwck -r ($1) says: $out"
	rc=0
	out=$(grpck -r -R "$R" 2>&1) || rc=$?
	[ "$rc" = 0 ] || fail "grpck -r ($1) exited $rc: $out"
	[ -z "$(grep -v 'no changes' <<<"$out")" ] || fail "grpck -r ($1) says: $out"
}
tools_clean "the copy, before"
mkdir -p "$T/orig"
for f in passwd shadow group gshadow; do cp -p "$R/etc/$f" "$T/orig/$f"; done

# --- create: a locked user whose uid is taken, one with an absent shell, a usable one
tab=$'\t'
{
	echo "user${tab}alice${tab}$ADMIN_UID${tab}alice${tab}$ADMIN_UID${tab}Alice A,,,${tab}/home/alice${tab}/bin/bash${tab}$HASH${tab}19700:0:99999:7:::${tab}locked"
	echo "user${tab}bob${tab}1777${tab}bob${tab}1777${tab}Bob${tab}/home/bob${tab}/bin/zsh${tab}-${tab}-${tab}locked"
	echo "user${tab}carol${tab}1778${tab}staff2${tab}1779${tab}Carol${tab}/home/carol${tab}/bin/bash${tab}$HASH${tab}19700:0:99999:7:::${tab}usable"
	echo "user${tab}root${tab}0${tab}root${tab}0${tab}root${tab}/root${tab}/bin/bash${tab}-${tab}-${tab}locked"
	echo "group${tab}devs${tab}1780"
	echo "member${tab}alice${tab}devs"
	echo "member${tab}carol${tab}devs"
	echo "member${tab}alice${tab}proj"
	echo "member${tab}alice${tab}sudo"
} >"$T/spec"
OUT=$("$DRV" "$R" "$T/spec") || fail "the engine failed: $OUT"
note "$OUT"
line() { awk -F '\t' -v k="$1" -v n="$2" '$1 == k && $2 == n' <<<"$OUT"; }
IFS=$'\t' read -r _ _ st uid gid shell home gc sr <<<"$(line user alice)"
assert_eq created "$st" "alice"
assert_ne "$ADMIN_UID" "$uid" "alice's captured uid is admin's: another one"
[ "$uid" -ge 1000 ] && [ "$uid" -le 60000 ] || fail "alice's uid $uid out of range"
assert_eq /home/alice "$home" "alice's home reported"
IFS=$'\t' read -r _ _ st uid gid shell _ _ sr <<<"$(line user bob)"
assert_eq "created 1777 1777 /bin/sh 1" "$st $uid $gid $shell $sr" "bob: captured ids, /bin/zsh absent"
IFS=$'\t' read -r _ _ st uid gid _ _ gc _ <<<"$(line user carol)"
assert_eq "created 1778 1779 1" "$st $uid $gid $gc" "carol and her new primary group"
assert_eq "exists" "$(line user root | cut -f3)" "root is not made again"
assert_eq "added" "$(line member alice | awk -F '\t' '$3 == "proj" { print $4 }')" "alice in proj"
assert_eq "system-group" "$(line member alice | awk -F '\t' '$3 == "sudo" { print $4 }')" "sudo refused"

# load restores the homes; the tools then have nothing to say
mkdir -p "$R/home/alice" "$R/home/bob" "$R/home/carol"
tools_clean "after the engine"
# passwd's own view of the passwords: alice and bob locked, carol usable
assert_eq L "$(passwd -S -R "$R" alice | cut -d' ' -f2)" "alice locked"
assert_eq L "$(passwd -S -R "$R" bob | cut -d' ' -f2)" "bob locked"
assert_eq P "$(passwd -S -R "$R" carol | cut -d' ' -f2)" "carol usable"
grep -qxF "alice:!$HASH:19700:0:99999:7:::" "$R/etc/shadow" || fail "alice's hash not kept behind !"
# getent-like: the entries as the reader sees them
DUMP=$("$DRV" --dump "$R")
assert_contains "$DUMP" "group${tab}devs${tab}1780${tab}alice,carol" "devs and its members"
assert_contains "$DUMP" "group${tab}proj${tab}$PROJ_GID${tab}alice" "proj gained alice"
assert_contains "$DUMP" "passwd${tab}carol${tab}1778${tab}1779${tab}/home/carol${tab}/bin/bash" "carol"

# every old line kept: passwd and shadow only grew; group and gshadow differ in proj's
# member field and the appended lines
for f in passwd shadow; do
	cmp -n "$(stat -c %s "$T/orig/$f")" "$T/orig/$f" "$R/etc/$f" || fail "$f: an old byte changed"
	cmp "$T/orig/$f" "$R/etc/$f-" || fail "$f-: not the old file"
	assert_eq "$(stat -c '%u:%g:%a' "$T/orig/$f")" "$(stat -c '%u:%g:%a' "$R/etc/$f")" "$f owner and mode"
done
GDIFF=$(diff "$T/orig/group" "$R/etc/group" || true)
SDIFF=$(diff "$T/orig/gshadow" "$R/etc/gshadow" || true)
assert_eq "< proj:x:$PROJ_GID:" "$(grep '^<' <<<"$GDIFF")" "group: the one old line changed"
grep -qxF "> proj:x:$PROJ_GID:alice" <<<"$GDIFF" || fail "group: proj's new line: $GDIFF"
assert_eq "< proj:!::" "$(grep '^<' <<<"$SDIFF")" "gshadow: the one old line changed"
grep -qxF "> proj:!::alice" <<<"$SDIFF" || fail "gshadow: proj's new line: $SDIFF"
assert_eq "$(stat -c '%u:%g:%a' "$T/orig/gshadow")" "$(stat -c '%u:%g:%a' "$R/etc/gshadow")" "gshadow owner and mode"
for f in passwd shadow group gshadow; do assert_no_path "$R/etc/$f+"; assert_no_path "$R/etc/$f.lock"; done

# --- the shadow tools wait for the engine's locks --------------------------------------
# racer MODE NAME ENGINEUSER UID: the engine holds its locks 2 s while useradd MODE runs
racer() {
	local mode=$1 who=$2 eng=$3 id=$4
	printf 'user\t%s\t%s\t%s\t%s\t\t/home/%s\t/bin/sh\t-\t-\tlocked\n' "$eng" "$id" "$eng" "$id" "$eng" >"$T/spec.$eng"
	"$DRV" --hold 2000 "$R" "$T/spec.$eng" >"$T/out.$eng" 2>&1 &
	local pid=$! i
	at_exit "kill $pid"
	for i in $(seq 100); do [ -e "$R/etc/shadow.lock" ] && break; sleep 0.02; done
	[ -e "$R/etc/shadow.lock" ] || fail "the engine did not take its locks"
	local t0 t1 rc=0
	t0=$(date +%s%N)
	useradd "$mode" "$R" -s /bin/sh "$who" || rc=$?
	t1=$(date +%s%N)
	wait "$pid" || fail "the engine failed while racing useradd $mode: $(cat "$T/out.$eng")"
	assert_eq 0 "$rc" "useradd $mode $who"
	[ $(((t1 - t0) / 1000000)) -ge 900 ] || fail "useradd $mode did not wait for the locks ($(((t1 - t0) / 1000000)) ms)"
	grep -q "^$who:" "$R/etc/passwd" || fail "useradd $mode's $who lost"
	grep -q "^$eng:x:$id:" "$R/etc/passwd" || fail "the engine's $eng lost: $(cat "$T/out.$eng"; tail -n 4 "$R/etc/passwd")"
	grep -q "^$who:" "$R/etc/shadow" && grep -q "^$eng:" "$R/etc/shadow" || fail "a shadow entry lost"
	mkdir -p "$R/home/$who" "$R/home/$eng"
}
racer --root frank eve 1801  # lckpwdf: fcntl on ROOT/etc/.pwd.lock, in the chroot
racer --prefix hank gina 1850 # commonio link locks only
tools_clean "after the races"

# --- a fault of a real call half way leaves the old files ------------------------------
if fi_try_init; then
	for f in passwd shadow group gshadow; do cp -p "$R/etc/$f" "$T/orig/$f"; done
	printf 'user\tivy\t1900\tivy\t1900\tIvy\t/home/ivy\t/bin/sh\t-\t-\tlocked\nmember\tivy\tproj\n' >"$T/spec.ivy"
	# renameat 1-4 make the backups, 5-8 replace the files: the 6th fails after passwd
	# was replaced (put back); fsync 7 is the third new file, pwrite 2 of passwd+ its new
	# content
	for rule in renameat:6:EIO renameat:8:EIO fsync:7:EIO pwrite:2:ENOSPC:passwd+; do
		LD_PRELOAD=$FI_SO MIGSTATE_FAULT=$rule "$DRV" "$R" "$T/spec.ivy" >"$T/out.ivy" 2>&1 &&
			fail "$rule: the engine succeeded: $(cat "$T/out.ivy")"
		assert_contains "$(cat "$T/out.ivy")" "unchanged" "$rule: message"
		for f in passwd shadow group gshadow; do
			cmp "$T/orig/$f" "$R/etc/$f" || fail "$rule: $f changed"
			assert_no_path "$R/etc/$f+"
			assert_no_path "$R/etc/$f.lock"
		done
	done
	"$DRV" "$R" "$T/spec.ivy" >/dev/null || fail "the engine failed without a fault"
	mkdir -p "$R/home/ivy"
	tools_clean "after the faults"
else
	note "fault part skipped: $FI_WHY"
fi
echo "ok"
