import Decoder
import Foundation
import Runtime
import TextFormat
import Validator
import WasmCore

/// Runs spec test scripts: wast2json `.json` command lists (with their `.wasm` files) and `.wast`
/// files (through the text-format library). Every command is counted once as passed, failed or
/// skipped, as the reference runner behind `shared/spectest/BASELINE.md` does.
///
/// Both forms run every command kind on the interpreter, with the standard `spectest` host
/// module; a `.wast` script's directives are turned into the JSON form's commands first
/// (`TextFormat.scriptCommands`).
public struct SpecRunner {
    public init() {}

    /// The optimizing tier to compile functions with (`--tier opt`); nil runs everything in
    /// the interpreter. Each script gets a fresh store that uses it.
    package var nativeCompiler: (any NativeCompiler)?

    public enum Status: String, Sendable { case passed, failed, skipped }

    public struct Outcome: Sendable {
        public var line: Int
        public var kind: String
        public var status: Status
        /// Why it failed or was skipped; for a pass, empty.
        public var detail: String
    }

    public struct FileResult: Sendable {
        public var path: String
        public var outcomes: [Outcome] = []
        /// Rejections whose message does not start with the text the script expects.
        public var messageMismatches: [(line: Int, expected: String, actual: String)] = []

        public var passed: Int { outcomes.count(where: { $0.status == .passed }) }
        public var failed: Int { outcomes.count(where: { $0.status == .failed }) }
        public var skipped: Int { outcomes.count(where: { $0.status == .skipped }) }
    }

