import Decoder
import MachineCode
import Validator
import WasmCore

/// An instantiated module: its function, table, memory and global index spaces resolved to store
/// objects, its segments, and its exports.
public final class Instance {
    /// The validated module this is an instance of.
    public let module: ValidatedModule
    /// The store that owns the instance and everything it references.
    public unowned let store: Store
    /// Store address of each function in the module's function index space.
    public internal(set) var functionAddresses: [FunctionAddress] = []
    /// The table index space: imported tables first, then defined ones.
    public internal(set) var tables: [TableInstance] = []
    /// The memory index space (at most one memory in Wasm 2.0).
    public internal(set) var memories: [MemoryInstance] = []
    /// The global index space: imported globals first, then defined ones.
    public internal(set) var globals: [GlobalInstance] = []
    /// Element segments as raw references; a dropped segment is empty.
    public var elementSegments: [[UInt64]] = []
    /// Data segments; a dropped segment is an empty range.
    public var dataSegments: [Range<Int>] = []
    /// The exports in the order of the export section.
    public internal(set) var exportList: [(String, Extern)] = []
    /// The store's type number of each type of the module (see `Store.typeID`).
    public internal(set) var typeIDs: [Int] = []

    // Raw views for execution tiers (the instance's context block): reading them costs no
    // reference counting. Valid once instantiation has created the definitions.
    /// The value cell of each global in the global index space.
    public private(set) var globalCells = UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>.allocate(capacity: 1)
    /// Each function of the function index space, unretained (the store owns them).
    public private(set) var functionRefs = UnsafeMutablePointer<Unmanaged<FunctionInstance>>.allocate(capacity: 1)
    /// The per-instance function table (DESIGN-NOTES section 3): for each function of the index
    /// space, where its code is, its instance, its type number and index, read by calls without
    /// touching any object.
    public private(set) var functionSlots = UnsafeMutablePointer<FunctionSlot>.allocate(capacity: 1)

