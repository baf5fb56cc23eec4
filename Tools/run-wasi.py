#!/usr/bin/env python3
"""Run a WASI command module with Wasmtime's Python bindings.

Usage: Tools/run-wasi.py MODULE.wasm [ARGS...]

stdout/stderr are inherited; the process exits with the module's exit code
(0 when `_start` returns normally). Needs `pip install wasmtime`.
"""
import sys

try:
    import wasmtime
except ImportError:
    sys.stderr.write("run-wasi.py: the `wasmtime` Python package is missing (pip install wasmtime)\n")
    sys.exit(2)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    path = argv[1]
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    wasi = wasmtime.WasiConfig()
    wasi.argv = [path.rsplit("/", 1)[-1]] + argv[2:]
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    wasi.inherit_stdin()
    store.set_wasi(wasi)
    module = wasmtime.Module.from_file(engine, path)
    instance = linker.instantiate(store, module)
    start = instance.exports(store)["_start"]
    try:
        start(store)
    except wasmtime.ExitTrap as e:
        return e.code
    except wasmtime.Trap as e:
        sys.stdout.flush()
        sys.stderr.write("run-wasi.py: trap: %s\n" % e)
        return 134
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
