import Decoder
import MachineCode
import Validator
import WasmCore

/// Runs functions. The engine installs the tier that executes code (today the interpreter); the
/// runtime itself never imports a compiler or an interpreter.
public protocol Executor: AnyObject {
    func invoke(_ function: FunctionAddress, arguments: [Value], in store: Store) throws -> [Value]

    /// Calls `function` with raw values: the arguments in `slots` (8 bytes each, a v128 in two,
    /// references as 0 or address + 1), the results written back from `slots[0]`. The caller has
    /// checked the types and sized `slots` for the larger of the two; nothing is allocated.
    func invoke(_ function: FunctionAddress, slots: UnsafeMutablePointer<UInt64>, in store: Store) throws
}

extension Executor {
    /// Through `[Value]`, for executors without a raw path.
    public func invoke(_ function: FunctionAddress, slots: UnsafeMutablePointer<UInt64>, in store: Store) throws {
        let type = store.function(function).type
        try Value.store(invoke(function, arguments: Value.load(type.parameters, from: slots), in: store), to: slots)
    }
}

/// The optimizing tier, as the Runtime sees it: a function of a module in, machine code or
/// nil (the function keeps running in the interpreter) out. The Engine provides it.
package protocol NativeCompiler: AnyObject {
    func compile(_ instance: Instance, definedIndex: Int) -> NativeFunction?
}

/// What a host function sees of its caller.
public struct Caller {
    /// The calling instance, when the call comes from Wasm code.
    public let instance: Instance?
    /// The store the call runs in.
    public let store: Store

    /// What a host function sees: the calling instance (nil for a call from Swift) and the store.
    public init(instance: Instance?, store: Store) {
        self.instance = instance
        self.store = store
    }

    /// The caller's memory 0, if it has one.
    public var memory: MemoryInstance? { instance?.memories.first }
}

/// A function implemented in Swift.
public struct HostFunction {
    /// The parameter and result types, checked at link time and on every call.
    public let type: FunctionType
    /// The implementation: gets the caller and the arguments, returns the results (throw a `Trap` to trap).
    public let body: (Caller, [Value]) throws -> [Value]

    /// A host function of the given type.
    public init(type: FunctionType, body: @escaping (Caller, [Value]) throws -> [Value]) {
        self.type = type
        self.body = body
    }
}

/// Code an executing tier installs as `FunctionInstance.code` whose code cell should hold
/// something other than the object's address: the interpreter publishes a descriptor its C
/// dispatch loop reads, and finds its object again through the descriptor.
public protocol InstalledCode: AnyObject {
    var cellValue: UnsafeMutableRawPointer { get }
}

/// A function in a store: Wasm code of an instance, or a host function.
public final class FunctionInstance {
    /// Where the function comes from.
    public enum Kind {
        /// Function `index` (in the module's function index space) of `instance`.
        case wasm(instance: Instance, index: Int)
        case host(HostFunction)
    }

