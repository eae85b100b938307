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

    /// `YYYY-MM-DD` of an instant.
    public static func text(of instant: Date) -> String {
        text(day(of: instant))
    }

    /// `hour:minute` in London on the London day of `instant`: when a daily job is due that day.
    public static func time(hour: Int, minute: Int = 0, onTheDayOf instant: Date) -> Date {
        var parts = calendar.dateComponents([.year, .month, .day], from: instant)
        parts.hour = hour
        parts.minute = minute
        return calendar.date(from: parts) ?? instant
    }

    /// Noon of a London day: a time every day has, whatever the clocks do.
    public static func noon(year: Int, month: Int, day: Int) -> Date? {
        calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))
    }

    /// Noon of a `YYYY-MM-DD` day, or nil when the text is not such a date.
    public static func noon(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return nil }
        return noon(year: parts[0], month: parts[1], day: parts[2])
    }

    /// `YYYY-MM-DD` plus `days` (negative for earlier).
    public static func adding(_ days: Int, to text: String) -> String? {
        guard let date = noon(text), let moved = calendar.date(byAdding: .day, value: days, to: date) else { return nil }
        return self.text(of: moved)
    }

    /// Whole days from one `YYYY-MM-DD` day to another.
    public static func days(from: String, to: String) -> Int? {
        guard let start = noon(from), let end = noon(to) else { return nil }
        return calendar.dateComponents([.day], from: start, to: end).day
    }

    /// `2026-03-20` as people read it: `Friday 20 March 2026` (the text itself when it is not a
    /// date). Emails, pages and a claim's next step all write dates this way.
    public static func long(_ text: String) -> String {
        let names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        guard let date = noon(text) else { return text }
        let day = self.day(of: date)
        let weekday = calendar.component(.weekday, from: date)
        return "\(days[weekday - 1]) \(day.day) \(names[day.month - 1]) \(day.year)"
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
