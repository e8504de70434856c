#!/usr/bin/env bash
# t_plan_roundtrip.sh - every well-formed rule file of the shared corpus through the plan
# layer, alone: `migc compile` exits 0, or 1 with real errors (the files below, each with
# its reason; never a crash or any other code, never a plan written on errors); every
# plan that is written dumps (text and JSON), passes `migstate check-plan`, and compiles
# to the same bytes again. Then the stock MigApp + MigUser + MigDocs trio compiles
# together into a plan smaller than a quarter of the XML.
. "$(dirname "$0")/lib.sh"

CORPUS=$SHARED/corpus
[ -f "$CORPUS/SOURCES.tsv" ] || skip "no corpus at $CORPUS"
need_cmd cmp
tmp=$(mk_tmpdir)

# Refused with real errors in the file itself (exit 1), and why.
declare -A expected_errors=(
	[cpradarits-usmt__iAccess.xml]="a MigApp.xml fragment: <environment name=\"GlobalEnv\"> is defined in MigApp.xml, not here"
	[dengxiansheng-usmt-helper__file.xml.backup.xml]="two paths in one <pattern>, separated by a line break"
	[dengxiansheng-usmt-helper__reg.xml.backup.xml]="two paths in one <pattern>, separated by a line break"
	[pewkodi-usmt-python-gui__Note.xml]="a line break inside a folder name (\"Sticky<LF>Notes\")"
	[gsxryan-usmt-template__xlsmacros.xml]="undefined variable %CSIDL_PPROFILE% (a typo of CSIDL_PROFILE)"
)

# The well-formed rule files: SOURCES.tsv column 6 well_formed=yes, column 7 kind != config.
mapfile -t files < <(awk -F'\t' 'NR > 1 && $6 == "yes" && $7 != "config" { print $1 }' \
	"$CORPUS/SOURCES.tsv")
[ "${#files[@]}" -gt 0 ] || fail "no well-formed rule files listed in SOURCES.tsv"

ok=0 refused=0
for f in "${files[@]}"; do
	src=$CORPUS/$f
	[ -f "$src" ] || fail "$f is listed in SOURCES.tsv but missing"
	rm -f "$tmp/a.plan" "$tmp/b.plan"
	rc=0
	out=$("$MIGC" compile -o "$tmp/a.plan" "$src" 2>&1) || rc=$?
	case $rc in
	0)
		[ -z "${expected_errors[$f]:-}" ] ||
			note "$f now compiles; drop it from expected_errors (${expected_errors[$f]})"
		assert_file "$tmp/a.plan"
		expect_rc 0 "$MIGC" dump "$tmp/a.plan"
		assert_contains "$OUT" "code (" "$f: dump"
		expect_rc 0 "$MIGC" dump --json "$tmp/a.plan"
		assert_contains "$OUT" '"code":[' "$f: JSON dump"
		expect_rc 0 "$MIGSTATE" check-plan "$tmp/a.plan"
		assert_contains "$OUT" "verified" "$f: check-plan"
		"$MIGC" compile -o "$tmp/b.plan" "$src" >/dev/null 2>&1 || fail "$f: second compile failed"
		cmp -s "$tmp/a.plan" "$tmp/b.plan" || fail "$f: two compiles give different plans"
		ok=$((ok + 1))
		;;
	1)
		[ -n "${expected_errors[$f]:-}" ] ||
			fail "$f: refused with errors (a compiler bug?):$(printf '\n%s' "$out" | grep -m5 'error:')"
		assert_contains "$out" "error:" "$f: exit 1 names its errors"
		assert_no_path "$tmp/a.plan"
		note "refused as expected: $f: ${expected_errors[$f]}"
		refused=$((refused + 1))
		;;
	*)
		fail "$f: migc compile exited $rc (only 0 and 1 are allowed):$(printf '\n%s' "$out" | tail -n 5)"
		;;
	esac
done
for f in "${!expected_errors[@]}"; do
	grep -q "^$f	" "$CORPUS/SOURCES.tsv" || note "expected_errors names $f, which the corpus does not list"
done
note "corpus: ${#files[@]} rule files, $ok compiled and round-tripped, $refused refused with real errors"

# The stock trio, together: the plan is compact.
trio_ok=0
for set in clintondale-usmt-backup conradhyler-usmt; do
	trio=("$CORPUS/${set}__MigApp.xml" "$CORPUS/${set}__MigUser.xml" "$CORPUS/${set}__MigDocs.xml")
	[ -f "${trio[0]}" ] && [ -f "${trio[1]}" ] && [ -f "${trio[2]}" ] || continue
	expect_rc 0 "$MIGC" compile -o "$tmp/trio.plan" "${trio[@]}"
	expect_rc 0 "$MIGSTATE" check-plan "$tmp/trio.plan"
	xml=$(cat "${trio[@]}" | wc -c)
	plan=$(stat -c %s "$tmp/trio.plan")
	note "$set trio: XML $xml bytes, plan $plan bytes, ratio $((plan * 1000 / xml / 10)).$((plan * 1000 / xml % 10))%"
	[ $((plan * 4)) -lt "$xml" ] || fail "$set trio: plan of $plan bytes is not under 25% of $xml XML bytes"
	trio_ok=$((trio_ok + 1))
done
[ "$trio_ok" -gt 0 ] || fail "no stock MigApp/MigUser/MigDocs trio in the corpus"
exit 0
