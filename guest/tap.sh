# Sourced by guest suites: run test programs and print one flat TAP stream.
# A program's own "ok N name" lines (kselftest_harness) become results of
# the suite; other programs give one result from their exit status
# (0 pass, 4 skip, anything else fail).  All output is echoed as comments.
n=0
failed=0

tap_result() { # tap_result ok|not ok <description>
	n=$((n + 1))
	echo "$1 $n $2"
	[ "$1" = ok ] || failed=1
}

run_prog() { # run_prog <name> <command...>
	name=$1
	shift
	out=/tmp/tap-prog.out
	rc=0
	"$@" >"$out" 2>&1 || rc=$?
	sed 's/^/# /' "$out"
	results=$(grep -cE '^(not )?ok [0-9]+ ' "$out")
	if [ "$results" -gt 0 ]; then
		while read -r line; do
			case $line in
			"not ok "*) tap_result "not ok" "$name: ${line#not ok [0-9]* }" ;;
			"ok "*) tap_result ok "$name: ${line#ok [0-9]* }" ;;
			esac
		done <<EOT
$(grep -E '^(not )?ok [0-9]+ ' "$out" | sed -E 's/^((not )?ok) [0-9]+ /\1 0 /')
EOT
		if [ "$rc" != 0 ] && [ "$rc" != 4 ] && ! grep -qE '^not ok ' "$out"; then
			tap_result "not ok" "$name: exited with status $rc"
		fi
	elif [ "$rc" = 0 ]; then
		tap_result ok "$name"
	elif [ "$rc" = 4 ]; then
		tap_result ok "$name # SKIP"
	else
		tap_result "not ok" "$name: exited with status $rc"
	fi
}

tap_end() { echo "1..$n"; return $failed; }
