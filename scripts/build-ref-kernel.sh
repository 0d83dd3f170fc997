#!/usr/bin/env bash
# Build the reference kernel (Debian linux-source-6.12) out of tree into
# build/obj-ref-6.12 with the guest config fragments. It is only measured by
# the benchmark; none of its code goes into the series. Skipped when bzImage
# is newer than every config input.  REF_BASE_CONFIG (default tinyconfig) is
# the make target the fragments are merged onto: keep it the guest kernel's.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=${REF_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
src=$top/build/src-ref-6.12
obj=$top/build/obj-ref-6.12
img=$obj/arch/x86/boot/bzImage
guest=$top/configs/guest.config
[ -f "$guest" ] || guest=$top/bench/ref-minimal.config
frags=("$guest")
for f in arch-x86 arch-x86_64 ref-6.12; do [ -f "$top/configs/$f.config" ] && frags+=("$top/configs/$f.config"); done
[ -f "$top/configs/debug.config" ] && [ "${REF_DEBUG:-0}" = 1 ] && frags+=("$top/configs/debug.config")

[ -f "$tarball" ] || { echo "build-ref-kernel: $tarball missing (apt-get install -y linux-source-6.12)" >&2; exit 1; }

fresh=1
for f in "$tarball" "${frags[@]}" "$0"; do [ "$img" -nt "$f" ] || fresh=0; done
if [ "$fresh" = 1 ]; then echo "build-ref-kernel: $img is up to date"; exit 0; fi

if [ ! -f "$src/Makefile" ]; then
	rm -rf "$src" "$src.tmp"; mkdir -p "$src.tmp"
	tar -C "$src.tmp" -xf "$tarball"
	mv "$src.tmp"/linux-source-6.12 "$src"; rmdir "$src.tmp"
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
