import Foundation
import GRDB
import Logging
import ServiceLifecycle
import ServiceSupport

/// The claim-window emails, scheduled inside the service from its own copy of windows,
/// eligibility and claims, and its own clock: "the window is open" on the opening day, then
/// reminders 30, 7 and 1 days before the close, to eligible schools that have not submitted a
/// claim in that window.
///
/// Each school gets at most one email per window milestone, ever: the `reminders` row and the
/// queued emails are written in one transaction. A service that was down on a milestone's day
/// sends, when it comes back, only the latest milestone due (with the real number of days left),
/// not a burst of stale ones.
struct WindowReminders: Service {
    let database: DatabasePool
    let claimsBaseURL: String
    let logger: Logger
    let now: @Sendable () -> Date
    var interval: Duration = .seconds(60)

    enum Milestone: String, CaseIterable {
        case opening = "opening"
        case closing30 = "closing_30"
        case closing7 = "closing_7"
        case closing1 = "closing_1"

        var daysBeforeClose: Int? {
            switch self {
            case .opening: return nil
            case .closing30: return 30
            case .closing7: return 7
            case .closing1: return 1
            }
        }
    }

    /// The milestone due for a window on `today` (all `YYYY-MM-DD`), if any: the latest whose day
    /// has come, while the window is open. A closing reminder that would fall on or before the
    /// opening day is skipped (the opening email says when it closes).
    static func milestone(today: String, opensOn: String, closesOn: String) -> Milestone? {
        guard today >= opensOn, today <= closesOn else { return nil }
        var due: Milestone = .opening
        for milestone in [Milestone.closing30, .closing7, .closing1] {
            guard let days = milestone.daysBeforeClose, let day = LondonDates.adding(-days, to: closesOn) else { continue }
            if day > opensOn && day <= today { due = milestone }
        }
        return due
    }

    /// Queues what is due now; returns how many emails it queued.
    @discardableResult
    func tick() async throws -> Int {
        let instant = now()
        let today = LondonDates.text(of: instant)
        let base = claimsBaseURL
        return try await database.write { db in
            var queued = 0
            let windows = try Directory.openWindows(db, on: today)
            for window in windows {
                let id: Int64 = window["id"]
                let year: Int = window["academic_year"]
                let opensOn: String = window["opens_on"]
                let closesOn: String = window["closes_on"]
                guard let milestone = Self.milestone(today: today, opensOn: opensOn, closesOn: closesOn) else { continue }
                // Eligible schools with no live submitted claim in this window and no email yet
                // for this milestone.
                let schools = try Directory.schoolsToRemind(db, year: year, window: id, milestone: milestone.rawValue)
                for school in schools {
                    let urn: Int = school["urn"]
                    let name: String = school["name"]
                    let contacts = try school.decodeJSON([String].self, column: "contact_emails") + (try Directory.users(db, urn: urn))
                    let rendered: Templates.Rendered
                    if milestone == .opening {
                        rendered = Templates.windowOpen(
                            schoolName: name,
                            academicYear: year,
                            opensOn: opensOn,
                            closesOn: closesOn,
                            url: "\(base)/schools/\(urn)"
                        )
                    } else {
                        let daysLeft = LondonDates.days(from: today, to: closesOn) ?? milestone.daysBeforeClose ?? 0
                        rendered = Templates.windowClosing(
                            schoolName: name,
                            academicYear: year,
                            closesOn: closesOn,
                            daysLeft: daysLeft,
                            url: "\(base)/schools/\(urn)"
                        )
                    }
                    let fact = StableUUID.make("claim-window:\(id):\(milestone.rawValue):\(urn)")
                    for recipient in EmailQueue.recipients(contacts) {
                        if try EmailQueue.queue(db, fact: fact, rendered: rendered, to: recipient, reference: nil, at: instant) { queued += 1 }
                    }
                    try Directory.recordReminder(db, window: id, milestone: milestone.rawValue, urn: urn, at: instant)
                }
            }
            return queued
        }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let queued = try await tick()
                    if queued > 0 { logger.info("claim window emails queued", metadata: ["count": "\(queued)"]) }
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("claim window reminders: \(error)")
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