    /// The function's type.
    public let type: FunctionType
    /// Wasm functions refer to their instance without owning it: the store owns instances.
    public unowned(unsafe) let instanceRef: Instance?
    let host: HostFunction?
    /// The function's index in its module's function index space (-1 for host functions).
    public let index: Int
    /// The executing tier's code for this function, installed lazily (tier-up replaces it).
    public var code: AnyObject? {
        didSet {
            codeCell.pointee = code.map {
                ($0 as? InstalledCode)?.cellValue ?? UnsafeMutableRawPointer(Unmanaged.passUnretained($0).toOpaque())
            }
        }
    }
    /// `code`, unretained (or its `InstalledCode.cellValue`), in a cell that never moves:
    /// instances' function slots point at it, so installing code (first translation, tier-up) is
    /// one store seen by every caller.
    public let codeCell: UnsafeMutablePointer<UnsafeMutableRawPointer?> = {
        let p = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 1)
        p.initialize(to: nil)
        return p
    }()
    /// The installed code, unretained; nil before the first call.
    public var codePointer: UnsafeMutableRawPointer? { codeCell.pointee }
    /// Where native callers enter the function: its machine code once compiled, else the exit
    /// stub of its signature (nil until the optimizing tier prepares the caller's instance).
    package let nativeCodeCell: UnsafeMutablePointer<UnsafeRawPointer?> = {
        let p = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: 1)
        p.initialize(to: nil)
        return p
    }()

    /// This function's entry (`FunctionTableEntryLayout`) in tables' native views, made on
    /// first need by the optimizing tier: its code cell, its instance's context, itself and
    /// its type number. Wasm functions only (a host function needs its caller's context).
    package var nativeEntry: UnsafeMutableRawPointer?

    /// This function's `FunctionSlot` in memory that never moves (tables' slot views point at
    /// it), made on first need.
    package var slotRecord: UnsafeMutablePointer<FunctionSlot> {
        if let p = slotRecordStorage { return p }
        let p = UnsafeMutablePointer<FunctionSlot>.allocate(capacity: 1)
        p.initialize(to: FunctionSlot(self))
        slotRecordStorage = p
        return p
    }
    private var slotRecordStorage: UnsafeMutablePointer<FunctionSlot>?

    deinit {
        codeCell.deallocate()
        nativeCodeCell.deallocate()
        nativeEntry?.deallocate()
        slotRecordStorage?.deallocate()
    }
    /// True for host functions (checked on every call without copying the host function).
    public let isHost: Bool
    /// The store's number for the function's type: equal types have equal numbers, so
    /// `call_indirect` compares integers.
    public let typeID: Int

    init(type: FunctionType, typeID: Int, instance: Instance, index: Int) {
        self.type = type
        self.typeID = typeID
        self.instanceRef = instance
        self.host = nil
        self.index = index
        self.isHost = false
    }

    init(host: HostFunction, typeID: Int) {
        self.type = host.type
        self.typeID = typeID
        self.instanceRef = nil
        self.host = host
        self.index = -1
        self.isHost = true
    }

    /// Wasm code of an instance, or a host function.
    public var kind: Kind {
        if let host { return .host(host) }
        return .wasm(instance: instanceRef!, index: index)
    }

    /// The instance of a Wasm function; nil for host functions.
    public var instance: Instance? { instanceRef }
    /// The host function; nil for Wasm functions.
    public var hostFunction: HostFunction? { host }
}

/// When the interpreter counts how hot functions are, for tier-up (`Store.tierUp`). Each function
/// starts with a budget of `threshold`; an entry costs `entryWeight` and each pass through a loop
/// header `backEdgeWeight` (JSC's defaults: 15 and 1). When the budget runs out, `onHot` is called
/// once with the function. The interpreter only emits the counting instructions while a policy
/// is set when it translates a function, so with no policy they cost nothing.
public struct TierUpPolicy {
    /// The budget each function starts with.
    public var threshold: Int
    /// What one call of the function costs.
    public var entryWeight: Int
    /// What one pass through a loop header costs.
    public var backEdgeWeight: Int
    /// Called once per function, when its budget runs out.
    public var onHot: (FunctionInstance) -> Void

    /// A policy; the weights default to JSC's.
    public init(threshold: Int, entryWeight: Int = 15, backEdgeWeight: Int = 1, onHot: @escaping (FunctionInstance) -> Void) {
        self.threshold = threshold
        self.entryWeight = entryWeight
        self.backEdgeWeight = backEdgeWeight
        self.onHot = onHot
    }
}

