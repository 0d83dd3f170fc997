#!/usr/bin/env bash
# fetch-busybox.sh <arch>: print the path of a static busybox for a guest
# architecture.  x86_64 uses the host's (busybox-static); another
# architecture's package is downloaded from Debian (dpkg multiarch, set up by
# install-deps.sh) and unpacked into $BUILD/busybox-<arch> once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: fetch-busybox.sh x86_64|arm64|i386}
if [ "$arch" = x86_64 ]; then
	echo /bin/busybox
	exit 0
fi
dir=$BUILD/busybox-$arch
if [ ! -x "$dir/bin/busybox" ]; then
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	(cd "$dir.tmp" && apt-get download -q "busybox-static:$arch" 2>&1 >/dev/null | { grep -v "unsandboxed as root" || true; } >&2)
	dpkg-deb -x "$dir.tmp"/busybox-static_*.deb "$dir.tmp/root"
	rm -rf "$dir"
	mv "$dir.tmp/root" "$dir"
	rm -rf "$dir.tmp"
fi
echo "$dir/bin/busybox"
