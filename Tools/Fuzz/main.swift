// wasm-tier-fuzz: mutation fuzzing of the decoder and validator.
//
//   swift run -c release wasm-tier-fuzz [--cases N] [--seed S] [--timeout SECONDS] CORPUS_DIR...
//
// Mutates every .wasm file found under the corpus folders (the spec suite's modules by default)
// and decodes + validates each mutant. A crash ends the process (the last case is in
// .build/fuzz-last-case.wasm); a case that runs longer than the timeout is reported as a hang.
import Decoder
import Foundation
import Fuzzing

var cases = 100_000
var seed: UInt64 = 1
nonisolated(unsafe) var timeout = 10.0
var corpusPaths: [String] = []
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--cases": cases = Int(args.popFirst() ?? "") ?? cases
    case "--seed": seed = UInt64(args.popFirst() ?? "") ?? seed
    case "--timeout": timeout = Double(args.popFirst() ?? "") ?? timeout
    case "-h", "--help":
        print("usage: wasm-tier-fuzz [--cases N] [--seed S] [--timeout SECONDS] CORPUS_DIR...")
        exit(0)
    default: corpusPaths.append(a)
    }
}
if corpusPaths.isEmpty { corpusPaths = ["../shared/spectest/wasm2/json"] }

var corpus: [[UInt8]] = []
for root in corpusPaths {
    let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".wasm") }.sorted()
    for f in files {
        if let d = FileManager.default.contents(atPath: root + "/" + f) { corpus.append([UInt8](d)) }
    }
}
guard !corpus.isEmpty else {
    FileHandle.standardError.write(Data("error: no .wasm files under \(corpusPaths.joined(separator: ", "))\n".utf8))
    exit(2)
}

// Watchdog: a case that takes longer than `timeout` is a hang.
nonisolated(unsafe) var progress = 0
nonisolated(unsafe) var currentCase: [UInt8] = []
let watchdog = Thread {
    var last = -1
    while true {
        Thread.sleep(forTimeInterval: timeout)
        if progress == last {
            FileManager.default.createFile(atPath: ".build/fuzz-hang-case.wasm", contents: Data(currentCase))
            FileHandle.standardError.write(Data("HANG: case \(progress) ran longer than \(timeout) s; saved to .build/fuzz-hang-case.wasm\n".utf8))
            exit(3)
        }
        last = progress
    }
}
watchdog.start()

var rng = SplitMix64(seed: seed)
let mutator = ModuleMutator()
var accepted = 0, malformed = 0, invalid = 0
var slowest = 0.0
let start = Date()
for i in 0..<cases {
    let original = corpus[Int(rng.next() % UInt64(corpus.count))]
    let mutant = mutator.mutate(original, using: &rng)
    currentCase = mutant
    let t0 = DispatchTime.now().uptimeNanoseconds
    switch ModuleMutator.check(mutant) {
    case .accepted: accepted += 1
    case .malformed: malformed += 1
    case .invalid: invalid += 1
    }
    slowest = max(slowest, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    progress = i + 1
}
let elapsed = Date().timeIntervalSince(start)
#if os(Linux)
let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif
var usage = rusage()
getrusage(RUSAGE_SELF_WHO, &usage)
print("""
    fuzz: \(cases) cases from \(corpus.count) modules, seed \(seed), \(String(format: "%.1f", elapsed)) s
      accepted \(accepted), malformed \(malformed), invalid \(invalid)
      slowest case \(String(format: "%.4f", slowest)) s, peak RSS \(usage.ru_maxrss / 1024) MiB
      no crash, no hang
    """)
