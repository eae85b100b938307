import Foundation
import GRDB
import ServiceSupport

/// The delivery log: every email queued, where it stands, and support sending a failed one again.
enum EmailLog {
    /// One email as the delivery log shows it.
    struct Item: Encodable, Sendable {
        var id: Int64
        var template: String
        var to: String
        var subject: String
        var claimReference: String?
        var status: String
        var attempts: Int
        var lastError: String?
        var createdAt: Date
        var nextAttemptAt: Date?
        var sentAt: Date?
    }

    /// What support filters the log by.
    struct Search: Sendable {
        var claimReference: String?
        var to: String?
        var template: String?
        var status: String?
    }

    /// A page of the log, newest first.
    static func page(_ db: Database, _ search: Search, _ pagination: Pagination) throws -> Page<Item> {
        let filter =
            "(? IS NULL OR claim_reference = ?) AND (? IS NULL OR recipient = ?) AND (? IS NULL OR template = ?) AND (? IS NULL OR status = ?)"
        let arguments: StatementArguments = [
            search.claimReference, search.claimReference, search.to, search.to, search.template, search.template, search.status, search.status,
        ]
        let total = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM emails WHERE \(filter)"), arguments: arguments) ?? 0
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM emails WHERE \(filter) ORDER BY id DESC LIMIT ? OFFSET ?"),
            arguments: arguments + [pagination.perPage, pagination.offset]
        )
        let items = rows.map { row in
            Item(
                id: row["id"],
                template: row["template"],
                to: row["recipient"],
                subject: row["subject"],
                claimReference: row["claim_reference"],
                status: row["status"],
                attempts: row["attempts"],
                lastError: row["last_error"],
                createdAt: (row["created_at"] as Milliseconds).date,
                nextAttemptAt: row["status"] as String == "queued" ? (row["next_attempt_at"] as Milliseconds).date : nil,
                sentAt: (row["sent_at"] as Milliseconds?)?.date
            )
        }
        return Page(items: items, page: pagination.page, perPage: pagination.perPage, total: total)
    }

    /// The emails one fact queued, in order.
    static func ids(_ db: Database, fact: UUID) throws -> [Int64] {
        try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM emails WHERE fact_id = ? ORDER BY id"), arguments: [fact.uuidString.lowercased()])
    }

    /// What asking to send an email again came to.
    enum Requeue: Equatable, Sendable {
        case queued
        case unknown
        case notFailed(String)
    }

    /// Queues a failed email again, with as many attempts as the first time.
    static func queueAgain(_ db: Database, id: Int64, now: Milliseconds, attempts: Int) throws -> Requeue {
        guard let status = try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM emails WHERE id = ?"), arguments: [id]) else {
            return .unknown
        }
        guard status == "failed" else { return .notFailed(status) }
        try db.cachedStatement(sql: "UPDATE emails SET status = 'queued', next_attempt_at = ?, attempt_limit = attempts + ? WHERE id = ?")
            .execute(arguments: [now, attempts, id])
        return .queued
    }
}
