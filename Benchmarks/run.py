#!/usr/bin/env python3
"""Run the benchmark programs under every engine found on this machine.

    python3 Benchmarks/run.py [--runs 5] [--quick] [--programs a,b] [--engines native,wasmtime,...]
                              [--budget-minutes 18] [--timeout 300] [--no-build-peers] [--no-build]
                              [--out-dir Benchmarks/results] [--programs-json FILE] [--native-dir DIR]

Reads Benchmarks/programs/programs.json, runs each program under each engine as separate
processes (wall clock, peak RSS of the child from wait4), checks the `checksum:` line of every
run, and writes Benchmarks/results/<date>T<time>Z-<commit>.json (schema in Benchmarks/README.md).

Engines: native (the -O2 reference), wasmtime (Cranelift, PyPI `wasmtime`), wasmkit-toolchain
(the WasmKit in the Swift toolchain), wasmkit-0.4.2 (built here from the package mirror), wasm3
(PyPI `pywasm3`), and our tiers wasm-tier-interp / wasm-tier-opt / wasm-tier-auto
(`wasm-tier run --tier interp|opt|auto FILE ARGS...`). An engine that is missing or fails its
probe is listed with `available: false` and the reason.

Internal modes (the per-run drivers of the Python-hosted engines):
    run.py --exec-wasmtime WASM ARGS...     run a WASI command module in Wasmtime
    run.py --exec-wasm3 WASM ARGS...        run it in wasm3, with a minimal WASI written here
If $WASM_BENCH_TIMING_FILE is set, a driver writes {"compileSeconds", "instantiateSeconds"} there
as JSON; any engine (our tiers included) may do the same and the runner records it.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "Benchmarks")
WORK = os.path.join(BENCH, "work")
TIMING_ENV = "WASM_BENCH_TIMING_FILE"
WASMKIT_MIRROR = "/opt/swift-packages/swiftwasm/WasmKit.git"
WASMKIT_TAG = "0.4.2"
TOOLCHAIN_WASMKIT = "/opt/swift/usr/bin/wasmkit"


# ---------------------------------------------------------------------------------------------
# A small reader of the module format: sections, imports with their types, code size.

def _leb(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, pos


def _name(data, pos):
    n, pos = _leb(data, pos)
    return bytes(data[pos:pos + n]).decode("utf-8", "replace"), pos + n


def _leb_size(data, payload_start):
    """Bytes from a section's id byte to its payload (1 + the size's LEB128 length)."""
    n, pos = 1, payload_start - 1
    while pos > 0 and data[pos - 1] >= 0x80:
        n, pos = n + 1, pos - 1
    return n + 1


def wasm_sections(data):
    """[(id, payload_start, payload_end)] of a binary module."""
    if data[:4] != b"\0asm":
        raise ValueError("not a wasm binary")
    pos, out = 8, []
    while pos < len(data):
        sid = data[pos]
        size, pos = _leb(data, pos + 1)
        out.append((sid, pos, pos + size))
        pos += size
    return out


def wasm_code_bytes(data):
    return sum(end - start for sid, start, end in wasm_sections(data) if sid == 10)


_VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref", 0x6F: "externref"}


def wasm_function_imports(data):
    """[(module, name, params, results)] of the imported functions."""
    types, imports = [], []
    for sid, start, _ in wasm_sections(data):
        if sid == 1:
            count, pos = _leb(data, start)
            for _ in range(count):
                pos += 1  # 0x60
                np, pos = _leb(data, pos)
                params = [_VALTYPES.get(data[pos + i], "?") for i in range(np)]
                pos += np
                nr, pos = _leb(data, pos)
                results = [_VALTYPES.get(data[pos + i], "?") for i in range(nr)]
                pos += nr
                types.append((params, results))
        elif sid == 2:
            count, pos = _leb(data, start)
            for _ in range(count):
                mod, pos = _name(data, pos)
                name, pos = _name(data, pos)
                kind = data[pos]
                pos += 1
                if kind == 0:
                    ti, pos = _leb(data, pos)
                    imports.append((mod, name) + types[ti])
                elif kind == 1:  # table: reftype, limits
                    pos += 1
                    flags, pos = _leb(data, pos)
                    _, pos = _leb(data, pos)
                    if flags & 1:
                        _, pos = _leb(data, pos)
                elif kind == 2:  # memory: limits
                    flags, pos = _leb(data, pos)
                    _, pos = _leb(data, pos)
                    if flags & 1:
                        _, pos = _leb(data, pos)
                elif kind == 3:  # global: valtype, mut
                    pos += 2
    return imports


# The smallest WASI command: (module (memory (export "memory") 1) (func (export "_start"))).
# Run under each engine to measure its fixed start-up cost.
EMPTY_COMMAND = bytes.fromhex(
    "0061736d01000000"                      # magic, version
    "010401600000"                          # type: () -> ()
    "03020100"                              # func 0: type 0
    "0503010001"                            # memory: min 1
    "07130206" + b"memory".hex() + "0200" + "06" + b"_start".hex() + "0000"  # exports
    "0a040102000b")                         # code: empty body


# ---------------------------------------------------------------------------------------------
# Drivers: run one WASI command module in-process and exit with its exit code.

def _write_timing(info):
    path = os.environ.get(TIMING_ENV)
    if path:
        with open(path, "w") as f:
            json.dump(info, f)


def exec_wasmtime(argv):
    import wasmtime
    path, args = argv[0], argv[1:]
    with open(path, "rb") as f:
        data = f.read()
    engine = wasmtime.Engine()  # default config: Cranelift, opt level "speed"
    t0 = time.perf_counter()
    module = wasmtime.Module(engine, data)
    t1 = time.perf_counter()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    wasi = wasmtime.WasiConfig()
    wasi.argv = [os.path.basename(path)] + args
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    store.set_wasi(wasi)
    instance = linker.instantiate(store, module)
    t2 = time.perf_counter()
    _write_timing({"compileSeconds": t1 - t0, "instantiateSeconds": t2 - t1})
    start = instance.exports(store)["_start"]
    try:
        start(store)
    except wasmtime.ExitTrap as e:
        return e.code
    except wasmtime.Trap as e:
        sys.stderr.write("wasmtime: trap: %s\n" % e)
        return 134
    return 0


class _Exit(Exception):
    pass


def exec_wasm3(argv):
    """wasm3 through pywasm3, which has no WASI of its own: the preview1 calls a benchmark makes
    (args, environ, clocks, random, writes to stdout/stderr, exit) are implemented here; every
    other import returns ENOSYS."""
    import wasm3
    path, args = argv[0], argv[1:]
    with open(path, "rb") as f:
        data = f.read()
    # wasm3 looks functions up by the `name` section's names before export names, so with
    # wasi-libc it would find the internal `_start` (which skips the destructors that flush
    # stdout) instead of the exported one: drop the custom sections.
    data = data[:8] + b"".join(data[s - _leb_size(data, s):e] for sid, s, e in wasm_sections(data) if sid != 0)
    env = wasm3.Environment()
    rt = env.new_runtime(8 * 1024 * 1024)
    t0 = time.perf_counter()
    module = env.parse_module(data)
    rt.load(module)
    t1 = time.perf_counter()
    argv_bytes = [a.encode() + b"\0" for a in [os.path.basename(path)] + args]
    exit_code = [0]
    ESUCCESS, EBADF, ENOSYS, ESPIPE = 0, 8, 52, 70

    def mem():
        return rt.get_memory(0)

    def put32(addr, v):
        mem()[addr:addr + 4] = struct.pack("<I", v & 0xFFFFFFFF)

    def put64(addr, v):
        mem()[addr:addr + 8] = struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)

    def args_sizes_get(pcount, psize):
        put32(pcount, len(argv_bytes))
        put32(psize, sum(map(len, argv_bytes)))
        return ESUCCESS

    def args_get(pargv, pbuf):
        m = mem()
        for i, a in enumerate(argv_bytes):
            m[pargv + 4 * i:pargv + 4 * i + 4] = struct.pack("<I", pbuf)
            m[pbuf:pbuf + len(a)] = a
            pbuf += len(a)
        return ESUCCESS

    def environ_sizes_get(pcount, psize):
        put32(pcount, 0)
        put32(psize, 0)
        return ESUCCESS

    def environ_get(penv, pbuf):
        return ESUCCESS

    def fd_write(fd, iovs, iovs_len, pnwritten):
        if fd not in (1, 2):
            return EBADF
        m = mem()
        out = bytearray()
        for i in range(iovs_len):
            ptr, n = struct.unpack_from("<II", m, iovs + 8 * i)
            out += m[ptr:ptr + n]
        os.write(fd, bytes(out))
        put32(pnwritten, len(out))
        return ESUCCESS

    def fd_fdstat_get(fd, pstat):
        if fd not in (0, 1, 2):
            return EBADF
        m = mem()
        # filetype character device, no flags, rights: everything
        m[pstat:pstat + 24] = struct.pack("<BxHxxxxQQ", 2, 0, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF)
        return ESUCCESS

    def fd_seek(fd, offset, whence, pnew):
        return ESPIPE if fd in (0, 1, 2) else EBADF

    def fd_close(fd):
        return ESUCCESS if fd in (0, 1, 2) else EBADF

    def fd_prestat_get(fd, pbuf):
        return EBADF

    def clock_time_get(clock_id, precision, ptime):
        t = time.monotonic_ns() if clock_id == 1 else time.time_ns() if clock_id == 0 else time.process_time_ns()
        put64(ptime, t)
        return ESUCCESS

    def clock_res_get(clock_id, pres):
        put64(pres, 1000)
        return ESUCCESS

    def random_get(pbuf, n):
        mem()[pbuf:pbuf + n] = os.urandom(n)
        return ESUCCESS

    def proc_exit(code):
        exit_code[0] = code
        raise _Exit()

    known = {f.__name__: f for f in (args_sizes_get, args_get, environ_sizes_get, environ_get, fd_write,
                                     fd_fdstat_get, fd_seek, fd_close, fd_prestat_get, clock_time_get,
                                     clock_res_get, random_get, proc_exit)}
    for mod, name, params, results in wasm_function_imports(data):
        if mod == "wasi_snapshot_preview1" and name in known:
            module.link_function(mod, name, known[name])
        elif results == ["i32"]:
            module.link_function(mod, name, lambda *a: ENOSYS)
        # anything else stays unlinked and traps if called
    _write_timing({"compileSeconds": None, "instantiateSeconds": t1 - t0})
    start = rt.find_function("_start")
    try:
        start()
    except _Exit:
        pass
    except RuntimeError as e:
        sys.stdout.flush()
        sys.stderr.write("wasm3: trap: %s\n" % e)
        return 134
    return exit_code[0]


# ---------------------------------------------------------------------------------------------
# Running one process.

GNU_TIME = "/usr/bin/time"


def run_process(argv, timeout, env=None, cwd=None):
    """Run argv to completion: wall seconds, exit code, stdout, stderr, peak RSS (KiB), timed out.

    Peak RSS comes from GNU time (`-f %M`) wrapped around the command when it is installed: a
    child's ru_maxrss also counts the memory of the process it was forked from before its exec,
    which from this Python process is ~14 MiB, from `time` about 1 MiB. Without `time`, wait4's
    ru_maxrss is used as is."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(prefix="rss-") as rss_file:
        use_time = os.access(GNU_TIME, os.X_OK)
        full = [GNU_TIME, "-f", "%M", "-o", rss_file.name] + argv if use_time else argv
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd,
                                    start_new_session=True)
        except OSError as e:
            return {"seconds": 0.0, "rc": None, "stdout": "", "stderr": str(e), "rssKiB": None, "timedOut": False}
        timed_out = []

        def kill():
            timed_out.append(True)
            try:
                os.killpg(proc.pid, 9)
            except OSError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        rss = usage.ru_maxrss
        if use_time:
            rss = None
            with open(rss_file.name) as f:
                lines = f.read().split()
            if lines and lines[-1].isdigit():
                rss = int(lines[-1])
        out.seek(0)
        err.seek(0)
        return {"seconds": seconds, "rc": proc.returncode,
                "stdout": out.read().decode("utf-8", "replace"),
                "stderr": err.read().decode("utf-8", "replace"),
                "rssKiB": rss, "timedOut": bool(timed_out)}


