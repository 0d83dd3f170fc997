#!/usr/bin/env bash
# build-selftests.sh [arch]: install the tree's uAPI headers for the guest
# architecture (default x86_64) and build the vm selftests the guest runs,
# static, into its guest-bin directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:-${GUEST_ARCH:-x86_64}}
cross=$(arch_cross "$arch")
uapi=$BUILD/uapi
[ "$arch" = x86_64 ] || uapi=$BUILD/uapi-$arch
make -s -C "$KTREE" O="$BUILD/obj-headers-$arch" ARCH="$arch" headers_install INSTALL_HDR_PATH="$uapi"
vm=$KTREE/tools/testing/selftests/vm
bin=$(guest_bin_dir "$arch")
mkdir -p "$bin"
cc=("${cross}gcc" -O2 -static -pthread -isystem "$uapi/include" -I "$KTREE/tools/testing/selftests")

# The base's own test, with the selftests Makefile's warning flags.
"${cc[@]}" -Wall -I "$KTREE/tools/testing/selftests/vm" -o "$bin/userfaultfd" \
	"$vm/userfaultfd.c" "$vm/vm_util.c"
# The series' tests, held to -Wall -Wextra -Werror.
if [ -f "$vm/uffd-move-tests.c" ]; then
	"${cc[@]}" -Wall -Wextra -Werror -o "$bin/uffd-move-tests" "$vm/uffd-move-tests.c"
fi
echo "build-selftests: $arch: $(cd "$bin" && ls | tr '\n' ' ')"
