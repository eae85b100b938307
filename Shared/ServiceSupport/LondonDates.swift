import Foundation

/// Calendar dates in England (Europe/London), as files and emails show them: `YYYY-MM-DD`.
/// One calendar for the process, since building one per row showed up on hot paths.
public enum LondonDates {
    /// The Europe/London Gregorian calendar.
    public static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        // tzdata is a required system package; GMT is only a last resort.
        calendar.timeZone = TimeZone(identifier: "Europe/London") ?? .gmt
        return calendar
    }()

    /// The London calendar date of `instant`.
    public static func day(of instant: Date) -> (year: Int, month: Int, day: Int) {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// `YYYY-MM-DD`.
    public static func text(_ day: (year: Int, month: Int, day: Int)) -> String {
        String(format: "%04d-%02d-%02d", day.year, day.month, day.day)
    }

    /// `YYYY-MM-DD` of an instant stored as milliseconds since 1970.
    public static func text(millis: Int64) -> String {
        text(day(of: Date(timeIntervalSince1970: Double(millis) / 1000)))
    }
}

/// Tokens for single-use download links: 256 random bits as hex.
public enum LinkToken {
    /// A new token.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next(), radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
