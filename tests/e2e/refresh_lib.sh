# refresh_lib.sh - helpers shared by the load / rd / verify / du tests (sourced after
# lib.sh). They build a small migrated system beneath a root directory: an etc/passwd
# with two users, their homes, and files with distinct owners, modes and times.

# mk_system ROOT: etc/passwd with alice (1001) and bob (1002) and their (empty) homes.
mk_system() {
	mkdir -p "$1/etc" "$1/home/alice" "$1/home/bob"
	cat >"$1/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/bin/sh
		alice:x:1001:1001:Alice:/home/alice:/bin/sh
		bob:x:1002:1002:Bob:/home/bob:/bin/sh
	EOF
	chown 1001:1001 "$1/home/alice"
	chown 1002:1002 "$1/home/bob"
	chmod 0700 "$1/home/alice"
	chmod 0750 "$1/home/bob"
}

# put FILE OWNER MODE DATE CONTENT: a file with that owner, mode and mtime.
put() {
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$5" >"$1"
	chown "$2" "$1"
	chmod "$3" "$1"
	touch -h -d "$4" "$1"
}

# fill_homes ROOT: a few files and directories per user (times set last).
fill_homes() {
	local r=$1
	put "$r/home/alice/notes.txt" 1001:1001 0600 "2021-03-04 05:06:07.123456789" "alice notes"
	put "$r/home/alice/Documents/report.odt" 1001:1001 0644 "2022-01-02 03:04:05" "report body"
	put "$r/home/alice/Documents/deep/er/plan.md" 1001:1001 0640 "2020-07-08 09:10:11" "plan"
	put "$r/home/alice/.bashrc" 1001:1001 0644 "2019-12-31 23:59:59" "alias ll='ls -l'"
	put "$r/home/alice/bin/tool" 1001:1001 0755 "2018-06-06 06:06:06" "#!/bin/sh"
	ln -s Documents/report.odt "$r/home/alice/current"
	chown -h 1001:1001 "$r/home/alice/current"
	touch -h -d "2022-02-02 02:02:02" "$r/home/alice/current"
	put "$r/home/bob/todo.txt" 1002:1002 0664 "2023-05-05 05:05:05" "bob todo"
	put "$r/home/bob/Music/song.ogg" 1002:1002 0444 "2017-01-01 00:00:01" "la la la"
	chown 1002:1002 "$r/home/bob/Music" "$r/home/alice/Documents" \
		"$r/home/alice/Documents/deep" "$r/home/alice/Documents/deep/er" "$r/home/alice/bin"
	chown 1001:1001 "$r/home/alice/Documents" "$r/home/alice/Documents/deep" \
		"$r/home/alice/Documents/deep/er" "$r/home/alice/bin"
	chmod 0711 "$r/home/alice/Documents/deep"
	chmod 0750 "$r/home/bob/Music"
	touch -d "2016-02-03 04:05:06" "$r/home/bob/Music"
	touch -d "2015-01-01 12:00:00" "$r/home/alice/Documents/deep/er" "$r/home/alice/Documents/deep"
	touch -d "2015-06-01 12:00:00" "$r/home/alice/Documents" "$r/home/alice/bin"
	touch -d "2014-01-01 00:00:00" "$r/home/alice" "$r/home/bob"
}

# policy FILE [extra XML inside <migration>]: the homes of every user, plus /data.
policy() {
	cat >"$1" <<-EOF
		<?xml version="1.0" encoding="UTF-8"?>
		<migration urlid="http://migstate.invalid/test/refresh">
		  <component type="Documents" context="User">
		    <displayName>Homes</displayName>
		    <role role="Data">
		      <rules>
		        <include><objectSet><pattern type="File">%CSIDL_PROFILE%\\* [*]</pattern></objectSet></include>
		      </rules>
		    </role>
		  </component>
		  <component type="Documents" context="System">
		    <displayName>Data</displayName>
		    <role role="Data">
		      <rules>
		        <include><objectSet><pattern type="File">C:\\data\\* [*]</pattern></objectSet></include>
		      </rules>
		    </role>
		  </component>
		  ${2:-}
		</migration>
	EOF
}

# SRV_COMPONENT: a System component taking everything under /srv (a second volume in
# the tests that mount one there); policy's second argument.
SRV_COMPONENT='<component type="Documents" context="System">
    <displayName>Server files</displayName>
    <role role="Data"><rules>
      <include><objectSet><pattern type="File">C:\srv\* [*]</pattern></objectSet></include>
    </rules></role>
  </component>'

# homes_policy FILE NAME < RULES: every user's home (a User component including
# %CSIDL_PROFILE%\* [*]) plus the rules read from stdin (XML inside <rules>).
homes_policy() {
	{
		printf '<?xml version="1.0" encoding="UTF-8"?>\n'
		printf '<migration urlid="http://migstate.invalid/test/%s">\n' "$2"
		printf '  <component type="Documents" context="User">\n'
		printf '    <displayName>Homes</displayName>\n    <role role="Data">\n      <rules>\n'
		printf '        <include><objectSet><pattern type="File">%%CSIDL_PROFILE%%\\* [*]</pattern></objectSet></include>\n'
		cat
		printf '      </rules>\n    </role>\n  </component>\n</migration>\n'
	} >"$1"
}

# compile XML PLAN
compile() { "$MIGC" compile -o "$2" "$1" >/dev/null 2>&1 || { "$MIGC" compile -o "$2" "$1"; fail "migc compile $1"; }; }

# scan STORE PLAN ROOT [options]: a hard-link capture that must succeed.
scan() {
	local store=$1 plan=$2 root=$3
	shift 3
	expect_rc 0 "$MIGSTATE" scan "$store" --plan "$plan" --root "$root" --hardlink --nocompress \
		--min-free 1 --log "$WORK/scan.log" "$@"
}

# load STORE PLAN ROOT [options] (exit code in $RC, output in $OUT)
load() {
	local store=$1 plan=$2 root=$3
	shift 3
	RC=0
	OUT=$("$MIGSTATE" load "$store" --plan "$plan" --root "$root" --hardlink --nocompress \
		--log "$WORK/load.log" "$@" 2>&1) || RC=$?
}

# wipe_homes ROOT: delete every user file and directory from its original place.
wipe_homes() { rm -rf "$1/home/alice" "$1/home/bob"; }

# manifest DIR: tree_manifest plus symlink targets (find %l), for exact comparisons.
manifest() {
	tree_manifest "$1"
	(cd "$1" && find . -mindepth 1 -type l -printf 'L %p -> %l %U %G %T@\n' | LC_ALL=C sort)
}
