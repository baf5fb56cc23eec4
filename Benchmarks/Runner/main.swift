// wasm-tier-bench: release-build measurements of the engine.
//
//   swift run -c release wasm-tier-bench validate [--runs N] [--json] FILE...
//   swift run -c release wasm-tier-bench translate FILE...
//   swift run -c release wasm-tier-bench compile [--runs N] [--json] FILE...
//
// `validate` times decode and decode+validate of each module in-process (several runs; median,
// min and max) and reports throughput over the whole file in MB/s (10^6 bytes per second).
import Decoder
import Engine
import Foundation
import Interpreter
import MachineCode
import Validator

struct Stats {
    var samples: [Double]
    var median: Double { let s = samples.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
    var min: Double { samples.min() ?? 0 }
    var max: Double { samples.max() ?? 0 }
}

func time(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

/// `[--runs N] [--json] FILE...` after a command: the options and the files, or exit 2 for a
/// file that cannot be read.
func options(_ arguments: ArraySlice<String>, runs defaultRuns: Int) -> (runs: Int, json: Bool, files: [(path: String, bytes: [UInt8])]) {
    var args = Array(arguments), runs = defaultRuns, json = false, files: [(String, [UInt8])] = []
    while !args.isEmpty {
        let a = args.removeFirst()
        if a == "--runs", let n = args.first.flatMap(Int.init) { runs = n; args.removeFirst() }
        else if a == "--json" { json = true }
        else if let data = FileManager.default.contents(atPath: a) { files.append((a, [UInt8](data))) }
        else {
            FileHandle.standardError.write(Data("error: cannot read \(a)\n".utf8))
            exit(2)
        }
    }
    return (runs, json, files)
}

var args = Array(CommandLine.arguments.dropFirst())
if args.first == "translate" {
    // wasm-tier-bench translate FILE...: the interpreter's translation size and speed.
    for file in args.dropFirst() {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        let validated = try ModuleValidator().validate(bytes: [UInt8](data))
        var best = try Interpreter.translateAll(validated)
        for _ in 0..<4 {
            let r = try Interpreter.translateAll(validated)
            if r.seconds < best.seconds { best = r }
        }
        print(String(format: "%@: %d functions, %d bytes of Wasm code -> %d bytes of internal code (%.2fx), translated in %.2f ms (%.0f MB/s of Wasm)",
                     file, best.functions, best.wasmBytes, best.internalBytes, Double(best.internalBytes) / Double(max(best.wasmBytes, 1)),
                     best.seconds * 1e3, Double(best.wasmBytes) / best.seconds / 1e6))
    }
    exit(0)
}
let usage = """
    usage: wasm-tier-bench validate [--runs N] [--json] FILE...
           wasm-tier-bench translate FILE...
           wasm-tier-bench compile [--runs N] [--json] FILE...
    """
if args.first == "compile" {
    // wasm-tier-bench compile FILE...: the optimizing tier's compile time for every defined
    // function, one after another on this thread (what one core does), per phase. The fastest
    // of the runs, as for `translate`: compile time has no input noise, only machine noise.
    let (runs, json, files) = options(args.dropFirst(), runs: 3)
    var rows: [[String: Any]] = []
    for (file, data) in files {
        let validated = try ModuleValidator().validate(bytes: data)
        let bodies = validated.module.functionBodies
        var best: (seconds: Double, phases: [Double], wasm: Int, code: Int, functions: Int, failed: Int)?
        for _ in 0..<max(runs, 1) {
            var phases = [0.0, 0.0, 0.0], wasm = 0, code = 0, functions = 0, failed = 0
            let seconds = time {
                for i in validated.functions.indices {
                    switch OptimizingCompiler.build(validated, definedIndex: i, boundsChecks: .guardPages) {
                    case .success(let c):
                        for (k, d) in c.times.enumerated() {
                            phases[k] += Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
                        }
                        wasm += bodies[i].code.count
                        code += c.codeBytes
                        functions += 1
                    case .failure:
                        failed += 1
                    }
                }
            }
            if best == nil || seconds < best!.seconds { best = (seconds, phases, wasm, code, functions, failed) }
        }
        let b = best!
        rows.append([
            "file": file, "functions": b.functions, "notTaken": b.failed, "wasmCodeBytes": b.wasm, "machineCodeBytes": b.code,
            "seconds": b.seconds, "irgenSeconds": b.phases[0], "optimizeSeconds": b.phases[1], "backendSeconds": b.phases[2],
            "MBPerSecond": Double(b.wasm) / b.seconds / 1e6,
        ])
        if !json {
            print(String(format: "%@: %d functions (%d not taken), %d bytes of Wasm code -> %d bytes of x86-64 in %.1f ms (irgen %.1f, optimize %.1f, backend %.1f) = %.2f MB/s of Wasm",
                         file, b.functions, b.failed, b.wasm, b.code, b.seconds * 1e3, b.phases[0] * 1e3, b.phases[1] * 1e3,
                         b.phases[2] * 1e3, Double(b.wasm) / b.seconds / 1e6))
        }
    }
    if json {
        let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
    exit(0)
}
guard args.first == "validate" else {
    print(usage)
    exit(args.isEmpty ? 0 : 2)
}
let (runs, json, files) = options(args.dropFirst(), runs: 11)

var rows: [[String: Any]] = []
for (file, bytes) in files {
    // Small modules: repeat inside each sample so that one sample lasts at least ~20 ms.
    var inner = 1
    let once = try time { _ = try ModuleValidator().validate(bytes: bytes) }
    if once < 0.02 { inner = Int((0.02 / Swift.max(once, 1e-7)).rounded(.up)) }
    var decode = Stats(samples: []), validate = Stats(samples: [])
    var codeBytes = 0
    for _ in 0..<runs {
        decode.samples.append(try time { for _ in 0..<inner { _ = try ModuleDecoder().decode(bytes) } } / Double(inner))
        validate.samples.append(try time { for _ in 0..<inner { _ = try ModuleValidator().validate(bytes: bytes) } } / Double(inner))
    }
    let m = try ModuleDecoder().decode(bytes)
    codeBytes = m.functionBodies.reduce(0) { $0 + $1.code.count }
    let mbps = Double(bytes.count) / validate.median / 1e6
    rows.append([
        "file": file, "bytes": bytes.count, "codeBytes": codeBytes, "runs": runs, "innerIterations": inner,
        "decodeMedianSeconds": decode.median, "validateMedianSeconds": validate.median,
        "validateMinSeconds": validate.min, "validateMaxSeconds": validate.max, "validateMBPerSecond": mbps,
    ])
    if !json {
        print(String(format: "%@: %d bytes (%d of code): decode %.3f ms, decode+validate %.3f ms median (min %.3f, max %.3f) = %.0f MB/s",
                     file, bytes.count, codeBytes, decode.median * 1e3, validate.median * 1e3, validate.min * 1e3, validate.max * 1e3, mbps))
    }
}
if json {
    let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