    /// The context block native code reaches through its pinned register
    /// (`MachineCode.ContextLayout`): memory 0's base and size cell, the global cells, and
    /// the fields the entry trampoline and trap stubs use.
    package let context: UnsafeMutableRawPointer = {
        let p = UnsafeMutableRawPointer.allocate(byteCount: ContextLayout.size, alignment: 16)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: ContextLayout.size)
        return p
    }()

    func buildContext() {
        globalCells.deallocate()
        globalCells = .allocate(capacity: max(globals.count, 1))
        for (i, g) in globals.enumerated() { globalCells[i] = g.cell }
        functionRefs.deallocate()
        functionRefs = .allocate(capacity: max(functionAddresses.count, 1))
        for (i, f) in functionAddresses.enumerated() { functionRefs[i] = Unmanaged.passUnretained(store.function(f)) }
        functionSlots.deallocate()
        functionSlots = .allocate(capacity: max(functionAddresses.count, 1))
        for (i, a) in functionAddresses.enumerated() {
            let f = store.function(a)
            functionSlots.advanced(by: i).initialize(to: FunctionSlot(f))
        }
        if let memory = memories.first {
            context.storeBytes(of: memory.base, toByteOffset: Int(ContextLayout.memoryBase), as: UnsafeMutableRawPointer.self)
            context.storeBytes(of: memory.sizeCell, toByteOffset: Int(ContextLayout.memorySize), as: UnsafeMutablePointer<Int>.self)
        }
        context.storeBytes(of: globalCells, toByteOffset: Int(ContextLayout.globalCells), as: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>.self)
        context.storeBytes(of: store.executionState, toByteOffset: Int(ContextLayout.executionState), as: UnsafeMutableRawPointer.self)
        context.storeBytes(of: Unmanaged.passUnretained(self).toOpaque(), toByteOffset: Int(ContextLayout.instance), as: UnsafeMutableRawPointer.self)
        nativeTable.deallocate()
        let entrySize = Int(FunctionTableEntryLayout.size)
        nativeTable = .allocate(byteCount: max(functionAddresses.count, 1) * entrySize, alignment: 16)
        for (i, a) in functionAddresses.enumerated() {
            let f = store.function(a)
            let entry = nativeTable + i * entrySize
            entry.storeBytes(of: f.nativeCodeCell, toByteOffset: Int(FunctionTableEntryLayout.codeCell), as: UnsafeMutablePointer<UnsafeRawPointer?>.self)
            // A Wasm function runs with its own instance's context; a host function with ours.
            let calleeContext = f.instanceRef?.context ?? context
            entry.storeBytes(of: calleeContext, toByteOffset: Int(FunctionTableEntryLayout.context), as: UnsafeMutableRawPointer.self)
            entry.storeBytes(of: Unmanaged.passUnretained(f).toOpaque(), toByteOffset: Int(FunctionTableEntryLayout.function), as: UnsafeMutableRawPointer.self)
            entry.storeBytes(of: UInt64(f.typeID), toByteOffset: Int(FunctionTableEntryLayout.typeID), as: UInt64.self)
        }
        context.storeBytes(of: nativeTable, toByteOffset: Int(ContextLayout.functionTable), as: UnsafeMutableRawPointer.self)
        nativeTables.deallocate()
        nativeTables = .allocate(capacity: max(tables.count, 1))
        for (i, t) in tables.enumerated() { nativeTables[i] = t.nativeView.header }
        context.storeBytes(of: nativeTables, toByteOffset: Int(ContextLayout.tables), as: UnsafeMutablePointer<UnsafeMutableRawPointer>.self)
        slotViews.deallocate()
        slotViews = .allocate(capacity: max(tables.count, 1))
        for (i, t) in tables.enumerated() { slotViews[i] = t.slotView.header }
        nativeTypeIDs.deallocate()
        nativeTypeIDs = .allocate(capacity: max(typeIDs.count, 1))
        for (i, id) in typeIDs.enumerated() { nativeTypeIDs[i] = UInt64(id) }
        context.storeBytes(of: nativeTypeIDs, toByteOffset: Int(ContextLayout.typeIDs), as: UnsafeMutablePointer<UInt64>.self)
    }

    /// The tables' native views and the type numbers, as the context points at them.
    private var nativeTables = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: 1)
    package private(set) var nativeTypeIDs = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
    /// The tables' slot view headers (`TableInstance.slotView`), for the interpreter's `call_indirect`.
    package private(set) var slotViews = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: 1)

    /// Rebuilds table `t`'s slot view from the store's functions, unless the table has more
    /// than `TableInstance.maxSlotViewCount` elements (its calls then resolve in Swift).
    package func rebuildSlotView(table t: Int) {
        let table = tables[t]
        guard table.elements.count <= TableInstance.maxSlotViewCount else { return }
        let functions = store.functions
        table.slotView.rebuild(table.elements) { raw in raw == 0 ? nil : UnsafeRawPointer(functions[Int(raw - 1)].slotRecord) }
    }

    /// The native function table (`FunctionTableEntryLayout`), one entry per function of the
    /// index space.
    package private(set) var nativeTable = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 16)
    /// Whether the optimizing tier has filled the functions' native code cells.
    package var nativeTableReady = false
    /// An object the native compiler gives the instance and watches weakly to learn that the
    /// instance is gone. (Weak references to the instance itself would give it a side table,
    /// and every retain and release of it would take the slow path.)
    package var lifetimeToken: AnyObject?

    deinit {
        context.deallocate()
        nativeTable.deallocate()
        nativeTables.deallocate()
        nativeTypeIDs.deallocate()
        slotViews.deallocate()
        globalCells.deallocate()
        functionRefs.deallocate()
        functionSlots.deallocate()
    }
    var exportMap: [WasmName: Extern] = [:]

    init(module: ValidatedModule, store: Store) {
        self.module = module
        self.store = store
    }

    /// The export with this name (names are compared as code points), or nil.
    public func export(_ name: String) -> Extern? { exportMap[WasmName(name)] }

    /// The function's name from the name section, if any.
    public func functionName(_ index: Int) -> String? { module.module.names?.functionNames[UInt32(index)] }
}

