#!/usr/bin/env bash
# Build a reference kernel out of tree into build/obj-ref-VERSION with the
# guest config fragments: VERSION 6.12 (Debian's linux-source-6.12, the
# default) or 7.3 (linux-source-7.3 from trixie-backports, fetched by
# scripts/fetch-linux-7.3.sh).  It is only measured by the benchmarks and the
# profile; none of its code goes into the series.  Skipped when bzImage is
# newer than every config input.  REF_BASE_CONFIG (default tinyconfig) is the
# make target the fragments are merged onto: keep it the guest kernel's.
#
#   scripts/build-ref-kernel.sh [VERSION]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ver=${1:-6.12}
case $ver in
6.12) tarball=${REF_TARBALL:-/usr/src/linux-source-6.12.tar.xz} ;;
7.3) tarball=${REF_TARBALL:-$top/build/dl/linux-source-7.3.tar.xz} ;;
*) echo "build-ref-kernel: unknown version $ver (6.12 or 7.3)" >&2; exit 2 ;;
esac
src=$top/build/src-ref-$ver
obj=$top/build/obj-ref-$ver
img=$obj/arch/x86/boot/bzImage
guest=$top/configs/guest.config
[ -f "$guest" ] || guest=$top/bench/ref-minimal.config
frags=("$guest")
for f in arch-x86 arch-x86_64 "ref-$ver"; do [ -f "$top/configs/$f.config" ] && frags+=("$top/configs/$f.config"); done
[ -f "$top/configs/debug.config" ] && [ "${REF_DEBUG:-0}" = 1 ] && frags+=("$top/configs/debug.config")

if [ ! -f "$tarball" ]; then
	echo "build-ref-kernel: $tarball missing" >&2
	[ "$ver" = 6.12 ] && echo "  apt-get install -y linux-source-6.12" >&2
	[ "$ver" = 7.3 ] && echo "  scripts/fetch-linux-7.3.sh" >&2
	exit 1
fi

fresh=1
for f in "$tarball" "${frags[@]}" "$0"; do [ "$img" -nt "$f" ] || fresh=0; done
if [ "$fresh" = 1 ]; then echo "build-ref-kernel: $img is up to date"; exit 0; fi

if [ ! -f "$src/Makefile" ]; then
	rm -rf "$src" "$src.tmp"; mkdir -p "$src.tmp"
	tar -C "$src.tmp" -xf "$tarball"
	mv "$src.tmp/linux-source-$ver" "$src"; rmdir "$src.tmp"
fi

kmake() { make -C "$src" O="$obj" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" "$@"; }
mkdir -p "$obj"
kmake -s "${REF_BASE_CONFIG:-tinyconfig}"
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null
kmake -s olddefconfig
for opt in USERFAULTFD TRANSPARENT_HUGEPAGE SMP SERIAL_8250_CONSOLE BLK_DEV_INITRD PROC_PAGE_MONITOR; do
	grep -qx "CONFIG_$opt=y" "$obj/.config" || { echo "build-ref-kernel: CONFIG_$opt not set" >&2; exit 1; }
done
kmake -j"$(nproc)" bzImage
echo "build-ref-kernel: $img"
