import WasmCore

/// A module's bytes do not follow the binary format ("malformed" in the spec's words).
///
/// `message` uses the wording of the spec test suite's `assert_malformed` texts so that the suite
/// can compare them; `offset` is the byte offset in the module where decoding stopped.
public struct DecodeError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String
    public var offset: Int

    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) at offset \(offset)" }

    @usableFromInline static func illegalOpcode(_ byte: UInt8, offset: Int) -> DecodeError {
        DecodeError("illegal opcode \(hex(byte))", offset: offset)
    }

    @usableFromInline static func illegalOpcode(prefix: UInt8, _ sub: UInt32, offset: Int) -> DecodeError {
        DecodeError("illegal opcode \(hex(prefix)) \(sub)", offset: offset)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return "0x" + (digits.count == 1 ? "0" + digits : digits)
    }
}
