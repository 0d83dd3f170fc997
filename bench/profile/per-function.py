#!/usr/bin/env python3
"""Sum a trace of instruction addresses per kernel function.

per-function.py NM_OUTPUT PCS PAGES [TOP]: NM_OUTPUT is `nm -n vmlinux`, PCS
one hex address per line (trace-move.py), PAGES the 4 KiB pages the call
moved.  Prints instructions and instructions per page for the TOP functions.
"""
import bisect
import collections
import sys


def main():
    nm, pcs, pages = sys.argv[1], sys.argv[2], int(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 15
    syms = []
    for line in open(nm):
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            syms.append((int(f[0], 16), f[2]))
    starts = [a for a, _ in syms]
    count = collections.Counter()
    for line in open(pcs):
        if line.strip():
            count[syms[bisect.bisect_right(starts, int(line, 16)) - 1][1]] += 1
    total = sum(count.values())
    print("%9s %9s  %s" % ("instr", "per page", "function"))
    for name, n in count.most_common(top):
        print("%9d %9.1f  %s" % (n, n / pages, name))
    rest = total - sum(n for _, n in count.most_common(top))
    print("%9d %9.1f  (other)" % (rest, rest / pages))
    print("%9d %9.1f  total" % (total, total / pages))


if __name__ == "__main__":
    main()
