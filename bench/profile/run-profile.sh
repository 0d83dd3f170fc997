#!/usr/bin/env bash
# Count the instructions one UFFDIO_MOVE call executes in the kernel, per
# function: 2 MiB of 4 KiB pages, one 2 MiB THP, and one 4 KiB page alone.
# Boot each kernel on one vCPU with a gdb stub, run guest/suites/profile.sh,
# single-step the traced calls under gdb (bench/profile/trace-move.py), sum
# them per function (bench/profile/per-function.py), and put the kernels
# side by side (bench/profile/compare.py).  Exact, and slow: ~3 min per
# kernel.
#
#   bench/profile/run-profile.sh [-i INITRAMFS] [-o DIR] LABEL=OBJDIR...
#     OBJDIR is a kernel build directory: OBJDIR/vmlinux for the symbols,
#     OBJDIR/arch/x86/boot/bzImage to boot.
# Writes DIR/LABEL-{4k,thp,page}.txt, DIR/compare-{4k,thp,page}.txt (the
# first LABEL against each other one), and prints them.
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
	GDB_PORT=$port TRACE_CALLS="3 6 9" TRACE_OUT=$out/$label- \
		timeout 600 gdb -q -batch -x "$here/trace-move.py" "$obj/vmlinux" \
		>"$out/$label-gdb.log" 2>&1 || true
	kill "$qemu" 2>/dev/null || true
	wait "$qemu" || true
	grep -a 'trace-move:' "$out/$label-gdb.log" >&2 || true
	nm -n "$obj/vmlinux" >"$out/$label.nm"
	for t in 4k:3:512 thp:6:512 page:9:1; do
		mode=${t%%:*} call=${t#*:} pages=${t##*:} call=${call%:*}
		[ -s "$out/$label-$call.pcs" ] ||
			{ echo "run-profile: $label: call $call not traced, see $out/$label-gdb.log" >&2; exit 1; }
		what="2 MiB, $mode pages"
		[ "$mode" = page ] && what="one 4 KiB page"
		{
			echo "# $label, UFFDIO_MOVE of $what, from userfaultfd_ioctl()"
			"$here/per-function.py" "$out/$label.nm" "$out/$label-$call.pcs" "$pages" 25
		} | tee "$out/$label-$mode.txt"
	done
done

# Side by side: every function of either kernel, the first LABEL's columns
# first.
labels=()
for kv in "$@"; do labels+=("${kv%%=*}"); done
[ ${#labels[@]} -gt 1 ] || exit 0
for t in 4k:3:512 thp:6:512 page:9:1; do
	mode=${t%%:*} call=${t#*:} pages=${t##*:} call=${call%:*}
	args=()
	for l in "${labels[@]}"; do args+=("$l=$out/$l.nm:$out/$l-$call.pcs"); done
	"$here/compare.py" "$pages" "${args[@]}" | tee "$out/compare-$mode.txt"
done
