#!/usr/bin/env bash
# Run uffd-crossover natively and keep its CSV, with the load average
# before and after (the host is shared; the numbers mean little without it).
#
#   bench/crossover-host.sh UFFD_CROSSOVER OUT_DIR
# Writes OUT_DIR/crossover.log (everything) and OUT_DIR/crossover-raw.csv.
set -euo pipefail

bin=${1:?usage: crossover-host.sh UFFD_CROSSOVER OUT_DIR} out=${2:?usage: crossover-host.sh UFFD_CROSSOVER OUT_DIR}
label=host-$(uname -r)
mkdir -p "$out"
{
	echo "# loadavg before: $(cat /proc/loadavg)"
	rc=0
	"$bin" -k "$label" || rc=$?
	echo "# loadavg after: $(cat /proc/loadavg)"
	[ "$rc" = 0 ] || echo "# uffd-crossover exit status $rc"
} | tee "$out/crossover.log" | grep '^#' >&2 || true
grep -q '^# done' "$out/crossover.log" || { echo "crossover-host: uffd-crossover failed, see $out/crossover.log" >&2; exit 1; }
{
	echo "kernel,method,run_pages,others,cpus_others,median_ns,per_page_ns,cpu_median_ns,cpu_per_page_ns,run"
	sed -n 's/^xover,//p' "$out/crossover.log" | grep -v '^kernel,' | sed 's/$/,1/'
} >"$out/crossover-raw.csv"
