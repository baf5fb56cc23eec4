import Decoder
import Foundation
import Interpreter
import Runtime
import Validator
import WasmCore

/// The state of one script run: a store with the `spectest` module, the current instance,
/// named instances and the registered import namespace.
final class ScriptState {
    let store = Store()
    let interpreter = Interpreter()
    var imports = Imports()
    var current: Instance?
    var named: [String: Instance] = [:]

    init(nativeCompiler: (any NativeCompiler)? = nil) {
        store.executor = interpreter
        store.nativeCompiler = nativeCompiler
        defineSpectest()
    }

    func defineSpectest() {
        func printer(_ params: [ValueType]) -> Extern {
            .function(store.addHostFunction(HostFunction(type: FunctionType(parameters: params, results: [])) { _, _ in [] }))
        }
        imports.define(module: "spectest", name: "print", printer([]))
        imports.define(module: "spectest", name: "print_i32", printer([.i32]))
        imports.define(module: "spectest", name: "print_i64", printer([.i64]))
        imports.define(module: "spectest", name: "print_f32", printer([.f32]))
        imports.define(module: "spectest", name: "print_f64", printer([.f64]))
        imports.define(module: "spectest", name: "print_i32_f32", printer([.i32, .f32]))
        imports.define(module: "spectest", name: "print_f64_f64", printer([.f64, .f64]))
        imports.define(module: "spectest", name: "global_i32", .global(GlobalInstance(type: GlobalType(valueType: .i32, isMutable: false), bits: 666)))
        imports.define(module: "spectest", name: "global_i64", .global(GlobalInstance(type: GlobalType(valueType: .i64, isMutable: false), bits: 666)))
        imports.define(module: "spectest", name: "global_f32", .global(GlobalInstance(type: GlobalType(valueType: .f32, isMutable: false), bits: 0x4426_A666)))
        imports.define(module: "spectest", name: "global_f64", .global(GlobalInstance(type: GlobalType(valueType: .f64, isMutable: false), bits: 0x4084_D4CC_CCCC_CCCD)))
        imports.define(module: "spectest", name: "table", .table(TableInstance(type: TableType(elementType: .funcref, limits: Limits(minimum: 10, maximum: 20)))))
        if let memory = try? MemoryInstance(type: MemoryType(limits: Limits(minimum: 1, maximum: 2))) {
            imports.define(module: "spectest", name: "memory", .memory(memory))
        }
    }

    func instantiate(_ bytes: [UInt8]) throws -> Instance {
        let validated = try ModuleValidator().validate(bytes: bytes)
        return try store.instantiate(validated, imports: imports)
    }

    func instance(_ name: String?) -> Instance? {
        if let name { return named[name] }
        return current
    }
}

/// Values in wast2json form.
enum ScriptValue {
    static func parse(_ json: [String: Any]) -> Value? {
        guard let type = json["type"] as? String else { return nil }
        let text = json["value"] as? String
        switch type {
        case "i32": return text.flatMap { UInt32($0) }.map(Value.i32)
        case "i64": return text.flatMap { UInt64($0) }.map(Value.i64)
        case "f32": return text.flatMap { UInt32($0) }.map(Value.f32)
        case "f64": return text.flatMap { UInt64($0) }.map(Value.f64)
        case "externref":
            if text == "null" { return .externref(nil) }
            return text.flatMap { UInt64($0) }.map { .externref(ExternAddress(rawValue: $0)) }
        case "funcref":
            return text == "null" ? .funcref(nil) : nil
        case "v128":
            guard let lanes = json["value"] as? [String], let laneType = json["lane_type"] as? String else { return nil }
            var bytes = [UInt8]()
            let width: Int
            switch laneType {
            case "i8": width = 1
            case "i16": width = 2
            case "i32", "f32": width = 4
            default: width = 8
            }
            for lane in lanes {
                guard let v = UInt64(lane) else { return nil }
                for k in 0..<width { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
            }
            return bytes.count == 16 ? .v128(V128(bytes: bytes)) : nil
        default: return nil
        }
    }

    /// Whether `actual` matches the expected pattern.
    static func matches(_ actual: Value, _ expected: [String: Any]) -> Bool {
        guard let type = expected["type"] as? String else { return false }
        let text = expected["value"] as? String
        switch (type, actual) {
        case ("i32", .i32(let v)): return text.flatMap { UInt32($0) } == v
        case ("i64", .i64(let v)): return text.flatMap { UInt64($0) } == v
        case ("f32", .f32(let v)):
            if text == "nan:canonical" { return v & 0x7FFF_FFFF == 0x7FC0_0000 }
            if text == "nan:arithmetic" { return v & 0x7FC0_0000 == 0x7FC0_0000 }
            return text.flatMap { UInt32($0) } == v
        case ("f64", .f64(let v)):
            if text == "nan:canonical" { return v & 0x7FFF_FFFF_FFFF_FFFF == 0x7FF8_0000_0000_0000 }
            if text == "nan:arithmetic" { return v & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000 }
            return text.flatMap { UInt64($0) } == v
        case ("externref", .externref(let e)):
            if text == nil { return e != nil }
            if text == "null" { return e == nil }
            return text.flatMap { UInt64($0) } == e?.rawValue
        case ("funcref", .funcref(let f)):
            if text == "null" { return f == nil }
            return f != nil
        case ("refnull", .funcref(let f)): return f == nil
        case ("refnull", .externref(let e)): return e == nil
        case ("v128", .v128(let v)):
            guard let lanes = expected["value"] as? [String], let laneType = expected["lane_type"] as? String else { return false }
            let bytes = v.bytes
            let width = ["i8": 1, "i16": 2, "i32": 4, "f32": 4, "i64": 8, "f64": 8][laneType] ?? 8
            for (k, lane) in lanes.enumerated() {
                var bits: UInt64 = 0
                for b in 0..<width { bits |= UInt64(bytes[k * width + b]) << (8 * UInt64(b)) }
                switch (laneType, lane) {
                case ("f32", "nan:canonical"): if bits & 0x7FFF_FFFF != 0x7FC0_0000 { return false }
                case ("f32", "nan:arithmetic"): if bits & 0x7FC0_0000 != 0x7FC0_0000 { return false }
                case ("f64", "nan:canonical"): if bits & 0x7FFF_FFFF_FFFF_FFFF != 0x7FF8_0000_0000_0000 { return false }
                case ("f64", "nan:arithmetic"): if bits & 0x7FF8_0000_0000_0000 != 0x7FF8_0000_0000_0000 { return false }
                default: if UInt64(lane) != bits { return false }
                }
            }
            return true
        default: return false
        }
    }
}
