#!/usr/bin/env bash
# Packaging: `make install DESTDIR=...` puts binaries, man pages, shipped policies,
# bash completion, documentation and the systemd unit where they belong; the installed
# migc finds its variable map in the installed tree and compiles a shipped policy;
# `make uninstall` removes it all. The man pages render without a warning and name
# every verb, option and exit code the binaries have. The completions offer the
# binaries' verbs and migc's warning names. `make deb` builds a package whose contents
# and version are right and that installs into and is removed from a scratch root.
# `make static` gives a statically linked migstate that runs a plan check.
# Everything is built through the Makefile, so it works in a clean clone.
. "$(dirname "$0")/lib.sh"
need_cmd make
need_cmd groff

# The build directory: the one the suite was built in (make e2e exports it), else the
# directory of $MIGC when that is inside the source tree, else the default.
if [ -z "${BUILD:-}" ]; then
	case $(cd "$(dirname "$MIGC")" && pwd) in
	"$REPO"/*) BUILD=$(cd "$(dirname "$MIGC")" && pwd) ;;
	*) BUILD=$REPO/build ;;
	esac
fi
T=$(mk_tmpdir)
VERSION=$(sed -n 's/^#define MIGSTATE_VERSION "\(.*\)"/\1/p' "$REPO/runtime/base/version.h")
[ -n "$VERSION" ] || fail "no MIGSTATE_VERSION in runtime/base/version.h"

# has ARGS...: grep that reads its whole input (a pipeline under pipefail must not
# fail because grep -q stopped reading early)
has() { grep "$@" >/dev/null; }

# mk TARGET [VAR=VALUE...]: run make in the source tree; its output only on failure
mk() {
	make -C "$REPO" --no-print-directory BUILD="$BUILD" "$@" >"$T/make.log" 2>&1 ||
		{ tail -n 30 "$T/make.log" >&2; fail "make $* failed"; }
}

# --- make install -----------------------------------------------------------------------
D=$T/dest
P=/usr/local
mk install DESTDIR="$D" PREFIX=$P
expected="bin/migc 755
bin/migstate 755
share/bash-completion/completions/migc 644
share/bash-completion/completions/migstate 644
share/doc/migstate/README.md 644
share/man/man1/migc.1 644
share/man/man1/migstate.1 644
share/migstate/policies/config.xml 644
share/migstate/policies/migapp.xml 644
share/migstate/policies/migdocs.xml 644
share/migstate/policies/migsys.xml 644
share/migstate/policies/miguser.xml 644
share/migstate/policies/variables.map 644"
if [ -f "$REPO/contrib/migstate-rd-pending.service" ]; then
	expected+=$'\n'"lib/systemd/system/migstate-rd-pending.service 644"
fi
if [ -f "$REPO/contrib/systemd/migstate-firstboot.service" ]; then
	expected+=$'\n'"lib/systemd/system/migstate-firstboot.service 644"
fi
while read -r f mode; do
	assert_file "$D$P/$f"
	assert_eq "$mode" "$(stat -c %a "$D$P/$f")" "mode of $f"
done <<<"$expected"
for f in "$REPO"/docs/*.md; do assert_file "$D$P/share/doc/migstate/$(basename "$f")"; done
note "installed: $(cd "$D$P" && find . -type f | wc -l) files"
if [ -f "$D$P/lib/systemd/system/migstate-rd-pending.service" ]; then
	grep -q "^ExecStart=$P/bin/migstate " "$D$P/lib/systemd/system/migstate-rd-pending.service" ||
		fail "the unit does not run $P/bin/migstate"
fi

# the installed migc finds the installed variable map (not the source tree's), from
# anywhere, without help from the environment
cd /
(
	unset MIGC_VARS
	"$D$P/bin/migc" lint --werror "$D$P/share/migstate/policies/miguser.xml" ||
		fail "installed migc cannot lint the installed miguser.xml"
	"$D$P/bin/migc" compile -o "$T/inst.plan" --config "$D$P/share/migstate/policies/config.xml" \
		"$D$P/share/migstate/policies/miguser.xml" "$D$P/share/migstate/policies/migdocs.xml" \
		2>"$T/compile.err" || fail "installed migc cannot compile: $(cat "$T/compile.err")"
) || exit 1
"$D$P/bin/migc" dump "$T/inst.plan" >"$T/inst.dump"
grep -Eq "^ +[0-9]+ +variables +$D$P/share/migstate/policies/variables.map " "$T/inst.dump" ||
	fail "the installed migc did not use the installed map: $(grep -A4 '^sources' "$T/inst.dump")"
expect_rc 0 "$D$P/bin/migstate" check-plan "$T/inst.plan"
cd "$T"

# --- man pages ----------------------------------------------------------------------------
for page in migc migstate; do
	src=$D$P/share/man/man1/$page.1
	groff -man -Tutf8 -ww -z "$src" 2>"$T/groff.err" || fail "groff failed on $page.1"
	[ ! -s "$T/groff.err" ] || fail "groff warnings on $page.1: $(cat "$T/groff.err")"
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man -l "$src" >"$T/$page.txt" 2>"$T/man.err" || fail "man -l $page.1 failed"
		[ ! -s "$T/man.err" ] || fail "man -l $page.1 warns: $(cat "$T/man.err")"
		grep -q "^NAME" "$T/$page.txt" || fail "$page.1 renders no NAME section"
	fi
done
# mentions PAGE WORD WHAT: the page's source (with \- read as -) names WORD
mentions() {
	sed 's/\\-/-/g; s/\\(em/-/g' "$REPO/docs/$1.1" | has -e "$2" || fail "$1.1 does not mention $3"
}
# every option a --help text shows is in the man page
options_of() { grep -oE -e '(--[a-z][a-z-]*[a-z])|(^|[[ ,|])-[a-zA-Z]\b|-Wno-' | sed 's/^[[ ,|]//' | sort -u; }
check_help() { # check_help PAGE CMD...: CMD's --help output against PAGE
	local page=$1 o
	shift
	"$@" --help >"$T/help.txt" 2>&1 || return 0 # not in this build
	for o in $(options_of <"$T/help.txt"); do
		mentions "$page" "\\(^\\|[^a-zA-Z-]\\)$o\\($\\|[^a-zA-Z]\\)" "option $o of '$*'"
	done
}
for v in compile lint dump explain genconfig; do
	mentions migc "^\.B migc $v" "verb $v"
	check_help migc "$MIGC" "$v"
done
for v in scan load rd verify du info firstboot check-plan; do
	mentions migstate "^\.B migstate $v" "verb $v"
	[ "$v" = check-plan ] || check_help migstate "$MIGSTATE" "$v"
done
"$MIGSTATE" --help | grep -oE '^ +[a-z][a-z-]+ ' | while read -r v; do
	mentions migstate "^\.B migstate $v\|^\.BR $v\|^\.B $v\$" "verb $v of 'migstate --help'"
done
# the pages name this version
for page in migc migstate; do
	has -x "\.TH [A-Z]* 1 \"[^\"]*\" \"migstate $VERSION\" .*" "$REPO/docs/$page.1" ||
		fail "$page.1's .TH does not say migstate $VERSION"
done
# every exit code of the runtime is documented
for code in $(sed -n 's/^#define EXIT_[A-Z_]* \([0-9]*\).*/\1/p' "$REPO/runtime/base/exitcodes.h"); do
	sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$REPO/docs/migstate.1" | has -x "\.B $code" ||
		fail "exit code $code is not in migstate.1's EXIT STATUS"
