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
                let mentors = try String(
                    decoding: JSONEncoder().encode(
                        m.mentors.map {
                            MentorLine(trn: $0.trn, firstName: $0.firstName, lastName: $0.lastName, hours: $0.hours)
                        }
                    ),
                    as: UTF8.self
                )
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
                    ]
                )
                try db.execute(
                    sql: "INSERT OR IGNORE INTO providers (code, name, email_addresses) VALUES (?, ?, ?)",
                    arguments: [m.provider.code, m.provider.name, m.provider.emailAddresses.joined(separator: ";")]
                )
                for mentor in m.mentors {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO claim_mentors (reference, academic_year, provider_code, trn) VALUES (?, ?, ?, ?)",
                        arguments: [m.reference, m.academicYear, m.provider.code, mentor.trn]
                    )
                }
                try Self.runChecks(
                    db,
                    year: m.academicYear,
                    school: m.school.urn,
                    provider: m.provider.code,
                    mentors: m.mentors.map(\.trn),
                    outbox: outbox,
                    cause: envelope.id,
                    correlation: envelope.correlationId
                )
                return .applied
            },
            .on(ProviderUpserted.self) { envelope, db in
                let p = envelope.payload.provider
                try db.execute(
                    sql: """
                        INSERT INTO providers (code, name, email_addresses) VALUES (?, ?, ?)
                        ON CONFLICT (code) DO UPDATE SET name = excluded.name, email_addresses = excluded.email_addresses
                        """,
                    arguments: [p.code, p.name, p.emailAddresses.joined(separator: ";")]
                )
                return .applied
            },
            .on(ClaimStatusChanged.self) { envelope, db in
                let m = envelope.payload
                try db.execute(
                    sql: "UPDATE claims SET status = ? WHERE reference = ? AND status = ?",
                    arguments: [m.to, m.reference, m.from]
                )
                let moved = db.changesCount == 1
                if m.to == "paid" || m.to == "payment_not_approved" || m.to == "clawback_complete" {
                    // A claim back to paid (or closed) leaves its open sample.
                    try db.execute(sql: "UPDATE sample_claims SET open = 0 WHERE reference = ? AND open = 1", arguments: [m.reference])
                }
                if moved && m.to == "payment_not_approved" {
                    try Self.recheckAfterRemoval(db, reference: m.reference, outbox: outbox, cause: envelope.id, correlation: envelope.correlationId)
                }
                return .applied
            },
            .on(ClaimDeleted.self) { envelope, db in
                try db.execute(
                    sql: "UPDATE claims SET status = 'deleted' WHERE reference = ? AND status != 'deleted'",
                    arguments: [envelope.payload.reference]
                )
                if db.changesCount == 1 {
                    try Self.recheckAfterRemoval(
                        db,
                        reference: envelope.payload.reference,
                        outbox: outbox,
                        cause: envelope.id,
                        correlation: envelope.correlationId
                    )
                }
                return .applied
            },
        ]
    }

    /// A claim deleted or not approved for payment no longer counts: the claims it could have
    /// flagged (its school's, and those sharing its mentors with its provider) are checked again,
    /// and a flag whose condition no longer holds is removed. Its own flags go too.
    static func recheckAfterRemoval(_ db: Database, reference: String, outbox: Outbox, cause: UUID, correlation: UUID) throws {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT academic_year, school_urn, provider_code, mentors, flags FROM claims WHERE reference = ?",
                arguments: [reference]
            )
        else { return }
        if (row["flags"] as String) != "[]" {
            try db.execute(sql: "UPDATE claims SET flags = '[]' WHERE reference = ?", arguments: [reference])
        }
        let mentors = ((try? JSONDecoder().decode([MentorLine].self, from: Data((row["mentors"] as String).utf8))) ?? []).map(\.trn)
        try runChecks(
            db,
            year: row["academic_year"],
            school: row["school_urn"],
            provider: row["provider_code"],
            mentors: mentors,
            outbox: outbox,
            cause: cause,
            correlation: correlation
        )
    }

    /// Recomputes the flags a new submission can change, and publishes `claim.flagged` for every
    /// claim whose flags changed, so a later claim that makes an earlier one flaggable flags
    /// both. Only claims of the same school, or sharing a mentor with the same provider in the
    /// year, can change; their flags are computed from everything they depend on (their schools'
    /// claims and the claims sharing their mentors), never from a scan of the whole year.
    static func runChecks(
        _ db: Database,
        year: Int,
        school: Int,
        provider: String,
        mentors: [String],
        outbox: Outbox,
        cause: UUID,
        correlation: UUID
    ) throws {
        let live = "c.academic_year = ? AND c.status NOT IN ('deleted', 'payment_not_approved')"
        let bySchool = try db.cachedStatement(sql: "SELECT c.reference FROM claims c WHERE \(live) AND c.school_urn = ?")
        let byMentor = try db.cachedStatement(
            sql: """
                SELECT c.reference FROM claim_mentors m JOIN claims c ON c.reference = m.reference
                WHERE \(live) AND m.academic_year = ? AND m.provider_code = ? AND m.trn = ?
                """
        )
        var affected = Set(try String.fetchAll(bySchool, arguments: [year, school]))
        for trn in mentors { affected.formUnion(try String.fetchAll(byMentor, arguments: [year, year, provider, trn])) }
        guard !affected.isEmpty else { return }
        func rows(_ references: Set<String>) throws -> [Row] {
            let list = Array(references)
            return try Row.fetchAll(
                db,
                sql:
                    "SELECT reference, school_urn, provider_code, amount_pence, mentors, flags FROM claims WHERE reference IN (\(list.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(list)
            )
        }
        let affectedRows = try rows(affected)
        var context = affected
        var schools = Set<Int>()
        var keys = Set<String>()
        for row in affectedRows {
            schools.insert(row["school_urn"])
            let code: String = row["provider_code"]
            for line in (try? JSONDecoder().decode([MentorLine].self, from: Data((row["mentors"] as String).utf8))) ?? [] {
                keys.insert("\(code)|\(line.trn)")
            }
        }
        for urn in schools where urn != school { context.formUnion(try String.fetchAll(bySchool, arguments: [year, urn])) }
        for key in keys {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            context.formUnion(try String.fetchAll(byMentor, arguments: [year, year, parts[0], parts[1]]))
        }
        let contextRows = context == affected ? affectedRows : try rows(context)
        let claims = contextRows.map { row in
            SubmittedClaim(
                reference: row["reference"],
                schoolURN: row["school_urn"],
                providerCode: row["provider_code"],
                academicYear: year,
                amountPence: row["amount_pence"],
                mentorTRNs: ((try? JSONDecoder().decode([MentorLine].self, from: Data((row["mentors"] as String).utf8))) ?? []).map(\.trn)
            )
        }
        let rows = affectedRows
        let flags = PrePaymentChecks.flags(claims)
        for row in rows {
            let reference: String = row["reference"]
            let reasons = flags[reference] ?? []
            let encoded = String(decoding: try JSONEncoder().encode(reasons), as: UTF8.self)
            // A flag whose condition no longer holds is removed (published with no reasons).
            guard encoded != (row["flags"] as String) else { continue }
            try db.execute(sql: "UPDATE claims SET flags = ? WHERE reference = ?", arguments: [encoded, reference])
            try outbox.append(ClaimFlagged(reference: reference, reasons: reasons), in: db, correlationId: correlation, causationId: cause)
        }
    }
}
