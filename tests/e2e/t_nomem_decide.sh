#!/usr/bin/env bash
# Out of memory while deciding is an error for that object, never another verdict. The
# fault shim (tests/helpers/faultinject_alloc.c) makes one allocation fail with ENOMEM:
# a logging run lists every malloc, calloc and realloc of scan and of load with its
# callers, addr2line tells those made while deciding (rt_decide, rt_decide_in,
# rt_dir_begin, rt_candidates, load's decide(), relocation ...), and each of a sample of
# them, plus allocations spread over the whole run, fails once. After every fault:
#   - the exit code is documented, and 0 only when nothing was lost: the catalog holds
#     every file a clean scan captured, the target every file a clean load restored;
#   - a failure while deciding is the object's error: exit 3 with --continue (the object
#     named in the log), 61 or 72 without it, never 0;
#   - with exit 3, every file missing from the catalog (or from the target) is named in
#     an error line, or one of its directories is.
# The policy has more including components than decide.c keeps on its stack (so the
# accumulator allocates per object), an exclude and a relocation (load's destinations).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
need_cmd addr2line
fi_init
rt_helper catdump >/dev/null
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 64m
mk_system "$R"
fill_homes "$R"
for i in 1 2 3; do
	put "$R/home/alice/Old/sub/o$i.txt" 1001:1001 0644 "2020-01-0$i 10:00:00" "old $i"
	put "$R/home/bob/cache$i.tmp" 1002:1002 0644 "2020-01-0$i 10:00:00" "tmp $i"
	put "$R/data/a$i/b/c/f$i.bin" 0:0 0644 "2020-02-0$i 10:00:00" "data $i"
	put "$R/data/top$i.txt" 0:0 0644 "2020-03-0$i 10:00:00" "top $i"
done
chown -R 1001:1001 "$R/home/alice/Old"
# /data: 64 System components whose include is beaten by an exclude in the component
# (a tie goes to the exclude), then the one that includes it: its (component, context)
# group is the 65th, beyond the accumulator's 64 on the stack
DATA= DSET='<objectSet><pattern type="File">C:\data\* [*]</pattern></objectSet>'
for i in $(seq 65); do
	DATA+="<component type=\"Documents\" context=\"System\"><displayName>Data $i</displayName>
  <role role=\"Data\"><rules><include>$DSET</include>$( [ "$i" = 65 ] || echo "<exclude>$DSET</exclude>")</rules></role></component>
"
done
cat >"$WORK/p.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<migration urlid="http://migstate.invalid/test/nomem">
  <component type="Documents" context="User">
    <displayName>Homes</displayName>
    <role role="Data">
      <rules>
        <include><objectSet><pattern type="File">%CSIDL_PROFILE%\\* [*]</pattern></objectSet></include>
        <exclude><objectSet><pattern type="File">%CSIDL_PROFILE%\\* [*.tmp]</pattern></objectSet></exclude>
        <locationModify script="MigXmlHelper.RelativeMove('%CSIDL_PROFILE%\\Old','%CSIDL_PROFILE%\\New')">
          <objectSet><pattern type="File">%CSIDL_PROFILE%\\Old\\* [*]</pattern></objectSet>
        </locationModify>
      </rules>
    </role>
  </component>
$DATA
</migration>
EOF
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$R/st
FLOG=$WORK/fault.log
ALLOC="malloc calloc realloc"

# the clean runs: what scan captures, what load restores
scan "$S" "$P" "$R"
cat_paths "$S" >"$WORK/want.scan"
grep -q ' /data/a2/b/c/f2.bin$' "$WORK/want.scan" || fail "the clean scan missed /data: $(cat "$WORK/want.scan")"
grep -q 'cache1.tmp' "$WORK/want.scan" && fail "the clean scan took an excluded file"
cp -a "$S" "$WORK/store.clean"
reset_target() { # the target without what load restores (the store stays)
	rm -rf "$R/home/alice" "$R/home/bob" "$R/data" "$S"
	cp -a "$WORK/store.clean" "$S"
	mkdir -p "$R/home/alice" "$R/home/bob"
	chown 1001:1001 "$R/home/alice"
	chown 1002:1002 "$R/home/bob"
}
restored() { (cd "$R" && { find home data \( -type f -o -type l \) 2>/dev/null || true; } | sed 's|^|/|' | LC_ALL=C sort); }

