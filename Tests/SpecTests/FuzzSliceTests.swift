import Foundation
import Fuzzing
import Testing

/// A deterministic slice of the mutation fuzzer (`wasm-tier-fuzz` runs the long campaigns): every
/// mutant of the spec modules gets a verdict, none crashes or hangs the process.
@Suite struct FuzzSliceTests {
    @Test(.enabled(if: SpecSuite.available, "the spec suite is not available"))
    func mutantsOfSpecModulesGetVerdicts() throws {
        let root = SpecSuite.root! + "/wasm2/json"
        let names = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".wasm") }.sorted()
        let corpus = names.prefix(400).compactMap { FileManager.default.contents(atPath: root + "/" + $0).map { [UInt8]($0) } }
        #expect(!corpus.isEmpty)
        var rng = SplitMix64(seed: 2026)
        let mutator = ModuleMutator()
        var verdicts: [ModuleMutator.Verdict: Int] = [:]
        for _ in 0..<5_000 {
            let input = corpus[Int(rng.next() % UInt64(corpus.count))]
            verdicts[ModuleMutator.check(mutator.mutate(input, using: &rng)), default: 0] += 1
        }
        #expect(verdicts.values.reduce(0, +) == 5_000)
        #expect(verdicts[.malformed, default: 0] > 0 && verdicts[.accepted, default: 0] > 0)
    }
}
