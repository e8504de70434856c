#!/usr/bin/env bash
# `migc lint --format sarif` writes a valid SARIF 2.1.0 log: validated with
# python3-jsonschema against tests/data/sarif-schema-2.1.0.json (the validator class is
# picked from the schema's own $schema, with format checks such as uri-reference), for
# clean files, warnings, errors, a Config.xml, malformed XML, a missing file, a hostile
# file name and --error-limit. Also checks that every ruleId has its rule and that the
# JSON format parses with the documented keys.
. "$(dirname "$0")/lib.sh"

SCHEMA=$REPO/tests/data/sarif-schema-2.1.0.json
FIX=$REPO/tests/data/lint
VARS=$FIX/variables.map
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import jsonschema' >/dev/null 2>&1; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || skip "needs python3-jsonschema"
assert_file "$SCHEMA"

T=$(mk_tmpdir)
cd "$T"
cp "$FIX"/*.xml .
printf '<?xml version="1.0"?>\n<migration urlid="x">\n  <component>\n</migration>\n' >broken.xml
hostile=$(printf 'we ird\tname\033[31m \xc3\xbc:1.xml')
cp no_leaf.xml "$hostile"

n=0
run_case() { # run_case NAME ARGS...: lint in SARIF and JSON, keep both outputs
	local name=$1 rc=0
	shift
	"$MIGC" lint --vars "$VARS" --format sarif "$@" >"$name.sarif" 2>"$name.err" || rc=$?
	[ "$rc" -le 1 ] || fail "$name: migc lint exited $rc: $(cat "$name.err")"
	rc=0
	"$MIGC" lint --vars "$VARS" --format json "$@" >"$name.json" 2>>"$name.err" || rc=$?
	[ "$rc" -le 1 ] || fail "$name: migc lint --format json exited $rc"
	n=$((n + 1))
}

for f in *.xml; do
	case $f in
	*config*) run_case "case$n" --config "$f" ;;
	*) run_case "case$n" "$f" ;;
	esac
done
run_case all $(ls *.xml | grep -v config) --config hardlink_config.xml
run_case missing does-not-exist.xml
run_case limit --error-limit 1 undefined_variable.xml broken.xml
run_case abs "$T/crossed.xml"
run_case werror --werror shadowed.xml

"$PY" - "$SCHEMA" *.sarif <<'PY' || fail "SARIF validation"
import json, sys
import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=jsonschema.FormatChecker())
bad = 0
results = 0
for path in sys.argv[2:]:
    raw = open(path, "rb").read()
    log = json.loads(raw.decode("utf-8"))
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    for e in errors:
        print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        bad += 1
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "migc", path
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json", path
    assert len({r["id"] for r in rules}) == len(rules), f"{path}: duplicate rule ids"
    for r in run["results"]:
        results += 1
        if rules[r["ruleIndex"]]["id"] != r["ruleId"]:
            print(f"{path}: ruleIndex does not match ruleId {r['ruleId']}")
            bad += 1
        for loc in r.get("locations", []):
            art = loc["physicalLocation"]["artifactLocation"]
            if ("uriBaseId" in art) == art["uri"].startswith("file:"):
                print(f"{path}: uriBaseId only for relative paths: {art}")
                bad += 1
    if any(b < 0x20 and b not in (0x0a,) for b in raw):
        print(f"{path}: raw control byte in the output")
        bad += 1
print(f"validated {len(sys.argv) - 2} SARIF logs, {results} results")
sys.exit(1 if bad or results == 0 else 0)
PY

"$PY" - *.json <<'PY' || fail "JSON output"
import json, sys
for path in sys.argv[1:]:
    doc = json.load(open(path, encoding="utf-8"))
    assert doc["version"] == 1, path
    assert set(doc) == {"version", "diagnostics", "errors", "warnings"}, path
    for d in doc["diagnostics"]:
        assert set(d) == {"file", "line", "column", "level", "message", "option"}, path
        assert d["level"] in ("error", "warning", "note"), path
        assert d["option"] is None or d["option"].startswith("-W"), path
    assert doc["errors"] >= sum(d["level"] == "error" for d in doc["diagnostics"]), path
PY

# The werror run reports warnings as errors; the limit run stops early but counts all.
assert_contains "$(cat werror.sarif)" '"level": "error"' "werror level"
assert_contains "$(cat limit.sarif)" 'too many errors emitted' "limit notification"
note "validated $n SARIF logs"
