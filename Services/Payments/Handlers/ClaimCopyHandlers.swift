import Foundation
import GRDB
import Messages
import Messaging

/// Keeps payments' own copy of what it needs about claims, from claims-intake's and
/// audit-sampling's messages; it never asks another service's database.
enum ClaimCopyHandlers {
    static var handlers: [MessageHandler] {
        [
            .on(ClaimSubmitted.self) { envelope, db in
                let m = envelope.payload
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO claims (reference, school_urn, school_name, school_local_authority, school_type_of_establishment,
                            school_group, provider_code, provider_name, academic_year, claim_window_id, amount_pence, rate_pence,
                            submitted_at, status)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted')
                        """,
                    arguments: [
                        m.reference, m.school.urn, m.school.name, m.school.localAuthority, m.school.typeOfEstablishment, m.school.group,
                        m.provider.code, m.provider.name, m.academicYear, m.claimWindowId, m.amountPence, m.ratePence,
                        Int64(m.submittedAt.timeIntervalSince1970 * 1000),
                    ]
                )
                return .applied
            },
            .on(ClaimDeleted.self) { envelope, db in
                // A claim already in a run stays in it (the run was committed first); otherwise it
                // can no longer be paid.
                try db.execute(
                    sql: "UPDATE claims SET deleted = 1, status = 'deleted' WHERE reference = ? AND status = 'submitted'",
                    arguments: [envelope.payload.reference]
                )
                return .applied
            },
            .on(ClaimStatusChanged.self) { envelope, db in
                // Mirror a step only when it starts where our copy stands: the steps payments takes
                // itself are already applied here, and an older message never moves a claim back.
                let m = envelope.payload
                try db.execute(
                    sql: "UPDATE claims SET status = ?, status_reason = ? WHERE reference = ? AND status = ?",
                    arguments: [m.to, m.reason, m.reference, m.from]
                )
                return .applied
            },
            .on(ClaimWindowUpserted.self) { _, _ in .applied },
            .on(SchoolUpserted.self) { envelope, db in
                let s = envelope.payload.school
                try db.execute(
                    sql: """
                        UPDATE claims SET school_name = ?, school_local_authority = ?, school_type_of_establishment = ?, school_group = ?
                        WHERE school_urn = ? AND status = 'submitted'
                        """,
                    arguments: [s.name, s.localAuthority, s.typeOfEstablishment, s.group, s.urn]
                )
                return .applied
            },
            .on(ClawbackApproved.self) { envelope, db in
                let m = envelope.payload
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM claims WHERE reference = ?)", arguments: [m.reference]) == true else {
                    return .parked(reason: "claim \(m.reference) has not arrived from claims-intake yet")
                }
                try db.execute(
                    sql: """
                        UPDATE claims SET clawback_amount_pence = ?,
                            status = CASE WHEN status IN ('clawback_requires_approval', 'clawback_requested') THEN 'clawback_requested' ELSE status END
                        WHERE reference = ?
                        """,
                    arguments: [m.clawbackAmountPence, m.reference]
                )
                return .applied
            },
        ]
    }
}
