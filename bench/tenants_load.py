#!/usr/bin/python3
"""Many tenants under load (bench/tenants): asyncpg clients spread Zipf-like over tenant databases.

  tenants_load.py run --port P --databases FILE --clients C --seconds D --out PREFIX [options]
  tenants_load.py report OUTDIR

`run` starts --workers processes (asyncio, asyncpg), each with its share of the C clients. Client i is assigned to a
database by a Zipf-like distribution over the databases of FILE (in file order, the first the busiest): every database
gets at least one client, the busiest about --busiest. Each client connects (the connects spread over --ramp seconds),
then loops: think (uniform 0.5..1.5 x --think-ms), then one short transaction with asyncpg's own transaction block

    async with conn.transaction():                                       # BEGIN
        balance = await conn.fetchval('SELECT balance FROM accounts WHERE id = $1', id)
        await conn.execute('UPDATE accounts SET balance = $2 WHERE id = $1', id, balance + delta)
                                                                         # COMMIT (ROLLBACK on an error)

The measured window is [t0 + ramp + settle, + seconds]: transactions that end in it count for throughput and per-client
counts; latencies are those of transactions that started in it. Errors count over the whole run. The random choices
come from --seed and the client's number, so two targets run with one seed see the same clients, databases, ids and
think times.

After an error a client carries on with the same connection, as an application would, unless asyncpg says it is
closed (then it reconnects). A connection is "broken" when, after its first error, every later transaction on it
failed too (at least two failures in a row up to the end) - e.g. asyncpg's own state left inside a transaction
block after a failed BEGIN, so every later conn.transaction() sends SAVEPOINT and gets 25P01.

Writes PREFIX.json (summary), PREFIX.clients.tsv (one row per client) and PREFIX.lat (transaction latencies, float32
seconds). `report` reads every such run under OUTDIR/runs plus OUTDIR/runs.tsv (written by bench/tenants) and prints
the comparison and the issue's targets. Needs only asyncpg (Debian's python3-asyncpg, hence /usr/bin/python3).
"""
import argparse
import array
import asyncio
import collections
import glob
import json
import math
import multiprocessing as mp
import os
import random
import resource
import statistics
import sys
import time


# ------------------------------------------------------------------------------------------ distribution ----------

def zipf_counts(n_db, n_clients, busiest):
    """Clients per database, busiest first: one each, the rest by weights 1/k^s, s chosen so the first gets ~busiest."""
    if n_clients < n_db:
        raise SystemExit(f"{n_clients} clients cannot cover {n_db} databases (each database gets at least one)")
    rest = n_clients - n_db

    def share(s):
        w = [1.0 / (k ** s) for k in range(1, n_db + 1)]
        return w[0] / sum(w), w

    want = (busiest - 1) / rest if rest else 0.0
    lo, hi = 0.0, 8.0
    if share(0.0)[0] >= want:
        s = 0.0
    else:
        for _ in range(60):  # share() grows with s: bisect
            mid = (lo + hi) / 2
            if share(mid)[0] < want:
                lo = mid
            else:
                hi = mid
        s = (lo + hi) / 2
    _, w = share(s)
    total = sum(w)
    exact = [rest * x / total for x in w]
    counts = [int(x) for x in exact]
    # largest remainder, ties to the busier database
    for k in sorted(range(n_db), key=lambda k: (-(exact[k] - counts[k]), k))[: rest - sum(counts)]:
        counts[k] += 1
    return [1 + c for c in counts], s


def plan_clients(n_db, n_clients, busiest, seed):
    """[(client, database index)] in connect order (shuffled with the seed), and the per-database counts."""
    counts, s = zipf_counts(n_db, n_clients, busiest)
    clients = []
    for db, c in enumerate(counts):
        clients.extend([db] * c)
    order = list(range(n_clients))
    random.Random(seed).shuffle(order)
    return [(cid, clients[cid]) for cid in order], counts, s


# ------------------------------------------------------------------------------------------ the clients -----------

