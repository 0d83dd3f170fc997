#!/usr/bin/env bash
# make-initramfs.sh [arch]: pack busybox, guest/init, guest/suites/*.sh and
# the architecture's guest programs (default x86_64: $BUILD/guest-bin) into
# its initramfs ($BUILD/initramfs.cpio.gz, or initramfs-<arch>.cpio.gz).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:-${GUEST_ARCH:-x86_64}}
bin=$(guest_bin_dir "$arch")
out=$(initramfs_of "$arch")
busybox=$("$top/scripts/fetch-busybox.sh" "$arch")
root=$BUILD/initramfs-root-$arch
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,suites,mnt}
cp "$busybox" "$root/bin/busybox"
# The host's busybox (the same Debian version) lists the applets.
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp "$top/guest/init" "$root/init"
cp "$top/guest/tap.sh" "$root/tap.sh"
cp "$top"/guest/suites/*.sh "$root/suites/"
if [ -d "$bin" ]; then
	cp "$bin"/* "$root/bin/"
fi
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$out"
echo "make-initramfs: $out ($(du -h "$out" | cut -f1))"
