#!/usr/bin/env bash
# Unpack Debian's linux-source-6.1 into $KTREE as a git repo whose first
# commit is the pristine base (tagged base-<version>), and apply the series
# in $PATCHES (default patches/) with git am.  An existing tree is left
# alone unless FORCE=1, which resets it to the base and re-applies.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tarball=/usr/src/linux-source-6.1.tar.xz
PATCHES=${PATCHES:-$top/patches}
tested=$(cat "$top/BASE_VERSION")

[ -f "$tarball" ] || { echo "prepare-tree: FAIL: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }

base_tag() { git -C "$KTREE" describe --tags --abbrev=0 --match 'base-*' 2>/dev/null; }

if [ -d "$KTREE/.git" ] && base_tag >/dev/null && [ "${FORCE:-0}" != 1 ]; then
	echo "prepare-tree: $KTREE exists at $(git -C "$KTREE" describe --tags); FORCE=1 rebuilds it from patches/"
	exit 0
fi

if [ ! -d "$KTREE/.git" ] || ! base_tag >/dev/null; then
	rm -rf "$KTREE"
	mkdir -p "$(dirname "$KTREE")"
	tmp=$(mktemp -d "$(dirname "$KTREE")/unpack.XXXXXX")
	tar -C "$tmp" -xf "$tarball"
	mv "$tmp"/linux-source-6.1 "$KTREE"
	rmdir "$tmp"
	ver=$(make -s -C "$KTREE" kernelversion)
	# Debian's packaging rule '/*' ignores every top-level entry; drop it so
	# that git status and git add behave as in an upstream tree.
	sed -i '\#^/\*$#d' "$KTREE/.gitignore"
	git -C "$KTREE" init -q -b work
	git -C "$KTREE" config core.untrackedCache true
	git -C "$KTREE" config user.name "uffd-move project"
	git -C "$KTREE" config user.email "uffd-move@localhost"
	git -C "$KTREE" add -A
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git -C "$KTREE" commit -q -m "Linux $ver (Debian linux-source-6.1)"
	git -C "$KTREE" tag "base-$ver"
fi

have=$(make -s -C "$KTREE" kernelversion)
[ "$have" = "$tested" ] || echo "prepare-tree: the installed base is $have, the series was last tested on $tested; trying anyway"

git -C "$KTREE" am --abort >/dev/null 2>&1 || true
git -C "$KTREE" checkout -q -f -B work "$(base_tag)"
series=()
for p in "$PATCHES"/*.patch; do
	[ -e "$p" ] || continue
	[ "$(basename "$p")" = 0000-cover-letter.patch ] || series+=("$p")
done
if [ ${#series[@]} -gt 0 ] && ! git -C "$KTREE" am -q "${series[@]}" >/dev/null 2>&1; then
	n=$(cat "$KTREE/.git/rebase-apply/next" 2>/dev/null || echo 0)
	bad=${series[$((n - 1))]:-unknown}
	git -C "$KTREE" am --abort || true
	echo "prepare-tree: FAIL: patch $n of the series, $(basename "$bad"), does not apply to $(base_tag):" >&2
	git -C "$KTREE" apply --check -v "$bad" 2>&1 | grep -E '^error|^Checking' | head -5 >&2 || true
	exit 1
fi
echo "prepare-tree: $KTREE at $(git -C "$KTREE" describe --tags) ($(git -C "$KTREE" rev-list --count "$(base_tag)"..HEAD) patches)"
