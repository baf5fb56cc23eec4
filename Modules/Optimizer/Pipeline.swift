import IR

/// The optimization pipeline, top to bottom (B3's generateToAir up to lowering). Each step says
/// what holds after it. Level 0 only validates; level 1 and up run everything below.
///
package func optimize(_ procedure: Procedure, level: Int = 2) {
    if validatePipeline {
        precondition(procedure.validate().isEmpty, "invalid IR given to optimize:\n\(procedure.validate())\n\(procedure)")
    }
    guard level > 0 else { return }

    // Constants folded, identities applied, canonical forms (constants on the right,
    // `add x, -c`, reduced shift amounts), constant branches turned into jumps.
    reduceStrength(procedure)

    // No pure value is computed twice along a dominator path; no load repeats one in its block.
    if eliminateCommonSubexpressions(procedure) {
        // The merged values may enable more folding.
        reduceStrength(procedure)
    }

    // No pure, unguarded value in a loop depends only on values from outside it.
    if hoistLoopInvariantValues(procedure) {
        // Hoisted values from sibling loops may now meet in a common dominator.
        eliminateCommonSubexpressions(procedure)
    }

    // In a block, no bounds check is implied by an earlier one on the same base and limit
    // with nothing that writes or exits between them.
    foldBoundsChecks(procedure)

    // No branch with equal targets, no jump-only blocks, no jump into a single-predecessor
    // block, no unreachable blocks.
    simplifyCFG(procedure)

    // No block uses a constant defined in another block: each has its own copy.
    moveConstants(procedure)

    // Every remaining value is needed: no identities, nops or unused pure values.
    eliminateDeadCode(procedure)

    if validatePipeline {
        precondition(procedure.validate().isEmpty, "optimize produced invalid IR:\n\(procedure.validate())\n\(procedure)")
    }
}

/// Runs a pass by its phase name, for file tests (`test pass NAME`) and for tools.
/// Returns nil for an unknown name.
package func runPass(named name: String, on procedure: Procedure) -> Bool? {
    switch name {
    case "reduceStrength": reduceStrength(procedure)
    case "eliminateCommonSubexpressions": eliminateCommonSubexpressions(procedure)
    case "simplifyCFG": simplifyCFG(procedure)
    case "eliminateDeadCode": eliminateDeadCode(procedure)
    case "hoistLoopInvariantValues": hoistLoopInvariantValues(procedure)
    case "foldBoundsChecks": foldBoundsChecks(procedure)
    case "moveConstants": moveConstants(procedure)
    default: nil
    }
}
