import WasmCore

/// Limits this implementation puts on modules: the JS API's (as in V8, SpiderMonkey and
/// JavaScriptCore), so that counts a module declares never drive unbounded allocation.
public enum ImplementationLimits {
    public static let maxTypes = 1_000_000
    public static let maxFunctions = 1_000_000
    public static let maxImports = 100_000
    public static let maxExports = 100_000
    public static let maxGlobals = 1_000_000
    public static let maxDataSegments = 100_000
    public static let maxElementSegments = 10_000_000
    public static let maxFunctionParameters = 1_000
    public static let maxFunctionResults = 1_000
    public static let maxFunctionLocals = 50_000
    public static let maxFunctionBodySize = 7_654_321
}

/// Decodes the binary format into a `Module`. Section contents are checked for well-formedness
/// (the spec's "malformed" errors); type rules are the validator's job. Function bodies are not
/// decoded here beyond their local declarations: the validator walks their instructions.
public struct ModuleDecoder {
    public init() {}

    public func decode(_ bytes: [UInt8]) throws(DecodeError) -> Module {
        var module = Module(bytes: bytes)
        let result: Result<Void, DecodeError> = bytes.withUnsafeBytes { raw in
            do throws(DecodeError) {
                var reader = ByteReader(raw)
                try decodeModule(&reader, into: &module)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
        return module
    }

    // Section ids in the order the binary format requires (custom sections may go anywhere).
    private static let sectionOrder: [UInt8: Int] = [
        1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12,
    ]

    private func decodeModule(_ r: inout ByteReader, into m: inout Module) throws(DecodeError) {
        // Preamble.
        // The preamble is read as two 4-byte words, as the reference interpreter does.
        if r.remaining < 4 { throw DecodeError("unexpected end", offset: r.count) }
        let magic: [UInt8] = [0x00, 0x61, 0x73, 0x6D]
        for expected in magic {
            let at = r.position
            let b = try r.readByte()
            if b != expected { throw DecodeError("magic header not detected", offset: at) }
        }
        let version = r.position
        if r.remaining < 4 { throw DecodeError("unexpected end", offset: r.count) }
        for expected: UInt8 in [1, 0, 0, 0] {
            let b = try r.readByte()
            if b != expected { throw DecodeError("unknown binary version", offset: version) }
        }

        var lastOrder = 0
        var sawFunctionSection = false
        var sawCodeSection = false
        var sawDataSection = false
        while !r.isAtEnd {
            let sectionStart = r.position
            let id = try r.readByte()
            let size = Int(try r.readVarUInt32())
            let contentStart = r.position
            guard size <= r.count - contentStart else {
                throw DecodeError("length out of bounds", offset: sectionStart)
            }
            let end = contentStart + size
            if id != 0 {
                guard let order = ModuleDecoder.sectionOrder[id] else {
                    throw DecodeError("malformed section id", offset: sectionStart)
                }
                guard order > lastOrder else {
                    throw DecodeError("unexpected content after last section", offset: sectionStart)
                }
                lastOrder = order
                m.sectionOffsets[id] = sectionStart
            }
            var s = ByteReader(UnsafeRawBufferPointer(start: r.base, count: r.count), position: contentStart, limit: end)
            switch id {
            case 0: try decodeCustomSection(&s, start: sectionStart, into: &m)
            case 1: try decodeTypeSection(&s, into: &m)
            case 2: try decodeImportSection(&s, into: &m)
            case 3:
                sawFunctionSection = true
                let n = try s.readVectorCount()
                try checkLimit(n, ImplementationLimits.maxFunctions, "functions", at: contentStart)
                m.functionTypeIndices.reserveCapacity(n)
                for _ in 0..<n { m.functionTypeIndices.append(try s.readVarUInt32()) }
            case 4:
                let n = try s.readVectorCount(minimumElementSize: 3)
                for _ in 0..<n { m.tables.append(try readTableType(&s)) }
            case 5:
                let n = try s.readVectorCount(minimumElementSize: 2)
                for _ in 0..<n { m.memories.append(MemoryType(limits: try readLimits(&s))) }
            case 6:
                let n = try s.readVectorCount(minimumElementSize: 3)
                try checkLimit(n, ImplementationLimits.maxGlobals, "globals", at: contentStart)
                m.globals.reserveCapacity(n)
                for _ in 0..<n {
                    let type = try readGlobalType(&s)
                    m.globals.append(Global(type: type, initializer: try readConstantExpression(&s)))
                }
            case 7:
                let n = try s.readVectorCount(minimumElementSize: 3)
                try checkLimit(n, ImplementationLimits.maxExports, "exports", at: contentStart)
                m.exports.reserveCapacity(n)
                for _ in 0..<n {
                    let entryAt = s.position
                    let name = try s.readName()
                    let kindAt = s.position
                    guard let kind = ExternalKind(rawValue: try s.readByte()) else {
                        throw DecodeError("malformed export kind", offset: kindAt)
                    }
                    m.exports.append(Export(name: name, kind: kind, index: try s.readVarUInt32(), offset: entryAt))
                }
            case 8: m.start = try s.readVarUInt32()
            case 9: try decodeElementSection(&s, into: &m)
            case 10:
                sawCodeSection = true
                try decodeCodeSection(&s, into: &m)
            case 11:
                sawDataSection = true
                try decodeDataSection(&s, into: &m)
            case 12: m.dataCount = try s.readVarUInt32()
            default: throw DecodeError("malformed section id", offset: sectionStart)
            }
            if s.position != end {
                throw DecodeError("section size mismatch", offset: s.position)
            }
            r.position = end
        }
        if m.functionTypeIndices.count != m.functionBodies.count || (sawFunctionSection && !sawCodeSection && !m.functionTypeIndices.isEmpty) {
            throw DecodeError("function and code section have inconsistent lengths", offset: r.position)
        }
        if let dc = m.dataCount, Int(dc) != m.data.count, sawDataSection || dc != 0 {
            throw DecodeError("data count and data section have inconsistent lengths", offset: r.position)
        }
    }

    private func checkLimit(_ n: Int, _ limit: Int, _ what: String, at offset: Int) throws(DecodeError) {
        if n > limit { throw DecodeError("too many \(what) (\(n), at most \(limit))", offset: offset) }
    }

    // MARK: Sections

    private func decodeCustomSection(_ s: inout ByteReader, start: Int, into m: inout Module) throws(DecodeError) {
        let name = try s.readName()
        let payload = s.position..<s.limit
        s.position = s.limit
        m.customSections.append(CustomSection(name: name, payload: payload, offset: start))
        if name == "name" && m.names == nil {
            // Lenient: a malformed name section is ignored, never an error.
            var sub = s
            sub.position = payload.lowerBound
            m.names = try? decodeNameSection(&sub)
        }
    }

    private func decodeTypeSection(_ s: inout ByteReader, into m: inout Module) throws(DecodeError) {
        let n = try s.readVectorCount(minimumElementSize: 3)
        try checkLimit(n, ImplementationLimits.maxTypes, "types", at: s.position)
        m.types.reserveCapacity(n)
        for _ in 0..<n {
            let at = s.position
            let form = try s.readByte()
            if form & 0x80 != 0 { throw DecodeError("integer representation too long", offset: at) }
            guard form == 0x60 else {
                throw DecodeError("malformed function type 0x\(String(form, radix: 16))", offset: at)
            }
            let params = try readValueTypes(&s, limit: ImplementationLimits.maxFunctionParameters, "parameters")
            let results = try readValueTypes(&s, limit: ImplementationLimits.maxFunctionResults, "results")
            m.types.append(FunctionType(parameters: params, results: results))
        }
    }

    private func readValueTypes(_ s: inout ByteReader, limit: Int, _ what: String) throws(DecodeError) -> [ValueType] {
        let at = s.position
        let n = try s.readVectorCount()
        try checkLimit(n, limit, what, at: at)
        var types = [ValueType]()
        types.reserveCapacity(n)
        for _ in 0..<n { types.append(try s.readValueType()) }
        return types
    }

    private func decodeImportSection(_ s: inout ByteReader, into m: inout Module) throws(DecodeError) {
        let n = try s.readVectorCount(minimumElementSize: 4)
        try checkLimit(n, ImplementationLimits.maxImports, "imports", at: s.position)
        m.imports.reserveCapacity(n)
        for _ in 0..<n {
            let entryAt = s.position
            let module = try s.readName()
            let name = try s.readName()
            let kindAt = s.position
            let descriptor: ImportDescriptor
            switch try s.readByte() {
            case 0:
                descriptor = .function(typeIndex: try s.readVarUInt32())
                m.importedFunctionCount += 1
            case 1:
                descriptor = .table(try readTableType(&s))
                m.importedTableCount += 1
            case 2:
                descriptor = .memory(MemoryType(limits: try readLimits(&s)))
                m.importedMemoryCount += 1
            case 3:
                descriptor = .global(try readGlobalType(&s))
                m.importedGlobalCount += 1
            default:
                throw DecodeError("malformed import kind", offset: kindAt)
            }
            m.imports.append(Import(module: module, name: name, descriptor: descriptor, offset: entryAt))
        }
    }

    private func readLimits(_ s: inout ByteReader) throws(DecodeError) -> Limits {
        let at = s.position
        let flags = try s.readByte()
        switch flags {
        case 0x00:
            return Limits(minimum: UInt64(try s.readVarUInt32()))
        case 0x01:
            let min = try s.readVarUInt32()
            let max = try s.readVarUInt32()
            return Limits(minimum: UInt64(min), maximum: UInt64(max))
        default:
            // 0x02/0x03 are shared memories (threads), 0x04+ memory64: not Wasm 2.0.
            throw DecodeError("integer too large", offset: at)
        }
    }

    private func readTableType(_ s: inout ByteReader) throws(DecodeError) -> TableType {
        let type = try s.readReferenceType()
        return TableType(elementType: type, limits: try readLimits(&s))
    }

    private func readGlobalType(_ s: inout ByteReader) throws(DecodeError) -> GlobalType {
        let type = try s.readValueType()
        let at = s.position
        let mutability = try s.readByte()
        guard mutability <= 1 else { throw DecodeError("malformed mutability", offset: at) }
        return GlobalType(valueType: type, isMutable: mutability == 1)
    }

    /// Finds the end of a constant expression: instructions up to the `end` that closes it.
    func readConstantExpression(_ s: inout ByteReader) throws(DecodeError) -> ConstantExpression {
        let start = s.position
        var skipper = ExpressionSkipper()
        while !skipper.finished {
            do {
                try s.decodeInstruction(&skipper)
            } catch let error as DecodeError {
                throw error
            } catch {
                preconditionFailure("ExpressionSkipper does not throw")
            }
        }
        return ConstantExpression(range: start..<s.position)
    }

    private func decodeElementSection(_ s: inout ByteReader, into m: inout Module) throws(DecodeError) {
        let n = try s.readVectorCount(minimumElementSize: 2)
        m.elements.reserveCapacity(min(n, ImplementationLimits.maxElementSegments))
        for _ in 0..<n {
            let at = s.position
            let flags = try s.readVarUInt32()
            guard flags <= 7 else { throw DecodeError("malformed elements segment kind", offset: at) }
            let usesExpressions = flags & 4 != 0
            var mode: ElementSegment.Mode
            var type = ValueType.funcref
            switch flags & 3 {
            case 0:
                mode = .active(table: 0, offset: try readConstantExpression(&s))
            case 1:
                mode = .passive
            case 2:
                let table = try s.readVarUInt32()
                mode = .active(table: table, offset: try readConstantExpression(&s))
            default:
                mode = .declarative
            }
            if flags & 3 != 0 {
                // An element kind (0x00 = funcref) or a reference type.
                if usesExpressions {
                    type = try s.readReferenceType()
                } else {
                    let kindAt = s.position
                    guard try s.readByte() == 0 else { throw DecodeError("malformed element kind", offset: kindAt) }
                }
            }
            let items: ElementSegment.Items
            if usesExpressions {
                let count = try s.readVectorCount()
                var exprs = [ConstantExpression]()
                exprs.reserveCapacity(count)
                for _ in 0..<count { exprs.append(try readConstantExpression(&s)) }
                items = .expressions(exprs)
            } else {
                let count = try s.readVectorCount()
                var funcs = [UInt32]()
                funcs.reserveCapacity(count)
                for _ in 0..<count { funcs.append(try s.readVarUInt32()) }
                items = .functions(funcs)
            }
            m.elements.append(ElementSegment(mode: mode, type: type, items: items, offset: at))
        }
    }

    private func decodeCodeSection(_ s: inout ByteReader, into m: inout Module) throws(DecodeError) {
        let at = s.position
        let n = try s.readVectorCount(minimumElementSize: 2)
        guard n == m.functionTypeIndices.count else {
            throw DecodeError("function and code section have inconsistent lengths", offset: at)
        }
        m.functionBodies.reserveCapacity(n)
        for _ in 0..<n {
            let bodyAt = s.position
            let size = Int(try s.readVarUInt32())
            guard size <= s.remaining else { throw DecodeError("length out of bounds", offset: bodyAt) }
            guard size <= ImplementationLimits.maxFunctionBodySize else {
                throw DecodeError("function body too large (\(size) bytes)", offset: bodyAt)
            }
            let bodyEnd = s.position + size
            var b = s
            b.limit = bodyEnd
            let localsAt = b.position
            let runCount = try b.readVectorCount(minimumElementSize: 2)
            var runs = [LocalRun]()
            runs.reserveCapacity(runCount)
            var total: UInt64 = 0
            for _ in 0..<runCount {
                let count = try b.readVarUInt32()
                total += UInt64(count)
                if total > UInt64(UInt32.max) { throw DecodeError("too many locals", offset: localsAt) }
                runs.append(LocalRun(count: count, type: try b.readValueType()))
            }
            if total > UInt64(ImplementationLimits.maxFunctionLocals) {
                throw DecodeError("too many locals (\(total), at most \(ImplementationLimits.maxFunctionLocals))", offset: localsAt)
            }
            m.functionBodies.append(
                FunctionBody(locals: runs, localCount: Int(total), code: b.position..<bodyEnd, offset: bodyAt))
            s.position = bodyEnd
        }
    }

    private func decodeDataSection(_ s: inout ByteReader, into m: inout Module) throws(DecodeError) {
        let at = s.position
        let n = try s.readVectorCount(minimumElementSize: 2)
        try checkLimit(n, ImplementationLimits.maxDataSegments, "data segments", at: at)
        if let dc = m.dataCount, Int(dc) != n {
            throw DecodeError("data count and data section have inconsistent lengths", offset: at)
        }
        m.data.reserveCapacity(n)
        for _ in 0..<n {
            let segAt = s.position
            let flags = try s.readVarUInt32()
            let mode: DataSegment.Mode
            switch flags {
            case 0: mode = .active(memory: 0, offset: try readConstantExpression(&s))
            case 1: mode = .passive
            case 2:
                let memory = try s.readVarUInt32()
                mode = .active(memory: memory, offset: try readConstantExpression(&s))
            default: throw DecodeError("malformed data segment kind", offset: segAt)
            }
            m.data.append(DataSegment(mode: mode, bytes: try s.readByteRange(), offset: segAt))
        }
    }

    // MARK: Name section

    private func decodeNameSection(_ s: inout ByteReader) throws(DecodeError) -> NameSection {
        var names = NameSection()
        var lastId = -1
        while !s.isAtEnd {
            let id = Int(try s.readByte())
            guard id > lastId else { throw DecodeError("name subsections out of order", offset: s.position) }
            lastId = id
            let size = Int(try s.readVarUInt32())
            guard size <= s.remaining else { throw DecodeError("length out of bounds", offset: s.position) }
            var sub = s
            sub.limit = s.position + size
            switch id {
            case 0: names.moduleName = try sub.readName()
            case 1: names.functionNames = try readNameMap(&sub)
            case 2:
                let n = try sub.readVectorCount(minimumElementSize: 2)
                for _ in 0..<n {
                    let f = try sub.readVarUInt32()
                    names.localNames[f] = try readNameMap(&sub)
                }
            default: break
            }
            s.position += size
        }
        return names
    }

    private func readNameMap(_ s: inout ByteReader) throws(DecodeError) -> [UInt32: String] {
        let n = try s.readVectorCount(minimumElementSize: 2)
        var map = [UInt32: String](minimumCapacity: n)
        for _ in 0..<n {
            let index = try s.readVarUInt32()
            map[index] = try s.readName()
        }
        return map
    }
}

/// Walks the instructions of a constant expression up to its closing `end` without checking
/// them (the validator does), keeping count of nested blocks.
struct ExpressionSkipper: PartialInstructionVisitor {
    var depth = 0
    var finished = false

    mutating func visitOther(_ opcode: Opcode) {}
    mutating func visitBlock(blockType: BlockType) { depth += 1 }
    mutating func visitLoop(blockType: BlockType) { depth += 1 }
    mutating func visitIf(blockType: BlockType) { depth += 1 }
    mutating func visitEnd() {
        if depth == 0 { finished = true } else { depth -= 1 }
    }
}
