#!/usr/bin/env python3
"""Turn bench/run's raw result files into the table, the ratios and the target verdicts.

Usage: report.py OUT_DIR      (reads OUT_DIR/results.tsv, and OUT_DIR/latency.tsv and OUT_DIR/memory.tsv if present)
"""
import csv
import os
import re
import statistics
import sys

TARGETS = ["direct", "gateway", "pgbouncer"]
# "tls": -M extended with client TLS (sslmode=require) to each target.
MODES = ["simple", "extended", "prepared", "tls"]


def load(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def fnum(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def combine(rounds):
    """One point over its rounds: median TPS and latency, errors summed, the worst status."""
    tps = [r["tps"] for r in rounds]
    bad = [r for r in rounds if r["status"] != "ok"]
    status = "ok" if not bad else ("timeout" if any(r["status"] == "timeout" for r in bad) else "failed")
    if bad and len(rounds) > 1:
        status += " in %d of %d rounds" % (len(bad), len(rounds))
    valid = [x for x in tps if x is not None]

    def per_tx(column):
        """A CPU column over all rounds that have it, in microseconds per transaction."""
        pairs = [(fnum(r.get(column)), fnum(r.get("tx"))) for r in rounds]
        pairs = [(c, t) for c, t in pairs if c is not None and t]
        return sum(c for c, _ in pairs) * 1e6 / sum(t for _, t in pairs) if pairs else None

    return {
        "user_us_tx": per_tx("proxy_user_s"), "sys_us_tx": per_tx("proxy_sys_s"),
        "postgres_us_tx": per_tx("postgres_cpu_s"), "client_us_tx": per_tx("client_cpu_s"),
        "tps": median(tps), "lat_ms": median([r["lat_ms"] for r in rounds]),
        "range": "%.0f-%.0f" % (min(valid), max(valid)) if len(valid) > 1 else "",
        "errors": sum(r["errors"] for r in rounds), "status": status,
        "note": next((r["note"] for r in rounds if r.get("note")), ""),
        "cpu_us_tx": per_tx("proxy_cpu_s"),
        "load": median([fnum(r.get("load1")) for r in rounds]), "rounds": len(rounds),
    }


def paired_latency(rows):
    """{(target, mode): differences of avg latency from direct's in the same run of latency.tsv}, in microseconds."""
    by_run = {}
    for r in rows:
        by_run.setdefault((r["round"], r["mode"]), {})[r["target"]] = r
    diffs, failed = {}, {}
    for (_, m), run in by_run.items():
        d = run.get("direct")
        for t in ("gateway", "pgbouncer"):
            r = run.get(t)
            if not r or not d:
                continue
            lat, dlat = fnum(r["lat_ms"]), fnum(d["lat_ms"])
            if r["status"] != "ok" or d["status"] != "ok" or lat is None or dlat is None:
                failed[(t, m)] = failed.get((t, m), 0) + 1
                continue
            diffs.setdefault((t, m), []).append((lat - dlat) * 1000)
    out = {}
    for k in set(diffs) | set(failed):
        xs = sorted(diffs.get(k, []))
        if len(xs) > 1:
            q1, _, q3 = statistics.quantiles(xs, n=4)
        else:
            q1 = q3 = xs[0] if xs else None
        out[k] = {"median_us": statistics.median(xs) if xs else None, "q1_us": q1, "q3_us": q3, "runs": len(xs),
                  "failed": failed.get(k, 0)}
    return out


def us(x):
    return "-" if x is None else "%.1f" % x


def machine_cpu(res, clients):
    """Where the machine's CPU goes per transaction behind each target: on a machine that PostgreSQL, pgbench and the
    proxy share, TPS follows the sum, and a proxy can cost PostgreSQL or the client more as well as itself."""
    rows = [(m, c, t, res[(t, m, c)]) for m in MODES for c in clients for t in TARGETS if (t, m, c) in res]
    if not any(r["postgres_us_tx"] is not None for *_, r in rows):
        return
    print()
    print("CPU per transaction, all rounds (us): the proxy's in user space and in the kernel, PostgreSQL's (every process"
          " of its server),\npgbench's, and their sum; 'difference' is the gateway's minus PgBouncer's")
    print("  %-9s %7s  %-10s %8s %8s %10s %8s %8s" % ("mode", "clients", "target", "user", "kernel", "PostgreSQL",
                                                     "pgbench", "sum"))

    def parts(r):
        p = [r["user_us_tx"], r["sys_us_tx"], r["postgres_us_tx"], r["client_us_tx"]]
        return p + [sum(x for x in p if x is not None) if r["postgres_us_tx"] is not None else None]

    for m, c, t, r in rows:
        print("  %-9s %7d  %-10s %8s %8s %10s %8s %8s" % (m, c, t, *(us(x) for x in parts(r))))
        g, p = res.get(("gateway", m, c)), res.get(("pgbouncer", m, c))
        if t == TARGETS[-1] and g and p:
            diff = [None if a is None or b is None else a - b for a, b in zip(parts(g), parts(p))]
            print("  %-9s %7s  %-10s %8s %8s %10s %8s %8s" % ("", "", "difference", *(
                "-" if x is None else "%+.1f" % x for x in diff)))


def main(out):
    rows = load(os.path.join(out, "results.tsv"))
    raw = {}
    for r in rows:
        r["tps"] = fnum(r["tps"])
        r["lat_ms"] = fnum(r["lat_ms"])
        # Server errors pgbench reports without aborting the client (e.g. a failed PREPARE) count too.
        server_errors = 0
        err = os.path.join(out, "runs", "%s-%s-%s-%s.err" % (r.get("round", "1"), r["target"], r["mode"], r["clients"]))
        if os.path.exists(err):
            with open(err, errors="replace") as f:
                server_errors = sum(1 for line in f if re.match(r"pgbench: error: (ERROR|FATAL):", line))
        if server_errors and r["status"] == "ok":
            r["status"] = "failed"
        r["errors"] = int(r["failed"] or 0) + int(r["aborted"] or 0) + int(r["conn_errors"] or 0) + server_errors
        raw.setdefault((r["target"], r["mode"], int(r["clients"])), []).append(r)
    res = {k: combine(v) for k, v in raw.items()}
    clients = sorted({k[2] for k in res})
    n_rounds = max((v["rounds"] for v in res.values()), default=0)

    print("pgbench -S (select-only), TPS excludes connection set-up; errors = failed transactions"
          " + aborted clients + failed connections + other server errors pgbench printed")
    if n_rounds > 1:
        print("%d interleaved rounds per point: TPS and latency are the median round, errors the sum of all rounds"
              % n_rounds)
    print()
    print("%-9s %7s | %-10s %8s %13s %10s %6s %9s %5s  %s" % (
        "mode", "clients", "target", "TPS", "TPS range", "avg lat ms", "errors", "CPU us/tx", "load", "status"))
    print("-" * 100)
    for m in MODES:
        if not any(k[1] == m for k in res):
            continue
        for c in clients:
            for t in TARGETS:
                r = res.get((t, m, c))
                if not r:
                    continue
                tps = "%.0f" % r["tps"] if r["tps"] is not None else "-"
                lat = "%.3f" % r["lat_ms"] if r["lat_ms"] is not None else "-"
                cpu_tx = "%.1f" % r["cpu_us_tx"] if r["cpu_us_tx"] is not None else "-"
                ld = "%.1f" % r["load"] if r["load"] is not None else "-"
                status = r["status"] + ("" if not r.get("note") else " (" + r["note"] + ")")
                print("%-9s %7d | %-10s %8s %13s %10s %6d %9s %5s  %s" % (
                    m, c, t, tps, r["range"], lat, r["errors"], cpu_tx, ld, status))
        print("-" * 100)
    print("CPU us/tx: CPU time of the gateway / PgBouncer process per transaction (utime+stime).")
    print("load: 1-minute load average when the point finished (this machine has %d CPUs)." % os.cpu_count())

    print()
    print("Ratios (same run)       gateway/pgbouncer TPS           gateway/direct TPS   per-round: /pgb   /direct"
          "   gateway-direct lat (us)")
    for m in MODES:
        for c in clients:
            g, p, d = res.get(("gateway", m, c)), res.get(("pgbouncer", m, c)), res.get(("direct", m, c))
            if not g:
                continue

            def ratio(x):
                if not x or not x["tps"] or g["tps"] is None:
                    return "n/a (%s)" % (x["status"] if x else "not run")
                if x["status"] != "ok":
                    return "(%.2fx: %s)" % (g["tps"] / x["tps"], x["status"].replace(" in ", " "))
                return "%.2fx" % (g["tps"] / x["tps"])

            dl = "-"
            if d and d["lat_ms"] is not None and g["lat_ms"] is not None:
                dl = "%+.0f" % ((g["lat_ms"] - d["lat_ms"]) * 1000)
            def paired(other):
                """Median over rounds of the ratio within one round (the two ran back to back)."""
                by_round = {r.get("round"): r for r in raw.get((other, m, c), [])}
                rs = [g_r["tps"] / by_round[g_r.get("round")]["tps"] for g_r in raw.get(("gateway", m, c), [])
                      if g_r["tps"] and by_round.get(g_r.get("round")) and by_round[g_r.get("round")]["tps"]
                      and by_round[g_r.get("round")]["status"] == "ok"]
                return "%.2fx" % median(rs) if rs else "-"

            print("  %-9s %4d clients   %-30s  %-19s  %-8s %-8s  %s" % (
                m, c, ratio(p), ratio(d), paired("pgbouncer"), paired("direct"), dl))
    print("  (ratios of the median TPS; per-round: median of the ratios within each round, where the two ran back to"
          " back;\n   a ratio in parentheses compares with a target that failed, whose TPS counts only the clients that"
          " were not aborted)")

    machine_cpu(res, clients)

    latency = paired_latency(load(os.path.join(out, "latency.tsv")))
    if latency:
        print()
        print("1-client latency, short runs back to back (median over runs of the target's avg latency minus direct's"
              " in the same run; the middle half of them in brackets)")
        for m in MODES:
            for t in ("gateway", "pgbouncer"):
                d = latency.get((t, m))
                if d and not d["runs"]:
                    print("  %-9s %-10s all %d runs failed" % (m, t, d["failed"]))
                elif d:
                    print("  %-9s %-10s %+5.0f us  [%+.0f .. %+.0f]  %d runs%s" % (
                        m, t, d["median_us"], d["q1_us"], d["q3_us"], d["runs"],
                        "" if not d["failed"] else ", %d failed (left out)" % d["failed"]))

    # ---- targets -------------------------------------------------------------------------------
    verdicts = []

    def check(name, ok, detail):
        verdicts.append((name, ok, detail))

    def tps(t, m, c):
        r = res.get((t, m, c))
        return r["tps"] if r and r["tps"] is not None else None

    for m in ("simple", "extended"):
        for c in (50, 500):
            g, p = res.get(("gateway", m, c)), res.get(("pgbouncer", m, c))
            if not g or not p:
                check("gateway >= 1.0x PgBouncer TPS, -M %s, %d clients" % (m, c), None, "not run")
                continue
            ok = g["status"] == "ok" and g["errors"] == 0 and p["tps"] and g["tps"] >= p["tps"]
            detail = "%.0f vs %.0f TPS = %.2fx" % (g["tps"] or 0, p["tps"] or 0, (g["tps"] or 0) / p["tps"]) \
                if p["tps"] else "pgbouncer had no TPS"
            if g["errors"]:
                detail += ", gateway errors %d" % g["errors"]
            check("gateway >= 1.0x PgBouncer TPS, -M %s, %d clients" % (m, c), ok, detail)

    for c in sorted(k[2] for k in res if k[0] == "gateway" and k[1] == "tls"):
        g, p = res.get(("gateway", "tls", c)), res.get(("pgbouncer", "tls", c))
        name = "gateway >= 1.0x PgBouncer TPS, client TLS (-M extended), %d clients" % c
        if not p or not p["tps"]:
            check(name, None, "PgBouncer not run or no TPS")
            continue
        check(name, g["status"] == "ok" and g["errors"] == 0 and g["tps"] is not None and g["tps"] >= p["tps"],
              "%.0f vs %.0f TPS = %.2fx" % (g["tps"] or 0, p["tps"], (g["tps"] or 0) / p["tps"]))

    prep = [res.get(("gateway", "prepared", c)) for c in clients]
    if all(prep):
        errs = {c: r["errors"] for c, r in zip(clients, prep)}
        bad = {c: r["status"] for c, r in zip(clients, prep) if r["status"] != "ok"}
        ok = not any(errs.values()) and not bad
        check("-M prepared: zero gateway errors at every client count", ok,
              ", ".join("%d clients: %d errors%s" % (c, e, "" if c not in bad else " [%s]" % bad[c])
                        for c, e in errs.items()))
    g, d = tps("gateway", "prepared", 50), tps("direct", "prepared", 50)
    if g is not None and d:
        check("-M prepared: gateway >= 0.9x direct TPS at 50 clients", g >= 0.9 * d,
              "%.0f vs %.0f TPS = %.2fx" % (g, d, g / d))
    for m in MODES:
        name = "avg latency at 1 client <= direct + 50 us, -M %s" % m
        gr, dr, lp = res.get(("gateway", m, 1)), res.get(("direct", m, 1)), latency.get(("gateway", m))
        if lp:
            # The paired runs decide: one 5-s point per round moves by more than the 50 us being judged.
            pgb = latency.get(("pgbouncer", m))
            if not lp["runs"]:
                check(name, False, "all %d paired runs failed" % lp["failed"])
            else:
                check(name, lp["median_us"] <= 50 and not lp["failed"],
                      "%+.0f us, median of %d paired runs%s%s" % (
                          lp["median_us"], lp["runs"], "" if not lp["failed"] else ", %d failed" % lp["failed"],
                          "" if not pgb or not pgb["runs"] else " (PgBouncer %+.0f us)" % pgb["median_us"]))
        elif gr and dr and gr["lat_ms"] is not None and dr["lat_ms"] is not None:
            diff_us = (gr["lat_ms"] - dr["lat_ms"]) * 1000
            check(name, diff_us <= 50 and gr["errors"] == 0,
                  "%.3f ms vs %.3f ms = %+.0f us" % (gr["lat_ms"], dr["lat_ms"], diff_us))
        # Issue 15's target: what the gateway adds to a lone client's latency at most 5 us more than what PgBouncer
        # adds, both judged by the paired runs (each run against direct PostgreSQL in the same moment).
        pgb = latency.get(("pgbouncer", m))
        if lp and lp["runs"] and pgb and pgb["runs"]:
            check("added latency at 1 client <= PgBouncer's + 5 us, -M %s" % m,
                  lp["median_us"] <= pgb["median_us"] + 5 and not lp["failed"],
                  "%+.0f us vs PgBouncer's %+.0f us over direct, medians of paired runs" % (lp["median_us"], pgb["median_us"]))

    # Issue 15's targets for the pooling core: TPS 1.05x PgBouncer's, at no more CPU per transaction.
    for m in ("simple", "extended"):
        for c in (50, 500):
            g, p = res.get(("gateway", m, c)), res.get(("pgbouncer", m, c))
            if not g or not p or not p["tps"] or g["tps"] is None:
                continue
            check("gateway >= 1.05x PgBouncer TPS, -M %s, %d clients" % (m, c),
                  g["status"] == "ok" and g["errors"] == 0 and g["tps"] >= 1.05 * p["tps"],
                  "%.2fx" % (g["tps"] / p["tps"]))
            if g["cpu_us_tx"] is not None and p["cpu_us_tx"] is not None:
                check("gateway CPU/tx <= PgBouncer's, -M %s, %d clients" % (m, c), g["cpu_us_tx"] <= p["cpu_us_tx"],
                      "%.1f vs %.1f us (user %s vs %s, system %s vs %s)" % (
                          g["cpu_us_tx"], p["cpu_us_tx"], us(g["user_us_tx"]), us(p["user_us_tx"]),
                          us(g["sys_us_tx"]), us(p["sys_us_tx"])))

    mem = {r["target"]: r for r in load(os.path.join(out, "memory.tsv"))}
    if mem:
        print()
        print("Idle client connections (RSS from /proc/<pid>/status VmRSS)")
        for t in ("gateway", "pgbouncer"):
            r = mem.get(t)
            if not r:
                continue
            alive = int(r["alive"] or 0)
            delta = int(r["after_kb"]) - int(r["before_kb"])
            per = delta / alive if alive else float("nan")
            extra = ""
            if r.get("heap_before_kb") and r.get("heap_after_kb"):
                hb, ha = fnum(r["heap_before_kb"]), fnum(r["heap_after_kb"])
                if hb is not None and ha is not None and alive:
                    extra = "; live heap after full GC %+.0f KB = %.2f KB/conn" % (ha - hb, (ha - hb) / alive)
            print("  %-10s %5d of %5d idle (failed %s): RSS %d KB -> %d KB = %+d KB, %.2f KB per connection%s"
                  % (t, alive, int(r["requested"]), r["failed"], int(r["before_kb"]), int(r["after_kb"]), delta, per,
                     extra))
            if r.get("errors") and r["errors"] != "{}":
                print("             first errors: %s" % r["errors"])
        r = mem.get("gateway")
        if r:
            alive = int(r["alive"] or 0)
            per = (int(r["after_kb"]) - int(r["before_kb"])) / alive if alive else None
            ok = per is not None and per <= 5.0 and alive == int(r["requested"])
            check("gateway RSS <= 5 KB per idle client connection at %s connections" % r["requested"], ok,
                  "%.2f KB/conn, %d of %s connections idle" % (per or 0, alive, r["requested"]))

    print()
    print("Targets")
    for name, ok, detail in verdicts:
        print("  %-4s %-62s %s" % ("PASS" if ok else ("MISS" if ok is not None else "----"), name, detail))
    n_pass = sum(1 for v in verdicts if v[1])
    print("  %d of %d targets met" % (n_pass, len(verdicts)))


if __name__ == "__main__":
    main(sys.argv[1])
