import Foundation
import GRDB
import Messages
import ServiceSupport

/// One mentor line of a claim as stored.
struct ClaimMentorLine: Sendable, Equatable {
    var trn: String
    var firstName: String
    var lastName: String
    var hours: Int
    var hoursClawedBack: Int
}

/// A claim as stored.
struct ClaimRecord: Sendable {
    var reference: String
    var schoolURN: Int
    var schoolName: String
    var providerCode: String
    var academicYear: Int
    var claimWindowID: Int64
    var status: ClaimStatus
    var totalHours: Int
    var ratePence: Int64?
    var amountPence: Int64?
    var clawbackAmountPence: Int64
    var createdAt: Date
    var createdByID: String
    var createdByEmail: String
    var submittedAt: Date?
    var submittedByID: String?
    var submittedByEmail: String?
    var statusReason: String?
    var flags: [String]
    var version: Int
    var mentors: [ClaimMentorLine]

    init(row: Row, mentors: [ClaimMentorLine]) throws {
        reference = row["reference"]
        schoolURN = row["school_urn"]
        schoolName = row["school_name"]
        providerCode = row["provider_code"]
        academicYear = row["academic_year"]
        claimWindowID = row["claim_window_id"]
        status = try row.decode(ClaimStatus.self, column: "status")
        totalHours = row["total_hours"]
        ratePence = row["rate_pence"]
        amountPence = row["amount_pence"]
        clawbackAmountPence = row["clawback_amount_pence"]
        createdAt = Date(timeIntervalSince1970: Double(row["created_at"] as Int64) / 1000)
        createdByID = row["created_by_id"]
        createdByEmail = row["created_by_email"]
        submittedAt = (row["submitted_at"] as Int64?).map { Date(timeIntervalSince1970: Double($0) / 1000) }
        submittedByID = row["submitted_by_id"]
        submittedByEmail = row["submitted_by_email"]
        statusReason = row["status_reason"]
        flags = try row.decodeJSON([String].self, column: "flags")
        version = row["version"]
        self.mentors = mentors
    }
}

/// An entry of a claim's activity log.
struct ActivityEntry: Sendable {
    var action: String
    var from: ClaimStatus?
    var to: ClaimStatus?
    var actor: Actor
    var reason: String?
    var messageID: UUID?
}

/// Claims, mentors and allowances in the service's database; each method runs inside the
/// caller's transaction.
enum ClaimStore {

    static func claim(_ db: Database, reference: String) throws -> ClaimRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM claims WHERE reference = ?", arguments: [reference]) else { return nil }
        let mentors = try Row.fetchAll(
            db,
            sql: "SELECT trn, first_name, last_name, hours, hours_clawed_back FROM claim_mentors WHERE reference = ? ORDER BY position",
            arguments: [reference]
        ).map {
            ClaimMentorLine(
                trn: $0["trn"],
                firstName: $0["first_name"],
                lastName: $0["last_name"],
                hours: $0["hours"],
                hoursClawedBack: $0["hours_clawed_back"]
            )
        }
        return try ClaimRecord(row: row, mentors: mentors)
    }

    /// A new, never-used reference.
    static func newReference(_ db: Database, using generator: inout some RandomNumberGenerator) throws -> String {
        while true {
            let candidate = ClaimReference.random(using: &generator).value
            try db.execute(sql: "INSERT OR IGNORE INTO claim_references (reference) VALUES (?)", arguments: [candidate])
            if db.changesCount == 1 { return candidate }
        }
    }

    /// Hours of `trn` with `provider` in `year` on every claim that counts, except `excluding`.
    static func usedHours(_ db: Database, trn: String, provider: String, year: Int, excluding reference: String?) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT COALESCE(SUM(hours), 0) FROM claim_mentors
                    WHERE trn = ? AND provider_code = ? AND academic_year = ? AND counts = 1 AND reference != ?
                    """
            ),
            arguments: [trn, provider, year, reference ?? ""]
        ) ?? 0
    }

    /// Whether the mentor trained with `provider` in an earlier year (so this year is a refresher).
    static func hadEarlierTraining(_ db: Database, trn: String, provider: String, year: Int) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM claim_mentors m JOIN claims c ON c.reference = m.reference
                    WHERE m.trn = ? AND m.provider_code = ? AND m.academic_year < ? AND c.status NOT IN ('draft', 'payment_not_approved'))
                    """
            ),
            arguments: [trn, provider, year]
        ) ?? false
    }

    /// The allowance of `trn` with `provider` in `year`.
    static func allowance(
        _ db: Database,
        trn: String,
        provider: String,
        year: AcademicYear,
        excluding reference: String?
    ) throws
        -> (type: HourAllowance.TrainingType, total: Int, used: Int)
    {
        let type: HourAllowance.TrainingType =
            try hadEarlierTraining(db, trn: trn, provider: provider, year: year.startYear) ? .refresher : .initial
        let used = try usedHours(db, trn: trn, provider: provider, year: year.startYear, excluding: reference)
        return (type, HourAllowance.total(year: year, type: type), used)
    }

    static func record(_ db: Database, reference: String, _ entry: ActivityEntry, at: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO claim_activity (reference, at, action, from_status, to_status, actor_id, actor_email, actor_service, reason, message_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                reference, Milliseconds(at), entry.action, entry.from?.rawValue, entry.to?.rawValue, entry.actor.id, entry.actor.email,
                entry.actor.service, entry.reason, entry.messageID.map { $0.uuidString.lowercased() },
            ]
        )
    }

    static func replaceMentors(_ db: Database, reference: String, provider: String, year: Int, lines: [ClaimMentorLine]) throws {
        try db.execute(sql: "DELETE FROM claim_mentors WHERE reference = ?", arguments: [reference])
        for (position, line) in lines.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO claim_mentors (reference, position, trn, first_name, last_name, hours, provider_code, academic_year)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [reference, position, line.trn, line.firstName, line.lastName, line.hours, provider, year]
            )
        }
    }
}
