#!/usr/bin/env python3
"""Summarizes dispatch profiles of the interpreter's C loop.

Build a profiling binary (a separate scratch path keeps the normal build intact):
    swift build -c release --product wasm-tier --scratch-path .build-profile -Xcc -DWT_PROFILE_DISPATCH
Run programs with WT_PROFILE_OUT=FILE, one file per program, then:
    python3 Tools/dispatch-profile.py FILE... [--top N]
Prints the commonest operations and pairs of consecutive operations, as shares of all
dispatches, averaged over the files (each program weighs the same).
"""
import os
import re
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def op_names():
    names = {}
    header = os.path.join(ROOT, "Modules", "InterpreterLoop", "InterpreterOps.h")
    for line in open(header, encoding="utf-8"):
        m = re.match(r"\s*WT_OP_(\w+) = (\d+)", line)
        if m and m.group(1) != "COUNT":
            names[int(m.group(2))] = m.group(1)
    return names


def main():
    args = sys.argv[1:]
    top = 30
    if "--top" in args:
        k = args.index("--top")
        top = int(args[k + 1])
        del args[k:k + 2]
    if not args:
        sys.exit(__doc__)
    names = op_names()
    ops, pairs = Counter(), Counter()
    for path in args:
        o, p = Counter(), Counter()
        for line in open(path):
            f = line.split()
            if len(f) == 2:
                o[int(f[1])] += int(f[0])
            elif len(f) == 3:
                p[(int(f[1]), int(f[2]))] += int(f[0])
        total = sum(o.values()) or 1
        for k, v in o.items():
            ops[k] += v / total / len(args)
        for k, v in p.items():
            pairs[k] += v / total / len(args)
    print("operations:")
    for k, v in ops.most_common(top):
        print(f"  {100 * v:6.2f}%  {names.get(k, k)}")
    print("pairs:")
    for (a, b), v in pairs.most_common(top):
        print(f"  {100 * v:6.2f}%  {names.get(a, a)} -> {names.get(b, b)}")


if __name__ == "__main__":
    main()
