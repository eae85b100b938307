import Foundation
import GRDB
import Messaging
import ServiceLifecycle
import ServiceSupport

/// Reminds providers weekly while a sampling request is open: every request not yet answered
/// whose last email is a week old is published again (with new links and its reminder number),
/// so notifications emails each address. Runs from the service's own data and clock; a restart
/// never reminds twice, because the time of the last email is stored with the request.
struct ProviderReminders: Service {
    static let interval: TimeInterval = 7 * 24 * 3600
    let env: ServiceEnvironment
    /// How often to look for reminders that are due.
    var checkEvery: Duration = .seconds(3600)

    /// Publishes every reminder due at `now`; returns how many.
    @discardableResult
    static func remindDue(database: some DatabaseWriter, outbox: Outbox, now: Date, base: String) async throws -> Int {
        try await database.write { db -> Int in
            let cutoff = AuditRoutes.millis(now.addingTimeInterval(-interval))
            let due = try Row.fetchAll(
                db,
                sql: "SELECT id, reminders FROM provider_requests WHERE responded_at IS NULL AND COALESCE(last_notified_at, created_at) <= ?",
                arguments: [cutoff]
            )
            for row in due {
                let reminder = (row["reminders"] as Int) + 1
                try db.execute(sql: "UPDATE provider_requests SET reminders = ? WHERE id = ?", arguments: [reminder, row["id"] as Int64])
                try AuditRoutes.publishRequest(db, requestID: row["id"], recipients: nil, now: now, base: base, outbox: outbox, reminder: reminder)
            }
            return due.count
        }
    }

    func run() async throws {
        // Stop at once on shutdown rather than finishing an hour's sleep.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Self.remindDue(database: env.database, outbox: env.outbox, now: env.now(), base: env.configuration.publicBaseURL)
                } catch {
                    env.logger.error("could not send provider reminders", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: checkEvery)
            }
        }
    }
}
