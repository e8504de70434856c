#!/usr/bin/env bash
# The layers of docs/architecture.md: every #include "..." in runtime/ and compiler/ is
# resolved to the folder that holds the header, and a folder may include only itself and
# the folders below it (the table below, the same as the document's). An upward include,
# a header no folder holds, a header two folders hold, or a source file outside a layer
# folder fails with file:line. LAYERS_ROOT checks another tree (the test's own cases).
. "$(dirname "$0")/lib.sh"
need_cmd python3

check_tree() {
	python3 - "$1" <<'PY'
import os, re, sys

root = sys.argv[1]
# folder -> the folders it may include (itself included). Lowest layer first.
ALLOWED = {
    "runtime/base": ["runtime/base"],
    "runtime/plan": ["runtime/base", "runtime/plan"],
    "runtime/policy": ["runtime/base", "runtime/plan", "runtime/policy"],
    "runtime/store": ["runtime/base", "runtime/plan", "runtime/policy", "runtime/store"],
    "runtime/rd": ["runtime/base", "runtime/plan", "runtime/policy", "runtime/store", "runtime/rd"],
    "runtime/run": ["runtime/base", "runtime/plan", "runtime/policy", "runtime/store", "runtime/run"],
    "runtime/scan": ["runtime/base", "runtime/plan", "runtime/policy", "runtime/store", "runtime/rd",
                     "runtime/run", "runtime/scan"],
    "runtime/load": ["runtime/base", "runtime/plan", "runtime/policy", "runtime/store", "runtime/run",
                     "runtime/load"],
    "runtime/verify": ["runtime/base", "runtime/plan", "runtime/policy", "runtime/store", "runtime/load",
                       "runtime/verify"],
    "runtime/cli": ["runtime/base", "runtime/plan", "runtime/policy", "runtime/store", "runtime/rd",
                    "runtime/run", "runtime/scan", "runtime/load", "runtime/verify", "runtime/cli"],
    "compiler/lang": ["runtime/base", "compiler/lang"],
    "compiler/diag": ["runtime/base", "compiler/lang", "compiler/diag"],
    "compiler/front": ["runtime/base", "runtime/plan", "runtime/policy", "compiler/lang",
                       "compiler/diag", "compiler/front"],
    "compiler/lint": ["runtime/base", "runtime/plan", "runtime/policy", "compiler/lang",
                      "compiler/diag", "compiler/front", "compiler/lint"],
    "compiler/codegen": ["runtime/base", "runtime/plan", "runtime/policy", "compiler/lang",
                         "compiler/diag", "compiler/front", "compiler/codegen"],
    "compiler/cli": ["runtime/base", "runtime/plan", "runtime/policy", "compiler/lang",
                     "compiler/diag", "compiler/front", "compiler/lint", "compiler/codegen",
                     "compiler/cli"],
}
GENERATED = {"pattern.tab.h", "script.tab.h"}  # bison output in $(BUILD)/gen
SRC = (".c", ".h", ".def")
bad = []
holders = {}  # header name -> folders holding it, per tree
files = []
for tree in ("runtime", "compiler"):
    top = os.path.join(root, tree)
    for dirpath, dirs, names in os.walk(top):
        dirs.sort()
        rel = os.path.relpath(dirpath, root)
        for n in sorted(names):
            if not n.endswith(SRC):
                continue
            if rel not in ALLOWED:
                bad.append(f"{rel}/{n}:1: not in a layer folder ({', '.join(sorted(ALLOWED))})")
                continue
            files.append((rel, n))
            if n.endswith((".h", ".def")):
                holders.setdefault((tree, n), []).append(rel)
for (tree, n), where in sorted(holders.items()):
    if len(where) > 1:
        bad.append(f"{where[1]}/{n}:1: header name also in {where[0]} (includes are by name)")
inc = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
for rel, n in files:
    tree = rel.split("/")[0]
    with open(os.path.join(root, rel, n), encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = inc.match(line)
            if not m:
                continue
            h = m.group(1)
            if h in GENERATED:
                continue
            if os.path.exists(os.path.join(root, rel, h)):
                continue  # same folder
            # compiler files see their own tree first, then the runtime's (as the -I order)
            where = holders.get((tree, h)) or holders.get(("runtime", h))
            if not where:
                bad.append(f"{rel}/{n}:{lineno}: includes \"{h}\", which no layer folder holds")
            elif where[0] not in ALLOWED[rel]:
                bad.append(f"{rel}/{n}:{lineno}: upward include of \"{h}\" ({where[0]}): "
                           f"{rel} may include only {', '.join(ALLOWED[rel])}")
for b in bad:
    print(b)
print(f"layers: {len(files)} files, {len(bad)} violations", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

check_tree "${LAYERS_ROOT:-$REPO}" || fail "include layering violated (see above)"

# The checker itself: a copy of the tree with one upward include must fail, naming it.
T=$(mk_tmpdir)
mkdir -p "$T/r"
cp -r "$REPO/runtime" "$REPO/compiler" "$T/r/"
f=$T/r/runtime/base/escape.c
sed -i '0,/^#include "escape.h"/s//#include "escape.h"\n#include "storewalk.h"/' "$f"
out=$(check_tree "$T/r" 2>&1) && fail "an upward include of storewalk.h into base/ was accepted"
grep -q '^runtime/base/escape.c:[0-9]*: upward include of "storewalk.h" (runtime/store)' <<<"$out" ||
	fail "the upward include was not reported at file:line: $out"
# ... and a file put at the top of runtime/, outside every layer.
sed -i '/#include "storewalk.h"/d' "$f"
: >"$T/r/runtime/stray.c"
out=$(check_tree "$T/r" 2>&1) && fail "a source file outside the layer folders was accepted"
grep -q '^runtime/stray.c:1: not in a layer folder' <<<"$out" || fail "stray file not reported: $out"
note "layers hold; an upward include and a stray file are caught"
