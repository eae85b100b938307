import Foundation
import GRDB

/// A column held a value the code does not know: a status written by a newer release, or a row
/// edited by hand. Reading it is an error, never a guess at a default.
public struct UnknownStoredValue: Error, CustomStringConvertible, Equatable, Sendable {
    /// The column read.
    public var column: String
    /// What it held.
    public var value: String

    /// The error for `value` read from `column`.
    public init(column: String, value: String) {
        self.column = column
        self.value = value
    }

    public var description: String { "The database holds ‘\(value)’ in \(column), which this version does not know." }
}

extension Row {
    /// The column's text as the enum `type`; an unknown value throws ``UnknownStoredValue``.
    public func decode<Value: RawRepresentable>(_ type: Value.Type, column: String) throws -> Value where Value.RawValue == String {
        let text: String = try decode(String.self, forColumn: column)
        guard let value = Value(rawValue: text) else { throw UnknownStoredValue(column: column, value: text) }
        return value
    }

    /// The column's text decoded as JSON (with Foundation's default keys); text that does not
    /// decode throws ``UnknownStoredValue``, never an empty default.
    public func decodeJSON<Value: Decodable>(_ type: Value.Type, column: String) throws -> Value {
        let text: String = try decode(String.self, forColumn: column)
        do { return try JSONDecoder().decode(Value.self, from: Data(text.utf8)) } catch {
            throw UnknownStoredValue(column: column, value: text)
        }
    }
}
