#!/usr/bin/env bash
# gate-config-matrix.sh [variant...]: build the kernel objects the series touches in the
# configurations that no test kernel has, with W=1, at the top of the
# series: the guest config without THP, swap, migration, soft-dirty or
# uffd-wp markers, with MMU notifiers, and allmodconfig.  One result per
# variant; a variant fails on an error, or on a warning the base does not
# have too.  Objects only: the test kernels are the linked builds.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record.sh"

series_range
mapfile -t touched < <(touched_objects)

# The touched objects that the variant's config builds: the ones whose
# Makefile line names no CONFIG_ symbol, or one that is set.
objects_of() {
	local flavour=$1 o dir sym
	for o in "${touched[@]}"; do
		dir=$(dirname "$o")
		sym=$(grep -E "[ =]$(basename "$o")( |\$)" "$KTREE/$dir/Makefile" |
			grep -oE 'CONFIG_[A-Z0-9_]+' | head -1 || true)
		if [ -z "$sym" ] || grep -q "^$sym=y" "$BUILD/obj-$flavour/.config"; then
			echo "$o"
		fi
	done
}

configure() { # configure <flavour>
	if [ "$1" = matrix-allmodconfig ]; then
		kmake "$1" -s allmodconfig >/dev/null &&
			"$KTREE/scripts/config" --file "$BUILD/obj-$1/.config" --disable WERROR &&
			kmake "$1" -s olddefconfig >/dev/null
	else
		"$top/scripts/build-kernel.sh" --config-only "$1" >/dev/null
	fi
}

# warnings <flavour> <objects...>: normalised, at the checked out commit;
# not the host tools' (genksyms' bison grammar), built on the first run only
warnings() {
	local flavour=$1
	shift
	kmake "$flavour" -k -s W=1 "$@" 2>&1 >/dev/null | normalise_warnings |
		{ grep -v '^scripts/' || true; }
}

trap 'git -C "$KTREE" checkout -q "$orig"' EXIT
rc=0
variants=${*:-$(cd "$top/configs/matrix" && ls *.config | sed 's/\.config$//') allmodconfig}
for v in $variants; do
	flavour=matrix-$v
	start=$(date +%s)
	if ! configure "$flavour" || ! kmake "$flavour" -s prepare >/dev/null 2>&1; then
		record fail "config matrix $v: does not configure"
		rc=1
		continue
	fi
	mapfile -t objs < <(objects_of "$flavour")
	after=$(warnings "$flavour" "${objs[@]}")
	new=$after
	if [ -n "$after" ]; then
		# Count only what the series adds.
		git -C "$KTREE" checkout -q "$base"
		before=$(warnings "$flavour" "${objs[@]}")
		git -C "$KTREE" checkout -q "$head"
		new=$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed '/^$/d')
	fi
	if [ -z "$new" ]; then
		record ok "config matrix $v: ${objs[*]} build with W=1, nothing new ($(($(date +%s) - start))s)"
	else
		record fail "config matrix $v: the series adds errors or warnings"
		printf '%s\n' "$new" | sed 's/^/    /'
		rc=1
	fi
done
exit $rc
