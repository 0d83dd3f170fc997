#!/bin/sh
# uffd-faultinj (tests/race/uffd-faultinj.c): allocation failures injected
# into UFFDIO_MOVE (fail-nth, then task-filtered fail_page_alloc and
# failslab).  Skips on kernels without fault injection.  FAULTINJ_SECS on
# the kernel command line overrides the duration of the random phase.
. /tap.sh

secs=${FAULTINJ_SECS:-}
if [ -z "$secs" ]; then
	case $(uname -r) in
	*-debug*) secs=40 ;;
	*) secs=10 ;;
	esac
fi
start=$(cut -d. -f1 /proc/uptime)
run_prog uffd-faultinj uffd-faultinj -t "$secs"
grep '^# summary ' /tmp/tap-prog.out
echo "# faultinj wall=$(($(cut -d. -f1 /proc/uptime) - start))s"
tap_end
