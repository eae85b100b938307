import GRDB
import ServiceSupport

/// A row of `claims`: payments' own copy of a submitted claim, kept from claims-intake's and
/// audit-sampling's messages, and where it stands with the payer.
struct ClaimRecord: FetchableRecord, Sendable {
    var reference: String
    var schoolURN: Int
    var schoolName: String
    var schoolLocalAuthority: String
    var schoolTypeOfEstablishment: String
    var schoolGroup: String
    var providerCode: String
    var providerName: String
    var academicYear: Int
    var claimWindowID: Int64
    var amountPence: Int64
    var ratePence: Int64
    var submittedAt: Milliseconds
    var status: ClaimStatus
    var statusReason: String?
    var paidPence: Int64
    var clawbackAmountPence: Int64
    var clawedBackPence: Int64
    var deleted: Bool
    /// Moves on with every change to the row (a trigger), for `If-Match`.
    var version: Int64

    init(row: Row) throws {
        reference = row["reference"]
        schoolURN = row["school_urn"]
        schoolName = row["school_name"]
        schoolLocalAuthority = row["school_local_authority"]
        schoolTypeOfEstablishment = row["school_type_of_establishment"]
        schoolGroup = row["school_group"]
        providerCode = row["provider_code"]
        providerName = row["provider_name"]
        academicYear = row["academic_year"]
        claimWindowID = row["claim_window_id"]
        amountPence = row["amount_pence"]
        ratePence = row["rate_pence"]
        submittedAt = row["submitted_at"]
        status = try row.decode(ClaimStatus.self, column: "status")
        statusReason = row["status_reason"]
        paidPence = row["paid_pence"]
        clawbackAmountPence = row["clawback_amount_pence"]
        clawedBackPence = row["clawed_back_pence"]
        deleted = row["deleted"]
        version = row["version"]
    }

    /// The claim as a payer's file shows it.
    var fileClaim: PayerFileClaim {
        PayerFileClaim(
            reference: reference,
            schoolURN: schoolURN,
            schoolName: schoolName,
            schoolLocalAuthority: schoolLocalAuthority,
            schoolTypeOfEstablishment: schoolTypeOfEstablishment,
            schoolGroup: schoolGroup,
            providerName: providerName,
            amountPence: amountPence,
            clawbackAmountPence: clawbackAmountPence,
            submittedAt: submittedAt
        )
    }

    /// The claim, by reference; deleted ones only when `includingDeleted`.
    static func find(_ db: Database, _ reference: String, includingDeleted: Bool = false) throws -> ClaimRecord? {
        try ClaimRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM claims WHERE reference = ?" + (includingDeleted ? "" : " AND deleted = 0")),
            arguments: [reference]
        )
    }

    /// The claims a new run of `kind` takes (of one claim window, for payments), by reference.
    static func eligible(_ db: Database, for kind: RunKind, window: Int64?) throws -> [ClaimRecord] {
        switch kind {
        case .payment:
            return try ClaimRecord.fetchAll(
                db.cachedStatement(
                    sql: "SELECT * FROM claims WHERE status = ? AND deleted = 0 AND (? IS NULL OR claim_window_id = ?) ORDER BY reference"
                ),
                arguments: [kind.eligibleStatus.rawValue, window, window]
            )
        case .clawback:
            return try ClaimRecord.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM claims WHERE status = ? AND clawback_amount_pence > 0 ORDER BY reference"),
                arguments: [kind.eligibleStatus.rawValue]
            )
        }
    }

    /// Saves a new status (and reason, when given) for `reference`.
    static func setStatus(_ db: Database, _ reference: String, _ status: ClaimStatus, reason: String? = nil) throws {
        try db.cachedStatement(sql: "UPDATE claims SET status = ?, status_reason = COALESCE(?, status_reason) WHERE reference = ?")
            .execute(arguments: [status.rawValue, reason, reference])
    }
}