SCAN_ARGS=(scan "$S" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 --log "$WORK/f.log")
LOAD_ARGS=(load "$S" --plan "$P" --root "$R" --hardlink --nocompress --log "$WORK/f.log")
rules_all() { local f r=; for f in $ALLOC; do r+="${r:+,}$f:*:$1"; done; echo "$r"; }

# classify LOG: "FUNC N DECIDING SITE" for every allocation LOG lists (1: made while
# deciding; SITE: its callers as the shim logs them)
classify() {
	python3 - "$MIGSTATE" "$1" <<'PY'
import re, subprocess, sys
exe, log = sys.argv[1], sys.argv[2]
calls = []
for line in open(log):
    m = re.match(r'(\w+) #(\d+) main\+(\S+) -> ', line)
    if m:
        calls.append((m.group(1), int(m.group(2)), m.group(3)))
addrs = sorted({a for _, _, fr in calls for a in fr.split('/') if a.startswith('0x')})
funcs = {}
if addrs:
    out = subprocess.run(['addr2line', '-a', '-f', '-i', '-e', exe] + addrs,
                         capture_output=True, text=True).stdout.splitlines()
    cur = None
    for i, l in enumerate(out):
        if re.fullmatch(r'0x[0-9a-f]+', l):
            cur = hex(int(l, 16))
            funcs[cur] = []
        elif cur and i + 1 < len(out) and not re.fullmatch(r'0x[0-9a-f]+', l) and ':' not in l:
            funcs[cur].append((l, out[i + 1].split(':')[0].rsplit('/', 1)[-1]))
DECIDING = {'rt_decide', 'rt_decide_in', 'rt_dir_begin', 'rt_candidates', 'rt_explain',
            'cands_add', 'group_of', 'dir_add', 'acc_add', 'lidx_query', 'rt_relocate'}
def deciding(fr):
    for a in fr.split('/'):
        for fn, f in funcs.get(hex(int(a, 16)) if a.startswith('0x') else a, []):
            if fn in DECIDING or (fn == 'decide' and f in ('walk.c', 'load_decide.c')):
                return 1
    return 0
for fn, n, fr in calls:
    print(fn, n, deciding(fr), fr)
PY
}

# pick FILE: a sample of FILE's allocations, "FUNC N DECIDING": every one made while deciding up
# to 8 per function (evenly spread beyond), and 3 per function spread over the rest
pick() {
	local f
	for f in $ALLOC; do
		awk -v f="$f" '$1 == f && $3 == 1 { print $1, $2, $3 }' "$1" | spread 8
		awk -v f="$f" '$1 == f && $3 == 0 { print $1, $2, $3 }' "$1" | spread 3
	done
}
spread() { awk -v k="$1" '{ l[NR] = $0 } END { if (NR <= k) { for (i = 1; i <= NR; i++) print l[i] } else for (i = 0; i < k; i++) print l[1 + int(i * (NR - 1) / (k - 1))] }' | sort -u; }

