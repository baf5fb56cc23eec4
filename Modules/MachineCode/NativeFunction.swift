import CSupport

/// A function compiled to machine code, with the entry trampoline that calls it with the array
/// convention (Docs/OPTIMIZING-TIER.md): `(context, argsAndResults, function) -> status`.
/// Arguments are 8-byte slots (an i32 or f32 in the low half); the result comes back in slot 0.
package final class NativeFunction: @unchecked Sendable {
    let memory: ExecutableMemory
    let trampolineOffset: Int

    package typealias Entry = @convention(c) (UnsafeMutableRawPointer, UnsafeMutablePointer<UInt64>, UnsafeRawPointer) -> Int32

    package init(function: [UInt8], trampoline: [UInt8]) throws {
        let padding = (16 - function.count % 16) % 16
        trampolineOffset = function.count + padding
        memory = try ExecutableMemory(function + Array(repeating: 0xCC, count: padding) + trampoline, functionBytes: function.count)
    }

    /// Where native callers enter the function.
    package var address: UnsafeRawPointer { memory.address(0) }

    /// Runs the function; 0 when it returned, 1 when it failed (a trap in the execution state,
    /// or an error of Swift code it called, kept by the store). The outermost entry on a
    /// thread sets the stack limit prologues check for that thread.
    @inline(__always)
    package func call(context: UnsafeMutableRawPointer, slots: UnsafeMutablePointer<UInt64>) -> Int32 {
        let state = context.load(fromByteOffset: Int(ContextLayout.executionState), as: UnsafeMutableRawPointer.self)
        if state.load(fromByteOffset: Int(ExecutionStateLayout.entryStackPointer), as: UInt64.self) == 0 {
            state.storeBytes(of: UInt64(wasm_tier_stack_limit(256 * 1024)), toByteOffset: Int(ExecutionStateLayout.stackLimit), as: UInt64.self)
        }
        let entry = unsafeBitCast(memory.address(trampolineOffset), to: Entry.self)
        return entry(context, slots, memory.address(0))
    }
}

/// The trap codes native code records in the context (`ContextLayout.trapCode`); the Runtime
/// turns them into its `TrapCode`s.
package enum NativeTrap: UInt64, CaseIterable, Sendable {
    /// The error is already in the store (a runtime function failed): record nothing.
    case pending = 0
    case unreachable = 1
    case integerDivideByZero
    case integerOverflow
    case invalidConversionToInteger
    case outOfBoundsMemoryAccess
    case outOfBoundsTableAccess
    case undefinedElement
    case uninitializedElement
    case indirectCallTypeMismatch
    case callStackExhausted
}

/// The runtime functions native code calls, by their index in the table the context points
/// at (`ContextLayout.runtimeFunctions`). Each is a System V function whose first argument is
/// the caller's context; `Docs/OPTIMIZING-TIER.md` lists their signatures. Those that can fail
/// leave the error in the store and return failure, and native code then unwinds with
/// `NativeTrap.pending`.
package enum RuntimeFunction: Int, CaseIterable, Sendable {
    case memoryGrow, callIndirect, refFunc, tableGet, tableSet, tableSize, tableGrow, tableFill, tableCopy, tableInit
    case elemDrop, memoryFill, memoryCopy, memoryInit, dataDrop
}
