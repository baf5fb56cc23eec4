import Decoder
import Interpreter
import Runtime
import Testing
import TextFormat
import Validator
import WasmCore

/// Records what host functions saw (closures given to `HostFunction` are not `Sendable`-checked).
final class Recorder {
    var values: [Value] = []
    var callerInstances: [Instance?] = []
}

/// Shared set-up: a store with the interpreter installed, and small helpers over the JS-API-like
/// embedding interface. Every test gets a fresh store.
struct Engine {
    let store = Store()
    let interpreter = Interpreter()

    init() { store.executor = interpreter }

    func validate(_ wat: String) throws -> ValidatedModule {
        try ModuleValidator().validate(bytes: TextFormat.wat2wasm(wat))
    }

    func instantiate(_ wat: String, imports: Imports = Imports()) throws -> Instance {
        try store.instantiate(validate(wat), imports: imports)
    }

    /// The `LinkError` message instantiation fails with, or nil if it links.
    func linkError(_ wat: String, imports: Imports) throws -> String? {
        let m = try validate(wat)
        do {
            _ = try store.instantiate(m, imports: imports)
            return nil
        } catch let e as LinkError {
            return e.message
        }
    }

    func call(_ instance: Instance, _ name: String, _ arguments: [Value] = []) throws -> [Value] {
        try store.invoke(try #require(functionExport(instance, name)), arguments: arguments)
    }

    /// The trap a call ends in, or nil if it returns.
    func trap(_ instance: Instance, _ name: String, _ arguments: [Value] = []) throws -> Trap? {
        let f = try #require(functionExport(instance, name))
        do {
            _ = try store.invoke(f, arguments: arguments)
            return nil
        } catch let t as Trap {
            return t
        }
    }

    func host(_ parameters: [ValueType], _ results: [ValueType],
              _ body: @escaping (Caller, [Value]) throws -> [Value]) -> FunctionAddress {
        store.addHostFunction(HostFunction(type: FunctionType(parameters: parameters, results: results), body: body))
    }
}

func functionExport(_ instance: Instance, _ name: String) -> FunctionAddress? {
    if case .function(let f) = instance.export(name) { return f }
    return nil
}

func tableExport(_ instance: Instance, _ name: String) -> TableInstance? {
    if case .table(let t) = instance.export(name) { return t }
    return nil
}

func memoryExport(_ instance: Instance, _ name: String) -> MemoryInstance? {
    if case .memory(let m) = instance.export(name) { return m }
    return nil
}

func globalExport(_ instance: Instance, _ name: String) -> GlobalInstance? {
    if case .global(let g) = instance.export(name) { return g }
    return nil
}

/// A custom section in the binary format, to append to a module (custom sections may go anywhere).
func customSection(_ name: String, _ payload: [UInt8]) -> [UInt8] {
    func leb(_ v: Int) -> [UInt8] {
        var v = v, out: [UInt8] = []
        repeat {
            var b = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { b |= 0x80 }
            out.append(b)
        } while v != 0
        return out
    }
    let body = leb(name.utf8.count) + Array(name.utf8) + payload
    return [0] + leb(body.count) + body
}

// MARK: - Descriptors

@Suite struct DescriptorTests {
    let engine = Engine()

    @Test func importsExportsAndCustomSections() throws {
        let wat = """
            (module
              (import "env" "f" (func (param i32)))
              (import "env" "t" (table 1 funcref))
              (import "env" "m" (memory 1))
              (import "other" "g" (global (mut i64)))
              (func (export "run"))
              (table (export "tab") 0 externref)
              (global (export "glob") i32 (i32.const 0))
              (export "mem" (memory 0))
              (export "imported-f" (func 0)))
            """
        let bytes = try TextFormat.wat2wasm(wat)
            + customSection("hello", [1, 2, 3]) + customSection("other", [9]) + customSection("hello", [])
        let validated = try ModuleValidator().validate(bytes: bytes)
        let m = validated.module

        #expect(m.imports.map { "\($0.module) \($0.name) \($0.kind)" }
            == ["env f function", "env t table", "env m memory", "other g global"])
        #expect(m.imports[0].descriptor == .function(typeIndex: m.typeIndex(ofFunction: 0)!))
        #expect(m.functionType(ofFunction: 0) == FunctionType(parameters: [.i32], results: []))
        #expect(m.imports[1].descriptor == .table(TableType(elementType: .funcref, limits: Limits(minimum: 1))))
        #expect(m.imports[2].descriptor == .memory(MemoryType(limits: Limits(minimum: 1))))
        #expect(m.imports[3].descriptor == .global(GlobalType(valueType: .i64, isMutable: true)))

        #expect(m.exports.map { "\($0.name) \($0.kind)" }
            == ["run function", "tab table", "glob global", "mem memory", "imported-f function"])

        #expect(m.customSections(named: "hello").map { Array($0) } == [[1, 2, 3], []])
        #expect(m.customSections(named: "other").map { Array($0) } == [[9]])
        #expect(m.customSections(named: "missing").isEmpty)
        #expect(m.customSections(named: "Hello").isEmpty)
    }
}

// MARK: - Link errors

@Suite struct LinkErrorTests {
    let engine = Engine()

    /// The prefix every incompatible-import message starts with, naming the import.
    let incompatible = #"incompatible import type for "m" "f""#

    @Test func missingModule() throws {
        var imports = Imports()
        imports.define(module: "x", name: "f", .function(engine.host([], []) { _, _ in [] }))
        let message = try #require(try engine.linkError(#"(module (import "m" "f" (func)))"#, imports: imports))
        #expect(message.hasPrefix(#"unknown import "m" "f""#))
        #expect(message.contains(#"no module "m""#))
    }

