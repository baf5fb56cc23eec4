// Micro-benchmarks of the engine's internals: decode, validate, interpreter dispatch,
// host-to-Wasm calls and instantiation. See ../../README.md.

import Benchmark
import Decoder
import Foundation
import Interpreter
import WasmRuntime
import TextFormat
import Validator
import WasmCore

// MARK: Fixtures

/// `Benchmarks/programs/wasm/<name>`, found by walking up from this file (so the benchmark runs
/// from any working directory), or `$WASM_TIER_BENCH_MODULE` when set.
func programBytes(_ name: String) -> [UInt8] {
    if let path = ProcessInfo.processInfo.environment["WASM_TIER_BENCH_MODULE"], !path.isEmpty {
        return load(URL(fileURLWithPath: path))
    }
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" {
        let candidate = dir.appendingPathComponent("Benchmarks/programs/wasm/\(name)")
        if FileManager.default.fileExists(atPath: candidate.path) { return load(candidate) }
        dir = dir.deletingLastPathComponent()
    }
    fatalError("Benchmarks/programs/wasm/\(name) not found above \(#filePath)")
}

func load(_ url: URL) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: url.path) else { fatalError("cannot read \(url.path)") }
    return [UInt8](data)
}

func wasm(_ wat: String) -> [UInt8] {
    do { return try TextFormat.wat2wasm(wat) } catch { fatalError("WAT: \(error)") }
}

/// A store with the interpreter installed. The store's `executor` is weak: keep `interpreter`.
struct Engine {
    let store = Store()
    let interpreter = Interpreter()
    init() { store.executor = interpreter }

    func instantiate(_ bytes: [UInt8]) -> Instance {
        do {
            return try store.instantiate(try ModuleValidator().validate(bytes: bytes), imports: Imports())
        } catch { fatalError("instantiate: \(error)") }
    }

    func function(_ instance: Instance, _ name: String) -> FunctionAddress {
        guard case .function(let f)? = instance.export(name) else { fatalError("no function export \(name)") }
        return f
    }
}

/// sum of 0..<n: per iteration local.get/i32.add/local.set twice, then local.get, local.get,
/// i32.lt_u and br_if (9 Wasm instructions before the translator's folding).
let loopWAT = """
(module
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $l
        (local.set $s (i32.add (local.get $s) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
    (local.get $s)))
"""

let identityWAT = """
(module
  (func (export "id") (param i32) (result i32) local.get 0))
"""

/// Small but with one of everything instantiation does: a memory with active and passive data,
/// a table filled by an active element segment, an imported global, globals of each numeric
/// type (one initialized from the import) and exports of each kind. No start function.
let instantiateWAT = """
(module
  (import "env" "base" (global $base i32))
  (type $t (func (param i32) (result i32)))
  (memory (export "memory") 1 16)
  (table (export "table") 8 funcref)
  (global $g0 (mut i32) (global.get $base))
  (global $g1 (mut i64) (i64.const 42))
  (global $g2 (mut f32) (f32.const 1.5))
  (global $g3 (export "g3") (mut f64) (f64.const 2.5))
  (func $f0 (type $t) local.get 0)
  (func $f1 (type $t) local.get 0 i32.const 1 i32.add)
  (func $f2 (type $t) local.get 0 i32.const 2 i32.mul)
  (func $f3 (type $t) local.get 0 i32.const 0 call_indirect (type $t))
  (elem (i32.const 0) $f0 $f1 $f2 $f3)
  (elem $passive func $f0 $f1)
  (data (i32.const 0) "hello, wasm-tier")
  (data (i32.const 1024) "\\00\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f")
  (data $passive "passive segment")
  (export "f3" (func $f3)))
"""

