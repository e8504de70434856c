#!/usr/bin/env bash
# The first-boot restore: `scan --first-boot` writes .migstate-firstboot/ (manifest and
# plan copy, root's, 0700/0600) at the top of the store's filesystem (/home); after the
# "reinstall" (a new /etc, the homes emptied, the plan gone) the unit's ExecStart,
# parsed from contrib/systemd/migstate-firstboot.service and run as systemd would (its
# words, no shell, the fake root as --root), restores everything, records result.json
# and renames the manifest so the unit's condition is false. Before that, what an
# unprivileged user (uid 1500, through setpriv) can plant is never acted on: her own
# manifest directory, a manifest a group can write, a directory on the way she owns,
# a root manifest naming a store of hers (load's own store checks), and her own
# scan --first-boot. systemd-analyze verify is clean on every unit shipped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd setpriv
need_cmd systemd-analyze
UNIT=$REPO/contrib/systemd/migstate-firstboot.service
assert_file "$UNIT"

# The fake root must lie below directories only root can write: not /tmp.
B=$(mktemp -d /run/migstate-e2e.XXXXXX)
at_exit "rm -rf '$B'"
chmod 0755 "$B" # others (uid 1500) walk through it, nobody but root writes it
WORK=$B/work
mkdir "$WORK"

# --- every unit shipped verifies (ExecStart rewritten to this build, as make install
#     rewrites /usr/local for its PREFIX) ------------------------------------------------
units=$(find "$REPO/contrib" -name '*.service' | sort)
[ "$(echo "$units" | wc -l)" -ge 2 ] || fail "expected the rd-pending and first-boot units: $units"
for u in $units; do
	sed "s|/usr/local/bin/migstate|$MIGSTATE|g" "$u" >"$WORK/$(basename "$u")"
	rc=0
	out=$(systemd-analyze verify "$WORK/$(basename "$u")" 2>&1) || rc=$?
	[ "$rc" = 0 ] && [ -z "$out" ] || fail "systemd-analyze verify $(basename "$u") ($rc): $out"
done

