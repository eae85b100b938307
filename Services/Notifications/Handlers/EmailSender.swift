import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import Logging
import Messages
import Messaging
import ServiceLifecycle
import ServiceSupport

/// Where emails go: files in `MAIL_DIR` (the default) or an SMTP server.
protocol MailTransport: Sendable {
    /// Delivers one email; throws with the server's answer when it cannot.
    func send(_ email: Email) async throws
}

/// One RFC 5322 `.eml` file per email, written atomically (a temporary file renamed into place);
/// the file is named by the email's Message-ID, so a retry overwrites rather than duplicates.
struct FileMailTransport: MailTransport {
    let directory: String

    func send(_ email: Email) async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let safe = email.messageID.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        let final = URL(fileURLWithPath: directory).appendingPathComponent(String(safe) + ".eml")
        let temporary = URL(fileURLWithPath: directory).appendingPathComponent(".\(UUID().uuidString).tmp")
        try Data(EmailFormat.rfc5322(email).utf8).write(to: temporary)
        // rename(2) replaces atomically: a reader sees the old file or the new one, never half.
        guard rename(temporary.path, final.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: final.path])
        }
    }
}

/// Sends queued emails at a steady pace, records each as sent (publishing `notification.sent`)
/// or retries it with exponential backoff and jitter, and marks it failed after the last try.
struct EmailSender: Service {
    let database: DatabasePool
    let outbox: Outbox
    let transport: any MailTransport
    let from: String
    let logger: Logger
    let now: @Sendable () -> Date
    var maxAttempts = 6
    var pause: Duration = .milliseconds(20)

    /// Sends what is due now; returns how many were attempted.
    @discardableResult
    func sendDue(limit: Int = 100) async throws -> Int {
        let at = Int64(now().timeIntervalSince1970 * 1000)
        let due = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM emails WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY id LIMIT ?", arguments: [at, limit])
        }
        for row in due {
            let id: Int64 = row["id"]
            let template: String = row["template"]
            let recipient: String = row["recipient"]
            let reference: String? = row["claim_reference"]
            let email = Email(
                messageID: row["message_id"], from: from, to: row["recipient"], subject: row["subject"], body: row["body"],
                date: Date(timeIntervalSince1970: Double(row["created_at"] as Int64) / 1000))
            do {
                try await transport.send(email)
                let sentAt = now()
                let outbox = self.outbox
                try await database.write { db in
                    try db.execute(sql: "UPDATE emails SET status = 'sent', attempts = attempts + 1, sent_at = ? WHERE id = ?",
                                   arguments: [Int64(sentAt.timeIntervalSince1970 * 1000), id])
                    try outbox.append(
                        NotificationSent(fields: NotificationFields(notificationId: id, template: template, to: recipient, reference: reference, error: nil)),
                        in: db)
                }
            } catch {
                let attempts = (row["attempts"] as Int) + 1
                let failed = attempts >= maxAttempts
                let backoff = min(3600.0, pow(2.0, Double(attempts)) * 5) * Double.random(in: 0.8...1.2)
                let next = Int64((now().timeIntervalSince1970 + backoff) * 1000)
                let outbox = self.outbox
                let message = String(describing: error).prefix(500)
                try await database.write { db in
                    try db.execute(
                        sql: "UPDATE emails SET attempts = ?, last_error = ?, next_attempt_at = ?, status = ? WHERE id = ?",
                        arguments: [attempts, String(message), next, failed ? "failed" : "queued", id])
                    if failed {
                        try outbox.append(
                            NotificationFailed(fields: NotificationFields(notificationId: id, template: template, to: recipient, reference: reference, error: String(message))),
                            in: db)
                    }
                }
                logger.warning("email not sent", metadata: ["notification_id": "\(id)", "attempt": "\(attempts)", "error": "\(message)"])
            }
            try await Task.sleep(for: pause)
        }
        return due.count
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let sent = (try? await sendDue()) ?? 0
                if sent == 0 { try await Task.sleep(for: .milliseconds(250)) }
            }
        }
    }
}
