#!/bin/sh
# Guest suite: uffd-move-bench and uffd-crossover.  Their CSV lines are
# passed on as TAP comments ("# kernel,method,..." and "# xover,...") for
# bench/run-bench.sh to collect from the console log.  Kernel command line
# knobs: bench.quick=1, bench.reps=N (uffd-move-bench), bench.only=matrix or
# bench.only=crossover (run one of the two; default both), bench.cases=LIST
# (comma-separated matrix, art, crossover: the size and request sweeps and
# the ART hot path of uffd-move-bench, uffd-crossover; default all three).
set -eu

args='' only='' cases=matrix,art,crossover
# shellcheck disable=SC2013 # the command line is one line of words
for w in $(cat /proc/cmdline); do
	case $w in
	bench.quick=1) args="$args --quick" ;;
	bench.reps=*) args="$args --reps ${w#bench.reps=}" ;;
	bench.only=*) only=${w#bench.only=} ;;
	bench.cases=*) cases=${w#bench.cases=} ;;
	esac
done
# has CASE: CASE is in the comma-separated $cases
has() { case ,$cases, in *,$1,*) return 0 ;; esac; return 1; }
mb_cases=''
for c in matrix art; do has $c && mb_cases=${mb_cases:+$mb_cases,}$c; done

echo "1..2"
rcfile=/tmp/bench.rc
# run N NAME CMD...: one TAP line for CMD, its output as comments
run() {
	n=$1 name=$2
	shift 2
	{ rc=0; "$@" 2>&1 || rc=$?; echo "$rc" >"$rcfile"; } | sed 's/^/# /'
	rc=$(cat "$rcfile")
	if [ "$rc" = 0 ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name (exit status $rc)"
	fi
}
if [ "$only" = crossover ]; then
	echo "ok 1 uffd-move-bench # SKIP bench.only=crossover"
elif [ -z "$mb_cases" ]; then
	echo "ok 1 uffd-move-bench # SKIP bench.cases=$cases"
else
	# shellcheck disable=SC2086 # word splitting of args is intended
	run 1 "uffd-move-bench$args --cases $mb_cases" uffd-move-bench $args --cases "$mb_cases"
fi
if [ "$only" = matrix ]; then
	echo "ok 2 uffd-crossover # SKIP bench.only=matrix"
elif ! has crossover; then
	echo "ok 2 uffd-crossover # SKIP bench.cases=$cases"
else
	run 2 uffd-crossover uffd-crossover
fi
