import Foundation
import GRDB
import Logging
import Messages
import Messaging
import Metrics
import ServiceLifecycle
import ServiceSupport

/// Asks the mail service (GOV.UK Notify) where each email it took stands, until the answer is
/// final, and records it in the delivery log:
/// - `delivered` publishes `notification.delivered`;
/// - `permanent-failure` and `temporary-failure` publish `notification.failed` with the reason,
///   and show the address to support as not receiving email;
/// - `technical-failure` (Notify never sent it) queues the email again, within its attempts;
/// - no final status within a week is recorded as `unknown`.
///
/// Each check is one transaction: the status, the next check and the message published together,
/// so a crash repeats a check at most, never a message.
struct DeliveryTracker: Service {
    let database: DatabasePool
    let outbox: Outbox
    let transport: any MailTransport
    let logger: Logger
    let now: @Sendable () -> Date
    var policy = DeliveryCheckPolicy()
    var sending = SendingPolicy()

    /// An email whose delivery check is due.
    struct Due: Sendable {
        var id: Int64
        var template: String
        var recipient: String
        var reference: String?
        var providerID: String
        var sentAt: Int64?
        var checks: Int
        var attempts: Int
        var attemptLimit: Int?
    }

    /// Checks what is due now; returns how many emails it asked about.
    @discardableResult
    func checkDue(limit: Int = 100) async throws -> Int {
        let at = Int64(now().timeIntervalSince1970 * 1000)
        let due = try await database.read { db -> [Due] in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, template, recipient, claim_reference, provider_id, sent_at, delivery_checks, attempts, attempt_limit
                    FROM emails WHERE delivery_next_check_at IS NOT NULL AND delivery_next_check_at <= ? AND status = 'sent'
                      AND provider_id IS NOT NULL
                    ORDER BY delivery_next_check_at, id LIMIT ?
                    """,
                arguments: [at, limit]
            ).map { row in
                Due(
                    id: row["id"],
                    template: row["template"],
                    recipient: row["recipient"],
                    reference: row["claim_reference"],
                    providerID: row["provider_id"],
                    sentAt: row["sent_at"],
                    checks: row["delivery_checks"],
                    attempts: row["attempts"],
                    attemptLimit: row["attempt_limit"]
                )
            }
        }
        for email in due {
            try Task.checkCancellation()
            try await check(email)
        }
        return due.count
    }

    private func check(_ email: Due) async throws {
        let id = email.id
        let checks = email.checks + 1
        let status: DeliveryStatus
        do {
            status = try await transport.deliveryStatus(of: email.providerID)
        } catch {
            // Notify did not answer (or refused, such as a rate limit): ask again later.
            let next = Int64((now().timeIntervalSince1970 + policy.wait(afterChecks: checks)) * 1000)
            try await database.write { db in
                try db.execute(sql: "UPDATE emails SET delivery_checks = ?, delivery_next_check_at = ? WHERE id = ?", arguments: [checks, next, id])
            }
            logger.debug("delivery status not known yet", metadata: ["notification_id": "\(id)", "error": "\(error)"])
            return
        }
        let nowMillis = Int64(now().timeIntervalSince1970 * 1000)
        let fields = NotificationFields(
            notificationId: id,
            template: email.template,
            to: email.recipient,
            reference: email.reference,
            error: status == .delivered ? nil : status.explanation
        )
        let outbox = self.outbox
        let sentAt = email.sentAt ?? nowMillis
        let stale = Double(nowMillis - sentAt) / 1000 >= policy.giveUpAfter
        let recorded: DeliveryStatus = !status.isFinal && stale ? .unknown : status
        let attempts = email.attempts
        let attemptLimit = email.attemptLimit ?? sending.maxAttempts
        try await database.write { db in
            switch recorded {
            case .created, .sending, .pending:
                let next = nowMillis + Int64(policy.wait(afterChecks: checks) * 1000)
                try db.execute(
                    sql: "UPDATE emails SET delivery_status = ?, delivery_checks = ?, delivery_next_check_at = ? WHERE id = ?",
                    arguments: [recorded.rawValue, checks, next, id]
                )
            case .technicalFailure where attempts < attemptLimit:
                // Notify never sent it: send it again, as the next of its attempts.
                let next = nowMillis + Int64(sending.backoff(afterAttempt: attempts) * 1000)
                try db.execute(
                    sql: """
                        UPDATE emails SET status = 'queued', provider_id = NULL, delivery_status = ?, delivery_checks = ?,
                            delivery_next_check_at = NULL, delivery_reported_at = ?, next_attempt_at = ?, last_error = ?
                        WHERE id = ?
                        """,
                    arguments: [recorded.rawValue, checks, nowMillis, next, recorded.explanation, id]
                )
            case .technicalFailure:
                try db.execute(
                    sql: """
                        UPDATE emails SET status = 'failed', delivery_status = ?, delivery_checks = ?, delivery_next_check_at = NULL,
                            delivery_reported_at = ?, last_error = ?
                        WHERE id = ?
                        """,
                    arguments: [recorded.rawValue, checks, nowMillis, recorded.explanation, id]
                )
                try outbox.append(NotificationFailed(fields: fields), in: db)
            case .delivered, .permanentFailure, .temporaryFailure, .unknown:
                try db.execute(
                    sql: """
                        UPDATE emails SET delivery_status = ?, delivery_checks = ?, delivery_next_check_at = NULL, delivery_reported_at = ?,
                            last_error = ?
                        WHERE id = ?
                        """,
                    arguments: [recorded.rawValue, checks, nowMillis, recorded == .delivered ? nil : recorded.explanation, id]
                )
                if recorded == .delivered {
                    try outbox.append(NotificationDelivered(fields: fields), in: db)
                } else if recorded.isUndelivered {
                    try outbox.append(NotificationFailed(fields: fields), in: db)
                }
            }
        }
        if recorded.isFinal {
            Counter(label: "notifications_deliveries_total", dimensions: [("template", fields.template), ("status", recorded.rawValue)]).increment()
        }
        if recorded.isUndelivered || recorded == .technicalFailure {
            logger.warning(
                "email not delivered",
                metadata: ["notification_id": "\(id)", "template": "\(fields.template)", "delivery_status": "\(recorded.rawValue)"]
            )
        }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let checked: Int
                do {
                    checked = try await checkDue()
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("delivery tracker: \(error)")
                    checked = 0
                }
                if checked == 0 { try await Task.sleep(for: .milliseconds(500)) }
            }
        }
    }
}
