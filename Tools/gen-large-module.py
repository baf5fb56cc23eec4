#!/usr/bin/env python3
"""Writes a large, valid Wasm module for decode/validate benchmarks.

    python3 Tools/gen-large-module.py OUT.wasm [--code-mb 12] [--seed 1]

The functions look like compiled C: locals, integer and float arithmetic, loads and stores,
nested blocks and loops with br_if, calls and br_table. Deterministic for a given seed.
"""
import random
import struct
import sys


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def section(sid, content):
    return bytes([sid]) + uleb(len(content)) + content


def vec(items):
    return uleb(len(items)) + b"".join(items)


I32, I64, F64 = 0x7F, 0x7E, 0x7C


def i32_expr(rng, depth):
    """An expression leaving one i32, as bytes."""
    r = rng.random()
    if depth > 3 or r < 0.3:
        if rng.random() < 0.5:
            return b"\x20" + uleb(rng.choice([0, 1, 3]))      # local.get of an i32 (params 0, 1; local 3)
        return b"\x41" + sleb(rng.randrange(-1000, 100000))  # i32.const
    if r < 0.7:
        op = rng.choice([0x6A, 0x6B, 0x6C, 0x71, 0x72, 0x73, 0x74, 0x76, 0x46, 0x48, 0x4D])
        return i32_expr(rng, depth + 1) + i32_expr(rng, depth + 1) + bytes([op])
    if r < 0.85:
        # i32.load offset=k (memory access)
        return i32_expr(rng, depth + 1) + b"\x28\x02" + uleb(rng.randrange(0, 4096, 4))
    return f64_expr(rng, depth + 1) + f64_expr(rng, depth + 1) + b"\x63"  # f64.lt


def f64_expr(rng, depth):
    r = rng.random()
    if depth > 3 or r < 0.4:
        if rng.random() < 0.5:
            return b"\x20" + uleb(rng.choice([2, 4]))          # local.get of an f64 (param 2; local 4)
        return b"\x44" + struct.pack("<d", rng.uniform(-100, 100))
    if r < 0.8:
        return f64_expr(rng, depth + 1) + f64_expr(rng, depth + 1) + bytes([rng.choice([0xA0, 0xA1, 0xA2, 0xA3])])
    return i32_expr(rng, depth + 1) + b"\xB7"                   # f64.convert_i32_s


def statement(rng, depth, nfuncs):
    r = rng.random()
    if r < 0.3:
        return i32_expr(rng, 0) + b"\x21" + uleb(rng.choice([0, 1, 3]))       # local.set
    if r < 0.45:
        return f64_expr(rng, 0) + b"\x21\x04"
    if r < 0.6:
        return i32_expr(rng, 1) + i32_expr(rng, 1) + b"\x36\x02" + uleb(rng.randrange(0, 4096, 4))  # i32.store
    if r < 0.7 and depth < 3:
        body = b"".join(statement(rng, depth + 1, nfuncs) for _ in range(rng.randrange(1, 5)))
        return b"\x02\x40" + body + i32_expr(rng, 1) + b"\x0D\x00" + b"\x0B"     # block ... br_if 0 end
    if r < 0.8 and depth < 3:
        body = b"".join(statement(rng, depth + 1, nfuncs) for _ in range(rng.randrange(1, 5)))
        return b"\x03\x40" + body + i32_expr(rng, 1) + b"\x0D\x00" + b"\x0B"     # loop ... br_if 0 end
    if r < 0.88 and depth < 3:
        then = b"".join(statement(rng, depth + 1, nfuncs) for _ in range(rng.randrange(1, 3)))
        other = b"".join(statement(rng, depth + 1, nfuncs) for _ in range(rng.randrange(1, 3)))
        return i32_expr(rng, 1) + b"\x04\x40" + then + b"\x05" + other + b"\x0B"
    if r < 0.95:
        callee = rng.randrange(nfuncs)
        return b"\x20\x00\x20\x01\x44" + struct.pack("<d", 1.5) + b"\x10" + uleb(callee) + b"\x21\x03"
    # block with br_table
    return b"\x02\x40\x02\x40" + i32_expr(rng, 1) + b"\x0E\x02\x00\x01\x00\x0B\x0B"


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    out = args[0]
    target = 12 * 1024 * 1024
    seed = 1
    if "--code-mb" in args:
        target = int(float(args[args.index("--code-mb") + 1]) * 1024 * 1024)
    if "--seed" in args:
        seed = int(args[args.index("--seed") + 1])
    rng = random.Random(seed)
    nfuncs = 4000
    # type 0: (i32 i32 f64) -> i32
    types = vec([b"\x60" + vec([bytes([I32]), bytes([I32]), bytes([F64])]) + vec([bytes([I32])])])
    bodies = []
    total = 0
    per = target // nfuncs
    for _ in range(nfuncs):
        code = bytearray()
        while len(code) < per:
            code += statement(rng, 0, nfuncs)
        code += b"\x20\x03\x0B"  # result: local 3; end
        # params: i32 i32 f64 (0, 1, 2); locals: i32 (3), f64 (4)
        body = vec([uleb(1) + bytes([I32]), uleb(1) + bytes([F64])]) + bytes(code)
        bodies.append(uleb(len(body)) + body)
        total += len(body)
    module = b"\x00asm\x01\x00\x00\x00"
    module += section(1, types)
    module += section(3, vec([uleb(0)] * nfuncs))
    module += section(5, vec([b"\x00\x01"]))
    module += section(7, vec([uleb(4) + b"main" + b"\x00" + uleb(0)]))
    module += section(10, uleb(nfuncs) + b"".join(bodies))
    with open(out, "wb") as f:
        f.write(module)
    print(f"{out}: {len(module)} bytes, {total} bytes of function bodies in {nfuncs} functions")


if __name__ == "__main__":
    main()
