@_exported import Decoder
import Foundation
@_exported import Interpreter
@_exported import Runtime
@_exported import Validator
@_exported import WasmCore

/// The embedding API: compile modules, link and instantiate them, call their exports.
///
/// ```swift
/// let engine = Engine()
/// let module = try engine.compile(bytes)              // DecodeError or ValidationError
/// let log = engine.hostFunction(parameters: [.i32], results: []) { caller, args in
///     print(args[0]); return []
/// }
/// let instance = try engine.instantiate(module, imports: ["env": ["log": log]])  // LinkError or Trap
/// let sum = try instance.function("add")!.call(.i32(2), .i32(3))                 // Trap
/// ```
///
/// An engine owns one store: values (function references, memories, tables, globals) are shared
/// among the instances it creates, and only there.
public final class Engine {
    /// The store holding every function, memory, table and global of this engine's instances.
    public let store: Store
    let interpreter: Interpreter

    /// Creates an engine that runs code with the interpreter.
    /// - Parameter maxCallDepth: nested Wasm calls allowed before a "call stack exhausted" trap.
    public init(maxCallDepth: Int = 10_000) {
        store = Store()
        interpreter = Interpreter()
        store.executor = interpreter
        store.maxCallDepth = maxCallDepth
    }

    /// Decodes and validates a module (binary format).
    /// - Throws: `DecodeError` for a malformed module, `ValidationError` for an invalid one.
    public func compile(_ bytes: [UInt8]) throws -> CompiledModule {
        CompiledModule(validated: try ModuleValidator().validate(bytes: bytes))
    }

    /// A host function implemented by a Swift closure. The closure gets the calling instance's
    /// memory through `Caller.memory`; throwing a `Trap` makes the Wasm call trap.
    public func hostFunction(parameters: [ValueType], results: [ValueType],
                             _ body: @escaping (Caller, [Value]) throws -> [Value]) -> Extern {
        .function(store.addHostFunction(HostFunction(type: FunctionType(parameters: parameters, results: results), body: body)))
    }

    /// Instantiates a module with imports keyed by module name, then field name.
    /// - Throws: `LinkError` when an import is missing or does not match; `Trap` when a segment
    ///   is out of bounds or the start function traps.
    public func instantiate(_ module: CompiledModule, imports: [String: [String: Extern]] = [:]) throws -> ModuleInstance {
        var table = Imports()
        for (moduleName, fields) in imports {
            for (name, value) in fields { table.define(module: moduleName, name: name, value) }
        }
        return try instantiate(module, imports: table)
    }

    /// Instantiates a module with an `Imports` table (use it to import a registered instance).
    public func instantiate(_ module: CompiledModule, imports: Imports) throws -> ModuleInstance {
        ModuleInstance(engine: self, instance: try store.instantiate(module.validated, imports: imports))
    }
}

/// A decoded and validated module: what `WebAssembly.Module` is to JavaScript.
public struct CompiledModule: Sendable {
    /// The module with what validation learned of each function (for tiers and tools).
    public let validated: ValidatedModule

    /// Wraps a module that already passed validation.
    public init(validated: ValidatedModule) { self.validated = validated }

    /// An import or export as the JS API describes it, with its type.
    public struct Descriptor: Hashable, Sendable {
        /// The module name of an import; nil for exports.
        public var module: String?
        /// The field name.
        public var name: String
        /// Function, table, memory or global.
        public var kind: ExternalKind
        /// The type in text form: `(i32) -> (i64)`, `1 2` (limits), `(mut i32)`, `10 funcref`.
        public var type: String

        /// A descriptor; `module` is nil for exports.
        public init(module: String?, name: String, kind: ExternalKind, type: String) {
            self.module = module
            self.name = name
            self.kind = kind
            self.type = type
        }
    }

