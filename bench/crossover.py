#!/usr/bin/env python3
"""Turn uffd-crossover rows into the crossover table and a gnuplot PNG.

usage: bench/crossover.py RAW_CSV OUT_DIR [cpu|wall] [KERNEL ...]

RAW_CSV: lines "kernel,method,run_pages,others,cpus_others,median_ns,
per_page_ns,cpu_median_ns,cpu_per_page_ns[,run]" (a header line is skipped);
several boots (run column) are combined by their median.  KERNELs pick the
kernels (labels of the kernel column) and their order; by default, every
kernel of RAW_CSV in the order it first appears (run-bench.sh's order: ours,
then the references).  Any number of kernels.
The metric (default wall) is what the plot shows and what the first
crossover column uses; the table gives the crossover by both metrics.

The crossover is the shortest run length (pages per ioctl) from which
UFFDIO_MOVE ("move") is faster than UFFDIO_COPY with one MADV_DONTNEED of
the source at the end ("copy", what a GC does) at that and every longer run
length measured; "never" if MOVE is slower at the longest.  The table also
gives it against "copy-each" (MADV_DONTNEED after every run).

Writes OUT_DIR/crossover.csv (one line per point), crossover.txt (the
per-page costs and the crossover per kernel and thread count) and
crossover.png (one series per kernel, method and number of other threads:
colour by method, marker by kernel, dash by other threads).
"""
import csv
import statistics
import subprocess
import sys
from collections import defaultdict

METHODS = ["move", "copy", "copy-each"]
# gnuplot point type of each kernel in the plot, in order (cycled beyond).
MARKERS = [(5, "squares"), (7, "circles"), (9, "triangles"), (13, "diamonds"), (11, "down triangles")]