def error_kind(e):
    import asyncpg
    if isinstance(e, asyncpg.PostgresError):
        state = getattr(e, "sqlstate", None) or "?????"
        return f"{state} {type(e).__name__}"
    return type(e).__name__


def error_text(e):
    return (f"{type(e).__name__}: {e}").replace("\t", " ").replace("\n", " ")[:200]


class Client:
    __slots__ = ("cid", "db", "pos", "tx_window", "tx_total", "errors", "kinds", "first_error", "connect_s",
                 "connects", "connect_failures", "reconnects", "fail_streak", "max_streak", "failed_since_first",
                 "ok_after_first", "hung", "last_ok", "connected")

    def __init__(self, cid, db, pos):
        self.cid, self.db, self.pos = cid, db, pos
        self.tx_window = self.tx_total = self.errors = 0
        self.kinds = collections.Counter()
        self.first_error = ""
        self.connect_s = []
        self.connects = self.connect_failures = self.reconnects = 0
        self.fail_streak = self.max_streak = 0
        self.failed_since_first = self.ok_after_first = 0
        self.hung = False
        self.last_ok = None
        self.connected = False


async def run_worker(args, my_clients, t0, prefix):
    import asyncpg

    n = args.clients
    ws = t0 + args.ramp + args.settle      # the measured window
    we = ws + args.seconds
    lat = array.array("f")
    lags = []
    clients = [Client(cid, db, pos) for pos, (cid, db) in my_clients]
    databases = args.database_names
    stop_lag = False

    async def lag_monitor():
        # How late this process's event loop wakes up: the clients' own scheduling delay, which every latency here
        # includes. High values mean the load generator, not the target, is the bottleneck.
        while not stop_lag:
            t = time.monotonic()
            await asyncio.sleep(0.05)
            if ws <= t < we:  # the measured window only: connecting and closing hundreds of clients lag too
                lags.append(time.monotonic() - t - 0.05)

    async def connect(c):
        while True:
            t = time.monotonic()
            try:
                conn = await asyncpg.connect(host=args.host, port=args.port, user=args.user, database=databases[c.db],
                                             ssl=False, timeout=args.connect_timeout,
                                             statement_cache_size=args.statement_cache)
                c.connect_s.append(time.monotonic() - t)
                c.connects += 1
                return conn
            except Exception as e:  # noqa: BLE001 - every failure is a result
                c.connect_failures += 1
                c.errors += 1
                k = "connect: " + error_kind(e)
                c.kinds[k] += 1
                if not c.first_error:
                    c.first_error = "connect: " + error_text(e)
                if time.monotonic() + 1 >= we:
                    return None
                await asyncio.sleep(1)

    async def one(c):
        rng = random.Random(args.seed * 1_000_003 + c.cid)
        delay = t0 + args.ramp * c.pos / n - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        conn = await connect(c)
        if conn is None:
            return
        c.connected = True
        try:
            while True:
                await asyncio.sleep(args.think_ms / 1000.0 * rng.uniform(0.5, 1.5))
                if time.monotonic() >= we:
                    break
                key = rng.randint(1, args.rows)
                delta = rng.randint(-5, 5)
                start = time.monotonic()
                try:
                    async with conn.transaction():
                        balance = await conn.fetchval("SELECT balance FROM accounts WHERE id = $1", key)
                        await conn.execute("UPDATE accounts SET balance = $2 WHERE id = $1", key, (balance or 0) + delta)
                except Exception as e:  # noqa: BLE001
                    c.errors += 1
                    c.kinds[error_kind(e)] += 1
                    if not c.first_error:
                        c.first_error = error_text(e)
                    c.fail_streak += 1
                    c.max_streak = max(c.max_streak, c.fail_streak)
                    c.failed_since_first += 1
                    c.last_ok = False
                    if conn.is_closed():
                        c.reconnects += 1
                        conn = await connect(c)
                        if conn is None:
                            return
                        c.fail_streak = 0  # a new connection: its own streak
                    continue
                end = time.monotonic()
                c.tx_total += 1
                c.last_ok = True
                if c.errors:
                    c.ok_after_first += 1
                c.fail_streak = 0
                if ws <= start < we:
                    lat.append(end - start)
                if ws <= end <= we:
                    c.tx_window += 1
        finally:
            try:
                await asyncio.wait_for(conn.close(), 5)
            except Exception:  # noqa: BLE001
                conn.terminate()

    lag_task = asyncio.ensure_future(lag_monitor())
    tasks = [asyncio.ensure_future(one(c)) for c in clients]
    # A client still inside a transaction long after the window is hung: counted, then cancelled.
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, we + args.grace - time.monotonic()))
    for c, t in zip(clients, tasks):
        if t in pending:
            c.hung = True
            t.cancel()
    if pending:
        await asyncio.wait(pending, timeout=10)
    for c, t in zip(clients, tasks):
        if t.done() and not t.cancelled() and t.exception() is not None:
            c.errors += 1
            c.kinds["client task: " + error_kind(t.exception())] += 1
            c.first_error = c.first_error or error_text(t.exception())
    stop_lag = True
    await lag_task

    with open(prefix + ".lat", "wb") as f:
        lat.tofile(f)
    rows = []
    for c in clients:
        broken = c.errors > 0 and c.ok_after_first == 0 and c.failed_since_first >= 2 and not c.last_ok
        rows.append({"client": c.cid, "db": c.db, "tx_window": c.tx_window, "tx_total": c.tx_total,
                     "errors": c.errors, "kinds": dict(c.kinds), "first_error": c.first_error,
                     "connect_ms": [round(x * 1000, 3) for x in c.connect_s], "connects": c.connects,
                     "connect_failures": c.connect_failures, "reconnects": c.reconnects, "max_fail_streak": c.max_streak,
                     "recovered": c.errors > 0 and c.ok_after_first > 0, "broken": broken, "hung": c.hung,
                     "connected": c.connected})
    with open(prefix + ".json", "w") as f:
        json.dump({"clients": rows, "lag_s": sorted(lags)}, f)


