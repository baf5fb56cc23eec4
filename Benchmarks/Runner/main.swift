// wasm-tier-bench: release-build measurements of the engine.
//
//   swift run -c release wasm-tier-bench validate [--runs N] [--json] FILE...
//
// `validate` times decode and decode+validate of each module in-process (several runs; median,
// min and max) and reports throughput over the whole file in MB/s (10^6 bytes per second).
import Decoder
import Foundation
import Interpreter
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
guard args.first == "validate" else {
    print("usage: wasm-tier-bench validate [--runs N] [--json] FILE...\n       wasm-tier-bench translate FILE...")
    exit(args.isEmpty ? 0 : 2)
}
args.removeFirst()
var runs = 11
var json = false
var files: [String] = []
while !args.isEmpty {
    let a = args.removeFirst()
    if a == "--runs", let n = args.first.flatMap(Int.init) { runs = n; args.removeFirst() }
    else if a == "--json" { json = true }
    else { files.append(a) }
}

var rows: [[String: Any]] = []
for file in files {
    guard let data = FileManager.default.contents(atPath: file) else {
        FileHandle.standardError.write(Data("error: cannot read \(file)\n".utf8))
        exit(2)
    }
    let bytes = [UInt8](data)
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
