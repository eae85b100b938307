import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

extension AuditDatabase {
    /// What support asked to sample.
    enum SampleRequest: Sendable {
        /// The service's own selection: a share of the year's paid value, from a seed.
        case share(year: Int, share: SampleShare, seed: UInt64?)
        /// Support's own list of claims and reasons.
        case list([SampleListRow])
    }

    /// What a sample request came to.
    enum SampleOutcome: Sendable {
        /// A new sample, or the response saved for the request's `Idempotency-Key`.
        case written(IdempotentOutcome<SampleView>)
        /// The same list was applied before: its reply.
        case listAlreadyApplied(String)
    }

    /// A list applied meanwhile, found inside the write transaction (so two identical lists sent at
    /// once make one sample).
    private struct AppliedMeanwhile: Error { let reply: String }

    /// Creates a sample: each claim marked as sampled, one request, file and deadline per provider
    /// with a link per address, and the messages, in one transaction.
    func createSample(_ sample: SampleRequest, by requester: Requester, idempotency: IdempotencyRequest) async throws -> SampleOutcome {
        let now = now()
        let listFingerprint: String? = if case .list(let rows) = sample { ProviderFiles.fingerprint(rows) } else { nil }
        do {
            return .written(
                try await writer.write { db in
                    try IdempotentOutcome<SampleView>.run(db, user: requester.id, key: idempotency.key, body: idempotency.body, now: now) {
                        if let listFingerprint,
                            let earlier = try AppliedUpload.earlier(db, kind: "sample-list", scope: "", fingerprint: listFingerprint)
                        {
                            throw AppliedMeanwhile(reply: earlier)
                        }
                        let (year, seed, paidPence, chosen) = try choose(db, sample)
                        let view = try writeSample(
                            db,
                            year: year,
                            seed: seed,
                            paidPence: paidPence,
                            sample: sample,
                            chosen: chosen,
                            by: requester,
                            now: now
                        )
                        if let listFingerprint {
                            try AppliedUpload.record(db, kind: "sample-list", scope: "", fingerprint: listFingerprint, reply: view, now: now)
                        }
                        return view
                    }
                }
            )
        } catch let meanwhile as AppliedMeanwhile {
            return .listAlreadyApplied(meanwhile.reply)
        }
    }

    /// The claims to sample, with their reasons, and the year and seed of the sample.
    private func choose(
        _ db: Database,
        _ sample: SampleRequest
    ) throws -> (
        year: Int, seed: UInt64, paidPence: Int64, [(reference: String, reason: String)]
    ) {
        switch sample {
        case .list(let rows):
            var statuses: [String: ClaimStatus] = [:]
            for row in rows { statuses[row.reference] = try AuditClaimRecord.find(db, row.reference)?.status }
            let chosen = try ProviderFiles.checkList(rows, statuses: statuses)
            let year = try chosen.first.flatMap { try AuditClaimRecord.find(db, $0.reference)?.academicYear } ?? 0
            return (year, UInt64.random(in: 1...UInt64(Int64.max)), try paidTotal(db, year: year), chosen.map { ($0.reference, $0.reason) })
        case .share(let year, let share, let seed):
            let seed = seed ?? UInt64.random(in: 1...UInt64(Int64.max))
            var paid: [PaidClaim] = []
            let cursor = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT reference, school_urn, amount_pence, flags != '[]' AS flagged FROM claims c WHERE academic_year = ? AND status = ?
                        AND NOT EXISTS (SELECT 1 FROM sample_claims s WHERE s.reference = c.reference)
                        """
                ),
                arguments: [year, ClaimStatus.paid.rawValue]
            )
            while let row = try cursor.next() {
                paid.append(PaidClaim(reference: row[0], schoolURN: row[1], amountPence: row[2], flagged: row[3]))
            }
            let yearTotal = try paidTotal(db, year: year)
            let chosen = SampleSelection.select(paid, share: share, seed: seed, yearTotal: yearTotal)
            return (year, seed, yearTotal, chosen.map { ($0.claim.reference, $0.reason.rawValue) })
        }
    }

    private func paidTotal(_ db: Database, year: Int) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT COALESCE(SUM(amount_pence), 0) FROM claims WHERE academic_year = ? AND status = ?"),
            arguments: [year, ClaimStatus.paid.rawValue]
        ) ?? 0
    }

    private func writeSample(
        _ db: Database,
        year: Int,
        seed: UInt64,
        paidPence: Int64,
        sample: SampleRequest,
        chosen: [(reference: String, reason: String)],
        by requester: Requester,
        now: Date
    ) throws -> SampleView {
        guard !chosen.isEmpty else { throw AuditError.nothingToSample }
        let share: Int64? = if case .share(_, let share, _) = sample { share.ppm } else { nil }
        try db.cachedStatement(
            sql:
                "INSERT INTO samples (academic_year, seed, share_ppm, created_at, created_by, claim_count, sampled_pence, paid_pence) VALUES (?, ?, ?, ?, ?, ?, 0, ?)"
        ).execute(arguments: [year, String(seed), share, Milliseconds(now), requester.email, chosen.count, paidPence])
        let sampleID = db.lastInsertedRowID
        for claim in chosen {
            do {
                try db.cachedStatement(sql: "INSERT INTO sample_claims (sample_id, reference, reason) VALUES (?, ?, ?)")
                    .execute(arguments: [sampleID, claim.reference, claim.reason])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw AuditError.alreadySampled(reference: claim.reference)
            }
            try AuditClaimRecord.setStatus(db, claim.reference, .samplingInProgress)
            try outbox.append(SampleClaimSelected(reference: claim.reference, sampleId: sampleID, sampleReason: claim.reason), in: db)
        }
        // Every sampled claim in one read, grouped by provider, in reference order.
        let claims = try AuditClaimRecord.fetchAll(
            db.cachedStatement(
                sql:
                    "SELECT c.* FROM sample_claims s JOIN claims c ON c.reference = s.reference WHERE s.sample_id = ? ORDER BY c.provider_code, c.reference"
            ),
            arguments: [sampleID]
        )
        try db.cachedStatement(sql: "UPDATE samples SET sampled_pence = ? WHERE id = ?").execute(arguments: [
            claims.reduce(Int64(0)) { $0 + $1.amountPence }, sampleID,
        ])
        // One request, file and deadline per provider; a link per recipient address.
        let due = LondonDates.text(ResponseDeadline.due(requestedOn: LondonDates.day(of: now)))
        for (code, claims) in Dictionary(grouping: claims, by: \.providerCode).sorted(by: { $0.key < $1.key }) {
            let file = ProviderFiles.requestFile(claims.map(\.fileClaim))
            let id = try ProviderRequestRecord.insert(db, sample: sampleID, provider: code, dueOn: due, at: Milliseconds(now), file: file)
            try issueProviderRequest(db, id: id, recipients: nil, reminder: nil, claimCount: claims.count, now: now)
        }
        return try SampleView.load(db, id: sampleID)
    }
}
