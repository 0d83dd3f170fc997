#!/usr/bin/env bash
# Install the tree's uAPI headers into $BUILD/uapi and build the vm
# selftests the guest runs, static, into $BUILD/guest-bin.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

make -s -C "$KTREE" O="$BUILD/obj-headers" ARCH=x86_64 headers_install INSTALL_HDR_PATH="$BUILD/uapi"
vm=$KTREE/tools/testing/selftests/vm
bin=$BUILD/guest-bin
mkdir -p "$bin"
cc=(gcc -O2 -static -pthread -isystem "$BUILD/uapi/include" -I "$KTREE/tools/testing/selftests")

# The base's own test, with the selftests Makefile's warning flags.
"${cc[@]}" -Wall -I "$KTREE/tools/testing/selftests/vm" -o "$bin/userfaultfd" \
	"$vm/userfaultfd.c" "$vm/vm_util.c"
# The series' tests, held to -Wall -Wextra -Werror.
if [ -f "$vm/uffd-move-tests.c" ]; then
	"${cc[@]}" -Wall -Wextra -Werror -o "$bin/uffd-move-tests" "$vm/uffd-move-tests.c"
fi
echo "build-selftests: $(cd "$bin" && ls | tr '\n' ' ')"
