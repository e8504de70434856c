#!/usr/bin/env bash
# Names that are not valid, printable UTF-8 never reach a terminal, a log or a JSON
# document raw (issue 15 defect 11, issue 17). A user's files are named with an
# overlong newline (E0 80 8A, F0 80 80 8A), an encoded surrogate (ED A0 80), a code
# point above U+10FFFF (F4 90 80 80), a right-to-left override (U+202E), a C1 CSI
# (U+009B), bidi isolates and marks (U+2066..U+2069, U+200E) and a tag character
# (U+E0041). They are captured, verified and restored byte for byte, and every output
# that names them is checked by python3: the scan log (--verbose 13: every object, echo
# on stderr), --listfiles, --progress, scan --json, verify and verify --json, the load
# log, and migc explain (text and JSON). Text must decode as strict UTF-8 with no
# control (but the line breaks and the explain's tabs), format or separator character;
# JSON must parse, and os.fsencode of the names it gives must be the exact bytes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
WORK=$(mk_tmpdir)
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
fill_homes "$R"
A=$R/home/alice
HOSTILE=(
	"ov"$'\xe0\x80\x8a'"nl"
	"ov4"$'\xf0\x80\x80\x8a'
	"sur"$'\xed\xa0\x80'
	"big"$'\xf4\x90\x80\x80'
	"gpj."$'\xe2\x80\xae'"exe"
	"csi"$'\xc2\x9b'"31m"
	"iso"$'\xe2\x81\xa6'"x"$'\xe2\x81\xa9'
	"lrm"$'\xe2\x80\x8e'
	"tag"$'\xf3\xa0\x81\x81'
)
mkdir "$A/odd"$'\xe2\x80\xae' && chown 1001:1001 "$A/odd"$'\xe2\x80\xae'
for n in "${HOSTILE[@]}"; do
	put "$A/$n" 1001:1001 0644 "2020-01-01 00:00:00" "$n"
	put "$A/odd"$'\xe2\x80\xae'"/$n" 1001:1001 0644 "2020-01-01 00:00:00" "inner $n"
done
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
ORIG=$(xmanifest "$R/home")

check_text() { # check_text FILE [tab]: strict UTF-8, no control/format/separator character
	python3 - "$@" <<'PY' || fail "$1: a name shown raw"
import sys, unicodedata
data = open(sys.argv[1], 'rb').read()
allowed = {'\n', '\u200c', '\u200d'} | ({'\t'} if len(sys.argv) > 2 else set())
text = data.decode('utf-8')  # strict: raises on any invalid sequence
for i, c in enumerate(text):
    if c not in allowed and unicodedata.category(c) in ('Cc', 'Cf', 'Zl', 'Zp', 'Cs'):
        sys.exit('%s: %r raw at %d: %r' % (sys.argv[1], c, i, text[max(0, i - 30):i + 30]))
PY
}
check_json() { # check_json FILE: one JSON document, or one per line
	check_text "$1"
	python3 - "$1" <<'PY' || fail "$1 is not JSON"
import json, sys
raw = open(sys.argv[1], encoding='utf-8').read()
try:
    json.loads(raw)
except ValueError:
    for line in raw.splitlines():
        if line.strip():
            json.loads(line)
PY
}
expect_names() { # expect_names FILE: the names of the hostile files are in it, escaped
	grep -qF 'gpj.\u202Eexe' "$1" || fail "$1: no escaped U+202E"
	grep -qF 'ov\xe0\x80\x8anl' "$1" || fail "$1: no escaped overlong newline"
	grep -qF 'sur\xed\xa0\x80' "$1" || fail "$1: no escaped surrogate"
}

# --- scan ----------------------------------------------------------------------------
S=$R/store
RC=0
"$MIGSTATE" scan "$S" --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 --json \
	--log "$WORK/scan.log" --listfiles "$WORK/list" --progress "$WORK/progress" --verbose 13 \
	>"$WORK/scan.json" 2>"$WORK/scan.err" || RC=$?
assert_eq 0 "$RC" "scan ($(cat "$WORK/scan.err"))"
for f in scan.log list progress scan.err; do check_text "$WORK/$f"; done
expect_names "$WORK/list"
expect_names "$WORK/scan.log"
expect_names "$WORK/scan.err"
check_json "$WORK/scan.json"

# --- verify: the hostile names missing from the store -----------------------------------
for n in "${HOSTILE[@]}"; do rm "$S/MIGSTATE/File/home/alice/$n"; done
RC=0
"$MIGSTATE" verify "$S" >"$WORK/verify.txt" 2>&1 || RC=$?
assert_eq 42 "$RC" "verify of a store missing entries"
check_text "$WORK/verify.txt" tab
expect_names "$WORK/verify.txt"
RC=0
"$MIGSTATE" verify "$S" --json >"$WORK/verify.json" 2>"$WORK/verify.err" || RC=$?
assert_eq 42 "$RC" "verify --json"
check_json "$WORK/verify.json"
check_text "$WORK/verify.err"
python3 - "$WORK/verify.json" "${HOSTILE[@]}" <<'PY' || fail "verify --json does not give the names back"
import json, os, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
got = sorted(os.fsencode(m['path']) for m in d['missing'])
want = sorted(b'/home/alice/' + os.fsencode(n) for n in sys.argv[2:])
assert got == want, (got, want)
PY
for n in "${HOSTILE[@]}"; do ln "$A/$n" "$S/MIGSTATE/File/home/alice/$n"; done
expect_rc 0 "$MIGSTATE" verify "$S"

# --- load: byte for byte, and its log --------------------------------------------------
wipe_homes "$R"
RC=0
"$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress --log "$WORK/load.log" \
	--verbose 13 --json >"$WORK/load.json" 2>"$WORK/load.err" || RC=$?
assert_eq 0 "$RC" "load ($(cat "$WORK/load.err"))"
[ "$(xmanifest "$R/home")" = "$ORIG" ] || fail "load: the names did not come back byte for byte"
check_text "$WORK/load.log"
check_text "$WORK/load.err"
check_json "$WORK/load.json"
expect_names "$WORK/load.log"

# --- migc explain ------------------------------------------------------------------------
paths=()
for n in "${HOSTILE[@]}"; do paths+=("/home/alice/$n" "/home/alice/odd"$'\xe2\x80\xae'"/$n"); done
"$MIGC" explain "$P" --root "$R" "${paths[@]}" >"$WORK/explain.txt" 2>&1 || fail "migc explain"
check_text "$WORK/explain.txt" tab
expect_names "$WORK/explain.txt"
"$MIGC" explain "$P" --root "$R" --format json "${paths[@]}" >"$WORK/explain.json" ||
	fail "migc explain --format json"
check_json "$WORK/explain.json"