/// One entry of an instance's function table.
public struct FunctionSlot {
    /// The cell holding the function's current code (nil until the executing tier installs it).
    public let code: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// The callee's instance; nil for host functions.
    public let instance: Unmanaged<Instance>?
    /// The function, unretained (the store keeps it alive).
    public let function: Unmanaged<FunctionInstance>
    /// The store's number for the function's type, compared by `call_indirect`.
    public let typeID: Int
    /// The function's index in its own module.
    public let index: Int
    /// Whether the function is a host function (a Swift closure).
    public let isHost: Bool

    /// The slot of any function of the store (for calls through tables).
    public init(_ f: FunctionInstance) {
        code = f.codeCell
        instance = f.instanceRef.map { Unmanaged.passUnretained($0) }
        function = Unmanaged.passUnretained(f)
        typeID = f.typeID
        index = f.index
        isHost = f.isHost
    }
}

extension Store {
    /// Instantiates a validated module: resolves imports (throwing `LinkError`), creates its
    /// functions, tables, memories and globals, applies element then data segments in order
    /// (trapping at the first out-of-bounds one, earlier writes kept), then runs the start function.
    public func instantiate(_ module: ValidatedModule, imports: Imports) throws -> Instance {
        let m = module.module
        let instance = Instance(module: module, store: self)
        instance.typeIDs = m.types.map(typeID)

        // Imports.
        for imp in m.imports {
            let what = "\"\(imp.module)\" \"\(imp.name)\""
            guard let value = imports.lookup(module: imp.module, name: imp.name) else {
                throw LinkError("unknown import \(what)" + (imports.hasModule(imp.module) ? "" : " (no module \"\(imp.module)\")"))
            }
            switch (imp.descriptor, value) {
            case (.function(let t), .function(let address)):
                let expected = m.types[Int(t)]
                let actual = function(address).type
                guard expected == actual else {
                    throw LinkError("incompatible import type for \(what): expected function \(expected), found function \(actual)")
                }
                instance.functionAddresses.append(address)
            case (.table(let expected), .table(let table)):
                guard expected.elementType == table.type.elementType else {
                    throw LinkError("incompatible import type for \(what): expected a table of \(expected.elementType), found \(table.type.elementType)")
                }
                try Store.checkLimits(expected.limits, actual: Limits(minimum: UInt64(table.elements.count), maximum: table.type.limits.maximum), what)
                instance.tables.append(table)
            case (.memory(let expected), .memory(let memory)):
                try Store.checkLimits(expected.limits, actual: Limits(minimum: UInt64(memory.pageCount), maximum: memory.type.limits.maximum), what)
                instance.memories.append(memory)
            case (.global(let expected), .global(let global)):
                guard expected == global.type else {
                    throw LinkError("incompatible import type for \(what): expected global \(expected), found global \(global.type)")
                }
                instance.globals.append(global)
            default:
                throw LinkError("incompatible import type for \(what): expected \(imp.kind), found \(value.kind)")
            }
        }

        // Definitions.
        for (i, t) in m.functionTypeIndices.enumerated() {
            let f = FunctionInstance(type: m.types[Int(t)], typeID: instance.typeIDs[Int(t)], instance: instance,
                                     index: m.importedFunctionCount + i)
            instance.functionAddresses.append(add(f))
        }
        for t in m.tables { instance.tables.append(TableInstance(type: t)) }
        for mem in m.memories { instance.memories.append(try MemoryInstance(type: mem)) }
        for g in m.globals {
            let v = try evaluate(g.initializer, in: instance)
            instance.globals.append(GlobalInstance(type: g.type, bits: v.0, high: v.1))
        }
        instance.buildContext()
        for x in m.exports {
            let e: Extern
            switch x.kind {
            case .function: e = .function(instance.functionAddresses[Int(x.index)])
            case .table: e = .table(instance.tables[Int(x.index)])
            case .memory: e = .memory(instance.memories[Int(x.index)])
            case .global: e = .global(instance.globals[Int(x.index)])
            }
            instance.exportList.append((x.name, e))
            instance.exportMap[WasmName(x.name)] = e
        }
        // The store owns the instance from here on, even if a segment traps below: functions
        // already placed in imported tables must stay callable.
        instances.append(instance)

        // Segments.
        for e in m.elements {
            var refs = [UInt64]()
            refs.reserveCapacity(e.count)
            switch e.items {
            case .functions(let fs): for f in fs { refs.append(UInt64(instance.functionAddresses[Int(f)].rawValue) + 1) }
            case .expressions(let xs): for x in xs { refs.append(try evaluate(x, in: instance).0) }
            }
            instance.elementSegments.append(refs)
        }
        for d in m.data { instance.dataSegments.append(d.bytes) }
        for (i, e) in m.elements.enumerated() {
            switch e.mode {
            case .active(let table, let offset):
                let start = Int(UInt32(truncatingIfNeeded: try evaluate(offset, in: instance).0))
                let t = instance.tables[Int(table)]
                let refs = instance.elementSegments[i]
                guard start <= t.elements.count, refs.count <= t.elements.count - start else {
                    throw Trap(.outOfBoundsTableAccess)
                }
                t.elements.replaceSubrange(start..<(start + refs.count), with: refs)
                instance.elementSegments[i] = []
            case .declarative:
                instance.elementSegments[i] = []
            case .passive:
                break
            }
        }
        for (i, d) in m.data.enumerated() {
            guard case .active(let memory, let offset) = d.mode else { continue }
            let start = Int(UInt32(truncatingIfNeeded: try evaluate(offset, in: instance).0))
            let mem = instance.memories[Int(memory)]
            guard start <= mem.byteCount, d.bytes.count <= mem.byteCount - start else {
                throw Trap(.outOfBoundsMemoryAccess)
            }
            mem.write(m.bytes[d.bytes], at: start)
            instance.dataSegments[i] = 0..<0
        }

        if let start = m.start {
            _ = try invoke(instance.functionAddresses[Int(start)], arguments: [])
        }
        return instance
    }

