#!/usr/bin/env bash
# Install the Debian packages the project needs; a no-op when all are there.
set -euo pipefail

pkgs=(build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
      rsync xz-utils ccache sparse python3 python3-ply python3-git git
      qemu-system-x86 busybox-static gnuplot-nox
      linux-source-6.1 linux-source-6.12
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
      gcc-i686-linux-gnu libc6-dev-i386-cross)
# The arm64 and i386 guests' busybox-static is downloaded from Debian
# (scripts/fetch-busybox.sh), which needs those architectures in dpkg.
foreign=(arm64 i386)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
newarch=()
for a in "${foreign[@]}"; do
	dpkg --print-foreign-architectures | grep -qx "$a" || newarch+=("$a")
done
[ ${#missing[@]} -eq 0 ] && [ ${#newarch[@]} -eq 0 ] && exit 0
for a in "${newarch[@]}"; do
	echo "install-deps: adding the $a architecture to dpkg"
	dpkg --add-architecture "$a"
done
export DEBIAN_FRONTEND=noninteractive
# A mirror in the middle of a sync fails one index (seen on bookworm-security
# i386); the install below fails by itself if a package it needs is missing.
apt-get update -qq || echo "install-deps: apt-get update reported errors; installing anyway" >&2
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
apt-get install -y -qq "${missing[@]}" >/dev/null
