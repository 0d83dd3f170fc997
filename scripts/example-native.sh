#!/usr/bin/env bash
# example-native.sh [GC_COMPACT]: run the example natively on this machine,
# when its kernel has UFFDIO_MOVE, and print its tables labelled with the
# host kernel; otherwise say why there is no native table.  Only native times
# predict hardware.  Exit status: 0 ran or skipped, 1 failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bin=${1:-$BUILD/guest-bin/gc-compact}
rel=$(uname -r)
ver=$(echo "$rel" | grep -oE '^[0-9]+\.[0-9]+')
# The heaps: the guest's default, runs of mean 32 pages (some above the
# crossover), long live runs, and THPs; each method 9 times, interleaved,
# medians: with 3 the wall times of one heap still spread 2-3x here.
runs=('--mixed' '--mixed --mean-run 32' '--mixed --live 0.8 --mean-run 64' '--mixed --thp on')
repeat=9

echo "=== native, host kernel $ver ($rel) ==="
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
"$bin" --method move --heap 64K --allocator off >"$out" 2>&1 || rc=$?
if [ "$rc" = 4 ]; then
	echo "no native table: $(sed -n 's/^1\.\.0 # SKIP //p' "$out") on the host kernel $rel"
	echo "(UFFDIO_API does not offer UFFD_FEATURE_MOVE; upstream has it from 6.8)."
	exit 0
fi
fail=0
for args in "${runs[@]}"; do
	echo
	echo "--- gc-compact $args --repeat $repeat (loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
	rc=0
	# shellcheck disable=SC2086 # word splitting of args is intended
	"$bin" $args --repeat "$repeat" >"$out" 2>&1 || rc=$?
	grep -vE '^(ok|not ok) [0-9]+ |^TAP version|^1\.\.|^# Totals' "$out" | sed 's/^# //'
	[ "$rc" = 0 ] || { echo "gc-compact $args: exit status $rc" >&2; fail=1; }
done
echo
echo "The host is shared with other builds: the load average is printed with each run;"
echo "coll_cpu (the collector's CPU time) is less sensitive to it than total_ms."
exit $fail
