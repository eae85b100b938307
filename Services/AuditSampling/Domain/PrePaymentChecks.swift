import Foundation

/// A submitted claim as the pre-payment checks see it.
struct SubmittedClaim: Sendable, Equatable {
    let reference: String
    let schoolURN: Int
    let providerCode: String
    let academicYear: Int
    let amountPence: Int64
    let mentorTRNs: [String]
}

/// The pre-payment checks of `../spec/domain.md`: a mentor claimed by more than one school with the
/// same provider in the year, and a school whose submitted claims in the year total more than
/// £5,000. Flags never block payment.
enum PrePaymentChecks {
    static let schoolThresholdPence: Int64 = 500_000

    /// Every claim's flag reasons, given every submitted claim of the year. A later claim that
    /// makes an earlier one flaggable flags both, because the checks look at the whole year.
    static func flags(_ claims: [SubmittedClaim]) -> [String: [String]] {
        var schoolsByMentor: [String: Set<Int>] = [:]
        var totalBySchool: [Int: Int64] = [:]
        for claim in claims {
            totalBySchool[claim.schoolURN, default: 0] += claim.amountPence
            for trn in claim.mentorTRNs {
                schoolsByMentor["\(claim.academicYear)|\(claim.providerCode)|\(trn)", default: []].insert(claim.schoolURN)
            }
        }
        var flags: [String: [String]] = [:]
        for claim in claims {
            var reasons: [String] = []
            for trn in claim.mentorTRNs.sorted() {
                let schools = schoolsByMentor["\(claim.academicYear)|\(claim.providerCode)|\(trn)"] ?? []
                if schools.count > 1 {
                    reasons.append(
                        "Mentor \(trn) is claimed by \(schools.count) schools with provider \(claim.providerCode) in \(claim.academicYear)"
                    )
                }
            }
            if let total = totalBySchool[claim.schoolURN], total > schoolThresholdPence {
                reasons.append("The school's submitted claims for \(claim.academicYear) total more than £5,000")
            }
            if !reasons.isEmpty { flags[claim.reference] = reasons }
        }
        return flags
    }
}

/// One row of a provider's response file, as read.
struct ProviderResponseRow: Sendable, Equatable {
    let row: Int
    let reference: String
    let trn: String
    let accepted: String
    let reason: String
}

/// A claim's mentors in a provider request.
struct RequestedClaim: Sendable, Equatable {
    let reference: String
    let mentorTRNs: Set<String>
    let stillSampling: Bool
}

/// A provider's verdict on one claim.
struct ClaimVerdict: Sendable, Equatable {
    let reference: String
    /// Not-accepted mentors with their reasons; empty when every mentor is accepted.
    let rejected: [(trn: String, reason: String)]

    static func == (a: ClaimVerdict, b: ClaimVerdict) -> Bool {
        a.reference == b.reference && a.rejected.map { "\($0.trn)|\($0.reason)" } == b.rejected.map { "\($0.trn)|\($0.reason)" }
    }
}

/// Every problem of a provider response, by row (the header is row 1).
struct ProviderResponseProblems: Error, Equatable {
    struct RowProblem: Equatable {
        let row: Int
        let message: String
    }
    let problems: [RowProblem]
}

/// Validates a provider's response whole (`../spec/files.md`, "Provider response").
enum ProviderResponseCheck {
    /// The verdicts, or every problem by row; nothing is applied unless there are none.
    static func check(_ rows: [ProviderResponseRow], request: [RequestedClaim]) -> Result<[ClaimVerdict], ProviderResponseProblems> {
        var errors: [(Int, String)] = []
        let claims = Dictionary(uniqueKeysWithValues: request.map { ($0.reference, $0) })
        var answered: [String: [String: (Bool, String)]] = [:]
        var firstRow: [String: Int] = [:]
        for row in rows {
            let trn = row.trn.filter { !$0.isWhitespace }
            guard let claim = claims[row.reference] else {
                errors.append((row.row, "claim ‘\(row.reference)’ is not in this request"))
                continue
            }
            if !claim.stillSampling { errors.append((row.row, "claim \(row.reference) is no longer being sampled")) }
            firstRow[row.reference] = firstRow[row.reference] ?? row.row
            guard claim.mentorTRNs.contains(trn) else {
                errors.append((row.row, "mentor TRN ‘\(row.trn)’ is not on claim \(row.reference)"))
                continue
            }
            let value = row.accepted.trimmingCharacters(in: .whitespaces).lowercased()
            let accepted: Bool
            switch value {
            case "yes", "true": accepted = true
            case "no", "false": accepted = false
            default:
                errors.append((row.row, "claim_accepted must be yes or no, not ‘\(row.accepted)’"))
                continue
            }
            let reason = row.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            if !accepted && reason.isEmpty { errors.append((row.row, "a mentor who is not accepted needs a rejection_reason")) }
            if reason.count > 2_000 { errors.append((row.row, "the rejection_reason is longer than 2,000 characters: shorten it")) }
            if answered[row.reference]?[trn] != nil {
                errors.append((row.row, "mentor \(trn) of claim \(row.reference) is on more than one row"))
                continue
            }
            answered[row.reference, default: [:]][trn] = (accepted, reason)
        }
        var verdicts: [ClaimVerdict] = []
        for reference in answered.keys.sorted() {
            guard let claim = claims[reference] else { continue }
            let missing = claim.mentorTRNs.subtracting(answered[reference]?.keys.map { $0 } ?? []).sorted()
            if !missing.isEmpty {
                errors.append((firstRow[reference] ?? 1, "claim \(reference) has no row for mentor \(missing.joined(separator: ", "))"))
                continue
            }
            let rejected = (answered[reference] ?? [:]).filter { !$0.value.0 }.sorted { $0.key < $1.key }.map { (trn: $0.key, reason: $0.value.1) }
            verdicts.append(ClaimVerdict(reference: reference, rejected: rejected))
        }
        guard errors.isEmpty else {
            return .failure(ProviderResponseProblems(problems: errors.sorted { $0.0 < $1.0 }.map { .init(row: $0.0, message: $0.1) }))
        }
        return .success(verdicts)
    }
}
