import GRDB
import Messages
import Messaging
import ServiceSupport

/// Payments' own copy of what it needs about claims, kept from other services' facts. Each
/// function runs inside the inbox's transaction for the message (`db`), so the copy and the
/// message's receipt commit together.
enum ClaimCopy {
    /// A claim arrived from claims-intake; a repeat changes nothing.
    static func recordSubmission(_ m: ClaimSubmitted, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment,
                    school_group, provider_code, provider_name, academic_year, claim_window_id, amount_pence, rate_pence,
                    submitted_at, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            m.reference, m.school.urn, m.school.name, m.school.localAuthority, m.school.typeOfEstablishment, m.school.group,
            m.provider.code, m.provider.name, m.academicYear, m.claimWindowId, m.amountPence, m.ratePence, Milliseconds(m.submittedAt),
            ClaimStatus.submitted.rawValue,
        ])
    }

    /// The school deleted the claim.
    static func recordDeletion(of reference: String, in db: Database) throws {
        guard let claim = try ClaimRecord.find(db, reference) else { return }
        var lifecycle = PaymentLifecycle(claim.status)
        guard lifecycle.deleted() else { return }
        try db.cachedStatement(sql: "UPDATE claims SET deleted = 1, status = ? WHERE reference = ?").execute(arguments: [
            lifecycle.status.rawValue, reference,
        ])
    }

    /// Another service moved the claim on. A status this version does not know is kept for later
    /// (parked), not guessed.
    static func mirror(_ m: ClaimStatusChanged, in db: Database) throws -> HandlingOutcome {
        guard let from = ClaimStatus(rawValue: m.from), let claim = try ClaimRecord.find(db, m.reference, includingDeleted: true),
            claim.status == from
        else { return .applied }
        guard let to = ClaimStatus(rawValue: m.to) else { return .parked(reason: "status ‘\(m.to)’ is not known to this version of payments") }
        var lifecycle = PaymentLifecycle(claim.status)
        guard lifecycle.mirror(from: from, to: to) else { return .applied }
        try db.cachedStatement(sql: "UPDATE claims SET status = ?, status_reason = ? WHERE reference = ?").execute(arguments: [
            lifecycle.status.rawValue, m.reason, m.reference,
        ])
        return .applied
    }

    /// A school's details changed: claims not yet sent show the new ones in the payer's file.
    static func updateSchool(_ school: SchoolSnapshot, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE claims SET school_name = ?, school_local_authority = ?, school_type_of_establishment = ?, school_group = ?
                WHERE school_urn = ? AND status = ?
                """
        ).execute(arguments: [
            school.name, school.localAuthority, school.typeOfEstablishment, school.group, school.urn, ClaimStatus.submitted.rawValue,
        ])
    }

    /// Audit approved a clawback of `amount`; parked until the claim itself has arrived.
    static func recordClawbackApproval(of reference: String, amount: Int64, in db: Database) throws -> HandlingOutcome {
        guard let claim = try ClaimRecord.find(db, reference, includingDeleted: true) else {
            return .parked(reason: "claim \(reference) has not arrived from claims-intake yet")
        }
        var lifecycle = PaymentLifecycle(claim.status)
        lifecycle.clawbackApproved()
        try db.cachedStatement(sql: "UPDATE claims SET clawback_amount_pence = ?, status = ? WHERE reference = ?").execute(arguments: [
            amount, lifecycle.status.rawValue, reference,
        ])
        return .applied
    }
}