    @Test func missingField() throws {
        var imports = Imports()
        imports.define(module: "m", name: "g", .function(engine.host([], []) { _, _ in [] }))
        let message = try #require(try engine.linkError(#"(module (import "m" "f" (func)))"#, imports: imports))
        #expect(message == #"unknown import "m" "f""#)
    }

    @Test func wrongKind() throws {
        var imports = Imports()
        imports.define(module: "m", name: "f", .function(engine.host([], [.i32]) { _, _ in [.i32(0)] }))
        let message = try #require(try engine.linkError(#"(module (import "m" "f" (global i32)))"#, imports: imports))
        #expect(message.hasPrefix(incompatible))
        #expect(message.contains("global") && message.contains("function"))

        var memoryForTable = Imports()
        memoryForTable.define(module: "m", name: "f", .memory(try MemoryInstance(type: MemoryType(limits: Limits(minimum: 1)))))
        let m2 = try #require(try engine.linkError(#"(module (import "m" "f" (table 1 funcref)))"#, imports: memoryForTable))
        #expect(m2.hasPrefix(incompatible))
    }

    @Test func functionSignatureMismatch() throws {
        var imports = Imports()
        imports.define(module: "m", name: "f", .function(engine.host([.i64], [.i32]) { _, _ in [.i32(0)] }))
        let message = try #require(try engine.linkError(
            #"(module (import "m" "f" (func (param i32) (result i32))))"#, imports: imports))
        #expect(message.hasPrefix(incompatible))
        #expect(message.contains("(i32) -> (i32)") && message.contains("(i64) -> (i32)"))
        // The exact signature links.
        #expect(try engine.linkError(#"(module (import "m" "f" (func (param i64) (result i32))))"#, imports: imports) == nil)
    }

    @Test func tableTooSmall() throws {
        var imports = Imports()
        imports.define(module: "m", name: "f", .table(TableInstance(type: TableType(elementType: .funcref, limits: Limits(minimum: 1)))))
        let message = try #require(try engine.linkError(#"(module (import "m" "f" (table 2 funcref)))"#, imports: imports))
        #expect(message.hasPrefix(incompatible))
        #expect(message.contains("minimum"))
        #expect(try engine.linkError(#"(module (import "m" "f" (table 1 funcref)))"#, imports: imports) == nil)
        // A table of the wrong element type does not link either.
        let wrongType = try #require(try engine.linkError(#"(module (import "m" "f" (table 1 externref)))"#, imports: imports))
        #expect(wrongType.hasPrefix(incompatible))
    }

    @Test func memoryTooSmall() throws {
        var imports = Imports()
        imports.define(module: "m", name: "f", .memory(try MemoryInstance(type: MemoryType(limits: Limits(minimum: 1)))))
        let message = try #require(try engine.linkError(#"(module (import "m" "f" (memory 2)))"#, imports: imports))
        #expect(message.hasPrefix(incompatible))
        #expect(message.contains("minimum"))
        #expect(try engine.linkError(#"(module (import "m" "f" (memory 1)))"#, imports: imports) == nil)
    }

    @Test func memoryGrownByTheHostIsLargeEnough() throws {
        // The current size counts, not the declared minimum (JS API: "current length").
        let memory = try MemoryInstance(type: MemoryType(limits: Limits(minimum: 1)))
        #expect(memory.grow(by: 1) == 1)
        var imports = Imports()
        imports.define(module: "m", name: "f", .memory(memory))
        #expect(try engine.linkError(#"(module (import "m" "f" (memory 2)))"#, imports: imports) == nil)
    }

    @Test func missingMaximum() throws {
        var imports = Imports()
        imports.define(module: "m", name: "f", .memory(try MemoryInstance(type: MemoryType(limits: Limits(minimum: 1)))))
        let message = try #require(try engine.linkError(#"(module (import "m" "f" (memory 1 2)))"#, imports: imports))
        #expect(message.hasPrefix(incompatible))
        #expect(message.contains("no maximum"))

        var tables = Imports()
        tables.define(module: "m", name: "f", .table(TableInstance(type: TableType(elementType: .funcref, limits: Limits(minimum: 1)))))
        let t = try #require(try engine.linkError(#"(module (import "m" "f" (table 1 5 funcref)))"#, imports: tables))
        #expect(t.hasPrefix(incompatible) && t.contains("no maximum"))
    }

    @Test func maximumLargerThanAllowed() throws {
        var imports = Imports()
        imports.define(module: "m", name: "f", .memory(try MemoryInstance(type: MemoryType(limits: Limits(minimum: 1, maximum: 3)))))
        let message = try #require(try engine.linkError(#"(module (import "m" "f" (memory 1 2)))"#, imports: imports))
        #expect(message.hasPrefix(incompatible))
        #expect(message.contains("maximum"))
        #expect(try engine.linkError(#"(module (import "m" "f" (memory 1 3)))"#, imports: imports) == nil)
        #expect(try engine.linkError(#"(module (import "m" "f" (memory 1 4)))"#, imports: imports) == nil)
        #expect(try engine.linkError(#"(module (import "m" "f" (memory 1)))"#, imports: imports) == nil)
    }

    @Test func globalTypeMismatch() throws {
        var imports = Imports()
        imports.define(module: "m", name: "f", .global(GlobalInstance(type: GlobalType(valueType: .i64, isMutable: false), bits: 1)))
        let message = try #require(try engine.linkError(#"(module (import "m" "f" (global i32)))"#, imports: imports))
        #expect(message.hasPrefix(incompatible))
        #expect(try engine.linkError(#"(module (import "m" "f" (global i64)))"#, imports: imports) == nil)
    }

