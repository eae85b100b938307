import Foundation
import GRDB
import ServiceSupport

/// A JSON column written through Codable with sorted keys (read with `Row.decodeJSON`).
enum JSONColumn {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
