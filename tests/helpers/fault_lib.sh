# fault_lib.sh - shared set-up for the reliability tests (t_fault_matrix, t_crash_random,
# t_races, t_permissions, t_limits); source it after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$REPO/tests/helpers/fault_lib.sh"
# It builds the LD_PRELOAD fault shim (tests/helpers/faultinject*.c), runs migstate under
# it, and takes exact manifests of trees (any byte in a name, symlink targets, owners,
# modes, nanosecond mtimes, content hashes) fast enough for thousands of files.

FI_SRC="$REPO/tests/helpers/faultinject.c $REPO/tests/helpers/faultinject_alloc.c"
FI_SO=

# fi_init: build the shim (once per test; not in a subshell) into $FI_SO. Skips (77)
# when it cannot be used: no compiler, a sanitizer build of migstate (libasan must come
# first in the initial library list, so a preloaded shim makes it abort), or a shim the
# loader refuses.
fi_init() {
	fi_try_init || skip "$FI_WHY"
}

# fi_try_init: fi_init that returns 1 (reason in $FI_WHY) instead of skipping the whole
# test, for tests whose other parts run without the shim (under sanitizers too).
fi_try_init() {
	[ -z "$FI_SO" ] || return 0
	local d so
	FI_WHY=
	case "$(nm -D "$MIGSTATE" 2>/dev/null; ldd "$MIGSTATE" 2>/dev/null)" in
	*__asan_init* | *libasan* | *__tsan_init* | *__msan_init*)
		FI_WHY="migstate is a sanitizer build: a preloaded fault shim cannot come before its runtime"
		return 1 ;;
	esac
	command -v "${CC:-cc}" >/dev/null 2>&1 || { FI_WHY="needs ${CC:-cc}"; return 1; }
	d=$(mktemp -d "${TMPDIR:-/tmp}/migstate-fi.XXXXXX")
	at_exit "rm -rf '$d'"
	so=$d/faultinject.so
	# shellcheck disable=SC2086 # two files
	"${CC:-cc}" -O1 -Wall -shared -fPIC -o "$so" $FI_SRC -ldl || fail "cannot build the fault shim"
	local out
	out=$(LD_PRELOAD=$so MIGSTATE_FAULT="openat:1:count" "$MIGSTATE" --version 2>&1) ||
		{ FI_WHY="the fault shim cannot be preloaded: $out"; return 1; }
	case "$out" in *"ERROR: ld.so"* | *"cannot be preloaded"*)
		FI_WHY="the fault shim cannot be preloaded: $out"
		return 1 ;;
	esac
	FI_SO=$so
}

# fi_run RULES LOG CMD...: run CMD under the shim with MIGSTATE_FAULT=RULES, fault log in
# LOG (emptied first). Exit code in $RC, stdout+stderr in $OUT.
fi_run() {
	local rules=$1 log=$2
	shift 2
	: >"$log"
	fi_init
	RC=0
	OUT=$(LD_PRELOAD=$FI_SO MIGSTATE_FAULT=$rules MIGSTATE_FAULT_LOG=$log "$@" 2>&1) || RC=$?
}

# fi_count LOG RULE: how many calls RULE saw (from the "count" lines of LOG).
fi_count() { awk -v r="$2" '$1 == "count" && $2 == r { print $3 }' "$1"; }

# fi_fired LOG: the lines of the rules that fired.
fi_fired() { grep -v '^count ' "$1" || true; }

# no_temps DIR...: fail when a temporary name of a copy or a restore is left.
no_temps() {
	local left
	left=$(find "$@" \( -name '.migtmp.*' -o -name '.migstate-*' \) -print 2>/dev/null | head -5 || true)
	[ -z "$left" ] || fail "temporary files left: $left"
}

# big_tree ROOT USERS FILES: homes for USERS (name:uid pairs) with FILES files each in
# nested directories, each with its own content; owners set. For crash and race tests.
big_tree() {
	python3 - "$@" <<'PY'
import os, sys
root, users, n = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
for u in users:
    name, uid = u.split(":")
    uid = int(uid)
    home = os.path.join(root, "home", name)
    for i in range(n):
        d = os.path.join(home, "d%02d" % (i % 23), "e%d" % (i % 5))
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, "file-%05d.txt" % i)
        with open(p, "w") as f:
            f.write("%s %d %s\n" % (name, i, "x" * (i % 97)))
        os.utime(p, ns=(1600000000 * 10**9 + i, 1600000000 * 10**9 + i * 1000 + 7))
    for d, dirs, files in os.walk(home):
        for x in [d] + [os.path.join(d, f) for f in files]:
            os.lchown(x, uid, uid)
