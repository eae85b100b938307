import Foundation
import GRDB
import ServiceSupport

/// Payments' view of one claim: where it stands with the payer, its runs and their outcomes.
struct PaymentClaimView: Encodable, Sendable {
    var reference: String
    var status: ClaimStatus
    var statusReason: String?
    var schoolUrn: Int
    var schoolName: String
    var academicYear: Int
    var claimWindowId: Int64
    var amountPence: Int64
    var paidPence: Int64
    var clawbackAmountPence: Int64
    var clawedBackPence: Int64
    var deleted: Bool
    var paymentRun: Run?
    var clawbackRun: Run?
    var version: Int64

    /// A run the claim is in.
    struct Run: Encodable, Sendable {
        var id: Int64
        var kind: RunKind
        var createdAt: Date
        var amountPence: Int64
        var outcome: String?
    }
}

/// Per school and academic year: claimed, paid, clawed back and net, in pence, with totals.
struct LedgerView: Encodable, Sendable {
    var items: [Line]
    var totals: Totals

    struct Line: Encodable, Sendable {
        var schoolUrn: Int
        var schoolName: String
        var academicYear: Int
        var claimedPence: Int64
        var paidPence: Int64
        var clawedBackPence: Int64
        var netPence: Int64
    }

    struct Totals: Encodable, Sendable {
        var claimedPence: Int64
        var paidPence: Int64
        var clawedBackPence: Int64
        var netPence: Int64
    }
}

extension PaymentsDatabase {
    /// The claim as payments holds it, deleted or not.
    func claimView(_ reference: String) async throws -> PaymentClaimView {
        try await writer.read { db in
            guard let claim = try ClaimRecord.find(db, reference, includingDeleted: true) else {
                throw PaymentsError.notYetInPayments(reference: reference)
            }
            let runs = try Row.fetchAll(
                db.cachedStatement(
                    sql:
                        "SELECT r.id, r.kind, r.created_at, c.amount_pence, c.outcome FROM run_claims c JOIN runs r ON r.id = c.run_id WHERE c.reference = ?"
                ),
                arguments: [reference]
            ).map { row in
                PaymentClaimView.Run(
                    id: row["id"],
                    kind: try row.decode(RunKind.self, column: "kind"),
                    createdAt: (row["created_at"] as Milliseconds).date,
                    amountPence: row["amount_pence"],
                    outcome: row["outcome"]
                )
            }
            return PaymentClaimView(
                reference: reference,
                status: claim.status,
                statusReason: claim.statusReason,
                schoolUrn: claim.schoolURN,
                schoolName: claim.schoolName,
                academicYear: claim.academicYear,
                claimWindowId: claim.claimWindowID,
                amountPence: claim.amountPence,
                paidPence: claim.paidPence,
                clawbackAmountPence: claim.clawbackAmountPence,
                clawedBackPence: claim.clawedBackPence,
                deleted: claim.deleted,
                paymentRun: runs.first { $0.kind == .payment },
                clawbackRun: runs.first { $0.kind == .clawback },
                version: claim.version
            )
        }
    }

    /// The ledger, of one academic year and one school when given.
    func ledger(academicYear: Int?, schoolURN: Int?) async throws -> LedgerView {
        let lines = try await writer.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT school_urn, MAX(school_name) AS school_name, academic_year, SUM(amount_pence) AS claimed, SUM(paid_pence) AS paid,
                               SUM(clawed_back_pence) AS clawed
                        FROM claims WHERE deleted = 0 AND (? IS NULL OR academic_year = ?) AND (? IS NULL OR school_urn = ?)
                        GROUP BY school_urn, academic_year ORDER BY school_urn, academic_year
                        """
                ),
                arguments: [academicYear, academicYear, schoolURN, schoolURN]
            ).map { row in
                let paid: Int64 = row["paid"]
                let clawed: Int64 = row["clawed"]
                return LedgerView.Line(
                    schoolUrn: row["school_urn"],
                    schoolName: row["school_name"],
                    academicYear: row["academic_year"],
                    claimedPence: row["claimed"],
                    paidPence: paid,
                    clawedBackPence: clawed,
                    netPence: paid - clawed
                )
            }
        }
        let totals = LedgerView.Totals(
            claimedPence: lines.reduce(0) { $0 + $1.claimedPence },
            paidPence: lines.reduce(0) { $0 + $1.paidPence },
            clawedBackPence: lines.reduce(0) { $0 + $1.clawedBackPence },
            netPence: lines.reduce(0) { $0 + $1.netPence }
        )
        return LedgerView(items: lines, totals: totals)
    }
}
