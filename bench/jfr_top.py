#!/usr/bin/env python3
"""Summarise a JFR recording: where the gateway's CPU time goes.

Usage: jfr_top.py JFR_TOOL RECORDING.jfr [TOP]

Uses jdk.CPUTimeSample (JDK 25+, CPU-time sampling that also counts time in native code and system
calls) when the recording has it, otherwise jdk.ExecutionSample (threads running Java code only).
Prints
  - the hottest top frames (self time),
  - the samples grouped by the innermost gateway frame (org.stonescriptdb.*): which gateway method
    the time is spent under, including the Netty/JDK code it calls,
  - the samples grouped by a coarse category of the top frame (syscall I/O, Netty, gateway, JDK...),
  - the samples per thread group,
  - for comparison, what jdk.NativeMethodSample says threads sit in (epoll wait, read, write).
"""
import collections
import re
import subprocess
import sys

OWN = "org.stonescriptdb."


def events(tool, rec, kind):
    """Yields (thread, [frames, innermost first]) for every event of one type."""
    text = subprocess.run([tool, "print", "--stack-depth", "64", "--events", kind, rec],
                          check=True, capture_output=True, text=True).stdout
    thread, frames, in_stack = None, [], False
    for line in text.splitlines():
        s = line.strip()
        if s.startswith(kind + " {") or s == kind + " {":
            thread, frames, in_stack = None, [], False
        elif s.startswith(("eventThread = ", "sampledThread = ")):
            m = re.search(r'"(.*)"', s)
            thread = m.group(1) if m else s
        elif s == "stackTrace = [":
            in_stack = True
        elif in_stack and s == "]":
            in_stack = False
        elif in_stack and s and s != "...":
            frames.append(re.sub(r"\s+line: \d+$", "", s))
        elif s == "}" and not in_stack:
            if frames:
                yield thread or "?", frames
            frames = []


def short(frame):
    return re.sub(r"\(.*\)$", "", frame)


SYSCALLS = {
    "writevAddresses": "socket write (writev/send)", "writeAddress": "socket write (writev/send)",
    "sendAddress": "socket write (writev/send)", "writev": "socket write (writev/send)",
    "recvAddress": "socket read (recv)", "readAddress": "socket read (recv)",
    "epollWait0": "epoll_wait", "epollBusyWait0": "epoll_wait", "wait": "epoll_wait",
    "eventFdWrite": "wake-ups of other event loops (eventfd write)",
    "epollCtlMod0": "epoll_ctl (interest changes)", "epollCtlAdd0": "epoll_ctl (interest changes)",
    "epollCtlDel0": "epoll_ctl (interest changes)",
}


def category(frame):
    f = short(frame)
    cls, _, meth = f.rpartition(".")
    if (cls.startswith(("io.netty.channel.unix.", "io.netty.channel.epoll.Native", "sun.nio.ch."))
            and meth in SYSCALLS):
        return "system call: " + SYSCALLS[meth]
    if f.startswith(OWN):
        return "gateway code (org.stonescriptdb)"
    if f.startswith("io.netty.buffer"):
        return "Netty buffers"
    if f.startswith("io.netty"):
        return "Netty pipeline / event loop"
    if f.startswith(("java.", "jdk.", "sun.")):
        return "JDK library"
    return "other: " + f.split(".")[0]


def thread_group(name):
    return re.sub(r"(-\d+)+$", "", name)


def top(counter, total, n, title):
    print(title)
    for name, cnt in counter.most_common(n):
        print("  %5.1f%%  %6d  %s" % (100.0 * cnt / total if total else 0, cnt, name))


def main():
    tool, rec = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    kind = "jdk.CPUTimeSample"
    samples = list(events(tool, rec, kind))
    if not samples:
        kind = "jdk.ExecutionSample"
        samples = list(events(tool, rec, kind))

    self_time, under_own, cats, threads = (collections.Counter() for _ in range(4))
    for thread, frames in samples:
        self_time[short(frames[0])] += 1
        under_own[next((short(f) for f in frames if f.startswith(OWN)), "(no gateway frame on the stack)")] += 1
        cats[category(frames[0])] += 1
        threads[thread_group(thread)] += 1
    total = len(samples)
    print("JFR %s: %d %s events%s" % (rec, total, kind,
                                      " (CPU-time sampling: counts native code and system calls too)"
                                      if kind == "jdk.CPUTimeSample" else " (threads in Java code only)"))
    print()
    top(cats, total, 10, "By category of the top frame:")
    print()
    top(self_time, total, n, "Hot methods (top frame, self time):")
    print()
    top(under_own, total, n, "By innermost gateway frame (gateway method + the Netty/JDK code it calls):")
    print()
    top(threads, total, 8, "By thread:")
    natives = collections.Counter(short(f[0]) for _, f in events(tool, rec, "jdk.NativeMethodSample"))
    if natives:
        print()
        top(natives, sum(natives.values()), 6,
            "jdk.NativeMethodSample (where threads outside Java sit, wall-clock, includes idle waits):")


if __name__ == "__main__":
    main()
