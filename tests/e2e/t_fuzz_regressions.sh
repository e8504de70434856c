#!/usr/bin/env bash
# Replay what fuzzing found, forever. Every harness of fuzz/ (fuzz_TARGET.c) is built
# without libFuzzer, with tests/helpers/fuzz_replay.c as its main(), against the
# libraries of this build (libmigrt.a, libmigc.a next to $MIGC, or in $BUILD; a
# sanitizer build of them gets a sanitizer build of the replayer), and is given every
# file of tests/data/fuzz-regressions/TARGET/ -- the inputs that once crashed it (make
# fuzz keeps new crashes in fuzz/crashes/TARGET/; copy them there once fixed). A
# harness without regressions replays a few ordinary inputs instead, so every harness
# keeps building and running. Each replay must end normally (no crash, no sanitizer
# report).
. "$(dirname "$0")/lib.sh"
need_cmd "${CC:-cc}"
need_cmd pkg-config
B=${BUILD:-$(dirname "$MIGC")}
[ -f "$B/libmigrt.a" ] && [ -f "$B/libmigc.a" ] || B=$(dirname "$MIGC")
[ -f "$B/libmigrt.a" ] && [ -f "$B/libmigc.a" ] || skip "no libmigrt.a / libmigc.a next to $MIGC"
[ -d "$B/gen" ] || skip "no generated parser headers in $B/gen"
XMLF=$(pkg-config --cflags libxml-2.0 2>/dev/null) || skip "no libxml2 development files"
XMLL=$(pkg-config --libs libxml-2.0)
san=()
case "$(nm "$B/libmigrt.a" 2>/dev/null)" in *__asan_init*) san=(-fsanitize=address,undefined) ;; esac
W=$(mk_tmpdir)
at_exit "rm -rf '$W'"
REG=$REPO/tests/data/fuzz-regressions
# ordinary inputs for a harness with no regressions yet
fallback() {
	case $1 in
	plan) ls "$REPO"/tests/data/plans/*.plan ;;
	xml) ls "$REPO"/tests/data/xml/*.xml | head -5 ;;
	pattern) printf '\001C:\\Dir\\* [*.doc]' >"$W/p1" && echo "$W/p1" ;;
	script) printf 'MigXmlHelper.RelativeMove("C:\\a","C:\\b")' >"$W/s1" && echo "$W/s1" ;;
	catalog) printf 'MIGCAT\r\n' >"$W/c1" && echo "$W/c1" ;;
	*) : ;;
	esac
}
total=0 found=0
for src in "$REPO"/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	"${CC:-cc}" -std=c11 -D_GNU_SOURCE -O1 -g "${san[@]}" $(printf -- '-I%s ' "$REPO"/compiler/*/ "$REPO"/runtime/*/) \
		-I"$B/gen" $XMLF "$src" "$REPO/tests/helpers/fuzz_replay.c" "$B/libmigc.a" "$B/libmigrt.a" \
		$XMLL -o "$W/replay_$t" || fail "cannot build the $t replayer"
	inputs=()
	if [ -d "$REG/$t" ] && [ -n "$(ls -A "$REG/$t" 2>/dev/null | grep -v '^\.')" ]; then
		inputs=("$REG/$t")
		found=$((found + $(ls -A "$REG/$t" | grep -vc '^\.')))
	else
		mapfile -t inputs < <(fallback "$t")
	fi
	[ ${#inputs[@]} -gt 0 ] || continue
	RC=0
	OUT=$(cd "$W" && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 \
		timeout 120 "$W/replay_$t" "${inputs[@]}" 2>&1) || RC=$?
	[ "$RC" = 0 ] || fail "fuzz_$t: replay failed (exit $RC): $(echo "$OUT" | tail -20)"
	n=$(echo "$OUT" | sed -n 's/^fuzz_replay: \([0-9]*\) inputs$/\1/p')
	total=$((total + n))
done
note "replayed $total inputs ($found saved fuzzing regressions)"
