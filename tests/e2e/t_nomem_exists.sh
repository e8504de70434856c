#!/usr/bin/env bash
# Out of memory inside DoesObjectExist (the VM's OP_EXISTS, rt_exists in bind.c) is an
# error, never "the object does not exist": a detection or a condition that comes out
# false turns a component or a rule off, and what it includes is silently not captured.
# The fault shim (tests/helpers/faultinject_alloc.c) fails each allocation made inside
# rt_exists (fdopendir's directory buffer, found by a logging run and addr2line), one at
# a time: the scan must then fail (exit 39, "out of memory", the plan cannot be bound)
# or capture everything the clean scan did; exit 0 with the application's files missing
# is the defect.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd addr2line
fi_init
rt_helper catdump >/dev/null
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
fill_homes "$R"
put "$R/home/alice/suite/calc/calc.ini" 1001:1001 0644 "2021-01-01 10:00:00" "precision=12"
put "$R/home/alice/suite/mail/box/inbox" 1001:1001 0600 "2021-01-02 10:00:00" "hello"
cat >"$WORK/p.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<migration urlid="http://migstate.invalid/test/nomem-exists">
  <component type="Application" context="User">
    <displayName>Calc</displayName>
    <role role="Settings">
      <detects><detect>
        <condition>MigXmlHelper.DoesObjectExist("File","%CSIDL_PROFILE%\suite\calc")</condition>
      </detect></detects>
      <rules><include><objectSet>
        <pattern type="File">%CSIDL_PROFILE%\suite\calc\* [*]</pattern>
      </objectSet></include></rules>
    </role>
  </component>
  <component type="Application" context="User">
    <displayName>Mail</displayName>
    <role role="Settings">
      <rules><include><objectSet>
        <conditions><condition>MigXmlHelper.DoesObjectExist("File","%CSIDL_PROFILE%\suite\* [inbox]")</condition></conditions>
        <pattern type="File">%CSIDL_PROFILE%\suite\mail\* [*]</pattern>
      </objectSet></include></rules>
    </role>
  </component>
</migration>
EOF
compile "$WORK/p.xml" "$WORK/p.plan"
S=$R/st
FLOG=$WORK/fault.log
ARGS=(scan "$S" --plan "$WORK/p.plan" --root "$R" --hardlink --nocompress --min-free 1 --log "$WORK/f.log" -c)

scan "$S" "$WORK/p.plan" "$R"
cat_paths "$S" | awk '{ print $2 }' >"$WORK/want"
for f in /home/alice/suite/calc/calc.ini /home/alice/suite/mail/box/inbox; do
	grep -qx "$f" "$WORK/want" || fail "the clean scan did not capture $f: $(cat "$WORK/want")"
done

# every allocation of the scan, with its callers; those inside rt_exists (or find_below)
rm -rf "$S" "$WORK/f.log"
fi_run "malloc:*:log,calloc:*:log,realloc:*:log" "$FLOG" "$MIGSTATE" "${ARGS[@]}"
assert_eq 0 "$RC" "scan under the logging shim ($OUT)"
python3 - "$MIGSTATE" "$FLOG" >"$WORK/sites" <<'PY'
import re, subprocess, sys
exe, log = sys.argv[1], sys.argv[2]
calls = []
for line in open(log):
    m = re.match(r'(\w+) #(\d+) main\+(\S+) -> ', line)
    if m:
        calls.append((m.group(1), m.group(2), m.group(3).split('/')[0]))
addrs = sorted({a for _, _, a in calls})
out = subprocess.run(['addr2line', '-f', '-i', '-a', '-e', exe] + addrs, capture_output=True,
                     text=True).stdout.splitlines()
inside, cur = set(), None
for l in out:
    if re.fullmatch(r'0x[0-9a-f]+', l):
        cur = int(l, 16)
    elif l in ('rt_exists', 'find_below'):
        inside.add(cur)
for fn, n, a in calls:
    if int(a, 16) in inside:
        print(fn, n)
PY
[ -s "$WORK/sites" ] || fail "no allocation inside rt_exists (addr2line: is $MIGSTATE built with -g?)"
note "$(wc -l <"$WORK/sites") allocations inside rt_exists"

bad=0
while read -r func n; do
	rm -rf "$S" "$WORK/f.log"
	fi_run "$func:$n:ENOMEM" "$FLOG" "$MIGSTATE" "${ARGS[@]}"
	[ -n "$(fi_fired "$FLOG")" ] || fail "$func:$n never fired"
	note "$func:$n: exit $RC ($(fi_fired "$FLOG"))"
	case "$RC" in
	0 | 3)
		have=$(cat_paths "$S" | awk '{ print $2 }')
		missing=$(LC_ALL=C comm -23 <(LC_ALL=C sort "$WORK/want") <(printf '%s\n' "$have" | LC_ALL=C sort))
		if [ -n "$missing" ]; then
			echo "BAD: $func:$n: exit $RC but not captured: $missing" >&2
			bad=$((bad + 1))
		fi ;;
	39)
		grep -q 'Cannot allocate memory\|out of memory' <<<"$OUT$(cat "$WORK/f.log" 2>/dev/null)" ||
			{ echo "BAD: $func:$n: exit 39 without saying why: $OUT" >&2; bad=$((bad + 1)); } ;;
	*) echo "BAD: $func:$n: exit $RC ($OUT)" >&2; bad=$((bad + 1)) ;;
	esac
done <"$WORK/sites"
[ "$bad" = 0 ] || fail "$bad allocation failures inside DoesObjectExist changed what was captured"
