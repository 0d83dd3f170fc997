#!/usr/bin/env bash
# check-console.sh <log>: the guest finished its suite, saw 2 CPUs, ran the
# patched kernel, and the kernel printed no splat.
set -euo pipefail

log=${1:?usage: check-console.sh console.log}
ok=0

if ! grep -q '^UFFD-SUITE-EXIT: ' "$log"; then
	echo "check-console: the guest did not finish its suite (timeout, hang or crash): $log" >&2
	tail -20 "$log" | sed 's/^/    /' >&2
	ok=1
fi
guest=$(grep -m1 '^UFFD-GUEST: ' "$log" || true)
case $guest in
*"cpus=2"*) ;;
*) echo "check-console: the guest did not report 2 CPUs: ${guest:-no UFFD-GUEST line}" >&2; ok=1 ;;
esac
case $guest in
*"-uffdmove"*) ;;
*) echo "check-console: not the patched kernel: ${guest:-no UFFD-GUEST line}" >&2; ok=1 ;;
esac
grep -q 'Linux version [^ ]*-uffdmove' "$log" || { echo "check-console: no patched kernel banner in $log" >&2; ok=1; }

splats='BUG:|WARNING:|Oops|Kernel panic|general protection fault|KASAN:|'
splats+='possible circular locking|inconsistent lock state|possible recursive locking|'
splats+='suspicious RCU usage|DEBUG_LOCKS_WARN_ON|Bad rss-counter|Bad page|UBSAN|'
splats+='list_add corruption|list_del corruption|refcount_t:|hung_task|soft lockup|rcu_sched self-detected'
# Program output is echoed as "# " comments; only kernel lines count.
if grep -nvE '^# ' "$log" | grep -E "$splats" >/tmp/splats.$$; then
	echo "check-console: kernel splat in $log:" >&2
	head -20 /tmp/splats.$$ | sed 's/^/    /' >&2
	ok=1
fi
rm -f /tmp/splats.$$
exit $ok
