# Sourced: record(ok|fail, description) appends a result to $RESULTS (if set)
# and prints it.
# shellcheck shell=bash
record() {
	local verdict=$1
	shift
	if [ "$verdict" = ok ]; then
		printf '  ok      %s\n' "$*"
	else
		printf '  FAILED  %s\n' "$*"
	fi
	[ -z "${RESULTS:-}" ] || printf '%s %s\n' "$verdict" "$*" >>"$RESULTS"
}