/// Owns functions, instances and their memories, tables and globals. Values never cross stores.
public final class Store {
    /// Every function of the store, indexed by `FunctionAddress`.
    public private(set) var functions: [FunctionInstance] = []
    var instances: [Instance] = []
    /// The tier that runs Wasm code (not retained: keep it alive as long as the store).
    public weak var executor: (any Executor)?
    /// Maximum depth of nested Wasm calls before "call stack exhausted", counted across host
    /// functions that call back into Wasm.
    public var maxCallDepth = 10_000
    /// Hot-function counting for the tiering policy (nil: off). Read when a function is translated.
    public var tierUp: TierUpPolicy?
    /// Compiles functions to machine code when they are first called (`--tier opt`); the
    /// executor uses native code for the functions it returns some for.
    package var nativeCompiler: (any NativeCompiler)?
    /// The block native code of every instance shares (`ExecutionStateLayout`): the entry
    /// trampoline's stack pointer, the last trap, the stack limit.
    package let executionState: UnsafeMutableRawPointer = {
        let p = UnsafeMutableRawPointer.allocate(byteCount: ExecutionStateLayout.size, alignment: 16)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: ExecutionStateLayout.size)
        return p
    }()
    /// An error thrown by Swift code that native code called (a host function, an interpreted
    /// callee), kept while native frames unwind, then rethrown.
    package var pendingNativeError: (any Error)?

    deinit { executionState.deallocate() }
    /// Maximum nesting of host-to-Wasm entries (each uses host stack).
    public var maxReentry = 200
    /// Calls active in activations below the current one (maintained by the executor).
    public var callDepth = 0
    /// Host-to-Wasm entries currently active.
    public var reentry = 0
    var typeIDs: [FunctionType: Int] = [:]

    /// An empty store; install an `executor` before calling functions.
    public init() {}



    /// The error that made native code return failure: what Swift code it called threw, or the
    /// trap native code recorded.
    package func takeNativeFailure() -> any Error {
        if let e = pendingNativeError {
            pendingNativeError = nil
            return e
        }
        let code = executionState.load(fromByteOffset: Int(ExecutionStateLayout.trapCode), as: UInt64.self)
        let name: TrapCode = switch NativeTrap(rawValue: code) {
        case .unreachable: .unreachable
        case .integerDivideByZero: .integerDivideByZero
        case .integerOverflow: .integerOverflow
        case .invalidConversionToInteger: .invalidConversionToInteger
        case .outOfBoundsMemoryAccess: .outOfBoundsMemoryAccess
        case .outOfBoundsTableAccess: .outOfBoundsTableAccess
        case .undefinedElement: .undefinedElement
        case .uninitializedElement: .uninitializedElement
        case .indirectCallTypeMismatch: .indirectCallTypeMismatch
        case .callStackExhausted: .callStackExhausted
        case .pending, nil: .hostError
        }
        return Trap(name)
    }

    /// The store-wide number of a function type.
    public func typeID(_ t: FunctionType) -> Int {
        if let id = typeIDs[t] { return id }
        let id = typeIDs.count
        typeIDs[t] = id
        return id
    }

    /// The function at an address.
    public func function(_ address: FunctionAddress) -> FunctionInstance { functions[address.rawValue] }

    func add(_ f: FunctionInstance) -> FunctionAddress {
        functions.append(f)
        return FunctionAddress(rawValue: functions.count - 1)
    }

    /// Adds a host function and returns its address (for imports and tables).
    public func addHostFunction(_ host: HostFunction) -> FunctionAddress {
        add(FunctionInstance(host: host, typeID: typeID(host.type)))
    }

    /// Calls a function with the installed executor.
    public func invoke(_ function: FunctionAddress, arguments: [Value]) throws -> [Value] {
        guard let executor else { throw Trap(.hostError, detail: "no executor installed in the store") }
        return try executor.invoke(function, arguments: arguments, in: self)
    }

    /// Calls `function` with raw argument slots; results come back in the same slots (see
    /// `Executor.invoke(_:slots:in:)`). For typed call paths that have checked the types once.
    public func invoke(_ function: FunctionAddress, slots: UnsafeMutablePointer<UInt64>) throws {
        guard let executor else { throw Trap(.hostError, detail: "no executor installed in the store") }
        try executor.invoke(function, slots: slots, in: self)
    }
}

/// An external value: what an export is and what an import needs.
public enum Extern {
    case function(FunctionAddress)
    case table(TableInstance)
    case memory(MemoryInstance)
    case global(GlobalInstance)

    /// Function, table, memory or global.
    public var kind: ExternalKind {
        switch self {
        case .function: .function
        case .table: .table
        case .memory: .memory
        case .global: .global
        }
    }
}

/// A name compared as code points (Wasm names are not normalized; Swift's `String` equality is).
public struct WasmName: Hashable, Sendable, CustomStringConvertible {
    /// The UTF-8 bytes of the name.
    public let bytes: [UInt8]
    /// The name of a Swift string, by its UTF-8 bytes.
    public init(_ s: String) { bytes = Array(s.utf8) }
    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// Imports keyed by module name, then field name.
public struct Imports {
    var entries: [WasmName: [WasmName: Extern]] = [:]

    /// An empty import table.
    public init() {}

    /// Makes `value` importable as `module`.`name` (replacing an earlier definition).
    public mutating func define(module: String, name: String, _ value: Extern) {
        entries[WasmName(module), default: [:]][WasmName(name)] = value
    }

    /// Makes every export of an instance importable under `module` (the spec's `register`).
    public mutating func define(module: String, exportsOf instance: Instance) {
        for (name, value) in instance.exportList { define(module: module, name: name, value) }
    }

    /// The definition of `module`.`name`, or nil.
    public func lookup(module: String, name: String) -> Extern? {
        entries[WasmName(module)]?[WasmName(name)]
    }

    /// Whether anything is defined under `module` (for "unknown module" link errors).
    public func hasModule(_ module: String) -> Bool { entries[WasmName(module)] != nil }
}
