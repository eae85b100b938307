import Foundation
import ServiceSupport

/// How money, statuses and dates read on a page.
enum Presentation {
    /// A status's tag: the DfE service's names and tag colours.
    struct Tag: Equatable {
        var label: String
        /// The `govuk-tag--…` modifier.
        var colour: String
    }

    static func tag(_ status: String) -> Tag {
        switch status {
        case "draft": return Tag(label: "Draft", colour: "yellow")
        case "submitted": return Tag(label: "Submitted", colour: "turquoise")
        case "payment_in_progress": return Tag(label: "Payer payment review", colour: "yellow")
        case "payment_information_requested": return Tag(label: "Payer needs information", colour: "turquoise")
        case "payment_information_sent": return Tag(label: "Information sent to payer", colour: "yellow")
        case "paid": return Tag(label: "Paid", colour: "blue")
        case "payment_not_approved": return Tag(label: "Rejected by payer", colour: "orange")
        case "sampling_in_progress": return Tag(label: "Audit requested", colour: "yellow")
        case "sampling_provider_not_approved": return Tag(label: "Rejected by provider", colour: "turquoise")
        case "sampling_not_approved": return Tag(label: "Rejected by school", colour: "turquoise")
        case "clawback_requires_approval": return Tag(label: "Clawback requires approval", colour: "orange")
        case "clawback_rejected": return Tag(label: "Clawback rejected", colour: "red")
        case "clawback_requested": return Tag(label: "Ready for clawback", colour: "turquoise")
        case "clawback_in_progress": return Tag(label: "Sent to payer for clawback", colour: "yellow")
        case "clawback_complete": return Tag(label: "Clawback complete", colour: "blue")
        default: return Tag(label: status.replacingOccurrences(of: "_", with: " ").capitalized, colour: "grey")
        }
    }

    /// `2025 to 2026` for the academic year starting in September 2025.
    static func academicYear(_ year: Int) -> String { "\(year) to \(year + 1)" }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    /// An ISO 8601 timestamp (with or without fractional seconds) as a date.
    static func instant(_ iso: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(iso)) ?? (try? Date.ISO8601FormatStyle().parse(iso))
    }

    /// An ISO 8601 timestamp as `12 May 2026 at 9:15am`, London time.
    static func timestamp(_ iso: String) -> String {
        guard let date = instant(iso) else { return iso }
        let parts = LondonDates.calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let hour = parts.hour! % 12 == 0 ? 12 : parts.hour! % 12
        return
            "\(parts.day!) \(months[parts.month! - 1]) \(parts.year!) at \(hour):\(String(format: "%02d", parts.minute!))\(parts.hour! < 12 ? "am" : "pm")"
    }

    /// `1 May 2026` from `2026-05-01`.
    static func date(_ day: String) -> String {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return day }
        return "\(parts[2]) \(months[parts[1] - 1]) \(parts[0])"
    }

    /// `1 hour`, `12 hours`.
    static func hours(_ count: Int) -> String { count == 1 ? "1 hour" : "\(count) hours" }

    /// The region's name as people say it.
    static func region(_ code: String) -> String {
        switch code {
        case "inner_london": return "Inner London"
        case "outer_london": return "Outer London"
        case "fringe": return "Fringe"
        case "rest_of_england": return "Rest of England"
        default: return code
        }
    }
}
