/// Air's text form, as B3 prints it: `bb0:` then one instruction a line, `Opcode arg, arg`.
/// Temporaries print as `%tmpN` (general) and `%ftmpN` (float), registers by the target's
/// names, addresses as `offset(base,index,scale)`, immediates as `$N`.
extension Code {
    public func printed(_ registers: any TargetRegisters.Type) -> String {
        var out = ""
        for (b, block) in blocks.enumerated() {
            out += "bb\(b):\n"
            for inst in block.insts {
                out += "    " + inst.printed(registers)
                if inst.opcode.info.branch || inst.opcode.info.terminal, !block.successors.isEmpty {
                    out += (inst.args.isEmpty ? " " : ", ") + block.successors.map { "^bb\($0)" }.joined(separator: ", ")
                }
                out += "\n"
            }
        }
        return out
    }
}

extension Inst {
    public func printed(_ registers: any TargetRegisters.Type) -> String {
        let name = opcode.info.name
        if opcode == .call {
            let uses = args[1..<(1 + callUses)].map { $0.printed(registers) }.joined(separator: ", ")
            return "\(name) \(args[0].printed(registers)), uses [\(uses)], clobbers \(args.count - 1 - callUses)"
        }
        if opcode == .callSelf {
            let uses = args[0..<callUses].map { $0.printed(registers) }.joined(separator: ", ")
            return "\(name) uses [\(uses)], clobbers \(args.count - callUses)"
        }
        return args.isEmpty ? name : name + " " + args.map { $0.printed(registers) }.joined(separator: ", ")
    }
}

extension Tmp {
    public func printed(_ registers: any TargetRegisters.Type) -> String {
        switch self {
        case .virtual(.gp, let n): "%tmp\(n)"
        case .virtual(.fp, let n): "%ftmp\(n)"
        case .reg(let r): "%" + registers.name(of: r)
        }
    }
}

extension Arg {
    public func printed(_ registers: any TargetRegisters.Type) -> String {
        switch self {
        case .tmp(let t): return t.printed(registers)
        case .imm(let v): return "$\(v)"
        case .bigImm(let v): return "$\(v)"
        case .addr(let a):
            var s = a.offset == 0 ? "" : "\(a.offset)"
            s += "(" + a.base.printed(registers)
            if let index = a.index { s += "," + index.printed(registers) + ",\(a.scale)" }
            return s + ")"
        case .relCond(let c): return c.name
        case .resCond(let c): return c.name
        case .doubleCond(let c): return c.name
        }
    }
}
