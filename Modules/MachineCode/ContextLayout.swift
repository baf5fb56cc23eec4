/// Fixed offsets in an instance's context block, the block native code reaches through the
/// pinned context register (Docs/OPTIMIZING-TIER.md). Per-module fields (tables, globals)
/// follow `firstModuleField`.
package enum ContextLayout {
    /// Memory 0's base address.
    package static let memoryBase: Int32 = 0
    /// Memory 0's size in bytes (the explicit bounds-check limit).
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
    package static let firstModuleField: Int32 = 56
}