done
# every warning name of compiler/diag.c is documented, and nothing else
diag_names=$(sed -n '/^} warnings\[\] = {/,/^};/p' "$REPO/compiler/diag/diag.c" |
	sed -n 's/^ *{"\([a-z-]*\)",.*/\1/p' | sort)
[ "$(echo "$diag_names" | wc -l)" -gt 10 ] || fail "cannot read the warning table of diag.c"
man_names=$(sed -n '/^\.SH WARNINGS/,/^\.SH /p' "$REPO/docs/migc.1" | sed 's/\\-/-/g' |
	sed -n 's/^\.B \([a-z][a-z-]*\)$/\1/p' | sort)
assert_eq "$diag_names" "$man_names" "warning names in migc.1"

# --- bash completion -----------------------------------------------------------------------
# complete SCRIPT WORD...: what the completion function offers for the last WORD
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); "_$1" 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}"' - "$@"
}
C=$D$P/share/bash-completion/completions
assert_eq "compile dump explain genconfig lint" \
	"$(complete_words "$C/migc" migc "" | grep -v '^-' | sort | xargs)" "migc verbs"
assert_eq "check-plan du firstboot help info load rd scan verify" \
	"$(complete_words "$C/migstate" migstate "" | grep -v '^-' | sort | xargs)" "migstate verbs"
assert_eq "$(echo "$diag_names" | sed 's/^/-Wno-/' | xargs)" \
	"$(complete_words "$C/migc" migc lint -Wno- | sort | xargs)" "-Wno- names offered"
