import Runtime
import WasmCore

/// A Swift type that is one Wasm value type: `Int32`/`UInt32` (i32), `Int64`/`UInt64` (i64),
/// `Float` (f32), `Double` (f64).
public protocol WasmScalar {
    static var wasmType: ValueType { get }
    /// From the raw slot bits (the low bits for 32-bit types).
    init(wasmBits: UInt64)
    var wasmBits: UInt64 { get }
}

extension Int32: WasmScalar {
    public static var wasmType: ValueType { .i32 }
    public init(wasmBits: UInt64) { self.init(truncatingIfNeeded: wasmBits) }
    public var wasmBits: UInt64 { UInt64(UInt32(bitPattern: self)) }
}

extension UInt32: WasmScalar {
    public static var wasmType: ValueType { .i32 }
    public init(wasmBits: UInt64) { self.init(truncatingIfNeeded: wasmBits) }
    public var wasmBits: UInt64 { UInt64(self) }
}

extension Int64: WasmScalar {
    public static var wasmType: ValueType { .i64 }
    public init(wasmBits: UInt64) { self.init(bitPattern: wasmBits) }
    public var wasmBits: UInt64 { UInt64(bitPattern: self) }
}

extension UInt64: WasmScalar {
    public static var wasmType: ValueType { .i64 }
    public init(wasmBits: UInt64) { self = wasmBits }
    public var wasmBits: UInt64 { self }
}

extension Float: WasmScalar {
    public static var wasmType: ValueType { .f32 }
    public init(wasmBits: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: wasmBits)) }
    public var wasmBits: UInt64 { UInt64(bitPattern) }
}

extension Double: WasmScalar {
    public static var wasmType: ValueType { .f64 }
    public init(wasmBits: UInt64) { self.init(bitPattern: wasmBits) }
    public var wasmBits: UInt64 { bitPattern }
}

/// An export whose parameter and result types were checked once, when it was looked up, so a call
/// passes raw values with no `[Value]` arrays and no per-call type checks: the fast way to call
/// small functions from Swift many times.
///
/// ```swift
/// let add = try instance.function("add")!.typed(Int32.self, Int32.self, returning: Int32.self)
/// let sum = try add(2, 3)
/// ```
public struct TypedFunction<each Parameter: WasmScalar, Result: WasmScalar> {
    let store: Store
    let address: FunctionAddress

    /// Calls the function.
    /// - Throws: `Trap`.
    public func callAsFunction(_ arguments: repeat each Parameter) throws -> Result {
        // Enough slots for the arguments and the result, on the stack.
        var slots: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        return try withUnsafeMutableBytes(of: &slots) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
            var k = 0
            for argument in repeat each arguments {
                p[k] = argument.wasmBits
                k += 1
            }
            try store.invoke(address, slots: p)
            return Result(wasmBits: p[0])
        }
    }
}

extension ExportedFunction {
    /// A typed view of this function, for calls without `[Value]` arrays. At most 8 parameters.
    /// - Throws: `Trap` with a `hostError` code when the types differ from the function's.
    public func typed<each Parameter: WasmScalar, Result: WasmScalar>(
        _ parameters: repeat (each Parameter).Type, returning result: Result.Type
    ) throws -> TypedFunction<repeat each Parameter, Result> {
        var types = [ValueType]()
        for p in repeat each parameters { types.append(p.wasmType) }
        let actual = type
        guard types.count <= 8, actual.parameters == types, actual.results == [Result.wasmType] else {
            throw Trap(.hostError, detail: "typed(\(types) -> \(Result.wasmType)) does not match the function's type \(actual)")
        }
        return TypedFunction(store: store, address: address)
    }
}
