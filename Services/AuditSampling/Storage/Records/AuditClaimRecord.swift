import Foundation
import GRDB
import ServiceSupport

/// A row of `claims`: audit-sampling's own copy of a submitted claim, its flags and where it
/// stands in the audit.
struct AuditClaimRecord: FetchableRecord, Sendable {
    var reference: String
    var schoolURN: Int
    var schoolName: String
    var schoolLocalAuthority: String
    var schoolTypeOfEstablishment: String
    var schoolGroup: String
    var providerCode: String
    var providerName: String
    var academicYear: Int
    var amountPence: Int64
    var ratePence: Int64
    var submittedAt: Milliseconds
    var status: ClaimStatus
    var flags: [String]
    var mentors: [ClaimMentorLine]
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
        amountPence = row["amount_pence"]
        ratePence = row["rate_pence"]
        submittedAt = row["submitted_at"]
        status = try row.decode(ClaimStatus.self, column: "status")
        flags = try row.decodeJSON([String].self, column: "flags")
        mentors = try row.decodeJSON([ClaimMentorLine].self, column: "mentors")
        version = row["version"]
    }

    /// The claim as its provider's file shows it.
    var fileClaim: RequestFileClaim {
        RequestFileClaim(
            reference: reference,
            schoolURN: schoolURN,
            schoolName: schoolName,
            schoolLocalAuthority: schoolLocalAuthority,
            schoolTypeOfEstablishment: schoolTypeOfEstablishment,
            schoolGroup: schoolGroup,
            providerName: providerName,
            submittedAt: submittedAt,
            mentors: mentors
        )
    }

    static func find(_ db: Database, _ reference: String) throws -> AuditClaimRecord? {
        try AuditClaimRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM claims WHERE reference = ?"), arguments: [reference])
    }

    /// Saves a new status.
    static func setStatus(_ db: Database, _ reference: String, _ status: ClaimStatus) throws {
        try db.cachedStatement(sql: "UPDATE claims SET status = ? WHERE reference = ?").execute(arguments: [status.rawValue, reference])
    }

    /// The claim leaves its open sample.
    static func closeSample(_ db: Database, _ reference: String) throws {
        try db.cachedStatement(sql: "UPDATE sample_claims SET open = 0 WHERE reference = ? AND open = 1").execute(arguments: [reference])
    }
}
