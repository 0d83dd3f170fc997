#!/usr/bin/env bash
# run-guest.sh <flavour> <suite>: boot the kernel of that flavour with its
# architecture's initramfs under QEMU TCG (2 vCPUs, hard timeout), run the suite, keep
# the console log in $BUILD/logs, and record its TAP results and the console
# checks.  Exit status: 0 only if everything passed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record.sh"

flavour=${1:?usage: run-guest.sh flavour suite}
suite=${2:?usage: run-guest.sh flavour suite}
mem=${GUEST_MEM:-2G}
timeout=${GUEST_TIMEOUT:-1500}
log=$BUILD/logs/$flavour-$suite.log
mkdir -p "$BUILD/logs"

start=$(date +%s)
rc=0
arch=$(flavour_arch "$flavour")
case $arch in
arm64)
	# pauth-impdef: QEMU's own pointer-authentication hash, much cheaper
	# to emulate than the architected QARMA one.
	qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on)
	console=ttyAMA0 ;;
i386) qemu=(qemu-system-i386) console=ttyS0 ;;
*) qemu=(qemu-system-x86_64) console=ttyS0 ;;
esac
timeout --foreground -k 10 "$timeout" "${qemu[@]}" -accel tcg,thread=multi -smp 2 -m "$mem" \
	-nographic -no-reboot -kernel "$(kernel_image "$flavour")" -initrd "$(initramfs_of "$arch")" \
	-append "console=$console panic=-1 uffd.suite=$suite ${GUEST_APPEND:-}" </dev/null >"$log" 2>&1 || rc=$?
secs=$(($(date +%s) - start))
# Console output has CRLF line ends.
sed -i 's/\r$//' "$log"

fail=0
# The suite's TAP results.
while IFS= read -r line; do
	case $line in
	"not ok "*) record fail "$flavour/$suite: ${line#not ok [0-9]* }"; fail=1 ;;
	"ok "*) record ok "$flavour/$suite: ${line#ok [0-9]* }" ;;
	esac
done < <(sed -n '/^UFFD-GUEST:/,/^UFFD-SUITE-EXIT:/p' "$log" | grep -E '^(not )?ok [0-9]+ ')
# Point at the failed assertions (kselftest_harness: "file:line:test:Expected").
if [ "$fail" = 1 ]; then
	echo "  see $log:"
	{ grep -E '\.c:[0-9]+:[A-Za-z0-9_]+:Expected' "$log" || true; } | head -5 | sed 's/^[# ]*/    /'
fi

if "$top/scripts/check-console.sh" "$log"; then
	record ok "$flavour/$suite: console clean, 2 cpus, patched kernel, ${secs}s"
else
	record fail "$flavour/$suite: console check (see $log, qemu exit $rc)"
	fail=1
fi
exit $fail
