import Foundation
import GRDB
import ServiceSupport

/// A sample as support sees it, with each provider's progress.
struct SampleView: Codable, Sendable {
    struct Provider: Codable, Sendable {
        var code: String
        var requestId: Int64
        var claimCount: Int
        var dueOn: String
        var responded: Bool
        var unansweredClaims: Int
    }
    var id: Int64
    var academicYear: Int
    var seed: String
    var claimCount: Int
    var sampledPence: Int64
    var paidPence: Int64
    var createdAt: Date
    var createdBy: String
    var providers: [Provider]

    static func load(_ db: Database, id: Int64) throws -> SampleView {
        guard let sample = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM samples WHERE id = ?"), arguments: [id]) else {
            throw AuditError.noSuchSample
        }
        let requests = try ProviderRequestRecord.fetchAll(
            db.cachedStatement(sql: "SELECT \(ProviderRequestRecord.columns) FROM provider_requests WHERE sample_id = ? ORDER BY provider_code"),
            arguments: [id]
        )
        let providers = try requests.map { request in
            let progress = try ProviderRequestRecord.progress(db, sampleID: id, provider: request.providerCode)
            return Provider(
                code: request.providerCode,
                requestId: request.id,
                claimCount: progress.total,
                dueOn: request.dueOn,
                responded: request.respondedAt != nil,
                unansweredClaims: progress.unanswered
            )
        }
        return SampleView(
            id: id,
            academicYear: sample["academic_year"],
            seed: sample["seed"],
            claimCount: sample["claim_count"],
            sampledPence: sample["sampled_pence"],
            paidPence: sample["paid_pence"],
            createdAt: (sample["created_at"] as Milliseconds).date,
            createdBy: sample["created_by"],
            providers: providers
        )
    }
}

/// A claim flagged before payment.
struct FlagView: Encodable, Sendable {
    var reference: String
    var schoolUrn: Int
    var providerCode: String
    var academicYear: Int
    var reasons: [String]
}

/// An open provider request, with its progress.
struct RequestView: Encodable, Sendable {
    var id: Int64
    var sampleId: Int64
    var providerCode: String
    var dueOn: String
    var responded: Bool
    var claimCount: Int
    var unansweredClaims: Int
}

/// A provider's claim under audit, with its answer and where it stands now.
struct ProviderClaimView: Encodable, Sendable {
    var reference: String
    var sampleId: Int64
    var schoolUrn: Int
    var schoolName: String
    var providerCode: String
    var status: ClaimStatus
    var open: Bool
    var dueOn: String?
    var mentorsAccepted: Int
    var mentorsNotAccepted: Int
}

extension AuditDatabase {
    /// The claims flagged before payment, of one year when given.
    func flags(academicYear year: Int?) async throws -> [FlagView] {
        try await writer.read { db in
            try AuditClaimRecord.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM claims WHERE flags != '[]' AND (? IS NULL OR academic_year = ?) ORDER BY reference"),
                arguments: [year, year]
            ).map {
                FlagView(
                    reference: $0.reference,
                    schoolUrn: $0.schoolURN,
                    providerCode: $0.providerCode,
                    academicYear: $0.academicYear,
                    reasons: $0.flags
                )
            }
        }
    }

    /// The newest 200 samples.
    func samples() async throws -> [SampleView] {
        try await writer.read { db in
            try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM samples ORDER BY id DESC LIMIT 200")).map { try SampleView.load(db, id: $0) }
        }
    }

    func sample(_ id: Int64) async throws -> SampleView { try await writer.read { db in try SampleView.load(db, id: id) } }

    /// The open requests `user` may see, of one provider when `code` is given.
    func openRequests(for user: AuthenticatedUser, providerCode code: String?) async throws -> [RequestView] {
        try await writer.read { db in
            try ProviderRequestRecord.fetchAll(
                db.cachedStatement(sql: "SELECT \(ProviderRequestRecord.columns) FROM provider_requests WHERE responded_at IS NULL ORDER BY id")
            ).compactMap { request -> RequestView? in
                if let code, code.uppercased() != request.providerCode { return nil }
                guard AuditAccess.request(ofProvider: request.providerCode, for: user) == .allowed else { return nil }
                let progress = try ProviderRequestRecord.progress(db, sampleID: request.sampleID, provider: request.providerCode)
                return RequestView(
                    id: request.id,
                    sampleId: request.sampleID,
                    providerCode: request.providerCode,
                    dueOn: request.dueOn,
                    responded: false,
                    claimCount: progress.total,
                    unansweredClaims: progress.unanswered
                )
            }
        }
    }

    /// The sampled claims of `codes` (every provider's when nil), newest sample first.
    func providerClaims(codes: [String]?) async throws -> [ProviderClaimView] {
        try await writer.read { db -> [ProviderClaimView] in
            var sql = """
                SELECT s.sample_id, s.open, c.reference, c.school_urn, c.school_name, c.provider_code, c.status, r.due_on,
                       (SELECT COUNT(*) FROM mentor_verdicts v WHERE v.reference = c.reference AND v.sample_id = s.sample_id AND v.accepted = 1) AS accepted,
                       (SELECT COUNT(*) FROM mentor_verdicts v WHERE v.reference = c.reference AND v.sample_id = s.sample_id AND v.accepted = 0) AS rejected
                FROM sample_claims s JOIN claims c ON c.reference = s.reference
                LEFT JOIN provider_requests r ON r.sample_id = s.sample_id AND r.provider_code = c.provider_code
                """
            var arguments: [String] = []
            if let codes {
                guard !codes.isEmpty else { return [] }
                sql += " WHERE c.provider_code IN (\(codes.map { _ in "?" }.joined(separator: ", ")))"
                arguments = codes
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY s.sample_id DESC, c.reference LIMIT 1000", arguments: StatementArguments(arguments)).map
            {
                row in
                ProviderClaimView(
                    reference: row["reference"],
                    sampleId: row["sample_id"],
                    schoolUrn: row["school_urn"],
                    schoolName: row["school_name"],
                    providerCode: row["provider_code"],
                    status: try row.decode(ClaimStatus.self, column: "status"),
                    open: row["open"],
                    dueOn: row["due_on"],
                    mentorsAccepted: row["accepted"],
                    mentorsNotAccepted: row["rejected"]
                )
            }
        }
    }
}
