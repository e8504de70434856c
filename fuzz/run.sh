#!/usr/bin/env bash
# make fuzz: build the libFuzzer harnesses with clang (ASan+UBSan) and run each for
# SECONDS (default 60), seeded from tests/data and ../shared/corpus. Crashes are kept
# in fuzz/crashes/TARGET/; copy a crash into tests/data/fuzz-regressions/TARGET/ to
# have `make check` replay it forever (tests/e2e/t_fuzz_regressions.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
B=build-fuzz
command -v clang >/dev/null || { echo "fuzz: needs clang (apt-get install clang libclang-rt-14-dev)"; exit 2; }
make -s BUILD=$B CC=clang SANITIZE=address,undefined OPT="-O1 -g -fsanitize=fuzzer-no-link" \
	$B/libmigrt.a $B/libmigc.a
XMLF=$(pkg-config --cflags libxml-2.0)
XMLL=$(pkg-config --libs libxml-2.0)
for t in plan pattern script xml; do
	clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
		-Iruntime -Icompiler -I$B/gen $XMLF fuzz/fuzz_$t.c $B/libmigc.a $B/libmigrt.a $XMLL \
		-o $B/fuzz_$t
done
seed() { # seed TARGET DIR...
	local out=$B/seeds/$1
	shift
	mkdir -p "$out"
	for d in "$@"; do [ -d "$d" ] && find "$d" -type f -size -200k -exec cp -n {} "$out"/ \; ; done
	echo "$out"
}
mkdir -p $B/seeds/plan
for x in policies/*.xml; do build/migc compile -o "$B/seeds/plan/$(basename "$x").plan" "$x" 2>/dev/null || true; done
cp -n tests/data/plans/* $B/seeds/plan/ 2>/dev/null || true
printf '%s\n' 'C:\Dir\* [*.doc]' '%CSIDL_PERSONAL%\* [*]' 'HKLM\Software\X [v]' >$B/seeds/pattern.txt
for t in plan pattern script xml; do
	case $t in
	plan) corpus=$B/seeds/plan ;;
	pattern) corpus=$(seed pattern tests/data/fuzz-regressions/pattern) ;;
	script) corpus=$(seed script tests/data/fuzz-regressions/script) ;;
	xml) corpus=$(seed xml ../shared/corpus tests/data/xml tests/data/fuzz-regressions/xml) ;;
	esac
	mkdir -p fuzz/crashes/$t
	echo "== fuzz_$t for ${SECS}s (corpus $corpus)"
	$B/fuzz_$t -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=fuzz/crashes/$t/ "$corpus" 2>&1 | tail -n 3
done
