import Foundation

/// llvm-mc's disassembly of x86-64 machine code, one instruction a line with its whitespace
/// collapsed; nil when llvm-mc (Debian package `llvm`) is not installed. For people reading
/// the optimizing tier's output (`wasm-tier compile --emit asm`) and for the encoding tests.
/// With `offsets`, each line starts with the instruction's offset in hex (`1a4: movq ...`),
/// the numbers `perf` shows against a function's start.
package func llvmDisassembly(_ bytes: [UInt8], offsets: Bool = false) throws -> [String]? {
    let candidates = ["/usr/bin/llvm-mc", "/usr/local/bin/llvm-mc", "/usr/bin/llvm-mc-14"]
    guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = ["--disassemble", "-triple=x86_64"] + (offsets ? ["--show-encoding"] : [])
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    // Jump tables (data) follow the code; llvm-mc complains about their bytes on stderr.
    process.standardError = FileHandle.nullDevice
    try process.run()
    input.fileHandleForWriting.write(Data(bytes.map { String(format: "0x%02x", $0) }.joined(separator: " ").utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        .filter { !$0.isEmpty && !$0.hasPrefix(".") && !$0.hasPrefix("#") }
    guard offsets else { return lines }
    // `--show-encoding` ends each line with `# encoding: [0x4d,0x8b,...]`: its length in bytes.
    // A jump's or call's operand, relative to the next instruction, becomes its target offset.
    var offset = 0
    return lines.map { line in
        guard let marker = line.range(of: "# encoding: [") else { return line }
        let length = line[marker.upperBound...].prefix { $0 != "]" }.split(separator: ",").count
        var text = line[..<marker.lowerBound].trimmingCharacters(in: .whitespaces)
        let words = text.split(separator: " ")
        if words.count == 2, words[0].hasPrefix("j") || words[0].hasPrefix("call"), let displacement = Int(words[1]) {
            text = "\(words[0]) \(String(offset + length + displacement, radix: 16))"
        }
        defer { offset += length }
        return String(offset, radix: 16) + ": " + text
    }
}

/// One instruction as llvm-objdump decodes it: where it starts, how many bytes it has, and its
/// text with whitespace collapsed.
package struct ObjdumpInstruction: Equatable, Sendable {
    package var offset: Int
    package var length: Int
    package var text: String
}

/// llvm-objdump's disassembly of x86-64 machine code: the bytes become the `.text` of an ELF
/// object (`llvm-objcopy -I binary`), which `llvm-objdump -d` decodes. nil when the tools
/// (Debian package `llvm`) are missing. The second opinion beside llvm-mc's: objdump decodes
/// code as a linker would lay it out, instruction boundaries included.
package func llvmObjdumpDisassembly(_ bytes: [UInt8]) throws -> [ObjdumpInstruction]? {
    func tool(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)", "/usr/bin/\(name)-14"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
    guard let objcopy = tool("llvm-objcopy"), let objdump = tool("llvm-objdump") else { return nil }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wasm-tier-objdump-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let raw = directory.appendingPathComponent("code.bin"), object = directory.appendingPathComponent("code.o")
    try Data(bytes).write(to: raw)
    func run(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
    _ = try run(objcopy, ["-I", "binary", "-O", "elf64-x86-64", "--rename-section=.data=.text,alloc,load,readonly,code",
                          raw.path, object.path])
    // Lines such as `      1a: 48 01 d8    addq %rbx, %rax`: offset, bytes, text.
    var instructions: [ObjdumpInstruction] = []
    for line in try run(objdump, ["-d", "--triple=x86_64", object.path]).split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":"),
              let offset = Int(line[..<colon].trimmingCharacters(in: .whitespaces), radix: 16) else { continue }
        let rest = line[line.index(after: colon)...].split(separator: "\t", omittingEmptySubsequences: false)
        guard rest.count >= 2 else { continue }
        let length = rest[0].split(separator: " ").filter { $0.count == 2 && Int($0, radix: 16) != nil }.count
        let text = rest.dropFirst().joined(separator: " ").split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        instructions.append(ObjdumpInstruction(offset: offset, length: length, text: text))
    }
    return instructions
}
