import Air

/// Arguments after register allocation, as the x86-64 assembler takes them.
extension Arg {
    var gpr: GPR {
        guard case .tmp(.reg(let r)) = self, r.bank == .gp else { preconditionFailure("not a general register: \(self)") }
        return GPR(r.index)
    }

    var fpr: FPR {
        guard case .tmp(.reg(let r)) = self, r.bank == .fp else { preconditionFailure("not a float register: \(self)") }
        return FPR(r.index)
    }

    var address: Memory {
        guard case .addr(let a) = self, case .reg(let base) = a.base else { preconditionFailure("not an allocated address: \(self)") }
        var index: GPR?
        if let i = a.index {
            guard case .reg(let r) = i else { preconditionFailure("not an allocated address: \(self)") }
            index = GPR(r.index)
        }
        return Memory(GPR(base.index), a.offset, index: index, scale: a.scale)
    }
}
