import IR

/// Runs one phase (B3's PhaseScope): with validation on, a phase that breaks the IR stops the
/// process with the IR from before the phase and the errors, because broken IR is a compiler
/// bug, never a user error.
@discardableResult
func phase(_ name: String, _ procedure: Procedure, _ body: () -> Bool) -> Bool {
    guard validateEachPhase else { return body() }
    let before = procedure.printed()
    let changed = body()
    let errors = procedure.validate()
    if !errors.isEmpty {
        preconditionFailure(
            "IR invalid after \(name):\n" + errors.map(\.description).joined(separator: "\n") + "\nIR before \(name):\n" + before)
    }
    return changed
}

