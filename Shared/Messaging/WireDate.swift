import Foundation

/// ISO 8601 UTC timestamps as the wire shows them (`2026-05-02T09:15:00Z`), written and read
/// without the formatter machinery, which profiling showed to be a large share of every envelope's
/// cost. Fractional seconds are accepted on input and dropped, as Foundation's `.iso8601` does;
/// anything else falls back to Foundation's parser, so no valid timestamp is refused.
public enum WireDate {
    /// Formats `date` as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds).
    public static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        var bytes = [UInt8](repeating: 0, count: 20)
        func put(_ value: Int64, at index: Int, width: Int) {
            var v = value
            for i in stride(from: index + width - 1, through: index, by: -1) {
                bytes[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(year, at: 0, width: 4)
        bytes[4] = 45
        put(month, at: 5, width: 2)
        bytes[7] = 45
        put(day, at: 8, width: 2)
        bytes[10] = 84
        put(secondOfDay / 3600, at: 11, width: 2)
        bytes[13] = 58
        put(secondOfDay / 60 % 60, at: 14, width: 2)
        bytes[16] = 58
        put(secondOfDay % 60, at: 17, width: 2)
        bytes[19] = 90
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, or anything Foundation's ISO 8601 parser reads.
    public static func parse(_ text: String) -> Date? {
        var utf8 = text.utf8.makeIterator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        while let b = utf8.next() { bytes.append(b) }
        func number(_ from: Int, _ width: Int) -> Int64? {
            var value: Int64 = 0
            for i in from..<(from + width) {
                let b = bytes[i]
                guard b >= 48 && b <= 57 else { return nil }
                value = value * 10 + Int64(b - 48)
            }
            return value
        }
        if bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58, bytes[16] == 58,
            bytes.last == 90, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        {
            var fraction = 0.0
            if bytes.count > 20 {
                guard bytes[19] == 46, bytes.count > 21 else { return fallback(text) }
                var scale = 0.1
                for b in bytes[20..<(bytes.count - 1)] {
                    guard b >= 48 && b <= 57 else { return fallback(text) }
                    fraction += Double(b - 48) * scale
                    scale /= 10
                }
            }
            let days = daysFromCivil(year: year, month: month, day: day)
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
            return Date(timeIntervalSince1970: Double(seconds) + fraction)
        }
        return fallback(text)
    }

    private static func fallback(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }

    /// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The JSON encoding strategy.
    public static let encodingStrategy = JSONEncoder.DateEncodingStrategy.custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(format(date))
    }

    /// The JSON decoding strategy.
    public static let decodingStrategy = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = parse(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 timestamp")
        }
        return date
    }
}
