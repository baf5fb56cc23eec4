import Foundation
import MachineCode
import Runtime

// The runtime functions native code calls (`MachineCode.RuntimeFunction`), System V functions
// taking the caller's context first. They run the Runtime's own operations (the interpreter
// uses the same ones). Failure keeps the error in the store and returns failure; native code
// then unwinds with `NativeTrap.pending`.

@inline(__always) private func instance(_ context: UnsafeMutableRawPointer) -> Instance {
    Unmanaged<Instance>.fromOpaque(context.load(fromByteOffset: Int(ContextLayout.instance), as: UnsafeRawPointer.self))
        .takeUnretainedValue()
}

/// 0, or 1 with the error kept in the store.
@inline(__always) private func status(_ context: UnsafeMutableRawPointer, _ body: (Instance) throws -> Void) -> Int32 {
    let i = instance(context)
    do {
        try body(i)
        return 0
    } catch {
        i.store.pendingNativeError = error
        return 1
    }
}

private let memoryGrow: @convention(c) (UnsafeMutableRawPointer, UInt32) -> UInt32 = { c, delta in
    instance(c).memoryGrow(delta: delta)
}

/// Resolves a `call_indirect`: the element's function, type-checked, in the context's indirect
/// entry (its code cell filled with an exit stub if it has none yet); nil when the call traps.
private let callIndirect: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt32, UInt32) -> UnsafeMutableRawPointer? = { c, t, index, typeIndex in
    let i = instance(c)
    let f: FunctionInstance
    do {
        f = try i.indirectCallee(table: Int(t), index: index, typeIndex: Int(typeIndex))
    } catch {
        i.store.pendingNativeError = error
        return nil
    }
    let compiler = i.store.nativeCompiler as? OptimizingCompiler
    if f.nativeCodeCell.pointee == nil { compiler?.fillCodeCell(f) }
    // The table's native view is stale (or never built): rebuild it once the slow calls since
    // it went stale add up to a 32nd of its size, so later calls stay in machine code.
    let table = i.tables[Int(t)]
    if let compiler, !table.nativeView.isCurrent(count: table.elements.count),
       table.nativeView.noteSlowCall(tableSize: table.elements.count) {
        let functions = i.store.functions
        table.nativeView.rebuild(table.elements) { raw in
            raw == 0 ? FunctionTableEntryLayout.unmatchable : compiler.nativeEntry(functions[Int(raw - 1)])
        }
    }
    guard f.nativeCodeCell.pointee != nil else {
        i.store.pendingNativeError = Trap(.hostError, detail: "no native entry for the callee")
        return nil
    }
    let entry = c + Int(ContextLayout.indirectEntry)
    entry.storeBytes(of: f.nativeCodeCell, toByteOffset: Int(FunctionTableEntryLayout.codeCell), as: UnsafeMutablePointer<UnsafeRawPointer?>.self)
    entry.storeBytes(of: f.instanceRef?.context ?? c, toByteOffset: Int(FunctionTableEntryLayout.context), as: UnsafeMutableRawPointer.self)
    entry.storeBytes(of: Unmanaged.passUnretained(f).toOpaque(), toByteOffset: Int(FunctionTableEntryLayout.function), as: UnsafeMutableRawPointer.self)
    entry.storeBytes(of: UInt64(f.typeID), toByteOffset: Int(FunctionTableEntryLayout.typeID), as: UInt64.self)
    return entry
}

private let refFunc: @convention(c) (UnsafeMutableRawPointer, UInt32) -> UInt64 = { c, f in instance(c).functionReference(Int(f)) }

/// All ones (no reference) when out of bounds.
private let tableGet: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt32) -> UInt64 = { c, t, index in
    let i = instance(c)
    do { return try i.tableGet(table: Int(t), index: index) } catch {
        i.store.pendingNativeError = error
        return .max
    }
}

private let tableSet: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt32, UInt64) -> Int32 = { c, t, index, value in
    status(c) { try $0.tableSet(table: Int(t), index: index, value: value) }
}

private let tableSize: @convention(c) (UnsafeMutableRawPointer, UInt32) -> UInt32 = { c, t in
    UInt32(instance(c).tables[Int(t)].elements.count)
}

private let tableGrow: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt64, UInt32) -> UInt32 = { c, t, value, delta in
    instance(c).tableGrow(table: Int(t), delta: delta, value: value)
}

private let tableFill: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt32, UInt64, UInt32) -> Int32 = { c, t, d, value, n in
    status(c) { try $0.tableFill(table: Int(t), destination: d, value: value, count: n) }
}

