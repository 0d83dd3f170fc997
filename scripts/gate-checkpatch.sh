#!/usr/bin/env bash
# checkpatch.pl --strict on every patch of the series: 0 errors, 0 warnings,
# 0 checks.  One result per patch.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record.sh"

PATCHES=${PATCHES:-$top/patches}
# spdxcheck.py, which checkpatch runs, needs Debian's python3 with ply.
export PATH=/usr/bin:$PATH

# checkpatch asks "does MAINTAINERS need updating?" for every added file,
# without looking whether a section covers it already.  Ask
# get_maintainer.pl instead: an added file must have a maintained section
# (tools/testing/selftests/vm/ is MEMORY MANAGEMENT's), and then the patch
# need not touch MAINTAINERS.
unmaintained() {
	local f
	for f in $(awk '/^diff --git /{f=$4} /^new file mode/{sub(/^b\//, "", f); print f}' "$1"); do
		(cd "$KTREE" && perl scripts/get_maintainer.pl --no-git --no-git-fallback --sections \
			-f "$f") 2>/dev/null | grep -q '^S:[[:space:]]*Maintained' ||
			echo "$f: no MAINTAINERS section covers it"
	done
}

fail=0
for p in "$PATCHES"/*.patch; do
	[ -e "$p" ] || continue
	name=$(basename "$p")
	[ "$name" = 0000-cover-letter.patch ] && continue
	out=$("$KTREE/scripts/checkpatch.pl" --strict --no-summary --terse \
		--ignore FILE_PATH_CHANGES "$p" 2>&1 || true)
	out+=$(unmaintained "$p")
	if [ -z "$out" ]; then
		record ok "checkpatch --strict: $name"
	else
		record fail "checkpatch --strict: $name"
		printf '%s\n' "$out" | head -20 | sed 's/^/    /'
		fail=1
	fi
done
exit $fail
