#!/usr/bin/env python3
"""Summarises one `perf record -a -g` of a bench run as Markdown: the share of every sample taken by
the supernode, the dfdaemons and everything else; per dfly component, the thread kinds (thread names,
numbers dropped), the leaf symbols (kernel [k], JVM [jvm], JIT-compiled Java by name from the JVM's
/tmp/perf-<pid>.map, written by `jcmd <pid> Compiler.perfmap`) and the innermost io.dfly frame on each
sample's stack (needs -XX:+PreserveFramePointer, which bench/herd --perf sets).

    perf_top.py PERF_DATA SUPERNODE_PID DFDAEMON_PID[,DFDAEMON_PID...] [TOP]
"""
import collections
import re
import subprocess
import sys


def samples(data):
    """Yields (pid, comm, frames) per sample; frames leaf first, each (symbol, dso)."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,tid,ip,sym,dso"],
                         capture_output=True, text=True, errors="replace").stdout
    head = None
    frames = []
    for line in out.splitlines():
        if not line.strip():
            if head:
                yield head[0], head[1], frames
            head, frames = None, []
            continue
        if not line.startswith(("\t", " ")):
            m = re.match(r"^(.*?)\s+(\d+)/(\d+)\s*$", line)
            if m:
                head = (int(m.group(2)), m.group(1).strip())
            continue
        m = re.match(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
        if m:
            frames.append((m.group(1), m.group(2)))
    if head:
        yield head[0], head[1], frames


def leaf_name(frames):
    if not frames:
        return "?"
    sym, dso = frames[0]
    sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
    if dso.startswith("[kernel"):
        return sym + " [k]"
    if "libjvm" in dso:
        return sym + " [jvm]"
    if "perf-" in dso:
        if sym == "[unknown]":
            return "JIT code (unnamed)"
        return re.sub(r"^\S+ ", "", re.sub(r"\(.*$", "", sym))  # the Java method, without return and parameter types
    return sym + " [" + dso.rsplit("/", 1)[-1] + "]"


def dfly_frame(frames):
    for sym, _ in frames:
        m = re.search(r"io\.dfly\.[\w.$]+", sym)  # perf map names: "int io.dfly.engine.PieceHttp$FixedBody.read(byte[], ...)"
        if m:
            return m.group(0)
    return "(no io.dfly frame)"


def kind(comm):
    return re.sub(r"[\d#]+", "", comm).strip() or comm


def table(title, counter, total, top):
    print(f"| {title} | share |")
    print("|---|---:|")
    for name, n in counter.most_common(top):
        print(f"| `{name.replace('|', '/')}` | {100.0 * n / total:.1f} % |")
    print()


def main():
    data, sn = sys.argv[1], int(sys.argv[2])
    dds = {int(p) for p in sys.argv[3].split(",") if p}
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 15
    groups = {"supernode": collections.defaultdict(collections.Counter),
              "dfdaemons": collections.defaultdict(collections.Counter)}
    count = collections.Counter()
    rest = collections.Counter()
    total = 0
    for pid, comm, frames in samples(data):
        total += 1
        g = "supernode" if pid == sn else "dfdaemons" if pid in dds else None
        if g is None:
            count["everything else"] += 1
            rest[kind(comm)] += 1
            continue
        count[g] += 1
        groups[g]["kind"][kind(comm)] += 1
        groups[g]["leaf"][leaf_name(frames)] += 1
        groups[g]["dfly"][dfly_frame(frames)] += 1
    if total == 0:
        print("(no perf samples)")
        return
    print(f"{total} samples (499 Hz, every CPU): supernode {100.0 * count['supernode'] / total:.1f} %, "
          f"dfdaemons {100.0 * count['dfdaemons'] / total:.1f} %, everything else "
          f"{100.0 * count['everything else'] / total:.1f} % (its biggest: "
          + ", ".join(f"{k} {100.0 * n / total:.1f} %" for k, n in rest.most_common(4)) + ").")
    print()
    for g, c in groups.items():
        n = count[g]
        if n == 0:
            continue
        print(f"**{g}** ({n} samples; shares of its own samples)")
        print()
        table("thread kind", c["kind"], n, 8)
        table("leaf symbol", c["leaf"], n, top)
        table("innermost io.dfly frame", c["dfly"], n, 10)


if __name__ == "__main__":
    main()
