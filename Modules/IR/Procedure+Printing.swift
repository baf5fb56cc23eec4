/// The text form of the IR (Docs/IR.md has the grammar); `IRParser` reads it back.
extension Procedure: CustomStringConvertible {
    public var description: String { printed() }

    /// The procedure as text. With `origins`, each value with an origin ends in `!N`.
    public func printed(origins: Bool = false) -> String {
        var out = "proc @\(name)(\(parameterTypes.map(\.description).joined(separator: ", ")))"
        if !resultTypes.isEmpty {
            out += " -> \(resultTypes.map(\.description).joined(separator: ", "))"
        }
        if loadsTrap { out += " loads_trap" }
        out += " {\n"
        for b in liveBlocks {
            out += "\(b):\n"
            for v in blocks[b.int].values {
                out += "    " + printed(v, origin: origins) + "\n"
            }
        }
        out += "}\n"
        return out
    }

    /// One value as a line of text, without indentation.
    public func printed(_ id: ValueID, origin: Bool = false) -> String {
        let value = values[id.int]
        let info = value.info
        var out = value.type == .void ? "" : "\(value.type) \(id) = "
        out += info.mnemonic
        var operands = value.children.map(\.description)
        switch info.immediate {
        case .none: break
        case .constant: operands.append(Self.constantText(value.immediate, value.type))
        case .index: operands.append(String(value.immediate))
        case .offset: if value.immediate != 0 { operands.append("offset=\(value.immediate)") }
        case .code: operands.append("code=\(value.immediate)")
        case .phi: operands.append("^@\(value.immediate)")
        case .convention:
            if value.immediate == CallConvention.context.rawValue { operands.append("convention=context") }
            if value.immediate == CallConvention.ownContext.rawValue { operands.append("convention=own") }
            if value.immediate == CallConvention.selfCall.rawValue { operands.append("convention=self") }
        }
        if info.terminal, let block = value.block {
            let b = blocks[block.int]
            for (k, s) in b.successors.enumerated() {
                if value.opcode == .switch {
                    operands.append(k < b.switchCases.count ? "\(b.switchCases[k]): ^\(s)" : "default: ^\(s)")
                } else {
                    operands.append("^\(s)")
                }
            }
        }
        if !operands.isEmpty { out += " " + operands.joined(separator: ", ") }
        if origin && value.origin != .none { out += " !\(value.origin.offset)" }
        return out
    }

    /// Constants print as numbers: integers in signed decimal, floats as the shortest decimal
    /// that reads back to the same bits (`1.5`, `-0.0`, `inf`), NaNs with their bits.
    public static func constantText(_ bits: UInt64, _ type: IRType) -> String {
        switch type {
        case .i32: return String(Int32(truncatingIfNeeded: bits))
        case .i64: return String(Int64(bitPattern: bits))
        case .f32:
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: bits))
            if f.isNaN { return "nan:0x" + String(UInt32(truncatingIfNeeded: bits), radix: 16) }
            return f.isInfinite ? (f < 0 ? "-inf" : "inf") : f.description
        case .f64:
            let d = Double(bitPattern: bits)
            if d.isNaN { return "nan:0x" + String(bits, radix: 16) }
            return d.isInfinite ? (d < 0 ? "-inf" : "inf") : d.description
        case .void: return String(bits)
        }
    }
}
