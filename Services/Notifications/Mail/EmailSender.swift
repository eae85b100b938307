import Foundation
import GRDB
import Logging
import Messages
import Messaging
import Metrics
import ServiceLifecycle
import ServiceSupport

#if canImport(Glibc)
import Glibc
#endif

/// Where emails go: files in `MAIL_DIR` (the default), an SMTP server, or GOV.UK Notify.
protocol MailTransport: Sendable {
    /// Delivers one email; throws with the server's answer when it cannot. Returns the id the
    /// mail service gave the email when it reports delivery (Notify), nil otherwise.
    @discardableResult
    func send(_ email: Email) async throws -> String?
    /// Whether the mail service can say if it already took an email (by its Message-ID), so that
    /// an attempt whose answer was lost is asked about before the email is sent again.
    var recognisesRetries: Bool { get }
    /// The id of the email the mail service already took under this email's Message-ID, if any.
    func alreadySent(_ email: Email) async throws -> String?
    /// Where an email the mail service took (by its id) stands now.
    func deliveryStatus(of id: String) async throws -> DeliveryStatus
    /// Ends any open connection politely.
    func close() async
}

/// A transport's refusal, as the sender needs to know it.
protocol MailTransportError: Error {
    /// Trying again will not help: the email is marked failed at once.
    var isPermanent: Bool { get }
    /// The request may have reached the mail service without its answer coming back, so the
    /// next attempt first asks whether the email was taken.
    var answerLost: Bool { get }
}

extension MailTransportError {
    var answerLost: Bool { false }
}

extension MailTransport {
    var recognisesRetries: Bool { false }
    func alreadySent(_ email: Email) async throws -> String? { nil }
    func deliveryStatus(of id: String) async throws -> DeliveryStatus { .unknown }
    func close() async {}
}

/// One RFC 5322 `.eml` file per email, written atomically (a temporary file renamed into place);
/// the file is named by the email's Message-ID, so a retry overwrites rather than duplicates.
struct FileMailTransport: MailTransport {
    let directory: String

    @discardableResult
    func send(_ email: Email) async throws -> String? {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let safe = email.messageID.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        let final = URL(fileURLWithPath: directory).appendingPathComponent(String(safe) + ".eml")
        let temporary = URL(fileURLWithPath: directory).appendingPathComponent(".\(UUID().uuidString).tmp")
        try Data(EmailFormat.rfc5322(email).utf8).write(to: temporary)
        // rename(2) replaces atomically: a reader sees the old file or the new one, never half.
        guard rename(temporary.path, final.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: final.path])
        }
        return nil
    }
}

/// How the sender paces and retries.
struct SendingPolicy: Sendable {
    /// At most this many emails a second, evenly spaced (`MAIL_RATE_PER_SECOND`).
    var ratePerSecond: Int = 20
    /// Tries before an email is marked failed (`MAIL_MAX_ATTEMPTS`); support's retry allows as
    /// many again.
    var maxAttempts: Int = 6
    /// The first retry waits about this long; each further one twice as long, up to an hour,
    /// with ±20% jitter (`MAIL_RETRY_BASE_SECONDS`).
    var retryBase: Double = 30

    func backoff(afterAttempt attempt: Int) -> Double {
        min(3600, retryBase * pow(2, Double(max(0, attempt - 1)))) * Double.random(in: 0.8...1.2)
    }
}

/// Sends queued emails at a steady pace, records each as sent (publishing `notification.sent`)
/// or retries it with exponential backoff and jitter, and marks it failed after the last try or
/// at once when the server refuses it permanently (5xx).
///
/// Each email is recorded before it is sent and marked sent only after the server accepted it,
/// so a crash in between sends it again with the same Message-ID (at most one email per crash,
/// since one email is in flight at a time); a crash anywhere else sends nothing twice.
struct EmailSender: Service {
    let database: DatabasePool
    let outbox: Outbox
    let transport: any MailTransport
    let from: String
    let logger: Logger
    let now: @Sendable () -> Date
    var policy = SendingPolicy()
    /// When the first delivery check of an email the mail service took is due.
    var deliveryChecks = DeliveryCheckPolicy()

