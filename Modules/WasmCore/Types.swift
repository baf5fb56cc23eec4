/// A value type of WebAssembly 2.0. The raw value is the binary encoding.
public enum ValueType: UInt8, Sendable, Hashable, CustomStringConvertible {
    case i32 = 0x7F
    case i64 = 0x7E
    case f32 = 0x7D
    case f64 = 0x7C
    case v128 = 0x7B
    case funcref = 0x70
    case externref = 0x6F

    @inlinable public var isReference: Bool { self == .funcref || self == .externref }

    /// Bytes a value of this type occupies in a frame slot or a global.
    @inlinable public var byteSize: Int {
        switch self {
        case .i32, .f32: 4
        case .i64, .f64, .funcref, .externref: 8
        case .v128: 16
        }
    }

    public var description: String {
        switch self {
        case .i32: "i32"
        case .i64: "i64"
        case .f32: "f32"
        case .f64: "f64"
        case .v128: "v128"
        case .funcref: "funcref"
        case .externref: "externref"
        }
    }
}

/// A function type: parameters and results.
public struct FunctionType: Hashable, Sendable, CustomStringConvertible {
    public var parameters: [ValueType]
    public var results: [ValueType]

    public init(parameters: [ValueType], results: [ValueType]) {
        self.parameters = parameters
        self.results = results
    }

    public var description: String {
        "(" + parameters.map(\.description).joined(separator: " ") + ") -> ("
            + results.map(\.description).joined(separator: " ") + ")"
    }
}

/// Size limits of a memory (in 64 KiB pages) or a table (in elements).
public struct Limits: Hashable, Sendable, CustomStringConvertible {
    public var minimum: UInt64
    public var maximum: UInt64?

    public init(minimum: UInt64, maximum: UInt64? = nil) {
        self.minimum = minimum
        self.maximum = maximum
    }

    public var description: String { maximum.map { "\(minimum) \($0)" } ?? "\(minimum)" }
}

public struct TableType: Hashable, Sendable, CustomStringConvertible {
    /// `funcref` or `externref`.
    public var elementType: ValueType
    public var limits: Limits

    public init(elementType: ValueType, limits: Limits) {
        self.elementType = elementType
        self.limits = limits
    }

    public var description: String { "\(limits) \(elementType)" }
}

public struct MemoryType: Hashable, Sendable, CustomStringConvertible {
    public var limits: Limits

    public init(limits: Limits) { self.limits = limits }

    public var description: String { limits.description }
}

public struct GlobalType: Hashable, Sendable, CustomStringConvertible {
    public var valueType: ValueType
    public var isMutable: Bool

    public init(valueType: ValueType, isMutable: Bool) {
        self.valueType = valueType
        self.isMutable = isMutable
    }

    public var description: String { isMutable ? "(mut \(valueType))" : valueType.description }
}

/// The kind of an import or export.
public enum ExternalKind: UInt8, Sendable, Hashable, CustomStringConvertible {
    case function = 0
    case table = 1
    case memory = 2
    case global = 3

    public var description: String {
        switch self {
        case .function: "function"
        case .table: "table"
        case .memory: "memory"
        case .global: "global"
        }
    }
}

/// A 128-bit SIMD value as 16 little-endian bytes (lane 0 in the lowest bytes).
public struct V128: Hashable, Sendable {
    public var low: UInt64
    public var high: UInt64

    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16)
        var lo: UInt64 = 0, hi: UInt64 = 0
        for i in 0..<8 { lo |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        for i in 0..<8 { hi |= UInt64(bytes[8 + i]) << (8 * UInt64(i)) }
        self.init(low: lo, high: hi)
    }

    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            let shift = UInt64(8 * i)
            out[i] = UInt8(truncatingIfNeeded: low >> shift)
            out[8 + i] = UInt8(truncatingIfNeeded: high >> shift)
        }
        return out
    }
}

/// The features of Wasm 2.0, each once a proposal. The instruction table names the feature of
/// every instruction, so a later option can switch one off.
public enum WasmFeature: String, Sendable, CaseIterable {
    case mvp, signExtension, saturatingFloatToInt, bulkMemory, referenceTypes, simd, multiValue
}

/// The operands an instruction pops (in order, first operand first) and the value it pushes, for
/// instructions whose types the instruction table fixes. Packed so that checking it needs no
/// allocation or reference counting.
public struct OperandSignature: Hashable, Sendable {
    public let parameterCount: UInt8
    public let p0: ValueType
    public let p1: ValueType
    public let p2: ValueType
    public let result: ValueType?

    @inlinable
    public init(_ count: UInt8, _ p0: ValueType = .i32, _ p1: ValueType = .i32, _ p2: ValueType = .i32, result: ValueType?) {
        parameterCount = count
        self.p0 = p0
        self.p1 = p1
        self.p2 = p2
        self.result = result
    }

    public var parameters: [ValueType] { Array([p0, p1, p2].prefix(Int(parameterCount))) }
}
