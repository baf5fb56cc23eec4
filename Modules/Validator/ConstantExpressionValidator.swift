import Decoder
import WasmCore

/// Types a constant expression: constants, `ref.null`, `ref.func` and `global.get` of an imported
/// global (Wasm 2.0 allows no others) up to the closing `end`.
struct ConstantExpressionValidator: PartialInstructionVisitor {
    let context: ModuleContext
    var stack: [ValueType] = []
    var finished = false
    var offset = 0

    init(context: ModuleContext) { self.context = context }

    mutating func willVisit(offset: Int) { self.offset = offset }

    mutating func visitOther(_ opcode: Opcode) throws {
        throw ValidationError("constant expression required", offset: offset)
    }

    mutating func visitEnd() { finished = true }
    mutating func visitI32Const(value: Int32) { stack.append(.i32) }
    mutating func visitI64Const(value: Int64) { stack.append(.i64) }
    mutating func visitF32Const(bits: UInt32) { stack.append(.f32) }
    mutating func visitF64Const(bits: UInt64) { stack.append(.f64) }
    mutating func visitV128Const(value: V128) { stack.append(.v128) }
    mutating func visitRefNull(type: ValueType) { stack.append(type) }

    mutating func visitRefFunc(functionIndex: UInt32) throws {
        _ = try context.functionType(functionIndex, at: offset)
        stack.append(.funcref)
    }

    mutating func visitGlobalGet(globalIndex: UInt32) throws {
        // Wasm 2.0: only imported globals are visible to constant expressions.
        guard Int(globalIndex) < context.importedGlobalCount else {
            throw ValidationError("unknown global \(globalIndex)", offset: offset)
        }
        let g = context.globalTypes[Int(globalIndex)]
        if g.isMutable { throw ValidationError("constant expression required", offset: offset) }
        stack.append(g.valueType)
    }
}

/// Collects the operands of `ref.func` in a constant expression.
struct RefFuncCollector: PartialInstructionVisitor {
    var functions: [UInt32] = []
    mutating func visitOther(_ opcode: Opcode) {}
    mutating func visitRefFunc(functionIndex: UInt32) { functions.append(functionIndex) }
}
