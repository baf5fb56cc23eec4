/// A mistake in IR text, with its 1-based line.
public struct IRParseError: Error, CustomStringConvertible, Equatable {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// A procedure read from text, with where it was in the text.
public struct ParsedProcedure {
    public var procedure: Procedure
    /// Lines (1-based) of `proc` and of its closing brace.
    public var firstLine: Int
    public var lastLine: Int
    /// The line that defines each value (or holds each void value), for verifier tests.
    public var valueAtLine: [Int: ValueID]
}

/// Reads the text form that `Procedure.printed()` writes (Docs/IR.md). Value and block numbers
/// are kept as written, so `@7` in the text is `ValueID(7)` in the procedure; numbers the text
/// skips become deleted values and blocks. `;` starts a comment that runs to the end of the line.
/// Type and structure errors are left to `validate`, so that verifier tests can state them.
public enum IRParser {
    public static func parse(_ text: String) throws(IRParseError) -> [ParsedProcedure] {
        var procedures: [ParsedProcedure] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var n = 0
        while n < lines.count {
            let line = code(lines[n])
            if line.isEmpty {
                n += 1
                continue
            }
            guard line.hasPrefix("proc ") else { throw IRParseError(line: n + 1, message: "expected 'proc'") }
            procedures.append(try parseProcedure(lines, &n))
        }
        return procedures
    }

    /// The line without its comment and surrounding blanks.
    private static func code(_ line: Substring) -> Substring {
        var s = line
        if let semicolon = s.firstIndex(of: ";") { s = s[..<semicolon] }
        return s.trimmingBlanks
    }

    private struct Record {
        var line: Int
        var block: Int
        var id: Int?
        var type: IRType
        var opcode: Opcode
        var operands: [Substring]
        var origin: Origin
    }

    private static func parseProcedure(_ lines: [Substring], _ n: inout Int) throws(IRParseError) -> ParsedProcedure {
        let first = n + 1
        let procedure = try header(code(lines[n]), line: first)
        n += 1
        var records: [Record] = []
        var blockOrder: [Int] = []
        var current: Int?
        while true {
            guard n < lines.count else { throw IRParseError(line: first, message: "missing '}' at the end of the procedure") }
            let lineNo = n + 1
            let line = code(lines[n])
            n += 1
            if line.isEmpty { continue }
            if line == "}" { break }
            if line.hasPrefix("bb"), line.hasSuffix(":") {
                guard let index = Int(line.dropFirst(2).dropLast()), index >= 0, index < 1 << 20 else {
                    throw IRParseError(line: lineNo, message: "bad block label '\(line)'")
                }
                if blockOrder.contains(index) { throw IRParseError(line: lineNo, message: "block bb\(index) defined twice") }
                blockOrder.append(index)
                current = index
                continue
            }
            guard let block = current else { throw IRParseError(line: lineNo, message: "value outside a block") }
            records.append(try valueLine(line, line: lineNo, block: block))
        }
        guard blockOrder.first == 0 else { throw IRParseError(line: first, message: "the first block must be bb0, the entry") }

        // Make room for every number the text names, then fill in the definitions.
        var valueCount = 0
        for r in records {
            if let id = r.id { valueCount = max(valueCount, id + 1) }
            for operand in r.operands where operand.hasPrefix("@") || operand.hasPrefix("^@") {
                if let id = Int(operand.drop { $0 == "^" || $0 == "@" }) { valueCount = max(valueCount, id + 1) }
            }
        }
        var voidIDs: [Int] = []
        for r in records where r.id == nil {
            voidIDs.append(valueCount)
            valueCount += 1
        }
        let blockCount = (blockOrder.max() ?? 0) + 1
        procedure.blocks = Array(repeating: Block(isDeleted: true), count: blockCount)
        for b in blockOrder { procedure.blocks[b] = Block() }
        procedure.values = Array(
            repeating: Value(opcode: .nop, type: .void, children: [], immediate: 0, origin: .none, block: nil), count: valueCount)

        var valueAtLine: [Int: ValueID] = [:]
        var defined = Array(repeating: false, count: valueCount)
        var nextVoid = 0
        for r in records {
            let id: Int
            if let given = r.id {
                if defined[given] { throw IRParseError(line: r.line, message: "@\(given) defined twice") }
                id = given
            } else {
                id = voidIDs[nextVoid]
                nextVoid += 1
            }
            defined[id] = true
            valueAtLine[r.line] = ValueID(id)
            var value = Value(opcode: r.opcode, type: r.type, children: [], immediate: 0, origin: r.origin, block: BlockID(r.block))
            var successors: [BlockID] = []
            var cases: [Int64] = []
            for operand in r.operands {
                try self.operand(operand, of: &value, successors: &successors, cases: &cases, line: r.line)
            }
            if value.info.immediate == .constant, value.type == .void {
                throw IRParseError(line: r.line, message: "a constant needs a type")
            }
            procedure.values[id] = value
            procedure.blocks[r.block].values.append(ValueID(id))
            if !successors.isEmpty || !cases.isEmpty {
                procedure.blocks[r.block].successors = successors
                procedure.blocks[r.block].switchCases = cases
            }
        }
        return ParsedProcedure(procedure: procedure, firstLine: first, lastLine: n, valueAtLine: valueAtLine)
    }

