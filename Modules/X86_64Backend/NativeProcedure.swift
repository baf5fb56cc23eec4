import Air
import IR
import MachineCode

/// An IR procedure compiled to x86-64 and mapped executable, with its entry trampoline and a
/// context block of its own, callable from Swift. The file tests' `test run` and the backend
/// tests run procedures through it; the Engine will install functions the same way.
package final class NativeProcedure {
    let native: NativeFunction
    let parameterTypes: [IRType]
    let resultTypes: [IRType]
    let context: UnsafeMutableRawPointer

    package init(_ proc: Procedure, convention: CallingConvention = .systemV, allocator: RegisterAllocator = .graphColoring) throws {
        let (_, function) = try compile(proc, convention: convention, allocator: allocator)
        let trampoline = entryTrampoline(parameters: proc.parameterTypes, results: proc.resultTypes, convention: convention)
        native = try NativeFunction(function: function, trampoline: trampoline)
        parameterTypes = proc.parameterTypes
        resultTypes = proc.resultTypes
        let bytes = ContextLayout.size + ExecutionStateLayout.size
        context = .allocate(byteCount: bytes, alignment: 16)
        context.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        // An execution state of its own, after the whole context.
        context.storeBytes(of: state, toByteOffset: Int(ContextLayout.executionState), as: UnsafeMutableRawPointer.self)
    }

    deinit { context.deallocate() }

    var state: UnsafeMutableRawPointer { context + ContextLayout.size }

    /// Calls the procedure with raw arguments (an i32 or f32 in the low 32 bits).
    package func call(_ arguments: [UInt64]) -> RunResult {
        precondition(arguments.count == parameterTypes.count, "wrong number of arguments")
        var slots = arguments + [0]
        let status = slots.withUnsafeMutableBufferPointer { native.call(context: context, slots: $0.baseAddress!) }
        if status != 0 {
            return .trapped(UInt64(state.load(fromByteOffset: Int(ExecutionStateLayout.trapCode), as: UInt32.self)))
        }
        guard let result = resultTypes.first else { return .returned([]) }
        let mask: UInt64 = result.bitWidth == 32 ? 0xFFFF_FFFF : .max
        return .returned([slots[0] & mask])
    }
}
