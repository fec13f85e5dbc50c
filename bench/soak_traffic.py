#!/usr/bin/env python3
"""Background traffic for bench/soak, until --seconds pass; one JSON summary line at the end.

  churn      connect, log in, SELECT 1, Terminate, over and over (--concurrency at once): a well-behaved client,
             so every failure is counted with its time (failures while PostgreSQL restarts are expected)
  malformed  hostile frontend traffic: random bytes, absurd lengths, half start-up packets, truncated and
             unknown messages after a login, abrupt disconnects; the gateway's answers are read and dropped

Usage: soak_traffic.py churn|malformed --port P --db NAME [--host 127.0.0.1] [--seconds 600] [--concurrency 4]
                       [--seed 1] --out FILE
"""
import argparse
import asyncio
import json
import random
import struct
import time


def startup_packet(user, db):
    body = struct.pack("!i", 196608)
    for k, v in (("user", user), ("database", db), ("application_name", "bench-soak")):
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!i", len(body) + 4) + body


def message(kind, body):
    return kind + struct.pack("!i", len(body) + 4) + body


async def read_message(reader):
    header = await reader.readexactly(5)
    length = struct.unpack("!i", header[1:])[0]
    return header[:1], await reader.readexactly(length - 4)


async def until(reader, kind, timeout=10):
    """Reads up to a message of this kind; returns the error text if an ErrorResponse came first."""
    error = None
    while True:
        t, body = await asyncio.wait_for(read_message(reader), timeout)
        if t == b"E" and error is None:
            error = body.replace(b"\0", b" ").decode(errors="replace").strip()
        if t == kind:
            return error


async def churn_once(args):
    reader, writer = await asyncio.wait_for(asyncio.open_connection(args.host, args.port), 10)
    try:
        writer.write(startup_packet("soak", args.db))
        error = await until(reader, b"Z")
        if error:
            return error
        writer.write(message(b"Q", b"SELECT 1\0"))
        error = await until(reader, b"Z")
        writer.write(message(b"X", b""))
        await writer.drain()
        return error
    finally:
        writer.close()


async def churn(args, deadline, stats):
    while time.monotonic() < deadline:
        try:
            error = await churn_once(args)
        except Exception as e:  # noqa: BLE001 - every failure of a well-behaved client is the result
            error = type(e).__name__ + ": " + str(e)
        stats["attempts"] += 1
        if error:
            stats["failures"].append([round(time.time(), 1), error[:200]])


def hostile_payloads(rng, args):
    """One connection's worth of hostile bytes: (needs_login, bytes)."""
    choice = rng.randrange(8)
    if choice == 0:
        return False, bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    if choice == 1:
        return False, struct.pack("!i", rng.choice([0, 3, 7, 10_001, 0x3FFFFFFF, -1])) + b"\0" * 8
    if choice == 2:
        p = startup_packet("soak", args.db)
        return False, p[: rng.randrange(1, len(p))]
    if choice == 3:
        return True, message(b"Q", b"SELECT 1")  # no terminating NUL
    if choice == 4:
        return True, bytes([rng.choice(b"!#$%&'()*+-./:;<=>?@[]^_`{|}~")]) + struct.pack("!i", 4)
    if choice == 5:
        return True, b"Q" + struct.pack("!i", rng.choice([0x3FFFFFFF, 200_000_000, 3]))
    if choice == 6:
        return True, message(b"P", b"s\0SELECT 1") + message(b"S", b"")  # truncated Parse
    return True, message(b"C", b"Zx\0") + message(b"S", b"")  # Close with an invalid subtype


async def malformed(args, deadline, stats, rng):
    while time.monotonic() < deadline:
        needs_login, payload = hostile_payloads(rng, args)
        writer = None
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(args.host, args.port), 10)
            if needs_login:
                writer.write(startup_packet("soak", args.db))
                await until(reader, b"Z")
            writer.write(payload)
            await writer.drain()
            try:  # whatever the gateway answers, up to its close or a short wait
                await asyncio.wait_for(reader.read(65536), 0.5)
            except asyncio.TimeoutError:
                pass
        except Exception:  # noqa: BLE001 - the gateway closing on us is expected
            pass
        finally:
            stats["attempts"] += 1
            if writer is not None:
                writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["churn", "malformed"])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    deadline = time.monotonic() + args.seconds
    stats = {"mode": args.mode, "attempts": 0, "failures": []}
    if args.mode == "churn":
        tasks = [churn(args, deadline, stats) for _ in range(args.concurrency)]
    else:
        tasks = [malformed(args, deadline, stats, random.Random(args.seed * 1000 + i)) for i in range(args.concurrency)]
    await asyncio.gather(*tasks)
    with open(args.out, "w") as f:
        json.dump(stats, f)
        f.write("\n")


if __name__ == "__main__":
    asyncio.run(main())
