"""psycopg 3 through the gateway in transaction mode: server-side prepared statements and pipeline mode.

Usage: psycopg_txn.py HOST PORT DBNAME USER CLIENTS SCENARIOS
SCENARIOS is a comma-separated subset of: prepared, rollback (failed transactions between prepared statements:
psycopg then sends DEALLOCATE ALL with the extended protocol), pipeline, rotate (more distinct statements than
prepared_max: psycopg evicts with DEALLOCATE name, extended protocol).
Prints one line per check and exits non-zero on the first wrong result or error.
"""
import sys
import threading

import psycopg

host, port, dbname, user, clients = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
scenarios = set(sys.argv[6].split(","))


def connect(**kwargs):
    return psycopg.connect(host=host, port=port, dbname=dbname, user=user, sslmode="disable",
                           connect_timeout=10, **kwargs)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def prepared_worker(n, errors):
    try:
        # prepare_threshold=0: every query is prepared server-side before its first execution.
        with connect(prepare_threshold=0, autocommit=True) as conn:
            for i in range(15):
                got = conn.execute("select %s::int * 3, pg_backend_pid()", (n * 100 + i,)).fetchone()
                check(got[0] == 3 * (n * 100 + i), f"client {n}: {got}")
                # prepare=True on a connection that prepares everything anyway, with another statement.
                got = conn.execute("select %s::text || '-' || %s::text", (n, i), prepare=True).fetchone()
                check(got[0] == f"{n}-{i}", f"client {n}: {got}")
                with conn.transaction():
                    conn.execute("insert into py_rows values (%s, %s)", (n, i), prepare=True)
                    got = conn.execute("select count(*) from py_rows where client = %s", (n,), prepare=True).fetchone()
                    check(got[0] == i + 1, f"client {n} sees {got[0]} rows after {i + 1} inserts")
                if "rollback" in scenarios and i % 5 == 4:
                    try:
                        with conn.transaction():
                            conn.execute("insert into py_rows values (%s, -1)", (n,), prepare=True)
                            conn.execute("select 1 / (%s::int - %s::int)", (n, n), prepare=True)
                    except psycopg.errors.DivisionByZero:
                        pass
                    else:
                        raise AssertionError("division by zero expected")
            got = conn.execute("select count(*) from py_rows where client = %s and n = -1", (n,)).fetchone()
            check(got[0] == 0, f"client {n}: rolled-back rows visible: {got}")
    except BaseException as e:  # noqa: BLE001 - report every failure
        errors.append(f"prepared client {n}: {type(e).__name__}: {e}")


def pipeline_worker(n, errors):
    try:
        with connect(autocommit=True) as conn:
            for round_ in range(5):
                with conn.pipeline():
                    cursors = []
                    for i in range(10):
                        cur = conn.cursor()
                        cur.execute("select %s::int + %s::int", (n, i))
                        cursors.append((i, cur))
                results = [(i, cur.fetchone()[0]) for i, cur in cursors]
                check(results == [(i, n + i) for i in range(10)], f"pipeline client {n}: {results}")
                # An error in the middle of a pipeline: the statements after it are skipped, the session goes on.
                try:
                    with conn.pipeline():
                        conn.execute("select 1")
                        conn.execute("select 1 / 0")
                        conn.execute("select 2")
                except psycopg.errors.DivisionByZero:
                    pass
                else:
                    raise AssertionError("division by zero expected in the pipeline")
                with conn.transaction():
                    with conn.pipeline():
                        conn.execute("insert into py_rows values (%s, %s)", (1000 + n, round_))
                        cur = conn.execute("select count(*) from py_rows where client = %s", (1000 + n,))
                    check(cur.fetchone()[0] == round_ + 1, f"pipeline client {n}: count in round {round_}")
    except BaseException as e:  # noqa: BLE001
        errors.append(f"pipeline client {n}: {type(e).__name__}: {e}")


def rotate_worker(n, errors):
    try:
        with connect(prepare_threshold=0, autocommit=True) as conn:
            conn.prepared_max = 3
            for round_ in range(3):
                for k in range(6):
                    got = conn.execute(f"select %s::int + {k}", (n,)).fetchone()
                    check(got[0] == n + k, f"rotate client {n}: {got}")
    except BaseException as e:  # noqa: BLE001
        errors.append(f"rotate client {n}: {type(e).__name__}: {e}")


def main():
    with connect(autocommit=True) as conn:
        conn.execute("create table if not exists py_rows (client int, n int)")
        conn.execute("truncate py_rows")
    errors = []
    prepared = clients if scenarios & {"prepared", "rollback"} else 0
    pipelined = clients // 2 if "pipeline" in scenarios else 0
    threads = [threading.Thread(target=prepared_worker, args=(n, errors)) for n in range(prepared)]
    threads += [threading.Thread(target=pipeline_worker, args=(n, errors)) for n in range(pipelined)]
    rotating = clients if "rotate" in scenarios else 0
    threads += [threading.Thread(target=rotate_worker, args=(n, errors)) for n in range(rotating)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        for e in errors:
            print(e)
        sys.exit(1)
    with connect(autocommit=True) as conn:
        total = conn.execute("select count(*) from py_rows").fetchone()[0]
    expected = prepared * 15 + pipelined * 5
    check(total == expected, f"{total} rows, expected {expected}")
    print(f"psycopg {psycopg.__version__}: {prepared} prepared clients, {pipelined} pipeline clients, "
          f"{rotating} rotating clients, {total} rows OK")


main()
