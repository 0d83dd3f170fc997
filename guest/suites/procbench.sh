#!/bin/sh
# Guest suite: uffd-process-bench, what UFFDIO_MOVE does to the rest of the
# process.  Its TAP goes to the console as is; its CSV rows are "# " lines
# for bench/run-process-bench.sh to collect.  Kernel command line knob:
# procbench.secs=S (seconds per scenario).
. /tap.sh

secs=3
# shellcheck disable=SC2013 # the command line is one line of words
for w in $(cat /proc/cmdline); do
	case $w in procbench.secs=*) secs=${w#procbench.secs=} ;; esac
done
run_prog uffd-process-bench uffd-process-bench -t "$secs"
tap_end