    /// `proc @name(i32, i64) -> i32 [loads_trap] {`
    private static func header(_ line: Substring, line lineNo: Int) throws(IRParseError) -> Procedure {
        var s = line.dropFirst("proc ".count).trimmingBlanks
        guard s.hasPrefix("@"), let open = s.firstIndex(of: "("), let close = s.firstIndex(of: ")"), open < close,
              s.hasSuffix("{")
        else { throw IRParseError(line: lineNo, message: "expected 'proc @name(types) [-> types] {'") }
        let name = String(s[s.index(after: s.startIndex)..<open])
        let parameters = try types(s[s.index(after: open)..<close], line: lineNo)
        s = s[s.index(after: close)...].dropLast().trimmingBlanks
        let loadsTrap = s.hasSuffix("loads_trap")
        if loadsTrap { s = s.dropLast("loads_trap".count).trimmingBlanks }
        var results: [IRType] = []
        if !s.isEmpty {
            guard s.hasPrefix("->") else { throw IRParseError(line: lineNo, message: "expected '->' before the result types") }
            results = try types(s.dropFirst(2), line: lineNo)
        }
        let procedure = Procedure(name: name, parameters: parameters, results: results)
        procedure.loadsTrap = loadsTrap
        return procedure
    }

    private static func types(_ text: Substring, line: Int) throws(IRParseError) -> [IRType] {
        var result: [IRType] = []
        for item in text.split(separator: ",") {
            guard let type = IRType(item.trimmingBlanks), type != .void else {
                throw IRParseError(line: line, message: "unknown type '\(item.trimmingBlanks)'")
            }
            result.append(type)
        }
        return result
    }

    /// `[TYPE @N =] MNEMONIC [OPERAND, ...] [!ORIGIN]`
    private static func valueLine(_ line: Substring, line lineNo: Int, block: Int) throws(IRParseError) -> Record {
        var rest = line
        var id: Int?
        var type = IRType.void
        if let equals = rest.firstIndex(of: "="), !rest[..<equals].contains(",") {
            let lhs = rest[..<equals].split(separator: " ")
            // `offset=8` and `code=3` have no type before them; a definition has two words.
            if lhs.count == 2, let t = IRType(lhs[0]), lhs[1].hasPrefix("@"), let n = Int(lhs[1].dropFirst()) {
                guard t != .void else { throw IRParseError(line: lineNo, message: "a value cannot be defined as void") }
                guard n < 1 << 24 else { throw IRParseError(line: lineNo, message: "value number too large") }
                type = t
                id = n
                rest = rest[rest.index(after: equals)...].trimmingBlanks
            }
        }
        var origin = Origin.none
        if let bang = rest.lastIndex(of: "!") {
            guard let o = UInt32(rest[rest.index(after: bang)...].trimmingBlanks) else {
                throw IRParseError(line: lineNo, message: "bad origin")
            }
            origin = Origin(o)
            rest = rest[..<bang].trimmingBlanks
        }
        let mnemonicEnd = rest.firstIndex(of: " ") ?? rest.endIndex
        let mnemonic = String(rest[..<mnemonicEnd])
        guard let opcode = Opcode(mnemonic: mnemonic) else {
            throw IRParseError(line: lineNo, message: "unknown opcode '\(mnemonic)'")
        }
        let operandText = rest[mnemonicEnd...].trimmingBlanks
        let operands = operandText.isEmpty ? [] : operandText.split(separator: ",", omittingEmptySubsequences: false).map(\.trimmingBlanks)
        if operands.contains(where: \.isEmpty) { throw IRParseError(line: lineNo, message: "empty operand") }
        switch opcode.info.result {
        case .void where id != nil: throw IRParseError(line: lineNo, message: "'\(mnemonic)' produces no value")
        case .value where id == nil:
            throw IRParseError(line: lineNo, message: "'\(mnemonic)' defines a value: write 'TYPE @N = \(mnemonic) ...'")
        default: break
        }
        return Record(line: lineNo, block: block, id: id, type: type, opcode: opcode, operands: operands, origin: origin)
    }