def worker_main(args, my_clients, t0, prefix):
    asyncio.run(run_worker(args, my_clients, t0, prefix))


def pct(sorted_values, p):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def cmd_run(args):
    with open(args.databases) as f:
        args.database_names = [line.strip() for line in f if line.strip()]
    n_db = len(args.database_names)
    busiest = args.busiest if args.busiest > 0 else max(1, round(args.clients / 20))
    plan, counts, s = plan_clients(n_db, args.clients, busiest, args.seed)
    workers = max(1, min(args.workers, args.clients))
    t0 = time.monotonic() + 1.0  # time for the workers to start; CLOCK_MONOTONIC is one clock for all processes
    procs = []
    ctx = mp.get_context("fork")
    for w in range(workers):
        mine = [(pos, plan[pos]) for pos in range(w, len(plan), workers)]
        p = ctx.Process(target=worker_main, args=(args, mine, t0, f"{args.out}.w{w}"))
        p.start()
        procs.append(p)
    for p in procs:
        p.join()
    bad = [p.exitcode for p in procs if p.exitcode != 0]

    rows, lags, lat = [], [], array.array("f")
    for w in range(workers):
        try:
            with open(f"{args.out}.w{w}.json") as f:
                d = json.load(f)
            rows.extend(d["clients"])
            lags.extend(d["lag_s"])
            with open(f"{args.out}.w{w}.lat", "rb") as f:
                lat.frombytes(f.read())
        except OSError as e:
            print(f"worker {w}: no results ({e})", file=sys.stderr)
        for ext in ("json", "lat"):
            try:
                os.unlink(f"{args.out}.w{w}.{ext}")
            except OSError:
                pass
    rows.sort(key=lambda r: r["client"])
    with open(args.out + ".lat", "wb") as f:
        lat.tofile(f)

    with open(args.out + ".clients.tsv", "w") as f:
        f.write("client\tdb\tdatabase\tdb_clients\ttx_window\ttx_total\terrors\tconnect_ms\treconnects\tconnect_failures"
                "\trecovered\tbroken\thung\tkinds\tfirst_error\n")
        for r in rows:
            f.write("\t".join(map(str, [r["client"], r["db"], args.database_names[r["db"]], counts[r["db"]],
                                        r["tx_window"], r["tx_total"], r["errors"],
                                        ",".join(str(x) for x in r["connect_ms"]), r["reconnects"], r["connect_failures"],
                                        int(r["recovered"]), int(r["broken"]), int(r["hung"]),
                                        json.dumps(r["kinds"], separators=(",", ":")), r["first_error"]])) + "\n")

    summary = summarise(args, rows, sorted(lat), sorted(lags), counts, s, busiest)
    summary["worker_exit_codes"] = [p.exitcode for p in procs]
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, joined above
    summary["client_cpu_s"] = round(ru.ru_utime + ru.ru_stime, 2)
    with open(args.out + ".json", "w") as f:
        json.dump(summary, f, indent=1)
    print(one_line(summary))
    return 1 if bad else 0


