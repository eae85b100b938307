import Foundation
import GRDB
import Messages
import ServiceSupport

/// Audit's view of one claim: flags, samples, each mentor's provider verdict, the school's
/// response, the clawback request and its decision.
struct AuditClaimView: Encodable, Sendable {
    struct Verdict: Encodable, Sendable {
        var trn: String
        var name: String
        var hours: Int
        var accepted: Bool
        var reason: String?
    }
    struct Sample: Encodable, Sendable {
        var sampleId: Int64
        var reason: String
        var open: Bool
        var requestId: Int64?
        var dueOn: String?
        var verdicts: [Verdict]
    }
    struct SchoolResponse: Encodable, Sendable {
        struct Line: Encodable, Sendable {
            var trn: String
            var reason: String
        }
        var mentors: [Line]
        var recordedBy: String
        var recordedAt: Date
    }
    struct Clawback: Encodable, Sendable {
        var state: String
        var requestedByEmail: String
        var requestedAt: Date?
        var mentors: [ClawbackMentor]
        var amountPence: Int64
        var decidedByEmail: String?
        var decidedAt: Date?
        var reason: String?
    }
    var reference: String
    var status: ClaimStatus
    var schoolUrn: Int
    var providerCode: String
    var academicYear: Int
    var amountPence: Int64
    var ratePence: Int64
    var flags: [String]
    var samples: [Sample]
    var schoolResponse: SchoolResponse?
    var clawback: Clawback?
    var version: Int64
}

extension AuditDatabase {
    func claimView(_ reference: String) async throws -> AuditClaimView {
        try await writer.read { db in
            guard let claim = try AuditClaimRecord.find(db, reference) else { throw AuditError.notYetInAudit(reference: reference) }
            let clawback = try ClawbackRequestRecord.find(db, reference).map { r in
                AuditClaimView.Clawback(
                    state: r.state.rawValue,
                    requestedByEmail: r.requestedByEmail,
                    requestedAt: r.requestedAt?.date,
                    mentors: r.mentors.map { ClawbackMentor(trn: $0.trn, hoursClawedBack: $0.hoursClawedBack, notes: $0.notes) },
                    amountPence: r.amountPence,
                    decidedByEmail: r.decidedByEmail,
                    decidedAt: r.decidedAt?.date,
                    reason: r.reason
                )
            }
            return AuditClaimView(
                reference: reference,
                status: claim.status,
                schoolUrn: claim.schoolURN,
                providerCode: claim.providerCode,
                academicYear: claim.academicYear,
                amountPence: claim.amountPence,
                ratePence: claim.ratePence,
                flags: claim.flags,
                samples: try samples(db, of: claim),
                schoolResponse: try schoolResponse(db, reference),
                clawback: clawback,
                version: claim.version
            )
        }
    }

    private func samples(_ db: Database, of claim: AuditClaimRecord) throws -> [AuditClaimView.Sample] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM sample_claims WHERE reference = ? ORDER BY sample_id"), arguments: [claim.reference])
            .map { row in
                let sampleID: Int64 = row["sample_id"]
                let request = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT id, due_on FROM provider_requests WHERE sample_id = ? AND provider_code = ?"),
                    arguments: [sampleID, claim.providerCode]
                )
                let verdicts = try Row.fetchAll(
                    db.cachedStatement(sql: "SELECT * FROM mentor_verdicts WHERE reference = ? AND sample_id = ? ORDER BY trn"),
                    arguments: [claim.reference, sampleID]
                ).map { v in
                    let mentor = claim.mentors.first { $0.trn == v["trn"] as String }
                    return AuditClaimView.Verdict(
                        trn: v["trn"],
                        name: mentor.map { "\($0.firstName) \($0.lastName)" } ?? "",
                        hours: mentor?.hours ?? 0,
                        accepted: v["accepted"],
                        reason: v["reason"]
                    )
                }
                return AuditClaimView.Sample(
                    sampleId: sampleID,
                    reason: row["reason"],
                    open: row["open"],
                    requestId: request?["id"],
                    dueOn: request?["due_on"],
                    verdicts: verdicts
                )
            }
    }

    private func schoolResponse(_ db: Database, _ reference: String) throws -> AuditClaimView.SchoolResponse? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM school_responses WHERE reference = ? ORDER BY sample_id DESC LIMIT 1"),
            arguments: [reference]
        ).map { r in
            AuditClaimView.SchoolResponse(
                mentors: try r.decodeJSON([[String]].self, column: "mentors").map { .init(trn: $0.first ?? "", reason: $0.count > 1 ? $0[1] : "") },
                recordedBy: r["recorded_by"],
                recordedAt: (r["recorded_at"] as Milliseconds).date
            )
        }
    }
}
