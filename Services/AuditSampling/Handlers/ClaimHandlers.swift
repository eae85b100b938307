import Foundation
import GRDB
import Messages
import Messaging

/// audit-sampling's own copy of claims, and the pre-payment checks run on each submission.
struct ClaimHandlers {
    let outbox: Outbox

    struct MentorLine: Codable {
        var trn: String
        var firstName: String
        var lastName: String
        var hours: Int
    }

    var handlers: [MessageHandler] {
        let outbox = self.outbox
        return [
            .on(ClaimSubmitted.self) { envelope, db in
                let m = envelope.payload
                let mentors = try String(decoding: JSONEncoder().encode(m.mentors.map {
                    MentorLine(trn: $0.trn, firstName: $0.firstName, lastName: $0.lastName, hours: $0.hours)
                }), as: UTF8.self)
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment,
                            school_group, provider_code, provider_name, academic_year, amount_pence, rate_pence, submitted_at, status, mentors)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?)
                        """,
                    arguments: [
                        m.reference, m.school.urn, m.school.name, m.school.localAuthority, m.school.typeOfEstablishment, m.school.group,
                        m.provider.code, m.provider.name, m.academicYear, m.amountPence, m.ratePence,
                        Int64(m.submittedAt.timeIntervalSince1970 * 1000), mentors,
                    ])
                try db.execute(
                    sql: "INSERT OR IGNORE INTO providers (code, name, email_addresses) VALUES (?, ?, ?)",
                    arguments: [m.provider.code, m.provider.name, m.provider.emailAddresses.joined(separator: ";")])
                try Self.runChecks(db, year: m.academicYear, outbox: outbox, cause: envelope.id, correlation: envelope.correlationId)
                return .applied
            },
            .on(ProviderUpserted.self) { envelope, db in
                let p = envelope.payload.provider
                try db.execute(
                    sql: """
                        INSERT INTO providers (code, name, email_addresses) VALUES (?, ?, ?)
                        ON CONFLICT (code) DO UPDATE SET name = excluded.name, email_addresses = excluded.email_addresses
                        """,
                    arguments: [p.code, p.name, p.emailAddresses.joined(separator: ";")])
                return .applied
            },
            .on(ClaimStatusChanged.self) { envelope, db in
                let m = envelope.payload
                try db.execute(
                    sql: "UPDATE claims SET status = ? WHERE reference = ? AND status = ?", arguments: [m.to, m.reference, m.from])
                if m.to == "paid" || m.to == "payment_not_approved" || m.to == "clawback_complete" {
                    // A claim back to paid (or closed) leaves its open sample.
                    try db.execute(sql: "UPDATE sample_claims SET open = 0 WHERE reference = ? AND open = 1", arguments: [m.reference])
                }
                return .applied
            },
            .on(ClaimDeleted.self) { envelope, db in
                try db.execute(sql: "UPDATE claims SET status = 'deleted' WHERE reference = ?", arguments: [envelope.payload.reference])
                return .applied
            },
        ]
    }

    /// Recomputes the year's flags and publishes `claim.flagged` for every claim whose flags
    /// changed, so a later claim that makes an earlier one flaggable flags both.
    static func runChecks(_ db: Database, year: Int, outbox: Outbox, cause: UUID, correlation: UUID) throws {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT reference, school_urn, provider_code, amount_pence, mentors, flags FROM claims WHERE academic_year = ? AND status NOT IN ('deleted', 'payment_not_approved')",
            arguments: [year])
        let claims = rows.map { row in
            SubmittedClaim(
                reference: row["reference"], schoolURN: row["school_urn"], providerCode: row["provider_code"], academicYear: year,
                amountPence: row["amount_pence"],
                mentorTRNs: ((try? JSONDecoder().decode([MentorLine].self, from: Data((row["mentors"] as String).utf8))) ?? []).map(\.trn))
        }
        let flags = PrePaymentChecks.flags(claims)
        for row in rows {
            let reference: String = row["reference"]
            let reasons = flags[reference] ?? []
            let encoded = String(decoding: try JSONEncoder().encode(reasons), as: UTF8.self)
            guard encoded != (row["flags"] as String), !reasons.isEmpty else { continue }
            try db.execute(sql: "UPDATE claims SET flags = ? WHERE reference = ?", arguments: [encoded, reference])
            try outbox.append(ClaimFlagged(reference: reference, reasons: reasons), in: db, correlationId: correlation, causationId: cause)
        }
    }
}
