import Foundation
import Logging
import Metrics
import ServiceLifecycle
import ServiceSupport

/// Each night, mentors' names are checked against the Teaching Record System by TRN (a name
/// changed after marriage reaches every school's list), in batches of 300 a minute, the pace
/// TRS allows. Restart-safe: the night due is worked out from the clock and the records, so a
/// night missed while the service was down, or cut off by a stop, is checked at start.
struct MentorNameSync: Service {
    /// The London hour of the nightly check.
    static let hour = 2
    /// Lookups a minute, at most.
    static let batchSize = 300

    let record: TeachingRecord
    let database: IntakeDatabase
    let logger: Logger
    var tick: Duration = .seconds(60)
    var batchInterval: Duration = .seconds(60)

    /// The night whose check is due at `instant`: today once 02:00 has passed in London, else
    /// yesterday. `YYYY-MM-DD`.
    static func dueNight(at instant: Date) -> String {
        let today = LondonDates.text(of: instant)
        return instant >= LondonDates.time(hour: hour, onTheDayOf: instant) ? today : (LondonDates.adding(-1, to: today) ?? today)
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let night = Self.dueNight(at: database.now())
                    if try await !database.hasCheckedMentorNames(on: night) {
                        let counts = try await check()
                        try await database.recordMentorNameSync(day: night, counts: counts)
                        Counter(label: "mentor_name_sync_total").increment()
                        Counter(label: "mentor_names_renamed_total").increment(by: counts.renamed)
                        logger.notice(
                            "checked mentors' names against the Teaching Record System",
                            metadata: [
                                "checked": "\(counts.checked)", "renamed": "\(counts.renamed)", "not_found": "\(counts.notFound)",
                                "failed": "\(counts.failed)",
                            ]
                        )
                    }
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("the nightly check of mentors' names stopped", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: tick)
            }
        }
    }

    /// Looks every listed TRN up, `batchSize` a minute, and renames where the record differs.
    func check() async throws -> MentorNameSyncCounts {
        var counts = MentorNameSyncCounts()
        let trns = try await database.mentorTRNs()
        var start = 0
        while start < trns.count {
            let batchStarted = ContinuousClock.now
            for trn in trns[start..<min(start + Self.batchSize, trns.count)] {
                try Task.checkCancellation()
                counts.checked += 1
                do {
                    guard let teacher = try await record.teacher(trn: trn) else {
                        counts.notFound += 1
                        continue
                    }
                    counts.renamed += try await database.renameMentor(trn: trn, firstName: teacher.firstName, lastName: teacher.lastName)
                } catch let error as TeachingRecord.Unavailable {
                    counts.failed += 1
                    if counts.failed == 1 { logger.warning("the Teaching Record System did not answer a name check: \(error.reason)") }
                }
            }
            start += Self.batchSize
            if start < trns.count { try await Task.sleep(until: batchStarted + batchInterval, clock: .continuous) }
        }
        return counts
    }
}
