#!/usr/bin/env bash
# Install the Debian packages the project needs; a no-op when all are there.
set -euo pipefail

pkgs=(build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
      rsync xz-utils ccache sparse python3 python3-ply python3-git git
      qemu-system-x86 busybox-static gnuplot-nox
      linux-source-6.1 linux-source-6.12)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
