import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// Turns facts into queued emails, recorded before anything is sent, keyed by the fact that
/// caused them and the recipient.
struct EmailHandlers {
    let claimsBaseURL: String
    let domain = "mentor-claims.notifications"

    static func queue(
        _ db: Database, fact: UUID, rendered: Templates.Rendered, to recipient: String, reference: String?, at: Date, domain: String
    ) throws {
        let messageID = "\(fact.uuidString.lowercased()).\(rendered.template).\(abs(recipient.lowercased().hashValueStable))@\(domain)"
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO emails (fact_id, template, recipient, subject, body, message_id, claim_reference, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                fact.uuidString.lowercased(), rendered.template, recipient.lowercased(), rendered.subject, rendered.body, messageID, reference,
                Int64(at.timeIntervalSince1970 * 1000), Int64(at.timeIntervalSince1970 * 1000),
            ])
    }

    var handlers: [MessageHandler] {
        let base = claimsBaseURL
        let domain = self.domain
        return [
            .on(ClaimSubmitted.self) { envelope, db in
                let m = envelope.payload
                let rendered = Templates.claimSubmitted(m, claimURL: "\(base)/api/v1/claims/\(m.reference)")
                var recipients: [String] = []
                for address in [m.submittedBy.email].compactMap({ $0 }) + m.school.contactEmails
                where !recipients.contains(address.lowercased()) && EmailAddressShape.isPlausible(address) {
                    recipients.append(address.lowercased())
                }
                for recipient in recipients {
                    try Self.queue(db, fact: envelope.id, rendered: rendered, to: recipient, reference: m.reference, at: envelope.occurredAt, domain: domain)
                }
                return .applied
            },
            .on(PaymentRunCreated.self) { envelope, db in
                for link in envelope.payload.run.links {
                    let rendered = Templates.paymentRunCreated(envelope.payload.run, link: link.url, clawback: false)
                    try Self.queue(db, fact: envelope.id, rendered: rendered, to: link.email, reference: nil, at: envelope.occurredAt, domain: domain)
                }
                return .applied
            },
            .on(ClawbackRunCreated.self) { envelope, db in
                for link in envelope.payload.run.links {
                    let rendered = Templates.paymentRunCreated(envelope.payload.run, link: link.url, clawback: true)
                    try Self.queue(db, fact: envelope.id, rendered: rendered, to: link.email, reference: nil, at: envelope.occurredAt, domain: domain)
                }
                return .applied
            },
        ]
    }
}

extension String {
    /// FNV-1a: a hash that is the same in every process (Swift's `hashValue` is seeded per run).
    var hashValueStable: Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash >> 1)
    }
}
