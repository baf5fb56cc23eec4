import WasmCore

/// A Wasm value as the embedding API sees it.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case i32(UInt32)
    case i64(UInt64)
    /// The bit pattern, so NaN payloads survive.
    case f32(UInt32)
    case f64(UInt64)
    case v128(V128)
    /// `nil` is the null reference; otherwise the function's address in its store.
    case funcref(FunctionAddress?)
    /// `nil` is the null reference; otherwise an opaque host reference.
    case externref(ExternAddress?)

    /// The value's type.
    public var type: ValueType {
        switch self {
        case .i32: .i32
        case .i64: .i64
        case .f32: .f32
        case .f64: .f64
        case .v128: .v128
        case .funcref: .funcref
        case .externref: .externref
        }
    }

    /// An f32 from a Swift `Float`.
    public static func float(_ v: Float) -> Value { .f32(v.bitPattern) }
    /// An f64 from a Swift `Double`.
    public static func double(_ v: Double) -> Value { .f64(v.bitPattern) }
    /// An i32 from a signed Swift integer.
    public static func int32(_ v: Int32) -> Value { .i32(UInt32(bitPattern: v)) }
    /// An i64 from a signed Swift integer.
    public static func int64(_ v: Int64) -> Value { .i64(UInt64(bitPattern: v)) }

    public var description: String {
        switch self {
        case .i32(let v): "i32:\(Int32(bitPattern: v))"
        case .i64(let v): "i64:\(Int64(bitPattern: v))"
        case .f32(let v): "f32:\(Float(bitPattern: v))"
        case .f64(let v): "f64:\(Double(bitPattern: v))"
        case .v128(let v): "v128:\(String(v.high, radix: 16))\(String(v.low, radix: 16))"
        case .funcref(let f): f.map { "funcref:\($0.rawValue)" } ?? "funcref:null"
        case .externref(let e): e.map { "externref:\($0.rawValue)" } ?? "externref:null"
        }
    }

    /// The zero value of a type (locals and table slots start with it).
    public static func zero(_ type: ValueType) -> Value {
        switch type {
        case .i32: .i32(0)
        case .i64: .i64(0)
        case .f32: .f32(0)
        case .f64: .f64(0)
        case .v128: .v128(V128(low: 0, high: 0))
        case .funcref: .funcref(nil)
        case .externref: .externref(nil)
        }
    }
}

extension Value {
    /// A value from its raw representation in slots, globals and tables: the bit pattern (the
    /// low word of a v128, whose high word is `high`), or 0 / address + 1 for references.
    public init(bits: UInt64, high: UInt64 = 0, type: ValueType) {
        switch type {
        case .i32: self = .i32(UInt32(truncatingIfNeeded: bits))
        case .i64: self = .i64(bits)
        case .f32: self = .f32(UInt32(truncatingIfNeeded: bits))
        case .f64: self = .f64(bits)
        case .v128: self = .v128(V128(low: bits, high: high))
        case .funcref: self = .funcref(bits == 0 ? nil : FunctionAddress(rawValue: Int(bits - 1)))
        case .externref: self = .externref(bits == 0 ? nil : ExternAddress(rawValue: bits &- 1))
        }
    }

    /// Reads values of the given types from consecutive slots (a v128 takes two).
    public static func load(_ types: [ValueType], from p: UnsafePointer<UInt64>) -> [Value] {
        var out = [Value]()
        out.reserveCapacity(types.count)
        var k = 0
        for t in types {
            out.append(Value(bits: p[k], high: t == .v128 ? p[k + 1] : 0, type: t))
            k += t == .v128 ? 2 : 1
        }
        return out
    }

    /// Writes values to consecutive slots (a v128 takes two).
    public static func store(_ values: [Value], to p: UnsafeMutablePointer<UInt64>) {
        var k = 0
        for v in values {
            if case .v128(let x) = v {
                p[k] = x.low
                p[k + 1] = x.high
                k += 2
            } else {
                p[k] = v.bits
                k += 1
            }
        }
    }

    /// Slots (8 bytes each) a value of type `t` takes: a v128 two, everything else one.
    public static func slots(of t: ValueType) -> Int { t == .v128 ? 2 : 1 }

    /// Slots a sequence of values takes.
    public static func slots(_ types: [ValueType]) -> Int { types.reduce(0) { $0 + slots(of: $1) } }

    /// The raw representation (the low word of a v128).
    public var bits: UInt64 {
        switch self {
        case .i32(let x): UInt64(x)
        case .i64(let x): x
        case .f32(let x): UInt64(x)
        case .f64(let x): x
        case .v128(let x): x.low
        case .funcref(let f): f.map { UInt64($0.rawValue) + 1 } ?? 0
        case .externref(let e): e.map { $0.rawValue &+ 1 } ?? 0
        }
    }
}

/// A function's identity in a store: the same function exported twice, or placed in a table, is
/// the same address.
public struct FunctionAddress: Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
}

/// An opaque host reference (`externref`): a number the embedder chooses.
public struct ExternAddress: Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}

/// Why execution stopped abnormally. The raw value is the spec's message.
public enum TrapCode: String, Sendable {
    case unreachable = "unreachable"
    case integerDivideByZero = "integer divide by zero"
    case integerOverflow = "integer overflow"
    case invalidConversionToInteger = "invalid conversion to integer"
    case outOfBoundsMemoryAccess = "out of bounds memory access"
    case outOfBoundsTableAccess = "out of bounds table access"
    case undefinedElement = "undefined element"
    case uninitializedElement = "uninitialized element"
    case indirectCallTypeMismatch = "indirect call type mismatch"
    case callStackExhausted = "call stack exhausted"
    case hostError = "host function error"
    case unsupported = "unsupported instruction"
}

/// A frame of a trap's Wasm backtrace.
public struct BacktraceFrame: Hashable, Sendable, CustomStringConvertible {
    /// The function's index in its module's function index space.
    public var functionIndex: UInt32
    /// The function's name from the name section, if any.
    public var name: String?
    /// Byte offset of the instruction in the module.
    public var offset: Int

    /// A frame.
    public init(functionIndex: UInt32, name: String?, offset: Int) {
        self.functionIndex = functionIndex
        self.name = name
        self.offset = offset
    }

    public var description: String {
        let label = name.map { n in " (\(n))" } ?? ""
        return "  at function \(functionIndex)\(label) offset 0x\(String(offset, radix: 16))"
    }
}

/// A runtime fault: the spec's message and where it happened.
public struct Trap: Error, Sendable, CustomStringConvertible {
    /// What went wrong, with the spec's message as its raw value.
    public var code: TrapCode
    /// Details beyond the spec's message (host errors, unsupported instructions).
    public var detail: String?
    /// The Wasm frames at the trap, innermost first.
    public var backtrace: [BacktraceFrame] = []

    /// A trap with an optional detail.
    public init(_ code: TrapCode, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    /// The spec's message, then the detail if any.
    public var message: String { detail.map { "\(code.rawValue): \($0)" } ?? code.rawValue }
    public var description: String { message }
}

/// Instantiation failed because an import does not match (the JS API's `LinkError`).
public struct LinkError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The reason, naming the import.
    public var message: String
    /// A link error with its message.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
