import Foundation
import ServiceSupport

/// One claim as it is written to a payer's file.
struct PayerFileClaim: Equatable, Sendable {
    var reference: String
    var schoolURN: Int
    var schoolName: String
    var schoolLocalAuthority: String
    var schoolTypeOfEstablishment: String
    var schoolGroup: String
    var providerName: String
    var amountPence: Int64
    var clawbackAmountPence: Int64
    var submittedAt: Milliseconds

    /// What a run of `kind` asks the payer to move for this claim.
    func runAmount(_ kind: RunKind) -> Int64 { kind == .payment ? amountPence : clawbackAmountPence }
}

/// A claim of a run as the response is checked against it.
struct RunMember: Equatable, Sendable {
    var status: ClaimStatus
    var amountPence: Int64
}

/// One row of the payer's response that passed every check.
struct PayerAnswer: Equatable, Sendable {
    var reference: String
    var outcome: PayerOutcome
    var amountPence: Int64
}

/// The payer's files, as pure code: the CSV sent with a run, and the response read back and
/// checked row by row (`../spec/files.md`).
enum PayerFiles {
    /// The file for a run of `kind` holding `claims`, and the run's total in pence.
    static func runFile(_ kind: RunKind, claims: [PayerFileClaim]) -> (data: Data, totalPence: Int64) {
        var csv = CSVWriter(header: kind.fileColumns)
        var total: Int64 = 0
        for claim in claims {
            total += claim.runAmount(kind)
            let common = [
                claim.reference, String(claim.schoolURN), claim.schoolName, claim.schoolLocalAuthority, claim.providerName,
                CSVWriter.pounds(claim.amountPence),
            ]
            let tail = [claim.schoolTypeOfEstablishment, claim.schoolGroup, LondonDates.text(millis: claim.submittedAt.value)]
            switch kind {
            case .payment: csv.append(common + tail + [ClaimStatus.paymentInProgress.rawValue, ""])
            case .clawback: csv.append(common + [CSVWriter.pounds(claim.clawbackAmountPence)] + tail + [ClaimStatus.clawbackInProgress.rawValue])
            }
        }
        return (csv.data, total)
    }

    /// Reads a response file's table: the columns a run of `kind` needs.
    static func table(_ data: Data, kind: RunKind) throws(PaymentsError) -> CSVTable {
        do {
            return try CSVTable(data, required: kind.responseColumns, optional: ["clawback_unsuccessful_reason"])
        } catch let error as CSVFileError {
            throw .unreadableFile(error)
        } catch {
            throw .unreadableFile(.empty)
        }
    }

    /// What identifies a response's content: the same answers again are the same file, however
    /// the references were typed.
    static func fingerprint(_ table: CSVTable, kind: RunKind) -> String {
        table.rows.map { row in
            kind.responseColumns.map { $0 == "claim_reference" ? ClaimReferenceText.normalise(row[$0]) : row[$0] }.joined(separator: "\u{1F}")
        }.joined(separator: "\u{1E}")
    }

    /// Every row checked against the run's claims: the answers when every row is right, or every
    /// wrong row named (nothing is applied from a file with one bad row).
    static func answers(_ table: CSVTable, kind: RunKind, members: [String: RunMember]) throws(PaymentsError) -> [PayerAnswer] {
        var errors: [FieldError] = []
        var seen = Set<String>()
        var answers: [PayerAnswer] = []
        for row in table.rows {
            let reference = ClaimReferenceText.normalise(row["claim_reference"])
            var problems: [String] = []
            if !seen.insert(reference).inserted { problems.append("claim \(reference) is on more than one row") }
            let member = members[reference]
            if let member {
                do { try PaymentLifecycle(member.status).checkWithPayer(kind) } catch { problems.append("claim \(reference) \(error.message)") }
            } else {
                problems.append("claim ‘\(reference)’ is not in this run")
            }
            let outcome = self.outcome(row, kind: kind, problems: &problems)
            if problems.isEmpty, let member, let outcome {
                answers.append(PayerAnswer(reference: reference, outcome: outcome, amountPence: member.amountPence))
            } else {
                errors.append(FieldError(field: "row \(row.number)", message: problems.joined(separator: "; ")))
            }
        }
        guard errors.isEmpty else { throw .fileHasErrors(errors) }
        return answers
    }

    /// The row's `claim_status` as an outcome, or a problem naming what is allowed.
    private static func outcome(_ row: CSVTable.Row, kind: RunKind, problems: inout [String]) -> PayerOutcome? {
        let status = row["claim_status"].lowercased()
        let reason = row[kind.reasonColumn]
        switch (kind, status) {
        case (.payment, "paid"): return .paid
        case (.payment, "unpaid") where reason.isEmpty:
            problems.append("an unpaid claim needs a claim_unpaid_reason")
            return nil
        case (.payment, "unpaid"): return .unpaid(reason: reason)
        case (.payment, "payment_in_progress"), (.clawback, "clawback_in_progress"): return .stillInProgress
        case (.clawback, "clawback_complete"): return .clawbackComplete
        default:
            let allowed = kind == .payment ? "paid, unpaid, payment_in_progress" : "clawback_complete, clawback_in_progress"
            problems.append("claim_status must be \(allowed), not ‘\(row["claim_status"])’")
            return nil
        }
    }
}
