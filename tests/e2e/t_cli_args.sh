#!/usr/bin/env bash
# One command-line parser for every migstate verb (runtime/base/argtab.c): the same
# rules and messages everywhere, exit 11 for a usage error. Names are matched exactly
# (no abbreviations: a typo never becomes another option), a value after '=' or as the
# next argument and never empty, no bundled short options, a repeated option refused
# unless the verb allows it (scan/load: --ui, --ue, --define, --drive; verify, du, info,
# rd, firstboot: every option, as they always allowed), "--" ends the options.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
R=$WORK/root
mkdir -p "$R"
mk_system "$R"
fill_homes "$R"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$WORK/store
cd "$WORK"
common=(--root "$R" --hardlink --nocompress)

# unknown options, abbreviations, bundles: one line naming the argument
expect_rc 11 "$MIGSTATE" scan "$S" --pl "$P" "${common[@]}"
assert_contains "$OUT" "migstate scan: unknown option '--pl'" "scan: no abbreviation"
expect_rc 11 "$MIGSTATE" verify "$S" --js
assert_contains "$OUT" "migstate verify: unknown option '--js'" "verify: no abbreviation"
expect_rc 11 "$MIGSTATE" info --bogus "$S"
assert_contains "$OUT" "migstate info: unknown option '--bogus'" "info: unknown option"
expect_rc 11 "$MIGSTATE" du "$S" --allow-insecure-store-parent
assert_contains "$OUT" "migstate du: unknown option '--allow-insecure-store-parent'" "du has no override"
expect_rc 11 "$MIGSTATE" rd "$S" -yh
assert_contains "$OUT" "migstate rd: unknown option '-yh'" "rd: no bundling"
assert_contains "$OUT" "usage: migstate rd" "rd prints its usage on a usage error"
expect_rc 11 "$MIGSTATE" check-plan "$P" --jsn
assert_contains "$OUT" "migstate check-plan: unknown option '--jsn'" "check-plan: unknown option"

# a missing value
expect_rc 11 "$MIGSTATE" load "$S" "${common[@]}" --plan
assert_contains "$OUT" "migstate load: option '--plan' needs a value" "load: missing value"
expect_rc 11 "$MIGSTATE" verify "$S" --root
assert_contains "$OUT" "migstate verify: option '--root' needs a value" "verify: missing value"
expect_rc 11 "$MIGSTATE" rd "$S" --root
assert_contains "$OUT" "migstate rd: option '--root' needs a value" "rd: missing value"
expect_rc 11 "$MIGSTATE" firstboot /x --root
assert_contains "$OUT" "migstate firstboot: option '--root' needs a value" "firstboot: missing value"
expect_rc 11 "$MIGSTATE" verify "$S" --json=yes
assert_contains "$OUT" "option '--json' takes no value" "a flag with a value"

# repeated: refused where the verb says once, accepted where it always was
expect_rc 11 "$MIGSTATE" scan "$S" --plan "$P" --plan "$P" "${common[@]}"
assert_contains "$OUT" "migstate scan: option '--plan' is given more than once" "scan: --plan twice"
expect_rc 11 "$MIGSTATE" check-plan "$P" --json --json
assert_contains "$OUT" "migstate check-plan: option '--json' is given more than once" "check-plan: --json twice"
expect_rc 11 "$MIGSTATE" verify "$S" "$S.2"
assert_contains "$OUT" "migstate verify: only one STORE may be given ('$S' and '$S.2')" "two stores"

# a real store: the accepted spellings
expect_rc 0 "$MIGSTATE" scan "$S" --plan="$P" "${common[@]}" --min-free 1 --log "$WORK/scan.log"
expect_rc 0 "$MIGSTATE" verify --json "$S" --json --root="$R" --root "$R"
assert_contains "$OUT" '"status":"ok"' "verify with repeated options"
expect_rc 0 "$MIGSTATE" verify -- "$S"
assert_contains "$OUT" "0 missing, 0 diverged, 0 orphaned" "verify -- STORE"
expect_rc 0 "$MIGSTATE" du --json -- "$S"
expect_rc 0 "$MIGSTATE" info "$S" --json --allow-insecure-store-parent --allow-insecure-store-parent
assert_contains "$OUT" '"state":"complete"' "info with the override twice"
expect_rc 0 "$MIGSTATE" check-plan --json "$P"
assert_contains "$OUT" '"verified":true' "check-plan --json before PLAN"
expect_rc 11 "$MIGSTATE" firstboot --root="$R" relative/dir
assert_contains "$OUT" "expected the manifest directory, an absolute path" "firstboot --root=DIR"
expect_rc 0 "$MIGSTATE" rd -y --root="$R" -- "$S"
assert_no_path "$S"
note "one parser: unknown, abbreviated, bundled, valueless and repeated options refused alike"

# migc reads its command lines through the same parser (compiler/cli/verbargs.c): compile,
# explain and genconfig keep getopt_long's unique prefixes, lint and dump their exact names
cd "$WORK"
expect_rc 2 "$MIGC" compile --bogus "$WORK/p.xml"
assert_contains "$OUT" "migc compile: unknown option '--bogus'" "compile: unknown option"
assert_contains "$OUT" "usage: migc compile" "compile: usage after the message"
expect_rc 2 "$MIGC" compile "$WORK/p.xml" -o
assert_contains "$OUT" "migc compile: option '--output' needs a value" "compile: missing value"
expect_rc 2 "$MIGC" compile --c x "$WORK/p.xml"
assert_contains "$OUT" "migc compile: option '--c' is ambiguous" "compile: ambiguous prefix"
expect_rc 0 "$MIGC" compile --out "$WORK/q1.plan" -o "$WORK/q2.plan" "$WORK/p.xml"
assert_no_path "$WORK/q1.plan"
cmp -s "$WORK/q2.plan" "$P" || fail "compile --out A -o B: B is not the plan"
expect_rc 0 "$MIGC" compile -o"$WORK/q3.plan" -- "$WORK/p.xml"
cmp -s "$WORK/q3.plan" "$P" || fail "compile -oFILE -- FILE.xml"
expect_rc 2 "$MIGC" lint --conf x "$WORK/p.xml"
assert_contains "$OUT" "migc lint: unknown option '--conf'" "lint: no prefixes"
expect_rc 2 "$MIGC" lint "$WORK/p.xml" --config
assert_contains "$OUT" "migc lint: option '--config' needs a value" "lint: missing value"
expect_rc 2 "$MIGC" dump -h
assert_contains "$OUT" "migc dump: unknown option '-h'" "dump has no -h"
expect_rc 0 "$MIGC" dump --json --json "$P"
assert_contains "$OUT" '"format"' "dump --json twice"
expect_rc 2 "$MIGC" explain "$P" /home --form=json --format
assert_contains "$OUT" "migc explain: option '--format' needs a value" "explain: missing value after a prefix"
expect_rc 2 "$MIGC" genconfig --bogus "$WORK/p.xml"
assert_contains "$OUT" "migc genconfig: unknown option '--bogus'" "genconfig: unknown option"
note "one parser in both binaries"
