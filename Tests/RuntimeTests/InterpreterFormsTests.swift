@testable import Interpreter
import Testing
import TextFormat
import Validator
import WasmCore

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

    /// The translator converts a Wasm opcode to an operation by raw value.
    @Test func everyOpcodeIsTheOperationOfTheSameNumber() {
        for opcode in WasmCore.Opcode.allCases {
            #expect(Op(rawValue: opcode.rawValue).map { String(describing: $0) } == String(describing: opcode), "\(opcode)")
        }
    }

    @Test func immediateFormsKeepTheLayout() {
        for (base, imm) in immediateForms {
            let a = OpLayout.all[Int(base.rawValue)], b = OpLayout.all[Int(imm.rawValue)]
            #expect(a.length == b.length && a.b == b.b && a.c == b.c && a.imm == b.imm && b.cIsConstant && !a.cIsConstant, "\(base)")
        }
    }

    /// What the translator makes of typical compiled-C code: array indexing, a loop counter,
    /// a loaded f64 operand, constants as immediates with no constant slots, and only the local
    /// read before it is written zeroed on entry.
    @Test func translationPicksTheFusedForms() throws {
        let module = try ModuleValidator().validate(bytes: TextFormat.wat2wasm("""
            (module (memory 1)
              (func (param $a i32) (param $n i32) (result f64) (local $i i32) (local $s f64) (local $t i32)
                (local.set $i (i32.const 0))
                (loop $l
                  (local.set $s (f64.add (local.get $s)
                    (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3))))))
                  (local.set $t (i32.load8_u offset=2 (i32.add (local.get $a) (local.get $i))))
                  (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
                (f64.sub (local.get $s) (f64.load offset=8 (local.get $t)))))
            """))
        let listing = try Interpreter.listing(module, definedIndex: 0)
        for form in ["i32AddShl", "f64AddLoad", "i32Load8UAdd ", "branchI32LtUAddImm", "f64SubLoad", "const32"] {
            #expect(listing.contains(form), "no \(form) in\n\(listing)")
        }
        // Parameters in slots 0 and 1; $s (read before written) is the one zeroed local.
        #expect(listing.contains("parameters 0..<2, zeroed ..<3, locals ..<5"), "\(listing)")
        #expect(!listing.contains(";;   s"), "no constant should need a slot:\n\(listing)")
    }
}
