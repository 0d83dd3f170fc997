#!/usr/bin/env python3
"""Report of uffd-process-bench runs: table, acceptance ratios, plot.

    bench/process-report.py RAW_CSV OUT_DIR OURS [REFERENCE ...]

Takes the median over runs of every figure, prints a table per kernel, in
the order given (victim latencies alone and beside the mover, MOVE
throughput per scenario), checks OURS against the acceptance criteria of
the project's issues 16 and 25 (MOVE alone at least as fast as on each
REFERENCE, an upstream kernel; zero or more), and writes OUT_DIR/table.txt,
OUT_DIR/summary.csv (every kernel) and OUT_DIR/latency.png (gnuplot: victim
p99 alone and beside the mover, per victim, one pair of bars per kernel).
"""
import csv
import os
import statistics
import subprocess
import sys
from collections import defaultdict


def load(path):
    rows = defaultdict(list)
    with open(path) as f:
        for r in csv.DictReader(f):
            key = (r['kernel'], r['scenario'], r['thread'], r['mover'])
            rows[key].append(r)
    med = {}
    for key, rs in rows.items():
        m = {}
        for col in ('ops', 'p50_us', 'p99_us', 'max_us', 'move_MiBps'):
            vals = [float(r[col]) for r in rs if r[col] != '']
            m[col] = statistics.median(vals) if vals else None
        m['runs'] = len(rs)
        med[key] = m
    return med


def kernel_table(med, k):
    """Lines of kernel k's table, and its summary.csv rows."""
    lines, summary = [], []
    lines.append(f'{k}: victim latency in us, alone -> beside the mover '
                 f'(median of {max(m["runs"] for m in med.values())} runs)')
    lines.append(f'  {"scenario":9} {"victim":9} {"p50":>15} {"p99":>17} '
                 f'{"max":>19} {"ops":>15}')
    for scen in ('mmap', 'mprotect', 'fault', 'all'):
        for thr in ('mmap', 'mprotect', 'fault'):
            a = med.get((k, scen, thr, '0'))
            b = med.get((k, scen, thr, '1'))
            if not a or not b:
                continue
            lines.append(
                f'  {scen:9} {thr:9} {a["p50_us"]:7.1f} -> {b["p50_us"]:<7.1f}'
                f'{a["p99_us"]:8.1f} -> {b["p99_us"]:<8.1f}'
                f'{a["max_us"]:9.1f} -> {b["max_us"]:<9.1f}'
                f'{a["ops"]:7.0f} -> {b["ops"]:<7.0f}')
            summary.append([k, scen, thr, a['p50_us'], a['p99_us'],
                            b['p50_us'], b['p99_us'], a['ops'], b['ops']])
    mv = {s: med.get((k, s, 'move', '1'), {}).get('move_MiBps')
          for s in ('alone', 'mmap', 'mprotect', 'fault', 'all')}
    lines.append('  MOVE MiB/s: ' + ', '.join(
        f'{s} {v:.0f}' for s, v in mv.items() if v is not None))
    lines.append('')
    return lines, summary


