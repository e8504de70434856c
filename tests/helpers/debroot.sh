# debroot.sh - a real Debian 12 (bookworm) system for end-to-end tests, on an ext4 loop
# image, with accounts made by the target's own shadow tools. Source it after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$REPO/tests/helpers/debroot.sh"
#
# The base system is built once by mmdebstrap from the Debian mirror this machine's apt
# uses and cached as a plain tarball under $MIGSTATE_DEBROOT_CACHE (default /var/tmp),
# named by a hash of what goes into it; later runs only extract it (a few seconds).
# Without the tarball and without network (or mmdebstrap) the test is skipped (77).
#
#   deb_root ROOT            ext4 image (1 GiB sparse) on ROOT with the base extracted
#   deb_chroot ROOT CMD...   run CMD inside (clean environment)
#   deb_as ROOT USER CMD...  run CMD inside as USER (her groups, by name in the target)
#   deb_useradd / deb_groupadd / deb_set_password / deb_add_to_group / deb_crontab
#   deb_check_accounts ROOT  pwck -r and grpck -r say nothing the base system does not
#   deb_uid / deb_gid / deb_user_of_uid / deb_group_of_gid   the target's account files
#   deb_reinstall_keep_home ROOT KEEP...   system deleted, /home kept, base extracted again
#   deb_reinstall_all ROOT KEEP...         everything deleted, base extracted again
#
# Nothing here changes the machine outside ROOT except the cache file.

DEB_SUITE=bookworm
# minbase is Priority: required + apt, which has passwd (useradd, groupadd, chpasswd,
# pwck, grpck) and login; cron brings the crontab group and crontab(1).
DEB_VARIANT=minbase
DEB_PACKAGES=passwd,login,cron
DEB_CACHE_DIR=${MIGSTATE_DEBROOT_CACHE:-/var/tmp}
# A cold build downloads the packages (tens of MB): give up (skip) well before run.sh's
# 300 s limit.
DEB_BUILD_TIMEOUT=${MIGSTATE_DEBROOT_TIMEOUT:-200}

