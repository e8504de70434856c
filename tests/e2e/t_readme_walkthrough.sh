#!/usr/bin/env bash
# The README, followed literally by someone who has never seen the project:
#   1. the walkthrough's blocks (README.md, "<!-- walkthrough: author -->" and
#      "<!-- walkthrough: migrate -->") are extracted and run as written, with migc and
#      migstate on PATH as the README says (export PATH=$PWD/build:$PATH): author a
#      policy, lint it, compile it, explain paths, then capture, restore, verify and
#      delete the store. The policy it writes is the policy guide's first example.
#   2. the "Policy authors" commands of "The three workflows" run as written on the
#      shipped config.xml and miguser.xml plus the walkthrough's policy; "Field
#      machines" starts with check-plan (the rest works on the real root: the
#      walkthrough does the same beneath a scratch root); the CI line lints a policy
#      repository to SARIF.
# The capture part needs root and migstate scan/load/verify/rd in this build; without
# them it is skipped with a note and the rest must pass.
. "$(dirname "$0")/lib.sh"
need_cmd python3
README=$REPO/README.md
T=$(mk_tmpdir)
BIN=$T/bin
mkdir -p "$BIN"
ln -s "$MIGC" "$BIN/migc"
ln -s "$MIGSTATE" "$BIN/migstate"
export PATH="$BIN:$PATH"
export TMPDIR=$T # the walkthrough's mktemp -d lands here and goes with it

# block MARKER: the ```sh block after "<!-- walkthrough: MARKER -->" in the README
block() {
	python3 - "$README" "$1" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
marker = "<!-- walkthrough: %s -->" % sys.argv[2]
try:
    i = lines.index(marker)
except ValueError:
    sys.exit("no '%s' in the README" % marker)
while not lines[i].startswith("```"):
    i += 1
j = i + 1
while not lines[j].startswith("```"):
    j += 1
print("\n".join(lines[i + 1:j]))
PY
}
# code_after TEXT: the first ``` block after the line that starts with TEXT
code_after() {
	python3 - "$README" "$1" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
i = next((k for k, l in enumerate(lines) if l.startswith(sys.argv[2])), None)
if i is None:
    sys.exit(0)
while not lines[i].startswith("```"):
    i += 1
j = i + 1
while not lines[j].startswith("```"):
    j += 1
print("\n".join(lines[i + 1:j]))
PY
}

author=$(block author) || fail "$author"
migrate=$(block migrate) || fail "$migrate"
have() { "$MIGSTATE" "$1" --help >/dev/null 2>&1; }
run_migrate=1
for v in scan load verify rd; do have "$v" || { run_migrate=0; why="migstate $v is not in this build"; }; done
[ "$(id -u)" -eq 0 ] || { run_migrate=0; why="the capture part of the walkthrough is run as root"; }

# --- 1. the walkthrough, as written -------------------------------------------------------
script=$T/walkthrough.sh
{
	echo 'set -euo pipefail'
	echo "$author"
	echo 'echo "WORKDIR=$PWD"'
	if [ "$run_migrate" = 1 ]; then
		echo 'echo "--- migrate"'
		echo "$migrate"
	fi
} >"$script"
out=$(cd "$T" && bash "$script" 2>&1) || fail "the README walkthrough failed: $out"
W=$(printf '%s\n' "$out" | sed -n 's/^WORKDIR=//p')
[ -d "$W" ] || fail "the walkthrough made no work directory"
case $W in "$T"/*) ;; *) fail "the walkthrough worked outside TMPDIR: $W" ;; esac

# what the README says explain answers
A=/home/alice
assert_contains "$out" "include	$A/Documents/report.odt	$A/Documents/report.odt	mydocs.xml:7" "explain report"
assert_contains "$out" "exclude	$A/Documents/draft.tmp	-	mydocs.xml:13" "explain draft"
assert_contains "$out" "none	$A/.cache/blob	-	-" "explain cache"
assert_file "$W/my.plan"

# the policy the README writes is the policy guide's first example
guide_policy=$(python3 - "$REPO/docs/policy-guide.md" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
i = lines.index("<!-- example: mydocs.xml -->") + 2
j = i
while not lines[j].startswith("```"):
    j += 1
print("\n".join(lines[i:j]))
PY
)
assert_eq "$guide_policy" "$(cat "$W/mydocs.xml")" "README policy = policy guide's mydocs.xml"

if [ "$run_migrate" = 1 ]; then
	assert_contains "$out" "2 names: root/home/alice/Documents/report.odt" "two names after the scan"
	assert_contains "$out" "quarterly report" "restored content"
	assert_eq "quarterly report" "$(cat "$W/root/home/alice/Documents/report.odt")" "restored report"
	assert_eq 1 "$(nlink "$W/root/home/alice/Documents/report.odt")" "links after rd"
	assert_no_path "$W/root/home/alice/Documents/draft.tmp"
	assert_no_path "$W/root/store"
else
	note "walkthrough capture/restore/rd not run: $why"
fi

# --- 2. the workflow commands of the README ----------------------------------------------
P=$T/authors
mkdir -p "$P"
cp "$REPO/policies/config.xml" "$REPO/policies/miguser.xml" "$W/mydocs.xml" "$P/"
authors=$(code_after '**Policy authors**')
if [ -z "$authors" ]; then
	note "no 'Policy authors' block in the README: not checked"
else
	n=0
	while IFS= read -r line; do
		line=${line%%#*}
		case $line in migc\ *) ;; *) continue ;; esac
		n=$((n + 1))
		(cd "$P" && bash -c "set -e; $line" >"$T/cmd.out" 2>&1) ||
			fail "README command '$line' failed: $(cat "$T/cmd.out")"
		case $line in
		*explain*) assert_contains "$(cat "$T/cmd.out")" "include	$A/Documents/report.odt" "README explain" ;;
		*dump*) assert_contains "$(cat "$T/cmd.out")" "plan format" "README dump" ;;
		esac
	done <<<"$authors"
	[ "$n" -ge 3 ] || fail "only $n migc commands in the README's Policy authors block"
fi
field=$(code_after '**Field machines**')
line=$(printf '%s\n' "$field" | grep -m1 '^migstate check-plan' || true)
if [ -n "$line" ]; then
	(cd "$P" && bash -c "set -e; ${line%%#*}" >"$T/cmd.out" 2>&1) ||
		fail "README command '$line' failed: $(cat "$T/cmd.out")"
	assert_contains "$(cat "$T/cmd.out")" "verified" "check-plan"
fi
ci=$(code_after '**CI for policy repositories**' | grep -m1 '^migc lint' || true)
if [ -n "$ci" ]; then
	R=$T/policy-repo
	mkdir -p "$R/policies"
	cp "$W/mydocs.xml" "$R/policies/"
	(cd "$R" && bash -c "set -e; $ci") 2>"$T/cmd.out" || fail "README CI line '$ci' failed: $(cat "$T/cmd.out")"
	sarif=$(ls "$R"/*.sarif 2>/dev/null | head -n1)
	[ -n "$sarif" ] || fail "the README CI line wrote no .sarif file"
	assert_contains "$(cat "$sarif")" '"version": "2.1.0"' "SARIF output"
fi
