#!/usr/bin/env bash
# `migc lint` command line: exit status 0 (clean or warnings), 1 (errors, or warnings
# under --werror), 2 (usage error, message on stderr); -Wno-NAME, --error-limit,
# --define, --vars and the text/JSON streams.
. "$(dirname "$0")/lib.sh"

FIX=$REPO/tests/data/lint
V=(--vars "$FIX/variables.map")
T=$(mk_tmpdir)
TMPDIR_OUT=$T/out
TMPDIR_ERR=$T/err
cd "$FIX"

expect_rc 0 "$MIGC" lint "${V[@]}" clean.xml
assert_eq "" "$OUT" "clean file output"

expect_rc 0 "$MIGC" lint "${V[@]}" no_leaf.xml
assert_contains "$OUT" "no_leaf.xml:9:34: warning: File pattern 'C:\\Projects\\*' has no [leaf]" "warning"
assert_contains "$OUT" "0 errors, 1 warning generated." "count line"

expect_rc 1 "$MIGC" lint "${V[@]}" --werror no_leaf.xml
assert_contains "$OUT" "error: File pattern" "--werror level"
assert_contains "$OUT" "[-Werror=no-leaf]" "--werror option tag"

expect_rc 0 "$MIGC" lint "${V[@]}" -Wno-no-leaf no_leaf.xml
assert_eq "" "$OUT" "-Wno-no-leaf output"

expect_rc 1 "$MIGC" lint "${V[@]}" undefined_variable.xml
assert_contains "$OUT" "undefined_variable.xml:19:34: error: undefined variable %NoSuchDir%" "undefined"
expect_rc 0 "$MIGC" lint "${V[@]}" --define NoSuchDir=/srv/x --define=UNKNOWN_USER=bob \
	--define MissingApp=/opt/app undefined_variable.xml

expect_rc 1 "$MIGC" lint "${V[@]}" --error-limit 1 undefined_variable.xml
assert_contains "$OUT" "too many errors emitted, stopping now" "error limit"
assert_contains "$OUT" "3 errors, 0 warnings generated." "counts past the limit"

expect_rc 1 "$MIGC" lint --vars /nonexistent/variables.map clean.xml
expect_rc 1 "$MIGC" lint "${V[@]}" does-not-exist.xml
assert_contains "$OUT" "does-not-exist.xml: error:" "missing file"

# Usage errors: exit 2 and a message on stderr, nothing on stdout.
for args in "" "--format xml clean.xml" "-Wno-no-such-warning clean.xml" "--error-limit x clean.xml" \
	"--bogus clean.xml" "--config"; do
	rc=0
	# shellcheck disable=SC2086
	"$MIGC" lint $args >"$TMPDIR_OUT" 2>"$TMPDIR_ERR" || rc=$?
	assert_eq 2 "$rc" "exit status of 'migc lint $args'"
	[ ! -s "$TMPDIR_OUT" ] || fail "'migc lint $args' wrote to stdout"
	grep -q "migc lint: " "$TMPDIR_ERR" || fail "'migc lint $args' gave no message"
done

# Text goes to stderr, JSON to stdout.
out=$("$MIGC" lint "${V[@]}" no_leaf.xml 2>/dev/null)
assert_eq "" "$out" "text diagnostics on stdout"
json=$("$MIGC" lint "${V[@]}" --format json no_leaf.xml 2>/dev/null)
assert_contains "$json" '"file":"no_leaf.xml","line":9,"column":34,"level":"warning"' "JSON record"
assert_contains "$json" '"option":"-Wno-leaf"}' "JSON option"
assert_contains "$json" '"errors":0,"warnings":1}' "JSON counts"

# The shipped variable map is found without --vars when it exists.
if [ -f "$REPO/policies/variables.map" ]; then
	expect_rc 0 "$MIGC" lint clean.xml
else
	note "no policies/variables.map yet: default map lookup not tested"
fi

# Every warning name the compiler reports must be known to -Wno- (the table in diag.c).
if command -v python3 >/dev/null 2>&1; then
	names=$(python3 - "$REPO"/compiler/*/*.c <<'PY'
import re, sys
names = set()
for path in sys.argv[1:]:
    src = open(path, encoding="utf-8", errors="replace").read()
    for m in re.finditer(r"\b(?:xd_report|diag_report)\s*\(", src):
        i, depth, args, cur = m.end(), 1, [], ""
        while depth and i < len(src):
            c = src[i]
            if c in "\"'":  # a string or char literal: copy it whole
                j = i + 1
                while j < len(src) and src[j] != c:
                    j += 2 if src[j] == "\\" else 1
                cur += src[i:j + 1]
                i = j + 1
                continue
            depth += c in "([" and 1 or c in ")]" and -1 or 0
            if c == "," and depth == 1:
                args.append(cur.strip())
                cur = ""
            elif depth:
                cur += c
            i += 1
        args.append(cur.strip())
        if len(args) >= 4 and re.fullmatch(r'"[a-z0-9-]+"', args[3]):
            names.add(args[3].strip('"'))
print("\n".join(sorted(names)))
PY
	)
	[ -n "$names" ] || fail "found no warning names in compiler/*/*.c"
	for w in $names; do
		rc=0
		"$MIGC" lint "${V[@]}" "-Wno-$w" clean.xml >/dev/null 2>&1 || rc=$?
		[ "$rc" -eq 0 ] || fail "-Wno-$w is rejected (exit $rc): add '$w' to the table in compiler/diag.c"
	done
fi
