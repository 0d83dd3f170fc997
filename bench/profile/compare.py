#!/usr/bin/env python3
"""Instructions per kernel function of one traced call, kernels side by side.

compare.py PAGES LABEL=NM:PCS...  NM is `nm -n vmlinux`, PCS the addresses
trace-move.py wrote (one per executed instruction), PAGES the 4 KiB pages
the call moved.  One row per function that either kernel executed, sorted
by the first kernel's count, in instructions per page; a function the
compiler inlined in one kernel and not in the other shows up as a row of
its own, so the totals are what to compare, and the rows say where.
"""
import bisect
import collections
import sys


def profile(nm, pcs):
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
    return count


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    pages = int(sys.argv[1])
    labels, counts = [], []
    for arg in sys.argv[2:]:
        label, files = arg.split("=", 1)
        nm, pcs = files.split(":", 1)
        labels.append(label)
        counts.append(profile(nm, pcs))
    names = sorted(set().union(*counts),
                   key=lambda n: (-counts[0][n], -max(c[n] for c in counts), n))
    width = max(12, *(len(label) for label in labels))
    print("# instructions per page (%d page%s per call)" % (pages, "s" if pages > 1 else ""))
    print(" ".join("%*s" % (width, label) for label in labels) + "  function")
    for name in names:
        print(" ".join("%*.1f" % (width, c[name] / pages) for c in counts) + "  " + name)
    print(" ".join("%*.1f" % (width, sum(c.values()) / pages) for c in counts) + "  total")


if __name__ == "__main__":
    main()
