#!/usr/bin/env bash
# run.sh - run every tests/e2e/t_*.sh (or those named as arguments), each in its own
# private mount namespace when we are root, and print one closing line:
#   e2e: N passed, N failed, N skipped
set -uo pipefail
cd "$(dirname "$0")"
: "${MIGC:?}" "${MIGSTATE:?}"
export MIGC MIGSTATE
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(t_*.sh)
pass=0 failn=0 skipn=0 failed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${tests[@]}"; do
	start=$(date +%s%N)
	if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
		unshare -m --propagation private timeout 300 bash "$t" >"$log" 2>&1
	else
		timeout 300 bash "$t" >"$log" 2>&1
	fi
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	secs=$((ms / 1000)).$(( (ms % 1000) / 100 ))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS  $t (${secs}s)" ;;
	77) skipn=$((skipn + 1)); echo "SKIP  $t: $(grep -m1 '^SKIP' "$log" || true)" ;;
	*) failn=$((failn + 1)); failed+=("$t"); echo "FAIL  $t (exit $rc)"; sed 's/^/    | /' "$log" | tail -n 40 ;;
	esac
done
echo "e2e: $pass passed, $failn failed, $skipn skipped"
[ "$failn" -eq 0 ]
