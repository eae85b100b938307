import Foundation
import Hummingbird

/// Reads a request's query string into typed, bounded values, collecting one message per bad
/// parameter so that a single 422 names every one of them (`../spec/api.md`, "Conventions").
///
/// No value of any parameter can make a service fail: numbers are parsed with bounds before any
/// arithmetic, text has a length limit, and other values are read by their own parsers.
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
        parameters = Self.pairs(request.uri.query ?? "")
    }

    /// Reads name-value pairs already taken from a query (a page's filters, passed on to a service).
    public init(pairs: [(String, String)]) {
        parameters = pairs
    }

    /// The name-value pairs of a query string or an `application/x-www-form-urlencoded` body, in
    /// order: `+` is a space (as browsers and HTTP clients send it) and `%XX` a byte; a pair that
    /// is not valid percent-encoded UTF-8 reads as an empty value, never as the raw text.
    public static func pairs(_ text: String) -> [(String, String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let name = decode(parts[0])
            guard !name.isEmpty else { return nil }
            return (name, parts.count > 1 ? decode(parts[1]) : "")
        }
    }

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
        guard
            let value = int(
                name,
                in: 1...(1 << 53),
                message: message ?? "Enter \(name.replacingOccurrences(of: "_", with: " ")) as a whole number of 1 or more"
            )
        else {
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

    /// The value of `name` read by `parse`; nil (with `message`) when `parse` throws.
    public mutating func parsed<T>(_ name: String, message: String, _ parse: (String) throws -> T) -> T? {
        guard let text = raw(name) else { return nil }
        guard text.utf8.count <= Self.maxTextLength, let value = try? parse(text) else {
            add(name, message)
            return nil
        }
        return value
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
}