// MARK: Benchmarks

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // Wall clock, mallocs and throughput only: CPU time has a 10 ms resolution on Linux
        // here, useless for these sizes.
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    let minilang = programBytes("minilang.wasm")
    let minilangModule: Module
    do { minilangModule = try ModuleDecoder().decode(minilang) } catch { fatalError("decode: \(error)") }

    // 1. Decoding a ~270 KB module (wasi-libc plus an interpreter written in C).
    Benchmark("1 decode minilang.wasm (\(minilang.count / 1024) KiB)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try ModuleDecoder().decode(minilang))
        }
    }

    // 2. Validating the decoded module (all function bodies).
    Benchmark("2 validate minilang.wasm (\(minilang.count / 1024) KiB)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try ModuleValidator().validate(minilangModule))
        }
    }

    // 3. Interpreter dispatch: one call of `sum(1_000_000)` per sample; with the `.kilo` scaling
    // factor the figures are per 1000 loop iterations (so ns per 1000 = ps per iteration, and the
    // integer display keeps three digits). One iteration is 9 Wasm instructions.
    let loop = Engine()
    let loopInstance = loop.instantiate(wasm(loopWAT))
    let sum = loop.function(loopInstance, "sum")
    Benchmark(
        "3 interpreter loop sum(1M), per 1000 iterations (9 Wasm instrs each)",
        configuration: .init(scalingFactor: .kilo)
    ) { benchmark in
        let n = UInt32(benchmark.scaledIterations.count * 1000)
        let r = try loop.store.invoke(sum, arguments: [.i32(n)])
        precondition(r == [.i32(UInt32(truncatingIfNeeded: UInt64(n) * UInt64(n - 1) / 2))], "wrong sum \(r)")
        blackHole(r)
    }

    // 4. Host-to-Wasm call of an identity function, per call (`.kilo`: 1000 calls per sample).
    let call = Engine()
    let id = call.function(call.instantiate(wasm(identityWAT)), "id")
    _ = try? call.store.invoke(id, arguments: [.i32(1)])  // translate before measuring
    Benchmark("4a host-to-Wasm call id(i32) -> i32", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try call.store.invoke(id, arguments: [.i32(1)]))
        }
    }

    // 4b. The same with a small value stack (1024 slots instead of the default 1 Mi slots =
    // 8 MiB, which `Interpreter.invoke` allocates on every call from the host).
    let smallCall = Engine()
    smallCall.interpreter.stackSlots = 1024
    let smallID = smallCall.function(smallCall.instantiate(wasm(identityWAT)), "id")
    _ = try? smallCall.store.invoke(smallID, arguments: [.i32(1)])
    Benchmark("4b host-to-Wasm call id(i32) -> i32, stackSlots 1024", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try smallCall.store.invoke(smallID, arguments: [.i32(1)]))
        }
    }

    // 4c. The same call through raw slots (`Store.invoke(_:slots:)`, the path of the embedding
    // API's `TypedFunction`): no arrays, types checked once.
    let rawCall = Engine()
    let rawID = rawCall.function(rawCall.instantiate(wasm(identityWAT)), "id")
    _ = try? rawCall.store.invoke(rawID, arguments: [.i32(1)])
    Benchmark("4c host-to-Wasm call id(i32) -> i32, raw slots (TypedFunction's path)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var slot: UInt64 = 1
        for _ in benchmark.scaledIterations {
            slot = 1
            try withUnsafeMutablePointer(to: &slot) { try rawCall.store.invoke(rawID, slots: $0) }
            blackHole(slot)
        }
    }

    // 5. Instantiating a small validated module in a fresh store (a store keeps every instance
    // it made, so reusing one would grow without bound); includes the 64 KiB memory.
    let small: ValidatedModule
    do { small = try ModuleValidator().validate(bytes: wasm(instantiateWAT)) } catch { fatalError("validate: \(error)") }
    let interpreter = Interpreter()
    var imports = Imports()
    imports.define(module: "env", name: "base", .global(GlobalInstance(type: GlobalType(valueType: .i32, isMutable: false), bits: 1024)))
    Benchmark("5 instantiate small module (memory, table, 1+4 globals, 5 segments)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            let store = Store()
            store.executor = interpreter
            blackHole(try store.instantiate(small, imports: imports))
        }
    }
}