    @Test func globalMutabilityMismatch() throws {
        var immutable = Imports()
        immutable.define(module: "m", name: "f", .global(GlobalInstance(type: GlobalType(valueType: .i32, isMutable: false), bits: 1)))
        let m1 = try #require(try engine.linkError(#"(module (import "m" "f" (global (mut i32))))"#, imports: immutable))
        #expect(m1.hasPrefix(incompatible))

        var mutable = Imports()
        mutable.define(module: "m", name: "f", .global(GlobalInstance(type: GlobalType(valueType: .i32, isMutable: true), bits: 1)))
        let m2 = try #require(try engine.linkError(#"(module (import "m" "f" (global i32)))"#, imports: mutable))
        #expect(m2.hasPrefix(incompatible))
    }

    @Test func namesAreComparedAsCodePoints() throws {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301) are different Wasm names.
        var imports = Imports()
        imports.define(module: "m", name: "\u{E9}", .function(engine.host([], []) { _, _ in [] }))
        let message = try engine.linkError("(module (import \"m\" \"e\u{301}\" (func)))", imports: imports)
        #expect(message?.hasPrefix("unknown import") == true)
        #expect(try engine.linkError("(module (import \"m\" \"\u{E9}\" (func)))", imports: imports) == nil)
    }
}

// MARK: - Re-export and identity

@Suite struct IdentityTests {
    let engine = Engine()

    @Test func reexportedImportsAreTheSameObjects() throws {
        let source = try engine.instantiate("""
            (module
              (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
              (table (export "t") 2 funcref)
              (memory (export "mem") 1)
              (global (export "g") (mut i32) (i32.const 5)))
            """)
        var imports = Imports()
        imports.define(module: "m", exportsOf: source)
        let middle = try engine.instantiate("""
            (module
              (import "m" "f" (func $f (param i32) (result i32)))
              (import "m" "t" (table 2 funcref))
              (import "m" "mem" (memory 1))
              (import "m" "g" (global (mut i32)))
              (export "f2" (func $f))
              (export "t2" (table 0))
              (export "mem2" (memory 0))
              (export "g2" (global 0)))
            """, imports: imports)

        let f = try #require(functionExport(source, "f"))
        #expect(functionExport(middle, "f2") == f)
        #expect(try #require(tableExport(middle, "t2")) === tableExport(source, "t"))
        #expect(try #require(memoryExport(middle, "mem2")) === memoryExport(source, "mem"))
        #expect(try #require(globalExport(middle, "g2")) === globalExport(source, "g"))
        #expect(try engine.call(middle, "f2", [.i32(41)]) == [.i32(42)])

        // A second hop keeps the identities.
        var again = Imports()
        again.define(module: "m", name: "f", middle.export("f2")!)
        again.define(module: "m", name: "g", middle.export("g2")!)
        let last = try engine.instantiate("""
            (module
              (import "m" "f" (func $f (param i32) (result i32)))
              (import "m" "g" (global $g (mut i32)))
              (export "f3" (func $f))
              (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 10)))))
            """, imports: again)
        #expect(functionExport(last, "f3") == f)
        _ = try engine.call(last, "bump")
        #expect(globalExport(source, "g")?.bits == 15)
    }

    @Test func reexportedHostObjectsAreTheSameObjects() throws {
        let f = engine.host([], [.i32]) { _, _ in [.i32(7)] }
        let table = TableInstance(type: TableType(elementType: .funcref, limits: Limits(minimum: 1)))
        let memory = try MemoryInstance(type: MemoryType(limits: Limits(minimum: 1)))
        let global = GlobalInstance(type: GlobalType(valueType: .f64, isMutable: false), bits: Double(1.5).bitPattern)
        var imports = Imports()
        imports.define(module: "host", name: "f", .function(f))
        imports.define(module: "host", name: "t", .table(table))
        imports.define(module: "host", name: "mem", .memory(memory))
        imports.define(module: "host", name: "g", .global(global))
        let inst = try engine.instantiate("""
            (module
              (import "host" "f" (func (result i32)))
              (import "host" "t" (table 1 funcref))
              (import "host" "mem" (memory 1))
              (import "host" "g" (global f64))
              (export "f" (func 0)) (export "t" (table 0)) (export "mem" (memory 0)) (export "g" (global 0)))
            """, imports: imports)
        #expect(functionExport(inst, "f") == f)
        #expect(tableExport(inst, "t") === table)
        #expect(memoryExport(inst, "mem") === memory)
        #expect(globalExport(inst, "g") === global)
        #expect(try engine.call(inst, "f") == [.i32(7)])
    }

    @Test func functionReferenceIdentity() throws {
        let inst = try engine.instantiate("""
            (module
              (func $f (result i32) (i32.const 1))
              (export "a" (func $f))
              (export "b" (func $f))
              (table $t 2 funcref)
              (elem declare func $f)
              (func (export "store") (table.set $t (i32.const 0) (ref.func $f)))
              (func (export "load") (param i32) (result funcref) (table.get $t (local.get 0)))
              (func (export "ref") (result funcref) (ref.func $f))
              (func (export "same") (result i32) (ref.is_null (table.get $t (i32.const 1)))))
            """)
        let a = try #require(functionExport(inst, "a"))
        #expect(functionExport(inst, "b") == a)
        #expect(try engine.call(inst, "ref") == [.funcref(a)])
        _ = try engine.call(inst, "store")
        #expect(try engine.call(inst, "load", [.i32(0)]) == [.funcref(a)])
        #expect(try engine.call(inst, "load", [.i32(1)]) == [.funcref(nil)])
        #expect(try engine.call(inst, "same") == [.i32(1)])
        #expect(try engine.trap(inst, "load", [.i32(2)])?.code == .outOfBoundsTableAccess)
        // The reference read back is callable and is the exported function.
        #expect(try engine.store.invoke(a, arguments: []) == [.i32(1)])
    }
}