    /// Sends what is due now; returns how many were attempted.
    @discardableResult
    func sendDue(limit: Int = 100) async throws -> Int {
        let at = Int64(now().timeIntervalSince1970 * 1000)
        let due = try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM emails WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                arguments: [at, limit]
            )
        }
        let interval = Duration.nanoseconds(1_000_000_000 / Int64(max(1, policy.ratePerSecond)))
        let clock = ContinuousClock()
        var next = clock.now
        for row in due {
            // Steady pace: each email has its slot; a slow one uses up the following slots.
            if next > clock.now { try await Task.sleep(until: next, clock: clock) }
            next = max(next, clock.now.advanced(by: .zero)) + interval
            try await send(row)
        }
        return due.count
    }

    private func send(_ row: Row) async throws {
        let id: Int64 = row["id"]
        let template: String = row["template"]
        let recipient: String = row["recipient"]
        let reference: String? = row["claim_reference"]
        var email = Email(
            messageID: row["message_id"],
            from: from,
            to: recipient,
            subject: row["subject"],
            body: row["body"],
            date: Date(timeIntervalSince1970: Double(row["created_at"] as Int64) / 1000)
        )
        email.template = template
        email.replyTo = row["reply_to"]
        let outbox = self.outbox
        let marked = (row["sending_since"] as Int64?) != nil
        var requested = false
        do {
            var providerID: String?
            var found = false
            if transport.recognisesRetries {
                // An earlier attempt's answer was lost (a crash, a timeout): ask before sending again.
                if marked {
                    providerID = try await transport.alreadySent(email)
                    found = providerID != nil
                }
                if !found {
                    let since = Int64(now().timeIntervalSince1970 * 1000)
                    try await database.write { db in
                        try db.execute(sql: "UPDATE emails SET sending_since = ? WHERE id = ?", arguments: [since, id])
                    }
                }
            }
            if !found {
                requested = true
                providerID = try await transport.send(email)
            }
            let taken = providerID
            let sentAt = Int64(now().timeIntervalSince1970 * 1000)
            let firstCheck = taken == nil ? nil : sentAt + Int64(deliveryChecks.wait(afterChecks: 0) * 1000)
            try await database.write { db in
                try db.execute(
                    sql: """
                        UPDATE emails SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL, sending_since = NULL,
                            provider_id = ?, delivery_status = ?, delivery_checks = 0, delivery_next_check_at = ?, delivery_reported_at = NULL
                        WHERE id = ?
                        """,
                    arguments: [sentAt, taken, taken == nil ? nil : DeliveryStatus.created.rawValue, firstCheck, id]
                )
                try outbox.append(
                    NotificationSent(
                        fields: NotificationFields(notificationId: id, template: template, to: recipient, reference: reference, error: nil)
                    ),
                    in: db
                )
            }
            Counter(label: "notifications_emails_total", dimensions: [("template", template), ("outcome", "sent")]).increment()
            if found {
                logger.info("email found already sent; not sent again", metadata: ["notification_id": "\(id)", "template": "\(template)"])
            }
        } catch {
            let attempts = (row["attempts"] as Int) + 1
            let limit = (row["attempt_limit"] as Int?) ?? policy.maxAttempts
            let refusal = error as? any MailTransportError
            let failed = (refusal?.isPermanent ?? false) || attempts >= limit
            // Only an attempt that may have reached the mail service is asked about next time;
            // so is one whose question about the last attempt went unanswered.
            let unsure = (refusal?.answerLost ?? false) || (marked && !requested)
            let nextAttempt = Int64((now().timeIntervalSince1970 + policy.backoff(afterAttempt: attempts)) * 1000)
            let message = String(String(describing: error).prefix(500))
            try await database.write { db in
                try db.execute(
                    sql: """
                        UPDATE emails SET attempts = ?, last_error = ?, next_attempt_at = ?, status = ?,
                            sending_since = CASE WHEN ? THEN sending_since END
                        WHERE id = ?
                        """,
                    arguments: [attempts, message, nextAttempt, failed ? "failed" : "queued", unsure, id]
                )
                if failed {
                    try outbox.append(
                        NotificationFailed(
                            fields: NotificationFields(notificationId: id, template: template, to: recipient, reference: reference, error: message)
                        ),
                        in: db
                    )
                }
            }
            Counter(label: "notifications_emails_total", dimensions: [("template", template), ("outcome", failed ? "failed" : "retry")]).increment()
            logger.warning(
                failed ? "email failed" : "email not sent; will retry",
                metadata: ["notification_id": "\(id)", "template": "\(template)", "attempt": "\(attempts)", "error": "\(message)"]
            )
        }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let sent: Int
                do {
                    sent = try await sendDue()
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("email sender: \(error)")
                    sent = 0
                }
                if sent == 0 { try await Task.sleep(for: .milliseconds(200)) }
            }
        }
        await transport.close()
    }
}