def acceptance(med, ours, refs):
    """(text, passed) of each acceptance criterion; the one against an
    upstream kernel once per reference."""
    def get(k, s, t, m, col):
        v = med.get((k, s, t, m), {}).get(col)
        return v if v is not None else float('nan')

    checks = []
    mm_a, mm_b = get(ours, 'mmap', 'mmap', '0', 'p99_us'), get(ours, 'mmap', 'mmap', '1', 'p99_us')
    checks.append((f'mmap+munmap p99 beside the mover {mm_b:.0f} us <= 10x alone '
                   f'({mm_a:.0f} us): {mm_b / mm_a:.1f}x', mm_b <= 10 * mm_a))
    checks.append((f'mmap+munmap p99 beside the mover {mm_b:.0f} us < 500 us', mm_b < 500))
    f_a, f_b = get(ours, 'fault', 'fault', '0', 'p99_us'), get(ours, 'fault', 'fault', '1', 'p99_us')
    checks.append((f'fault p99 beside the mover {f_b:.1f} us <= 10x alone '
                   f'({f_a:.1f} us): {f_b / f_a:.1f}x', f_b <= 10 * f_a))
    t_alone = get(ours, 'alone', 'move', '1', 'move_MiBps')
    t_mmap = get(ours, 'mmap', 'move', '1', 'move_MiBps')
    checks.append((f'MOVE beside the mmap thread {t_mmap:.0f} MiB/s >= 1/2 of alone '
                   f'({t_alone:.0f} MiB/s): {t_mmap / t_alone:.2f}', t_mmap >= t_alone / 2))
    for ref in refs:
        r_alone = get(ref, 'alone', 'move', '1', 'move_MiBps')
        checks.append((f'MOVE alone {t_alone:.0f} MiB/s >= {ref} alone '
                       f'({r_alone:.0f} MiB/s): {t_alone / r_alone:.2f}x', t_alone >= r_alone))
    return checks


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    raw, out = sys.argv[1:3]
    kernels = list(dict.fromkeys(sys.argv[3:]))
    ours, refs = kernels[0], kernels[1:]
    med = load(raw)
    if not med:
        sys.exit('process-report: no rows in ' + raw)
    os.makedirs(out, exist_ok=True)
    lines = []
    summary = []
    for k in kernels:
        kl, ks = kernel_table(med, k)
        lines += kl
        summary += ks
    lines.append(f'acceptance ({ours}):')
    for text, ok in acceptance(med, ours, refs):
        lines.append(f'  {"PASS" if ok else "FAIL"}  {text}')
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    with open(os.path.join(out, 'table.txt'), 'w') as f:
        f.write(text)
    with open(os.path.join(out, 'summary.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['kernel', 'scenario', 'victim', 'alone_p50_us', 'alone_p99_us',
                    'beside_p50_us', 'beside_p99_us', 'alone_ops', 'beside_ops'])
        w.writerows(summary)
    plot(out, summary, kernels)


# Bar colour of each kernel, in the order given (cycled beyond).
COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd']
VICTIMS = ('mmap', 'mprotect', 'fault')


def plot(out, summary, kernels):
    """latency.png: a cluster per victim (from the scenario where it is the
    only victim), two bars per kernel in the kernel's colour: p99 alone
    (light) and beside the mover (solid)."""
    p99 = {(k, thr): (a99, b99) for k, scen, thr, a50, a99, b50, b99, *_ in summary if scen == thr}
    # kernels without rows get no bars (gnuplot fails on an all-NaN column)
    shown = [(k, COLORS[ki % len(COLORS)]) for ki, k in enumerate(kernels)
             if any((k, thr) in p99 for thr in VICTIMS)]
    if not shown:
        print('process-report: no plot: no victim rows', file=sys.stderr)
        return
    dat = os.path.join(out, 'latency.dat')
    with open(dat, 'w') as f:
        for thr in VICTIMS:
            vals = [p99.get((k, thr), ('NaN', 'NaN')) for k, _ in shown]
            f.write(f'"{thr}" ' + ' '.join(f'{a} {b}' for a, b in vals) + '\n')
    bars = []
    for i, (k, color) in enumerate(shown):
        src, xtic = (f'"{dat}"', ':xtic(1)') if i == 0 else ('""', '')
        bars.append(f'{src} using {2 + 2 * i}{xtic} fill solid 0.3 lc rgb "{color}" title "{k} alone"')
        bars.append(f'"" using {3 + 2 * i} fill solid 0.9 lc rgb "{color}" title "{k} beside the mover"')
    width = 960 + 80 * len(shown)  # 3 victims x 2 bars per kernel, key at the right
    script = f'''
set terminal pngcairo size {width},500
set output "{os.path.join(out, 'latency.png')}"
set termoption noenhanced
set title "victim p99 latency, alone and beside a 2 MiB-request UFFDIO_MOVE loop"
set xlabel "victim thread (scenario with only that victim)"
set ylabel "p99 (us, log)"
set logscale y
set style data histogram
set style histogram cluster gap 1
set style fill solid border -1
set key outside right top vertical Left reverse
plot {", ".join(bars)}
'''
    try:
        subprocess.run(['gnuplot'], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f'process-report: no plot: {e}', file=sys.stderr)


if __name__ == '__main__':
    main()
