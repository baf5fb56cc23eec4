#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether every phase validates the procedure after it runs: on when the environment sets
/// `WASM_TIER_VALIDATE_EACH_PHASE=1` (the file tests validate after each pass themselves).
public let validateEachPhase: Bool = {
    guard let p = getenv("WASM_TIER_VALIDATE_EACH_PHASE") else { return false }
    return String(cString: p) == "1"
}()

/// Whether IRGen's output and the pipeline's entry and exit are validated: in debug builds
/// (every test run) and when each phase is; release builds trust what the tests established.
public let validatePipeline: Bool = {
    var debug = false
    assert({ debug = true; return true }())
    return debug || validateEachPhase
}()

/// One broken rule found by `validate`: the entity (`@12`, `bb3`, `proc`), the message, and
/// the offending line as printed.
public struct VerifierError: CustomStringConvertible, Sendable {
    public var entity: String
    public var message: String
    public var context: String
    public var description: String { "\(entity): \(message)" + (context.isEmpty ? "" : " (in '\(context)')") }
}

extension Procedure {
    /// Checks the invariants every pass may rely on and every pass must keep:
    ///
    /// - Blocks: the entry (bb0) is live and has no predecessors; every live block ends in
    ///   exactly one terminal, and nothing after it; the terminal's successors are live blocks,
    ///   as many as its opcode takes (a switch: one per case value, plus the default), with
    ///   distinct case values.
    /// - Ownership: each live value is listed in exactly the block its `block` names.
    /// - Children: live, non-void values, as many as the opcode takes, of the types the opcode
    ///   table gives (type variables bound consistently, within their classes), defined before
    ///   their use in the same block or in a dominating block (checked in reachable blocks).
    /// - Results: the type matches the table; constants' unused high bits are zero.
    /// - By hand: `arg` names a parameter of its type; a `bitcast` keeps the width and changes
    ///   the class; phis come first in their block; an upsilon feeds a live phi of its child's
    ///   type; `return` matches the procedure's result types.
    ///
    /// Broken IR is a compiler bug: the pipeline stops on it. Verifier file tests state the
    /// expected errors on the offending lines.
    public func validate() -> [VerifierError] {
        var errors: [VerifierError] = []
        func fail(_ v: ValueID, _ message: String) {
            errors.append(VerifierError(entity: v.description, message: message, context: printed(v)))
        }
        func fail(_ b: BlockID, _ message: String) {
            errors.append(VerifierError(entity: b.description, message: message, context: ""))
        }
        guard !blocks.isEmpty, !blocks[0].isDeleted else {
            return [VerifierError(entity: "proc", message: "no entry block", context: "")]
        }
        // Successors first: the CFG analyses below assume they name live blocks.
        var brokenEdges = false
        for b in liveBlocks {
            for s in blocks[b.int].successors where s.int >= blocks.count || blocks[s.int].isDeleted {
                let last = blocks[b.int].values.last
                if let last, last.int < values.count {
                    fail(last, "branches to \(s), which is not a live block")
                } else {
                    fail(b, "branches to \(s), which is not a live block")
                }
                brokenEdges = true
            }
        }
        if brokenEdges { return errors }
        let preds = predecessors()
        if !preds[0].isEmpty { fail(entry, "the entry block has predecessors") }
        let dominators = Dominators(self)
        // Position of each value in its block, for "defined before use".
        var positionInBlock = Array(repeating: -1, count: values.count)
        var listed = Array(repeating: 0, count: values.count)
        for b in liveBlocks {
            for (i, v) in blocks[b.int].values.enumerated() {
                guard v.int < values.count else {
                    fail(b, "lists \(v), which does not exist")
                    continue
                }
                listed[v.int] += 1
                positionInBlock[v.int] = i
                if values[v.int].block != b { fail(v, "is listed in \(b) but owned by \(values[v.int].block?.description ?? "no block")") }
            }
        }
        for (i, value) in values.enumerated() where value.block != nil {
            if listed[i] != 1 { fail(ValueID(i), listed[i] == 0 ? "is owned by a block that does not list it" : "is listed \(listed[i]) times") }
        }

        for b in liveBlocks {
            let block = blocks[b.int]
            guard let last = block.values.last, values[last.int].info.terminal else {
                fail(b, "does not end in a terminal")
                continue
            }
            let expected = values[last.int].info.successors
            if expected >= 0 && block.successors.count != expected {
                fail(last, "has \(block.successors.count) successors, expected \(expected)")
            }
            if values[last.int].opcode == .switch {
                if block.successors.count != block.switchCases.count + 1 {
                    fail(last, "needs one successor per case and a default")
                }
                if Set(block.switchCases).count != block.switchCases.count { fail(last, "has duplicate case values") }
            } else if !block.switchCases.isEmpty {
                fail(last, "has case values but is not a switch")
            }
            var seenOther = false
            for (i, v) in block.values.enumerated() where v.int < values.count {
                let value = values[v.int]
                if value.info.terminal && i != block.values.count - 1 { fail(v, "is a terminal in the middle of \(b)") }
                if value.opcode == .phi {
                    if seenOther { fail(v, "is a phi after other values") }
                } else {
                    seenOther = true
                }
                checkChildren(v, in: b, dominators: dominators, position: positionInBlock, fail: fail)
                checkTypes(v, fail: fail)
            }
        }
        return errors
    }

