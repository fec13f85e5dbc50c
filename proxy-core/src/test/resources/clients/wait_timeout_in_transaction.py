"""A pool-wait timeout inside a transaction leaves the connection usable: its next transaction succeeds.

Usage: wait_timeout_in_transaction.py asyncpg|psycopg HOST PORT DATABASE USER DIR

Connects, prints "connected", waits for DIR/held (another client holds the database's only backend), runs a
transaction the way the driver's users do (asyncpg: async with conn.transaction(); psycopg: with conn.transaction()),
which must fail with 53300 (QUERY_WAIT_TIMEOUT_SECS is short), prints "failed <sqlstate>", creates DIR/failed, waits
for DIR/released, runs the next transaction the same way and prints "next <value>".
"""
import os
import sys
import time


def wait_for(path):
    deadline = time.time() + 30
    while not os.path.exists(path):
        if time.time() > deadline:
            sys.exit("timed out waiting for " + path)
        time.sleep(0.02)


def touch(path):
    open(path, "w").close()


def run_asyncpg(host, port, db, user, folder):
    import asyncio
    import asyncpg

    async def main():
        conn = await asyncpg.connect(host=host, port=port, database=db, user=user, statement_cache_size=0)
        print("connected", flush=True)
        wait_for(os.path.join(folder, "held"))
        try:
            async with conn.transaction():
                await conn.execute("select 1")
            print("no error", flush=True)
        except asyncpg.PostgresError as e:
            print("failed", e.sqlstate, flush=True)
        touch(os.path.join(folder, "failed"))
        wait_for(os.path.join(folder, "released"))
        async with conn.transaction():
            value = await conn.fetchval("select 40 + 2")
        print("next", value, flush=True)
        await conn.close()

    asyncio.run(main())


def run_psycopg(host, port, db, user, folder):
    import psycopg

    with psycopg.connect(host=host, port=port, dbname=db, user=user) as conn:
        print("connected", flush=True)
        wait_for(os.path.join(folder, "held"))
        try:
            with conn.transaction():
                conn.execute("select 1")
            print("no error", flush=True)
        except psycopg.Error as e:
            print("failed", e.sqlstate, flush=True)
        touch(os.path.join(folder, "failed"))
        wait_for(os.path.join(folder, "released"))
        with conn.transaction():
            value = conn.execute("select 40 + 2").fetchone()[0]
        print("next", value, flush=True)


if __name__ == "__main__":
    driver, host, port, db, user, folder = sys.argv[1:7]
    {"asyncpg": run_asyncpg, "psycopg": run_psycopg}[driver](host, int(port), db, user, folder)
