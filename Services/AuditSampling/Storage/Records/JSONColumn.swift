import Foundation
import GRDB
import ServiceSupport

/// A JSON column read through Codable: a value that does not decode is an error naming the
/// column, never an empty default.
enum JSONColumn {
    static func decode<Value: Decodable>(_ type: Value.Type, _ row: Row, _ column: String) throws -> Value {
        let text: String = try row.decode(String.self, forColumn: column)
        do { return try JSONDecoder().decode(Value.self, from: Data(text.utf8)) } catch {
            throw UnknownStoredValue(column: column, value: text)
        }
    }

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
