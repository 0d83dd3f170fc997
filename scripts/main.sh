#!/usr/bin/env bash
# The main command: build the patched kernel, boot it, run the example of
# the project (a concurrent compacting GC on UFFDIO_MOVE against UFFDIO_COPY)
# and print its summary; then run the example natively when the host kernel
# has UFFDIO_MOVE (only native times predict hardware).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$top/scripts/install-deps.sh"
"$top/scripts/prepare-tree.sh"
"$top/scripts/build-kernel.sh" guest
make -s -C "$top" initramfs
rc=0
"$top/scripts/run-guest.sh" guest example >/dev/null || rc=$?
log=$BUILD/logs/guest-example.log
echo
echo "=== TCG guest, this series: UFFDIO_MOVE on $(grep -m1 '^UFFD-GUEST:' "$log" | sed 's/^UFFD-GUEST: //') ==="
echo "These times compare kernels (this series against another kernel under the same"
echo "emulation), not MOVE with COPY: under TCG a TLB-flush IPI is nearly free and memcpy"
echo "is slow, and the vCPUs share a busy host.  Only the native times below predict hardware."
echo
# The example's own report, without the TAP plumbing.
sed -n '/^UFFD-GUEST:/,/^UFFD-SUITE-EXIT:/p' "$log" | sed -n 's/^# //p' |
	grep -vE '^(ok|not ok) [0-9]+ |^TAP version|^1\.\.' || true
echo
if [ "$rc" = 0 ]; then
	echo "example: verification OK, kernel console clean ($log)"
else
	echo "example: FAILED, see $log" >&2
fi
echo
"$top/scripts/example-native.sh" "$BUILD/guest-bin/gc-compact" || rc=1
exit $rc
