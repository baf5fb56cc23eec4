import IR

/// The optimization pipeline, top to bottom (B3's generateToAir up to lowering). Each step says
/// what holds after it. Level 0 only validates; level 1 and up run everything below.
///
/// `observe` hears the name of every pass that changed the procedure, just after it ran
/// (`wasm-tier compile --emit passes` prints the IR there).
package func optimize(_ procedure: Procedure, level: Int = 2, observe: ((String) -> Void)? = nil) {
    if validatePipeline {
        precondition(procedure.validate().isEmpty, "invalid IR given to optimize:\n\(procedure.validate())\n\(procedure)")
    }
    guard level > 0 else { return }
    @discardableResult
    func run(_ name: String, _ pass: (Procedure) -> Bool) -> Bool {
        let changed = pass(procedure)
        if changed { observe?(name) }
        return changed
    }

    // Constants folded, identities applied, canonical forms (constants on the right,
    // `add x, -c`, reduced shift amounts), constant branches turned into jumps.
    run("reduceStrength", reduceStrength)

    // No pure value is computed twice along a dominator path; no load repeats one in its block.
    if run("eliminateCommonSubexpressions", eliminateCommonSubexpressions) {
        // The merged values may enable more folding.
        run("reduceStrength", reduceStrength)
    }

    // No pure, unguarded value in a loop depends only on values from outside it.
    if run("hoistLoopInvariantValues", hoistLoopInvariantValues) {
        // Hoisted values from sibling loops may now meet in a common dominator.
        run("eliminateCommonSubexpressions", eliminateCommonSubexpressions)
    }

    // In a block, no bounds check is implied by an earlier one on the same base and limit
    // with nothing that writes or exits between them.
    run("foldBoundsChecks", foldBoundsChecks)

    // No branch with equal targets, no jump-only blocks, no jump into a single-predecessor
    // block, no unreachable blocks.
    run("simplifyCFG", simplifyCFG)

    // No block uses a constant defined in another block: each has its own copy.
    run("moveConstants", moveConstants)

    // Every remaining value is needed: no identities, nops or unused pure values.
    run("eliminateDeadCode", eliminateDeadCode)

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
