import Decoder

/// A module is well-formed but breaks a typing rule ("invalid" in the spec's words).
///
/// `message` uses the wording of the spec test suite's `assert_invalid` texts; `offset` is the
/// file offset of the instruction, section entry or segment that breaks the rule.
public struct ValidationError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String
    public var offset: Int

    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) at offset \(offset)" }
}
