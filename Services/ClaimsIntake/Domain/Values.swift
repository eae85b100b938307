import Foundation

/// Why a typed value could not be made from what was given; the message is for the user.
struct InvalidValue: Error, Equatable, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A school's unique reference number: a positive integer of up to 7 digits.
struct URN: Hashable, Sendable, Comparable, CustomStringConvertible {
    let value: Int
    init(_ value: Int) throws {
        guard value > 0 && value <= 9_999_999 else { throw InvalidValue(message: "Enter a URN of 1 to 7 digits") }
        self.value = value
    }
    init(parsing text: String) throws {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw InvalidValue(message: "Enter a URN of 1 to 7 digits")
        }
        try self.init(value)
    }
    var description: String { String(value) }
    static func < (a: URN, b: URN) -> Bool { a.value < b.value }
}

/// A teacher reference number: 7 digits; spaces typed or dictated inside it are removed.
struct TRN: Hashable, Sendable, Comparable, CustomStringConvertible {
    let value: String
    init(parsing text: String) throws {
        let compact = text.filter { !$0.isWhitespace }
        guard compact.count == 7, compact.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw InvalidValue(message: "Enter a teacher reference number (TRN) of 7 digits")
        }
        value = compact
    }
    var description: String { value }
    static func < (a: TRN, b: TRN) -> Bool { a.value < b.value }
}

/// An accredited provider's code: letters and digits, up to 10 characters (kept upper-case).
struct ProviderCode: Hashable, Sendable, CustomStringConvertible {
    let value: String
    init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard (1...10).contains(trimmed.count), trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw InvalidValue(message: "Enter a provider code of up to 10 letters and digits")
        }
        value = trimmed
    }
    var description: String { value }
}

/// A claim's reference: 8 digits, zero-padded.
struct ClaimReference: Hashable, Sendable, CustomStringConvertible {
    let value: String
    init(parsing text: String) throws {
        guard text.count == 8, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw InvalidValue(message: "A claim reference is 8 digits")
        }
        value = text
    }
    private init(digits: String) { value = digits }
    /// A random reference from `generator`.
    static func random(using generator: inout some RandomNumberGenerator) -> ClaimReference {
        ClaimReference(digits: String(format: "%08d", Int.random(in: 0...99_999_999, using: &generator)))
    }
    var description: String { value }
}

/// A region, which sets a school's hourly rate.
enum Region: String, Codable, Sendable, CaseIterable {
    case innerLondon = "inner_london"
    case outerLondon = "outer_london"
    case fringe
    case restOfEngland = "rest_of_england"

    init(parsing text: String) throws {
        guard let region = Region(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw InvalidValue(message: "Enter a region: inner_london, outer_london, fringe or rest_of_england")
        }
        self = region
    }
}

/// Money in pence. Never a floating-point number.
struct Pence: Hashable, Sendable, Comparable, CustomStringConvertible {
    let value: Int64
    init(_ value: Int64) { self.value = value }
    static func * (rate: Pence, hours: Int) -> Pence { Pence(rate.value * Int64(hours)) }
    static func + (a: Pence, b: Pence) -> Pence { Pence(a.value + b.value) }
    static func < (a: Pence, b: Pence) -> Bool { a.value < b.value }
    /// `1072.00`, as CSV files show pounds.
    var pounds: String {
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        let pence = magnitude % 100
        return "\(sign)\(magnitude / 100).\(pence < 10 ? "0" : "")\(pence)"
    }
    var description: String { pounds }
}

/// An academic year, named by the calendar year it starts in: 2025 is 1 September 2025 to
/// 31 August 2026.
struct AcademicYear: Hashable, Sendable, Comparable, CustomStringConvertible {
    let startYear: Int
    init(_ startYear: Int) throws {
        guard (2000...2100).contains(startYear) else { throw InvalidValue(message: "Enter an academic year such as 2025") }
        self.startYear = startYear
    }
    /// The academic year a calendar date (Europe/London) falls in.
    init(containing date: LocalDate) {
        startYear = date.month >= 9 ? date.year : date.year - 1
    }
    var firstDay: LocalDate { LocalDate(year: startYear, month: 9, day: 1) }
    var lastDay: LocalDate { LocalDate(year: startYear + 1, month: 8, day: 31) }
    /// Initial training hours: 20 up to 2024, 16 from 2025.
    var initialHours: Int { startYear <= 2024 ? 20 : 16 }
    /// Refresher training hours.
    var refresherHours: Int { 6 }
    var label: String { "\(startYear) to \(startYear + 1)" }
    var description: String { label }
    static func < (a: AcademicYear, b: AcademicYear) -> Bool { a.startYear < b.startYear }
}

/// A calendar date without a time, as `YYYY-MM-DD`.
struct LocalDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    let year: Int
    let month: Int
    let day: Int

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    init(parsing text: String) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            (1...12).contains(m), (1...LocalDate.daysIn(month: m, year: y)).contains(d)
        else { throw InvalidValue(message: "Enter a real date as YYYY-MM-DD") }
        self.init(year: y, month: m, day: d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
}
