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

    /// A module in a `.wast` script, as far as a binary-format engine needs it.
    public enum ScriptModule {
        case binary([UInt8])
        /// Text that failed to parse or encode, with the parser's message.
        case textError(String)
        /// `(module quote ...)`: text the test means to feed to a text parser.
        case quote(String)
    }

    public enum ScriptCommand {
        case module(ScriptModule, name: String?)
        case assertMalformed(ScriptModule, message: String)
        case assertInvalid(ScriptModule, message: String)
        case assertUnlinkable(ScriptModule, message: String)
        /// Commands that need execution; named by kind.
        case execution(kind: String)
        case parseError(String)
    }

    /// Parses a `.wast` script into commands with their 1-based line numbers.
    public static func parseScript(_ text: String) -> [(line: Int, command: ScriptCommand)] {
        var out: [(Int, ScriptCommand)] = []
        guard var wast = try? parseWAST(text, features: features) else { return [(0, .parseError("cannot read script"))] }
        while let (result, location) = wast.nextDirectiveResult() {
            let line = location.computeLineAndColumn().line
            switch result {
            case .failure(let error):
                out.append((line, .parseError("\(error.error)")))
            case .success(let directive):
                out.append((line, convert(directive)))
            }
        }
        return out
    }

    static func convert(_ directive: WASTDirective) -> ScriptCommand {
        switch directive {
        case .module(let m): return .module(encode(m.source), name: m.id)
        case .assertMalformed(let m, let message): return .assertMalformed(encode(m.source), message: message)
        case .assertInvalid(let m, let message): return .assertInvalid(encode(m.source), message: message)
        case .assertUnlinkable(let wat, let message):
            var w = wat
            do { return .assertUnlinkable(.binary(try w.encode()), message: message) } catch {
                return .assertUnlinkable(.textError("\(error)"), message: message)
            }
        case .moduleInstance: return .execution(kind: "module instance")
        case .assertReturn: return .execution(kind: "assert_return")
        case .assertTrap(let execute, _):
            if case .wat = execute { return .execution(kind: "assert_uninstantiable") }
            return .execution(kind: "assert_trap")
        case .assertExhaustion: return .execution(kind: "assert_exhaustion")
        case .assertException: return .execution(kind: "assert_exception")
        case .assertFuel, .assertOutOfFuel: return .execution(kind: "assert_fuel")
        case .register: return .execution(kind: "register")
        case .invoke: return .execution(kind: "action")
        }
    }

    static func encode(_ source: ModuleSource) -> ScriptModule {
        switch source {
        case .binary(let bytes): return .binary(bytes)
        case .quote(let bytes): return .quote(String(decoding: bytes, as: UTF8.self))
        case .text(var wat):
            do { return .binary(try wat.encode(options: EncodeOptions(nameSection: true))) } catch {
                return .textError("\(error)")
            }
        }
    }
}
