#!/usr/bin/env bash
# Pack busybox, guest/init, guest/suites/*.sh and $BUILD/guest-bin/* into
# $BUILD/initramfs.cpio.gz.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root=$BUILD/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,suites,mnt}
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp "$top/guest/init" "$root/init"
cp "$top/guest/tap.sh" "$root/tap.sh"
cp "$top"/guest/suites/*.sh "$root/suites/"
if [ -d "$BUILD/guest-bin" ]; then
	cp "$BUILD"/guest-bin/* "$root/bin/"
fi
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$BUILD/initramfs.cpio.gz"
echo "make-initramfs: $BUILD/initramfs.cpio.gz ($(du -h "$BUILD/initramfs.cpio.gz" | cut -f1))"
