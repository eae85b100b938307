import Foundation
import ServiceSupport

/// A sampled claim as it is written to its provider's file.
struct RequestFileClaim: Equatable, Sendable {
    var reference: String
    var schoolURN: Int
    var schoolName: String
    var schoolLocalAuthority: String
    var schoolTypeOfEstablishment: String
    var schoolGroup: String
    var providerName: String
    var submittedAt: Milliseconds
    var mentors: [ClaimMentorLine]
}

/// One row of support's own sample list.
struct SampleListRow: Equatable, Sendable {
    var row: Int
    var reference: String
    var reason: String
}

/// The files of an audit, as pure code (`../spec/files.md`): the provider's request, the
/// provider's response read back, and support's sample list.
enum ProviderFiles {
    /// The provider request's columns.
    static let requestColumns = [
        "claim_reference", "school_urn", "school_name", "school_local_authority", "school_type_of_establishment", "school_group",
        "provider_name", "claim_submission_date", "mentor_trn", "mentor_full_name", "mentor_hours_of_training", "claim_accepted",
        "rejection_reason",
    ]

    /// The provider's file: one row per mentor of each claim, the answers left blank.
    static func requestFile(_ claims: [RequestFileClaim]) -> Data {
        var csv = CSVWriter(header: requestColumns)
        for claim in claims {
            let submitted = LondonDates.text(millis: claim.submittedAt.value)
            for mentor in claim.mentors {
                csv.append([
                    claim.reference, String(claim.schoolURN), claim.schoolName, claim.schoolLocalAuthority, claim.schoolTypeOfEstablishment,
                    claim.schoolGroup, claim.providerName, submitted, mentor.trn, "\(mentor.firstName) \(mentor.lastName)", String(mentor.hours), "",
                    "",
                ])
            }
        }
        return csv.data
    }

    /// The provider's response rows, read.
    static func responseRows(_ data: Data) throws(AuditError) -> [ProviderResponseRow] {
        let table = try read(data, required: ["claim_reference", "mentor_trn", "claim_accepted", "rejection_reason"])
        return table.rows.map {
            ProviderResponseRow(
                row: $0.number,
                reference: ClaimReferenceText.normalise($0["claim_reference"]),
                trn: $0["mentor_trn"],
                accepted: $0["claim_accepted"],
                reason: $0["rejection_reason"]
            )
        }
    }

    /// What a response says, whatever its row order or spacing: the same answers twice are the
    /// same upload.
    static func fingerprint(_ rows: [ProviderResponseRow]) -> String {
        rows.map {
            [
                $0.reference, $0.trn.filter { !$0.isWhitespace }, $0.accepted.trimmingCharacters(in: .whitespaces).lowercased(),
                $0.reason.trimmingCharacters(in: .whitespacesAndNewlines),
            ]
            .joined(separator: "\u{1F}")
        }.sorted().joined(separator: "\u{1E}")
    }

    /// Support's sample list: references and reasons.
    static func sampleList(_ data: Data) throws(AuditError) -> [SampleListRow] {
        try read(data, required: ["claim_reference", "sample_reason"]).rows.map {
            SampleListRow(row: $0.number, reference: ClaimReferenceText.normalise($0["claim_reference"]), reason: $0["sample_reason"])
        }
    }

    /// The same list twice is the same request.
    static func fingerprint(_ rows: [SampleListRow]) -> String {
        rows.map { "\($0.reference)\u{1F}\($0.reason)" }.sorted().joined(separator: "\u{1E}")
    }

    /// Every listed claim checked: known, paid, with a reason, listed once; or every bad row named.
    static func checkList(_ rows: [SampleListRow], statuses: [String: ClaimStatus]) throws(AuditError) -> [SampleListRow] {
        var errors: [FieldError] = []
        var seen = Set<String>()
        var chosen: [SampleListRow] = []
        for line in rows {
            var problems: [String] = []
            if let status = statuses[line.reference] {
                var lifecycle = AuditLifecycle(status)
                do { _ = try lifecycle.select() } catch { problems.append("claim \(line.reference) \(error.message)") }
            } else {
                problems.append("claim ‘\(line.reference)’ is not known")
            }
            if line.reason.isEmpty { problems.append("enter a sample_reason") }
            if !seen.insert(line.reference).inserted { problems.append("claim \(line.reference) is on more than one row") }
            if problems.isEmpty {
                chosen.append(line)
            } else {
                errors.append(FieldError(field: "row \(line.row)", message: problems.joined(separator: "; ")))
            }
        }
        guard errors.isEmpty else { throw .fileHasErrors(errors, nothing: "Nothing was sampled. Correct every row listed.") }
        return chosen
    }

    private static func read(_ data: Data, required: [String]) throws(AuditError) -> CSVTable {
        do { return try CSVTable(data, required: required) } catch let error as CSVFileError { throw .unreadableFile(error) } catch {
            throw .unreadableFile(.empty)
        }
    }
}
