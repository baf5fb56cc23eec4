import Decoder
import Validator

/// A deterministic pseudo-random generator (SplitMix64), so a fuzz run is reproducible from its
/// seed on every machine.
public struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutates valid modules into hostile ones: bit flips, boundary bytes, huge LEB128 counts,
/// insertions, deletions, duplicated and truncated ranges. The mutations aim at the places
/// where decoders go wrong: lengths and counts that lie, and numbers at their limits.
public struct ModuleMutator {
    public init() {}

    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x0B, 0x40, 0x41, 0x60, 0x7F, 0x80, 0xFF, 0xFC, 0xFD]
    /// LEB128 encodings of counts and sizes that overflow or exhaust: 2^32-1, 2^31, 2^28, 10^6.
    static let hugeNumbers: [[UInt8]] = [
        [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], [0x80, 0x80, 0x80, 0x80, 0x08], [0x80, 0x80, 0x80, 0x80, 0x01],
        [0xC0, 0x84, 0x3D], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
    ]

    public func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let rounds = rng.next() % 4 == 0 ? 2 : 1
        for _ in 0..<rounds {
            if bytes.isEmpty { bytes = [0x00]; continue }
            let at = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 8 {
            case 0: bytes[at] ^= UInt8(1) << UInt8(rng.next() % 8)
            case 1: bytes[at] = ModuleMutator.interestingBytes[Int(rng.next() % UInt64(ModuleMutator.interestingBytes.count))]
            case 2: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            case 3:
                let n = ModuleMutator.hugeNumbers[Int(rng.next() % UInt64(ModuleMutator.hugeNumbers.count))]
                let end = min(bytes.count, at + Int(rng.next() % 6))
                bytes.replaceSubrange(at..<end, with: n)
            case 4:
                let n = Int(rng.next() % 8) + 1
                bytes.insert(contentsOf: (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 5:
                let end = min(bytes.count, at + Int(rng.next() % 16) + 1)
                bytes.removeSubrange(at..<end)
            case 6:
                let end = min(bytes.count, at + Int(rng.next() % 32) + 1)
                let chunk = Array(bytes[at..<end])
                let to = Int(rng.next() % UInt64(bytes.count))
                bytes.insert(contentsOf: chunk, at: to)
            default:
                bytes.removeSubrange(at...)
            }
        }
        return bytes
    }

    public enum Verdict: Sendable { case accepted, malformed, invalid }

    /// Decodes and validates; every outcome is a verdict (a crash or hang is the bug the fuzzer
    /// looks for, and ends the process).
    public static func check(_ bytes: [UInt8]) -> Verdict {
        do {
            _ = try ModuleValidator().validate(bytes: bytes)
            return .accepted
        } catch is DecodeError {
            return .malformed
        } catch {
            return .invalid
        }
    }
}
