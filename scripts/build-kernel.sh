#!/usr/bin/env bash
# build-kernel.sh [--config-only] <flavour>: configure tinyconfig +
# configs/guest.config + the architecture's configs/arch-*.config (+
# configs/debug.config for a debug flavour) in $BUILD/obj-<flavour> and build
# the kernel image there.  Flavours: guest, debug and warn (x86_64; "warn" is
# the guest config in its own directory, for the W=1/sparse gate), arm64,
# arm64-debug, i386 (PAE, HIGHPTE), and matrix-<name> (x86_64 with
# configs/matrix/<name>.config on top, compile-only, see gate-config-matrix.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

config_only=0
[ "${1:-}" = --config-only ] && { config_only=1; shift; }
flavour=${1:?usage: build-kernel.sh [--config-only] guest|debug|warn|arm64|arm64-debug|i386}
arch=$(flavour_arch "$flavour")
frags=("$top/configs/guest.config")
case $arch in
arm64) frags+=("$top/configs/arch-arm64.config") ;;
*) frags+=("$top/configs/arch-x86.config" "$top/configs/arch-$arch.config") ;;
esac
case $flavour in
*debug*) frags+=("$top/configs/debug.config") ;;
matrix-*) frags+=("$top/configs/matrix/${flavour#matrix-}.config") ;;
esac
obj=$BUILD/obj-$flavour
mkdir -p "$obj"

# Reconfigure only when a fragment changed, so that rebuilds stay incremental.
stamp=$obj/.config-fragments
want=$(cat "${frags[@]}" | sha256sum)
if [ ! -f "$obj/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	kmake "$flavour" -s tinyconfig >/dev/null
	"$KTREE/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null 2>&1
	kmake "$flavour" -s olddefconfig
	echo "$want" >"$stamp"
fi

# Every requested option must have survived olddefconfig.
missing=$(cat "${frags[@]}" | grep -E '^(CONFIG_|# CONFIG_.* is not set)' | sort -u |
	while read -r line; do
		# a later fragment may override an earlier one's value
		name=$(echo "$line" | grep -oE 'CONFIG_[A-Za-z0-9_]+')
		last=$(cat "${frags[@]}" | grep -E "^($name=|# $name is not set)" | tail -1)
		[ "$line" = "$last" ] || continue
		grep -qxF "$line" "$obj/.config" && continue
		# "not set" also holds for an option the architecture lacks
		case $line in "# "*) grep -q "^$name=" "$obj/.config" || continue ;; esac
		echo "$line"
	done)
if [ -n "$missing" ]; then
	echo "build-kernel: FAIL: $flavour config lacks:" $missing >&2
	exit 1
fi

[ "$config_only" = 1 ] && exit 0

log=$obj/build.log
if ! kmake "$flavour" -s "$(kernel_target "$flavour")" >"$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -40 >&2
	echo "build-kernel: FAIL: the $flavour kernel does not build at $(git -C "$KTREE" log -1 --format='%h %s'); see $log" >&2
	exit 1
fi
echo "build-kernel: $(kernel_image "$flavour") ($(kmake "$flavour" -s kernelrelease))"
