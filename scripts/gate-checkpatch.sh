#!/usr/bin/env bash
# checkpatch.pl --strict on every patch of the series: 0 errors, 0 warnings,
# 0 checks.  One result per patch.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record.sh"

PATCHES=${PATCHES:-$top/patches}
# spdxcheck.py, which checkpatch runs, needs Debian's python3 with ply.
export PATH=/usr/bin:$PATH
fail=0
for p in "$PATCHES"/*.patch; do
	[ -e "$p" ] || continue
	name=$(basename "$p")
	[ "$name" = 0000-cover-letter.patch ] && continue
	out=$("$KTREE/scripts/checkpatch.pl" --strict --no-summary --terse "$p" 2>&1 || true)
	if [ -z "$out" ]; then
		record ok "checkpatch --strict: $name"
	else
		record fail "checkpatch --strict: $name"
		printf '%s\n' "$out" | head -20 | sed 's/^/    /'
		fail=1
	fi
done
exit $fail