    static func checkLimits(_ expected: Limits, actual: Limits, _ what: String) throws {
        guard actual.minimum >= expected.minimum else {
            throw LinkError("incompatible import type for \(what): minimum size \(actual.minimum) is smaller than the \(expected.minimum) required")
        }
        if let max = expected.maximum {
            guard let actualMax = actual.maximum else {
                throw LinkError("incompatible import type for \(what): no maximum size, but at most \(max) is required")
            }
            guard actualMax <= max else {
                throw LinkError("incompatible import type for \(what): maximum size \(actualMax) is larger than the \(max) allowed")
            }
        }
    }

    /// Evaluates a validated constant expression to raw bits (low, high).
    func evaluate(_ expr: ConstantExpression, in instance: Instance) throws -> (UInt64, UInt64) {
        var evaluator = ConstantEvaluator(instance: instance)
        try instance.module.module.bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, position: expr.range.lowerBound, limit: expr.range.upperBound)
            while !r.isAtEnd { try r.decodeInstruction(&evaluator) }
        }
        return evaluator.stack.last ?? (0, 0)
    }
}

/// Evaluates constant expressions (already validated: constants, ref.null, ref.func, global.get).
struct ConstantEvaluator: PartialInstructionVisitor {
    let instance: Instance
    var stack: [(UInt64, UInt64)] = []

    mutating func visitOther(_ opcode: Opcode) {}
    mutating func visitI32Const(value: Int32) { stack.append((UInt64(UInt32(bitPattern: value)), 0)) }
    mutating func visitI64Const(value: Int64) { stack.append((UInt64(bitPattern: value), 0)) }
    mutating func visitF32Const(bits: UInt32) { stack.append((UInt64(bits), 0)) }
    mutating func visitF64Const(bits: UInt64) { stack.append((bits, 0)) }
    mutating func visitV128Const(value: V128) { stack.append((value.low, value.high)) }
    mutating func visitRefNull(type: ValueType) { stack.append((0, 0)) }
    mutating func visitRefFunc(functionIndex: UInt32) {
        stack.append((UInt64(instance.functionAddresses[Int(functionIndex)].rawValue) + 1, 0))
    }
    mutating func visitGlobalGet(globalIndex: UInt32) {
        let g = instance.globals[Int(globalIndex)]
        stack.append((g.bits, g.high))
    }
}
