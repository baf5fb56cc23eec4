/// Fixed offsets in an instance's context block, the block native code reaches through the
/// pinned context register (Docs/OPTIMIZING-TIER.md). Per-module fields (tables, globals)
/// follow `firstModuleField`.
package enum ContextLayout {
    /// Memory 0's base address.
    package static let memoryBase: Int32 = 0
    /// A pointer to memory 0's size in bytes (the Runtime's size cell, which `memory.grow`
    /// updates for every instance sharing the memory): the explicit bounds-check limit.
    package static let memorySize: Int32 = 8
    /// The lowest stack pointer native code may use.
    package static let stackLimit: Int32 = 16
    /// The stack pointer of the entry trampoline, where a trap unwinds to.
    package static let entryStackPointer: Int32 = 24
    /// The code of the last trap, written by trap stubs.
    package static let trapCode: Int32 = 32
    /// The Wasm offset of the last trap's origin.
    package static let trapOrigin: Int32 = 40
    /// The function table.
    package static let functionTable: Int32 = 48
    /// A pointer to the array of global cell pointers (the Runtime's `Instance.globalCells`).
    package static let globalCells: Int32 = 56
    package static let size: Int = 64
}
