#!/usr/bin/env python3
"""Where a proxy's CPU goes, kernel included, from `perf script` output: what each microsecond of a transaction buys.

Usage (as root, the proxy under load, e.g. pgbench -c 50 running against it):
    perf record -F 2999 -g -p PID -o perf.data -- sleep 6
    jcmd PID Compiler.perfmap            # a JVM only: names for its JIT-compiled frames (run with -XX:+PreserveFramePointer)
    perf script -i perf.data | bench/perf_top.py [CPU_US_PER_TX]

Each sample is put in one category by its stack: the kernel's socket writes (on loopback these include delivering
the bytes to the reader and waking it), socket reads, sleeping and waking (context switches, preemption included),
other kernel work (io_uring, epoll, timers); in user space, the innermost gateway frame decides (the gateway's code
and the Netty/JDK code it calls), else Netty's transport, buffers or pipeline, the JVM, or other native code. With
CPU_US_PER_TX (the proxy's CPU time over the transactions of the same window) each share is also shown in µs per
transaction. Works for any process (PgBouncer's samples simply have no Java frames) — but on the 2-core machine of
docs/benchmarks.md PgBouncer 1.18 exited twice, without a word in its log, right after `perf record -g -p` was attached
to it: check that it still runs before the next round.
"""
import collections
import re
import sys

FRAME = re.compile(r"\s*[0-9a-f]+\s+(.*?)\s+\(([^)]*)\)\s*$")
GATEWAY = re.compile(r"org\.stonescriptdb\.gateway\.([a-z]+)\.([A-Za-z]+)")


def category(frames, by_class):
    """frames: [(symbol, dso)], innermost first."""
    leaf, dso = frames[0]
    if "kernel" in dso:
        stack = " ".join(s for s, _ in frames)
        if "finish_task_switch" in leaf or "schedule" in stack:
            return "kernel: sleeping and waking (context switches)"
        if "tcp_sendmsg" in stack or "unix_stream_sendmsg" in stack:
            return "kernel: socket writes (on loopback: delivery to the reader too)"
        if "tcp_recvmsg" in stack or "io_recv" in stack or "sock_recvmsg" in stack:
            return "kernel: socket reads"
        return "kernel: io_uring/epoll, timers, other"
    for symbol, _ in frames:
        m = GATEWAY.search(symbol)
        if m:
            by_class[m.group(2)] += 1
            return "gateway code (and what it calls)"
    if "io.netty.buffer" in leaf or "Allocator" in leaf:
        return "netty: buffers"
    if "io.netty.channel.uring" in leaf or "io.netty.channel.epoll" in leaf:
        return "netty: transport"
    if "io.netty" in leaf:
        return "netty: pipeline, event loop, outbound buffer"
    if "libjvm" in dso or "Interpreter" in leaf or "Stub" in leaf:
        return "JVM"
    if leaf.startswith("java.") or " java." in leaf:
        return "JDK"
    return "other user space (libc, libevent, JNI, vdso)"


def main():
    us = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    cats, by_class, total, frames = collections.Counter(), collections.Counter(), 0, []
    for line in list(sys.stdin) + [""]:
        if not line.strip():
            if frames:
                total += 1
                cats[category(frames, by_class)] += 1
            frames = []
            continue
        m = FRAME.match(line.rstrip("\n"))
        if m and line[:1] in "\t ":
            frames.append((m.group(1), m.group(2)))
    if not total:
        sys.exit("no samples on stdin")
    unit = f"  µs/tx" if us else ""
    print(f"{total} samples{'' if not us else f', {us} µs of CPU per transaction'}")
    for name, n in cats.most_common():
        print(f"{100 * n / total:5.1f} %" + (f"  {us * n / total:5.1f} µs" if us else "") + f"  {name}")
    if by_class:
        print("gateway code by its innermost class:")
        for name, n in by_class.most_common(12):
            print(f"   {100 * n / total:5.2f} %" + (f"  {us * n / total:5.2f} µs" if us else "") + f"  {name}")


if __name__ == "__main__":
    main()
