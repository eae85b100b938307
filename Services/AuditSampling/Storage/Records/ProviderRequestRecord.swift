import Foundation
import GRDB
import ServiceSupport

/// A row of `provider_requests`: one provider's part of a sample, its file, deadline and reminders.
struct ProviderRequestRecord: FetchableRecord, Sendable {
    var id: Int64
    var sampleID: Int64
    var providerCode: String
    var dueOn: String
    var respondedAt: Milliseconds?
    var reminders: Int

    init(row: Row) throws {
        id = row["id"]
        sampleID = row["sample_id"]
        providerCode = row["provider_code"]
        dueOn = row["due_on"]
        respondedAt = row["responded_at"]
        reminders = row["reminders"]
    }

    static let columns = "id, sample_id, provider_code, due_on, responded_at, reminders"

    static func find(_ db: Database, _ id: Int64) throws -> ProviderRequestRecord? {
        try ProviderRequestRecord.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM provider_requests WHERE id = ?"), arguments: [id])
    }

    static func file(_ db: Database, _ id: Int64) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT file FROM provider_requests WHERE id = ?"), arguments: [id])
    }

    static func insert(_ db: Database, sample: Int64, provider: String, dueOn: String, at: Milliseconds, file: Data) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO provider_requests (sample_id, provider_code, due_on, created_at, file) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [sample, provider, dueOn, at, file])
        return db.lastInsertedRowID
    }

    /// A request's claims, and how many of them still wait for the provider's answer.
    static func progress(_ db: Database, sampleID: Int64, provider: String) throws -> (total: Int, unanswered: Int) {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT COUNT(*) AS total, SUM(CASE WHEN c.status = ? THEN 1 ELSE 0 END) AS open
                    FROM sample_claims s JOIN claims c ON c.reference = s.reference WHERE s.sample_id = ? AND c.provider_code = ?
                    """
            ),
            arguments: [ClaimStatus.samplingInProgress.rawValue, sampleID, provider]
        )
        return (row?["total"] ?? 0, row?["open"] ?? 0)
    }

    /// Closes every request of `sampleID` whose claims have all been answered (by the provider,
    /// or by support approving a claim): a request stays open, listed and reminded until then.
    static func closeAnswered(_ db: Database, sampleID: Int64, now: Date) throws {
        let open = try ProviderRequestRecord.fetchAll(
            db.cachedStatement(sql: "SELECT \(columns) FROM provider_requests WHERE sample_id = ? AND responded_at IS NULL"),
            arguments: [sampleID]
        )
        for request in open where try progress(db, sampleID: sampleID, provider: request.providerCode).unanswered == 0 {
            try db.cachedStatement(sql: "UPDATE provider_requests SET responded_at = ? WHERE id = ?").execute(arguments: [
                Milliseconds(now), request.id,
            ])
        }
    }
}

/// A row of `clawback_requests`: the clawback support asked for, and the second user's decision.
struct ClawbackRequestRecord: FetchableRecord, Sendable {
    /// Where a clawback request stands.
    enum State: String, Sendable { case pending, approved, rejected }

    var reference: String
    var requestedByID: String
    var requestedByEmail: String
    var requestedAt: Milliseconds?
    var mentors: [ClawbackLine]
    var amountPence: Int64
    var state: State
    var decidedByEmail: String?
    var decidedAt: Milliseconds?
    var reason: String?

    init(row: Row) throws {
        reference = row["reference"]
        requestedByID = row["requested_by_id"]
        requestedByEmail = row["requested_by_email"]
        requestedAt = row["requested_at"]
        mentors = try row.decodeJSON([[String]].self, column: "mentors").map(Self.line)
        amountPence = row["amount_pence"]
        state = try row.decode(State.self, column: "state")
        decidedByEmail = row["decided_by_email"]
        decidedAt = row["decided_at"]
        reason = row["reason"]
    }

    /// Lines are stored as `[trn, hours, notes]`, as the first release wrote them.
    private static func line(_ cells: [String]) -> ClawbackLine {
        ClawbackLine(
            trn: cells.first ?? "",
            hoursClawedBack: cells.count > 1 ? Int(cells[1]) ?? 0 : 0,
            notes: cells.count > 2 && !cells[2].isEmpty ? cells[2] : nil
        )
    }

    static func stored(_ lines: [ClawbackLine]) throws -> String {
        String(decoding: try JSONEncoder().encode(lines.map { [$0.trn, String($0.hoursClawedBack), $0.notes ?? ""] }), as: UTF8.self)
    }

    static func find(_ db: Database, _ reference: String) throws -> ClawbackRequestRecord? {
        try ClawbackRequestRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM clawback_requests WHERE reference = ?"), arguments: [reference])
    }
}
