#!/usr/bin/env bash
# Unpack Debian's linux-source-6.1 into build/linux as a git repo whose first
# commit is the pristine base (tagged base-<version>), then apply patches/.
# Idempotent: an existing tree with the base tag is reset to the base and
# re-patched only when FORCE=1; otherwise it is left alone.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=${KTREE:-$top/build/linux}
tarball=/usr/src/linux-source-6.1.tar.xz
tested=$(cat "$top/BASE_VERSION")

[ -f "$tarball" ] || { echo "prepare-tree: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }

base_tag() { git -C "$tree" describe --tags --abbrev=0 --match 'base-*' 2>/dev/null; }

if [ -d "$tree/.git" ] && base_tag >/dev/null && [ "${FORCE:-0}" != 1 ]; then
	echo "prepare-tree: $tree exists ($(base_tag)); FORCE=1 rebuilds it from patches/"
	exit 0
fi

if [ ! -d "$tree/.git" ] || ! base_tag >/dev/null; then
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	tmp=$(mktemp -d "$(dirname "$tree")/unpack.XXXXXX")
	tar -C "$tmp" -xf "$tarball"
	mv "$tmp"/linux-source-6.1 "$tree"
	rmdir "$tmp"
	ver=$(make -s -C "$tree" kernelversion)
	# Debian's packaging rule '/*' ignores every top-level entry; drop it so
	# that git status and git add behave as in an upstream tree.
	sed -i '\#^/\*$#d' "$tree/.gitignore"
	git -C "$tree" init -q -b work
	git -C "$tree" config core.untrackedCache true
	git -C "$tree" config user.name "uffd-move project"
	git -C "$tree" config user.email "uffd-move@localhost"
	git -C "$tree" add -A
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git -C "$tree" commit -q -m "Linux $ver (Debian linux-source-6.1)"
	git -C "$tree" tag "base-$ver"
fi

have=$(make -s -C "$tree" kernelversion)
[ "$have" = "$tested" ] || echo "prepare-tree: installed base is $have, series last tested on $tested; trying anyway"

git -C "$tree" checkout -q -B work "$(base_tag)"
shopt -s nullglob
series=()
for p in "$top"/patches/*.patch; do
	[ "$(basename "$p")" = 0000-cover-letter.patch ] || series+=("$p")
done
if [ ${#series[@]} -gt 0 ]; then
	git -C "$tree" am -q --keep-cr "${series[@]}" || {
		echo "prepare-tree: FAIL: $(sed -n 's/^Subject: //p' "$tree/.git/rebase-apply/msg-clean" 2>/dev/null | head -1) does not apply to $(base_tag)" >&2
		git -C "$tree" am --abort || true
		exit 1
	}
fi
echo "prepare-tree: $tree at $(git -C "$tree" describe --tags) ($(git -C "$tree" rev-list --count "$(base_tag)"..HEAD) patches)"
