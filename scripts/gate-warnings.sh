#!/usr/bin/env bash
# W=1 and sparse (C=2) on the kernel .c files the series touches: build
# those objects at the base and at the top of the series, in their own
# object directory, and fail on any warning the series adds.  Line and
# column numbers are ignored, since the series moves code around.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record.sh"

series_range
mapfile -t objs < <(touched_objects)
if [ ${#objs[@]} -eq 0 ]; then
	record ok "W=1 and sparse: the series touches no kernel .c file"
	exit 0
fi

warnings() { # the normalised warnings of building the objects now
	kmake warn -s W=1 C=2 "${objs[@]}" 2>&1 >/dev/null | normalise_warnings
}

trap 'git -C "$KTREE" checkout -q "$orig"' EXIT
git -C "$KTREE" checkout -q "$base"
"$top/scripts/build-kernel.sh" --config-only warn
kmake warn -s prepare >/dev/null
before=$(warnings)
git -C "$KTREE" checkout -q "$head"
after=$(warnings)
new=$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed '/^$/d')
if [ -z "$new" ]; then
	record ok "W=1 and sparse add no warning in ${objs[*]}"
else
	record fail "W=1 and sparse: the series adds warnings"
	printf '%s\n' "$new" | sed 's/^/    /'
	exit 1
fi