# named PATH TEXT: TEXT has an out-of-memory error line naming PATH or a directory of it
named() {
	local p=$1
	while :; do
		grep -F -- "${p:-/}:" <<<"$2" | grep -q 'Cannot allocate memory' && return 0
		[ -n "$p" ] || return 1
		p=${p%/*}
	done
}

# check VERB FUNC N CONT DEC: one fault (DEC: it was made while deciding in the logging
# run), checked
FAILS=0 CASES=0 DECIDED=0 LASTBAD=
bad() { # one case counts once
	echo "BAD: $*" >&2
	[ "$LASTBAD" = "$CASES" ] || FAILS=$((FAILS + 1))
	LASTBAD=$CASES
}
check() {
	local verb=$1 func=$2 n=$3 cont=$4 was=$5 have want missing p fired dec
	CASES=$((CASES + 1))
	local args
	if [ "$verb" = scan ]; then
		rm -rf "$S"
		args=("${SCAN_ARGS[@]}")
	else
		reset_target
		args=("${LOAD_ARGS[@]}")
	fi
	[ "$cont" = 1 ] && args+=(-c)
	rm -f "$WORK/f.log"
	fi_run "$func:$n:ENOMEM" "$FLOG" "$MIGSTATE" "${args[@]}"
	fired=$(fi_fired "$FLOG")
	if [ -z "$fired" ]; then
		# the last few allocations vary with timing (the summary's length); those
		# made while deciding must not
		[ "$was" = 0 ] || bad "$verb $func:$n never fired"
		return
	fi
	# the site that failed: as in the logging run (then classified already), or not
	dec=$(awk -v f="$func" -v n="$n" -v s="${fired#* main+}" \
		'$1 == f && $2 == n && $4 " -> ENOMEM" == s { print $3 }' "$WORK/calls.$verb")
	if [ -z "$dec" ]; then
		printf '%s\n' "$fired" >"$WORK/fired"
		dec=$(classify "$WORK/fired" | awk '{ print $3 }')
	fi
	[ "$dec" = 1 ] && DECIDED=$((DECIDED + 1))
	local text what="$verb $func:$n${cont:+ -c=$cont} (deciding: $dec)"
	text="$OUT
$(cat "$WORK/f.log" 2>/dev/null || true)"
	if [ "$verb" = scan ]; then
		have= # a failed capture leaves no catalog
		if [ "$RC" = 0 ] || [ "$RC" = 3 ]; then
			have=$(cat_paths "$S" | awk '{ print $2 }' | LC_ALL=C sort)
		fi
		want=$(awk '{ print $2 }' "$WORK/want.scan" | LC_ALL=C sort)
	else
		have=$(restored)
		want=$(cat "$WORK/want.load")
	fi
	echo "# $what: exit $RC" >&2
	missing=$(LC_ALL=C comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$have"))
	case "$RC" in
	0)
		[ "$dec" = 1 ] && bad "$what: a failed decision, exit 0"
		[ -z "$missing" ] || bad "$what: exit 0 but not $( [ "$verb" = scan ] && echo captured || echo restored): $missing"
		;;
	3)
		[ "$cont" = 1 ] || bad "$what: exit 3 without --continue"
		while read -r p; do
			[ -z "$p" ] || named "$p" "$text" && continue
			# a relocated file: its catalog path (the source) may be the one named
			case "$p" in */New/*) named "${p/\/New\//\/Old\/}" "$text" && continue ;; esac
			bad "$what: $p is neither $( [ "$verb" = scan ] && echo captured || echo restored) nor named"
		done <<<"$missing"
		;;
	2 | 11 | 27 | 29 | 35 | 39 | 61 | 71 | 72) ;;
	*) bad "$what: exit $RC is not a documented code ($OUT)" ;;
	esac
	if [ "$dec" = 1 ] && [ "$cont" = 1 ] && [ "$RC" != 3 ]; then
		bad "$what: with --continue a failed decision is the object's error (3), got $RC: $(tail -3 <<<"$text")"
	fi
	if [ "$dec" = 1 ] && [ "$cont" = 0 ] && [ "$RC" != 61 ] && [ "$RC" != 72 ]; then
		bad "$what: without --continue a failed decision stops the run (61/72), got $RC"
	fi
}

for verb in scan load; do
	if [ "$verb" = scan ]; then
		rm -rf "$S"
		args=("${SCAN_ARGS[@]}")
	else # after the scans: load changes the tree they read
		reset_target
		load "$S" "$P" "$R"
		assert_eq 0 "$RC" "the clean load ($OUT)"
		restored >"$WORK/want.load"
		grep -q '^/home/alice/New/sub/o1.txt$' "$WORK/want.load" ||
			fail "the clean load did not relocate: $(cat "$WORK/want.load")"
		reset_target
		args=("${LOAD_ARGS[@]}")
	fi
	fi_run "$(rules_all log)" "$FLOG" "$MIGSTATE" "${args[@]}" -c
	assert_eq 0 "$RC" "$verb under the logging shim ($OUT)"
	classify "$FLOG" >"$WORK/calls.$verb"
	ndec=$(awk '$3 == 1' "$WORK/calls.$verb" | wc -l)
	note "$verb: $(wc -l <"$WORK/calls.$verb") allocations, $ndec while deciding"
	[ "$ndec" -gt 0 ] || fail "$verb: no allocation is attributed to a decision (addr2line: is $MIGSTATE built with -g?)"
	i=0
	while read -r func n was; do
		check "$verb" "$func" "$n" 1 "$was"
		if [ $((i++ % 4)) = 0 ]; then # every fourth one also without --continue
			check "$verb" "$func" "$n" 0 "$was"
		fi
	done < <(pick "$WORK/calls.$verb")
done
note "$CASES faults, $DECIDED of them while deciding"
[ "$DECIDED" -gt 0 ] || fail "no fault fired while deciding"
[ "$FAILS" = 0 ] || fail "$FAILS of $CASES faults broke the invariant"
