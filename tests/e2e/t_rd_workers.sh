#!/usr/bin/env bash
# rd removes with worker threads (MIGSTATE_WORKERS, rd_unlink.c): the last-link test still
# sees each removal made before it. A file captured under several names (hard links of
# one inode, in one directory and across directories) whose originals are gone has its
# names all in the store: the walk finds the link count of each name while earlier
# names may still be on their way out, so exactly one name must be kept, with 0, 1, 2
# and 4 workers alike. Many small directories make the workers overlap.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'" # mk_tmpdir runs in a subshell: its own at_exit is lost
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 64m
mk_system "$R"
fill_homes "$R"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"

for d in $(seq 1 40); do
	mkdir -p "$R/home/bob/many/d$d"
	for f in $(seq 1 12); do echo "file $d.$f" >"$R/home/bob/many/d$d/f$f"; done
done
chown -R 1002:1002 "$R/home/bob/many"
for w in 0 1 2 4; do
	# three inodes, each under several names: in one directory, and spread out
	put "$R/home/bob/many/d1/a0" 1002:1002 0640 "2021-02-03 04:05:06" "inode a"
	for i in 1 2 3 4 5; do ln "$R/home/bob/many/d1/a0" "$R/home/bob/many/d1/a$i"; done
	put "$R/home/bob/many/d2/b0" 1002:1002 0640 "2021-02-03 04:05:06" "inode b"
	for d in 3 9 17 33; do ln "$R/home/bob/many/d2/b0" "$R/home/bob/many/d$d/b$d"; done
	put "$R/home/bob/many/d5/c0" 1002:1002 0640 "2021-02-03 04:05:06" "inode c"
	ln "$R/home/bob/many/d5/c0" "$R/home/bob/many/d5/c1"
	scan "$R/store" "$WORK/p.plan" "$R"
	# the originals of the three go: only the store's names are left
	rm "$R"/home/bob/many/d1/a? "$R"/home/bob/many/d*/b* "$R"/home/bob/many/d5/c?
	RC=0
	OUT=$(MIGSTATE_WORKERS=$w "$MIGSTATE" rd "$R/store" -y 2>&1) || RC=$?
	assert_eq 35 "$RC" "rd with $w workers keeps the last links: $OUT"
	F=$R/store/MIGSTATE/File/home/bob/many
	assert_eq "1 1 1" "$(ls "$F"/d1/a? | wc -l) $(ls "$F"/d*/b* | wc -l) $(ls "$F"/d5/c? | wc -l)" \
		"one name of each inode kept with $w workers"
	assert_eq "inode a inode b inode c" "$(cat "$F"/d1/a? "$F"/d*/b* "$F"/d5/c? | tr '\n' ' ' | sed 's/ $//')" \
		"their bytes with $w workers"
	[ "$(echo "$OUT" | grep -c '^kept')" = 3 ] || fail "three kept lines with $w workers: $OUT"
	[ -z "$(find "$R/store/MIGSTATE/File" -type f ! -name 'a?' ! -name 'b*' ! -name 'c?')" ] ||
		fail "everything else removed with $w workers"
	expect_rc 0 "$MIGSTATE" rd "$R/store" -y --force
	assert_no_path "$R/store"
done
note "rd kept one name of each multiply linked file with 0, 1, 2 and 4 workers"
