#!/bin/sh
# Guest suite: art-client (tests/art/art-client.c), a userfaultfd client that
# does what Android ART's mark-compact GC does: probe, decide between
# UFFDIO_MOVE and UFFDIO_COPY (the 6.1 kernel check with the confirmation
# bit), then a concurrent compaction whose mutators resolve their own SIGBUS
# faults.  Its results become results of the suite, and its decision one
# more: on the patched kernel (-uffdmove in the release) ART must choose
# MOVE, anywhere else the decision is only reported.  A second run compacts
# with UFFDIO_COPY whatever the decision, so that ART's fallback stays
# tested once MOVE is chosen.  ART_ARGS on the kernel command line (it
# reaches init's environment), comma-separated (ART_ARGS=-p,4096,-m,3),
# replaces the options of the first run.
. /tap.sh

release=$(uname -r)
args=$(echo "${ART_ARGS:-}" | tr , ' ')
if [ -z "$args" ]; then
	# KASAN and lockdep under TCG are 5-10x slower: a smaller heap there.
	case $release in
	*-debug*) args="-p 512 -r 2" ;;
	*) args="-p 1024 -r 2" ;;
	esac
fi

# shellcheck disable=SC2086 # word splitting of args is intended
run_prog "art-client" art-client $args
decision=$(grep -E '^ART would ' /tmp/tap-prog.out)
count=$(grep -cE '^ART would ' /tmp/tap-prog.out)
echo "# decision on $release: ${decision:-none}"
if [ "$count" != 1 ]; then
	tap_result "not ok" "art-client: one decision line (got $count)"
fi
case $release in
*-uffdmove*)
	if [ "$decision" = "ART would use MOVE" ]; then
		tap_result ok "art-client: ART would use MOVE on the patched kernel"
	else
		tap_result "not ok" "art-client: ART would use MOVE on the patched kernel (got: ${decision:-no decision})"
	fi
	;;
*) tap_result ok "art-client: decision reported: ${decision:-none} # SKIP not the patched kernel" ;;
esac

run_prog "art-client COPY" art-client -c -p 256 -r 1
tap_end
