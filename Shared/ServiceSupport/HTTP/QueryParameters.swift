import Foundation
import Hummingbird

/// Reads a request's query string into typed, bounded values, collecting one message per bad
/// parameter so that a single 422 names every one of them (`../spec/api.md`, "Conventions").
///
/// No value of any parameter can make a service fail: numbers are parsed with bounds before any
/// arithmetic, text has a length limit, and dates must be real days of a plausible year.
public struct QueryReader: Sendable {
    /// The longest text value any parameter takes.
    public static let maxTextLength = 200
    /// Years accepted in dates and `academic_year`.
    public static let years = 2000...2100

    private let parameters: [(String, String)]
    /// The messages collected so far.
    public private(set) var errors: [FieldError] = []

    /// Reads the query of `request`.
    public init(_ request: Request) {
        parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
    }

    /// Reads a query string given as pairs (for tests and the web front door).
    public init(pairs: [(String, String)]) { parameters = pairs }

    /// Every value given for `name`, in order.
    public func all(_ name: String) -> [String] { parameters.filter { $0.0 == name }.map(\.1) }

    /// The first value given for `name`, if any.
    public func raw(_ name: String) -> String? { parameters.first { $0.0 == name }?.1 }

    /// Records a message for `field`.
    public mutating func add(_ field: String, _ message: String) {
        errors.append(FieldError(field: field, message: message))
    }

    /// Throws one 422 naming every bad parameter, if there were any.
    public func throwIfAny() throws {
        if !errors.isEmpty { throw Problem.validation(errors) }
    }

    /// A whole number in `range`; nil (with a message) when it is not one.
    public mutating func int(_ name: String, in range: ClosedRange<Int>, message: String) -> Int? {
        guard let text = raw(name) else { return nil }
        // At most 19 digits, so `Int` parsing itself can never be asked for more than it holds.
        guard text.utf8.count <= 19, let value = Int(text), range.contains(value) else {
            add(name, message)
            return nil
        }
        return value
    }

    /// A positive 64-bit id (1 to 2^53), as every table's integer keys are.
    public mutating func id(_ name: String, message: String? = nil) -> Int64? {
        guard let value = int(name, in: 1...(1 << 53), message: message ?? "Enter \(name.replacingOccurrences(of: "_", with: " ")) as a whole number of 1 or more") else {
            return nil
        }
        return Int64(value)
    }

    /// An academic year such as 2025.
    public mutating func academicYear(_ name: String = "academic_year") -> Int? {
        int(name, in: Self.years, message: "Enter an academic year between \(Self.years.lowerBound) and \(Self.years.upperBound), such as 2025")
    }

    /// A school URN: a positive whole number of up to 7 digits.
    public mutating func urn(_ name: String) -> Int? {
        int(name, in: 1...9_999_999, message: "Enter a URN: a whole number of up to 7 digits")
    }

    /// A real calendar date written `YYYY-MM-DD`, as (year, month, day).
    public mutating func date(_ name: String) -> (year: Int, month: Int, day: Int)? {
        guard let text = raw(name) else { return nil }
        guard let date = Self.parseDate(text) else {
            add(name, "Enter a real date as YYYY-MM-DD, such as 2025-09-01")
            return nil
        }
        return date
    }

    /// One of `allowed`, compared exactly.
    public mutating func oneOf(_ name: String, _ allowed: [String], message: String? = nil) -> String? {
        guard let text = raw(name) else { return nil }
        guard allowed.contains(text) else {
            add(name, message ?? "Use one of \(allowed.joined(separator: ", "))")
            return nil
        }
        return text
    }

    /// `true` or `false`, in any case.
    public mutating func bool(_ name: String) -> Bool? {
        guard let text = raw(name) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default:
            add(name, "Enter true or false")
            return nil
        }
    }

    /// Free text, trimmed, at most `maxLength` characters; nil when absent or blank.
    public mutating func text(_ name: String, maxLength: Int = QueryReader.maxTextLength) -> String? {
        guard let text = raw(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard text.count <= maxLength else {
            add(name, "Enter \(maxLength) characters or fewer")
            return nil
        }
        return text
    }

    /// Parses `YYYY-MM-DD` into a real day of a year in ``years``.
    public static func parseDate(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            years.contains(year), (1...12).contains(month)
        else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return nil }
        return (year, month, day)
    }
}
