import Foundation
import WAT
import WasmParser

/// The text format, through WasmKit's `WAT` library: `.wat` modules and `.wast` scripts become
/// binary modules, which then go through our own decoder and validator like any other input.
public enum TextFormat {
    /// The features the text parser accepts. The parser only encodes; what the engine accepts is
    /// decided by our decoder and validator.
    static let features: WasmFeatureSet = .all

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Encodes a `.wat` module (a full `(module ...)` or bare module fields) as a binary module.
    public static func wat2wasm(_ text: String) throws(ParseError) -> [UInt8] {
        do {
            return try WAT.wat2wasm(text, features: features, options: EncodeOptions(nameSection: true))
        } catch {
            throw ParseError(description: describe(error))
        }
    }

    /// "message at line L, column C" (the library's own text names a Swift debug description).
    static func describe(_ error: WatParserError) -> String {
        var text = "\(error)"
        if let location = error.location {
            let (line, column) = location.computeLineAndColumn()
            if let at = text.range(of: " at \(location)") { text.removeSubrange(at.lowerBound...) }
            text += " at line \(line), column \(column)"
        }
        return "text format: " + text
    }

    /// True when `bytes` start with the binary format's magic number.
    public static func isBinary(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0 && bytes[1] == 0x61 && bytes[2] == 0x73 && bytes[3] == 0x6D
    }

