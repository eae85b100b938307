import Foundation
import GRDB
import ServiceSupport

/// A row of `runs`: one file sent to the payer, payment or clawback, with its totals.
struct RunRecord: FetchableRecord, Sendable {
    var id: Int64
    var kind: RunKind
    var claimWindowID: Int64?
    var createdAt: Milliseconds
    var createdBy: String
    var claimCount: Int
    var totalPence: Int64

    init(row: Row) throws {
        id = row["id"]
        kind = try row.decode(RunKind.self, column: "kind")
        claimWindowID = row["claim_window_id"]
        createdAt = row["created_at"]
        createdBy = row["created_by"]
        claimCount = row["claim_count"]
        totalPence = row["total_pence"]
    }

    /// The run `id`, when it is of `kind`.
    static func find(_ db: Database, id: Int64, kind: RunKind) throws -> RunRecord? {
        try RunRecord.fetchOne(
            db.cachedStatement(
                sql: "SELECT id, kind, claim_window_id, created_at, created_by, claim_count, total_pence FROM runs WHERE id = ? AND kind = ?"
            ),
            arguments: [id, kind.rawValue]
        )
    }

    /// The runs of `kind`, newest first.
    static func all(_ db: Database, kind: RunKind) throws -> [RunRecord] {
        try RunRecord.fetchAll(
            db.cachedStatement(
                sql: "SELECT id, kind, claim_window_id, created_at, created_by, claim_count, total_pence FROM runs WHERE kind = ? ORDER BY id DESC"
            ),
            arguments: [kind.rawValue]
        )
    }

    /// The file sent with run `id` of `kind`.
    static func file(_ db: Database, id: Int64, kind: RunKind) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT file FROM runs WHERE id = ? AND kind = ?"), arguments: [id, kind.rawValue])
    }

    /// Saves a new run and returns its id.
    static func insert(
        _ db: Database,
        kind: RunKind,
        window: Int64?,
        at: Milliseconds,
        by: String,
        count: Int,
        total: Int64,
        file: Data
    ) throws
        -> Int64
    {
        try db.cachedStatement(
            sql: "INSERT INTO runs (kind, claim_window_id, created_at, created_by, claim_count, total_pence, file) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [kind.rawValue, window, at, by, count, total, file])
        return db.lastInsertedRowID
    }
}

/// Rows of `run_claims`: which claims a run holds, the amount asked of the payer for each, and
/// the payer's outcome. A claim is in at most one run of each kind (a unique key).
enum RunClaimRecords {
    /// Records `reference` in `run` for `amount`.
    static func insert(_ db: Database, run: Int64, kind: RunKind, reference: String, amount: Int64) throws {
        try db.cachedStatement(sql: "INSERT INTO run_claims (run_id, kind, reference, amount_pence) VALUES (?, ?, ?, ?)")
            .execute(arguments: [run, kind.rawValue, reference, amount])
    }

    /// The run's claims with where each stands now, by reference.
    static func members(_ db: Database, run: Int64) throws -> [String: RunMember] {
        var members: [String: RunMember] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: "SELECT r.reference, r.amount_pence, c.status FROM run_claims r JOIN claims c ON c.reference = r.reference WHERE r.run_id = ?"
            ),
            arguments: [run]
        )
        while let row = try rows.next() {
            members[row["reference"]] = RunMember(status: try row.decode(ClaimStatus.self, column: "status"), amountPence: row["amount_pence"])
        }
        return members
    }

    /// Saves the payer's outcome for one claim of the run.
    static func setOutcome(_ db: Database, run: Int64, reference: String, outcome: String) throws {
        try db.cachedStatement(sql: "UPDATE run_claims SET outcome = ? WHERE run_id = ? AND reference = ?").execute(arguments: [
            outcome, run, reference,
        ])
    }
}

/// Rows of `response_files`: each payer response applied, so the same file again changes nothing.
enum ResponseFileRecords {
    /// Whether a file with this content was already applied to `run`.
    static func applied(_ db: Database, run: Int64, fingerprint: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM response_files WHERE run_id = ? AND fingerprint = ?)"),
            arguments: [run, fingerprint]
        ) == true
    }

    /// Records that the file was applied.
    static func insert(_ db: Database, run: Int64, fingerprint: String, at: Milliseconds, by: String) throws {
        try db.cachedStatement(sql: "INSERT INTO response_files (run_id, fingerprint, applied_at, applied_by) VALUES (?, ?, ?, ?)")
            .execute(arguments: [run, fingerprint, at, by])
    }
}