// MARK: - Tables and indirect calls across instances

@Suite struct IndirectCallTests {
    let engine = Engine()

    @Test func hostFunctionInATable() throws {
        let recorder = Recorder()
        let double = engine.host([.i32], [.i32]) { caller, args in
            recorder.values += args
            recorder.callerInstances.append(caller.instance)
            guard case .i32(let x) = args[0] else { return [.i32(0)] }
            return [.i32(x &* 2)]
        }
        var imports = Imports()
        imports.define(module: "env", name: "double", .function(double))
        let inst = try engine.instantiate("""
            (module
              (import "env" "double" (func $d (param i32) (result i32)))
              (type $t (func (param i32) (result i32)))
              (type $other (func (result i32)))
              (table (export "table") 2 funcref)
              (elem (i32.const 0) $d $own)
              (func $own (param i32) (result i32) (i32.add (local.get 0) (i32.const 100)))
              (func (export "call") (param i32 i32) (result i32)
                (call_indirect (type $t) (local.get 1) (local.get 0)))
              (func (export "wrongType") (result i32)
                (call_indirect (type $other) (i32.const 0))))
            """, imports: imports)
        #expect(try engine.call(inst, "call", [.i32(0), .i32(21)]) == [.i32(42)])
        #expect(try engine.call(inst, "call", [.i32(1), .i32(1)]) == [.i32(101)])
        #expect(recorder.values == [.i32(21)])
        #expect(recorder.callerInstances.count == 1 && recorder.callerInstances[0] === inst)
        // The table slot holds the host function's own address.
        let table = try #require(tableExport(inst, "table"))
        #expect(Value(bits: table.elements[0], type: .funcref) == .funcref(double))
        #expect(try engine.trap(inst, "call", [.i32(2), .i32(1)])?.code == .undefinedElement)
        #expect(try engine.trap(inst, "wrongType")?.code == .indirectCallTypeMismatch)
    }

    @Test func wasmFunctionOfAnotherInstanceInATable() throws {
        // `peek` reads its own instance's memory, not the caller's.
        let a = try engine.instantiate("""
            (module
              (memory 1)
              (data (i32.const 0) "\\2a")
              (func (export "peek") (result i32) (i32.load8_u (i32.const 0))))
            """)
        var imports = Imports()
        imports.define(module: "a", exportsOf: a)
        let b = try engine.instantiate("""
            (module
              (import "a" "peek" (func $p (result i32)))
              (memory 1)
              (data (i32.const 0) "\\07")
              (table (export "table") 1 funcref)
              (elem (i32.const 0) $p)
              (func (export "go") (result i32)
                (i32.add (call_indirect (result i32) (i32.const 0)) (i32.load8_u (i32.const 0)))))
            """, imports: imports)
        #expect(try engine.call(b, "go") == [.i32(42 + 7)])
        let table = try #require(tableExport(b, "table"))
        #expect(Value(bits: table.elements[0], type: .funcref) == .funcref(functionExport(a, "peek")))
    }

    @Test func sharedTableFilledByAnotherInstance() throws {
        // Instance `a` owns the table; `b` writes its function into it; `a` calls it.
        let a = try engine.instantiate("""
            (module
              (table (export "t") 2 funcref)
              (func (export "callSlot") (param i32) (result i32) (call_indirect (result i32) (local.get 0))))
            """)
        var imports = Imports()
        imports.define(module: "a", exportsOf: a)
        _ = try engine.instantiate("""
            (module
              (import "a" "t" (table 2 funcref))
              (global $g i32 (i32.const 99))
              (func $f (result i32) (global.get $g))
              (elem (i32.const 1) $f))
            """, imports: imports)
        #expect(try engine.call(a, "callSlot", [.i32(1)]) == [.i32(99)])
        #expect(try engine.trap(a, "callSlot", [.i32(0)])?.code == .uninitializedElement)
    }
}

// MARK: - Instantiation: segments and start

@Suite struct InstantiationTests {
    let engine = Engine()

    func instantiationTrap(_ wat: String, imports: Imports) throws -> Trap? {
        let m = try engine.validate(wat)
        do {
            _ = try engine.store.instantiate(m, imports: imports)
            return nil
        } catch let t as Trap {
            return t
        }
    }

    @Test func dataSegmentOutOfBoundsKeepsEarlierWrites() throws {
        let memory = try MemoryInstance(type: MemoryType(limits: Limits(minimum: 1)))
        var imports = Imports()
        imports.define(module: "env", name: "mem", .memory(memory))
        let trap = try instantiationTrap("""
            (module
              (import "env" "mem" (memory 1))
              (data (i32.const 0) "abc")
              (data (i32.const 65535) "xy")
              (data (i32.const 10) "zz"))
            """, imports: imports)
        #expect(trap?.code == .outOfBoundsMemoryAccess)
        #expect(trap?.message == "out of bounds memory access")
        #expect(memory.read(at: 0, count: 3) == Array("abc".utf8))
        // Nothing of the failing segment, nor of any later one, is written.
        #expect(memory.read(at: 65535, count: 1) == [0])
        #expect(memory.read(at: 10, count: 2) == [0, 0])
    }

    @Test func dataSegmentAtTheVeryEndFits() throws {
        let memory = try MemoryInstance(type: MemoryType(limits: Limits(minimum: 1)))
        var imports = Imports()
        imports.define(module: "env", name: "mem", .memory(memory))
        _ = try engine.instantiate("""
            (module (import "env" "mem" (memory 1))
              (data (i32.const 65534) "xy")
              (data (i32.const 65536) ""))
            """, imports: imports)
        #expect(memory.read(at: 65534, count: 2) == Array("xy".utf8))
    }

