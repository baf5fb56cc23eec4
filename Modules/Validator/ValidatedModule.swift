import Decoder
import WasmCore

/// A module that passed validation, with the facts about each function that later tiers need, so
/// that none of them walks the code to re-derive them.
public struct ValidatedModule: Sendable {
    public let module: Module
    /// One entry per function defined in the module (imports excluded), in index order.
    public let functions: [FunctionInfo]
    /// The type index of every function in the function index space (imports first).
    public let functionTypeIndices: [UInt32]
    /// The type of every global in the global index space (imports first).
    public let globalTypes: [GlobalType]
}

/// What validation learned about one function body.
public struct FunctionInfo: Sendable {
    public let typeIndex: UInt32
    /// Parameters then declared locals: the frame layout of the function's locals.
    public let localTypes: [ValueType]
    /// The largest number of operands on the stack at any point (in values, not bytes).
    public let maxOperandHeight: Int
    /// The deepest nesting of blocks, the function's own block included.
    public let maxControlDepth: Int
    /// Every `block`, `loop` and `if`, in the order they start.
    public let blocks: [BlockInfo]
}

/// Where a structured instruction's parts are, as file offsets, so a translator can resolve
/// forward branches without scanning ahead.
public struct BlockInfo: Hashable, Sendable {
    public enum Kind: UInt8, Sendable { case block, loop, `if` }
    public var kind: Kind
    /// Offset of the `block`/`loop`/`if` opcode.
    public var start: UInt32
    /// Offset of the matching `else` opcode, or `UInt32.max` when there is none.
    public var elseOffset: UInt32
    /// Offset of the matching `end` opcode.
    public var end: UInt32
}