def crossover(move, copy):
    """move, copy: {run: ns}.  Shortest run from which move < copy throughout."""
    runs = sorted(set(move) & set(copy))
    best = None
    for r in reversed(runs):
        if move[r] < copy[r]:
            best = r
        else:
            break
    return best


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    raw, out, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    metric = args.pop(0) if args and args[0] in ("cpu", "wall") else "wall"
    want = list(dict.fromkeys(args))

    pts = defaultdict(lambda: ([], []))
    cpus = {}
    kernels = []
    with open(raw) as f:
        for row in csv.reader(f):
            if not row or row[0] in ("kernel", "xover") or row[0].startswith("#"):
                continue
            k, m, run, oth, cpo = row[0], row[1], int(row[2]), int(row[3]), int(row[4])
            if want and k not in want:
                continue
            if k not in kernels:
                kernels.append(k)
            pts[(k, m, run, oth)][0].append(float(row[6]))
            pts[(k, m, run, oth)][1].append(float(row[8]))
            cpus[(k, oth)] = cpo
    if not pts:
        sys.exit("crossover: no rows in " + raw + (" for " + " ".join(want) if want else ""))
    if want:
        missing = [k for k in want if k not in kernels]
        if missing:
            print("crossover: no rows for " + " ".join(missing), file=sys.stderr)
        kernels = [k for k in want if k in kernels]
    res = {key: (statistics.median(w), statistics.median(c), len(w)) for key, (w, c) in pts.items()}

    with open(f"{out}/crossover.csv", "w") as f:
        f.write("kernel,method,run_pages,others,cpus_others,wall_ns_per_page,cpu_ns_per_page,boots\n")
        for (k, m, run, oth), (w, c, n) in sorted(res.items(), key=lambda i: (kernels.index(i[0][0]),) + i[0][1:]):
            f.write(f"{k},{m},{run},{oth},{cpus[(k, oth)]},{w:.1f},{c:.1f},{n}\n")

    idx = 0 if metric == "wall" else 1
    lines = []
    summary = []
    runs = sorted({key[2] for key in res})
    for k in kernels:
        lines.append(f"{k}: ns per 4 KiB page, median ({metric} time), move / copy / copy-each")
        hdr = f"{'others':>6} {'cpus':>4} |" + "".join(f"{r:>24}" for r in runs)
        lines.append(hdr)
        lines.append("-" * len(hdr))
        for oth in sorted({key[3] for key in res if key[0] == k}):
            cells = []
            for r in runs:
                v = [res.get((k, m, r, oth)) for m in METHODS]
                cells.append("/".join(f"{x[idx]:.0f}" if x else "-" for x in v))
            lines.append(f"{oth:>6} {cpus[(k, oth)]:>4} |" + "".join(f"{c:>24}" for c in cells))
            xo = {}
            for j, name in ((0, "wall"), (1, "cpu")):
                mv = {r: v[j] for (kk, m, r, o), v in res.items() if kk == k and m == "move" and o == oth}
                for c in METHODS[1:]:
                    cp = {r: v[j] for (kk, m, r, o), v in res.items() if kk == k and m == c and o == oth}
                    xo[(name, c)] = crossover(mv, cp) if cp else "-"
            summary.append((k, oth, cpus[(k, oth)], xo))
        lines.append("")
    lines.append("Crossover: shortest run length (4 KiB pages per ioctl) from which MOVE is")
    lines.append("faster than COPY (+ MADV_DONTNEED) at that and every longer run measured.")
    other = "cpu" if metric == "wall" else "wall"
    lines.append(f"{'':<24} {'':>6} {'':>7} | {'vs copy (GC-like)':^23} | {'vs copy-each':^23}")
    lines.append(f"{'kernel':<24} {'others':>6} {'on cpus':>7} | {metric:>11} {other:>11} | {metric:>11} {other:>11}")
    for k, oth, cpo, xo in summary:
        fmt = lambda v: v if isinstance(v, str) else "never" if v is None else f"{v} pages"
        lines.append(f"{k:<24} {oth:>6} {cpo:>7} | {fmt(xo[(metric, 'copy')]):>11} {fmt(xo[(other, 'copy')]):>11} | "
                     f"{fmt(xo[(metric, 'copy-each')]):>11} {fmt(xo[(other, 'copy-each')]):>11}")
    nb = sorted({v[2] for v in res.values()})
    lines.append("")
    lines.append("others: other threads of the process spinning on other CPUs while the mover runs;")
    lines.append("on cpus: how many distinct CPUs they ran on (a 2-CPU machine has one besides the mover's).")
    lines.append(f"Each cell: median of 3 repetitions{'' if nb == [1] else ', then median over ' + '/'.join(map(str, nb)) + ' boots'}.")
    lines.append("wall: CLOCK_MONOTONIC; cpu: the mover thread's CPU time (leaves out time it waited")
    lines.append("for a CPU on a shared host, keeps the time it spun waiting for TLB-flush IPIs).")
    with open(f"{out}/crossover.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    plot(res, kernels, runs, idx, metric, out)


def plot(res, kernels, runs, idx, metric, out):
    blocks, cmds = [], []
    colors = {"move": "#1f77b4", "copy": "#d62728", "copy-each": "#ff7f0e"}
    for ki, k in enumerate(kernels):
        pt = MARKERS[ki % len(MARKERS)][0]
        for m in METHODS:
            for oth in sorted({key[3] for key in res if key[0] == k}):
                p = [(r, res[(k, m, r, oth)][idx]) for r in runs if (k, m, r, oth) in res]
                if not p:
                    continue
                name = f"d{len(blocks)}"
                blocks.append(f"${name} << EOD\n" + "\n".join(f"{r} {v:.1f}" for r, v in p) + "\nEOD")
                cmds.append(f"${name} using 1:2 with linespoints lw 2 pt {pt} ps 0.8 dt {1 + oth} "
                            f"lc rgb '{colors[m]}' title '{k} {m}, {oth} other thr'")
    script = [
        "set terminal pngcairo size 1100,800 font 'DejaVu Sans,10'" if has_cairo() else "set terminal png size 1100,800",
        f"set output '{out}/crossover.png'",
        *blocks,
        "set termoption noenhanced",
        "set logscale xy 2", "set grid",
        f"set xrange [0.8:{runs[-1] * 1.25}]",
        "set format y '%g'",
        "set xlabel 'run length (contiguous 4 KiB pages per ioctl)'",
        f"set ylabel 'ns per page ({metric} time, median of 3)'",
        "set key outside bottom center horizontal maxrows 3 font ',8'",
        "set xtics (" + ",".join(f"'{r}' {r}" for r in runs) + ")",
        'set title "UFFDIO_MOVE vs UFFDIO_COPY (+ MADV_DONTNEED at the end: copy, after each run: copy-each)\\n'
        'by run length; solid: no other thread running, dashed: 1, dotted: 2' + marker_note(kernels) + '"',
        "plot " + ", \\\n  ".join(cmds),
    ]
    with open(f"{out}/crossover.gp", "w") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", f"{out}/crossover.gp"], check=True)


def marker_note(kernels):
    """'; squares: K1, circles: K2, ...' when there are several kernels."""
    if len(kernels) < 2:
        return ""
    return "; " + ", ".join(f"{MARKERS[ki % len(MARKERS)][1]}: {k}" for ki, k in enumerate(kernels))


def has_cairo():
    r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    return "pngcairo" in (r.stdout + r.stderr)


if __name__ == "__main__":
    main()