PY
}

# rt_helper NAME: tests/helpers/NAME.c built against the runtime library next to
# $MIGSTATE (or $BUILD), once per test; prints its path. Call it outside $(...) once
# (rt_helper catdump >/dev/null) so the build directory is cleaned up at exit.
_RTH_DIR=
rt_helper() {
	local lib=${BUILD:+$BUILD/libmigrt.a}
	[ -n "$lib" ] && [ -f "$lib" ] || lib=$(dirname "$MIGSTATE")/libmigrt.a
	[ -f "$lib" ] || skip "no runtime library at $lib (build first)"
	if [ -z "$_RTH_DIR" ]; then
		_RTH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/migstate-rth.XXXXXX")
		at_exit "rm -rf '$_RTH_DIR'"
	fi
	if [ ! -x "$_RTH_DIR/$1" ]; then
		local san=()
		case "$(nm "$lib" 2>/dev/null)" in *__asan_init*) san=(-fsanitize=address,undefined) ;; esac
		"${CC:-cc}" -std=c11 -D_GNU_SOURCE -O1 "${san[@]}" $(printf -- '-I%s ' "$REPO"/runtime/*/) -o "$_RTH_DIR/$1" \
			"$REPO/tests/helpers/$1.c" "$lib" || fail "cannot build helper $1"
	fi
	echo "$_RTH_DIR/$1"
}

# cat_paths STORE [partial]: the catalog's non-directory paths (escaped), sorted.
cat_paths() {
	"$(rt_helper catdump)" "$@" | awk -F '\t' 'NF >= 13 && $1 != "dir" { print $1, $13 }' | LC_ALL=C sort
}

# store_state STORE: the state line of store.id (as scan_fixture.sh has it).
declare -F store_state >/dev/null || store_state() { sed -n 's/^state: //p' "$1/MIGSTATE/store.id"; }

# xmanifest [-s SKIP]... DIR...: an exact description of each DIR (tests/helpers/manifest.c):
# a "== NAME" line, then per entry, in walk order (names sorted by bytes): the path
# relative to DIR (escaped \xNN: any byte), mode with type, uid, gid, size, mtime in ns,
# the sha256 of the content or "->" and the symlink target. Directories named SKIP are
# left out with what is in them. Link counts are not listed (capture adds links). Walks
# by directory fds: paths beyond PATH_MAX are fine.
rt_helper manifest >/dev/null
_XM=$_RTH_DIR/manifest
xmanifest() { "$_XM" "$@"; }

# start_stopped RULE VERB ARGS...: run migstate under the shim in the background until
# the rule stops it (SIGSTOP right before the call). PID in $PID; its output goes to
# $WORK/out, the shim's log to $FLOG (default $WORK/fault.log).
start_stopped() {
	local rule=$1 i st
	shift
	fi_init
	: "${FLOG:=$WORK/fault.log}"
	: >"$FLOG"
	LD_PRELOAD=$FI_SO MIGSTATE_FAULT=$rule MIGSTATE_FAULT_LOG=$FLOG "$MIGSTATE" "$@" \
		>"$WORK/out" 2>&1 &
	PID=$!
	at_exit "kill -9 $PID"
	for i in $(seq 200); do
		st=$(awk '{ print $3 }' "/proc/$PID/stat" 2>/dev/null || echo gone)
		[ "$st" = T ] && return 0
		[ "$st" = gone ] || [ "$st" = Z ] && fail "'$*' ended before the stop ($rule): $(cat "$WORK/out")"
		sleep 0.05
	done
	fail "'$*' never stopped at $rule"
}

# resume: let the stopped run go on and wait for it (exit code in RC, output in OUT).
resume() {
	kill -CONT "$PID"
	RC=0
	wait "$PID" || RC=$?
	OUT=$(cat "$WORK/out")
}
