#!/usr/bin/env python3
"""Report of uffd-process-bench runs: table, acceptance ratios, plot.

    bench/process-report.py RAW_CSV OUT_DIR OURS [REFERENCE]

Takes the median over runs of every figure, prints a table per kernel
(victim latencies alone and beside the mover, MOVE throughput per
scenario), checks OURS against the acceptance criteria of the project's
issue 16 (with REFERENCE, upstream, for the throughput ratio), and writes
OUT_DIR/table.txt, OUT_DIR/summary.csv and OUT_DIR/latency.png (gnuplot).
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


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    raw, out, ours = sys.argv[1:4]
    ref = sys.argv[4] if len(sys.argv) > 4 else None
    med = load(raw)
    os.makedirs(out, exist_ok=True)
    lines = []
    summary = []
    for k in [ours] + ([ref] if ref else []):
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

    def get(k, s, t, m, col):
        v = med.get((k, s, t, m), {}).get(col)
        return v if v is not None else float('nan')

    checks = []
    mm_a, mm_b = get(ours, 'mmap', 'mmap', '0', 'p99_us'), get(ours, 'mmap', 'mmap', '1', 'p99_us')
    checks.append((f'mmap+munmap p99 beside the mover {mm_b:.0f} us <= 10x alone '
                   f'({mm_a:.0f} us): {mm_b / mm_a:.1f}x', mm_b <= 10 * mm_a))
    checks.append((f'mmap+munmap p99 beside the mover {mm_b:.0f} us < 1000 us', mm_b < 1000))
    f_a, f_b = get(ours, 'fault', 'fault', '0', 'p99_us'), get(ours, 'fault', 'fault', '1', 'p99_us')
    checks.append((f'fault p99 beside the mover {f_b:.1f} us <= 10x alone '
                   f'({f_a:.1f} us): {f_b / f_a:.1f}x', f_b <= 10 * f_a))
    t_alone = get(ours, 'alone', 'move', '1', 'move_MiBps')
    t_mmap = get(ours, 'mmap', 'move', '1', 'move_MiBps')
    checks.append((f'MOVE beside the mmap thread {t_mmap:.0f} MiB/s >= 1/3 of alone '
                   f'({t_alone:.0f} MiB/s): {t_mmap / t_alone:.2f}', t_mmap >= t_alone / 3))
    if ref:
        r_mmap = get(ref, 'mmap', 'move', '1', 'move_MiBps')
        checks.append((f'MOVE beside the mmap thread {t_mmap:.0f} MiB/s >= 3x {ref} '
                       f'({r_mmap:.0f} MiB/s): {t_mmap / r_mmap:.2f}x', t_mmap >= 3 * r_mmap))
    lines.append(f'acceptance ({ours}):')
    for text, ok in checks:
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
    plot(out, summary, [ours] + ([ref] if ref else []))


def plot(out, summary, kernels):
    dat = os.path.join(out, 'latency.dat')
    with open(dat, 'w') as f:
        for k, scen, thr, a50, a99, b50, b99, *_ in summary:
            if scen == thr:
                f.write(f'"{k}\\n{thr}" {a99} {b99}\n')
    script = f'''
set terminal pngcairo size 900,500
set output "{os.path.join(out, 'latency.png')}"
set title "victim p99 latency, alone and beside a 2 MiB-request UFFDIO_MOVE loop"
set ylabel "p99 (us, log)"
set logscale y
set style data histogram
set style histogram cluster gap 1
set style fill solid border -1
set key top left
plot "{dat}" using 2:xtic(1) title "alone", "" using 3 title "beside the mover"
'''
    try:
        subprocess.run(['gnuplot'], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f'process-report: no plot: {e}', file=sys.stderr)


if __name__ == '__main__':
    main()
