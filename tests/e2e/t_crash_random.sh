#!/usr/bin/env bash
# kill -9 at random moments: scan, load and rd of a system with a few thousand files (two
# users, two volumes) are killed 36 times in all, at points drawn from a fixed seed
# (CRASH_SEED, printed: rerun with it to reproduce). A point is the Nth call of one of
# the operations that change the disk (link, mkdir, rename, write, fsync, chown, chmod,
# utimens, unlink), N drawn from a counting run, killed just before or just after the
# call (the fault shim's kill / killafter actions), so a kill lands inside a capture, a
# restore or a removal, not only between objects; a few kills come after a random sleep
# instead. Kills come in chains (a killed run is rerun and killed again) and the last
# run of each chain is let finish. Then:
#   - scan: the users' files are untouched, the store of the finishing run is complete
#     and `migstate verify` finds nothing wrong;
#   - load: every file, directory and symlink is back with its content, owner, mode and
#     times, no temporary name is left, the store is still complete;
#   - rd: the store is gone from both volumes and the users' files are untouched;
#   - a store interrupted at any point is recognised (state scanning / removing) and
#     never taken for complete.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
. "$REPO/tests/helpers/fault_lib.sh"
need_root
need_cmd python3
fi_init
SEED=${CRASH_SEED:-20261126}
RANDOM=$SEED
note "CRASH_SEED=$SEED"
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 128m
mk_system "$R"
mk_tmpfs "$R/srv" 32m
big_tree "$R" alice:1001,bob:1002 1400
python3 - "$R/srv" <<'PY'
import os, sys
for i in range(300):
    d = os.path.join(sys.argv[1], "data", "g%02d" % (i % 11))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rec-%04d.bin" % i), "wb") as f:
        f.write(os.urandom(64 + i))
PY
ln -s d00/e0/file-00000.txt "$R/home/alice/shortcut"
mkfifo "$R/home/bob/pipe"
chown -h 1001:1001 "$R/home/alice/shortcut"
chown 1002:1002 "$R/home/bob/pipe"
chmod 0700 "$R/home/alice"
chmod 0750 "$R/home/bob/d03"
policy "$WORK/p.xml" "$SRV_COMPONENT"
compile "$WORK/p.xml" "$WORK/p.plan"
P=$WORK/p.plan
S=$R/store
VS=$R/srv/store
FLOG=$WORK/fault.log
sources() { xmanifest -s store "$R/home" "$R/srv"; }
ORIG=$(sources)
NFILES=$(echo "$ORIG" | grep -c ' 10[0-7]* ')
[ "$NFILES" -ge 3000 ] || fail "tree too small: $NFILES files"
KILLS=0

scan_cmd() { echo scan "$S" -o --plan "$P" --root "$R" --hardlink --nocompress --min-free 1 --log "$WORK/scan.log"; }
load_cmd() { echo load "$S" --plan "$P" --root "$R" --hardlink --nocompress --log "$WORK/load.log"; }
rd_cmd() { echo rd "$S" -y; }

# counts VERB FUNC[:FILTER]...: calls of each in one clean run of VERB (state set up by
# the caller); prints "FUNC[:FILTER] N" lines
counts() {
	local verb=$1 rules="" f
	shift
	for f in "$@"; do
		rules+="${rules:+,}${f%%:*}:1:count${f#"${f%%:*}"}"
	done
	fi_run "$rules" "$FLOG" "$MIGSTATE" $("${verb}_cmd")
	[ "$RC" = 0 ] || fail "counting run of $verb exited $RC: $OUT"
	for f in "$@"; do
		echo "$f $(fi_count "$FLOG" "${f%%:*}:1:count${f#"${f%%:*}"}")"
	done
}

# kill_run VERB TABLE: one run of VERB killed at a random point of TABLE ("FUNC N" lines)
kill_run() {
	local verb=$1 table=$2 line func n k act rule
	line=$(echo "$table" | sed -n "$((RANDOM % $(echo "$table" | wc -l) + 1))p")
	func=${line% *} n=${line##* }
	[ "$n" -gt 0 ] || return 0
	k=$((RANDOM % n + 1))
	act=kill
	[ $((RANDOM % 2)) = 0 ] && act=killafter
	rule="${func%%:*}:$k:$act${func#"${func%%:*}"}"
	if [ $((RANDOM % 6)) = 0 ]; then
		# now and then a moment nobody chose: a random sleep
		"$MIGSTATE" $("${verb}_cmd") >/dev/null 2>&1 &
		local pid=$!
		sleep "$(printf '0.%03d' $((RANDOM % 60 + 1)))"
		kill -9 "$pid" 2>/dev/null || true
		RC=0
		wait "$pid" 2>/dev/null || RC=$?
		rule="sleep"
	else
		fi_run "$rule" "$FLOG" "$MIGSTATE" $("${verb}_cmd")
	fi
	KILLED=0
	case $RC in
	137) KILLED=1 KILLS=$((KILLS + 1)) ; note "$verb killed at $rule" ;;
	# a rerun in a chain has less to do: the point may never come
	0) note "$verb finished before $rule" ;;
	*) fail "$verb run to be killed at $rule exited $RC: $OUT" ;;
	esac
	# whatever the moment, a store that says complete is whole (a scan killed after its
	# last step is complete; one killed before it is not, and says so)
	if [ "$verb" = scan ] && [ -e "$S/MIGSTATE/store.id" ] && [ "$(store_state "$S")" = complete ]; then
		expect_rc 0 "$MIGSTATE" verify "$S"
	fi
}