def summarise(args, rows, lat, lags, counts, s, busiest):
    tx = sum(r["tx_window"] for r in rows)
    connect = sorted(x for r in rows for x in r["connect_ms"])
    first_connect = sorted(r["connect_ms"][0] for r in rows if r["connect_ms"])
    kinds = collections.Counter()
    kind_clients = collections.Counter()
    first_errors = {}
    for r in rows:
        for k, v in r["kinds"].items():
            kinds[k] += v
            kind_clients[k] += 1
        if r["first_error"]:
            first_errors.setdefault(r["first_error"].split(":")[0] + " / " + ",".join(sorted(r["kinds"])), r["first_error"])
    per_db = collections.defaultdict(list)
    for r in rows:
        per_db[r["db"]].append(r["tx_window"])
    busiest_db = 0
    fewest = min(counts)
    quiet_dbs = [d for d, c in enumerate(counts) if c == fewest]
    quiet_counts = sorted(x for d in quiet_dbs for x in per_db[d])
    busy_counts = sorted(per_db[busiest_db])
    db_tx = [sum(per_db[d]) for d in range(len(counts))]
    ms = lambda v: None if v is None else round(v * 1000, 3)  # noqa: E731
    return {
        "label": args.label, "target": args.target, "round": args.round, "port": args.port,
        "databases": len(counts), "clients": len(rows), "seconds": args.seconds, "think_ms": args.think_ms,
        "ramp_s": args.ramp, "settle_s": args.settle, "seed": args.seed, "workers": args.workers,
        "statement_cache": args.statement_cache, "zipf_s": round(s, 4), "clients_per_db": counts,
        "busiest_target": busiest,
        "tx": tx, "tps": round(tx / args.seconds, 1),
        "tx_all": sum(r["tx_total"] for r in rows),  # the whole run, ramp and settle too: for CPU per transaction
        "tx_latency_ms": {"n": len(lat), "p50": ms(pct(lat, 0.5)), "p90": ms(pct(lat, 0.9)), "p99": ms(pct(lat, 0.99)),
                          "max": ms(lat[-1] if lat else None)},
        "connect_ms": {"n": len(connect), "p50": pct(connect, 0.5), "p99": pct(connect, 0.99),
                       "max": connect[-1] if connect else None,
                       "first_p99": pct(first_connect, 0.99)},
        "clients_connected": sum(1 for r in rows if r["connected"]),
        "errors": sum(r["errors"] for r in rows), "error_kinds": dict(kinds.most_common()),
        "error_kind_clients": dict(kind_clients), "error_examples": list(first_errors.values())[:10],
        "clients_with_errors": sum(1 for r in rows if r["errors"]),
        "clients_recovered": sum(1 for r in rows if r["recovered"]),
        "clients_broken": sum(1 for r in rows if r["broken"]),
        "clients_hung": sum(1 for r in rows if r["hung"]),
        "reconnects": sum(r["reconnects"] for r in rows),
        "zero_tx_clients": sum(1 for r in rows if r["tx_window"] == 0),
        "zero_tx_databases": sum(1 for d in range(len(counts)) if db_tx[d] == 0),
        "busiest_db": {"clients": counts[busiest_db], "tx": db_tx[busiest_db], "per_client_min": busy_counts[0] if busy_counts else None,
                       "per_client_median": statistics.median(busy_counts) if busy_counts else None,
                       "per_client_max": busy_counts[-1] if busy_counts else None},
        "quietest_dbs": {"databases": len(quiet_dbs), "clients_each": fewest,
                         "per_client_min": quiet_counts[0] if quiet_counts else None,
                         "per_client_median": statistics.median(quiet_counts) if quiet_counts else None,
                         "per_client_max": quiet_counts[-1] if quiet_counts else None},
        "db_tx_min": min(db_tx) if db_tx else None,
        "loop_lag_ms": {"p99": ms(pct(lags, 0.99)), "max": ms(lags[-1] if lags else None)},
    }


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def one_line(s):
    lt, ct = s["tx_latency_ms"], s["connect_ms"]
    return (f"{s['label']}: {s['tps']} tx/s, tx p50 {fmt(lt['p50'], 2)} / p99 {fmt(lt['p99'], 2)} ms, connect p99 "
            f"{fmt(ct['p99'])} ms, errors {s['errors']} ({', '.join(f'{k} x{v}' for k, v in s['error_kinds'].items()) or 'none'}), "
            f"broken {s['clients_broken']}, zero-tx clients {s['zero_tx_clients']}, zero-tx databases {s['zero_tx_databases']}")