    @Test func elementSegmentOutOfBoundsKeepsEarlierWrites() throws {
        let table = TableInstance(type: TableType(elementType: .funcref, limits: Limits(minimum: 2)))
        let memory = try MemoryInstance(type: MemoryType(limits: Limits(minimum: 1)))
        var imports = Imports()
        imports.define(module: "env", name: "tab", .table(table))
        imports.define(module: "env", name: "mem", .memory(memory))
        let trap = try instantiationTrap("""
            (module
              (import "env" "tab" (table 2 funcref))
              (import "env" "mem" (memory 1))
              (func $f (result i32) (i32.const 7))
              (elem (i32.const 0) $f)
              (elem (i32.const 1) $f $f)
              (data (i32.const 0) "data"))
            """, imports: imports)
        #expect(trap?.code == .outOfBoundsTableAccess)
        #expect(table.elements[0] != 0)
        #expect(table.elements[1] == 0)
        // Elements come before data: no data segment ran.
        #expect(memory.read(at: 0, count: 4) == [0, 0, 0, 0])
        // The function placed by the first segment outlives the failed instantiation.
        guard case .funcref(let f?) = Value(bits: table.elements[0], type: .funcref) else {
            Issue.record("slot 0 should hold a function")
            return
        }
        #expect(try engine.store.invoke(f, arguments: []) == [.i32(7)])
    }

    @Test func startFunctionRunsAfterSegments() throws {
        let recorder = Recorder()
        let log = engine.host([.i32], []) { _, args in
            recorder.values += args
            return []
        }
        var imports = Imports()
        imports.define(module: "env", name: "log", .function(log))
        let inst = try engine.instantiate("""
            (module
              (import "env" "log" (func $log (param i32)))
              (memory 1)
              (table 1 funcref)
              (data (i32.const 0) "\\05")
              (elem (i32.const 0) $seven)
              (func $seven (result i32) (i32.const 7))
              (func $start
                (call $log (i32.load8_u (i32.const 0)))
                (call $log (call_indirect (result i32) (i32.const 0))))
              (start $start))
            """, imports: imports)
        #expect(recorder.values == [.i32(5), .i32(7)])
        _ = inst
    }

    @Test func startFunctionTrapIsReported() throws {
        let memory = try MemoryInstance(type: MemoryType(limits: Limits(minimum: 1)))
        var imports = Imports()
        imports.define(module: "env", name: "mem", .memory(memory))
        let trap = try instantiationTrap("""
            (module
              (import "env" "mem" (memory 1))
              (data (i32.const 0) "ok")
              (func $start (i32.store8 (i32.const 2) (i32.const 33)) (unreachable))
              (start $start))
            """, imports: imports)
        #expect(trap?.code == .unreachable)
        #expect(trap?.backtrace.first?.name == "start")
        // The segments and the start function's own writes before the trap are kept.
        #expect(memory.read(at: 0, count: 3) == Array("ok!".utf8))
    }
}

// MARK: - Traps

@Suite struct TrapTests {
    let engine = Engine()

    @Test func backtraceNamesFrames() throws {
        let validated = try engine.validate("""
            (module
              (func $inner (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
              (func $outer (export "outer") (param i32) (result i32)
                (i32.add (call $inner (local.get 0)) (i32.const 1))))
            """)
        let inst = try engine.store.instantiate(validated, imports: Imports())
        #expect(try engine.call(inst, "outer", [.i32(1)]) == [.i32(2)])
        let trap = try #require(try engine.trap(inst, "outer", [.i32(0)]))
        #expect(trap.code == .integerDivideByZero)
        #expect(trap.message == "integer divide by zero")
        #expect(trap.backtrace.map(\.name) == ["inner", "outer"])
        #expect(trap.backtrace.map(\.functionIndex) == [0, 1])
        // Offsets are those of the trapping instruction and of the call, in the module's bytes.
        let bytes = validated.module.bytes
        if trap.backtrace.count == 2 {
            #expect(bytes.indices.contains(trap.backtrace[0].offset) && bytes[trap.backtrace[0].offset] == 0x6D)  // i32.div_s
            #expect(bytes.indices.contains(trap.backtrace[1].offset) && bytes[trap.backtrace[1].offset] == 0x10)  // call
        }
    }

    @Test func backtraceAcrossInstances() throws {
        let a = try engine.instantiate("""
            (module (func $boom (export "boom") (unreachable)))
            """)
        var imports = Imports()
        imports.define(module: "a", exportsOf: a)
        let b = try engine.instantiate("""
            (module (import "a" "boom" (func $imported))
              (func $caller (export "run") (call $imported)))
            """, imports: imports)
        let trap = try #require(try engine.trap(b, "run"))
        #expect(trap.code == .unreachable)
        #expect(trap.backtrace.map(\.name) == ["boom", "caller"])
        #expect(trap.backtrace.map(\.functionIndex) == [0, 1])
    }

    /// `forever` recurses without end; `count(n)` recurses n deep and returns n.
    static let recursion = """
            (module
              (func $forever (export "forever") (param i32) (result i32)
                (i32.add (call $forever (local.get 0)) (i32.const 1)))
              (func $count (export "count") (param i32) (result i32)
                (if (result i32) (i32.eqz (local.get 0))
                  (then (i32.const 0))
                  (else (i32.add (i32.const 1) (call $count (i32.sub (local.get 0) (i32.const 1))))))))
            """

