import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// audit-sampling's own copy of claims and providers, kept from other services' facts, and the
/// pre-payment checks run on each submission. Each function runs inside the inbox's transaction
/// for the message (`db`), so the copy, the flags it publishes and the message's receipt commit
/// together.
enum ClaimCopy {
    /// A claim arrived from claims-intake: stored once, its provider known, and the checks run.
    static func recordSubmission(_ m: ClaimSubmitted, in db: Database, outbox: Outbox, cause: UUID, correlation: UUID) throws {
        let mentors = m.mentors.map { ClaimMentorLine(trn: $0.trn, firstName: $0.firstName, lastName: $0.lastName, hours: $0.hours) }
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment,
                    school_group, provider_code, provider_name, academic_year, amount_pence, rate_pence, submitted_at, status, mentors)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            m.reference, m.school.urn, m.school.name, m.school.localAuthority, m.school.typeOfEstablishment, m.school.group, m.provider.code,
            m.provider.name, m.academicYear, m.amountPence, m.ratePence, Milliseconds(m.submittedAt), ClaimStatus.submitted.rawValue,
            try JSONColumn.encode(mentors),
        ])
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO providers (code, name, email_addresses) VALUES (?, ?, ?)").execute(arguments: [
            m.provider.code, m.provider.name, m.provider.emailAddresses.joined(separator: ";"),
        ])
        for mentor in m.mentors {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO claim_mentors (reference, academic_year, provider_code, trn) VALUES (?, ?, ?, ?)")
                .execute(arguments: [m.reference, m.academicYear, m.provider.code, mentor.trn])
        }
        try runChecks(
            db,
            year: m.academicYear,
            school: m.school.urn,
            provider: m.provider.code,
            mentors: m.mentors.map(\.trn),
            outbox: outbox,
            cause: cause,
            correlation: correlation
        )
    }

    /// A provider's name or addresses changed.
    static func upsertProvider(_ p: ProviderSnapshot, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO providers (code, name, email_addresses) VALUES (?, ?, ?)
                ON CONFLICT (code) DO UPDATE SET name = excluded.name, email_addresses = excluded.email_addresses
                """
        ).execute(arguments: [p.code, p.name, p.emailAddresses.joined(separator: ";")])
    }

    /// Another service moved the claim on: mirrored only from where this copy stands. A claim
    /// back to paid (or closed) leaves its open sample; one not approved for payment no longer
    /// counts in the checks. A status this version does not know is parked, not guessed.
    static func mirror(_ m: ClaimStatusChanged, in db: Database, outbox: Outbox, cause: UUID, correlation: UUID) throws -> HandlingOutcome {
        guard let to = ClaimStatus(rawValue: m.to) else {
            guard try AuditClaimRecord.find(db, m.reference)?.status.rawValue == m.from else { return .applied }
            return .parked(reason: "status ‘\(m.to)’ is not known to this version of audit-sampling")
        }
        try db.cachedStatement(sql: "UPDATE claims SET status = ? WHERE reference = ? AND status = ?").execute(arguments: [
            to.rawValue, m.reference, m.from,
        ])
        let moved = db.changesCount == 1
        if to == .paid || to == .paymentNotApproved || to == .clawbackComplete { try AuditClaimRecord.closeSample(db, m.reference) }
        if moved && to == .paymentNotApproved {
            try recheckAfterRemoval(db, reference: m.reference, outbox: outbox, cause: cause, correlation: correlation)
        }
        return .applied
    }

    /// The school deleted the claim: it no longer counts in the checks.
    static func recordDeletion(of reference: String, in db: Database, outbox: Outbox, cause: UUID, correlation: UUID) throws {
        try db.cachedStatement(sql: "UPDATE claims SET status = ? WHERE reference = ? AND status != ?").execute(arguments: [
            ClaimStatus.deleted.rawValue, reference, ClaimStatus.deleted.rawValue,
        ])
        if db.changesCount == 1 { try recheckAfterRemoval(db, reference: reference, outbox: outbox, cause: cause, correlation: correlation) }
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
        let mentors = try row.decodeJSON([ClaimMentorLine].self, column: "mentors").map(\.trn)
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
        let live = "c.academic_year = ? AND c.status NOT IN ('\(ClaimStatus.deleted.rawValue)', '\(ClaimStatus.paymentNotApproved.rawValue)')"
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
            for line in try row.decodeJSON([ClaimMentorLine].self, column: "mentors") {
                keys.insert("\(code)|\(line.trn)")
            }
        }
        for urn in schools where urn != school { context.formUnion(try String.fetchAll(bySchool, arguments: [year, urn])) }
        for key in keys {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            context.formUnion(try String.fetchAll(byMentor, arguments: [year, year, parts[0], parts[1]]))
        }
        let contextRows = context == affected ? affectedRows : try rows(context)
        try publishFlags(db, affected: affectedRows, context: contextRows, year: year, outbox: outbox, cause: cause, correlation: correlation)
    }

    /// Saves and publishes every affected claim's flags that changed, computed from its context.
    private static func publishFlags(
        _ db: Database,
        affected: [Row],
        context: [Row],
        year: Int,
        outbox: Outbox,
        cause: UUID,
        correlation: UUID
    ) throws {
        let claims = try context.map { row in
            SubmittedClaim(
                reference: row["reference"],
                schoolURN: row["school_urn"],
                providerCode: row["provider_code"],
                academicYear: year,
                amountPence: row["amount_pence"],
                mentorTRNs: try row.decodeJSON([ClaimMentorLine].self, column: "mentors").map(\.trn)
            )
        }
        let flags = PrePaymentChecks.flags(claims)
        for row in affected {
            let reference: String = row["reference"]
            let reasons = flags[reference] ?? []
            let encoded = try JSONColumn.encode(reasons)
            // A flag whose condition no longer holds is removed (published with no reasons).
            guard encoded != (row["flags"] as String) else { continue }
            try db.execute(sql: "UPDATE claims SET flags = ? WHERE reference = ?", arguments: [encoded, reference])
            try outbox.append(ClaimFlagged(reference: reference, reasons: reasons), in: db, correlationId: correlation, causationId: cause)
        }
    }
}
