#!/usr/bin/env bash
# Random races, seeded: a hostile user (a real unprivileged uid, alice) swaps directories
# and files in her home for symlinks (to a fake /etc outside the tree, bob's home, /, the
# store), FIFOs and hard links, and moves subtrees, while root runs scan, copy scan,
# scan -o, load, copy load, load over existing files and rd. After every iteration: the
# sentinel outside the tree is unchanged (content, mode, owner, link count) and nothing
# was created beside it, the store holds only her examined files, none of her files is
# lost, migstate exited with a documented code and no sanitizer report. The driver is
# tests/helpers/race_stress.py (its header says more).
#   STRESS_SEED=N     the seed (default: from the clock; printed first and on failure)
#   STRESS_ITERS=N    iterations (default 300: make check; make stress runs 10,000)
#   STRESS_ONLY=N     iteration N of the seed alone
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd python3
need_cmd setpriv
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
chmod 0755 "$WORK"
FS=$WORK/fs
mk_tmpfs "$FS" 128m
R=$FS/root
mk_system "$R"
# the sentinel: a fake /etc of root-only files outside the tree, and bob's private file
mkdir -p "$FS/etc/ssl"
printf 'root:x:0:0::/root:/bin/sh\n' >"$FS/etc/passwd"
printf 'root:$6$SENTINEL:19000::::::\n' >"$FS/etc/shadow"
printf 'SENTINEL KEY\n' >"$FS/etc/ssl/private.key"
chmod 0644 "$FS/etc/passwd"
chmod 0600 "$FS/etc/shadow" "$FS/etc/ssl/private.key"
chmod 0700 "$FS/etc/ssl"
put "$R/home/bob/private/secret.txt" 1002:1002 0600 "2020-01-03 00:00:00" "BOB-SECRET"
chown 1002:1002 "$R/home/bob/private"
chmod 0700 "$R/home/bob/private"
chmod 0755 "$R/home/alice" # she may open it up; bob's stays 0750
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
mkdir -p "$WORK/logs"
cp "$REPO/tests/helpers/race_stress.py" "$WORK/logs/"
chmod 0755 "$WORK/logs" "$WORK/logs/race_stress.py"
python3 "$WORK/logs/race_stress.py" drive "$FS" "$MIGSTATE" "$WORK/p.plan" "$WORK/logs" 1001
