#!/bin/sh
# Guest suite: the gc-compact example (UFFDIO_MOVE vs UFFDIO_COPY heap
# compaction).  Each verdict gc-compact prints becomes one TAP line here; its
# other output is passed on as TAP comments.
set -eu

runs='default:
thp+mixed:--thp on --mixed
small-batches:--live 0.6 --mutators 3 --batch 4 --heap 16M --method move'
# verdicts each run prints: move 2, copy 1, mixed 1
expect() { case $1 in default) echo 3;; thp+mixed) echo 4;; small-batches) echo 2;; esac; }

echo "1..10"
n=0
out=/tmp/gc-compact.out
echo "$runs" | while IFS=: read -r name args; do
	rc=0
	# shellcheck disable=SC2086 # word splitting of args is intended
	gc-compact $args >"$out" 2>&1 || rc=$?
	sed 's/^/# /' "$out"
	want=$(expect "$name")
	grep -E '^(not )?ok [0-9]+ ' "$out" | head -n "$want" |
		awk -v n="$n" -v name="$name" '{
			v = ($1 == "not") ? "not ok" : "ok"
			sub(/^(not )?ok [0-9]+ /, "")
			printf "%s %d gc-compact %s: %s\n", v, n + NR, name, $0
		}'
	got=$(grep -cE '^(not )?ok [0-9]+ ' "$out" || true)
	while [ "$got" -lt "$want" ]; do
		got=$((got + 1))
		echo "not ok $((n + got)) gc-compact $name: verdict $got missing (exit status $rc)"
	done
	n=$((n + want))
done

rc=0
gc-compact --live 2 >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] && echo "ok 10 gc-compact rejects a bad option with exit status 2" ||
	echo "not ok 10 gc-compact rejects a bad option with exit status 2 (got $rc)"
