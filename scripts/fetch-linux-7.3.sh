#!/usr/bin/env bash
# Fetch Debian's linux-source-7.3 (trixie-backports) into build/dl/ without
# installing it: a private package list, `apt-get download`, `dpkg -x`.  The
# 7.3 reference kernel is only built and measured (scripts/build-ref-kernel.sh
# 7.3); none of its code goes into the series.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dl=$top/build/dl
out=$dl/linux-source-7.3.tar.xz
[ -f "$out" ] && { echo "fetch-linux-7.3: $out is there"; exit 0; }

apt=$dl/apt
rm -rf "$apt"; mkdir -p "$apt/lists/partial" "$apt/deb"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main" \
	>"$apt/sources.list"
opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$apt/lists")
apt-get "${opts[@]}" -q update >/dev/null
(cd "$apt/deb" && apt-get "${opts[@]}" -q download linux-source-7.3 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
deb=$(ls "$apt"/deb/linux-source-7.3_*.deb)
dpkg -x "$deb" "$apt/x"
mv "$apt/x/usr/src/linux-source-7.3.tar.xz" "$out"
rm -rf "$apt"
echo "fetch-linux-7.3: $out"