private let tableCopy: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt32, UInt32, UInt32, UInt32) -> Int32 = { c, dt, st, d, s, n in
    status(c) { try $0.tableCopy(destinationTable: Int(dt), sourceTable: Int(st), destination: d, source: s, count: n) }
}

private let tableInit: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt32, UInt32, UInt32, UInt32) -> Int32 = { c, t, e, d, s, n in
    status(c) { try $0.tableInit(table: Int(t), segment: Int(e), destination: d, source: s, count: n) }
}

private let elemDrop: @convention(c) (UnsafeMutableRawPointer, UInt32) -> Void = { c, e in instance(c).elemDrop(segment: Int(e)) }

/// Memory 0's base and byte count as the context holds them (nil without a memory): what
/// `memory.copy` and `memory.fill` need in bounds, read without touching the `Instance`
/// (whose retain and release took a fifth of a memcpy-heavy program's time).
@inline(__always) private func memoryView(_ context: UnsafeMutableRawPointer) -> (base: UnsafeMutableRawPointer, size: Int)? {
    guard let base = context.load(fromByteOffset: Int(ContextLayout.memoryBase), as: UnsafeMutableRawPointer?.self),
          let size = context.load(fromByteOffset: Int(ContextLayout.memorySize), as: UnsafeMutablePointer<Int>?.self)
    else { return nil }
    return (base, size.pointee)
}

/// In bounds: straight from the context; anything else (the trap) through the instance.
private let memoryFill: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt32, UInt32) -> Int32 = { c, d, value, n in
    if let m = memoryView(c), Int(d) + Int(n) <= m.size {
        if n > 0 { memset(m.base + Int(d), Int32(value & 0xFF), Int(n)) }
        return 0
    }
    return status(c) { try $0.memoryFill(destination: d, value: value, count: n) }
}

private let memoryCopy: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt32, UInt32) -> Int32 = { c, d, s, n in
    if let m = memoryView(c), Int(s) + Int(n) <= m.size, Int(d) + Int(n) <= m.size {
        if n > 0 { memmove(m.base + Int(d), m.base + Int(s), Int(n)) }
        return 0
    }
    return status(c) { try $0.memoryCopy(destination: d, source: s, count: n) }
}

private let memoryInit: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt32, UInt32, UInt32) -> Int32 = { c, seg, d, s, n in
    status(c) { try $0.memoryInit(segment: Int(seg), destination: d, source: s, count: n) }
}

private let dataDrop: @convention(c) (UnsafeMutableRawPointer, UInt32) -> Void = { c, seg in instance(c).dataDrop(segment: Int(seg)) }

/// The table the context's `runtimeFunctions` field points at, in `RuntimeFunction` order.
/// Written once, when first used; read-only afterwards.
nonisolated(unsafe) let runtimeFunctionTable: UnsafeMutablePointer<UnsafeRawPointer> = {
    let table = UnsafeMutablePointer<UnsafeRawPointer>.allocate(capacity: RuntimeFunction.allCases.count)
    for f in RuntimeFunction.allCases {
        let address: UnsafeRawPointer = switch f {
        case .memoryGrow: unsafeBitCast(memoryGrow, to: UnsafeRawPointer.self)
        case .callIndirect: unsafeBitCast(callIndirect, to: UnsafeRawPointer.self)
        case .refFunc: unsafeBitCast(refFunc, to: UnsafeRawPointer.self)
        case .tableGet: unsafeBitCast(tableGet, to: UnsafeRawPointer.self)
        case .tableSet: unsafeBitCast(tableSet, to: UnsafeRawPointer.self)
        case .tableSize: unsafeBitCast(tableSize, to: UnsafeRawPointer.self)
        case .tableGrow: unsafeBitCast(tableGrow, to: UnsafeRawPointer.self)
        case .tableFill: unsafeBitCast(tableFill, to: UnsafeRawPointer.self)
        case .tableCopy: unsafeBitCast(tableCopy, to: UnsafeRawPointer.self)
        case .tableInit: unsafeBitCast(tableInit, to: UnsafeRawPointer.self)
        case .elemDrop: unsafeBitCast(elemDrop, to: UnsafeRawPointer.self)
        case .memoryFill: unsafeBitCast(memoryFill, to: UnsafeRawPointer.self)
        case .memoryCopy: unsafeBitCast(memoryCopy, to: UnsafeRawPointer.self)
        case .memoryInit: unsafeBitCast(memoryInit, to: UnsafeRawPointer.self)
        case .dataDrop: unsafeBitCast(dataDrop, to: UnsafeRawPointer.self)
        }
        table[f.rawValue] = address
    }
    return table
}()
