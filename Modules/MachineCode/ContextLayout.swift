/// Fixed offsets in an instance's context block, the block native code reaches through the
/// pinned context register (Docs/OPTIMIZING-TIER.md).
package enum ContextLayout {
    /// Memory 0's base address.
    package static let memoryBase: Int32 = 0
    /// A pointer to memory 0's size in bytes (the Runtime's size cell, which `memory.grow`
    /// updates for every instance sharing the memory): the explicit bounds-check limit.
    package static let memorySize: Int32 = 8
    /// A pointer to the store's execution state (`ExecutionStateLayout`).
    package static let executionState: Int32 = 24
    /// A pointer to one pointer per table of the instance's table index space, to that table's
    /// native view (`NativeTableLayout`), which `call_indirect` reads without calling out.
    package static let tables: Int32 = 32
    /// A pointer to the store's type number (8 bytes) of each type of the module, by type index.
    package static let typeIDs: Int32 = 40
    /// The native function table: 32-byte entries (`FunctionTableEntryLayout`).
    package static let functionTable: Int32 = 48
    /// A pointer to the array of global cell pointers (the Runtime's `Instance.globalCells`).
    package static let globalCells: Int32 = 56
    /// The instance, unretained.
    package static let instance: Int32 = 64
    /// A pointer to the table of runtime functions native code calls (`RuntimeFunction`).
    package static let runtimeFunctions: Int32 = 72
    /// A function table entry (32 bytes, to 112) the `callIndirect` runtime function fills for
    /// the call it resolves.
    package static let indirectEntry: Int32 = 80
    /// Where a function with several results leaves them (8 bytes each, an i32 or f32
    /// zero-extended), for its caller to read right after the call; and where a caller leaves
    /// the arguments that do not fit in registers, for the callee to read on entry.
    package static let results: Int32 = 112
    /// How many values fit there: the JS API's limit on parameters and results.
    package static let resultCapacity = 1000
    package static let size: Int = 112 + 8 * 1000
}

/// The store-wide block every context points at: what entry trampolines, trap stubs and
/// prologues share across instances.
package enum ExecutionStateLayout {
    /// The stack pointer of the innermost entry trampoline, where a trap unwinds to (0 when no
    /// native code is running).
    package static let entryStackPointer: Int32 = 0
    /// The code of the last trap (`NativeTrap`).
    package static let trapCode: Int32 = 8
    /// The Wasm offset of the last trap's origin.
    package static let trapOrigin: Int32 = 16
    /// The lowest stack pointer native code may use.
    package static let stackLimit: Int32 = 24
    package static let size: Int = 48
}

/// One entry of an instance's native function table.
package enum FunctionTableEntryLayout {
    /// A pointer to the function's code cell (its current native entry: machine code, or the
    /// exit stub of its signature).
    package static let codeCell: Int32 = 0
    /// The context to run the callee with.
    package static let context: Int32 = 8
    /// The Runtime's FunctionInstance, unretained.
    package static let function: Int32 = 16
    /// The store's type number, for call_indirect.
    package static let typeID: Int32 = 24
    package static let size: Int32 = 32

    /// An entry no call matches (type number all ones): what a table's native view holds for
    /// null elements and host functions, so that `call_indirect` takes its slow path (the
    /// runtime function, which traps or calls the host function) without a null check.
    nonisolated(unsafe) package static let unmatchable: UnsafeRawPointer = {
        let p = UnsafeMutableRawPointer.allocate(byteCount: Int(size), alignment: 16)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: Int(size))
        p.storeBytes(of: UInt64.max, toByteOffset: Int(typeID), as: UInt64.self)
        return UnsafeRawPointer(p)
    }()
}

/// A table's native view (the Runtime's `TableInstance.nativeView`): a pointer to one function
/// table entry pointer per element, and how many elements the view covers. The count is 0
/// while the view is stale (the table changed since it was built): `call_indirect` then takes
/// the slow path, which rebuilds it.
package enum NativeTableLayout {
    package static let entries: Int32 = 0
    package static let count: Int32 = 8
    package static let size = 16
}
