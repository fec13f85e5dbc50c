#!/usr/bin/env python3
"""Summary of bench/side-by-side's rounds: per target the medians of TPS, latency and CPU per transaction, and per
round a ratio to PgBouncer's (TPS over PgBouncer's; at a fixed rate, where every target runs the same TPS, CPU per
transaction over PgBouncer's instead), with the median of those ratios. Ratios taken round by round cancel most of
what the machine was doing at the time; the median drops the odd round.

Usage: sbs_summary.py ROUNDS.tsv [rate]     (rows: round, target, tps, latency ms, CPU µs per transaction)
"""
import collections
import statistics
import sys


def main():
    rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
    fixed_rate = len(sys.argv) > 2 and sys.argv[2] == "rate"
    by = collections.defaultdict(dict)
    order = []
    for rnd, target, tps, lat, cpu in rows:
        if target not in order:
            order.append(target)
        by[target][rnd] = (float(tps), float(lat), float(cpu))
    ref = by.get("pgbouncer")
    what = "CPU/tx over PgBouncer's" if fixed_rate else "TPS over PgBouncer's"
    index = 2 if fixed_rate else 0
    for target in order:
        runs = by[target]
        line = (f"{target:10s} median {statistics.median(v[0] for v in runs.values()):9.0f} tps  "
                f"latency {statistics.median(v[1] for v in runs.values()) * 1000:7.0f} µs  "
                f"CPU {statistics.median(v[2] for v in runs.values()):6.1f} µs/tx")
        if ref and target != "pgbouncer":
            ratios = [runs[r][index] / ref[r][index] for r in runs if r in ref and ref[r][index] > 0]
            if ratios:
                line += f"  {what}: median {statistics.median(ratios):.2f} (rounds {' '.join(f'{x:.2f}' for x in ratios)})"
        print(line)


if __name__ == "__main__":
    main()
