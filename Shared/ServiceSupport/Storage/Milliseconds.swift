import Foundation
import GRDB

/// An instant as whole milliseconds since 1970, the way every service's tables store time: an
/// integer column compares and sorts exactly, where GRDB's `Date` text would round.
public struct Milliseconds: Sendable, Hashable, Comparable, Codable, DatabaseValueConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var value: Int64

    /// The instant `value` milliseconds after 1970.
    public init(value: Int64) { self.value = value }

    /// `date`, to the millisecond (rounded down).
    public init(_ date: Date) { value = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(value) / 1000) }

    public static func < (lhs: Milliseconds, rhs: Milliseconds) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Int64.self) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var databaseValue: DatabaseValue { value.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Milliseconds? {
        Int64.fromDatabaseValue(dbValue).map(Milliseconds.init(value:))
    }
}