    private static func operand(
        _ text: Substring, of value: inout Value, successors: inout [BlockID], cases: inout [Int64], line: Int
    ) throws(IRParseError) {
        func number<T: FixedWidthInteger>(_ s: Substring, _: T.Type) throws(IRParseError) -> T {
            guard let n = T(s) else { throw IRParseError(line: line, message: "bad number '\(s)'") }
            return n
        }
        if text.hasPrefix("^@") {
            guard value.info.immediate == .phi else { throw IRParseError(line: line, message: "only an upsilon names a phi") }
            value.immediate = UInt64(try number(text.dropFirst(2), UInt32.self))
        } else if text.hasPrefix("@") {
            value.children.append(ValueID(Int(try number(text.dropFirst(), UInt32.self))))
        } else if text.hasPrefix("^bb") {
            successors.append(BlockID(Int(try number(text.dropFirst(3), UInt32.self))))
        } else if let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].trimmingBlanks.hasPrefix("^bb") {
            let label = text[..<colon].trimmingBlanks
            let target = text[text.index(after: colon)...].trimmingBlanks.dropFirst(3)
            if label == "default" {
                guard successors.count == cases.count else { throw IRParseError(line: line, message: "two defaults") }
            } else {
                guard successors.count == cases.count else { throw IRParseError(line: line, message: "a case after the default") }
                cases.append(try number(label, Int64.self))
            }
            successors.append(BlockID(Int(try number(target, UInt32.self))))
        } else if text.hasPrefix("offset=") {
            guard value.info.immediate == .offset else { throw IRParseError(line: line, message: "'\(value.info.mnemonic)' has no offset") }
            value.immediate = try number(text.dropFirst(7), UInt64.self)
        } else if ["convention=context", "convention=own", "convention=self", "convention=systemv"].contains(text) {
            guard value.info.immediate == .convention else { throw IRParseError(line: line, message: "'\(value.info.mnemonic)' has no convention") }
            value.immediate = text == "convention=context" ? CallConvention.context.rawValue
                : text == "convention=own" ? CallConvention.ownContext.rawValue
                : text == "convention=self" ? CallConvention.selfCall.rawValue : CallConvention.systemV.rawValue
        } else if text.hasPrefix("code=") {
            guard value.info.immediate == .code else { throw IRParseError(line: line, message: "'\(value.info.mnemonic)' has no code") }
            value.immediate = try number(text.dropFirst(5), UInt64.self)
        } else if value.info.immediate == .index {
            value.immediate = try number(text, UInt64.self)
        } else if value.info.immediate == .constant {
            guard let bits = constantBits(text, value.type) else {
                throw IRParseError(line: line, message: "bad \(value.type) constant '\(text)'")
            }
            value.immediate = bits
        } else {
            throw IRParseError(line: line, message: "unexpected operand '\(text)'")
        }
    }

    /// Reads a constant as `Procedure.constantText` writes it.
    public static func constantBits(_ text: Substring, _ type: IRType) -> UInt64? {
        switch type {
        case .i32:
            if let v = Int32(text) { return UInt64(UInt32(bitPattern: v)) }
            return UInt32(text).map { UInt64($0) }
        case .i64:
            if let v = Int64(text) { return UInt64(bitPattern: v) }
            return UInt64(text)
        case .f32:
            if text == "nan" { return 0x7FC0_0000 }
            if text.hasPrefix("nan:0x") { return UInt32(text.dropFirst(6), radix: 16).map { UInt64($0) } }
            guard let f = Float(text), !f.isNaN else { return nil }
            return UInt64(f.bitPattern)
        case .f64:
            if text == "nan" { return 0x7FF8_0000_0000_0000 }
            if text.hasPrefix("nan:0x") { return UInt64(text.dropFirst(6), radix: 16) }
            guard let d = Double(text), !d.isNaN else { return nil }
            return d.bitPattern
        case .void:
            return nil
        }
    }
}

extension Substring {
    var trimmingBlanks: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return s
    }
}
