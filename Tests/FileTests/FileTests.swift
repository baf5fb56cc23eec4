import Foundation
import IR
import Optimizer
import Testing

// Text file tests for the IR and its passes, in the style of Cranelift's filetests (see
// Docs/IR.md, "File tests"). Every `*.ir` file under Cases/ is one test case. A file starts
// with `test KIND` lines, then holds procedures; `;;` lines are notes for people, `;` lines
// after a procedure's closing brace are the expected output, `; error: TEXT` at the end of a
// line is an expected verifier error for that line.
//
//   test parse                  printing the parsed procedure gives its own text back
//   test verifier               validate reports exactly the errors the lines state
//   test pass NAME[,NAME...]    the procedure after those passes (validated after each)
//   test optimize               the procedure after the whole pipeline
//
// WASM_TIER_BLESS=1 rewrites the expected output in place; review the diff like code.

let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Cases")

func caseFiles() -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: casesDirectory.path)
    var files: [String] = []
    while let item = enumerator?.nextObject() as? String {
        if item.hasSuffix(".ir") { files.append(item) }
    }
    return files.sorted()
}

@Test(arguments: caseFiles())
func fileTest(_ file: String) throws {
    let path = casesDirectory.appendingPathComponent(file).path
    let failures = try FileTest(path: path).run(bless: ProcessInfo.processInfo.environment["WASM_TIER_BLESS"] == "1")
    #expect(failures.isEmpty, "\(file):\n\(failures.joined(separator: "\n"))")
}

@Test func casesExist() {
    #expect(caseFiles().count >= 10)
}

struct FileTest {
    let path: String
    let lines: [String]

    init(path: String) throws {
        self.path = path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    enum Kind {
        case parse, verifier, optimize
        case passes([String])
    }

    /// Runs every procedure of the file; returns the failures (with bless, rewrites the file
    /// and returns only what blessing cannot fix).
    func run(bless: Bool) throws -> [String] {
        var kinds: [Kind] = []
        for line in lines.prefix(headerLines) where line.hasPrefix("test ") {
            let words = line.split(separator: " ").map(String.init).filter { $0 != "precise-output" }
            switch words.dropFirst().first {
            case "parse": kinds.append(.parse)
            case "verifier": kinds.append(.verifier)
            case "optimize": kinds.append(.optimize)
            case "pass" where words.count == 3: kinds.append(.passes(words[2].split(separator: ",").map(String.init)))
            default: return ["\(path): unknown test line '\(line)'"]
            }
        }
        guard !kinds.isEmpty else { return ["\(path): no 'test' line"] }
        let parsed: [ParsedProcedure]
        do {
            parsed = try IRParser.parse(lines.dropFirst(headerLines).joined(separator: "\n"))
        } catch {
            return ["\(path):\(error.line + headerLines): \(error.message)"]
        }
        guard !parsed.isEmpty else { return ["\(path): no procedures"] }

        var failures: [String] = []
        var newLines = lines
        // Expected blocks replaced from the bottom up so earlier line numbers stay valid.
        var replacements: [(range: Range<Int>, lines: [String])] = []
        for p in parsed {
            let first = p.firstLine + headerLines - 1  // 0-based line of `proc`
            let end = p.lastLine + headerLines  // 0-based line after `}`
            for kind in kinds {
                switch kind {
                case .parse:
                    let source = lines[first..<end].map(strippedComment).filter { !$0.isEmpty }
                    let printed = p.procedure.printed().split(separator: "\n").map(String.init)
                    if source != printed {
                        failures.append("\(path):\(first + 1): printing does not give the text back\n" + diff(source, printed))
                    }
                case .verifier:
                    failures += verify(p, offset: headerLines)
                case .optimize, .passes:
                    let proc = p.procedure
                    if case .passes(let names) = kind {
                        for name in names {
                            guard runPass(named: name, on: proc) != nil else { return ["\(path): unknown pass '\(name)'"] }
                            let errors = proc.validate()
                            if !errors.isEmpty {
                                failures.append("\(path):\(first + 1): IR invalid after \(name):\n" + errors.map { "  \($0)" }.joined(separator: "\n"))
                            }
                        }
                    } else {
                        optimize(proc)
                    }
                    let actual = proc.printed().split(separator: "\n").map { "; " + $0 }
                    var expectedEnd = end
                    while expectedEnd < lines.count, lines[expectedEnd].hasPrefix(";"), !lines[expectedEnd].hasPrefix(";;") {
                        expectedEnd += 1
                    }
                    let expected = Array(lines[end..<expectedEnd])
                    if expected != actual {
                        if bless {
                            replacements.append((end..<expectedEnd, actual))
                        } else {
                            failures.append("\(path):\(first + 1): output differs (WASM_TIER_BLESS=1 to accept)\n" + diff(expected, actual))
                        }
                    }
                }
            }
        }
        if bless && !replacements.isEmpty {
            for r in replacements.reversed() { newLines.replaceSubrange(r.range, with: r.lines) }
            try (newLines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        return failures
    }

    /// The parser sees the file without its `test`/`set` header lines, which come first.
    var headerLines: Int {
        lines.prefix { $0.hasPrefix("test ") || $0.hasPrefix("set ") }.count
    }

    func strippedComment(_ line: String) -> String {
        var s = line
        if let i = s.firstIndex(of: ";") { s = String(s[..<i]) }
        while s.last == " " { s.removeLast() }
        return s
    }

    /// Each `; error: TEXT` must match an error reported for the value on that line (or, on a
    /// block label line, for that block), and every reported error must be expected.
    func verify(_ p: ParsedProcedure, offset: Int) -> [String] {
        var failures: [String] = []
        var reported = p.procedure.validate().map { (error: $0, matched: false) }
        for lineIndex in (p.firstLine + offset - 1)..<(p.lastLine + offset) {
            let line = lines[lineIndex]
            guard let range = line.range(of: "; error: ") else { continue }
            let text = String(line[range.upperBound...])
            let code = strippedComment(line).trimmingCharacters(in: .whitespaces)
            let entity: String
            if let v = p.valueAtLine[lineIndex - offset + 1] {
                entity = v.description
            } else if code.hasSuffix(":") {
                entity = String(code.dropLast())
            } else {
                entity = "proc"
            }
            if let k = reported.firstIndex(where: { !$0.matched && $0.error.entity == entity && $0.error.message.contains(text) }) {
                reported[k].matched = true
            } else {
                failures.append("\(path):\(lineIndex + 1): expected error '\(text)' for \(entity); reported: "
                    + reported.map(\.error.description).joined(separator: "; "))
            }
        }
        for r in reported where !r.matched {
            failures.append("\(path):\(p.firstLine + offset): unexpected verifier error: \(r.error)")
        }
        return failures
    }

    func diff(_ expected: [String], _ actual: [String]) -> String {
        var out = ""
        let common = zip(expected, actual).prefix { $0 == $1 }.count
        for line in expected.prefix(common) { out += "    " + line + "\n" }
        for line in expected.dropFirst(common) { out += "  - " + line + "\n" }
        for line in actual.dropFirst(common) { out += "  + " + line + "\n" }
        return out
    }
}
