#!/usr/bin/env bash
# `migc lint` over every file of the shared corpus (../shared/corpus, described by
# SOURCES.tsv): Config.xml files with --config, rule files as rule files. Well-formed
# files must give exit 0 or 1 (warnings or policy errors) and never an internal error,
# a sanitizer report or a crash; malformed files must give exit 1 with an error located
# at file:line. Finally all well-formed rule files are linted together with a Config.xml.
. "$(dirname "$0")/lib.sh"

CORPUS=$SHARED/corpus
[ -f "$CORPUS/SOURCES.tsv" ] || skip "no corpus at $CORPUS"
# Make sanitizer failures distinguishable from "policy has errors" (exit 1).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=87"

T=$(mk_tmpdir)
cd "$CORPUS"
col() { awk -F'\t' -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { print $c }' SOURCES.tsv; }
mapfile -t names < <(col saved_name)
mapfile -t wellformed < <(col well_formed)
mapfile -t kinds < <(col kind)
[ "${#names[@]}" -gt 0 ] || fail "SOURCES.tsv lists no file"

checked=0 malformed=0 rules=() config=
for i in "${!names[@]}"; do
	f=${names[$i]} wf=${wellformed[$i]} kind=${kinds[$i]}
	[ -f "$f" ] || fail "$f is listed in SOURCES.tsv but missing"
	if [ "$kind" = config ]; then args=(--config "$f"); else args=("$f"); fi
	rc=0
	"$MIGC" lint "${args[@]}" >"$T/out" 2>&1 || rc=$?
	out=$(cat "$T/out")
	case $out in
	*"internal error"* | *Sanitizer* | *"runtime error:"*) fail "$f: $(head -c 2000 "$T/out")" ;;
	esac
	[ "$rc" -le 2 ] || fail "$f: migc lint crashed or was killed (exit $rc): $(tail -5 "$T/out")"
	if [ "$wf" = yes ]; then
		[ "$rc" -le 1 ] || fail "$f: well-formed file gave exit $rc: $out"
		if [ "$kind" = config ]; then
			[ -n "$config" ] || [ "$rc" -ne 0 ] || config=$f
		else
			rules+=("$f")
		fi
	else
		[ "$rc" -eq 1 ] || fail "$f: malformed file gave exit $rc, expected 1"
		grep -qE "^$(printf '%s' "$f" | sed 's/[.[\*^$]/\\&/g'):[0-9]+(:[0-9]+)?: error: " "$T/out" ||
			fail "$f: no file:line error for a malformed file: $out"
		malformed=$((malformed + 1))
	fi
	checked=$((checked + 1))
done
note "linted $checked corpus files ($malformed malformed)"

# Everything at once: duplicate urlids, cross-file unconditionalExclude, one config.
rc=0
"$MIGC" lint --format json ${config:+--config "$config"} "${rules[@]}" >"$T/all.json" 2>"$T/all.err" || rc=$?
[ "$rc" -le 1 ] || fail "linting all rule files together gave exit $rc: $(tail -5 "$T/all.err")"
grep -q '"version":1' "$T/all.json" || fail "no JSON document for the combined run"
