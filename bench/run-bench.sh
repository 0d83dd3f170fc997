#!/usr/bin/env bash
# Boot each kernel with the same initramfs running guest/suites/bench.sh and
# collect its CSV from the console log.
#
#   bench/run-bench.sh [options] LABEL=BZIMAGE...
#     -i INITRAMFS   initramfs with uffd-move-bench and the bench suite
#     -o DIR         output directory (default build/bench)
#     -n RUNS        boots per kernel; the report takes the median (default 1)
#     -q             quick matrix (bench.quick=1)
#     -d             deterministic: single-threaded TCG with
#                    -icount shift=0,sleep=off (guest time counts
#                    instructions; QEMU refuses -icount with MTTCG) and
#                    one vCPU (QEMU 7.2 hangs bringing up the second vCPU
#                    under -icount)
#     -a ARGS        extra kernel command line (e.g. the suite selector,
#                    bench.only=crossover)
#     -c CASES       what the suite runs, comma-separated (bench.cases=):
#                    matrix (uffd-move-bench's sweeps), art (its ART hot
#                    path: 1-page MOVE from a buffer against 1-page COPY),
#                    crossover (uffd-crossover); default all three
# Writes DIR/LABEL-RUN.log (console), DIR/raw.csv (uffd-move-bench) and
# DIR/crossover-raw.csv (uffd-crossover), with the kernel column replaced by
# LABEL and a trailing run column.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
initrd=$top/build/initramfs.cpio.gz out=$top/build/bench runs=1 quick=0 det=0
append=${BENCH_SUITE_ARG:-suite=bench}
while getopts i:o:n:qda:c: opt; do
	case $opt in
	i) initrd=$OPTARG ;; o) out=$OPTARG ;; n) runs=$OPTARG ;;
	q) quick=1 ;; d) det=1 ;; a) append="$append $OPTARG" ;;
	c)
		for c in ${OPTARG//,/ }; do
			case $c in matrix | art | crossover) ;; *)
				echo "run-bench: unknown case '$c' (matrix, art, crossover)" >&2
				exit 2
				;;
			esac
		done
		append="$append bench.cases=$OPTARG"
		;;
	*) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "run-bench: no LABEL=BZIMAGE given" >&2; exit 2; }
[ -f "$initrd" ] || { echo "run-bench: initramfs $initrd missing" >&2; exit 1; }

accel=(-accel "tcg,thread=multi" -smp 2)
[ "$det" = 1 ] && accel=(-accel "tcg,thread=single" -icount "shift=0,sleep=off" -smp 1)
[ "$quick" = 1 ] && append="$append bench.quick=1"
mkdir -p "$out"
echo "kernel,method,pages,size,request,threads,median_ns,per_page_ns,throughput_MiBps,run" >"$out/raw.csv"
echo "kernel,method,run_pages,others,cpus_others,median_ns,per_page_ns,cpu_median_ns,cpu_per_page_ns,run" \
	>"$out/crossover-raw.csv"

for kv in "$@"; do
	label=${kv%%=*} img=${kv#*=}
	[ -f "$img" ] || { echo "run-bench: $label: $img missing" >&2; exit 1; }
	for run in $(seq 1 "$runs"); do
		log=$out/$label-$run.log
		echo "run-bench: $label run $run/$runs ($img)" >&2
		timeout "${BENCH_TIMEOUT:-3600}" qemu-system-x86_64 "${accel[@]}" -m 2G \
			-nographic -no-reboot -kernel "$img" -initrd "$initrd" \
			-append "console=ttyS0 quiet panic=-1 $append" </dev/null >"$log" 2>&1 || true
		# Console output has CRLF line ends.
		sed -i 's/\r$//' "$log"
		grep -aE '^# [^,#]+,(move|copy|mremap-pmd|mremap-pte|art-move|art-copy),(4k|thp),' "$log" |
			sed -E "s/^# [^,]+,/$label,/; s/\$/,$run/" >>"$out/raw.csv" || true
		grep -aE '^# xover,[^,]+,(move|copy|copy-each),[0-9]' "$log" |
			sed -E "s/^# xover,[^,]+,/$label,/; s/\$/,$run/" >>"$out/crossover-raw.csv" || true
		{ grep -a '^# # warning' "$log" || true; } | sed "s/^# # /run-bench: $label: /" >&2
		for b in uffd-move-bench uffd-crossover; do
			grep -qaE "^ok [0-9]+ $b" "$log" ||
				{ echo "run-bench: $label run $run: $b did not pass, see $log" >&2; exit 1; }
		done
	done
done
echo "run-bench: $(($(wc -l <"$out/raw.csv") - 1)) rows in $out/raw.csv," \
	"$(($(wc -l <"$out/crossover-raw.csv") - 1)) in $out/crossover-raw.csv" >&2
