import Foundation

/// llvm-mc's disassembly of x86-64 machine code, one instruction a line with its whitespace
/// collapsed; nil when llvm-mc (Debian package `llvm`) is not installed. For people reading
/// the optimizing tier's output (`wasm-tier compile --emit asm`) and for the encoding tests.
package func llvmDisassembly(_ bytes: [UInt8]) throws -> [String]? {
    let candidates = ["/usr/bin/llvm-mc", "/usr/local/bin/llvm-mc", "/usr/bin/llvm-mc-14"]
    guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = ["--disassemble", "-triple=x86_64"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(bytes.map { String(format: "0x%02x", $0) }.joined(separator: " ").utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n")
        .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        .filter { !$0.isEmpty && !$0.hasPrefix(".") }
}
