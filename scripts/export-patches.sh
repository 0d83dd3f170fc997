#!/usr/bin/env bash
# Export the kernel tree's commits since the base tag to patches/, so that
# re-exporting unchanged commits changes no byte: fixed dates, zero commit
# ids, no signature.  The cover letter's text lives in patches/cover-letter.txt
# (subject on the first line, then the body); the shortlog and diffstat are
# generated below it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$top/patches
base=$(git -C "$KTREE" describe --tags --abbrev=0 --match 'base-*')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A fixed date makes the From/Date headers independent of when commits were
# made or rebased.
git -C "$KTREE" -c core.abbrev=12 format-patch -q --no-signature --zero-commit \
	--no-numbered -N -o "$tmp" "$base"..HEAD
n=$(ls "$tmp" | wc -l)
for p in "$tmp"/*.patch; do
	sed -i -e '1,/^$/{s/^Date: .*/Date: Sat, 1 Jan 2000 00:00:00 +0000/}' "$p"
done
# Number the subjects [PATCH i/n] ourselves: -N above keeps format-patch
# from doing it, so that the cover letter and patches agree.
i=0
for p in "$tmp"/*.patch; do
	i=$((i + 1))
	sed -i -e "1,/^$/{s/^Subject: \[PATCH\] /Subject: [PATCH $i\/$n] /}" "$p"
done

{
	subject=$(head -1 "$out/cover-letter.txt")
	echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
	echo "From: uffd-move project <uffd-move@localhost>"
	echo "Date: Sat, 1 Jan 2000 00:00:00 +0000"
	echo "Subject: [PATCH 0/$n] $subject"
	echo
	tail -n +3 "$out/cover-letter.txt"
	echo
	git -C "$KTREE" shortlog "$base"..HEAD
	git -C "$KTREE" diff --stat=72 "$base"..HEAD
	echo
	echo "base-commit: $base ($(git -C "$KTREE" log -1 --format=%s "$base"))"
	echo "-- "
} >"$tmp/0000-cover-letter.patch"

find "$out" -maxdepth 1 -name '*.patch' -delete
cp "$tmp"/*.patch "$out"/
echo "export-patches: $n patches and the cover letter in patches/"