    /// Expands folders into their `.json` and `.wast` files, sorted.
    public static func scriptFiles(in paths: [String]) throws -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                throw RunnerError("no such file or directory: \(path)")
            }
            if isDir.boolValue {
                let found = (fm.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".json") || $0.hasSuffix(".wast") }
                    .sorted()
                    .map { (path as NSString).appendingPathComponent($0) }
                files += found
            } else {
                files.append(path)
            }
        }
        return files
    }

    public struct RunnerError: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    public func run(file path: String) -> FileResult {
        if path.hasSuffix(".wast") { return runWast(path) }
        return runJSON(path)
    }

    // MARK: Checks

    enum Check {
        case accepted
        case malformed(String)
        case invalid(String)
    }

    func check(_ bytes: [UInt8]) -> Check {
        do {
            let module = try ModuleDecoder().decode(bytes)
            do {
                _ = try ModuleValidator().validate(module)
                return .accepted
            } catch let e as DecodeError {
                return .malformed(e.message)
            } catch let e as ValidationError {
                return .invalid(e.message)
            } catch {
                return .invalid("\(error)")
            }
        } catch {
            return .malformed(error.message)
        }
    }

    mutating func record(_ result: inout FileResult, line: Int, kind: String, _ status: Status, _ detail: String = "") {
        result.outcomes.append(Outcome(line: line, kind: kind, status: status, detail: detail))
    }

    func expectRejection(_ bytes: [UInt8], expected: String, kind: String, line: Int, into result: inout FileResult) {
        switch check(bytes) {
        case .accepted:
            result.outcomes.append(Outcome(line: line, kind: kind, status: .failed, detail: "module was accepted; expected \"\(expected)\""))
        case .malformed(let m), .invalid(let m):
            result.outcomes.append(Outcome(line: line, kind: kind, status: .passed, detail: ""))
            if !m.hasPrefix(expected) { result.messageMismatches.append((line, expected, m)) }
        }
    }

    func expectAcceptance(_ bytes: [UInt8], kind: String, line: Int, into result: inout FileResult) {
        switch check(bytes) {
        case .accepted:
            result.outcomes.append(Outcome(line: line, kind: kind, status: .passed, detail: ""))
        case .malformed(let m), .invalid(let m):
            result.outcomes.append(Outcome(line: line, kind: kind, status: .failed, detail: "module rejected: \(m)"))
        }
    }


    enum ActionError: Error, CustomStringConvertible {
        case noInstance(String?)
        case noExport(String)
        case badArgument(String)
        var description: String {
            switch self {
            case .noInstance(let n): "no instance \(n ?? "(current)")"
            case .noExport(let n): "no export \"\(n)\""
            case .badArgument(let a): "cannot read argument \(a)"
            }
        }
    }

    /// Invokes a function or reads a global, as an action of the script says.
    func perform(_ action: [String: Any], _ state: ScriptState) -> Result<[Value], any Error> {
        let moduleName = action["module"] as? String
        guard let instance = state.instance(moduleName) else { return .failure(ActionError.noInstance(moduleName)) }
        let field = action["field"] as? String ?? ""
        guard let export = instance.export(field) else { return .failure(ActionError.noExport(field)) }
        if action["type"] as? String == "get" {
            guard case .global(let g) = export else { return .failure(ActionError.noExport(field)) }
            return .success([g.value])
        }
        guard case .function(let f) = export else { return .failure(ActionError.noExport(field)) }
        var args = [Value]()
        for a in action["args"] as? [[String: Any]] ?? [] {
            guard let v = ScriptValue.parse(a) else { return .failure(ActionError.badArgument("\(a)")) }
            args.append(v)
        }
        return Result { try state.store.invoke(f, arguments: args) }
    }

    public static let textModule = "text-format module: tests the WAT parser, not this engine"

    // MARK: JSON scripts

    func runJSON(_ path: String) -> FileResult {
        var result = FileResult(path: path)
        guard let data = FileManager.default.contents(atPath: path).map(SpecRunner.escapeByteOrderMarks),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let commands = json["commands"] as? [[String: Any]]
        else {
            result.outcomes.append(Outcome(line: 0, kind: "script", status: .failed, detail: "cannot read JSON script"))
            return result
        }
        let folder = (path as NSString).deletingLastPathComponent
        run(commands, into: &result) { name in
            FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name)).map { [UInt8]($0) }
        }
        return result
    }

    /// Runs commands in wast2json's form. A module is `bytes` or a `filename` given to `load`;
    /// a command with `error` fails and one with `skip` is skipped with that reason.
    func run(_ commands: [[String: Any]], into result: inout FileResult, load: (String) -> [UInt8]?) {
        let state = ScriptState(nativeCompiler: nativeCompiler)
        for command in commands {
            let type = command["type"] as? String ?? "?"
            let line = command["line"] as? Int ?? 0
            let moduleType = command["module_type"] as? String
            let filename = command["filename"] as? String
            let text = command["text"] as? String ?? ""
            func outcome(_ status: Status, _ detail: String = "") {
                result.outcomes.append(Outcome(line: line, kind: type, status: status, detail: detail))
            }
            if let error = command["error"] as? String {
                outcome(.failed, error)
                continue
            }
            if let skip = command["skip"] as? String {
                result.outcomes.append(Outcome(line: line, kind: moduleType == "text" ? "\(type) (text)" : type, status: .skipped, detail: skip))
                continue
            }
            let moduleBytes = (command["bytes"] as? [UInt8]) ?? filename.flatMap(load)
            switch type {
            case "module":
                guard let bytes = moduleBytes else { outcome(.failed, "missing module file"); continue }
                do {
                    let instance = try state.instantiate(bytes)
                    state.current = instance
                    if let name = command["name"] as? String { state.named[name] = instance }
                    outcome(.passed)
                } catch {
                    outcome(.failed, "module not instantiated: \(error)")
                }
            case "assert_malformed", "assert_invalid":
                if moduleType == "text" {
                    result.outcomes.append(Outcome(line: line, kind: "\(type) (text)", status: .skipped, detail: SpecRunner.textModule))
                    continue
                }
                guard let bytes = moduleBytes else { outcome(.failed, "missing module file"); continue }
                expectRejection(bytes, expected: text, kind: type, line: line, into: &result)
            case "register":
                guard let name = command["as"] as? String, let instance = state.instance(command["name"] as? String) else {
                    outcome(.failed, "no instance to register")
                    continue
                }
                state.imports.define(module: name, exportsOf: instance)
                outcome(.passed)
            case "assert_unlinkable", "assert_uninstantiable":
                guard let bytes = moduleBytes else { outcome(.failed, "missing module file"); continue }
                do {
                    let instance = try state.instantiate(bytes)
                    state.current = instance
                    outcome(.failed, "module instantiated; expected \"\(text)\"")
                } catch let e as LinkError where type == "assert_unlinkable" {
                    outcome(.passed)
                    if !e.message.hasPrefix(text) { result.messageMismatches.append((line, text, e.message)) }
                } catch let t as Trap where type == "assert_uninstantiable" {
                    outcome(.passed)
                    if !t.message.hasPrefix(text) { result.messageMismatches.append((line, text, t.message)) }
                } catch {
                    outcome(.failed, "expected \"\(text)\", got \(error)")
                }
            case "action", "assert_return", "assert_trap", "assert_exhaustion":
                guard let action = command["action"] as? [String: Any] else { outcome(.failed, "no action"); continue }
                let run = perform(action, state)
                switch (type, run) {
                case ("action", .success):
                    outcome(.passed)
                case ("assert_return", .success(let values)):
                    let expected = command["expected"] as? [[String: Any]] ?? []
                    if values.count == expected.count && zip(values, expected).allSatisfy({ ScriptValue.matches($0, $1) }) {
                        outcome(.passed)
                    } else {
                        outcome(.failed, "returned \(values), expected \(expected.map { "\($0["type"] ?? "?"):\($0["value"] ?? "?")" })")
                    }
                case ("assert_trap", .failure(let t as Trap)), ("assert_exhaustion", .failure(let t as Trap)):
                    if type == "assert_exhaustion" && t.code != .callStackExhausted {
                        outcome(.failed, "trapped with \"\(t.message)\", expected \"\(text)\"")
                    } else {
                        outcome(.passed)
                        if !t.message.hasPrefix(text) { result.messageMismatches.append((line, text, t.message)) }
                    }
                case (_, .success(let values)):
                    outcome(.failed, "returned \(values), expected a trap \"\(text)\"")
                case (_, .failure(let e)):
                    outcome(.failed, "\(e)")
                }
            default:
                outcome(.skipped, "command kind not supported: \(type)")
            }
        }
    }

    /// Foundation's JSON parser drops a raw U+FEFF inside a string (export names in `names`
    /// use it), so raw ones are turned into `\\ufeff` escapes first.
    static func escapeByteOrderMarks(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if i > 0, i + 2 < bytes.count, bytes[i] == 0xEF, bytes[i + 1] == 0xBB, bytes[i + 2] == 0xBF {
                out += Array("\\ufeff".utf8)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return Data(out)
    }

    // MARK: .wast scripts

    /// `.wast` scripts run like JSON ones: the text-format library parses the directives and
    /// encodes the modules, and `TextFormat.scriptCommands` gives them wast2json's shape.
    func runWast(_ path: String) -> FileResult {
        var result = FileResult(path: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            result.outcomes.append(Outcome(line: 0, kind: "script", status: .failed, detail: "cannot read file"))
            return result
        }
        run(TextFormat.scriptCommands(String(decoding: data, as: UTF8.self)), into: &result) { _ in nil }
        return result
    }
}