    /// `WebAssembly.Module.imports(module)`.
    public var imports: [Descriptor] {
        let m = validated.module
        return m.imports.map { imp in
            let type: String
            switch imp.descriptor {
            case .function(let t): type = Int(t) < m.types.count ? m.types[Int(t)].description : "?"
            case .table(let t): type = t.description
            case .memory(let mem): type = mem.description
            case .global(let g): type = g.description
            }
            return Descriptor(module: imp.module, name: imp.name, kind: imp.kind, type: type)
        }
    }

    /// `WebAssembly.Module.exports(module)`.
    public var exports: [Descriptor] {
        let m = validated.module
        var tables: [TableType] = [], memories: [MemoryType] = [], globals: [GlobalType] = []
        for imp in m.imports {
            switch imp.descriptor {
            case .table(let t): tables.append(t)
            case .memory(let mem): memories.append(mem)
            case .global(let g): globals.append(g)
            case .function: break
            }
        }
        tables += m.tables
        memories += m.memories
        globals += m.globals.map(\.type)
        return m.exports.map { x in
            let i = Int(x.index)
            let type: String
            switch x.kind {
            case .function: type = m.functionType(ofFunction: x.index)?.description ?? "?"
            case .table: type = i < tables.count ? tables[i].description : "?"
            case .memory: type = i < memories.count ? memories[i].description : "?"
            case .global: type = i < globals.count ? globals[i].description : "?"
            }
            return Descriptor(module: nil, name: x.name, kind: x.kind, type: type)
        }
    }

    /// `WebAssembly.Module.customSections(module, name)`: the payloads, in module order.
    public func customSections(named name: String) -> [[UInt8]] {
        validated.module.customSections(named: name).map(Array.init)
    }
}

/// An instantiated module: what `WebAssembly.Instance` is to JavaScript.
public struct ModuleInstance {
    /// The engine (and so the store) the instance lives in.
    public let engine: Engine
    /// The runtime's instance, for what this wrapper does not cover.
    public let instance: Instance

    /// An export by name (names are compared as code points).
    public func export(_ name: String) -> Extern? { instance.export(name) }

    /// An exported function, ready to call.
    public func function(_ name: String) -> ExportedFunction? {
        guard case .function(let f)? = instance.export(name) else { return nil }
        return ExportedFunction(store: engine.store, address: f)
    }

    /// An exported memory.
    public func memory(_ name: String) -> MemoryInstance? {
        guard case .memory(let m)? = instance.export(name) else { return nil }
        return m
    }

    /// An exported global.
    public func global(_ name: String) -> GlobalInstance? {
        guard case .global(let g)? = instance.export(name) else { return nil }
        return g
    }
}

/// A callable export.
public struct ExportedFunction {
    /// The store the function lives in.
    public let store: Store
    /// The function's identity in the store (the same for every export or table entry of it).
    public let address: FunctionAddress

    /// Parameter and result types.
    public var type: FunctionType { store.function(address).type }

    /// Calls the function. Arguments must match its parameter types.
    /// - Throws: `Trap` (including a mismatch of the arguments).
    @discardableResult
    public func call(_ arguments: Value...) throws -> [Value] { try store.invoke(address, arguments: arguments) }

    /// Calls the function with an array of arguments (see `call(_:)`).
    @discardableResult
    public func call(arguments: [Value]) throws -> [Value] { try store.invoke(address, arguments: arguments) }
}

extension MemoryInstance {
    /// Reads a little-endian integer; nil when out of bounds.
    public func load<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset <= byteCount - MemoryLayout<T>.size else { return nil }
        return T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Writes a little-endian integer; false when out of bounds.
    @discardableResult
    public func store<T: FixedWidthInteger>(_ value: T, at offset: Int) -> Bool {
        guard offset >= 0, offset <= byteCount - MemoryLayout<T>.size else { return false }
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
        return true
    }

    /// Reads `count` bytes as UTF-8 text; nil when out of bounds.
    public func string(at offset: Int, count: Int) -> String? {
        read(at: offset, count: count).map { String(decoding: $0, as: UTF8.self) }
    }
}
