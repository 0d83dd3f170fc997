#!/bin/sh
# Guest suite: uffd-move-bench.  Its CSV lines are passed on as TAP comments
# ("# kernel,method,...") for scripts/../bench/run-bench.sh to collect from
# the console log.  Kernel command line knobs: bench.quick=1, bench.reps=N.
set -eu

args=
# shellcheck disable=SC2013 # the command line is one line of words
for w in $(cat /proc/cmdline); do
	case $w in
	bench.quick=1) args="$args --quick" ;;
	bench.reps=*) args="$args --reps ${w#bench.reps=}" ;;
	esac
done

echo "1..1"
rcfile=/tmp/uffd-move-bench.rc
# shellcheck disable=SC2086 # word splitting of args is intended
{ rc=0; uffd-move-bench $args 2>&1 || rc=$?; echo "$rc" >"$rcfile"; } | sed 's/^/# /'
rc=$(cat "$rcfile")
if [ "$rc" = 0 ]; then
	echo "ok 1 uffd-move-bench$args"
else
	echo "not ok 1 uffd-move-bench$args (exit status $rc)"
fi
