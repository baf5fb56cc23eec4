import Interpreter
import Runtime
import Testing

/// Hot-function counting for tier-up: function entries and loop iterations spend a budget; the
/// policy hears about a function once, when its budget runs out; with no policy nothing counts.
@Suite struct TierUpCountingTests {
    static let module = """
        (module
          (func $leaf (export "leaf") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
          (func $spin (export "spin") (param i32) (result i32) (local i32)
            (block (loop
              (br_if 1 (i32.eqz (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br 0)))
            (local.get 1))
          (func (export "callLeaf") (param i32) (result i32)
            (block (loop
              (br_if 1 (i32.eqz (local.get 0)))
              (drop (call $leaf (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br 0)))
            (i32.const 0)))
        """

    final class Hot { var names: [String] = [] }

    func exported(_ instance: Instance, _ name: String) throws -> FunctionAddress {
        guard case .function(let f) = instance.export(name) else { throw Trap(.hostError, detail: "no \(name)") }
        return f
    }

    @Test func loopsAndEntriesSpendTheBudgetAndReportOnce() throws {
        let engine = Engine()
        let hot = Hot()
        engine.store.tierUp = TierUpPolicy(threshold: 1000) { f in
            hot.names.append(f.instance?.functionName(f.index) ?? "?")
        }
        let instance = try engine.instantiate(Self.module)
        let spin = try exported(instance, "spin"), callLeaf = try exported(instance, "callLeaf")
        // 10 iterations and one entry: 25 of 1000.
        #expect(try engine.store.invoke(spin, arguments: [.i32(10)]) == [.i32(55)])
        #expect(hot.names.isEmpty)
        // 2000 iterations: hot, and reported once however long it keeps running.
        _ = try engine.store.invoke(spin, arguments: [.i32(2000)])
        _ = try engine.store.invoke(spin, arguments: [.i32(2000)])
        #expect(hot.names == ["spin"])
        // 100 calls of the leaf at 15 each: 1,500 of its 1000.
        _ = try engine.store.invoke(callLeaf, arguments: [.i32(100)])
        #expect(hot.names == ["spin", "leaf"])
    }

    @Test func nothingCountsWithoutAPolicy() throws {
        let engine = Engine()
        let instance = try engine.instantiate(Self.module)
        // Set after translation: code translated without a policy has no counters.
        _ = try engine.store.invoke(try exported(instance, "spin"), arguments: [.i32(5)])
        let hot = Hot()
        engine.store.tierUp = TierUpPolicy(threshold: 1) { _ in hot.names.append("hot") }
        _ = try engine.store.invoke(try exported(instance, "spin"), arguments: [.i32(5000)])
        #expect(hot.names.isEmpty)
    }
}
