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
        /// What the mail service reported (Notify only): `created`, `sending`, `delivered`,
        /// `permanent-failure`, `temporary-failure`, `technical-failure` or `unknown`.
        var deliveryStatus: String?
        /// When the mail service reported its final status.
        var deliveryReportedAt: Date?
    }

    /// What support filters the log by.
    struct Search: Sendable {
        var claimReference: String?
        var to: String?
        var template: String?
        var status: String?
        var deliveryStatus: String?
    }

    /// A page of the log, newest first.
    static func page(_ db: Database, _ search: Search, _ pagination: Pagination) throws -> Page<Item> {
        let filter = """
            (? IS NULL OR claim_reference = ?) AND (? IS NULL OR recipient = ?) AND (? IS NULL OR template = ?) AND (? IS NULL OR status = ?)
            AND (? IS NULL OR delivery_status = ?)
            """
        let arguments: StatementArguments = [
            search.claimReference, search.claimReference, search.to, search.to, search.template, search.template, search.status, search.status,
            search.deliveryStatus, search.deliveryStatus,
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
                sentAt: (row["sent_at"] as Milliseconds?)?.date,
                deliveryStatus: row["delivery_status"],
                deliveryReportedAt: (row["delivery_reported_at"] as Milliseconds?)?.date
            )
        }
        return Page(items: items, page: pagination.page, perPage: pagination.perPage, total: total)
    }

    /// An address of a school that the mail service last reported as not receiving email.
    struct Undeliverable: Encodable, Sendable {
        var address: String
        var deliveryStatus: String
        var reason: String
        var reportedAt: Date
        /// The email that was not delivered.
        var notificationId: Int64
        var subject: String
    }

    /// The school's contact and user addresses whose latest email with a final delivery status
    /// was not delivered: an address that has since taken an email is left out, and so is one the
    /// school no longer has.
    static func undeliverable(_ db: Database, addresses: [String]) throws -> [Undeliverable] {
        try addresses.compactMap { address in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT id, subject, delivery_status, delivery_reported_at FROM emails
                            WHERE recipient = ? AND delivery_status IN ('delivered', 'permanent-failure', 'temporary-failure')
                            ORDER BY delivery_reported_at DESC, id DESC LIMIT 1
                            """
                    ),
                    arguments: [address]
                ),
                let status = DeliveryStatus(rawValue: row["delivery_status"]), status.isUndelivered
            else { return nil }
            return Undeliverable(
                address: address,
                deliveryStatus: status.rawValue,
                reason: status.explanation,
                reportedAt: ((row["delivery_reported_at"] as Milliseconds?) ?? Milliseconds(value: 0)).date,
                notificationId: row["id"],
                subject: row["subject"]
            )
        }
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

    /// Queues a failed email again, with as many attempts as the first time; and a sent one that
    /// the mail service reported as not delivered (the recipient's inbox was full, say).
    static func queueAgain(_ db: Database, id: Int64, now: Milliseconds, attempts: Int) throws -> Requeue {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT status, delivery_status FROM emails WHERE id = ?"), arguments: [id])
        else {
            return .unknown
        }
        let status: String = row["status"]
        let bounced = (row["delivery_status"] as String?).flatMap(DeliveryStatus.init(rawValue:))?.isUndelivered ?? false
        guard status == "failed" || (status == "sent" && bounced) else { return .notFailed(status) }
        try db.cachedStatement(
            sql: """
                UPDATE emails SET status = 'queued', next_attempt_at = ?, attempt_limit = attempts + ?, provider_id = NULL,
                    delivery_next_check_at = NULL
                WHERE id = ?
                """
        )
        .execute(arguments: [now, attempts, id])
        return .queued
    }
}
