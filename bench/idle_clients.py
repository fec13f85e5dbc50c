#!/usr/bin/env python3
"""Open N idle PostgreSQL client connections and hold them.

Each connection sends a v3 startup packet, answers nothing else (the targets use trust / address
admission, so no password is asked), reads until the first ReadyForQuery and then stays idle.
When every connection has either reached ReadyForQuery or failed, one JSON line is written to
--ready-file; the connections are held until --release-file exists (or --hold-seconds pass), then
closed with a Terminate message.

Usage: idle_clients.py --port P --db NAME [--host 127.0.0.1] [--count 10000] [--concurrency 400]
                       --ready-file F --release-file F [--hold-seconds 300]
"""
import argparse
import asyncio
import json
import os
import struct
import sys
import time


def startup_packet(user: str, db: str) -> bytes:
    body = struct.pack("!i", 196608)
    for k, v in (("user", user), ("database", db), ("application_name", "bench-idle")):
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!i", len(body) + 4) + body


async def open_one(host, port, packet, timeout):
    """Returns (writer, None) once ReadyForQuery arrives, or (None, reason)."""
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(packet)
        await writer.drain()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise asyncio.TimeoutError()
            header = await asyncio.wait_for(reader.readexactly(5), left)
            kind = header[:1]
            (length,) = struct.unpack("!i", header[1:])
            payload = await asyncio.wait_for(reader.readexactly(length - 4), left) if length > 4 else b""
            if kind == b"Z":
                return writer, None
            if kind == b"E":
                fields = {}
                for part in payload.split(b"\0"):
                    if part:
                        fields[part[:1]] = part[1:].decode(errors="replace")
                raise RuntimeError("ErrorResponse %s %s" % (fields.get(b"C", "?"), fields.get(b"M", "?")))
            if kind == b"R":
                (code,) = struct.unpack("!i", payload[:4])
                if code != 0:
                    raise RuntimeError("server asked for authentication method %d" % code)
            # ParameterStatus, BackendKeyData, NoticeResponse: ignore
    except Exception as e:  # noqa: BLE001 - every failure is just counted
        if writer is not None:
            writer.close()
        return None, "%s: %s" % (type(e).__name__, e)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=400)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--release-file", required=True)
    ap.add_argument("--hold-seconds", type=float, default=300.0)
    a = ap.parse_args()

    packet = startup_packet(a.user, a.db)
    sem = asyncio.Semaphore(a.concurrency)
    writers, errors = [], {}
    started = time.monotonic()

    async def guarded():
        async with sem:
            w, err = await open_one(a.host, a.port, packet, a.timeout)
        if w is not None:
            writers.append(w)
        else:
            errors[err] = errors.get(err, 0) + 1

    await asyncio.gather(*(guarded() for _ in range(a.count)))
    elapsed = time.monotonic() - started
    # Connections the server closed while we were still opening the others do not count as idle.
    alive = [w for w in writers if not w.is_closing() and not w.transport.is_closing()]
    result = {"requested": a.count, "ready": len(writers), "alive": len(alive),
              "failed": sum(errors.values()), "errors": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:5]),
              "seconds": round(elapsed, 2)}
    tmp = a.ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(result) + "\n")
    os.replace(tmp, a.ready_file)

    end = time.monotonic() + a.hold_seconds
    while time.monotonic() < end and not os.path.exists(a.release_file):
        await asyncio.sleep(0.2)
    terminate = b"X\0\0\0\4"
    for w in writers:
        try:
            w.write(terminate)
            w.close()
        except Exception:  # noqa: BLE001
            pass
    await asyncio.sleep(0.5)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(130)
