import Foundation
import Air
import IR
import Optimizer
import Testing
import X86_64Backend

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
//   test lower                  the x86-64 Air that instruction selection makes (virtual temporaries)
//   test regalloc               that Air after dead-code removal and register allocation
//                               (`graph-coloring` for the other allocator; a last word `wasm`
//                               on lower or regalloc lowers with the Wasm convention)
//   test run                    each `; run: @f(ARGS) == RESULT` (or `traps CODE`) line holds
//                               for the IR interpreter and for x86-64 code, before and after
//                               the pipeline (RESULT `nan` is any NaN)
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
        case parse, verifier, optimize, run, lower
        case regalloc(RegisterAllocator)
        case passes([String])
    }

    /// Runs every procedure of the file; returns the failures (with bless, rewrites the file
    /// and returns only what blessing cannot fix).
    func run(bless: Bool) throws -> [String] {
        var kinds: [Kind] = []
        var convention = CallingConvention.systemV
        for line in lines.prefix(headerLines) where line.hasPrefix("test ") {
            var words = line.split(separator: " ").map(String.init).filter { $0 != "precise-output" }
            // `wasm` after lower or regalloc: the procedure has the Wasm convention (argument 0
            // is the context, in r14) instead of System V.
            if words.count > 2, words.last == "wasm", ["lower", "regalloc"].contains(words[1]) {
                convention = .wasm
                words.removeLast()
            }
            switch words.dropFirst().first {
            case "parse": kinds.append(.parse)
            case "verifier": kinds.append(.verifier)
            case "optimize": kinds.append(.optimize)
            case "run": kinds.append(.run)
            case "lower": kinds.append(.lower)
            case "regalloc":
                // `test regalloc` is linear scan; `test regalloc graph-coloring` the other.
                guard let allocator = RegisterAllocator(rawValue: words.count > 2 ? words[2] : "linear-scan") else {
                    return ["\(path): unknown allocator in '\(line)'"]
                }
                kinds.append(.regalloc(allocator))
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
                case .run:
                    failures += runLines(p, from: end)
                case .lower, .regalloc:
                    var code: Air.Code
                    do {
                        code = try lowerToAir(p.procedure, convention: convention)
                    } catch {
                        failures.append("\(path):\(first + 1): cannot lower: \(error)")
                        continue
                    }
                    var text = code.printed(X86Registers.self)
                    if case .regalloc(let allocator) = kind {
                        code.eliminateDeadCode()
                        allocateRegisters(&code, target: X86Registers.self, using: allocator)
                        text = "frame \(code.frameSize) bytes, saves [\(code.usedCalleeSaved.map { X86Registers.name(of: $0) }.joined(separator: ", "))]\n"
                            + code.printed(X86Registers.self)
                    }
                    let actual = text.split(separator: "\n").map { "; " + $0 }
                    failures += compare(actual, at: end, first: first, bless: bless, replacements: &replacements)
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
                    failures += compare(actual, at: end, first: first, bless: bless, replacements: &replacements)
                }
            }
        }
        if bless && !replacements.isEmpty {
            for r in replacements.reversed() { newLines.replaceSubrange(r.range, with: r.lines) }
            try (newLines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        return failures
    }

    /// Compares `actual` with the expectation block after a procedure (the `; ` lines from
    /// `end`); with bless, records the replacement instead of failing.
    func compare(_ actual: [String], at end: Int, first: Int, bless: Bool,
                 replacements: inout [(range: Range<Int>, lines: [String])]) -> [String] {
        var expectedEnd = end
        while expectedEnd < lines.count, lines[expectedEnd].hasPrefix(";"), !lines[expectedEnd].hasPrefix(";;"),
              !lines[expectedEnd].hasPrefix("; run:") {
            expectedEnd += 1
        }
        let expected = Array(lines[end..<expectedEnd])
        guard expected != actual else { return [] }
        if bless {
            replacements.append((end..<expectedEnd, actual))
            return []
        }
        return ["\(path):\(first + 1): output differs (WASM_TIER_BLESS=1 to accept)\n" + diff(expected, actual)]
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

    /// The `; run:` lines after a procedure, each checked four ways: interpreted and native,
    /// as written and optimized.
    func runLines(_ p: ParsedProcedure, from start: Int) -> [String] {
        var failures: [String] = []
        var directives: [(line: Int, text: String)] = []
        var k = start
        while k < lines.count, lines[k].hasPrefix(";") {
            if lines[k].hasPrefix("; run:") { directives.append((k + 1, String(lines[k].dropFirst(6)).trimmingCharacters(in: .whitespaces))) }
            k += 1
        }
        if directives.isEmpty { return ["\(path):\(p.firstLine + headerLines): no '; run:' lines"] }
        // Printing and parsing gives an independent copy to optimize.
        let original = p.procedure
        guard let optimized = try? IRParser.parse(original.printed()).first?.procedure else {
            return ["\(path): cannot reparse \(original.name)"]
        }
        optimize(optimized)
        var natives: [(String, NativeProcedure)] = []
        for (label, proc) in [("as written", original), ("optimized", optimized)] {
            for allocator in RegisterAllocator.allCases {
                do {
                    natives.append(("\(label), \(allocator.rawValue)", try NativeProcedure(proc, allocator: allocator)))
                } catch {
                    failures.append("\(path):\(p.firstLine + headerLines): cannot compile \(label): \(error)")
                }
            }
        }
        for d in directives {
            guard let (arguments, expected) = parseRun(d.text, original) else {
                failures.append("\(path):\(d.line): cannot read '\(d.text)'")
                continue
            }
            var results: [(String, RunResult?)] = [
                ("interpreted", interpret(original, arguments: arguments)),
                ("interpreted, optimized", interpret(optimized, arguments: arguments)),
            ]
            for (label, native) in natives { results.append(("x86-64, \(label)", native.call(arguments))) }
            for (label, result) in results where !matches(result, expected, original.resultTypes.first) {
                failures.append("\(path):\(d.line): \(label): \(result.map(\.description) ?? "cannot run") for '\(d.text)'")
            }
        }
        return failures
    }

    enum Expected {
        case value(UInt64?)  // nil: any NaN
        case trap(UInt64)
        case nothing
    }

    /// `@name(ARG, ...) == RESULT`, `@name(ARG, ...) traps CODE` or `@name(ARG, ...)`.
    func parseRun(_ text: String, _ proc: Procedure) -> ([UInt64], Expected)? {
        guard text.hasPrefix("@\(proc.name)("), let close = text.firstIndex(of: ")") else { return nil }
        let argText = text[text.index(text.startIndex, offsetBy: proc.name.count + 2)..<close]
        let items = argText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard items.count == proc.parameterTypes.count else { return nil }
        var arguments: [UInt64] = []
        for (item, type) in zip(items, proc.parameterTypes) {
            guard let bits = IRParser.constantBits(Substring(item), type) else { return nil }
            arguments.append(bits)
        }
        let rest = text[text.index(after: close)...].trimmingCharacters(in: .whitespaces)
        if rest.isEmpty { return (arguments, .nothing) }
        if rest.hasPrefix("traps ") { return UInt64(rest.dropFirst(6)).map { (arguments, .trap($0)) } }
        guard rest.hasPrefix("== "), let type = proc.resultTypes.first else { return nil }
        let value = rest.dropFirst(3).trimmingCharacters(in: .whitespaces)
        if value == "nan" && type.isFloat { return (arguments, .value(nil)) }
        return IRParser.constantBits(Substring(value), type).map { (arguments, .value($0)) }
    }

    func matches(_ result: RunResult?, _ expected: Expected, _ type: IRType?) -> Bool {
        switch (result, expected) {
        case (.returned(let r), .nothing): return r.isEmpty
        case (.trapped(let c), .trap(let e)): return c == e
        case (.returned(let r), .value(let e?)): return r == [e]
        case (.returned(let r), .value(nil)):
            guard r.count == 1, let type else { return false }
            return type == .f32 ? Float(bitPattern: UInt32(truncatingIfNeeded: r[0])).isNaN : Double(bitPattern: r[0]).isNaN
        default: return false
        }
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