# --- what the unit says ------------------------------------------------------------------
key() { sed -n "s/^$1=//p" "$UNIT"; }
assert_eq oneshot "$(key Type)" "Type"
assert_contains "$(key Before)" "display-manager.service" "before the display manager"
assert_contains "$(key Before)" "systemd-user-sessions.service" "before user sessions"
assert_contains "$(key ExecStopPost)" "disable migstate-firstboot.service" "disables itself"
read -r -a EXEC <<<"$(key ExecStart)"
assert_eq firstboot "${EXEC[1]}" "ExecStart runs the firstboot verb"
DIR=${EXEC[${#EXEC[@]} - 1]}
assert_eq "$DIR/manifest" "$(key ConditionPathExists)" "the condition is the manifest ExecStart reads"
# run_unit: ExecStart's words, the binary replaced by this build, beneath the fake root
run_unit() { "$MIGSTATE" "${EXEC[@]:1}" --root "$R"; }

# --- the system before the reinstall: / and /home on filesystems of their own ----------
R=$B/root
mk_tmpfs "$R" 32m
mk_system "$R"
mk_tmpfs "$R/home" 32m
mk_system "$R"
fill_homes "$R"
echo "mallory:x:1500:1500::/home/mallory:/bin/sh" >>"$R/etc/passwd"
mkdir -m 0700 "$R/home/mallory"
chown 1500:1500 "$R/home/mallory"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
homes_before=$(manifest "$R/home/alice")
inodes_before=$(tree_inodes "$R/home/alice" | awk '{print $1, $2}')

as_mallory() { setpriv --reuid=1500 --regid=1500 --clear-groups "$@"; }
expect_rc 34 as_mallory "$MIGSTATE" scan "$R/home/mallory/s" --plan "$WORK/p.plan" --root "$R" \
	--hardlink --nocompress --first-boot
assert_contains "$OUT" "--first-boot needs root" "an unprivileged scan --first-boot"

scan "$R/home/.migstore" "$WORK/p.plan" "$R" --first-boot --ue mallory
FB=$R$DIR
assert_eq "700 0" "$(stat -c '%a %u' "$FB")" "manifest directory"
assert_eq "600 0" "$(stat -c '%a %u' "$FB/manifest")" "manifest"
assert_eq "600 0" "$(stat -c '%a %u' "$FB/plan")" "plan copy"
assert_eq "store: .migstore" "$(grep '^store:' "$FB/manifest")" "the store, relative to /home"
cmp -s "$WORK/p.plan" "$FB/plan" || fail "the plan copy differs"

# --- the manifest directory is never captured (it is migstate's own, like a store), but a
#     directory a user merely names so is: nobody hides her files from capture that way ----
cat >"$WORK/all.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<migration urlid="http://migstate.invalid/test/firstboot-all">
  <component type="Documents" context="System">
    <displayName>All of /home</displayName>
    <role role="Data"><rules><include><objectSet>
      <pattern type="File">C:\home\* [*]</pattern>
    </objectSet></include></rules></role>
  </component>
</migration>
XML
compile "$WORK/all.xml" "$WORK/all.plan"
as_mallory mkdir -m 0700 "$R/home/mallory/.migstate-firstboot"
as_mallory touch "$R/home/mallory/.migstate-firstboot/hers"
mkdir -m 0700 "$R/data"
scan "$R/data/all" "$WORK/all.plan" "$R" --listfiles "$WORK/all.list"
assert_contains "$(cat "$WORK/all.list")" "/home/mallory/.migstate-firstboot/hers" "a user's look-alike is captured"
! grep -q "^/home/.migstate-firstboot" "$WORK/all.list" || fail "the manifest directory was captured"
grep -q "^/home/alice/notes.txt" "$WORK/all.list" || fail "the whole-/home scan missed alice's files"
rm -rf "$R/data" "$R/home/mallory/.migstate-firstboot"

# --- the reinstall: a new /etc, the homes emptied, the plan gone ------------------------
rm -rf "$R/etc" "$WORK/p.plan" "$R/home/alice" "$R/home/bob"
mk_system "$R"
echo "mallory:x:1500:1500::/home/mallory:/bin/sh" >>"$R/etc/passwd"
restored() { [ -e "$R/home/alice/notes.txt" ]; }

# --- what is never acted on ------------------------------------------------------------
# a manifest the group can write
chmod g+w "$FB/manifest"
expect_rc 27 run_unit
assert_contains "$OUT" "manifest is writable by its group" "group-writable manifest"
chmod g-w "$FB/manifest"
# a directory on the way that a user owns
chown 1500 "$R/home"
expect_rc 27 run_unit
assert_contains "$OUT" "$R/home is owned by uid 1500" "a user's directory above the manifest"
chown 0 "$R/home"
# a manifest directory a user planted in her own directory
as_mallory mkdir -m 0700 "$R/home/mallory/.migstate-firstboot"
printf 'migstate-firstboot 1\nstore: ../.migstore\nhardlink: yes\n' |
	as_mallory tee "$R/home/mallory/.migstate-firstboot/manifest" >/dev/null
expect_rc 27 "$MIGSTATE" firstboot --root "$R" /home/mallory/.migstate-firstboot
assert_contains "$OUT" "/home/mallory is owned by uid 1500" "her own manifest directory"
# a root manifest naming a store that is hers (a copy of the real one: she could have
# crafted it at will, every file of it is hers): load's own store checks refuse it
cp -a "$R/home/.migstore" "$R/home/mallory/store"
chown -R 1500:1500 "$R/home/mallory/store"
mkdir -m 0700 "$R/home/fb-other"
cp -p "$FB/plan" "$R/home/fb-other/plan"
sed 's|^store: .*|store: mallory/store|' "$FB/manifest" >"$R/home/fb-other/manifest"
chmod 0600 "$R/home/fb-other/manifest"
expect_rc 27 "$MIGSTATE" firstboot --root "$R" /home/fb-other
assert_contains "$OUT" "uid 1500" "load refuses her store"
assert_eq 27 "$(sed -n 's/^{"rc":\([0-9]*\),.*/\1/p' "$R/home/fb-other/result.json")" "recorded"
! restored || fail "something was restored from an untrusted manifest"
assert_file "$FB/manifest"
assert_no_path "$FB/result.json"

# --- the first boot -------------------------------------------------------------------------
[ -e "$R$(key ConditionPathExists)" ] || fail "the unit's condition is false before the first boot"
expect_rc 0 run_unit
assert_eq "$homes_before" "$(manifest "$R/home/alice")" "alice's files after the first boot"
assert_eq "$inodes_before" "$(tree_inodes "$R/home/alice" | awk '{print $1, $2}')" \
	"restored as the very same inodes (a hard-link store)"
res=$(cat "$FB/result.json")
assert_contains "$res" '{"rc":0,"store":"'"$R"'/home/.migstore"' "result.json"
assert_contains "$res" '"linked":7' "result.json has load's summary"
assert_file "$FB/manifest.done"
assert_file "$FB/load.log"
[ ! -e "$R$(key ConditionPathExists)" ] || fail "the condition is still true: it would run twice"
expect_rc 27 run_unit
assert_contains "$OUT" "manifest: No such file or directory: nothing done" "a second run does nothing"
assert_eq "$res" "$(cat "$FB/result.json")" "the result stays"
