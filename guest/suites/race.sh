#!/bin/sh
# UFFDIO_MOVE race tests (tests/race/uffd-race.c): every scenario moves
# pages in a loop against its disturber for a bounded time, then verifies
# every page and the process RSS.  One TAP result per scenario, then the
# totals of all of them.  RACE_SECS on the kernel command line (it reaches
# init's environment) overrides the seconds per scenario; RACE_TESTS, a
# comma-separated list, runs only those scenarios (repeats allowed).
. /tap.sh

secs=${RACE_SECS:-}
if [ -z "$secs" ]; then
	# KASAN and lockdep under TCG are 5-10x slower: shorter runs there
	# keep the suite within a few minutes; the mover loop adapts.
	case $(uname -r) in
	*-debug*) secs=20 ;;
	*) secs=4 ;;
	esac
fi

tot_n=0 tot_secs=0 tot_calls=0 tot_moved=0 tot_verified=0
start=$(cut -d. -f1 /proc/uptime)
all="fork unmap mprotect dontneed pageout migrate thp pin splice odirect ksm faults multi torn"
for t in $(echo "${RACE_TESTS:-$all}" | tr , ' '); do
	run_prog "uffd-race $t" uffd-race "$t" -t "$secs"
	# "# summary T: seconds=S MOVE_calls=C pages_moved=M pages_verified=V result=R"
	line=$(grep '^# summary ' /tmp/tap-prog.out | tail -n 1)
	[ -n "$line" ] || continue
	# shellcheck disable=SC2086 # split the line into its fields
	set -- $line
	s=${4#seconds=}
	tot_n=$((tot_n + 1))
	tot_secs=$((tot_secs + ${s%%.*}))
	tot_calls=$((tot_calls + ${5#MOVE_calls=}))
	tot_moved=$((tot_moved + ${6#pages_moved=}))
	tot_verified=$((tot_verified + ${7#pages_verified=}))
done
end=$(cut -d. -f1 /proc/uptime)
echo "# race totals: scenarios=$tot_n seconds=$tot_secs MOVE_calls=$tot_calls" \
	"pages_moved=$tot_moved pages_verified=$tot_verified wall=$((end - start))s"
tap_end