# deb_mirror: the Debian archive URI apt uses here for $DEB_SUITE (one-line or deb822
# sources, the files apt reads), else deb.debian.org.
deb_mirror() {
	local files=() f uri
	[ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
	for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	uri=""
	if [ "${#files[@]}" -gt 0 ]; then
		uri=$(awk -v suite="$DEB_SUITE" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") &&
				    enabled != "no" && uris != "" && !found) { split(uris, u, " "); print u[1]; found = 1 }
				types = suites = uris = enabled = ""
			}
			FILENAME ~ /\.sources$/ {
				if ($0 ~ /^[ \t]*$/) { flush(); next }
				if ($0 ~ /^#/) next
				key = tolower($1); sub(/:$/, "", key); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled") enabled = tolower(val)
				next
			}
			FNR == 1 { flush() }
			$1 == "deb" && !found {
				i = 2
				if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
				if ($(i + 1) == suite) { print $i; found = 1 }
			}
			END { flush() }' "${files[@]}" 2>/dev/null | head -n1)
	fi
	echo "${uri:-http://deb.debian.org/debian}"
}

# _deb_cached: true when the cached tarball exists; fails when it is not safe to use. We
# extract it and run its useradd as root, and /var/tmp is writable by everyone: only a
# regular file of root's that nobody else can write is taken.
_deb_cached() {
	[ -e "$DEB_TARBALL" ] || [ -L "$DEB_TARBALL" ] || return 1
	local owner mode
	read -r owner mode < <(stat -c '%u %a' "$DEB_TARBALL")
	[ -f "$DEB_TARBALL" ] && [ ! -L "$DEB_TARBALL" ] && [ "$owner" = 0 ] && (((8#$mode & 8#022) == 0)) ||
		fail "refusing the cached Debian root $DEB_TARBALL (owner uid $owner, mode $mode): it must be a regular file of root's, writable by root only; remove it to build it again"
	[ -s "$DEB_TARBALL" ]
}

# deb_tarball: set DEB_TARBALL to the cached base system, building it if needed.
deb_tarball() {
	local key lock mirror tmp log rc part
	key=$(printf '%s\n' "$DEB_SUITE" "$DEB_VARIANT" "$DEB_PACKAGES" | sha256sum | cut -c1-12)
	DEB_TARBALL=$DEB_CACHE_DIR/migstate-debroot-$DEB_SUITE-$key.tar
	_deb_cached && return 0
	command -v mmdebstrap >/dev/null 2>&1 ||
		skip "no cached Debian root ($DEB_TARBALL) and no mmdebstrap to build it (apt-get install mmdebstrap; see .ci/deps.sh)"
	mkdir -p "$DEB_CACHE_DIR"
	# One build at a time: a second test waits for the first one's tarball. The lock is
	# the cache directory itself (no lock file anyone could plant in /var/tmp).
	exec {lock}<"$DEB_CACHE_DIR"
	flock -w "$((DEB_BUILD_TIMEOUT + 30))" "$lock" || skip "another test is building $DEB_TARBALL"
	if _deb_cached; then
		exec {lock}<&-
		return 0
	fi
	mirror=$(deb_mirror)
	# mmdebstrap's own scratch chroot (it bind-mounts /dev, /proc and /sys there while
	# it runs): never removed across filesystems.
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/migstate-mmdebstrap.XXXXXX")
	at_exit "rm -rf --one-file-system '$tmp'"
	log=$tmp/mmdebstrap.log
	note "building Debian $DEB_SUITE ($DEB_VARIANT + $DEB_PACKAGES) from $mirror into $DEB_TARBALL"
	rc=0
	TMPDIR=$tmp timeout "$DEB_BUILD_TIMEOUT" mmdebstrap --mode=root --format=tar \
		--variant="$DEB_VARIANT" --include="$DEB_PACKAGES" \
		"$DEB_SUITE" "$tmp/base.tar" "$mirror" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 15 "$log" | sed 's/^/# mmdebstrap: /' >&2
		local why
		why=$(grep -m1 -E '^(E:|W: .*(Failed|resolve|connect))' "$log" || true)
		[ "$rc" -eq 124 ] && why="no result within ${DEB_BUILD_TIMEOUT}s"
		skip "cannot download Debian $DEB_SUITE from $mirror with mmdebstrap (network needed once, then cached in $DEB_CACHE_DIR): ${why:-exit $rc}"
	fi
	# complete or absent: a name of our own in the cache directory, then one rename
	part=$(mktemp "$DEB_CACHE_DIR/.migstate-debroot.XXXXXX")
	at_exit "rm -f '$part'"
	mv -fT "$tmp/base.tar" "$part"
	chmod 0644 "$part"
	mv -fT "$part" "$DEB_TARBALL"
	exec {lock}<&-
	note "cached $DEB_TARBALL ($(du -h "$DEB_TARBALL" | cut -f1))"
}

# deb_extract ROOT: the base system onto ROOT, owners, modes and xattrs as built.
deb_extract() {
	tar --numeric-owner --xattrs --xattrs-include='*' -xpf "$DEB_TARBALL" -C "$1"
}

# deb_root ROOT [MB]: a fresh ext4 image (1 GiB sparse by default) on ROOT, base extracted.
deb_root() {
	need_root
	need_cmd chroot
	deb_tarball
	mk_ext4 "$1" "${2:-1024}"
	deb_extract "$1"
	[ -x "$1/usr/sbin/useradd" ] || fail "the base system has no useradd"
	_deb_account_report "$1" >"$_deb_account_base"
}

# What pwck -r and grpck -r say about ROOT, with their exit codes. The base system
# itself is not silent: base-passwd's system users (man, lp, news, uucp, www-data,
# list, irc) have homes no package of minbase makes, so pwck -r exits 2 there.
_deb_account_base=$(mktemp "${TMPDIR:-/tmp}/migstate-debroot-accounts.XXXXXX")
at_exit "rm -f '$_deb_account_base'"
_deb_account_report() {
	local rc
	rc=0
	deb_chroot "$1" pwck -r 2>&1 || rc=$?
	echo "pwck exit $rc"
	rc=0
	deb_chroot "$1" grpck -r 2>&1 || rc=$?
	echo "grpck exit $rc"
}

# deb_check_accounts ROOT: pwck -r and grpck -r report nothing the pristine base system
# did not (same lines, same exit codes): the account files the test's tools (or
# migstate) wrote are consistent.
deb_check_accounts() {
	local now extra
	now=$(_deb_account_report "$1")
	extra=$(LC_ALL=C comm -13 <(LC_ALL=C sort "$_deb_account_base") <(printf '%s\n' "$now" | LC_ALL=C sort))
	[ -z "$extra" ] || fail "pwck -r / grpck -r in $1 report more than on the base system: $extra"
}

# deb_chroot ROOT CMD...: CMD inside ROOT with a clean environment. No /proc is mounted:
# useradd, groupadd, usermod, chpasswd (PAM), crontab, setpriv, pwck and grpck of
# bookworm do not need it, and a reinstall then has no mount to step around.
deb_chroot() {
	local root=$1
	shift
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"
}

# deb_as ROOT USER CMD...: CMD as USER (uid, primary and supplementary groups resolved by
# the target), umask 022 like a login.
deb_as() {
	local root=$1 user=$2
	shift 2
	deb_chroot "$root" env HOME="$(deb_home "$root" "$user")" USER="$user" LOGNAME="$user" \
		setpriv --reuid="$user" --regid="$(deb_gid "$root" "$user")" --init-groups \
		sh -c 'umask 022; cd "$HOME" && exec "$@"' sh "$@"
}

# Accounts, made by the target's tools exactly as an admin or an installer would.
deb_useradd() { # ROOT NAME [GECOS]: useradd -m, bash, user private group
	deb_chroot "$1" useradd -m -s /bin/bash -c "${3:-$2}" "$2"
}
deb_groupadd() { deb_chroot "$1" groupadd "$2"; }                 # ROOT NAME
deb_add_to_group() { deb_chroot "$1" usermod -a -G "$3" "$2"; }  # ROOT USER GROUP
deb_set_password() { printf '%s:%s\n' "$2" "$3" | deb_chroot "$1" chpasswd; } # ROOT USER PASSWORD
deb_crontab() { printf '%s\n' "$3" | deb_chroot "$1" crontab -u "$2" -; } # ROOT USER LINE

# The target's account files, read directly (no NSS of this machine involved).
_deb_field() { # FILE KEYFIELD KEY WANTFIELD
	awk -F: -v k="$3" -v kf="$2" -v wf="$4" '$kf == k { print $wf; exit }' "$1"
}
deb_uid() { _deb_field "$1/etc/passwd" 1 "$2" 3; }
deb_gid() { _deb_field "$1/etc/passwd" 1 "$2" 4; }           # primary gid of a user
deb_home() { _deb_field "$1/etc/passwd" 1 "$2" 6; }
deb_group_gid() { _deb_field "$1/etc/group" 1 "$2" 3; }
deb_user_of_uid() { local n; n=$(_deb_field "$1/etc/passwd" 3 "$2" 1); echo "${n:--}"; }
deb_group_of_gid() { local n; n=$(_deb_field "$1/etc/group" 3 "$2" 1); echo "${n:--}"; }
deb_group_members() { _deb_field "$1/etc/group" 1 "$2" 4; }

# _deb_wipe ROOT KEEP...: delete every top-level entry of ROOT but lost+found and the
# KEEP names (never across a mount).
_deb_wipe() {
	local root=$1 e name k keep
	shift
	for e in "$root"/* "$root"/.[!.]* "$root"/..?*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		name=${e##*/}
		keep=0
		for k in lost+found "$@"; do [ "$name" = "$k" ] && keep=1; done
		[ "$keep" = 1 ] || rm -rf --one-file-system "$e"
	done
}

# A reinstall that does not format and keeps /home (Ubuntu/Debian "do not format",
# Pop!_OS Refresh): the system directories go, /home and the KEEP entries (the store)
# stay, the base system is extracted again (new /etc: no accounts but the system ones).
deb_reinstall_keep_home() {
	local root=$1
	shift
	_deb_wipe "$root" home "$@"
	deb_extract "$root"
}

# A reinstall that deletes everything but the KEEP entries (the store), homes too.
deb_reinstall_all() {
	local root=$1
	shift
	_deb_wipe "$root" "$@"
	deb_extract "$root"
}
