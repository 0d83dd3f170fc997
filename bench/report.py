#!/usr/bin/env python3
"""Turn bench/run-bench.sh's raw.csv into results.csv, table.txt and a
gnuplot PNG of throughput vs request size.

usage: bench/report.py RAW_CSV OUT_DIR OURS_LABEL [REF_LABEL]

results.csv: one line per (kernel, method, pages, size, request, threads),
the median over boots of the per-boot medians.
table.txt: per-page cost and throughput of every row for each kernel, and
ours/ref time ratios (> 1: ours is slower).
throughput.png: request sweep (the region size with the most request sizes),
one panel for 4 KiB pages and one for THP; mremap rows of the same size are
drawn as flat lines (they move the whole region at once).
"""
import csv
import statistics
import subprocess
import sys
from collections import defaultdict

FIELDS = ["kernel", "method", "pages", "size", "request", "threads",
          "median_ns", "per_page_ns", "throughput_MiBps"]
METHODS = ["move", "copy", "mremap-pmd", "mremap-pte"]


def human(n):
    n = int(n)
    for unit, div in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    raw, out, ours = sys.argv[1], sys.argv[2], sys.argv[3]
    ref = sys.argv[4] if len(sys.argv) == 5 else None

    runs = defaultdict(list)
    with open(raw) as f:
        for r in csv.DictReader(f):
            key = (r["kernel"], r["method"], r["pages"], int(r["size"]),
                   int(r["request"]), int(r["threads"]))
            runs[key].append(int(r["median_ns"]))
    if not runs:
        sys.exit("report: no rows in " + raw)

    res = {}
    for key, ns in runs.items():
        med = statistics.median(ns)
        size = key[3]
        res[key] = (med, med / (size / 4096), size / (1 << 20) / (med / 1e9), len(ns))

    kernels = [k for k in (ours, ref) if k]
    order = lambda k: (k[2], k[5], METHODS.index(k[1]), k[3], k[4])
    with open(f"{out}/results.csv", "w") as f:
        f.write(",".join(FIELDS) + "\n")
        for key in sorted(res, key=lambda k: (kernels.index(k[0]) if k[0] in kernels else 9,) + order(k)):
            med, pp, tp, _ = res[key]
            f.write(",".join(map(str, key)) + f",{med:.0f},{pp:.1f},{tp:.1f}\n")

    rows = sorted({k[1:] for k in res}, key=lambda k: (k[1], k[4], METHODS.index(k[0]), k[2], k[3]))
    lines = []
    hdr = f"{'method':<11}{'pages':<6}{'size':>6}{'req':>6}{'thr':>4}"
    for k in kernels:
        hdr += f" | {k[:21]:>21}"
    if ref:
        hdr += " | ours/ref"
    lines.append(hdr)
    lines.append(f"{'':<33}" + "".join(f" | {'ns/page':>9} {'MiB/s':>11}" for _ in kernels)
                 + (" |  time" if ref else ""))
    lines.append("-" * len(hdr))
    for m, pages, size, req, thr in rows:
        line = f"{m:<11}{pages:<6}{human(size):>6}{human(req):>6}{thr:>4}"
        vals = []
        for k in kernels:
            v = res.get((k, m, pages, size, req, thr))
            vals.append(v)
            line += f" | {v[1]:>9.1f} {v[2]:>11.1f}" if v else f" | {'-':>9} {'-':>11}"
        if ref:
            line += f" | {vals[0][0] / vals[1][0]:>5.2f}" if all(vals) else " |     -"
        lines.append(line)
    nboots = sorted({v[3] for v in res.values()})
    lines.append("")
    lines.append(f"ns/page: median time / (size / 4 KiB); medians over {'/'.join(map(str, nboots))} boot(s).")
    if ref:
        lines.append(f"ours/ref: {ours} time / {ref} time (> 1: ours slower).")
    with open(f"{out}/table.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    plot(res, kernels, out)


def plot(res, kernels, out):
    # the request sweep: the (size) with the most distinct move requests
    per_size = defaultdict(set)
    for k in res:
        if k[1] in ("move", "copy"):
            per_size[k[3]].add(k[4])
    size = max(per_size, key=lambda s: (len(per_size[s]), s))
    reqs = sorted(per_size[size])
    blocks, panels = [], {}
    colors = {"move": "#1f77b4", "copy": "#d62728", "mremap-pmd": "#2ca02c", "mremap-pte": "#9467bd"}
    for pages in ("4k", "thp"):
        cmds = []
        for ki, kern in enumerate(kernels):
            for m in METHODS:
                for thr in (1, 2):
                    if m.startswith("mremap"):
                        v = res.get((kern, m, pages, size, size, 1))
                        if thr == 2 or not v:
                            continue
                        pts = [(r, v[2]) for r in (reqs[0], reqs[-1])]
                    else:
                        pts = [(r, res[(kern, m, pages, size, r, thr)][2])
                               for r in reqs if (kern, m, pages, size, r, thr) in res]
                    if not pts:
                        continue
                    name = f"d{len(blocks)}"
                    blocks.append(f"${name} << EOD\n" + "\n".join(f"{r / 1024:g} {t:.3f}" for r, t in pts) + "\nEOD")
                    dt = 1 + ki * 2 + (thr - 1)
                    title = f"{kern} {m}" + (f" {thr}thr" if not m.startswith("mremap") else " (whole region)")
                    pt = 7 if not m.startswith("mremap") else -1
                    cmds.append(f"${name} using 1:2 with linespoints lw 2 pt {pt} ps 0.8 dt {dt} "
                                f"lc rgb '{colors[m]}' title '{title}'")
        panels[pages] = cmds
    script = [
        "set terminal pngcairo size 1500,650 font 'DejaVu Sans,10'" if has_cairo() else "set terminal png size 1500,650",
        f"set output '{out}/throughput.png'",
        *blocks,
        "set logscale xy", "set grid",
        "set xlabel 'request size (bytes per ioctl)'", "set ylabel 'throughput (MiB/s)'",
        "set key outside bottom center horizontal maxrows 4 font ',8'",
        "set xtics (" + ",".join(f"'{human(r)}' {r / 1024:g}" for r in reqs) + ")",
        f"set multiplot layout 1,2 title 'Moving a populated {human(size)} anonymous region, median of repeats "
        "(" + kernels[0] + ": solid 1 thread, dashed 2" + ("; " + kernels[1] + ": dotted 1 thread, dash-dot 2" if len(kernels) > 1 else "") + ")'",
    ]
    for pages, title in (("4k", "4 KiB pages"), ("thp", "THP (2 MiB)")):
        script.append(f"set title '{title}'")
        script.append("plot " + ", \\\n  ".join(panels[pages]) if panels[pages] else "plot 1/0 notitle")
    script.append("unset multiplot")
    with open(f"{out}/throughput.gp", "w") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", f"{out}/throughput.gp"], check=True)


def has_cairo():
    r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    return "pngcairo" in (r.stdout + r.stderr)


if __name__ == "__main__":
    main()
