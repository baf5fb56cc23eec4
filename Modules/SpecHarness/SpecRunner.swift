import Decoder
import Foundation
import TextFormat
import Validator

/// Runs spec test scripts: wast2json `.json` command lists (with their `.wasm` files) and `.wast`
/// files (through the text-format library). Every command is counted once as passed, failed or
/// skipped, as the reference runner behind `shared/spectest/BASELINE.md` does.
///
/// Today the engine decodes and validates: `module`, `assert_malformed` (binary) and
/// `assert_invalid` run; commands that need an instance are skipped with their kind as reason.
public struct SpecRunner {
    public init() {}

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

    static let needsExecution = "needs execution (the interpreter tier has not landed)"
    static let textModule = "text-format module: tests the WAT parser, not this engine"

    // MARK: JSON scripts

    func runJSON(_ path: String) -> FileResult {
        var result = FileResult(path: path)
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let commands = json["commands"] as? [[String: Any]]
        else {
            result.outcomes.append(Outcome(line: 0, kind: "script", status: .failed, detail: "cannot read JSON script"))
            return result
        }
        let folder = (path as NSString).deletingLastPathComponent
        func load(_ name: String) -> [UInt8]? {
            FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name)).map { [UInt8]($0) }
        }
        for command in commands {
            let type = command["type"] as? String ?? "?"
            let line = command["line"] as? Int ?? 0
            let moduleType = command["module_type"] as? String
            let filename = command["filename"] as? String
            let text = command["text"] as? String ?? ""
            switch type {
            case "module":
                guard let filename, let bytes = load(filename) else {
                    result.outcomes.append(Outcome(line: line, kind: type, status: .failed, detail: "missing module file"))
                    continue
                }
                expectAcceptance(bytes, kind: type, line: line, into: &result)
            case "assert_malformed", "assert_invalid":
                if moduleType == "text" {
                    result.outcomes.append(Outcome(line: line, kind: "\(type) (text)", status: .skipped, detail: SpecRunner.textModule))
                    continue
                }
                guard let filename, let bytes = load(filename) else {
                    result.outcomes.append(Outcome(line: line, kind: type, status: .failed, detail: "missing module file"))
                    continue
                }
                expectRejection(bytes, expected: text, kind: type, line: line, into: &result)
            default:
                result.outcomes.append(Outcome(line: line, kind: type, status: .skipped, detail: SpecRunner.needsExecution))
            }
        }
        return result
    }

    // MARK: .wast scripts

    func runWast(_ path: String) -> FileResult {
        var result = FileResult(path: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            result.outcomes.append(Outcome(line: 0, kind: "script", status: .failed, detail: "cannot read file"))
            return result
        }
        let text = String(decoding: data, as: UTF8.self)
        for (line, command) in TextFormat.parseScript(text) {
            switch command {
            case .module(let m, _):
                switch m {
                case .binary(let bytes): expectAcceptance(bytes, kind: "module", line: line, into: &result)
                case .textError(let e):
                    result.outcomes.append(Outcome(line: line, kind: "module", status: .failed, detail: "text format: \(e)"))
                case .quote(let q):
                    if let bytes = try? TextFormat.wat2wasm(q) {
                        expectAcceptance(bytes, kind: "module", line: line, into: &result)
                    } else {
                        result.outcomes.append(Outcome(line: line, kind: "module", status: .failed, detail: "text format: cannot parse quoted module"))
                    }
                }
            case .assertMalformed(let m, let message), .assertInvalid(let m, let message):
                let kind: String
                if case .assertMalformed = command { kind = "assert_malformed" } else { kind = "assert_invalid" }
                switch m {
                case .binary(let bytes): expectRejection(bytes, expected: message, kind: kind, line: line, into: &result)
                case .quote:
                    result.outcomes.append(Outcome(line: line, kind: "\(kind) (text)", status: .skipped, detail: SpecRunner.textModule))
                case .textError:
                    result.outcomes.append(Outcome(line: line, kind: "\(kind) (text)", status: .skipped,
                                                   detail: "the text-format library refused to encode the module, so it never reached this engine"))
                }
            case .assertUnlinkable:
                result.outcomes.append(Outcome(line: line, kind: "assert_unlinkable", status: .skipped, detail: SpecRunner.needsExecution))
            case .execution(let kind):
                result.outcomes.append(Outcome(line: line, kind: kind, status: .skipped, detail: SpecRunner.needsExecution))
            case .parseError(let e):
                result.outcomes.append(Outcome(line: line, kind: "script", status: .failed, detail: "text format: \(e)"))
            }
        }
        return result
    }
}