# ------------------------------------------------------------------------------------------ the report ------------

def load_runs(outdir):
    runs = []
    meta = {}
    try:
        with open(os.path.join(outdir, "runs.tsv")) as f:
            head = f.readline().rstrip("\n").split("\t")
            for line in f:
                row = dict(zip(head, line.rstrip("\n").split("\t")))
                meta[row["name"]] = row
    except OSError:
        pass
    for path in sorted(glob.glob(os.path.join(outdir, "runs", "*.json"))):
        with open(path) as f:
            s = json.load(f)
        name = os.path.basename(path)[:-5]
        s["name"] = name
        s["meta"] = meta.get(name, {})
        lat = array.array("f")
        try:
            with open(path[:-5] + ".lat", "rb") as f:
                lat.frombytes(f.read())
        except OSError:
            pass
        s["_lat"] = lat
        conn, per_client = [], []
        try:
            with open(path[:-5] + ".clients.tsv") as f:
                f.readline()
                for line in f:
                    cells = line.split("\t")
                    times = [float(x) for x in cells[7].split(",") if x]
                    conn.extend(times)
                    per_client.append((int(cells[3]), int(cells[4]), times[0] if times else None))
        except OSError:
            pass
        s["_connect"] = conn
        s["_clients"] = per_client  # (clients of its database, transactions in the window, first connect ms)
        runs.append(s)
    runs.sort(key=lambda s: (int(s["meta"].get("seq", 0) or 0), s["name"]))
    return runs


