# Sourced by the scripts: paths and the kernel make wrapper.
# shellcheck shell=bash
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$top/build}
KTREE=${KTREE:-$BUILD/linux}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths under the checkout hash relatively: clones share the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top}

# kmake <flavour> <make args...>: build in $BUILD/obj-<flavour>.
kmake() {
	local flavour=$1
	shift
	make -C "$KTREE" O="$BUILD/obj-$flavour" CC="ccache gcc" -j"$(nproc)" "$@"
}

kernel_image() { echo "$BUILD/obj-$1/arch/x86/boot/bzImage"; }