assert_eq "--min-free" "$(complete_words "$C/migstate" migstate scan --min-f)" "scan option"
assert_eq "abort decryptcopy hardlink skip" \
	"$(complete_words "$C/migstate" migstate scan --efs "" | sort | xargs)" "--efs values"
assert_eq "sarif" "$(complete_words "$C/migc" migc lint --format s)" "--format values"

# --- make uninstall ------------------------------------------------------------------------
mk uninstall DESTDIR="$D" PREFIX=$P
left=$(cd "$D" && find . -type f)
[ -z "$left" ] || fail "make uninstall left: $left"

# --- make deb --------------------------------------------------------------------------------
need_cmd dpkg-deb
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
DEB=$BUILD/migstate_${VERSION}_$ARCH.deb
rm -f "$DEB"
mk deb
assert_file "$DEB"
assert_eq migstate "$(dpkg-deb -f "$DEB" Package)" "package name"
assert_eq "$VERSION" "$(dpkg-deb -f "$DEB" Version)" "package version"
assert_eq "$ARCH" "$(dpkg-deb -f "$DEB" Architecture)" "package architecture"
dpkg-deb -c "$DEB" | awk '{ print $1, $2, $6 }' >"$T/deb.list"
while read -r f mode; do
	case $f in share/man/*) f=$f.gz ;; esac
	case $mode in 755) m=-rwxr-xr-x ;; *) m=-rw-r--r-- ;; esac
	grep -qx -- "$m root/root ./usr/$f" "$T/deb.list" || fail "the .deb lacks /usr/$f ($m root/root)"
done <<<"$expected"
if grep -q 'migstate-rd-pending.service' "$T/deb.list"; then
	dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./usr/lib/systemd/system/migstate-rd-pending.service |
		has '^ExecStart=/usr/bin/migstate ' || fail "the packaged unit does not run /usr/bin/migstate"
fi
# man pages in the package render too
dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./usr/share/man/man1/migstate.1.gz | gzip -dc |
	groff -man -Tutf8 -ww -z 2>"$T/groff.err" && [ ! -s "$T/groff.err" ] ||
	fail "packaged migstate.1 does not render cleanly: $(cat "$T/groff.err")"

# install into a scratch root with dpkg (dependencies are the host's), use, remove
S=$T/scratch
mkdir -p "$S/var/lib/dpkg/info" "$S/var/lib/dpkg/updates"
: >"$S/var/lib/dpkg/status"
: >"$S/var/lib/dpkg/available"
if dpkg --root="$S" --force-depends --force-script-chrootless --log=/dev/null -i "$DEB" \
	>"$T/dpkg.log" 2>&1; then
	assert_eq "install ok installed" "$(dpkg --root="$S" -s migstate 2>/dev/null |
		sed -n 's/^Status: //p')" "dpkg status"
	"$S/usr/bin/migc" compile -o "$T/deb.plan" "$S/usr/share/migstate/policies/miguser.xml" \
		2>"$T/compile.err" || fail "packaged migc cannot compile: $(cat "$T/compile.err")"
	"$S/usr/bin/migc" dump "$T/deb.plan" | has " $S/usr/share/migstate/policies/variables.map " ||
		fail "the packaged migc did not use the packaged map"
	expect_rc 0 "$S/usr/bin/migstate" check-plan "$T/deb.plan"
	dpkg --root="$S" --log=/dev/null -r migstate >>"$T/dpkg.log" 2>&1 ||
		fail "dpkg -r failed: $(cat "$T/dpkg.log")"
	left=$(cd "$S" && find . -path ./var -prune -o -type f -print)
	[ -z "$left" ] || fail "dpkg -r left: $left"
else
	note "dpkg --root install not possible here ($(tail -n1 "$T/dpkg.log")): unpacking instead"
	dpkg-deb -x "$DEB" "$S"
	"$S/usr/bin/migc" compile -o "$T/deb.plan" "$S/usr/share/migstate/policies/miguser.xml" \
		2>/dev/null || fail "packaged migc cannot compile"
fi

# --- make static -------------------------------------------------------------------------
mk static
SB=$BUILD/migstate-static
assert_file "$SB"
if command -v readelf >/dev/null; then
	readelf -d "$SB" 2>&1 | has 'no dynamic section' || fail "$SB is dynamically linked"
	! readelf -l "$SB" | has INTERP || fail "$SB has an interpreter"
fi
expect_rc 0 "$SB" check-plan "$T/deb.plan"
size=$(stat -c %s "$SB")
note "static migstate: $size bytes ($((size / 1024)) KB, $(grep -o 'static: musl\|static: warning.*' "$T/make.log" | head -n1))"
