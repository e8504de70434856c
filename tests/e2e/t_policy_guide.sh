#!/usr/bin/env bash
# docs/policy-guide.md shows real output, and its tables match the code they describe:
#   - every example file (an ```xml block after "<!-- example: NAME -->") is written out
#     and compiled to its .plan; every "$ migc ..." line of a ```console block is run
#     in that directory and must print exactly the lines below it (a line ending in
#     "..." matches any line with that beginning);
#   - the document extension table lists compiler/docexts.c, in its order;
#   - the lint table names every warning of compiler/diag.c and no other;
#   - each row of the variable table agrees with policies/variables.map;
#   - "The shipped policies" describes every component of every shipped rule file.
. "$(dirname "$0")/lib.sh"
need_cmd python3
GUIDE=$REPO/docs/policy-guide.md
assert_file "$GUIDE"
T=$(mk_tmpdir)

python3 - "$GUIDE" "$T" <<'PY' || fail "cannot read the examples of $GUIDE"
import os, re, sys
guide, out = sys.argv[1], sys.argv[2]
lines = open(guide, encoding="utf-8").read().split("\n")
i, name, n_ex, n_cmd = 0, None, 0, 0
cmds = open(os.path.join(out, "commands"), "w")
while i < len(lines):
    m = re.match(r"<!-- example: ([\w.-]+) -->$", lines[i])
    if m:
        name = m.group(1)
    elif lines[i].startswith("```"):
        kind = lines[i][3:].strip()
        j = i + 1
        while not lines[j].startswith("```"):
            j += 1
        body = lines[i + 1:j]
        if kind == "xml" and name:
            with open(os.path.join(out, name), "w") as f:
                f.write("\n".join(body) + "\n")
            n_ex += 1
            name = None
        elif kind == "console":
            k = 0
            while k < len(body):
                if body[k].startswith("$ "):
                    cmd, k = body[k][2:], k + 1
                    exp = []
                    while k < len(body) and not body[k].startswith("$ "):
                        exp.append(body[k])
                        k += 1
                    n_cmd += 1
                    with open(os.path.join(out, "expect.%d" % n_cmd), "w") as f:
                        f.write("\n".join(exp) + ("\n" if exp else ""))
                    cmds.write(cmd + "\n")
                else:
                    k += 1
        i = j
    i += 1
print("examples=%d commands=%d" % (n_ex, n_cmd), file=sys.stderr)
PY
cd "$T"
n=0
for f in *.xml; do
	"$MIGC" compile -o "${f%.xml}.plan" "$f" 2>"$T/err" || fail "guide example $f does not compile: $(cat "$T/err")"
	n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "only $n examples found in the guide"
k=0
while IFS= read -r cmd; do
	k=$((k + 1))
	case $cmd in
	"migc "*) ;;
	*) continue ;; # shell commands of the guide are not run here
	esac
	got=$(bash -c "\"\$MIGC\" ${cmd#migc }" 2>&1) || fail "guide command '$cmd' failed: $got"
	exp=$(cat "$T/expect.$k")
	if [ "$got" != "$exp" ]; then
		# lines ending in "..." match any line with that beginning
		paste -d '\n' <(printf '%s\n' "$exp") <(printf '%s\n' "$got") | {
			while IFS= read -r e && IFS= read -r g; do
				case $e in
				*...) [ "${g#"${e%...}"}" != "$g" ] || fail "guide command '$cmd': expected '$e', got '$g'" ;;
				*) [ "$e" = "$g" ] || fail "guide command '$cmd': expected '$e', got '$g'" ;;
				esac
			done
		} || exit 1
		[ "$(printf '%s\n' "$exp" | wc -l)" = "$(printf '%s\n' "$got" | wc -l)" ] ||
			fail "guide command '$cmd' prints $(printf '%s\n' "$got" | wc -l) lines: $got"
	fi
done <"$T/commands"
note "$n examples, $k commands checked"

# --- tables against the code --------------------------------------------------------------
python3 - "$GUIDE" "$REPO" <<'PY' || exit 1
import re, sys
guide, repo = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)
def section(title):
    m = re.search(r"^## \d+\. " + re.escape(title) + r"\n(.*?)(?=^## |\Z)", guide, re.S | re.M)
    if not m:
        fail("no section '%s' in the guide" % title)
    return m.group(1)

src = open(repo + "/compiler/codegen/docexts.c").read()
code_exts = re.findall(r'"([a-z0-9]+)"', src[src.index("cg_doc_extensions[] = {"):])
rows = [l for l in section("GenerateDocPatterns").split("\n") if l.startswith("| ") and "`" in l]
doc_exts = [e for l in rows for e in re.findall(r"`([a-z0-9]+)`", l.split("|")[2])]
if doc_exts != code_exts:
    fail("extension table differs from docexts.c: guide %s, code %s" % (
        sorted(set(doc_exts) ^ set(code_exts)) or "order", len(code_exts)))

src = open(repo + "/compiler/diag/diag.c").read()
table = src[src.index("} warnings[] = {"):]
table = table[:table.index("};")]
code_w = sorted(re.findall(r'\{"([a-z-]+)",', table))
doc_w = sorted(re.findall(r"^\| `([a-z-]+)` \|", section("Lint warnings"), re.M))
if doc_w != code_w:
    fail("lint table differs from diag.c: %s" % sorted(set(doc_w) ^ set(code_w)))

vm = {}
for line in open(repo + "/policies/variables.map"):
    line = line.split("#")[0].split()
    if len(line) >= 2:
        vm[line[0].upper()] = line[1]
rows = re.findall(r"^\| `%([A-Z0-9_()]+)%` \| `([^`]+)` \|$", guide, re.M)
if len(rows) < 10:
    fail("the variable table has %d rows" % len(rows))
for name, tmpl in rows:
    if vm.get(name) != tmpl:
        fail("variable %s: guide says %s, variables.map says %s" % (name, tmpl, vm.get(name)))

import glob
shipped = section("The shipped policies")
for f in sorted(glob.glob(repo + "/policies/*.xml")):
    for name in re.findall(r"<displayName>([^<]*)</displayName>", open(f, encoding="utf-8").read()):
        if name not in shipped:
            fail("component '%s' of %s is not described in 'The shipped policies'" % (name, f))
PY
