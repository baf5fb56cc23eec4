/// Dense numbering of every temporary of a code (virtual ones of both banks, then machine
/// registers), for bit sets and arrays indexed by temporary.
package struct TmpIndexer {
    let gpCount: Int, fpCount: Int

    package init(_ code: Code) {
        gpCount = Int(code.tmpCount[.gp, default: 0])
        fpCount = Int(code.tmpCount[.fp, default: 0])
    }

    /// Virtual temporaries, then 16 general and 16 float registers.
    package var count: Int { gpCount + fpCount + 32 }

    package func index(_ t: Tmp) -> Int {
        switch t {
        case .virtual(.gp, let n): Int(n)
        case .virtual(.fp, let n): gpCount + Int(n)
        case .reg(let r): gpCount + fpCount + (r.bank == .gp ? 0 : 16) + Int(r.index)
        }
    }

    package func tmp(_ i: Int) -> Tmp {
        if i < gpCount { return .virtual(.gp, UInt32(i)) }
        if i < gpCount + fpCount { return .virtual(.fp, UInt32(i - gpCount)) }
        let r = i - gpCount - fpCount
        return .reg(Reg(r < 16 ? .gp : .fp, UInt8(r % 16)))
    }
}

/// A set of temporaries as bits.
package struct TmpSet: Equatable {
    var words: [UInt64]
    package init(capacity: Int) { words = Array(repeating: 0, count: (capacity + 63) / 64) }
    package func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
    package mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    package mutating func remove(_ i: Int) { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
    /// Adds `other`; returns whether anything was new.
    @discardableResult
    package mutating func formUnion(_ other: TmpSet) -> Bool {
        var changed = false
        for k in words.indices {
            let merged = words[k] | other.words[k]
            if merged != words[k] {
                words[k] = merged
                changed = true
            }
        }
        return changed
    }

    package func forEach(_ body: (Int) -> Void) {
        for (k, word) in words.enumerated() {
            var w = word
            while w != 0 {
                body(k * 64 + w.trailingZeroBitCount)
                w &= w - 1
            }
        }
    }
}

/// Which temporaries are live into and out of each block: the usual backward dataflow,
/// iterated to a fixpoint so loops are exact. An instruction's uses are read before its
/// definitions are written (a use-def argument is both).
package struct Liveness {
    package let indexer: TmpIndexer
    package private(set) var liveIn: [TmpSet]
    package private(set) var liveOut: [TmpSet]

    package init(_ code: Code) {
        let indexer = TmpIndexer(code)
        self.indexer = indexer
        let n = code.blocks.count
        var uses = Array(repeating: TmpSet(capacity: indexer.count), count: n)
        var defs = uses
        for (b, block) in code.blocks.enumerated() {
            for inst in block.insts {
                inst.forEachTmp { t, role, _, _ in
                    let i = indexer.index(t)
                    if role.isUse, !defs[b].contains(i) { uses[b].insert(i) }
                }
                inst.forEachTmp { t, role, _, _ in
                    if role.isDef { defs[b].insert(indexer.index(t)) }
                }
            }
        }
        liveIn = uses
        liveOut = Array(repeating: TmpSet(capacity: indexer.count), count: n)
        var changed = true
        while changed {
            changed = false
            for b in stride(from: n - 1, through: 0, by: -1) {
                for s in code.blocks[b].successors { liveOut[b].formUnion(liveIn[s]) }
                var newIn = liveOut[b]
                for (k, word) in defs[b].words.enumerated() { newIn.words[k] &= ~word }
                newIn.formUnion(uses[b])
                if newIn != liveIn[b] {
                    liveIn[b] = newIn
                    changed = true
                }
            }
        }
    }
}

extension Code {
    /// Removes instructions that have no effect but defining virtual temporaries nobody reads
    /// (constants lowered for operands that became immediates, for example); instructions
    /// with a memory operand always stay. Returns whether
    /// anything went.
    @discardableResult
    package mutating func eliminateDeadCode() -> Bool {
        var any = false
        while true {
            let liveness = Liveness(self)
            var changed = false
            for b in blocks.indices {
                var live = liveness.liveOut[b]
                var keep: [Inst] = []
                for inst in blocks[b].insts.reversed() {
                    let info = inst.opcode.info
                    var needed = info.effects || info.terminal || info.return || info.branch
                    inst.forEachTmp { t, role, _, _ in
                        if role.isDef && (t.isReg || live.contains(liveness.indexer.index(t))) { needed = true }
                    }
                    // Memory operands stay: a store is an effect, and a load may fault, which
                    // with guard-page bounds checks is the program's trap.
                    for arg in inst.args {
                        if case .addr = arg { needed = true }
                    }
                    if !needed {
                        changed = true
                        continue
                    }
                    inst.forEachTmp { t, role, _, _ in
                        if role.isDef && !role.isUse { live.remove(liveness.indexer.index(t)) }
                    }
                    inst.forEachTmp { t, role, _, _ in
                        if role.isUse { live.insert(liveness.indexer.index(t)) }
                    }
                    keep.append(inst)
                }
                blocks[b].insts = keep.reversed()
            }
            if !changed { return any }
            any = true
        }
    }
}