    @Test func deepRecursionExhaustsTheCallStack() throws {
        engine.store.maxCallDepth = 1000
        let inst = try engine.instantiate(Self.recursion)
        let trap = try #require(try engine.trap(inst, "forever", [.i32(0)]))
        #expect(trap.code == .callStackExhausted)
        #expect(trap.message == "call stack exhausted")
        // The store is still usable, and the limit is the configured one.
        #expect(try engine.call(inst, "count", [.i32(900)]) == [.i32(900)])
        #expect(try engine.trap(inst, "count", [.i32(2000)])?.code == .callStackExhausted)
        #expect(try engine.call(inst, "count", [.i32(10)]) == [.i32(10)])
        let other = try engine.instantiate(#"(module (func (export "one") (result i32) (i32.const 1)))"#)
        #expect(try engine.call(other, "one") == [.i32(1)])
    }

    @Test func unlimitedDepthEndsAtTheValueStack() throws {
        // No depth limit: the call stack grows (from 256 records) until the value stack is
        // full, then traps; nothing is allocated up front for the limit.
        engine.store.maxCallDepth = Int.max
        let inst = try engine.instantiate(Self.recursion)
        #expect(try engine.trap(inst, "forever", [.i32(0)])?.code == .callStackExhausted)
        #expect(try engine.call(inst, "count", [.i32(50_000)]) == [.i32(50_000)])
    }

    @Test func defaultDepthAlsoEndsInATrap() throws {
        let inst = try engine.instantiate("""
            (module (func $forever (export "forever") (call $forever)))
            """)
        #expect(try engine.trap(inst, "forever")?.code == .callStackExhausted)
    }

    @Test func hostErrorsPropagate() throws {
        struct Boom: Error {}
        var imports = Imports()
        imports.define(module: "env", name: "boom", .function(engine.host([], []) { _, _ in throw Boom() }))
        let inst = try engine.instantiate("""
            (module (import "env" "boom" (func $b)) (func (export "run") (call $b)))
            """, imports: imports)
        #expect(throws: Boom.self) { try engine.call(inst, "run") }
        let other = try engine.instantiate(#"(module (func (export "one") (result i32) (i32.const 1)))"#)
        #expect(try engine.call(other, "one") == [.i32(1)])
    }
}

// MARK: - Host functions and memory

@Suite struct MemoryTests {
    let engine = Engine()

    @Test func hostFunctionWritesCallerMemory() throws {
        let recorder = Recorder()
        let fill = engine.host([.i32, .i32], []) { caller, args in
            recorder.callerInstances.append(caller.instance)
            guard let memory = caller.memory, case .i32(let at) = args[0], case .i32(let n) = args[1] else {
                throw Trap(.hostError, detail: "no memory")
            }
            memory.write((1...UInt8(n)).map { $0 }, at: Int(at))
            return []
        }
        var imports = Imports()
        imports.define(module: "env", name: "fill", .function(fill))
        let inst = try engine.instantiate("""
            (module
              (import "env" "fill" (func $fill (param i32 i32)))
              (memory (export "mem") 1)
              (func (export "run") (result i32)
                (call $fill (i32.const 16) (i32.const 4))
                (i32.load (i32.const 16))))
            """, imports: imports)
        #expect(try engine.call(inst, "run") == [.i32(0x0403_0201)])
        #expect(recorder.callerInstances.first! === inst)
        #expect(memoryExport(inst, "mem")?.read(at: 16, count: 4) == [1, 2, 3, 4])
    }

    @Test func hostFunctionGrowsCallerMemory() throws {
        let grow = engine.host([], []) { caller, _ in
            guard let memory = caller.memory else { throw Trap(.hostError, detail: "no memory") }
            _ = memory.grow(by: 1)
            memory.write([0x2A], at: 65536)
            return []
        }
        var imports = Imports()
        imports.define(module: "env", name: "grow", .function(grow))
        let inst = try engine.instantiate("""
            (module
              (import "env" "grow" (func $grow))
              (memory 1)
              (func (export "run") (result i32)
                (call $grow)
                (i32.add (i32.mul (memory.size) (i32.const 1000)) (i32.load8_u (i32.const 65536)))))
            """, imports: imports)
        #expect(try engine.call(inst, "run") == [.i32(2042)])
    }

    @Test func hostCalledDirectlyHasNoCallerInstance() throws {
        let recorder = Recorder()
        let f = engine.host([], []) { caller, _ in
            recorder.callerInstances.append(caller.instance)
            return []
        }
        #expect(try engine.store.invoke(f, arguments: []) == [])
        #expect(recorder.callerInstances.count == 1 && recorder.callerInstances[0] == nil)
    }

    @Test func memoryGrowRespectsTheMaximum() throws {
        let inst = try engine.instantiate("""
            (module
              (memory (export "mem") 1 3)
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "size") (result i32) (memory.size))
              (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
              (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
            """)
        let memory = try #require(memoryExport(inst, "mem"))
        let base = memory.base
        #expect(try engine.trap(inst, "store", [.i32(65536), .i32(1)])?.code == .outOfBoundsMemoryAccess)
        #expect(try engine.call(inst, "grow", [.i32(1)]) == [.int32(1)])
        #expect(memory.base == base)
        _ = try engine.call(inst, "store", [.i32(2 * 65536 - 4), .i32(0xDEAD_BEEF)])
        #expect(try engine.call(inst, "load", [.i32(2 * 65536 - 4)]) == [.i32(0xDEAD_BEEF)])
        #expect(try engine.call(inst, "grow", [.i32(2)]) == [.int32(-1)])
        #expect(try engine.call(inst, "grow", [.i32(1)]) == [.int32(2)])
        #expect(try engine.call(inst, "grow", [.i32(1)]) == [.int32(-1)])
        #expect(try engine.call(inst, "grow", [.i32(0)]) == [.int32(3)])
        #expect(try engine.call(inst, "grow", [.int32(-1)]) == [.int32(-1)])
        #expect(try engine.call(inst, "size") == [.i32(3)])
        #expect(memory.pageCount == 3 && memory.byteCount == 3 * 65536)
        #expect(memory.base == base)
        // Data written before growth is still there; the new pages are zero.
        #expect(try engine.call(inst, "load", [.i32(2 * 65536 - 4)]) == [.i32(0xDEAD_BEEF)])
        #expect(try engine.call(inst, "load", [.i32(3 * 65536 - 4)]) == [.i32(0)])
        #expect(try engine.trap(inst, "load", [.i32(3 * 65536 - 3)])?.code == .outOfBoundsMemoryAccess)
    }

    @Test func memoryGrowWithoutMaximumStopsAt4GiB() throws {
        let inst = try engine.instantiate("""
            (module
              (memory 0)
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
            """)
        #expect(try engine.call(inst, "grow", [.i32(65537)]) == [.int32(-1)])
        #expect(try engine.call(inst, "grow", [.i32(1)]) == [.int32(0)])
        #expect(try engine.call(inst, "grow", [.i32(65536)]) == [.int32(-1)])
    }
}

// MARK: - Numeric edge cases

@Suite struct NumericTests {
    let engine = Engine()

    func numeric() throws -> Instance {
        try engine.instantiate("""
            (module
              (func (export "f32.min") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
              (func (export "f32.max") (param f32 f32) (result f32) (f32.max (local.get 0) (local.get 1)))
              (func (export "f64.min") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
              (func (export "f64.nearest") (param f64) (result f64) (f64.nearest (local.get 0)))
              (func (export "f32.nearest") (param f32) (result f32) (f32.nearest (local.get 0)))
              (func (export "i32.trunc_f32_s") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
              (func (export "i32.trunc_sat_f32_s") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
              (func (export "i64.div_s") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
              (func (export "i32.div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
              (func (export "i32.rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
              (func (export "i64.rem_s") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
              (func (export "const_min") (result f32) (f32.min (f32.const -0) (f32.const 0))))
            """)
    }

    @Test func minOfSignedZeros() throws {
        let inst = try numeric()
        let negZero = Value.float(-0.0), posZero = Value.float(0.0)
        #expect(try engine.call(inst, "f32.min", [negZero, posZero]) == [.f32(0x8000_0000)])
        #expect(try engine.call(inst, "f32.min", [posZero, negZero]) == [.f32(0x8000_0000)])
        #expect(try engine.call(inst, "f32.max", [negZero, posZero]) == [.f32(0)])
        #expect(try engine.call(inst, "f32.max", [posZero, negZero]) == [.f32(0)])
        #expect(try engine.call(inst, "f64.min", [.double(0.0), .double(-0.0)]) == [.f64(0x8000_0000_0000_0000)])
        #expect(try engine.call(inst, "const_min") == [.f32(0x8000_0000)])
        // NaN in, NaN out.
        let r = try engine.call(inst, "f32.min", [.float(.nan), .float(1)])
        guard case .f32(let bits) = r.first else { Issue.record("no f32 result"); return }
        #expect(Float(bitPattern: bits).isNaN)
    }

    @Test func nearestRoundsHalfToEven() throws {
        let inst = try numeric()
        #expect(try engine.call(inst, "f64.nearest", [.double(2.5)]) == [.double(2.0)])
        #expect(try engine.call(inst, "f64.nearest", [.double(3.5)]) == [.double(4.0)])
        #expect(try engine.call(inst, "f64.nearest", [.double(-2.5)]) == [.double(-2.0)])
        #expect(try engine.call(inst, "f64.nearest", [.double(-0.5)]) == [.f64(0x8000_0000_0000_0000)])
        #expect(try engine.call(inst, "f32.nearest", [.float(0.5)]) == [.float(0.0)])
    }

    @Test func truncOfNaNTraps() throws {
        let inst = try numeric()
        let nan = try #require(try engine.trap(inst, "i32.trunc_f32_s", [.float(.nan)]))
        #expect(nan.code == .invalidConversionToInteger)
        #expect(nan.message == "invalid conversion to integer")
        #expect(try engine.trap(inst, "i32.trunc_f32_s", [.float(2_147_483_648.0)])?.code == .integerOverflow)
        #expect(try engine.trap(inst, "i32.trunc_f32_s", [.float(-2_147_483_904.0)])?.code == .integerOverflow)
        #expect(try engine.call(inst, "i32.trunc_f32_s", [.float(-2_147_483_648.0)]) == [.int32(Int32.min)])
        #expect(try engine.call(inst, "i32.trunc_f32_s", [.float(-1.9)]) == [.int32(-1)])
        #expect(try engine.call(inst, "i32.trunc_sat_f32_s", [.float(.nan)]) == [.i32(0)])
        #expect(try engine.call(inst, "i32.trunc_sat_f32_s", [.float(1e10)]) == [.int32(Int32.max)])
    }

    @Test func signedDivisionOverflow() throws {
        let inst = try numeric()
        let trap = try #require(try engine.trap(inst, "i64.div_s", [.int64(Int64.min), .int64(-1)]))
        #expect(trap.code == .integerOverflow)
        #expect(trap.message == "integer overflow")
        #expect(try engine.trap(inst, "i32.div_s", [.int32(Int32.min), .int32(-1)])?.code == .integerOverflow)
        #expect(try engine.trap(inst, "i64.div_s", [.int64(1), .int64(0)])?.code == .integerDivideByZero)
        #expect(try engine.call(inst, "i64.div_s", [.int64(Int64.min), .int64(1)]) == [.int64(Int64.min)])
        #expect(try engine.call(inst, "i32.div_s", [.int32(-7), .int32(2)]) == [.int32(-3)])
    }

    @Test func signedRemainderOfMinByMinusOneIsZero() throws {
        let inst = try numeric()
        #expect(try engine.call(inst, "i32.rem_s", [.int32(Int32.min), .int32(-1)]) == [.i32(0)])
        #expect(try engine.call(inst, "i64.rem_s", [.int64(Int64.min), .int64(-1)]) == [.i64(0)])
        #expect(try engine.call(inst, "i32.rem_s", [.int32(-7), .int32(2)]) == [.int32(-1)])
        #expect(try engine.trap(inst, "i32.rem_s", [.int32(1), .int32(0)])?.code == .integerDivideByZero)
    }
}

// MARK: - Re-entrancy and shared state

@Suite struct ReentrancyTests {
    let engine = Engine()

    /// Wasm `down(n)` calls the host, which calls `down(n - 1)` again through the store, until 0.
    func pingPong(recorder: Recorder) throws -> (Instance, FunctionAddress) {
        let store = engine.store
        final class Slot { var target: FunctionAddress? }
        let slot = Slot()
        let reenter = engine.host([.i32], [.i32]) { caller, args in
            recorder.callerInstances.append(caller.instance)
            guard let target = slot.target else { throw Trap(.hostError, detail: "not linked") }
            return try store.invoke(target, arguments: args)
        }
        var imports = Imports()
        imports.define(module: "env", name: "reenter", .function(reenter))
        let inst = try engine.instantiate("""
            (module
              (import "env" "reenter" (func $reenter (param i32) (result i32)))
              (func (export "down") (param i32) (result i32)
                (if (result i32) (i32.eqz (local.get 0))
                  (then (i32.const 0))
                  (else (i32.add (i32.const 1) (call $reenter (i32.sub (local.get 0) (i32.const 1))))))))
            """, imports: imports)
        let down = try #require(functionExport(inst, "down"))
        slot.target = down
        return (inst, down)
    }

    @Test func hostFunctionsCanCallBackIntoWasm() throws {
        let recorder = Recorder()
        let (inst, down) = try pingPong(recorder: recorder)
        #expect(try engine.store.invoke(down, arguments: [.i32(20)]) == [.i32(20)])
        #expect(recorder.callerInstances.count == 20)
        #expect(recorder.callerInstances.allSatisfy { $0 === inst })
    }

    @Test func callDepthCountsFramesAcrossHostReentry() throws {
        // 50 Wasm frames nested through the host are 50 nested Wasm calls: with a limit of 10 the
        // JS API (and the doc of `Store.maxCallDepth`) expects "call stack exhausted".
        engine.store.maxCallDepth = 10
        let recorder = Recorder()
        let (_, down) = try pingPong(recorder: recorder)
        // Call depth is counted across host re-entry (Store.callDepth), so this ends in a trap.
        var caught: Trap?
        do { _ = try engine.store.invoke(down, arguments: [.i32(50)]) } catch let t as Trap { caught = t }
        #expect(caught?.code == .callStackExhausted)
    }

    @Test func globalsSetByTheHostAreSeenByWasm() throws {
        let global = GlobalInstance(type: GlobalType(valueType: .i32, isMutable: true), bits: 1)
        var imports = Imports()
        imports.define(module: "env", name: "g", .global(global))
        let inst = try engine.instantiate("""
            (module
              (import "env" "g" (global $g (mut i32)))
              (func (export "get") (result i32) (global.get $g))
              (func (export "set") (param i32) (global.set $g (local.get 0))))
            """, imports: imports)
        #expect(try engine.call(inst, "get") == [.i32(1)])
        global.bits = 77
        #expect(try engine.call(inst, "get") == [.i32(77)])
        _ = try engine.call(inst, "set", [.i32(5)])
        #expect(global.bits == 5)
    }

    @Test func emptySegmentsOutOfBoundsStillTrap() throws {
        // Wasm 2.0 (bulk memory): an empty segment traps when its offset is beyond the end.
        func trap(_ wat: String) throws -> TrapCode? {
            let m = try engine.validate(wat)
            do { _ = try engine.store.instantiate(m, imports: Imports()); return nil } catch let t as Trap { return t.code }
        }
        #expect(try trap(#"(module (memory 1) (data (i32.const 65536) ""))"#) == nil)
        #expect(try trap(#"(module (memory 1) (data (i32.const 65537) ""))"#) == .outOfBoundsMemoryAccess)
        #expect(try trap("(module (table 1 funcref) (elem (i32.const 1)))") == nil)
        #expect(try trap("(module (table 1 funcref) (elem (i32.const 2)))") == .outOfBoundsTableAccess)
    }

    @Test func activeSegmentsAreDroppedAfterInstantiation() throws {
        let inst = try engine.instantiate("""
            (module
              (memory 1)
              (data (i32.const 0) "abc")
              (table 2 funcref)
              (func $f)
              (elem (i32.const 0) $f)
              (func (export "minit") (param i32) (memory.init 0 (i32.const 8) (i32.const 0) (local.get 0)))
              (func (export "tinit") (param i32) (table.init 0 (i32.const 1) (i32.const 0) (local.get 0))))
            """)
        #expect(try engine.call(inst, "minit", [.i32(0)]) == [])
        #expect(try engine.trap(inst, "minit", [.i32(1)])?.code == .outOfBoundsMemoryAccess)
        #expect(try engine.call(inst, "tinit", [.i32(0)]) == [])
        #expect(try engine.trap(inst, "tinit", [.i32(1)])?.code == .outOfBoundsTableAccess)
    }
}
