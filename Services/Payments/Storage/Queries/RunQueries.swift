import Foundation
import GRDB
import ServiceSupport

/// A run as support sees it: totals, and on its own page its claims and the payer's links.
struct RunView: Encodable, Sendable {
    var id: Int64
    var kind: RunKind
    var claimWindowId: Int64?
    var claimCount: Int
    var totalPence: Int64
    var createdBy: String
    var createdAt: Date
    var claims: [RunClaim]?
    var links: [LinkTable.Status]?

    /// One claim of the run and where it stands now.
    struct RunClaim: Encodable, Sendable {
        var reference: String
        var amountPence: Int64
        var status: ClaimStatus
    }
}

extension RunView {
    init(_ run: RunRecord, claims: [RunClaim]?, links: [LinkTable.Status]?) {
        self.init(
            id: run.id,
            kind: run.kind,
            claimWindowId: run.claimWindowID,
            claimCount: run.claimCount,
            totalPence: run.totalPence,
            createdBy: run.createdBy,
            createdAt: run.createdAt.date,
            claims: claims,
            links: links
        )
    }
}

/// What a new run would hold now.
struct PayableView: Encodable, Sendable {
    var claimWindowId: Int64?
    var claimCount: Int
    var totalPence: Int64
}

extension PaymentsDatabase {
    /// The runs of `kind`, newest first.
    func runs(_ kind: RunKind) async throws -> [RunView] {
        try await writer.read { db in try RunRecord.all(db, kind: kind).map { RunView($0, claims: nil, links: nil) } }
    }

    /// Run `id` with its claims and the state of each link sent for it.
    func run(_ id: Int64, kind: RunKind) async throws -> RunView {
        let now = now()
        return try await writer.read { db in
            guard let run = try RunRecord.find(db, id: id, kind: kind) else { throw PaymentsError.noSuchRun }
            let claims = try Row.fetchAll(
                db.cachedStatement(
                    sql:
                        "SELECT r.reference, r.amount_pence, c.status FROM run_claims r JOIN claims c ON c.reference = r.reference WHERE r.run_id = ? ORDER BY r.reference"
                ),
                arguments: [id]
            ).map {
                RunView.RunClaim(
                    reference: $0["reference"],
                    amountPence: $0["amount_pence"],
                    status: try $0.decode(ClaimStatus.self, column: "status")
                )
            }
            return RunView(run, claims: claims, links: try Self.links.statuses(db, owner: id, now: now))
        }
    }

    /// The count and total of what a new run of `kind` would take (of one window, for payments).
    func payable(_ kind: RunKind, window: Int64?) async throws -> PayableView {
        try await writer.read { db in
            let row: Row?
            switch kind {
            case .payment:
                row = try Row.fetchOne(
                    db.cachedStatement(
                        sql:
                            "SELECT COUNT(*) AS n, COALESCE(SUM(amount_pence), 0) AS total FROM claims WHERE status = ? AND deleted = 0 AND (? IS NULL OR claim_window_id = ?)"
                    ),
                    arguments: [kind.eligibleStatus.rawValue, window, window]
                )
            case .clawback:
                row = try Row.fetchOne(
                    db.cachedStatement(
                        sql:
                            "SELECT COUNT(*) AS n, COALESCE(SUM(clawback_amount_pence), 0) AS total FROM claims WHERE status = ? AND clawback_amount_pence > 0"
                    ),
                    arguments: [kind.eligibleStatus.rawValue]
                )
            }
            return PayableView(claimWindowId: window, claimCount: row?["n"] ?? 0, totalPence: row?["total"] ?? 0)
        }
    }
}
