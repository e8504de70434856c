#!/usr/bin/env bash
# make fuzz: build the libFuzzer harnesses with clang (ASan+UBSan) and run each for
# SECONDS (default 60), seeded from tests/data and ../shared/corpus (fuzz_catalog: from
# a small capture made with build/). Crashes are kept in fuzz/crashes/TARGET/; copy a
# crash into tests/data/fuzz-regressions/TARGET/ to have `make check` replay it forever
# (tests/e2e/t_fuzz_regressions.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
B=${FUZZ_BUILD:-build-fuzz}
command -v clang >/dev/null || { echo "fuzz: needs clang (apt-get install clang libclang-rt-14-dev)"; exit 2; }
make -s BUILD=$B CC=clang SANITIZE=address,undefined OPT="-O1 -g -fsanitize=fuzzer-no-link" \
	$B/libmigrt.a $B/libmigc.a
XMLF=$(pkg-config --cflags libxml-2.0)
XMLL=$(pkg-config --libs libxml-2.0)
for t in plan pattern script xml catalog; do
	clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
		$(printf -- '-I%s ' compiler/*/ runtime/*/) -I$B/gen $XMLF fuzz/fuzz_$t.c $B/libmigc.a $B/libmigrt.a $XMLL \
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
cp -n tests/data/plans/* tests/data/fuzz-regressions/plan/* $B/seeds/plan/ 2>/dev/null || true
# catalog seeds: the catalog of a small capture (a user, system files, a symlink, a
# FIFO, an odd name), committed and cut before its trailer (partial)
catalog_seeds() {
	local out=$B/seeds/catalog t
	mkdir -p "$out"
	cp -n tests/data/fuzz-regressions/catalog/* "$out"/ 2>/dev/null || true
	[ -x build/migc ] && [ -x build/migstate ] || { echo "$out"; return; }
	t=$(mktemp -d)
	mkdir -p "$t/r/etc" "$t/r/home/alice/Documents/sub" "$t/r/data/d"
	printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' >"$t/r/etc/passwd"
	printf 'UID_MIN\t1000\nUID_MAX\t60000\n' >"$t/r/etc/login.defs"
	echo report >"$t/r/home/alice/Documents/report.txt"
	echo nested >"$t/r/home/alice/Documents/sub/$(printf 'n\xffl\nx')"
	ln -s report.txt "$t/r/home/alice/Documents/latest"
	mkfifo "$t/r/home/alice/Documents/pipe"
	echo data >"$t/r/data/d/a.bin"
	cat >"$t/p.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<migration urlid="http://migstate.invalid/fuzz/catalog">
 <component type="Documents" context="User"><displayName>homes</displayName>
  <role role="Data"><rules><include><objectSet>
   <pattern type="File">%CSIDL_PROFILE%\* [*]</pattern></objectSet></include></rules></role></component>
 <component type="Documents" context="System"><displayName>data</displayName>
  <role role="Data"><rules><include><objectSet>
   <pattern type="File">C:\data\* [*]</pattern></objectSet></include></rules></role></component>
</migration>
XML
	if build/migc compile -o "$t/p.plan" "$t/p.xml" >/dev/null 2>&1 &&
		build/migstate scan "$t/r/store" --plan "$t/p.plan" --root "$t/r" --hardlink \
			--nocompress --min-free 1 --log "$t/scan.log" >/dev/null 2>&1; then
		cp "$t/r/store/MIGSTATE/catalog" "$out/complete.cat"
		head -c -48 "$out/complete.cat" >"$out/partial.cat"
	fi
	rm -rf "$t"
	echo "$out"
}
printf '%s\n' 'C:\Dir\* [*.doc]' '%CSIDL_PERSONAL%\* [*]' 'HKLM\Software\X [v]' >$B/seeds/pattern.txt
for t in plan pattern script xml catalog; do
	case $t in
	plan) corpus=$B/seeds/plan ;;
	pattern) corpus=$(seed pattern tests/data/fuzz-regressions/pattern) ;;
	script) corpus=$(seed script tests/data/fuzz-regressions/script) ;;
	xml) corpus=$(seed xml ../shared/corpus tests/data/xml tests/data/fuzz-regressions/xml) ;;
	catalog) corpus=$(catalog_seeds) ;;
	esac
	mkdir -p fuzz/crashes/$t
	echo "== fuzz_$t for ${SECS}s (corpus $corpus)"
	$B/fuzz_$t -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=fuzz/crashes/$t/ "$corpus" 2>&1 | tail -n 3
done
