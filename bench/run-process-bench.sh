#!/usr/bin/env bash
# Boot each kernel with the same initramfs running guest/suites/procbench.sh
# (uffd-process-bench) and collect its CSV from the console log.
#
#   bench/run-process-bench.sh -i INITRAMFS -o DIR [-n RUNS] LABEL=BZIMAGE...
# Writes DIR/LABEL-RUN.log and DIR/raw.csv (kernel column = LABEL, plus a
# run column).  The kernels run one after the other on the same machine.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
initrd=$top/build/initramfs.cpio.gz out=$top/build/procbench runs=1
while getopts i:o:n: opt; do
	case $opt in
	i) initrd=$OPTARG ;; o) out=$OPTARG ;; n) runs=$OPTARG ;;
	*) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "run-process-bench: no LABEL=BZIMAGE given" >&2; exit 2; }
mkdir -p "$out"
echo "kernel,scenario,thread,mover,ops,p50_us,p99_us,max_us,move_MiBps,run" >"$out/raw.csv"
for run in $(seq 1 "$runs"); do
	for kv in "$@"; do
		label=${kv%%=*} img=${kv#*=}
		[ -f "$img" ] || { echo "run-process-bench: $label: $img missing" >&2; exit 1; }
		log=$out/$label-$run.log
		echo "run-process-bench: $label run $run/$runs (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
		timeout 600 qemu-system-x86_64 -accel tcg,thread=multi -smp 2 -m 2G \
			-nographic -no-reboot -kernel "$img" -initrd "$initrd" \
			-append "console=ttyS0 quiet panic=-1 uffd.suite=procbench ${PROCBENCH_APPEND:-}" \
			</dev/null >"$log" 2>&1 || true
		sed -i 's/\r$//' "$log"
		grep -aE '^# # [^,]+,(alone|mmap|mprotect|fault|all),' "$log" |
			sed -E "s/^# # [^,]+,/$label,/; s/\$/,$run/" >>"$out/raw.csv"
		grep -qaE '^UFFD-SUITE-EXIT: 0' "$log" ||
			{ echo "run-process-bench: $label run $run failed, see $log" >&2; exit 1; }
	done
done
echo "run-process-bench: $(($(wc -l <"$out/raw.csv") - 1)) rows in $out/raw.csv" >&2