# --- scan: 4 chains of 3 kills, then a run that finishes --------------------------------
rm -rf "$S" "$VS"
expect_rc 0 "$MIGSTATE" $(scan_cmd) # so the counting run (-o) also resets a store
T_SCAN=$(counts scan linkat:/store/ linkat:/srv/store/ mkdirat:/store/ write:/store/ renameat:/store/ fsync:/store/ \
	unlinkat:/store/)
for chain in 1 2 3 4; do
	for i in 1 2 3; do
		kill_run scan "$T_SCAN"
		[ $KILLED = 1 ] || kill_run scan "$T_SCAN"
		# a killed scan is refused by load and verify: it is not complete
		if [ -e "$S/MIGSTATE/store.id" ] && [ "$(store_state "$S")" != complete ]; then
			expect_rc 27 "$MIGSTATE" load "$S" --plan "$P" --root "$R" --hardlink --nocompress \
				--log "$WORK/refused.log"
		fi
	done
	expect_rc 0 "$MIGSTATE" $(scan_cmd)
	expect_rc 0 "$MIGSTATE" verify "$S"
done
[ "$(sources)" = "$ORIG" ] || fail "the users' files changed during the killed scans"
note "scan: $KILLS kills"

# --- load: 3 chains of 4 kills, then a run that finishes ----------------------------------
STORE_MF=$(xmanifest "$S/MIGSTATE/File" "$VS/MIGSTATE/File")
wipe() { rm -rf "$R/home/alice" "$R/home/bob" "$R/srv/data"; }
wipe
T_LOAD=$(counts load linkat:/home/ linkat:/srv/ mkdirat:/home/ renameat2:/home/ fchown:/home/ \
	fchmod:/home/ fchownat:/home/ futimens:/home/ symlinkat:/home/ mknodat:/home/)
before=$KILLS
for chain in 1 2 3; do
	wipe
	n=0 tries=0
	while [ $n -lt 4 ] && [ $tries -lt 12 ]; do
		tries=$((tries + 1))
		kill_run load "$T_LOAD"
		if [ $KILLED = 1 ]; then n=$((n + 1)); else
			# finished: check it, and start the chain's next kill from scratch
			[ "$(sources)" = "$ORIG" ] || fail "load chain $chain: a finished load lost something"
			wipe
		fi
	done
	RC=0
	OUT=$("$MIGSTATE" $(load_cmd) 2>&1) || RC=$?
	[ "$RC" = 0 ] || fail "load after the kills (chain $chain) exited $RC: $OUT"
	now=$(sources)
	[ "$now" = "$ORIG" ] || {
		diff <(echo "$ORIG") <(echo "$now") | head -20 >&2 || true
		fail "load chain $chain: killed loads and a rerun did not restore everything"
	}
	no_temps "$R/home" "$R/srv"
	[ "$(store_state "$S")" = complete ] || fail "load changed the store's state"
done
[ "$(xmanifest "$S/MIGSTATE/File" "$VS/MIGSTATE/File")" = "$STORE_MF" ] ||
	fail "killed loads changed the store's payload"
expect_rc 0 "$MIGSTATE" verify "$S"
note "load: $((KILLS - before)) kills"

# --- rd: 3 chains of 4 kills, then a run that finishes -----------------------------------
T_RD=$(counts rd unlinkat:/store/ unlinkat:/srv/store/ unlinkat:/store/MIGSTATE/File/home/ \
	renameat:/store/ fsync:/store/)
before=$KILLS
for chain in 1 2 3; do
	[ -e "$S" ] || expect_rc 0 "$MIGSTATE" scan "$S" --plan "$P" --root "$R" --hardlink --nocompress \
		--min-free 1 --log "$WORK/scan.log"
	n=0 tries=0
	while [ $n -lt 4 ] && [ $tries -lt 12 ]; do
		tries=$((tries + 1))
		[ -e "$S" ] || expect_rc 0 "$MIGSTATE" scan "$S" --plan "$P" --root "$R" --hardlink \
			--nocompress --min-free 1 --log "$WORK/scan.log"
		kill_run rd "$T_RD"
		[ $KILLED = 0 ] || n=$((n + 1))
		if [ -d "$S" ] && [ -z "$(ls -A "$S")" ]; then
			# killed between the removal of MIGSTATE and that of the store directory
			# itself: an empty directory is all that is left, and rd no longer takes it
			# for a store (27); nothing of the store remains
			note "rd killed after its last entry: an empty $S is left"
			rmdir "$S"
		fi
		if [ -e "$S" ]; then
			[ -d "$S/MIGSTATE" ] || fail "rd killed: the store is unrecognisable"
			# still ours: rd and verify know it
			RC=0
			"$MIGSTATE" verify "$S" >/dev/null 2>&1 || RC=$?
			case $RC in
			0 | 42) ;;
			# killed after the catalog went (the last step before store.id): nothing of
			# the store is left for verify to read; rd still finishes it (below)
			27) [ ! -e "$S/MIGSTATE/catalog" ] && [ ! -e "$S/MIGSTATE/File" ] ||
				fail "verify refuses a killed rd's store that still has content" ;;
			*) fail "verify of a killed rd's store: exit $RC" ;;
			esac
		fi
	done
	if [ -e "$S" ]; then
		expect_rc 0 "$MIGSTATE" rd "$S" -y
	fi
	assert_no_path "$S"
	assert_no_path "$VS"
done
[ "$(sources)" = "$ORIG" ] || fail "the users' files changed during the killed rds"
note "rd: $((KILLS - before)) kills; $KILLS in all"
[ "$KILLS" -ge 30 ] || fail "only $KILLS kills"