def checksum_of(stdout):
    """The value of the last `checksum: VALUE` line, else the last non-empty line."""
    found = re.findall(r"^\s*checksum\s*[:=]\s*(.*?)\s*$", stdout, re.M)
    if found:
        return found[-1]
    lines = [l.strip() for l in stdout.splitlines() if l.strip()]
    return lines[-1] if lines else None


def tail(text, n=300):
    text = text.strip()
    return text if len(text) <= n else "..." + text[-n:]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Engines.

class Engine:
    id = name = kind = ""
    uses_timing_file = False

    def __init__(self):
        self.available = False
        self.version = None
        self.reason = None
        self.startup_seconds = None

    def probe(self, opts):
        """Set available/version/reason."""
        raise NotImplementedError

    def command(self, program):
        """argv running the program, or raise RuntimeError with the reason."""
        raise NotImplementedError

    def env(self):
        """Environment variables to set for its runs."""
        return {}

    def entry(self):
        e = {"id": self.id, "name": self.name, "kind": self.kind, "available": self.available,
             "version": self.version, "reason": self.reason}
        if self.startup_seconds is not None:
            e["startupSeconds"] = self.startup_seconds
        return e


def elf_compiler(path):
    """The compiler named in an ELF binary's .comment section, e.g. 'clang 21' or 'gcc 12.2.0'."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    m = re.search(rb"clang version (\d+)", data)
    if m:
        return "clang " + m.group(1).decode()
    m = re.search(rb"GCC: \([^)]*\) (\d+[\d.]*)", data)
    if m:
        return "gcc " + m.group(1).decode()
    return None


class Native(Engine):
    id, kind = "native", "reference"
    name = "native -O2"

    def __init__(self, native_dir):
        super().__init__()
        self.dir = native_dir

    @staticmethod
    def binary_name(program):
        # A program's `native` key names the native binary when it shares one with another
        # program (a scalar twin, e.g. simd-scalar, runs natively as simd).
        return program.get("native") or program["name"]

    def probe(self, opts):
        names = list(dict.fromkeys(self.binary_name(p) for p in opts.selected_programs))
        missing = [n for n in names if not os.access(os.path.join(self.dir, n), os.X_OK)]
        build = os.path.join(ROOT, "Tools", "build-benchmarks")
        if missing and not opts.no_build and os.path.exists(build) and self.dir == default_native_dir():
            log("native binaries missing (%s): running Tools/build-benchmarks --native-only" % ", ".join(missing))
            r = subprocess.run([build, "--native-only"] + missing, cwd=ROOT, capture_output=True, text=True)
            if r.returncode != 0:
                log("Tools/build-benchmarks failed:\n" + tail(r.stdout + r.stderr, 2000))
            missing = [n for n in names if not os.access(os.path.join(self.dir, n), os.X_OK)]
        present = [n for n in names if n not in missing]
        if not present:
            self.reason = "no native binaries in %s (Tools/build-benchmarks builds them)" % os.path.relpath(self.dir, ROOT)
            return
        self.available = True
        compiler = elf_compiler(os.path.join(self.dir, present[0]))
        if compiler:
            self.name = "native -O2 (%s)" % compiler
            self.version = compiler

    def command(self, program):
        path = os.path.join(self.dir, self.binary_name(program))
        if not os.access(path, os.X_OK):
            raise RuntimeError("no native binary %s" % os.path.relpath(path, ROOT))
        return [path] + program["args"]


class PythonHosted(Engine):
    """An engine driven by this script in a child Python process (--exec-<mode>)."""
    uses_timing_file = True
    module = package = mode = ""

    def probe(self, opts):
        import importlib.metadata
        r = subprocess.run([sys.executable, "-S", "-c", "import " + self.module], capture_output=True, text=True,
                           env=dict(os.environ, **self.env()))
        if r.returncode != 0:
            self.reason = "Python package `%s` not importable (pip install %s): %s" % (
                self.package, self.package, tail(r.stderr, 200))
            return
        try:
            self.version = importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError:
            self.version = "unknown"
        self.available = True

    def command(self, program):
        # -S: no `site` start-up work (.pth files can cost tens of ms); env() gives the package paths.
        return [sys.executable, "-S", os.path.abspath(__file__), "--exec-" + self.mode,
                program["wasmPath"]] + program["args"]

    def env(self):
        import site
        paths = [p for p in sys.path if p and os.path.isdir(p) and
                 any(p.startswith(s) for s in site.getsitepackages() + [site.getusersitepackages()])]
        old = os.environ.get("PYTHONPATH")
        return {"PYTHONPATH": os.pathsep.join(paths + ([old] if old else []))}


class Wasmtime(PythonHosted):
    id, kind, module, package, mode = "wasmtime", "peer", "wasmtime", "wasmtime", "wasmtime"

    def probe(self, opts):
        super().probe(opts)
        self.name = "Wasmtime %s (Cranelift, Python bindings)" % (self.version or "")


class Wasm3(PythonHosted):
    id, kind, module, package, mode = "wasm3", "peer", "wasm3", "pywasm3", "wasm3"

    def probe(self, opts):
        super().probe(opts)
        if self.available:
            r = subprocess.run([sys.executable, "-c", "import wasm3; print(wasm3.M3_VERSION)"],
                               capture_output=True, text=True)
            self.version = "wasm3 %s (pywasm3 %s)" % (r.stdout.strip(), self.version)
        self.name = "wasm3 interpreter (pywasm3, WASI shim in run.py)"


class CLIEngine(Engine):
    """An engine with a `BINARY run WASM ARGS...` command line."""
    binary = None

    def command(self, program):
        return [self.binary, "run", program["wasmPath"]] + program["args"]


class WasmKitToolchain(CLIEngine):
    id, kind = "wasmkit-toolchain", "peer"
    name = "WasmKit (Swift toolchain's wasmkit)"
    binary = TOOLCHAIN_WASMKIT

    def probe(self, opts):
        if not os.access(self.binary, os.X_OK):
            self.reason = "%s not found" % self.binary
            return
        r = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        if r.returncode != 0:
            self.reason = "`wasmkit --version` failed: " + tail(r.stderr, 200)
            return
        self.version = r.stdout.strip()
        self.name = "WasmKit %s (Swift toolchain)" % self.version
        self.available = True


class WasmKit042(CLIEngine):
    id, kind = "wasmkit-0.4.2", "peer"
    name = "WasmKit 0.4.2 (release build)"

    def __init__(self):
        super().__init__()
        self.src = os.path.join(WORK, "wasmkit")
        self.scratch = os.path.join(self.src, ".build")
        self.binary = os.path.join(self.scratch, "release", "wasmkit-cli")

    def build(self):
        log_path = os.path.join(WORK, "wasmkit-build.log")
        if not os.path.isdir(WASMKIT_MIRROR):
            return "package mirror %s not found" % WASMKIT_MIRROR
        os.makedirs(WORK, exist_ok=True)
        steps = []
        if not os.path.isdir(os.path.join(self.src, ".git")):
            steps.append(["git", "clone", "-q", WASMKIT_MIRROR, self.src])
        steps.append(["git", "-C", self.src, "checkout", "-q", WASMKIT_TAG])
        steps.append(["swift", "build", "-c", "release", "--product", "wasmkit-cli",
                      "--package-path", self.src, "--scratch-path", self.scratch])
        log("building WasmKit %s (release) into %s; this takes 5-15 minutes (log: %s; "
            "--no-build-peers skips it)" % (WASMKIT_TAG, os.path.relpath(self.scratch, ROOT), os.path.relpath(log_path, ROOT)))
        with open(log_path, "w") as logf:
            for step in steps:
                logf.write("$ %s\n" % " ".join(step))
                logf.flush()
                r = subprocess.run(step, stdout=logf, stderr=subprocess.STDOUT)
                if r.returncode != 0:
                    return "`%s` failed (exit %d), see %s" % (" ".join(step[:3]), r.returncode, os.path.relpath(log_path, ROOT))
        return None

    def probe(self, opts):
        if not os.access(self.binary, os.X_OK):
            if opts.no_build_peers or opts.no_build:
                self.reason = "not built (--no-build-peers); run without it to build WasmKit %s" % WASMKIT_TAG
                return
            err = self.build()
            if err or not os.access(self.binary, os.X_OK):
                self.reason = "building WasmKit %s failed: %s" % (WASMKIT_TAG, err or "no binary")
                return
        r = subprocess.run(["git", "-C", self.src, "describe", "--tags", "--always"], capture_output=True, text=True)
        tag = r.stdout.strip() or "?"
        if tag != WASMKIT_TAG:
            self.reason = "checkout at %s is %s, not %s" % (os.path.relpath(self.src, ROOT), tag, WASMKIT_TAG)
            return
        r = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        self.version = r.stdout.strip() or tag
        self.available = True


class WasmTierTier(CLIEngine):
    """One of our tiers: `wasm-tier run --tier TIER FILE ARGS...`."""
    kind = "tier"
    uses_timing_file = True

    def __init__(self, tier):
        super().__init__()
        self.tier = tier
        self.id = "wasm-tier-" + tier
        self.name = {"interp": "wasm-tier interpreter", "opt": "wasm-tier optimizing tier",
                     "auto": "wasm-tier tiered (interpreter, then optimizing)"}[tier]

    def probe(self, opts):
        self.binary = opts.wasm_tier_binary
        if not self.binary:
            self.reason = "no release build of wasm-tier (swift build -c release --product wasm-tier)"
            return
        r = subprocess.run([self.binary, "run", "--help"], capture_output=True, text=True)
        text = r.stdout + r.stderr
        # An unknown subcommand fails, or (swift-argument-parser) prints the root's help.
        if r.returncode != 0 or not re.search(r"USAGE: \S*wasm-tier run\b", text):
            self.reason = "tier not implemented yet (`wasm-tier run` does not exist)"
            return
        if "--tier" not in text:
            self.reason = "tier not implemented yet (`wasm-tier run` has no --tier option)"
            return
        v = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        self.version = (v.stdout.strip() or "?") + " @ " + opts.commit
        self.available = True

    def command(self, program):
        return [self.binary, "run", "--tier", self.tier, program["wasmPath"]] + program["args"]


# ---------------------------------------------------------------------------------------------
# The run.

def default_native_dir():
    return os.path.join(WORK, "native")


def git_commit():
    r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=7", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def machine_info():
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    osname = platform.system()
    try:
        with open("/etc/os-release") as f:
            m = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
            if m:
                osname = m.group(1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memoryGiB": mem,
            "os": "%s, Linux %s" % (osname, platform.release()) if platform.system() == "Linux" else osname,
            "python": platform.python_version()}


def find_release_binary(product, opts):
    for d in (".build", ".build-bench"):
        p = os.path.join(ROOT, d, "release", product)
        if os.access(p, os.X_OK):
            return p
    if opts.no_build:
        return None
    log("building %s (release) into .build-bench" % product)
    # Statically linked Swift runtime and Foundation, as README.md builds it: start-up is part of
    # every measured run, and the shared libraries' relocation alone costs about 4 ms.
    r = subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--product", product, "--scratch-path",
                        os.path.join(ROOT, ".build-bench")], cwd=ROOT, capture_output=True, text=True)
    p = os.path.join(ROOT, ".build-bench", "release", product)
    if r.returncode != 0 or not os.access(p, os.X_OK):
        log("building %s failed:\n%s" % (product, tail(r.stdout + r.stderr, 1500)))
        return None
    return p


def load_programs(path):
    with open(path) as f:
        programs = json.load(f)
    base = os.path.dirname(os.path.abspath(path))
    for p in programs:
        p.setdefault("args", [])
        p["args"] = [str(a) for a in p["args"]]
        wasm = p.get("wasm") or os.path.join("wasm", p["name"] + ".wasm")
        candidates = [wasm] if os.path.isabs(wasm) else [os.path.join(base, wasm), os.path.join(ROOT, wasm),
                                                         os.path.join(base, "wasm", os.path.basename(wasm))]
        p["wasmPath"] = next((c for c in candidates if os.path.exists(c)), candidates[0])
    return programs


def median(xs):
    return statistics.median(xs) if xs else None


def module_measurements(programs, opts, runs):
    """decodeValidateSeconds, codeBytes (and instantiateSeconds once wasm-tier-bench has it)."""
    files = [p["wasmPath"] for p in programs if os.path.exists(p["wasmPath"])]
    out = {f: {} for f in files}
    bench = find_release_binary("wasm-tier-bench", opts)
    if not bench or not files:
        return out
    r = subprocess.run([bench, "validate", "--json", "--runs", str(runs)] + files, capture_output=True, text=True)
    if r.returncode == 0:
        for f, row in zip(files, json.loads(r.stdout)):
            out[f]["decodeValidateSeconds"] = row.get("validateMedianSeconds")
            out[f]["codeBytes"] = row.get("codeBytes")
    else:
        log("wasm-tier-bench validate failed: " + tail(r.stderr or r.stdout, 500))
    # The optimizing tier's compile time for the whole module, one function after another on
    # one thread (`wasm-tier-bench compile`, fastest of 3): reported as wasm-tier-opt's
    # compileSeconds, beside Wasmtime's.
    r = subprocess.run([bench, "compile", "--json", "--runs", "3"] + files, capture_output=True, text=True)
    if r.returncode == 0:
        try:
            for f, row in zip(files, json.loads(r.stdout)):
                out[f]["optCompileSeconds"] = row.get("seconds")
        except (ValueError, AttributeError):
            pass
    else:
        log("wasm-tier-bench compile failed: " + tail(r.stderr or r.stdout, 500))
    # Ready for a future `wasm-tier-bench instantiate`; absent today.
    r = subprocess.run([bench, "instantiate", "--json", "--runs", str(runs)] + files, capture_output=True, text=True)
    if r.returncode == 0:
        try:
            for f, row in zip(files, json.loads(r.stdout)):
                out[f]["instantiateSeconds"] = row.get("instantiateMedianSeconds")
        except (ValueError, AttributeError):
            pass
    return out


def measure_startup(engine, opts, tmpdir):
    """Median wall time of the engine running an empty command module (its fixed start-up cost),
    or raise RuntimeError when it cannot run even that."""
    if engine.id == "native":
        return None
    path = os.path.join(tmpdir, "empty.wasm")
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(EMPTY_COMMAND)
    prog = {"name": "empty", "wasmPath": path, "args": []}
    samples = []
    for _ in range(3):
        r = run_process(engine.command(prog), 60, env=dict(os.environ, **engine.env()), cwd=tmpdir)
        if r["rc"] != 0:
            raise RuntimeError("exit %s: %s" % (r["rc"], tail(r["stderr"] or r["stdout"], 200)))
        samples.append(r["seconds"])
    return round(median(samples), 6)


class Cell:
    """One program under one engine."""

    def __init__(self, program, engine):
        self.program, self.engine = program, engine
        self.samples, self.rss, self.compile, self.instantiate = [], [], [], []
        self.checksum_ok = True
        self.error = None
        self.target = 0
        self.argv = None

    @property
    def done(self):
        return self.error is not None or len(self.samples) >= self.target

    def run_once(self, opts, tmpdir):
        if self.argv is None:
            try:
                self.argv = self.engine.command(self.program)
            except RuntimeError as e:
                self.error = str(e)
                return
            if self.program["wasmPath"] in self.argv and not os.path.exists(self.program["wasmPath"]):
                self.error = "missing %s" % os.path.relpath(self.program["wasmPath"], ROOT)
                return
        env = dict(os.environ, **self.engine.env())
        timing_path = os.path.join(tmpdir, "timing.json")
        if os.path.exists(timing_path):
            os.remove(timing_path)
        env[TIMING_ENV] = timing_path
        r = run_process(self.argv, opts.timeout, env=env, cwd=tmpdir)
        if r["timedOut"]:
            self.error = "timed out after %gs" % opts.timeout
            return
        if r["rc"] != 0:
            self.error = "exit %s: %s" % (r["rc"], tail(r["stderr"] or r["stdout"]))
            return
        self.samples.append(r["seconds"])
        if r["rssKiB"]:
            self.rss.append(r["rssKiB"])
        got = checksum_of(r["stdout"])
        expected = str(self.program.get("checksum", "")).strip()
        if expected and got != expected:
            if self.checksum_ok:
                log("  checksum mismatch: %s under %s printed %r, expected %r"
                    % (self.program["name"], self.engine.id, got, expected))
            self.checksum_ok = False
        if os.path.exists(timing_path):
            try:
                with open(timing_path) as f:
                    t = json.load(f)
                if t.get("compileSeconds") is not None:
                    self.compile.append(t["compileSeconds"])
                if t.get("instantiateSeconds") is not None:
                    self.instantiate.append(t["instantiateSeconds"])
            except (OSError, ValueError):
                pass

    def result(self, native_median, wasm_bytes):
        med = median(self.samples)
        comp = median(self.compile)
        res = {"samples": [round(s, 6) for s in self.samples],
               "medianSeconds": round(med, 6) if med is not None else None,
               "minSeconds": round(min(self.samples), 6) if self.samples else None,
               "maxSeconds": round(max(self.samples), 6) if self.samples else None,
               "relativeToNative": round(med / native_median, 4) if med and native_median else None,
               "checksumOK": bool(self.samples) and self.checksum_ok and self.error is None,
               "peakRSSKiB": max(self.rss) if self.rss else None,
               "compileSeconds": round(comp, 6) if comp is not None else None,
               "error": self.error}
        if comp and wasm_bytes:
            res["compileMBPerSecond"] = round(wasm_bytes / 1e6 / comp, 2)
        return res


def plan_runs(cells, runs, remaining):
    """Runs per cell after the first pass: all `runs` if they fit in the remaining seconds, else the
    largest per-cell time cap C with sum(min(runs-1, C // t) * t) <= remaining, so slow cells get
    fewer samples (never fewer than one) and fast cells keep all of theirs."""
    live = [c for c in cells if c.error is None and c.samples]
    for c in cells:
        c.target = 1
    if runs <= 1 or not live:
        return

    def extra(c, cap):
        return runs - 1 if cap is None else min(runs - 1, int(cap // c.samples[0]))

    def cost(cap):
        return sum(extra(c, cap) * c.samples[0] for c in live)
    cap = None
    if cost(None) > remaining:
        lo, hi = 0.0, max(c.samples[0] for c in live) * runs
        for _ in range(60):
            mid = (lo + hi) / 2
            if cost(mid) <= remaining:
                lo = mid
            else:
                hi = mid
        cap = lo
    for c in live:
        c.target = 1 + extra(c, cap)


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt_seconds(s):
    if s is None:
        return "-"
    return "%.3fs" % s if s < 10 else "%.1fs" % s


def print_table(result, engines):
    avail = [e for e in engines if e.available]
    head = ["program"] + [e.id for e in avail]
    rows = []
    for p in result["programs"]:
        row = [p["name"]]
        for e in avail:
            r = p["results"].get(e.id)
            if r is None:
                row.append("-")
            elif r["error"] and not r["samples"]:
                row.append("error")
            else:
                cell = fmt_seconds(r["medianSeconds"])
                if r["relativeToNative"] is not None and e.id != "native":
                    cell += " %.2fx" % r["relativeToNative"]
                if len(r["samples"]) != result["runs"]:
                    cell += " n=%d" % len(r["samples"])
                if not r["checksumOK"]:
                    cell += " BAD"
                row.append(cell)
        rows.append(row)
    geo = result["summary"]["geomeanRelativeToNative"]
    rows.append(["geomean vs native"] + [("%.2fx" % geo[e.id]) if e.id in geo else "-" for e in avail])
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print(line(head))
    print("  ".join("-" * w for w in widths))
    for r in rows[:-1]:
        print(line(r))
    print("  ".join("-" * w for w in widths))
    print(line(rows[-1]))
    print("(median wall time per process; Nx = median / native median; n=K: fewer runs than asked; "
          "BAD: wrong checksum)")
    down = [e for e in engines if not e.available]
    if down:
        print("not run:")
        for e in down:
            print("  %-18s %s" % (e.id, e.reason))
    for p in result["programs"]:
        for eid, r in p["results"].items():
            if r["error"]:
                print("error: %s under %s: %s" % (p["name"], eid, r["error"]))


ALL_ENGINES = ["native", "wasmtime", "wasmkit-toolchain", "wasmkit-0.4.2", "wasm3",
               "wasm-tier-interp", "wasm-tier-opt", "wasm-tier-auto"]


def make_engine(eid, opts):
    if eid == "native":
        return Native(opts.native_dir)
    if eid == "wasmtime":
        return Wasmtime()
    if eid == "wasm3":
        return Wasm3()
    if eid == "wasmkit-toolchain":
        return WasmKitToolchain()
    if eid == "wasmkit-0.4.2":
        return WasmKit042()
    if eid.startswith("wasm-tier-"):
        return WasmTierTier(eid[len("wasm-tier-"):])
    raise SystemExit("unknown engine %r (known: %s)" % (eid, ", ".join(ALL_ENGINES)))


def main():
    ap = argparse.ArgumentParser(description="Run the benchmark programs under every engine found here.")
    ap.add_argument("--runs", type=int, default=5, help="runs per program and engine (default 5)")
    ap.add_argument("--quick", action="store_true", help="one run each")
    ap.add_argument("--programs", help="comma-separated program names (default: all)")
    ap.add_argument("--engines", help="comma-separated engine ids (default: all): " + ",".join(ALL_ENGINES))
    ap.add_argument("--budget-minutes", type=float, default=16.0,
                    help="minutes for measuring, builds not counted; slow engines get fewer runs to fit (default 16)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per run before it is killed (default 300)")
    ap.add_argument("--no-build-peers", action="store_true", help="do not build WasmKit 0.4.2 if it is missing")
    ap.add_argument("--no-build", action="store_true", help="build nothing (natives, wasm-tier-bench, peers)")
    ap.add_argument("--programs-json", default=os.path.join(BENCH, "programs", "programs.json"))
    ap.add_argument("--native-dir", default=default_native_dir())
    ap.add_argument("--out-dir", default=os.path.join(BENCH, "results"))
    ap.add_argument("--wasm-tier", help="the wasm-tier binary for our tiers (default: .build/release/wasm-tier, "
                    "else .build-bench/release/wasm-tier, built there if missing)")
    opts = ap.parse_args()
    t_start = time.perf_counter()
    runs = 1 if opts.quick else max(1, opts.runs)
    opts.native_dir = os.path.abspath(opts.native_dir)

    if not os.path.exists(opts.programs_json):
        raise SystemExit("%s not found (the programs and Tools/build-benchmarks write it)" % opts.programs_json)
    programs = load_programs(opts.programs_json)
    if opts.programs:
        wanted = opts.programs.split(",")
        unknown = set(wanted) - {p["name"] for p in programs}
        if unknown:
            raise SystemExit("unknown programs: %s" % ", ".join(sorted(unknown)))
        programs = [p for p in programs if p["name"] in wanted]
    opts.selected_programs = programs
    opts.commit = git_commit()
    engine_ids = opts.engines.split(",") if opts.engines else ALL_ENGINES
    engines = [make_engine(e, opts) for e in engine_ids]
    opts.wasm_tier_binary = opts.wasm_tier or (
        find_release_binary("wasm-tier", opts) if any(e.kind == "tier" for e in engines) else None)

    tmpdir = tempfile.mkdtemp(prefix="wasm-bench-")
    try:
        log("probing engines")
        for e in engines:
            try:
                e.probe(opts)
            except Exception as ex:  # a broken engine must not stop the others
                e.available, e.reason = False, "probe failed: %s" % ex
            if e.available:
                try:
                    e.startup_seconds = measure_startup(e, opts, tmpdir)
                except RuntimeError as ex:
                    e.available = False
                    e.reason = ("tier not implemented yet (running an empty module: %s)" if e.kind == "tier"
                                else "cannot run an empty module: %s") % ex
            log("  %-18s %s" % (e.id, ("available, " + str(e.version)) if e.available else "unavailable: " + e.reason))

        t_budget = time.perf_counter()  # builds done in the probes do not count against the budget
        log("decode + validate (wasm-tier-bench)")
        modules = module_measurements(programs, opts, 5)

        cells = [Cell(p, e) for p in programs for e in engines if e.available]
        log("first pass: %d programs x %d engines" % (len(programs), sum(e.available for e in engines)))
        for c in cells:
            c.target = 1
            c.run_once(opts, tmpdir)
            log("  %-12s %-18s %s" % (c.program["name"], c.engine.id,
                                      fmt_seconds(c.samples[0]) if c.samples else "error: " + str(c.error)))
        remaining = opts.budget_minutes * 60 - (time.perf_counter() - t_budget)
        plan_runs(cells, runs, remaining)
        pending = [c for c in cells if not c.done]
        if pending:
            log("%d more passes (%d runs planned, %.0fs of budget left)"
                % (runs - 1, sum(c.target - 1 for c in pending), remaining))
        # Round-robin passes, so drift in the machine's speed spreads over every engine.
        # The plan is made from the first pass's times; if the machine gets slower, the deadline
        # (the budget, plus a tenth) stops the passes early rather than overrunning.
        deadline = t_budget + opts.budget_minutes * 60 * 1.1
        k = 1
        while pending:
            k += 1
            for c in pending:
                if time.perf_counter() > deadline:
                    log("  budget used up in pass %d: stopping (fewer samples for the rest)" % k)
                    pending = []
                    break
                c.run_once(opts, tmpdir)
            pending = [c for c in pending if not c.done]
            log("  pass %d done" % k)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    by_cell = {(c.program["name"], c.engine.id): c for c in cells}
    out_programs = []
    ratios = {e.id: [] for e in engines if e.available and e.id != "native"}
    for p in programs:
        wasm_bytes = os.path.getsize(p["wasmPath"]) if os.path.exists(p["wasmPath"]) else None
        mod = modules.get(p["wasmPath"], {})
        code_bytes = mod.get("codeBytes")
        if code_bytes is None and wasm_bytes:
            with open(p["wasmPath"], "rb") as f:
                code_bytes = wasm_code_bytes(f.read())
        native = by_cell.get((p["name"], "native"))
        native_med = median(native.samples) if native and native.error is None and native.checksum_ok else None
        results = {}
        inst = mod.get("instantiateSeconds")
        for e in engines:
            c = by_cell.get((p["name"], e.id))
            if c is None:
                continue
            results[e.id] = c.result(native_med, wasm_bytes)
            if e.id == "wasm-tier-opt" and results[e.id]["compileSeconds"] is None and mod.get("optCompileSeconds"):
                comp = mod["optCompileSeconds"]
                results[e.id]["compileSeconds"] = round(comp, 6)
                results[e.id]["compileMBPerSecond"] = round(wasm_bytes / 1e6 / comp, 2)
            if e.kind == "tier" and inst is None and c.instantiate:
                inst = round(median(c.instantiate), 6)
            r = results[e.id]
            if e.id in ratios and r["relativeToNative"] and r["checksumOK"]:
                ratios[e.id].append(r["relativeToNative"])
        out_programs.append({"name": p["name"], "args": p["args"], "wasmBytes": wasm_bytes, "codeBytes": code_bytes,
                             "checksum": p.get("checksum"),
                             "decodeValidateSeconds": mod.get("decodeValidateSeconds"),
                             "instantiateSeconds": inst, "results": results})
    now = datetime.datetime.now(datetime.timezone.utc)
    result = {"schema": 1, "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": opts.commit,
              "machine": machine_info(), "runs": runs, "totalSeconds": round(time.perf_counter() - t_start, 1),
              "engines": [e.entry() for e in engines], "programs": out_programs,
              "summary": {"geomeanRelativeToNative": {k: round(geomean(v), 4) for k, v in ratios.items() if v}}}
    os.makedirs(opts.out_dir, exist_ok=True)
    path = os.path.join(opts.out_dir, "%s-%s.json" % (now.strftime("%Y-%m-%dT%H%M%SZ"), opts.commit))
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print()
    print_table(result, engines)
    print("total %.0fs; results: %s" % (result["totalSeconds"], os.path.relpath(path, os.getcwd())))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--exec-wasmtime":
        sys.exit(exec_wasmtime(sys.argv[2:]))
    if len(sys.argv) > 2 and sys.argv[1] == "--exec-wasm3":
        sys.exit(exec_wasm3(sys.argv[2:]))
    main()
