@testable import Interpreter
import Testing

/// The generated internal forms (accumulator, immediate and fused operations) exist only to run
/// in the C loop: a form it has no handler for would fall back to the Swift half, which does not
/// know it. Checked against the C loop's own table.
@Suite struct InterpreterFormsTests {
    static func generatedForms() -> [Op] {
        var forms: [Op] = []
        for (base, f) in AccumulatorForms.all {
            forms.append(base)
            forms += [f.acc, f.toAcc, f.accToAcc].compactMap { $0 }
        }
        forms += immediateForms.values
        for (_, f) in addressAddLoads { forms += [f.add, f.addImm, f.addShl] }
        for (_, f) in incrementBranches { forms += [f.slot, f.constant] }
        forms += loadOperandForms.values
        forms += [.i32AddShl, .const32, .const64]
        return forms
    }

    @Test func everyGeneratedFormRunsInC() {
        let missing = InterpreterFormsTests.generatedForms().filter { !Machine.runsInC[Int($0.rawValue)] }
        #expect(missing.isEmpty, "no C handler: \(missing)")
    }

    @Test func immediateFormsKeepTheLayout() {
        for (base, imm) in immediateForms {
            let a = OpLayout.all[Int(base.rawValue)], b = OpLayout.all[Int(imm.rawValue)]
            #expect(a.length == b.length && a.b == b.b && a.c == b.c && a.imm == b.imm && b.cIsConstant && !a.cIsConstant, "\(base)")
        }
    }
}
