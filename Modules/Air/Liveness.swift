/// Dense numbering of every temporary of a code (virtual ones of both banks, then machine
/// registers), for bit sets and arrays indexed by temporary.
public struct TmpIndexer {
    let gpCount: Int, fpCount: Int

    public init(_ code: Code) {
        gpCount = Int(code.tmpCount[.gp, default: 0])
        fpCount = Int(code.tmpCount[.fp, default: 0])
    }

    /// Virtual temporaries, then 16 general and 16 float registers.
    public var count: Int { gpCount + fpCount + 32 }

    public func index(_ t: Tmp) -> Int {
        switch t {
        case .virtual(.gp, let n): Int(n)
        case .virtual(.fp, let n): gpCount + Int(n)
        case .reg(let r): gpCount + fpCount + (r.bank == .gp ? 0 : 16) + Int(r.index)
        }
    }

    public func tmp(_ i: Int) -> Tmp {
        if i < gpCount { return .virtual(.gp, UInt32(i)) }
        if i < gpCount + fpCount { return .virtual(.fp, UInt32(i - gpCount)) }
        let r = i - gpCount - fpCount
        return .reg(Reg(r < 16 ? .gp : .fp, UInt8(r % 16)))
    }
}

/// A set of temporaries as bits.
public struct TmpSet: Equatable {
    var words: [UInt64]
    public init(capacity: Int) { words = Array(repeating: 0, count: (capacity + 63) / 64) }
    public func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
    public mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    public mutating func remove(_ i: Int) { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
    /// Adds `other`; returns whether anything was new.
    @discardableResult
    public mutating func formUnion(_ other: TmpSet) -> Bool {
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

    public func forEach(_ body: (Int) -> Void) {
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
public struct Liveness {
    public let indexer: TmpIndexer
    public private(set) var liveIn: [TmpSet]
    public private(set) var liveOut: [TmpSet]

    public init(_ code: Code) {
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
        // Sets only grow, so each word of live-in is updated in place: no copies.
        let words = liveIn.first?.words.count ?? 0
        var changed = true
        while changed {
            changed = false
            for b in stride(from: n - 1, through: 0, by: -1) {
                for s in code.blocks[b].successors where s != b { liveOut[b].formUnion(liveIn[s]) }
                if code.blocks[b].successors.contains(b) { liveOut[b].formUnion(liveIn[b]) }
                for k in 0..<words {
                    let word = uses[b].words[k] | (liveOut[b].words[k] & ~defs[b].words[k])
                    if word & ~liveIn[b].words[k] != 0 {
                        liveIn[b].words[k] |= word
                        changed = true
                    }
                }
            }
        }
    }
}

extension Code {
    /// Removes instructions that have no effect but defining virtual temporaries nobody reads
    /// (constants lowered for operands that became immediates, for example); instructions
    /// with a memory operand always stay. By use counts, not liveness: a temporary no
    /// instruction reads is dead at every definition, and removing an instruction that
    /// defined it may leave its own operands unread (a worklist follows those). A definition
    /// overwritten before any read, of a temporary read elsewhere, stays; lowering makes few.
    /// Returns whether anything went.
    @discardableResult
    public mutating func eliminateDeadCode() -> Bool {
        let indexer = TmpIndexer(self)
        var reads = Array(repeating: 0, count: indexer.count)
        for block in blocks {
            for inst in block.insts {
                inst.forEachTmp { t, role, _, _ in
                    if role.isUse { reads[indexer.index(t)] += 1 }
                }
            }
        }
        // An instruction can go when it has no effect, no memory operand, and defines only
        // virtual temporaries that nothing reads.
        func removable(_ inst: Inst) -> Bool {
            let info = inst.opcode.info
            if info.effects || info.terminal || info.return || info.branch { return false }
            // (An address the instruction only computes, as Lea's, touches no memory.)
            let roles = info.roles
            for (i, arg) in inst.args.enumerated() {
                if case .addr = arg, i >= roles.count || roles[i].role != .useAddress { return false }
            }
            var removable = true
            var defines = false
            inst.forEachTmp { t, role, _, _ in
                guard role.isDef else { return }
                defines = true
                if t.isReg || reads[indexer.index(t)] > (role.isUse ? 1 : 0) { removable = false }
            }
            return removable && defines
        }
        var any = false
        var changed = true
        while changed {
            changed = false
            for b in blocks.indices {
                // Back to front, so a chain of dead definitions in one block goes in one pass.
                var dead: [Bool] = []
                for k in blocks[b].insts.indices.reversed() where removable(blocks[b].insts[k]) {
                    blocks[b].insts[k].forEachTmp { t, role, _, _ in
                        if role.isUse { reads[indexer.index(t)] -= 1 }
                    }
                    if dead.isEmpty { dead = Array(repeating: false, count: blocks[b].insts.count) }
                    dead[k] = true
                }
                guard !dead.isEmpty else { continue }
                blocks[b].insts = blocks[b].insts.indices.compactMap { dead[$0] ? nil : blocks[b].insts[$0] }
                changed = true
                any = true
            }
        }
        return any
    }
}
