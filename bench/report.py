#!/usr/bin/env python3
"""Turn bench/run-bench.sh's raw.csv into results.csv, table.txt and a
gnuplot PNG of throughput vs request size.

usage: bench/report.py RAW_CSV OUT_DIR OURS_LABEL [REF_LABEL ...]

The kernels are OURS_LABEL and each REF_LABEL (zero or more), in that order.
results.csv: one line per (kernel, method, pages, size, request, threads),
the median over boots of the per-boot medians.
table.txt: per-page cost and throughput of every row for each kernel, and
per reference the time ratio ours/REF_LABEL (> 1: ours is slower); then the
ART hot path (methods art-move and art-copy: per page, write a
compaction-buffer page and MOVE or COPY it into the next page of a uffd
to-space) with its MOVE/COPY ratio per kernel.
throughput.png: request sweep (the region size with the most request sizes),
one panel for 4 KiB pages and one for THP, one series per kernel, method and
thread count; mremap rows of the same size are drawn as flat lines (they move
the whole region at once).  With ART rows, a panel of their ns per page, one
cluster of bars per kernel.  Either part may be absent (uffd-move-bench
--cases).
"""
import csv
import statistics
import subprocess
import sys
from collections import defaultdict

FIELDS = ["kernel", "method", "pages", "size", "request", "threads",
          "median_ns", "per_page_ns", "throughput_MiBps"]
METHODS = ["move", "copy", "mremap-pmd", "mremap-pte", "art-move", "art-copy"]
# The ART hot-path rows: their own section of the table and panel of the plot.
ART = {"art-move": "ART hot path: 1-page MOVE from a buffer",
       "art-copy": "ART hot path: 1-page COPY from a buffer"}
# Line style of each kernel in the request-sweep panels, in command-line order
# (cycled beyond): point type, and dash type for 1 and for 2 threads, each
# with the words the plot title uses for it.
KERNEL_STYLES = [
    ((7, "circles"), ("1", "solid"), ("2", "dashed")),
    ((5, "squares"), ("3", "dotted"), ("4", "dash-dot")),
    ((9, "triangles"), ("5", "dash-dot-dot"), ("(16,6)", "long dashes")),
    ((13, "diamonds"), ("(2,8)", "sparse dots"), ("(16,4,2,4)", "long dash-dot")),
]


def human(n):
    n = int(n)
    for unit, div in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def ratio_heads(refs):
    """The header of each ours/REF time-ratio column; its width too."""
    return [f"ours/{r[:16]}" for r in refs]


def ratio_cells(texts, heads):
    """' | text' per ratio column, each as wide as its header, trailing
    blanks dropped (the ratio columns are the last of a line)."""
    return "".join(f" | {t:<{len(h)}}" for t, h in zip(texts, heads)).rstrip()


