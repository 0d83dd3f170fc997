#!/usr/bin/env bash
# Count the instructions one UFFDIO_MOVE call of 2 MiB executes in the
# kernel, per function: boot each kernel on one vCPU with a gdb stub,
# run guest/suites/profile.sh, single-step the traced calls under gdb
# (bench/profile/trace-move.py) and sum them per function
# (bench/profile/per-function.py).  Exact, and slow: ~2 min per kernel.
#
#   bench/profile/run-profile.sh [-i INITRAMFS] [-o DIR] LABEL=OBJDIR...
#     OBJDIR is a kernel build directory: OBJDIR/vmlinux for the symbols,
#     OBJDIR/arch/x86/boot/bzImage to boot.
# Writes DIR/LABEL-{4k,thp}.txt and prints them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
initrd=$top/build/initramfs.cpio.gz out=$top/build/profile
while getopts i:o: opt; do
	case $opt in
	i) initrd=$OPTARG ;; o) out=$OPTARG ;;
	*) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "run-profile: no LABEL=OBJDIR given" >&2; exit 2; }
mkdir -p "$out"

for kv in "$@"; do
	label=${kv%%=*} obj=${kv#*=}
	port=$((20000 + RANDOM % 10000))
	echo "run-profile: $label ($obj), gdb port $port" >&2
	timeout 900 qemu-system-x86_64 -accel tcg -smp 1 -m 2G -nographic \
		-no-reboot -gdb "tcp:127.0.0.1:$port" -S \
		-kernel "$obj/arch/x86/boot/bzImage" -initrd "$initrd" \
		-append "console=ttyS0 quiet panic=-1 nokaslr uffd.suite=profile" \
		</dev/null >"$out/$label.log" 2>&1 &
	qemu=$!
	sleep 1
	GDB_PORT=$port TRACE_CALLS="3 6" TRACE_OUT=$out/$label- \
		timeout 600 gdb -q -batch -x "$here/trace-move.py" "$obj/vmlinux" \
		>"$out/$label-gdb.log" 2>&1 || true
	kill "$qemu" 2>/dev/null || true
	wait "$qemu" || true
	grep -a 'trace-move:' "$out/$label-gdb.log" >&2 || true
	nm -n "$obj/vmlinux" >"$out/$label.nm"
	for t in 4k:3 thp:6; do
		mode=${t%:*} call=${t#*:}
		[ -s "$out/$label-$call.pcs" ] ||
			{ echo "run-profile: $label: call $call not traced, see $out/$label-gdb.log" >&2; exit 1; }
		{
			echo "# $label, UFFDIO_MOVE of 2 MiB, $mode pages, from userfaultfd_ioctl()"
			"$here/per-function.py" "$out/$label.nm" "$out/$label-$call.pcs" 512
		} | tee "$out/$label-$mode.txt"
	done
done