def cmd_report(args):
    runs = [r for r in load_runs(args.outdir) if r.get("round") != "warmup"]
    if not runs:
        print("no runs")
        return 1
    out = []
    p = out.append
    r0 = runs[0]
    p(f"{r0['databases']} tenant databases, {r0['clients']} asyncpg clients (busiest database {r0['clients_per_db'][0]} "
      f"clients, Zipf s = {r0['zipf_s']}; databases with {min(r0['clients_per_db'])} client(s): "
      f"{r0['quietest_dbs']['databases']}), {r0['seconds']} s measured per run after a {r0['ramp_s']} s connect ramp "
      f"and {r0['settle_s']} s settle, think {r0['think_ms']} ms (x0.5-1.5), asyncpg statement_cache_size="
      f"{r0['statement_cache']}, {r0['workers']} client processes, seed {r0['seed']}")
    p("")
    p("Per run, in the order run:")
    p("")
    head = ["run", "tx/s", "tx p50 ms", "tx p99 ms", "tx max ms", "connect p50/p99/max ms", "errors", "broken",
            "zero-tx clients", "zero-tx dbs", "busiest db per-client min/median", "quietest dbs per-client min/median",
            "CPU µs/tx proxy / PostgreSQL / clients", "machine busy/steal %", "load1", "client loop lag p99 ms"]
    table = []
    for s in runs:
        m = s["meta"]
        lt, ct, b, q = s["tx_latency_ms"], s["connect_ms"], s["busiest_db"], s["quietest_dbs"]
        every = s.get("tx_all") or s["tx"]

        def per_tx(cpu_s):
            return fmt(float(cpu_s) * 1e6 / every, 0) if cpu_s not in (None, "") and every else "-"
        cpu_per_tx = f"{per_tx(m.get('proxy_cpu_s'))} / {per_tx(m.get('pg_cpu_s'))} / {per_tx(s.get('client_cpu_s'))}"
        table.append([s["label"], fmt(s["tps"]), fmt(lt["p50"], 2), fmt(lt["p99"], 2), fmt(lt["max"], 1),
                      f"{fmt(ct['p50'])} / {fmt(ct['p99'])} / {fmt(ct['max'])}", str(s["errors"]), str(s["clients_broken"]),
                      str(s["zero_tx_clients"]), str(s["zero_tx_databases"]),
                      f"{b['per_client_min']} / {fmt(b['per_client_median'])}", f"{q['per_client_min']} / {fmt(q['per_client_median'])}",
                      cpu_per_tx, f"{m.get('busy_pct', '-')} / {m.get('steal_pct', '-')}",
                      f"{m.get('load1_before', '-')} -> {m.get('load1_after', '-')}", fmt(s["loop_lag_ms"]["p99"], 1)])
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(head)]
    p("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    p("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in table:
        p("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    p("")
    for s in runs:
        if s["errors"] or s["clients_hung"]:
            p(f"{s['label']}: {s['errors']} errors on {s['clients_with_errors']} clients "
              f"({s['clients_recovered']} recovered, {s['clients_broken']} stayed broken, {s['clients_hung']} hung at the end, "
              f"{s['reconnects']} reconnects)")
            for k, v in s["error_kinds"].items():
                p(f"  {v:7d} x {k}  (on {s['error_kind_clients'][k]} clients)")
            for e in s["error_examples"][:5]:
                p(f"  e.g. {e}")
    # By how busy a database is: where the pools' limits and the logins' waits show.
    def band(n):
        if n <= 4:
            return (n, n)
        hi = 8
        while n > hi:
            hi *= 2
        return (hi // 2 + 1, hi)
    p("")
    p("By database size (clients per database), per run: first connect median / p99, transactions per client in the window min / median / max:")
    p("")
    p("| run | clients per database | databases | clients | connect median / p99 ms | tx per client min / median / max |")
    p("|---|---|---:|---:|---|---|")
    for s in runs:
        groups = collections.defaultdict(list)
        for db_clients, tx, first in s["_clients"]:
            groups[band(db_clients)].append((db_clients, tx, first))
        for key in sorted(groups, reverse=True):
            g = groups[key]
            conns = sorted(x[2] for x in g if x[2] is not None)
            txs = sorted(x[1] for x in g)
            dbs = sum(1.0 / x[0] for x in g)
            label = str(key[0]) if key[0] == key[1] else f"{key[0]}-{key[1]}"
            p(f"| {s['label']} | {label} | {dbs:.0f} | {len(g)} | {fmt(pct(conns, 0.5), 0)} / {fmt(pct(conns, 0.99), 0)} | "
              f"{txs[0]} / {fmt(statistics.median(txs), 0)} / {txs[-1]} |")
    # Per target: all rounds together (latencies pooled, throughput summed over the measured seconds).
    targets = {}
    for s in runs:
        t = targets.setdefault(s["target"], {"tx": 0, "seconds": 0, "lat": array.array("f"), "connect": [], "errors": 0,
                                              "broken": 0, "zero_clients": 0, "zero_dbs": 0, "hung": 0, "runs": 0})
        t["tx"] += s["tx"]
        t["seconds"] += s["seconds"]
        t["lat"].extend(s["_lat"])
        t["connect"].extend(s["_connect"])
        t["errors"] += s["errors"]
        t["broken"] += s["clients_broken"]
        t["hung"] += s["clients_hung"]
        t["zero_clients"] = max(t["zero_clients"], s["zero_tx_clients"])
        t["zero_dbs"] = max(t["zero_dbs"], s["zero_tx_databases"])
        t["runs"] += 1
    for t in targets.values():
        lat = sorted(t["lat"])
        t["tps"] = t["tx"] / t["seconds"] if t["seconds"] else 0
        t["p50"] = pct(lat, 0.5) * 1000 if lat else None
        t["p99"] = pct(lat, 0.99) * 1000 if lat else None
        conn = sorted(t["connect"])
        t["connect_p99"] = pct(conn, 0.99)
    p("")
    p("Per target (all its runs: throughput over the measured seconds, latencies pooled):")
    p("")
    p("| target | runs | tx/s | tx p50 ms | tx p99 ms | connect p99 ms | errors | broken connections | hung | most zero-tx clients in a run | most zero-tx databases in a run |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, t in targets.items():
        p(f"| {name} | {t['runs']} | {t['tps']:.1f} | {fmt(t['p50'], 2)} | {fmt(t['p99'], 2)} | {fmt(t['connect_p99'], 1)} | "
          f"{t['errors']} | {t['broken']} | {t['hung']} | {t['zero_clients']} | {t['zero_dbs']} |")
    g, b = targets.get("gateway"), targets.get("pgbouncer")
    if g:
        p("")
        p("Targets (issue 18), the gateway:")

        def verdict(ok):
            return "PASS" if ok else "MISS"
        p(f"  {verdict(g['errors'] == 0 and g['hung'] == 0)}  zero errors: {g['errors']} errors, {g['broken']} connections left broken, {g['hung']} clients hung")
        p(f"  {verdict(g['zero_dbs'] == 0 and g['zero_clients'] == 0)}  no starved database: {g['zero_dbs']} databases and {g['zero_clients']} clients without a transaction in a measured window")
        if b and b["p99"] is not None and g["p99"] is not None:
            p(f"  {verdict(g['p99'] <= b['p99'])}  p99 transaction latency <= PgBouncer's: {g['p99']:.2f} ms vs {b['p99']:.2f} ms ({g['p99'] / b['p99']:.2f}x)")
        if b and b["tps"]:
            p(f"  {verdict(g['tps'] >= b['tps'])}  throughput >= PgBouncer's: {g['tps']:.1f} vs {b['tps']:.1f} tx/s ({g['tps'] / b['tps']:.2f}x)")
        if g["connect_p99"] is not None:
            p(f"  {verdict(g['connect_p99'] <= 500)}  connect p99 <= 500 ms: {g['connect_p99']:.1f} ms" +
              (f" (PgBouncer {b['connect_p99']:.1f} ms)" if b and b["connect_p99"] is not None else ""))
    print("\n".join(out))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--user", default="postgres")
    r.add_argument("--databases", required=True, help="file with one database name a line, the busiest first")
    r.add_argument("--clients", type=int, default=1000)
    r.add_argument("--busiest", type=int, default=0, help="clients of the busiest database (default: clients / 20)")
    r.add_argument("--seconds", type=float, default=30)
    r.add_argument("--ramp", type=float, default=5, help="seconds over which the clients' connects are spread")
    r.add_argument("--settle", type=float, default=2, help="seconds after the ramp before the window opens")
    r.add_argument("--grace", type=float, default=30, help="seconds after the window a client may take to finish")
    r.add_argument("--think-ms", type=float, default=5)
    r.add_argument("--rows", type=int, default=1000)
    r.add_argument("--seed", type=int, default=18)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--statement-cache", type=int, default=0)
    r.add_argument("--connect-timeout", type=float, default=60)
    r.add_argument("--label", default="run")
    r.add_argument("--target", default="target")
    r.add_argument("--round", default="1")
    r.add_argument("--out", required=True, help="prefix of the result files")
    rep = sub.add_parser("report")
    rep.add_argument("outdir")
    args = ap.parse_args()
    sys.exit(cmd_run(args) if args.cmd == "run" else cmd_report(args))


if __name__ == "__main__":
    main()