def ratios(vals, heads):
    """The ratio cells of a row: ours' time over each reference's time;
    vals: per kernel, ours first, (median_ns, ...) or None."""
    return ratio_cells([f"{vals[0][0] / v[0]:>5.2f}" if vals[0] and v else f"{'-':>5}"
                        for v in vals[1:]], heads)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    raw, out = sys.argv[1], sys.argv[2]
    kernels = list(dict.fromkeys(sys.argv[3:]))
    ours, refs = kernels[0], kernels[1:]
    heads = ratio_heads(refs)

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

    def order(k):
        return (kernels.index(k[0]) if k[0] in kernels else len(kernels), k[2], k[5],
                METHODS.index(k[1]), k[3], k[4])

    with open(f"{out}/results.csv", "w") as f:
        f.write(",".join(FIELDS) + "\n")
        for key in sorted(res, key=order):
            med, pp, tp, _ = res[key]
            f.write(",".join(map(str, key)) + f",{med:.0f},{pp:.1f},{tp:.1f}\n")

    rows = sorted({k[1:] for k in res if k[1] not in ART},
                  key=lambda k: (k[1], k[4], METHODS.index(k[0]), k[2], k[3]))
    lines = []
    if rows:
        hdr = f"{'method':<11}{'pages':<6}{'size':>6}{'req':>6}{'thr':>4}"
        for k in kernels:
            hdr += f" | {k[:21]:>21}"
        hdr += "".join(f" | {h}" for h in heads)
        lines.append(hdr)
        lines.append(f"{'':<33}" + "".join(f" | {'ns/page':>9} {'MiB/s':>11}" for _ in kernels)
                     + ratio_cells([" time"] * len(heads), heads))
        lines.append("-" * len(hdr))
    for m, pages, size, req, thr in rows:
        line = f"{m:<11}{pages:<6}{human(size):>6}{human(req):>6}{thr:>4}"
        vals = []
        for k in kernels:
            v = res.get((k, m, pages, size, req, thr))
            vals.append(v)
            line += f" | {v[1]:>9.1f} {v[2]:>11.1f}" if v else f" | {'-':>9} {'-':>11}"
        lines.append(line + ratios(vals, heads))
    lines += art_table(res, kernels, heads, bool(rows))
    nboots = sorted({v[3] for v in res.values()})
    lines.append("")
    lines.append(f"ns/page: median time / (size / 4 KiB); medians over {'/'.join(map(str, nboots))} boot(s).")
    for ref, h in zip(refs, heads):
        lines.append(f"{h}: {ours} time / {ref} time (> 1: ours slower).")
    with open(f"{out}/table.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    plot(res, kernels, out)


def art_rows(res, kernels):
    """{(kernel, method): value} of the ART hot-path rows, and their to-space size."""
    got = {(k[0], k[1]): v for k, v in res.items() if k[1] in ART and k[0] in kernels}
    sizes = {k[3] for k in res if k[1] in ART}
    return got, (max(sizes) if sizes else 0)


def art_table(res, kernels, heads, gap):
    """The ART hot-path section of table.txt: ns/page and MiB/s of MOVE and
    COPY per kernel, ours/REF per reference (heads: their headers), and
    MOVE/COPY per kernel."""
    got, size = art_rows(res, kernels)
    if not got:
        return []
    w = 41
    lines = [""] if gap else []
    lines.append(f"ART hot path: per 4 KiB page, write a compaction-buffer page, then move it "
                 f"into the next page of a {human(size)} uffd (MISSING) to-space")
    lines.append("(MOVE: the write faults a fresh page into the buffer the previous move emptied; "
                 "COPY: the buffer stays populated)")
    hdr = f"{'case':<{w}}" + "".join(f" | {k[:21]:>21}" for k in kernels) + "".join(f" | {h}" for h in heads)
    lines.append(hdr)
    lines.append(f"{'':<{w}}" + "".join(f" | {'ns/page':>9} {'MiB/s':>11}" for _ in kernels)
                 + ratio_cells([" time"] * len(heads), heads))
    lines.append("-" * len(hdr))
    for m, label in ART.items():
        line = f"{label:<{w}}"
        vals = [got.get((k, m)) for k in kernels]
        for v in vals:
            line += f" | {v[1]:>9.1f} {v[2]:>11.1f}" if v else f" | {'-':>9} {'-':>11}"
        lines.append(line + ratios(vals, heads))
    line = f"{'ART hot path: MOVE/COPY time':<{w}}"
    for k in kernels:
        mv, cp = got.get((k, "art-move")), got.get((k, "art-copy"))
        line += f" | {mv[0] / cp[0]:>9.2f} {'':>11}" if mv and cp else f" | {'-':>9} {'':>11}"
    lines.append(line + ratio_cells([""] * len(heads), heads))
    lines.append("MOVE/COPY: art-move time / art-copy time on that kernel (< 1: MOVE faster).")
    return lines


COLORS = {"move": "#1f77b4", "copy": "#d62728", "mremap-pmd": "#2ca02c", "mremap-pte": "#9467bd"}


def kernel_style(ki):
    """Point type and dash types (1 thread, 2 threads) of kernel number ki."""
    return KERNEL_STYLES[ki % len(KERNEL_STYLES)]


def sweep_points(res, kern, m, pages, size, reqs, thr):
    """(request, MiB/s) of one series; mremap: a flat line over the sweep."""
    if m.startswith("mremap"):
        v = res.get((kern, m, pages, size, size, 1))
        return [(r, v[2]) for r in (reqs[0], reqs[-1])] if v and thr == 1 else []
    return [(r, res[(kern, m, pages, size, r, thr)][2])
            for r in reqs if (kern, m, pages, size, r, thr) in res]


def sweep_panels(res, kernels, size, reqs):
    """Data blocks and, per page kind, the plot clauses of the request sweep:
    colour by method, point and dash type by kernel and thread count."""
    blocks, panels = [], {}
    for pages in ("4k", "thp"):
        cmds = []
        for ki, kern in enumerate(kernels):
            (pt, _), *dts = kernel_style(ki)
            for m in (m for m in METHODS if m not in ART):
                for thr in (1, 2):
                    pts = sweep_points(res, kern, m, pages, size, reqs, thr)
                    if not pts:
                        continue
                    name = f"d{len(blocks)}"
                    blocks.append(f"${name} << EOD\n" + "\n".join(f"{r / 1024:g} {t:.3f}" for r, t in pts) + "\nEOD")
                    mremap = m.startswith("mremap")
                    title = f"{kern} {m}" + (" (whole region)" if mremap else f" {thr}thr")
                    cmds.append(f"${name} using 1:2 with linespoints lw 2 pt {-1 if mremap else pt} ps 0.8 "
                                f"dt {dts[thr - 1][0]} lc rgb '{COLORS[m]}' title '{title}'")
        panels[pages] = cmds
    return blocks, panels


def sweep_title(size, kernels):
    """The plot title: what is moved, and how each kernel's lines look."""
    styles = []
    for ki, k in enumerate(kernels):
        (_, pts), (_, one), (_, two) = kernel_style(ki)
        styles.append(f"{k}: {one} 1 thread, {two} 2" + (f", {pts}" if len(kernels) > 2 else ""))
    sep = "\\n" if len(kernels) > 2 else " "
    return f"Moving a populated {human(size)} anonymous region, median of repeats{sep}(" + "; ".join(styles) + ")"


def plot(res, kernels, out):
    # the request sweep: the (size) with the most distinct move requests
    per_size = defaultdict(set)
    for k in res:
        if k[1] in ("move", "copy"):
            per_size[k[3]].add(k[4])
    size = max(per_size, key=lambda s: (len(per_size[s]), s)) if per_size else 0
    reqs = sorted(per_size[size]) if per_size else []
    blocks, panels = sweep_panels(res, kernels, size, reqs)
    art, art_size = art_rows(res, kernels)
    npanels = (2 if reqs else 0) + (1 if art else 0)
    width = 650 * npanels + 200
    # the key under a sweep panel: 6 entries per kernel, 2 columns
    height = 650 + 20 * max(0, 3 * len(kernels) - 6) if reqs else 650
    title = sweep_title(size, kernels) if reqs else "ART hot path, median of repeats"
    script = [
        f"set terminal pngcairo size {width},{height} font 'DejaVu Sans,10'" if has_cairo()
        else f"set terminal png size {width},{height}",
        f"set output '{out}/throughput.png'",
        "set termoption noenhanced",
        *blocks,
        f'set multiplot layout 1,{npanels} title "{title}"',
    ]
    if reqs:
        script += [
            "set logscale xy", "set grid",
            "set xlabel 'request size (bytes per ioctl)'", "set ylabel 'throughput (MiB/s)'",
            "set key outside bottom center horizontal maxrows 4 font ',8'",
            "set xtics (" + ",".join(f"'{human(r)}' {r / 1024:g}" for r in reqs) + ")",
        ]
        for pages, title in (("4k", "4 KiB pages"), ("thp", "THP (2 MiB)")):
            script.append(f"set title '{title}'")
            script.append("plot " + ", \\\n  ".join(panels[pages]) if panels[pages] else "plot 1/0 notitle")
    if art:
        script += art_panel(art, art_size, kernels)
    script.append("unset multiplot")
    with open(f"{out}/throughput.gp", "w") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", f"{out}/throughput.gp"], check=True)


def bar_offset(j, ncols, gap):
    """x offset from its cluster's centre of bar j (0-based) of a gnuplot
    clustered histogram of ncols columns and that gap (in bar widths)."""
    return (j - (ncols - 1) / 2) / (ncols + gap)


def art_panel(art, size, kernels):
    """gnuplot lines for the ART hot-path panel: clustered bars of ns per
    page, one cluster per kernel (x = 0, 1, ...: any number of kernels),
    MOVE and COPY side by side, values on top."""
    data = "\n".join(
        f"\"{k}\" " + " ".join(f"{art[(k, m)][1]:.1f}" if (k, m) in art else "NaN" for m in ART)
        for k in kernels)
    top = max(v[1] for v in art.values())
    gap = 1
    bars, labels = [], []
    for j, (m, name) in enumerate(ART.items()):
        c = j + 2  # its data column; the first names the data and the x tics
        src, xtic = ("$art", ":xtic(1)") if j == 0 else ("''", "")
        color = COLORS[m.replace("art-", "")]
        bars.append(f"{src} using {c}{xtic} lc rgb '{color}' title '{name}'")
        x = f"$0 {bar_offset(j, len(ART), gap):+.4f}"
        text = f"${c} == ${c} ? sprintf('%.0f', ${c}) : ''"  # none for NaN
        labels.append(f"'' using ({x}):{c}:({text}) with labels offset 0,0.7 notitle")
    return [
        f"$art << EOD\n{data}\nEOD",
        "unset logscale", "set grid ytics", "unset xtics", "set xtics nomirror scale 0",
        "set xlabel 'kernel'", "set ylabel 'ns per 4 KiB page (lower is better)'",
        f"set yrange [0:{top * 1.2:.1f}]", f"set xrange [-0.5:{len(kernels) - 0.5}]",
        f"set title 'ART hot path: per page, write a buffer page, then 1-page MOVE or COPY into a {human(size)} to-space'",
        "set style data histograms", f"set style histogram clustered gap {gap}",
        "set style fill solid 0.8 border -1", "set boxwidth 0.9",
        "set key inside top left vertical font ',9'",
        "plot " + ", ".join(bars + labels),
    ]


def has_cairo():
    r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    return "pngcairo" in (r.stdout + r.stderr)


if __name__ == "__main__":
    main()
