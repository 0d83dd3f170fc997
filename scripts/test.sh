#!/usr/bin/env bash
# The test command: every gate and every suite, each result printed as it
# comes, then "N passed, N failed".  Exit status 0 only if nothing failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record.sh"

export RESULTS=$BUILD/results.txt
mkdir -p "$BUILD"
: >"$RESULTS"
t0=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(($(date +%s) - t0))"; }

summary() {
	local passed failed
	passed=$(grep -c '^ok ' "$RESULTS")
	failed=$(grep -vc '^ok ' "$RESULTS")
	printf '\n'
	grep -v '^ok ' "$RESULTS" | sed 's/^fail /FAILED: /'
	printf 'wall time %ss\n' "$(($(date +%s) - t0))"
	printf '%s passed, %s failed\n' "$passed" "$failed"
	[ "$failed" = 0 ]
}

step "packages"
"$top/scripts/install-deps.sh" || { record fail "install the Debian packages"; summary; exit 1; }

step "the series applies to the pristine base"
if FORCE=1 "$top/scripts/prepare-tree.sh"; then
	record ok "the series applies to $(git -C "$KTREE" describe --tags --abbrev=0 --match 'base-*')"
else
	record fail "the series does not apply (see above)"
	summary
	exit 1
fi

step "checkpatch --strict"
"$top/scripts/gate-checkpatch.sh"
step "W=1 and sparse"
"$top/scripts/gate-warnings.sh"
step "every patch builds"
"$top/scripts/gate-bisect.sh" || { summary; exit 1; }
step "config matrix (objects, W=1)"
"$top/scripts/gate-config-matrix.sh"

step "debug kernel"
if "$top/scripts/build-kernel.sh" debug; then
	record ok "the debug kernel builds (KASAN, PROVE_LOCKING, DEBUG_VM)"
	debug=1
else
	record fail "the debug kernel does not build"
	debug=0
fi

step "guest programs and initramfs"
make -s -C "$top" initramfs || record fail "guest programs and initramfs"

# Suites per kernel: the normal guest also runs the example; the debug
# kernel runs everything that checks the kernel.  Every kernel runs art
# (Android ART's use of UFFDIO_MOVE, which must choose MOVE on the series).
GUEST_SUITES=${GUEST_SUITES:-selftests example art}
DEBUG_SUITES=${DEBUG_SUITES:-selftests race fuzz faultinj pressure art}
# The pressure suite moves more than the guest's RAM: boot it small.
suite_mem() { if [ "$1" = pressure ]; then echo "${PRESSURE_GUEST_MEM:-256M}"; else echo "${GUEST_MEM:-2G}"; fi; }
for suite in $GUEST_SUITES; do
	step "guest kernel: $suite"
	GUEST_MEM=$(suite_mem "$suite") "$top/scripts/run-guest.sh" guest "$suite"
done
if [ "$debug" = 1 ]; then
	for suite in $DEBUG_SUITES; do
		step "debug kernel: $suite"
		GUEST_MEM=$(suite_mem "$suite") "$top/scripts/run-guest.sh" debug "$suite"
	done
fi

# The other architectures 6.1 users run: arm64 (Android) and 32-bit x86
# with PAE and page tables in highmem (HIGHPTE), cross-built, each kernel
# with its suites.  On the arm64 debug kernel the race scenarios run 6 s
# each (RACE_SECS), not 20: x86_64's debug kernel runs them at length.
ARCH_RUNS=${ARCH_RUNS:-"arm64:selftests,example,art arm64-debug:selftests,race,art i386:selftests,race,art"}
declare -A initramfs_built
for run in $ARCH_RUNS; do
	flavour=${run%%:*}
	arch=$(flavour_arch "$flavour")
	step "$flavour kernel"
	if ! "$top/scripts/build-kernel.sh" "$flavour"; then
		record fail "the $flavour kernel does not build"
		continue
	fi
	record ok "the $flavour kernel builds"
	if [ -z "${initramfs_built[$arch]:-}" ]; then
		mkdir -p "$BUILD/logs"
		if ! make -s -C "$top" GUEST_ARCH="$arch" initramfs >"$BUILD/logs/initramfs-$arch.log" 2>&1; then
			record fail "$arch guest programs and initramfs (see $BUILD/logs/initramfs-$arch.log)"
			continue
		fi
		initramfs_built[$arch]=1
	fi
	for suite in $(echo "${run#*:}" | tr , ' '); do
		step "$flavour kernel: $suite"
		append=
		case $flavour in *debug*) append="RACE_SECS=${ARCH_DEBUG_RACE_SECS:-6}" ;; esac
		GUEST_APPEND=$append "$top/scripts/run-guest.sh" "$flavour" "$suite"
	done
done

summary
