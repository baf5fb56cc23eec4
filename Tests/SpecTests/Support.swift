import Decoder
import TextFormat

enum TextFormatTestSupport {
    static func encode(_ wat: String) throws -> [UInt8] { try TextFormat.wat2wasm(wat) }
}
