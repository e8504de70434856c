#!/usr/bin/env bash
# Install every Debian package the build, the tests and the demo need.
# Run as root on a fresh Debian 12 machine; safe to re-run.
set -euo pipefail
PKGS=(
	build-essential pkg-config make flex bison
	libxml2-dev libcriterion-dev
	e2fsprogs dosfstools fusefat fuse3 util-linux rsync
	python3 python3-jsonschema python3-rfc3987 binutils attr acl
	groff-base musl-tools
	xfsprogs btrfs-progs squashfs-tools erofs-utils
	mmdebstrap libcap2-bin openssh-client procps passwd
	ansible-core systemd debconf python3-yaml strace
)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages: ${missing[*]} (run as root, or install them yourself)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
