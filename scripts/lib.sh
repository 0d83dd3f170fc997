# Sourced by the scripts: paths, architectures and the kernel make wrapper.
# shellcheck shell=bash
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$top/build}
KTREE=${KTREE:-$BUILD/linux}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths under the checkout hash relatively: clones share the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top}

# A kernel flavour is built for the architecture its name starts with
# (arm64, arm64-debug, i386); every other flavour is x86_64.
flavour_arch() {
	case $1 in
	arm64*) echo arm64 ;;
	i386*) echo i386 ;;
	*) echo x86_64 ;;
	esac
}

# The cross toolchain prefix of an architecture (Debian's gcc-*-linux-gnu).
arch_cross() {
	case $1 in
	arm64) echo aarch64-linux-gnu- ;;
	i386) echo i686-linux-gnu- ;;
	*) echo "" ;;
	esac
}

# Where an architecture's guest programs and initramfs go; x86_64 keeps the
# historical names that the benchmark and example scripts use.
guest_bin_dir() { if [ "$1" = x86_64 ]; then echo "$BUILD/guest-bin"; else echo "$BUILD/guest-bin-$1"; fi; }
initramfs_of() { if [ "$1" = x86_64 ]; then echo "$BUILD/initramfs.cpio.gz"; else echo "$BUILD/initramfs-$1.cpio.gz"; fi; }

# kmake <flavour> <make args...>: build in $BUILD/obj-<flavour>.
kmake() {
	local flavour=$1 arch cross
	local -a archargs=()
	shift
	arch=$(flavour_arch "$flavour")
	cross=$(arch_cross "$arch")
	[ "$arch" = x86_64 ] || archargs=(ARCH="$arch" CROSS_COMPILE="$cross")
	make -C "$KTREE" O="$BUILD/obj-$flavour" "${archargs[@]}" CC="ccache ${cross}gcc" \
		-j"$(nproc)" "$@"
}

kernel_target() { case $(flavour_arch "$1") in arm64) echo Image ;; *) echo bzImage ;; esac; }
kernel_image() {
	case $(flavour_arch "$1") in
	arm64) echo "$BUILD/obj-$1/arch/arm64/boot/Image" ;;
	*) echo "$BUILD/obj-$1/arch/x86/boot/bzImage" ;;
	esac
}

# series_range: set base (the base tag), head (the top of the series) and
# orig (what to check out again when done) for the gates that walk it.
series_range() {
	base=$(git -C "$KTREE" describe --tags --abbrev=0 --match 'base-*')
	head=$(git -C "$KTREE" rev-parse HEAD)
	orig=$(git -C "$KTREE" symbolic-ref -q --short HEAD || echo "$head")
}

# The kernel objects of the .c files the series touches (tools/ aside).
touched_objects() {
	git -C "$KTREE" diff --name-only "$base" "$head" -- '*.c' |
		grep -v '^tools/' | sed 's/\.c$/.o/'
}

# Filter a build's output to its warnings and errors, without the tree's
# path and with no line or column (the series moves code around), sorted.
normalise_warnings() {
	grep -E 'warning:|error:' |
		sed -E "s#^$KTREE/##; s#:[0-9]+:[0-9]+:#:#; s#:[0-9]+:#:#" | sort -u
}
