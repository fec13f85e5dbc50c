"""asyncpg through the gateway in transaction mode: named statements prepared with Parse/Describe/Flush (no Sync),
statements reused across transactions, many concurrent connections.

Usage: asyncpg_txn.py HOST PORT DBNAME USER CLIENTS
Prints one line and exits non-zero on the first wrong result or error.
"""
import asyncio
import sys

import asyncpg

host, port, dbname, user, clients = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])


def check(cond, what):
    if not cond:
        raise AssertionError(what)


async def client(n, pids):
    conn = await asyncpg.connect(host=host, port=port, database=dbname, user=user, ssl=False, timeout=20)
    try:
        # The statement cache names every statement (__asyncpg_stmt_N__).
        for i in range(10):
            got = await conn.fetchval("select $1::int * 2", n * 100 + i)
            check(got == 2 * (n * 100 + i), f"client {n}: {got}")
            row = await conn.fetchrow("select $1::text as t, pg_backend_pid() as pid", f"c{n}-{i}")
            check(row["t"] == f"c{n}-{i}", f"client {n}: {row}")
            pids.add(row["pid"])
            await asyncio.sleep(0)
        # One prepared statement used in many transactions; other clients take backends in between.
        stmt = await conn.prepare("insert into apg_rows values ($1, $2) returning n")
        count = await conn.prepare("select count(*) from apg_rows where client = $1")
        check([a.name for a in count.get_attributes()] == ["count"], f"client {n}: attributes")
        for i in range(5):
            async with conn.transaction():
                check(await stmt.fetchval(n, i) == i, f"client {n}: returning {i}")
                check(await count.fetchval(n) == i + 1, f"client {n}: count in transaction {i}")
            await asyncio.sleep(0.01)
        try:
            async with conn.transaction():
                await stmt.fetchval(n, -1)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        check(await count.fetchval(n) == 5, f"client {n}: rolled-back insert visible")
        # A cursor inside a transaction (Execute with a row limit: PortalSuspended).
        async with conn.transaction():
            total = 0
            async for r in conn.cursor("select g from generate_series(1, 200) g", prefetch=17):
                total += r["g"]
            check(total == 20100, f"client {n}: cursor sum {total}")
        # executemany pipelines Bind/Execute of one statement.
        await conn.executemany("insert into apg_rows values ($1, $2)", [(n, 100 + k) for k in range(20)])
        check(await count.fetchval(n) == 25, f"client {n}: after executemany")
    finally:
        await conn.close()


async def main():
    setup = await asyncpg.connect(host=host, port=port, database=dbname, user=user, ssl=False, timeout=20)
    await setup.execute("create table if not exists apg_rows (client int, n int)")
    await setup.execute("truncate apg_rows")
    await setup.close()
    pids = set()
    results = await asyncio.gather(*(client(n, pids) for n in range(clients)), return_exceptions=True)
    failures = [f"client {n}: {type(r).__name__}: {r}" for n, r in enumerate(results) if isinstance(r, BaseException)]
    if failures:
        for f in failures:
            print(f)
        sys.exit(1)
    check_conn = await asyncpg.connect(host=host, port=port, database=dbname, user=user, ssl=False, timeout=20)
    total = await check_conn.fetchval("select count(*) from apg_rows")
    await check_conn.close()
    check(total == clients * 25, f"{total} rows, expected {clients * 25}")
    print(f"asyncpg {asyncpg.__version__}: {clients} clients on {len(pids)} backends, {total} rows OK")


asyncio.run(main())