    /// Reads a module argument: binary bytes as they are, anything else as WAT text.
    public static func moduleBytes(fromFileContents contents: [UInt8]) throws(ParseError) -> [UInt8] {
        if isBinary(contents) { return contents }
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw ParseError(description: "not a WebAssembly module: neither the binary format nor UTF-8 text")
        }
        return try wat2wasm(text)
    }

    // MARK: Scripts

    /// Turns a `.wast` script into commands shaped like wast2json's JSON (`type`, `line`,
    /// `action`, `expected`, `text`, ...), so one runner executes both forms. Modules are carried
    /// as encoded bytes under `bytes` instead of a file name; a command the engine cannot be given
    /// has `error` (it fails) or `skip` (a reason to skip it).
    public static func scriptCommands(_ text: String) -> [[String: Any]] {
        guard var wast = try? parseWAST(text, features: features) else {
            return [["type": "script", "line": 0, "error": "cannot read script"]]
        }
        var out: [[String: Any]] = []
        while let (result, location) = wast.nextDirectiveResult() {
            var command: [String: Any]
            switch result {
            case .failure(let error): command = ["type": "script", "error": "text format: \(error.error)"]
            case .success(let directive): command = convert(directive)
            }
            command["line"] = location.computeLineAndColumn().line
            out.append(command)
        }
        return out
    }

    static func convert(_ directive: WASTDirective) -> [String: Any] {
        switch directive {
        case .module(let m):
            var c = module(m.source, type: "module")
            if let id = m.id { c["name"] = id }
            return c
        case .assertMalformed(let m, let message):
            var c = module(m.source, type: "assert_malformed", textIsSkipped: true)
            c["text"] = message
            return c
        case .assertInvalid(let m, let message):
            var c = module(m.source, type: "assert_invalid", textIsSkipped: true)
            c["text"] = message
            return c
        case .assertUnlinkable(let wat, let message):
            var w = wat
            do { return ["type": "assert_unlinkable", "bytes": try w.encode(), "text": message] } catch {
                return ["type": "assert_unlinkable", "error": "text format: \(error)"]
            }
        case .register(let name, let moduleID):
            var c: [String: Any] = ["type": "register", "as": name]
            if let moduleID { c["name"] = moduleID }
            return c
        case .invoke(let invoke):
            return action(.invoke(invoke), type: "action")
        case .assertReturn(let execute, let results):
            var c = action(execute, type: "assert_return")
            var expected: [[String: Any]] = []
            for r in results {
                guard let e = expectation(r) else { return ["type": "assert_return", "error": "expectation not in Wasm 2.0: \(r)"] }
                expected.append(e)
            }
            c["expected"] = expected
            return c
        case .assertTrap(let execute, let message):
            if case .wat(var wat) = execute {
                do { return ["type": "assert_uninstantiable", "bytes": try wat.encode(), "text": message] } catch {
                    return ["type": "assert_uninstantiable", "error": "text format: \(error)"]
                }
            }
            var c = action(execute, type: "assert_trap")
            c["text"] = message
            return c
        case .assertExhaustion(let call, let message):
            var c = action(.invoke(call), type: "assert_exhaustion")
            c["text"] = message
            return c
        case .moduleInstance: return ["type": "module instance", "skip": notWasm2]
        case .assertException: return ["type": "assert_exception", "skip": notWasm2]
        case .assertFuel, .assertOutOfFuel: return ["type": "assert_fuel", "skip": notWasm2]
        }
    }

    static let notWasm2 = "not a Wasm 2.0 command (exceptions, module definitions, fuel)"

    static func module(_ source: ModuleSource, type: String, textIsSkipped: Bool = false) -> [String: Any] {
        switch source {
        case .binary(let bytes): return ["type": type, "bytes": bytes]
        case .quote(let bytes):
            if textIsSkipped { return ["type": type, "module_type": "text"] }
            if let encoded = try? wat2wasm(String(decoding: bytes, as: UTF8.self)) { return ["type": type, "bytes": encoded] }
            return ["type": type, "error": "text format: cannot parse quoted module"]
        case .text(var wat):
            do { return ["type": type, "bytes": try wat.encode(options: EncodeOptions(nameSection: true))] } catch {
                if textIsSkipped {
                    return ["type": type, "module_type": "text",
                            "skip": "the text-format library refused to encode the module, so it never reached this engine"]
                }
                return ["type": type, "error": "text format: \(error)"]
            }
        }
    }

    static func action(_ execute: WASTExecute, type: String) -> [String: Any] {
        switch execute {
        case .invoke(let invoke):
            var args: [[String: Any]] = []
            for a in invoke.args {
                guard let v = argument(a) else { return ["type": type, "error": "argument not in Wasm 2.0: \(a)"] }
                args.append(v)
            }
            var act: [String: Any] = ["type": "invoke", "field": invoke.name, "args": args]
            if let m = invoke.module { act["module"] = m }
            return ["type": type, "action": act]
        case .get(let module, let name):
            var act: [String: Any] = ["type": "get", "field": name]
            if let module { act["module"] = module }
            return ["type": type, "action": act]
        case .wat:
            return ["type": type, "error": "a module where an action was expected"]
        }
    }

    static func lanes(_ bytes: [UInt8]) -> [String] { bytes.map { String($0) } }

    static func argument(_ value: WASTConstValue) -> [String: Any]? {
        switch value {
        case .i32(let v): ["type": "i32", "value": String(v)]
        case .i64(let v): ["type": "i64", "value": String(v)]
        case .f32(let v): ["type": "f32", "value": String(v)]
        case .f64(let v): ["type": "f64", "value": String(v)]
        case .v128(let v): ["type": "v128", "lane_type": "i8", "value": lanes(v.bytes)]
        case .refNull(let heap): ["type": heap == .externRef ? "externref" : "funcref", "value": "null"]
        case .refExtern(let v): ["type": "externref", "value": String(v)]
        case .refFunc, .refHost: nil
        }
    }

    static func expectation(_ value: WASTExpectValue) -> [String: Any]? {
        switch value {
        case .i32(let v): ["type": "i32", "value": String(v)]
        case .i64(let v): ["type": "i64", "value": String(v)]
        case .f32(let v): ["type": "f32", "value": String(v)]
        case .f64(let v): ["type": "f64", "value": String(v)]
        case .f32CanonicalNaN: ["type": "f32", "value": "nan:canonical"]
        case .f32ArithmeticNaN: ["type": "f32", "value": "nan:arithmetic"]
        case .f64CanonicalNaN: ["type": "f64", "value": "nan:canonical"]
        case .f64ArithmeticNaN: ["type": "f64", "value": "nan:arithmetic"]
        case .v128(let v): ["type": "v128", "lane_type": "i8", "value": lanes(v.bytes)]
        case .v128Pattern(let p):
            // Float lanes: NaN lanes (the library does not say canonical or arithmetic) are
            // checked as arithmetic NaNs, which canonical ones also are.
            switch p.shape {
            case .f32x4?:
                ["type": "v128", "lane_type": "f32", "value": (0..<4).map { k -> String in
                    if p.nanLaneMask & (1 << k) != 0 { return "nan:arithmetic" }
                    return String((0..<4).reduce(UInt32(0)) { $0 | UInt32(p.bytes[k * 4 + $1]) << (8 * UInt32($1)) })
                }]
            case .f64x2?:
                ["type": "v128", "lane_type": "f64", "value": (0..<2).map { k -> String in
                    if p.nanLaneMask & (1 << k) != 0 { return "nan:arithmetic" }
                    return String((0..<8).reduce(UInt64(0)) { $0 | UInt64(p.bytes[k * 8 + $1]) << (8 * UInt64($1)) })
                }]
            case nil: ["type": "v128", "lane_type": "i8", "value": lanes(p.bytes)]
            }
        case .refNull: ["type": "refnull"]
        case .refFunc: ["type": "funcref"]
        case .refExtern(let v): v.map { ["type": "externref", "value": String($0)] } ?? ["type": "externref"]
        case .refI31, .refStruct, .refArray, .refEq, .refHost, .either: nil
        }
    }
}