    private func checkChildren(
        _ v: ValueID, in b: BlockID, dominators: Dominators, position: [Int], fail: (ValueID, String) -> Void
    ) {
        let value = values[v.int]
        for child in value.children {
            guard child.int < values.count, let childBlock = values[child.int].block else {
                fail(v, "uses \(child), which is not a live value")
                continue
            }
            if values[child.int].type == .void { fail(v, "uses \(child), which produces no value") }
            guard dominators.isReachable(b) else { continue }
            if childBlock == b {
                if position[child.int] >= position[v.int] { fail(v, "uses \(child) before its definition") }
            } else if !dominators.dominates(childBlock, b) {
                fail(v, "uses \(child), whose block \(childBlock) does not dominate \(b)")
            }
        }
    }

    private func checkTypes(_ v: ValueID, fail: (ValueID, String) -> Void) {
        let value = values[v.int]
        let info = value.info
        let count = value.children.count
        if count < info.children.count || (!info.variadic && count > info.children.count) {
            fail(v, "has \(count) children, expected \(info.children.count)\(info.variadic ? " or more" : "")")
            return
        }
        var bound: [TypeVariable: IRType] = [:]
        func match(_ pattern: TypePattern, _ type: IRType, _ what: String) {
            switch pattern {
            case .fixed(let t):
                if t != type { fail(v, "\(what) is \(type), expected \(t)") }
            case .variable(let variable):
                if let t = bound[variable] {
                    if t != type { fail(v, "\(what) is \(type), expected \(t)") }
                } else if variable.admits(type) {
                    bound[variable] = type
                } else {
                    fail(v, "\(what) is \(type), expected \(variable == .I ? "an integer" : variable == .F ? "a float" : "a value")")
                }
            }
        }
        switch info.result {
        case .void: if value.type != .void { fail(v, "produces no value but is typed \(value.type)") }
        case .value(let pattern): match(pattern, value.type, "the result")
        case .anyOrVoid: break
        }
        for (i, pattern) in info.children.enumerated() where values[value.children[i].int].type != .void {
            match(pattern, values[value.children[i].int].type, "child \(i)")
        }

        switch value.opcode {
        case .const:
            if value.type.bitWidth == 32 && value.immediate >> 32 != 0 { fail(v, "has bits beyond its 32-bit type") }
        case .arg:
            if value.immediate >= UInt64(parameterTypes.count) {
                fail(v, "names argument \(value.immediate) of \(parameterTypes.count)")
            } else if parameterTypes[Int(value.immediate)] != value.type {
                fail(v, "is \(value.type) but argument \(value.immediate) is \(parameterTypes[Int(value.immediate)])")
            }
        case .bitcast:
            let from = values[value.children[0].int].type
            if from.bitWidth != value.type.bitWidth || from.isFloat == value.type.isFloat {
                fail(v, "casts \(from) to \(value.type): a bitcast keeps the width and changes the class")
            }
        case .upsilon:
            let phi = ValueID(Int(value.immediate))
            if phi.int >= values.count || values[phi.int].block == nil || values[phi.int].opcode != .phi {
                fail(v, "feeds \(phi), which is not a live phi")
            } else if values[phi.int].type != values[value.children[0].int].type {
                fail(v, "feeds a \(values[phi.int].type) phi with \(values[value.children[0].int].type)")
            }
        case .call:
            if CallConvention(rawValue: value.immediate) == nil { fail(v, "has an unknown calling convention") }
            if CallConvention(rawValue: value.immediate) == .selfCall && value.children.isEmpty {
                fail(v, "calls itself without a context")
            }
            if CallConvention(rawValue: value.immediate)?.passesContext == true && value.children.count < 3 {
                fail(v, "a context call needs the callee, a context and an entry")
            }
        case .return:
            let types = value.children.map { values[$0.int].type }
            if types != resultTypes {
                fail(v, "returns (\(types.map(\.description).joined(separator: ", "))), the procedure returns (\(resultTypes.map(\.description).joined(separator: ", ")))")
            }
        default:
            break
        }
    }
}
