#!/bin/sh
# uffd-pressure (tests/race/uffd-pressure.c): UFFDIO_MOVE of a region
# larger than RAM, with zram swap (guest/init); scripts/test.sh boots this
# suite with a small GUEST_MEM.  PRESSURE_MIB on the kernel command line
# sets the region size (default 5/4 of MemTotal).
. /tap.sh

grep -E '^(MemTotal|MemFree|SwapTotal):' /proc/meminfo | sed 's/^/# /'
start=$(cut -d. -f1 /proc/uptime)
if [ -n "${PRESSURE_MIB:-}" ]; then
	run_prog uffd-pressure uffd-pressure -m "$PRESSURE_MIB"
else
	run_prog uffd-pressure uffd-pressure
fi
grep '^# summary ' /tmp/tap-prog.out
echo "# pressure wall=$(($(cut -d. -f1 /proc/uptime) - start))s"
tap_end
