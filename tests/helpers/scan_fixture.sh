# scan_fixture.sh - shared set-up for tests/e2e/t_scan_*.sh; source it after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$REPO/tests/helpers/scan_fixture.sh"
# It builds the C helpers of tests/helpers/ against the runtime library next to
# $MIGSTATE (or $BUILD), makes fake systems (passwd, login.defs, homes) and compiles
# small plans.

HELPERS_SRC=$REPO/tests/helpers
RT_LIB=${BUILD:+$BUILD/libmigrt.a}
[ -n "${RT_LIB:-}" ] && [ -f "$RT_LIB" ] || RT_LIB=$(dirname "$MIGSTATE")/libmigrt.a
_HB=

# helper NAME: path of tests/helpers/NAME.c built for this test (built once).
helper() {
	if [ -z "$_HB" ]; then
		_HB=$(mk_tmpdir)
	fi
	if [ ! -x "$_HB/$1" ]; then
		need_cmd "${CC:-cc}"
		[ -f "$RT_LIB" ] || skip "no runtime library at $RT_LIB (build first)"
		local san=()
		# a sanitizer build of the library needs the same runtime in the helper
		case "$(nm "$RT_LIB" 2>/dev/null)" in
		*__asan_init*) san=(-fsanitize=address,undefined) ;;
		*__tsan_init*) san=(-fsanitize=thread) ;;
		esac
		"${CC:-cc}" -std=c11 -D_GNU_SOURCE -O1 "${san[@]}" $(printf -- '-I%s ' "$REPO"/runtime/*/) -o "$_HB/$1" \
			"$HELPERS_SRC/$1.c" "$RT_LIB" || fail "cannot build helper $1"
	fi
	echo "$_HB/$1"
}

# mk_system ROOT: etc/passwd (root, alice 1000, bob 1001, carol 1002 without a home,
# nobody), etc/login.defs, and two homes with documents, settings, caches.
mk_system() {
	local r=$1
	mkdir -p "$r/etc" "$r/home"
	cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001:Bob:/home/bob:/bin/bash
carol:x:1002:1002:Carol:/home/carol:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
	printf 'UID_MIN\t1000\nUID_MAX\t60000\n' >"$r/etc/login.defs"
	local a=$r/home/alice b=$r/home/bob
	mkdir -p "$a/Documents/sub" "$a/Desktop" "$a/.ssh" "$a/.cache/thumbs" "$a/.config/app" \
		"$a/Downloads" "$b/Documents" "$b/.config/tool"
	echo "report" >"$a/Documents/report.txt"
	echo "nested" >"$a/Documents/sub/notes.md"
	echo "object" >"$a/Documents/build.o"
	echo "backup" >"$a/Documents/draft.txt~"
	printf 'with space\n' >"$a/Documents/with space.txt"
	printf 'odd\n' >"$a/Documents/$(printf 'new\nline')"
	echo "desk" >"$a/Desktop/todo.txt"
	echo "key" >"$a/.ssh/id_ed25519"
	chmod 700 "$a/.ssh"
	echo "thumb" >"$a/.cache/thumbs/t1.png"
	echo "setting" >"$a/.config/app/app.conf"
	echo "alias ll=ls" >"$a/.bashrc"
	echo "partial" >"$a/Downloads/big.iso.part"
	echo "done" >"$a/Downloads/paper.pdf"
	ln -s report.txt "$a/Documents/latest"
	ln -s /etc/passwd "$a/Documents/abs-link"
	mkfifo "$a/Documents/pipe"
	echo "bob doc" >"$b/Documents/plan.txt"
	echo "tool" >"$b/.config/tool/rc"
	chown -R 1000:1000 "$a"
	chown -R 1001:1001 "$b"
}

# The files policies/miguser.xml and migapp.xml include in mk_system's tree (logical
# paths, sorted): compile_shipped's plan.
MIGUSER_FILES='/home/alice/.bashrc
/home/alice/.config/app/app.conf
/home/alice/.ssh/id_ed25519
/home/alice/Desktop/todo.txt
/home/alice/Documents/report.txt
/home/alice/Documents/sub/notes.md
/home/alice/Documents/with space.txt
/home/alice/Downloads/paper.pdf
/home/bob/.config/tool/rc
/home/bob/Documents/plan.txt'

# compile_plan OUT XML [CONFIG]: compile with the shipped variable map.
compile_plan() {
	local out=$1 xml=$2 cfg=${3:-}
	if [ -n "$cfg" ]; then
		"$MIGC" compile -o "$out" --config "$cfg" "$xml" >/dev/null 2>&1 ||
			fail "migc compile $xml --config $cfg: $("$MIGC" compile -o "$out" --config "$cfg" "$xml" 2>&1)"
	else
		"$MIGC" compile -o "$out" "$xml" >/dev/null 2>&1 || fail "migc compile $xml"
	fi
}

# compile_shipped OUT: the user folders and the application settings of the shipped
# policies (miguser.xml + migapp.xml) in one plan.
compile_shipped() {
	"$MIGC" compile -o "$1" "$REPO/policies/miguser.xml" "$REPO/policies/migapp.xml" >/dev/null 2>&1 ||
		fail "migc compile miguser.xml migapp.xml"
}

# system_policy FILE PATTERN...: a one-component System policy including the patterns
# (MigXML text, e.g. 'C:\data\* [*]'); excludes follow a lone "--".
system_policy() {
	local f=$1
	shift
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<migration urlid="http://migstate.invalid/tests/scan">'
		echo ' <component type="Documents" context="System"><displayName>test</displayName>'
		echo '  <role role="Data"><rules><include><objectSet>'
		local ex=0 p
		for p in "$@"; do
			if [ "$p" = "--" ]; then
				echo '  </objectSet></include><exclude><objectSet>'
				ex=1
				continue
			fi
			echo "   <pattern type=\"File\">$p</pattern>"
		done
		[ $ex = 1 ] && echo '  </objectSet></exclude>' || echo '  </objectSet></include>'
		echo '  </rules></role></component></migration>'
	} >"$f"
}

# src_manifest ROOT: like tree_manifest (type, path, mode, owner, size, mtime, sha256 of
# the content) for everything beneath ROOT except stores (any directory named "store"
# holding a MIGSTATE directory), safe for any file name.
src_manifest() {
	python3 - "$1" <<'PY'
import hashlib, os, stat, sys
root = sys.argv[1]
out = []
for d, dirs, files in os.walk(root):
    if "store" in dirs and os.path.isdir(os.path.join(d, "store", "MIGSTATE")):
        dirs.remove("store")
    for n in dirs + files:
        p = os.path.join(d, n)
        st = os.lstat(p)
        h = "-"
        if stat.S_ISREG(st.st_mode):
            with open(p, "rb") as f:
                h = hashlib.sha256(f.read()).hexdigest()
        size = "-" if stat.S_ISDIR(st.st_mode) else st.st_size
        out.append("%o %r %d %d %s %d %s" % (st.st_mode, os.path.relpath(p, root), st.st_uid,
                                             st.st_gid, size, st.st_mtime_ns, h))
print("\n".join(sorted(out)))
PY
}

# catalog_files STORE: the non-directory paths of the catalog, sorted.
catalog_files() {
	"$(helper catdump)" "$1" | awk -F '\t' 'NF >= 13 && $1 != "dir" { print $13 }' | LC_ALL=C sort
}

# catalog_dirs STORE: the directory paths of the catalog, in catalog order.
catalog_dirs() {
	"$(helper catdump)" "$1" | awk -F '\t' 'NF >= 13 && $1 == "dir" { print $13 }'
}

# cat_field STORE PATH N: field N of PATH's catalog line (1 type, 2 action, 3 flags,
# 4 volume, 5 source volume, 6 user, 7 inode, 8 nlink, 9 mode, 10 uid, 11 gid, 12 size,
# 13 path, 14 symlink target).
cat_field() {
	"$(helper catdump)" "$1" | awk -F '\t' -v p="$2" -v n="$3" 'NF >= 13 && $13 == p { print $n }'
}

# store_state STORE: the state line of store.id.
store_state() { sed -n 's/^state: //p' "$1/MIGSTATE/store.id"; }
