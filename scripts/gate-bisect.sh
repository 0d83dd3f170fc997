#!/usr/bin/env bash
# Every patch of the series builds: check out each commit from the base up
# and build the guest kernel incrementally.  Ends with the tree at the top
# of the series and its guest kernel built.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record.sh"

series_range
trap 'git -C "$KTREE" checkout -q "$orig"' EXIT
fail=0
i=0
for c in $(git -C "$KTREE" rev-list --reverse "$base".."$head"); do
	i=$((i + 1))
	subject=$(git -C "$KTREE" log -1 --format=%s "$c")
	git -C "$KTREE" checkout -q "$c"
	if "$top/scripts/build-kernel.sh" guest >/dev/null; then
		record ok "patch $i builds: $subject"
	else
		record fail "patch $i does not build: $subject (see $BUILD/obj-guest/build.log)"
		fail=1
		break
	fi
done
git -C "$KTREE" checkout -q "$orig"
if [ "$i" = 0 ]; then
	"$top/scripts/build-kernel.sh" guest >/dev/null
	record ok "the base builds (empty series)"
fi
exit $fail
