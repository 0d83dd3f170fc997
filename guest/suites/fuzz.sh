#!/bin/sh
# uffd-fuzz (tests/race/uffd-fuzz.c): random and adversarial UFFDIO_MOVE
# calls against an errno oracle while threads churn the address space.
# FUZZ_SECS on the kernel command line overrides the duration.
. /tap.sh

secs=${FUZZ_SECS:-}
if [ -z "$secs" ]; then
	case $(uname -r) in
	*-debug*) secs=60 ;;
	*) secs=20 ;;
	esac
fi
start=$(cut -d. -f1 /proc/uptime)
run_prog uffd-fuzz uffd-fuzz -t "$secs" -n 2000000
grep '^# summary ' /tmp/tap-prog.out
echo "# fuzz wall=$(($(cut -d. -f1 /proc/uptime) - start))s"
tap_end
